"""Deterministic, realistic sample data for every unit of the registry.

The figures show what an analyst would recognise: more dossiers in the
admission season (June–August); most offices above the thresholds, but
GDTRH late on dossiers in the season (below 95% on time) and KTKD with a
low online rate; a school (THPT_THAIPHIEN) with few portal posts; yearly
items (ISO, catalogue, hotline) true in some units only, and the internal
ISO audit done only from October; GDTX with no dossier at all in some
months, so "when none" shows.  Same seed, same numbers.
"""
from __future__ import annotations

import random
from typing import Any, Iterator

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.core.dataset import Observation
from cchc_lib.core.periods import Period
from cchc_lib.core.units import Registry, Unit

SEASON = {6: 2.4, 7: 2.8, 8: 2.0}
BASE_DOSSIERS = {"VP": 30, "GDMN": 35, "GDTH": 45, "GDTRH": 120, "GDTX": 20, "KTKD": 90, "TCCB": 25, "KHTC": 15}
LATE_UNIT, LOW_ONLINE_UNIT, FEW_POSTS_UNIT, NO_DOSSIER_UNIT = "GDTRH", "KTKD", "THPT_THAIPHIEN", "GDTX"
NO_DOSSIER_MONTHS = {1, 2, 4, 11}


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
    docs_out = rnd.randint(60, 180) if unit.kind != "truc_thuoc" else rnd.randint(20, 60)
    e_only = int(docs_out * rnd.uniform(0.85, 0.97))
    e_paper = int((docs_out - e_only) * rnd.uniform(0.3, 0.9))
    docs_e = e_only + e_paper
    signed_rate = rnd.uniform(0.55, 0.7) if code == "THPT_NGOQUYEN" else rnd.uniform(0.8, 0.97)
    posts = {"VP": rnd.randint(20, 30)}.get(code, rnd.randint(5, 11) if unit.kind == "phong" else rnd.randint(2, 6))
    if code == FEW_POSTS_UNIT:
        posts = rnd.choice([0, 0, 1, 1, 2])
    feedback = rnd.choice([0, 0, 0, 1, 1, 2, 3])
    handled = feedback if not (code == "TCCB" and feedback and month in (3, 9)) else feedback - 1
    tasks = rnd.choice([0, 1, 1, 2]) if unit.kind != "van_phong" else 1
    tasks_done = tasks if rnd.random() < 0.85 else max(0, tasks - 1)
    tasks_on_time = tasks_done if rnd.random() < 0.8 else max(0, tasks_done - 1)
    found = rnd.choice([0, 1, 2, 3])
    iso_units_off = {"KHTC"}
    with_dossiers = max(1, int(procedures * rnd.uniform(0.5, 0.9)))
    return {
        "tthc_control_plan_done": True,
        "tthc_review_done": not (code == "THPT_THAIPHIEN" and month < 4),
        "tthc_review_report_on_time": code not in ("GDMN",),
        "tthc_review_issues_found": found,
        "tthc_review_issues_handled": found if code != "TT_GDTX_HP" else max(0, found - 1),
        "catalog_complete": True,
        "catalog_on_time": code not in ("GDTX",),
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
        "service_quality_rating": rnd.choice(["xuat_sac", "tot", "tot"] if code != LATE_UNIT else ["kha", "tot"]),
        "feedback_received": feedback,
        "feedback_handled": handled,
        "dossiers_results_digitized": min(resolved, int(resolved * rnd.uniform(0.74, 0.98))),
        "decentralization_inspected": month >= 4,
        "decentralization_issues_found": found,
        "decentralization_issues_handled": found,
        "dossiers_received": received,
        "dossiers_tracked_in_system": received - (1 if received > 20 and rnd.random() < 0.3 else 0),
        "procedures_in_system": procedures,
        "procedures_with_e_workflow": procedures - (1 if code in ("GDTH",) else 0),
        "docs_out_total": docs_out,
        "docs_out_electronic_only": e_only,
        "docs_out_electronic_and_paper": e_paper,
        "docs_electronic": docs_e,
        "docs_electronic_signed": int(docs_e * signed_rate),
        "dx_plan_tasks": 3,
        "dx_plan_tasks_done": rnd.choice([2, 3, 3]),
        "info_nd43_published": True,
        "info_access_law_published": code not in ("KTKD",),
        "spokesperson_list_published": code in ("VP",) or month >= 6,
        "portal_news_posts": posts,
        "procedures_online_l34": procedures - 1,
        "procedures_online_l34_with_dossiers": int((procedures - 1) * (0.45 if code == LOW_ONLINE_UNIT else 0.8)),
        "dossiers_online_l34": int(received * online_rate),
        "procedures_with_dossiers": with_dossiers,
        "procedures_with_bcci_dossiers": int(with_dossiers * rnd.uniform(0.55, 0.95)),
        "dossiers_received_bcci": int(received * rnd.uniform(0.12, 0.26)),
        "dossiers_returned_bcci": int(resolved * rnd.uniform(0.14, 0.28)),
        "iso_applied": code not in iso_units_off,
        "iso_announced": code not in iso_units_off,
        "iso_legal_updates_timely": code not in ("GDTX",),
        "iso_internal_audit_done": month >= 10,
        "iso_training_done": month >= 5,
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
            for ind in wanted:
                yield Observation(unit.code, Period.month(year, month), ind, figures[ind])
