"""Deterministic, realistic sample data for every unit of the registry.

The figures show what an analyst would recognise: more dossiers in the
admission season (June–August); most offices above the thresholds, but
GDTRH late on dossiers in the season (below 95% on time) and KTKD with a
low online rate; a school (THPT_THAIPHIEN) with few portal posts; GDTX with
no dossier at all in some months, so "when none" shows.

They behave over time as real monthly data does (contract v2, 3.1):
stocks (procedures) stay constant and change rarely (KHTC publishes its last
internal procedure in July; TT_GDTX_HP adds a procedure in September),
running totals (procedures with dossiers this year, the digital plan's
tasks) grow; the TTHC review is held in March, the ISO training in May and
the internal audit in October, each "Có" in that month only; catalogues are
due in February, May and September (`không phát sinh` in the other months),
GDTX sends May's late; TCCB receives a complaint in March and handles it in
April; GDTRH has two dossiers overdue in July that are resolved late in
August; THPT_NGOQUYEN sends nothing in April; KTKD leaves the online
dossiers blank in March.  Same seed, same numbers.
"""
from __future__ import annotations

import random
from typing import Any, Iterator

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.core.dataset import NOT_DUE, Observation
from cchc_lib.core.periods import Period
from cchc_lib.core.units import Registry, Unit

SEASON = {6: 2.4, 7: 2.8, 8: 2.0}
BASE_DOSSIERS = {"VP": 30, "GDMN": 35, "GDTH": 45, "GDTRH": 120, "GDTX": 20, "KTKD": 90, "TCCB": 25, "KHTC": 15}
LATE_UNIT, LOW_ONLINE_UNIT, FEW_POSTS_UNIT, NO_DOSSIER_UNIT = "GDTRH", "KTKD", "THPT_THAIPHIEN", "GDTX"
NO_DOSSIER_MONTHS = {1, 2, 4, 11}
SILENT = ("THPT_NGOQUYEN", 4)  # sends nothing that month
BLANK = ("KTKD", 3, "dossiers_online_l34")  # a figure left blank in a sent form
CATALOGUE_MONTHS = {2, 5, 9}  # a new catalogue of procedures was due


