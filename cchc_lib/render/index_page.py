"""`output/index.html`: every report with its score and links, self-contained.

`index_html(entries)` is a pure function of the published figures (one
dict per report, as in `<name>.json`, plus `period_dir` and the files that
exist); `collect(output_dir)` reads them, each validated against the
contract of `reports.figures` (a file that does not match is left out and
named).  The page is the template `templates/index_page/`: per period the
department, the submission status with a link to its details, then each
group of unit kinds ranked on its own; a few lines of script sort and filter,
and the page is complete without them.  Everything shown is escaped; the
page's Content-Security-Policy (`csp.with_policy`) allows its own CSS and,
by hash, exactly its own script.

`collect` also reads the record of a failed run (`<name>.failed.json`,
written by the batch): a report whose last run failed is listed with its
last good files marked out of date and the reason, or as not made yet.
`mark_stale(html, record)` puts the same note at the top of the kept HTML
report.
"""
from __future__ import annotations

import datetime as _dt
import json
from html import escape
from pathlib import Path
from typing import Any, Iterable

from cchc_lib.core.periods import parse_period
from cchc_lib.core.settings import DEFAULTS, Settings
from cchc_lib.errors import PeriodError
from cchc_lib.fmt import percent_vi, points_vi
from cchc_lib.reports import figures
from cchc_lib.reports.templating import render
from cchc_lib.render import csp
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


FAILED = ".failed"  # <name>.failed.json: why the last run failed; <name>.failed.ipynb: its partial notebook


def collect(output_dir: Path, problems: list[str] | None = None) -> list[dict]:
    """Published figures of every report under output_dir/<period>/, with the
    record of its last run's failure if it failed; a file that does not match
    the contract is left out (and described in `problems`)."""
    entries: dict[tuple[str, str], dict] = {}
    for j in sorted(Path(output_dir).glob("*/*.json")):
        if j.stem.endswith(FAILED):
            continue
        try:
            doc = figures.read(j)
        except figures.FiguresError as e:
            if problems is not None:
                problems.append(str(e))
            continue
        doc["period_dir"] = j.parent.name
        doc["name"] = doc.get("name") or j.stem
        doc["links"] = _links(j.parent, j.stem)
        entries[(j.parent.name, j.stem)] = doc
    for f in sorted(Path(output_dir).glob(f"*/*{FAILED}.json")):
        try:
            record = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict):
            continue
        name = f.name[:-len(f"{FAILED}.json")]
        entry = entries.get((f.parent.name, name))
        if entry is None:  # never made: listed as failed, with its partial notebook
            entry = entries[(f.parent.name, name)] = {
                "period_dir": f.parent.name, "name": name, "kind": record.get("kind"),
                "unit": None if record.get("kind") == "department" else name, "links": _links(f.parent, name)}
        entry["failure"] = record
        partial = f.parent / f"{name}{FAILED}.ipynb"
        if partial.is_file():
            entry["partial"] = f"{f.parent.name}/{partial.name}"
    return list(entries.values())


def _links(folder: Path, stem: str) -> dict[str, str]:
    return {label: f"{folder.name}/{stem}{suffix}" for label, suffix in LINKS if (folder / f"{stem}{suffix}").is_file()}


def _when(record: dict) -> str:
    try:
        return _dt.datetime.fromisoformat(str(record.get("at"))).strftime("%H:%M ngày %d/%m/%Y")
    except ValueError:
        return ""


def stale_note(record: dict) -> str:
    """One sentence: this is the last good report, the run at … failed because …"""
    when = _when(record)
    at = f" lúc {when}" if when else ""
    reason = " ".join(str(record.get("reason", "")).split())[:300]
    if record.get("scope") == "format":
        kept = ", ".join(f.upper() for f in record.get("formats", []))
        if kept:
            return f"{kept} là bản cũ: lần tạo lại{at} không thành công ({reason})."
        failed = ", ".join(f.upper() for f in record.get("failed", [])) or "một định dạng"
        return f"Chưa tạo được {failed}{at}: {reason}."
    return (f"Bản cũ: lần tạo lại{at} không thành công ({reason}). Đây là lần tạo thành công gần nhất; "
            f"số liệu có thể chưa được cập nhật.")


