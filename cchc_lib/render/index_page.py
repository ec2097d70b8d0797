"""`output/index.html`: every report with its score and links, self-contained.

`index_html(entries)` is a pure function of the published figures (one
dict per report, as in `<name>.json`, plus `period_dir` and the files that
exist); `collect(output_dir)` reads them.  Everything shown is escaped.
"""
from __future__ import annotations

import datetime as _dt
import json
from html import escape
from pathlib import Path
from typing import Iterable

from cchc_lib.fmt import percent_vi, points_vi
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


def collect(output_dir: Path) -> list[dict]:
    """Published figures of every report under output_dir/<period>/."""
    entries = []
    for j in sorted(Path(output_dir).glob("*/*.json")):
        try:
            doc = json.loads(j.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(doc, dict) or "points" not in doc or "period" not in doc:
            continue
        doc["period_dir"] = j.parent.name
        doc["name"] = doc.get("name") or j.stem
        doc["links"] = {label: f"{j.parent.name}/{j.stem}{suffix}" for label, suffix in LINKS
                        if (j.parent / f"{j.stem}{suffix}").is_file()}
        entries.append(doc)
    return entries


def index_html(entries: Iterable[dict], made: _dt.datetime | None = None) -> str:
    by_period: dict[str, list[dict]] = {}
    for e in entries:
        by_period.setdefault(e["period_dir"], []).append(e)
    made = made or _dt.datetime.now()
    parts = ['<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">',
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
            name = DEPARTMENT_NAME if dept else f'{e.get("unit_name") or e.get("unit")} ({e.get("unit")})'
            pct = percent_vi(e["percent"] / 100) if e.get("percent") is not None else "–"
            points = points_vi(e["points"])
            if e.get("no_data"):  # a unit that sent nothing did not score 0
                pct, points = "nộp biểu trống" if e.get("blank_form") else "chưa gửi số liệu", "–"
            links = " · ".join(f'<a href="{escape(href, quote=True)}">{escape(LINK_TEXT.get(fmt, fmt.upper()))}</a>'
                               for fmt, href in e.get("links", {}).items()) or "–"
            rank = "" if dept else (f'{e.get("rank")}/{e.get("ranked")}' if e.get("rank") else "–")
            parts.append(f'<tr class="{"dept" if dept else ""}"><td>{escape(name)}</td>'
                         f'<td class="num">{points}</td><td class="num">{points_vi(e["max_points"])}</td>'
                         f'<td class="num">{pct}</td><td class="num">{escape(rank)}</td><td>{links}</td></tr>')
        parts.append("</tbody></table>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


__all__ = ["collect", "index_html", "Period"]