def _profile(unit: Unit, month: int, rnd: random.Random) -> dict[str, Any]:
    """One unit's figures for one month (every indicator of any kind)."""
    code = unit.code
    season = SEASON.get(month, 1.0)
    base = BASE_DOSSIERS.get(code, 12 if unit.kind == "truc_thuoc" else 20)
    received = int(base * season * rnd.uniform(0.85, 1.15))
    if code == NO_DOSSIER_UNIT and month in NO_DOSSIER_MONTHS:
        received = 0
    resolved = received if received < 5 else received - rnd.randint(0, 2)
    on_time_rate = rnd.uniform(0.97, 1.0)
    if code == LATE_UNIT and month in SEASON:
        on_time_rate = rnd.uniform(0.88, 0.93)
    on_time = min(resolved, round(resolved * on_time_rate))
    if code not in (LATE_UNIT,) and rnd.random() < 0.5:
        on_time = resolved
    overdue = resolved - on_time
    apologized = overdue if not (code == LATE_UNIT and month == 7) else max(0, overdue - 3)
    online_rate = rnd.uniform(0.25, 0.36) if code == LOW_ONLINE_UNIT else rnd.uniform(0.72, 0.96)
    procedures = {"VP": 12, "GDTRH": 28, "GDTH": 18, "GDMN": 15, "GDTX": 14, "KTKD": 22}.get(code, 8 if unit.kind == "truc_thuoc" else 10)
    if code == "TT_GDTX_HP" and month >= 9:  # a new procedure from September
        procedures += 1
    docs_out = rnd.randint(60, 180) if unit.kind != "truc_thuoc" else rnd.randint(20, 60)
    e_only = int(docs_out * rnd.uniform(0.85, 0.97))
    e_paper = int((docs_out - e_only) * rnd.uniform(0.3, 0.9))
    docs_e = e_only + e_paper
    signed_rate = rnd.uniform(0.55, 0.7) if code == "THPT_NGOQUYEN" else rnd.uniform(0.8, 0.97)
    posts = {"VP": rnd.randint(20, 30)}.get(code, rnd.randint(5, 11) if unit.kind == "phong" else rnd.randint(2, 6))
    if code == FEW_POSTS_UNIT:
        posts = rnd.choice([0, 0, 1, 1, 2])
    feedback = rnd.choice([0, 0, 0, 1, 1, 2, 3])
    handled = feedback
    if code == "TCCB" and month == 3:  # received in March, handled in April
        feedback, handled = 1, 0
    elif code == "TCCB" and month == 4:
        feedback, handled = 0, 1
    if code == LATE_UNIT and month == 7:  # two dossiers past their deadline, resolved late in August
        overdue, apologized = overdue + 2, apologized + 2
    elif code == LATE_UNIT and month == 8:
        overdue, apologized = max(0, overdue - 2), max(0, apologized - 2)
    tasks = {"van_phong": 3, "truc_thuoc": 1}.get(unit.kind, 2) + (month >= 7)  # due by the cut-off, a stock
    tasks_done = tasks if rnd.random() < 0.85 or month < 3 else tasks - 1
    tasks_on_time = tasks_done if code not in ("KHTC",) else max(0, tasks_done - 1)
    found = rnd.choice([1, 2, 3]) if month == 3 else 0  # the review is held in March
    iso_units_off = {"KHTC"}
    # running totals since January: procedures that have had dossiers this year
    with_dossiers = max(1, min(procedures, round(procedures * (0.3 + 0.06 * month))))
    online = procedures - 1
    online_with = min(online, round(online * (0.25 + (0.02 if code == LOW_ONLINE_UNIT else 0.06) * month)))
    due = month in CATALOGUE_MONTHS
    return {
        "tthc_control_plan_done": True,
        "tthc_review_done": month == 3 and code != "THPT_THAIPHIEN",
        "tthc_review_report_on_time": (code not in ("GDMN",)) if month == 4 else NOT_DUE,
        "tthc_review_issues_found": found,
        "tthc_review_issues_handled": found if code != "TT_GDTX_HP" else max(0, found - 1),
        "catalog_complete": True if due else NOT_DUE,
        "catalog_on_time": (not (code == "GDTX" and month == 5)) if due else NOT_DUE,
        "procedures_total": procedures,
        "procedures_internal_process_published": procedures if not (code == "KHTC" and month < 7) else procedures - 1,
        "procedures_public_at_desk": procedures,
        "procedures_public_on_portal": procedures if code != "TT_GDTX_HP" else procedures - 1,
        "hotline_posted": month >= 3,
        "desk_staff_list_posted": code != "GDMN",
        "procedures_via_one_stop": procedures,
        "dossiers_resolved": resolved,
        "dossiers_resolved_on_time": on_time,
        "dossiers_overdue": overdue,
        "dossiers_overdue_apologized": apologized,
        "service_quality_rating": "tot" if month < 7 else "xuat_sac",
        "feedback_received": feedback,
        "feedback_handled": handled,
        "dossiers_results_digitized": min(resolved, int(resolved * rnd.uniform(0.74, 0.98))),
        "decentralization_inspected": month == 5,
        "decentralization_issues_found": 2 if month == 5 else 0,
        "decentralization_issues_handled": 1 if month == 5 else (1 if month == 6 else 0),
        "dossiers_received": received,
        "dossiers_tracked_in_system": received - (1 if received > 20 and rnd.random() < 0.3 else 0),
        "procedures_in_system": procedures,
        "procedures_with_e_workflow": procedures - (1 if code in ("GDTH",) else 0),
        "docs_out_total": docs_out,
        "docs_out_electronic_only": e_only,
        "docs_out_electronic_and_paper": e_paper,
        "docs_electronic": docs_e,
        "docs_electronic_signed": int(docs_e * signed_rate),
        "dx_plan_tasks": 2 + month // 3,
        "dx_plan_tasks_done": 2 + (month - 1) // 3,  # each quarter's new task done the month after
        "info_nd43_published": True,
        "info_access_law_published": code not in ("KTKD",),
        "spokesperson_list_published": code in ("VP",) or month >= 6,
        "portal_news_posts": posts,
        "procedures_online_l34": online,
        "procedures_online_l34_with_dossiers": online_with,
        "dossiers_online_l34": int(received * online_rate),
        "procedures_with_dossiers": with_dossiers,
        "procedures_with_bcci_dossiers": round(with_dossiers * 0.7),
        "dossiers_received_bcci": int(received * rnd.uniform(0.12, 0.26)),
        "dossiers_returned_bcci": int(resolved * rnd.uniform(0.14, 0.28)),
        "iso_applied": code not in iso_units_off,
        "iso_announced": code not in iso_units_off,
        "iso_legal_updates_timely": (code not in ("GDTX",)) if month in (4, 10) else NOT_DUE,
        "iso_internal_audit_done": month == 10,
        "iso_training_done": month == 5,
        "iso_risk_assessment": "day_du" if code not in ("GDTX", "KHTC") else "chua_day_du",
        "procedures_iso": procedures if code not in iso_units_off else procedures - 2,
        "dossiers_iso_compliant": resolved if rnd.random() < 0.7 else max(0, resolved - 1),
        "city_tasks_assigned": tasks,
        "city_tasks_done": tasks_done,
        "city_tasks_done_on_time": tasks_on_time,
    }


def sample_observations(catalogue: Catalogue, registry: Registry, year: int = 2023,
                        seed: int = 2023) -> Iterator[Observation]:
    """Every unit × month of `year` × indicator of the unit's kind, typed."""
    for unit in registry:
        rnd = random.Random(f"{seed}-{unit.code}")
        wanted = catalogue.indicators_for_kind(unit.kind)
        for month in range(1, 13):
            figures = _profile(unit, month, rnd)
            if (unit.code, month) == SILENT:
                continue
            for ind in wanted:
                if (unit.code, month, ind) == BLANK:
                    continue
                yield Observation(unit.code, Period.month(year, month), ind, figures[ind])
