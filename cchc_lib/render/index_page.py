"""`output/index.html`: every report with its score and links, self-contained.

`index_html(entries)` is a pure function of the published figures (one
dict per report, as in `<name>.json`, plus `period_dir` and the files that
exist); `collect(output_dir)` reads them, each validated against the
contract of `reports.figures` (a file that does not match is left out and
named).  The page is the template `templates/index_page/`: per period the
department, the submission status with a link to its details, then each
group of unit kinds ranked on its own; a few lines of script sort and filter,
and the page is complete without them.  Everything shown is escaped.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any, Iterable

from cchc_lib.core.periods import parse_period
from cchc_lib.core.settings import DEFAULTS, Settings
from cchc_lib.errors import PeriodError
from cchc_lib.fmt import percent_vi, points_vi
from cchc_lib.reports import figures
from cchc_lib.reports.templating import render
from cchc_lib.render.jobs import SUFFIXES

#: Where the department report shows who sent their figures on time (`sections/status.html.j2`).
STATUS_ANCHOR = "tinh-hinh-nop-so-lieu"
#: The group of a report that names none (figures written by hand, for tests).
OTHERS = "Các đơn vị"
#: The files a report may have, and the link text the index gives them.
LINKS = tuple((fmt, suffix) for fmt, suffix in SUFFIXES.items())
LINK_TEXT = {"self-assessment": "Tự đánh giá (XLSX)"}


def _period_key(name: str):
    try:
        p = parse_period(name)
        return (-p.year, -p.months[-1].index, p.length)
    except PeriodError:
        return (0, 0, 0)


def collect(output_dir: Path, problems: list[str] | None = None) -> list[dict]:
    """Published figures of every report under output_dir/<period>/; a file
    that does not match the contract is left out (and described in `problems`)."""
    entries = []
    for j in sorted(Path(output_dir).glob("*/*.json")):
        try:
            doc = figures.read(j)
        except figures.FiguresError as e:
            if problems is not None:
                problems.append(str(e))
            continue
        doc["period_dir"] = j.parent.name
        doc["name"] = doc.get("name") or j.stem
        doc["links"] = {label: f"{j.parent.name}/{j.stem}{suffix}" for label, suffix in LINKS
                        if (j.parent / f"{j.stem}{suffix}").is_file()}
        entries.append(doc)
    return entries


def _shown(e: dict, settings: Settings) -> dict[str, Any]:
    band = settings.reports.band(e.get("percent")) if not e.get("no_data") else None
    optional = dict.fromkeys(("rank", "ranked", "rank_in_group", "ranked_in_group", "percent", "status", "ranking"))
    return {**optional, **e, "name": e.get("unit_name") or e.get("unit") or settings.organisation.whole,
            "points_text": "–" if e.get("no_data") else points_vi(e["points"]),
            "max_text": points_vi(e["max_points"]),
            "percent_text": percent_vi(e["percent"] / 100) if e.get("percent") is not None else "–",
            "colour": band.colour if band else "", "band": settings.reports.band_label(band) if band else "",
            "links": [(LINK_TEXT.get(fmt, fmt.upper()), href) for fmt, href in e.get("links", {}).items()],
            "html": e.get("links", {}).get("html", ""), "no_data": bool(e.get("no_data")),
            "no_data_text": "nộp biểu trống" if e.get("blank_form") else "chưa gửi số liệu"}


def _label(period: str) -> str:
    try:
        return parse_period(period).label_vi
    except PeriodError:
        return period


def index_html(entries: Iterable[dict], made: _dt.datetime | None = None, settings: Settings = DEFAULTS) -> str:
    by_period: dict[str, list[dict]] = {}
    for e in entries:
        by_period.setdefault(e["period_dir"], []).append(e)
    order = [g.name for g in settings.reports.rank_groups]
    periods = []
    for period in sorted(by_period, key=_period_key):
        docs = by_period[period]
        dept = next((e for e in docs if e.get("kind") == "department"), None)
        units = [_shown(e, settings) for e in docs if e.get("kind") == "unit"]
        for u in units:
            u.setdefault("rank_group", OTHERS)
        names = sorted({u["rank_group"] for u in units}, key=lambda g: (order.index(g) if g in order else len(order), g))
        groups = [{"name": g, "rows": sorted((u for u in units if u["rank_group"] == g),
                                             key=lambda u: (u["no_data"], u.get("rank_in_group") or 10**6,
                                                            u["name"]))}
                  for g in names]
        ranked = max([u.get("ranked") or 0 for u in units] + [len(dept.get("ranking") or []) if dept else 0])
        has_dept_html = bool(dept and dept.get("links", {}).get("html"))
        periods.append({"id": period, "label": _label(period), "department": _shown(dept, settings) if dept else None,
                        "status": dept.get("status") if dept else None, "ranked": ranked, "groups": groups,
                        "status_href": f"{dept['links']['html']}#{STATUS_ANCHOR}" if has_dept_html else ""})
    made = made or _dt.datetime.now()
    bands = [{"colour": b.colour, "label": settings.reports.band_label(b)} for b in settings.reports.bands]
    return render("index_page/index.html.j2", periods=periods, org=settings.organisation, bands=bands,
                  made=f"{made:%d/%m/%Y %H:%M}") + "\n"


__all__ = ["collect", "index_html", "STATUS_ANCHOR"]
