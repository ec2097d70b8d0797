"""`output/index.html`: every report with its score and links, self-contained.

`index_html(entries)` is a pure function of the published figures (one
dict per report, as in `<name>.json`, plus `period_dir` and the files that
exist); `collect(output_dir)` reads them, and the record of a failed run
(`<name>.failed.json`, written by the batch): a report whose last run failed
is listed with its last good files marked out of date and the reason, or as
not made yet.  `mark_stale(html, record)` puts the same note at the top of
the kept HTML report.  Everything shown is escaped.
"""
from __future__ import annotations

import datetime as _dt
import json
from html import escape
from pathlib import Path
from typing import Iterable

from cchc_lib.fmt import percent_vi, points_vi
from cchc_lib.render import csp
from cchc_lib.core.periods import Period, parse_period
from cchc_lib.core.organisation import load_organisation
from cchc_lib.core.units import DEPARTMENT_NAME
from cchc_lib.render.worker import SUFFIXES

CSS = """
body{font-family:"Noto Sans","DejaVu Sans","Segoe UI",Arial,sans-serif;color:#1d2733;margin:0;background:#fff}
main{max-width:980px;margin:0 auto;padding:24px}
h1{color:#1f5fa8;margin:0 0 4px}h2{border-bottom:2px solid #1f5fa8;padding-bottom:3px;margin-top:28px}
p.meta{color:#5b6673;margin:0 0 12px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border-bottom:1px solid #d5dbe3;padding:5px 7px;text-align:left}
thead th{background:#eef2f7}td.num,th.num{text-align:right;white-space:nowrap}
tr.dept td{font-weight:bold;background:#f4f7fb}a{color:#1f5fa8}
tr.stale td{background:#fff4d6}tr.failed td{background:#fbe3e1}
div.note{font-weight:normal;font-size:12px;color:#8a4b00;margin-top:2px}tr.failed div.note{color:#a3221b}
@page{size:A4;margin:14mm}
"""


#: The files a report may have, and the link text the index gives them.
LINKS = tuple((fmt, suffix) for fmt, suffix in SUFFIXES.items())
LINK_TEXT = {"self-assessment": "Tự đánh giá (XLSX)"}


def _period_key(name: str):
    try:
        p = parse_period(name)
        return (-p.year, -p.months[-1].index, p.length)
    except Exception:
        return (0, 0, 0)


FAILED = ".failed"  # <name>.failed.json: why the last run failed; <name>.failed.ipynb: its partial notebook


def collect(output_dir: Path) -> list[dict]:
    """Published figures of every report under output_dir/<period>/, with
    the record of its last run's failure if it failed."""
    entries = {}
    for j in sorted(Path(output_dir).glob("*/*.json")):
        if j.stem.endswith(FAILED):
            continue
        try:
            doc = json.loads(j.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(doc, dict) or "points" not in doc or "period" not in doc:
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


def index_html(entries: Iterable[dict], made: _dt.datetime | None = None) -> str:
    by_period: dict[str, list[dict]] = {}
    for e in entries:
        by_period.setdefault(e["period_dir"], []).append(e)
    made = made or _dt.datetime.now()
    parts = ['<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">', csp.META,
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>Báo cáo chỉ số CCHC — mục lục</title><style>{CSS}</style></head><body><main>",
             "<h1>Báo cáo chỉ số cải cách hành chính</h1>",
             f'<p class="meta">{escape(load_organisation().name)} · cập nhật {made:%d/%m/%Y %H:%M}</p>']
    if not by_period:
        parts.append("<p>Chưa có báo cáo nào.</p>")
    for period in sorted(by_period, key=_period_key):
        rows = sorted(by_period[period], key=lambda e: (e.get("kind") != "department", e.get("rank") or 10**6,
                                                          e.get("unit") or ""))
        try:
            label = parse_period(period).label_vi
        except Exception:
            label = period
        parts.append(f'<h2 id="{escape(period, quote=True)}">{escape(label)}</h2><table><thead><tr><th>Báo cáo</th>'
                     '<th class="num">Điểm</th><th class="num">Tối đa</th><th class="num">Tỷ lệ</th>'
                     '<th class="num">Hạng</th><th>Tệp</th></tr></thead><tbody>')
        for e in rows:
            dept = e.get("kind") == "department"
            name = DEPARTMENT_NAME if dept else (f'{e.get("unit_name") or e.get("unit")} ({e.get("unit")})'
                                                 if e.get("unit_name") else str(e.get("unit") or e.get("name")))
            failure = e.get("failure")
            links = " · ".join(f'<a href="{escape(href, quote=True)}">{escape(LINK_TEXT.get(fmt, fmt.upper()))}'
                               f'{" (cũ)" if failure and fmt in failure.get("formats", ()) else ""}</a>'
                               for fmt, href in e.get("links", {}).items())
            if e.get("partial"):
                links += (" · " if links else "") + f'<a href="{escape(e["partial"], quote=True)}">notebook lỗi</a>'
            links = links or "–"
            if "points" not in e:  # never made: only the failure
                parts.append(f'<tr class="failed{" dept" if dept else ""}"><td>{escape(name)}'
                             f'<div class="note">Chưa tạo được: {escape(_failure_text(failure))}</div></td>'
                             f'<td class="num">–</td><td class="num">–</td><td class="num">–</td>'
                             f'<td class="num">–</td><td>{links}</td></tr>')
                continue
            pct = percent_vi(e["percent"] / 100) if e.get("percent") is not None else "–"
            points = points_vi(e["points"])
            if e.get("no_data"):  # a unit that sent nothing did not score 0
                pct, points = "nộp biểu trống" if e.get("blank_form") else "chưa gửi số liệu", "–"
            rank = "" if dept else (f'{e.get("rank")}/{e.get("ranked")}' if e.get("rank") else "–")
            note = f'<div class="note">{escape(stale_note(failure))}</div>' if failure else ""
            cls = " ".join(c for c in ("dept" if dept else "", "stale" if failure else "") if c)
            parts.append(f'<tr class="{cls}"><td>{escape(name)}{note}</td>'
                         f'<td class="num">{points}</td><td class="num">{points_vi(e["max_points"])}</td>'
                         f'<td class="num">{pct}</td><td class="num">{escape(rank)}</td><td>{links}</td></tr>')
        parts.append("</tbody></table>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _failure_text(record: dict | None) -> str:
    record = record or {}
    when = _when(record)
    reason = " ".join(str(record.get("reason", "")).split())[:300]
    return f"lần chạy{' lúc ' + when if when else ''} bị lỗi ({reason})"


__all__ = ["collect", "index_html", "mark_stale", "stale_note", "Period"]