def failed_note(record: dict) -> str:
    """A report that was never made: when its run failed, and why."""
    when = _when(record)
    reason = " ".join(str(record.get("reason", "")).split())[:300]
    return f"Chưa tạo được: lần chạy{' lúc ' + when if when else ''} bị lỗi ({reason})."


STALE_START, STALE_END = "<!-- cchc:stale -->", "<!-- /cchc:stale -->"


def mark_stale(html: str, record: dict) -> str:
    """The kept HTML report with the out-of-date note at the top of its page
    (replacing an earlier note); the report itself is unchanged."""
    if STALE_START in html and STALE_END in html:
        head, _, rest = html.partition(STALE_START)
        html = head + rest.partition(STALE_END)[2]
    banner = (f'{STALE_START}<p class="stale-note" role="alert" style="border:2px solid #b45f06;background:#fff4d6;'
              f'color:#5c3200;padding:8px 12px;margin:0 0 12px;font-weight:bold">{escape(stale_note(record))}</p>'
              f'{STALE_END}')
    for anchor in ('<main class="report">', "<body>"):
        if anchor in html:
            return html.replace(anchor, anchor + banner, 1)
    return banner + html


def _shown(e: dict, settings: Settings) -> dict[str, Any]:
    failure = e.get("failure")
    if "points" not in e:  # never made: only the failure
        return {"name": e.get("unit") or settings.organisation.whole, "kind": e.get("kind"), "rank": None,
                "ranked": None, "rank_in_group": None, "ranked_in_group": None, "percent": None, "status": None,
                "ranking": None, "points": None, "max_points": None, "points_text": "–", "max_text": "–",
                "percent_text": "–", "colour": "", "band": "", "html": "", "no_data": True,
                "no_data_text": "–", "links": _shown_links(e), "note": failed_note(failure or {}), "failed": True}
    band = settings.reports.band(e.get("percent")) if not e.get("no_data") else None
    optional = dict.fromkeys(("rank", "ranked", "rank_in_group", "ranked_in_group", "percent", "status", "ranking"))
    return {**optional, **e, "name": e.get("unit_name") or e.get("unit") or settings.organisation.whole,
            "points_text": "–" if e.get("no_data") else points_vi(e["points"]),
            "max_text": points_vi(e["max_points"]),
            "percent_text": percent_vi(e["percent"] / 100) if e.get("percent") is not None else "–",
            "colour": band.colour if band else "", "band": settings.reports.band_label(band) if band else "",
            "links": _shown_links(e),
            "html": e.get("links", {}).get("html", ""), "no_data": bool(e.get("no_data")),
            "no_data_text": "nộp biểu trống" if e.get("blank_form") else "chưa gửi số liệu",
            "note": stale_note(failure) if failure else "", "failed": False}


def _shown_links(e: dict) -> list[tuple[str, str]]:
    """(text, href) of the report's files; an out-of-date one says so, and a
    failed run's partial notebook is linked."""
    old = set((e.get("failure") or {}).get("formats", ()))
    links = [(LINK_TEXT.get(fmt, fmt.upper()) + (" (cũ)" if fmt in old else ""), href)
             for fmt, href in e.get("links", {}).items()]
    if e.get("partial"):
        links.append(("notebook lỗi", e["partial"]))
    return links


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
    return csp.with_policy(render("index_page/index.html.j2", periods=periods, org=settings.organisation,
                                  bands=bands, made=f"{made:%d/%m/%Y %H:%M}")) + "\n"


__all__ = ["collect", "index_html", "mark_stale", "stale_note", "STATUS_ANCHOR", "FAILED"]
