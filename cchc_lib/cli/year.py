"""`cchc tasks` and `cchc project`: the task register and the year-end
projection in the terminal, as functions that return text.  The CLI parses
arguments and calls one."""
from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path

from cchc_lib.cli.choices import PROJECTION_FORMATS, require_format
from cchc_lib.cli.commands import load_setup
from cchc_lib.core.periods import Period, parse_month, parse_period
from cchc_lib.core.deadlines import load_cutoff
from cchc_lib.core.projection import latest_month, project as project_year
from cchc_lib.core.tasks import DUE_TODAY, LATE, STATE_VI, as_of_day, period_dates
from cchc_lib.core.settings import load_settings, settings_dir
from cchc_lib.errors import UsageError
from cchc_lib.fmt import count_vi
from cchc_lib.intake.official import official_path
from cchc_lib.intake.sources import open_dataset
from cchc_lib.intake.tasks import (load_register, read_register_xlsx, tasks_path, write_register_xlsx,
                                   write_register_yaml)
from cchc_lib.reports import year as y
from cchc_lib.reports.data import default_data

WIDTH = 100


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"ngày không hợp lệ: {text!r} (dạng 2023-09-30)") from None


def tasks(period: str | None = None, unit: str | None = None, late: bool = False, on: str | None = None,
          register_path: str | None = None, form: str | None = None, import_from: str | None = None,
          catalogue: str | Path | None = None, units: str | Path | None = None) -> str:
    """`cchc tasks`: what is late, due, done, per owner; or the register's Excel
    form (`form`), or an Excel form read back into the YAML (`import_from`)."""
    cat, reg = load_setup(catalogue, units)
    path = Path(register_path) if register_path else tasks_path()
    if import_from:
        if path.suffix.lower() not in (".yaml", ".yml"):
            raise UsageError(f"sổ nhiệm vụ để ghi phải là tệp .yaml: {path}")
        register = read_register_xlsx(import_from, cat, reg)  # every problem first; nothing written on error
        write_register_yaml(path, register)
        return (f"Đã nạp {count_vi(len(register.tasks))} nhiệm vụ, {count_vi(len(register.meetings))} cuộc họp "
                f"từ {import_from} vào {path} (thay tệp cũ)")
    if unit is not None and unit not in reg:
        raise UsageError(f"đơn vị không có trong danh mục: {unit!r} (các mã: {', '.join(reg.codes)})")
    register = load_register(path, cat, reg)
    if form:
        if Path(form).suffix.lower() != ".xlsx":
            raise UsageError(f"biểu sổ nhiệm vụ phải có đuôi .xlsx: {form}")
        write_register_xlsx(form, register, cat, reg)
        return (f"Đã ghi biểu sổ nhiệm vụ năm {register.year} ({count_vi(len(register.tasks))} nhiệm vụ, "
                f"{count_vi(len(register.meetings))} cuộc họp) vào {form}")
    if period:
        p = parse_period(period)
        day = _day(on) or as_of_day(p)
        every = False
    else:
        p = Period(register.year, "year")
        day = _day(on) or min(date.today(), period_dates(p)[1])
        every = True
    view = y.tasks_view(register, reg, cat, p, unit, day, every=every)
    return format_tasks(view, unit and reg.get(unit).name, late)


def format_tasks(view: dict, unit_name: str | None = None, late_only: bool = False) -> str:
    c = view["counts"]
    if not view["available"]:
        return view["message"]
    who = f" — {unit_name}" if unit_name else ""
    lines = [f"Sổ nhiệm vụ CCHC năm {view['year']}{who} — tình hình ngày {view['as_of_text']}"
             + (f" ({view['period_label_lower']})" if view["period"] != str(view["year"]) else ""),
             f"Quá hạn: {count_vi(c['late'])} · Đến hạn hôm nay: {count_vi(c['due_today'])} · Trong hạn: "
             f"{count_vi(c['open'])} · Đã hoàn thành: {count_vi(c['done'] + c['done_late'])} (muộn "
             f"{count_vi(c['done_late'])})" + (f" · Đã hủy: {count_vi(c['cancelled'])}" if c["cancelled"] else "")]
    rows = [r for r in view["rows"] if r["state"] == LATE] if late_only else view["rows"]
    if not rows:
        lines.append("Không có nhiệm vụ quá hạn." if late_only else "Không có nhiệm vụ nào cần nêu.")
    groups: dict[str, list[dict]] = {}
    names: dict[str, str] = {}
    for r in rows:
        for code, name in zip(r["acting"], r["acting_names"]):
            groups.setdefault(code, []).append(r)
            names[code] = name
    order = sorted(groups, key=lambda g: (-sum(r["state"] == LATE for r in groups[g]),
                                          -sum(r["state"] == DUE_TODAY for r in groups[g]), g))
    for g in order:
        mine = groups[g]
        n_late = sum(r["state"] == LATE for r in mine)
        lines.append("")
        lines.append(f"{names[g]} ({g})" + (f" — quá hạn {count_vi(n_late)}" if n_late else ""))
        for r in mine:
            mark = "✗" if r["state"] == LATE else "!" if r["state"] == DUE_TODAY else "✓" if r["state"].startswith(
                "done") else "·"
            head = f"  {mark} {STATE_VI[r['state']].upper():<16} {r['id']}  {r['title']} ({r['serves']})"
            lines.extend(textwrap.wrap(head, WIDTH, subsequent_indent=" " * 21))
            info = f"hạn {r['deadline_text']} · {r['detail']}"
            if r["co_owner_names"]:
                info += " · phối hợp: " + ", ".join(r["co_owner_names"])
            if r["evidence"]:
                info += f" · kiểm chứng: {r['evidence']}"
            lines.extend(textwrap.wrap(info, WIDTH, initial_indent=" " * 21, subsequent_indent=" " * 21))
    m = view.get("meeting")
    if m and not late_only:
        lines.append("")
        lines.append(f"Sau kỳ họp {m['id']} ({m['date']}, sơ kết {m['reviews_label']}): "
                     f"{count_vi(len(m['decisions']))} kết luận")
        for r in m["decisions"]:
            lines.extend(textwrap.wrap(f"  - {r['id']} {r['title']} — {', '.join(r['acting_names'])}, hạn "
                                       f"{r['deadline_text']}: {r['state_label'].lower()} ({r['detail']})",
                                       WIDTH, subsequent_indent="    "))
        if view["earlier"]:
            lines.append("Kết luận của các cuộc họp trước chưa hoàn thành:")
            for r in view["earlier"]:
                lines.extend(textwrap.wrap(f"  - {r['id']} {r['title']} — {', '.join(r['acting_names'])}, hạn "
                                           f"{r['deadline_text']}: {r['state_label'].lower()} ({r['detail']})",
                                           WIDTH, subsequent_indent="    "))
    return "\n".join(lines)


def project(year: int, unit: str | None = None, through: str | None = None, fmt: str = "table",
            data: str | None = None, official: str | None = None, catalogue: str | Path | None = None,
            units: str | Path | None = None) -> str:
    """`cchc project`: every criterion at the year's cut-off at the pace of the complete months."""
    require_format(fmt, PROJECTION_FORMATS)
    if not 2000 <= year <= 2100:
        raise UsageError(f"năm không hợp lệ: {year}")
    cat, reg = load_setup(catalogue, units)
    if unit is not None and unit not in reg:
        raise UsageError(f"đơn vị không có trong danh mục: {unit!r} (các mã: {', '.join(reg.codes)})")
    path = Path(data) if data else default_data()
    if not path.is_file():
        raise UsageError(f"không có số liệu: {path} (dùng --data, hoặc cchc ingest / cchc sample-data trước)")
    ds = open_dataset(path, cat, reg)
    if through:
        last = parse_month(through)
        if last.year != year:
            raise UsageError(f"--through {through} không thuộc năm {year}")
    else:
        last = latest_month(ds, year, [unit] if unit else None)
        if last is None:
            raise UsageError(f"không có số liệu năm {year}" + (f" của đơn vị {unit}" if unit else "") + f" trong {path}")
    u = reg.get(unit) if unit else None
    pr = project_year(ds, cat, reg, last, u, load_cutoff())
    off = y.read_official(Path(official) if official else official_path(), cat)
    view = y.official_view(off, pr, cat, department=u is None)
    if fmt == "json":
        doc = pr.to_dict()
        doc["official"] = y.official_figures(view)
        return json.dumps(doc, ensure_ascii=False, indent=1)
    who = u.name if u else load_settings(settings_dir(units)).organisation.whole
    return format_projection(pr, y.projection_view(pr, cat), view, who)


def format_projection(pr, pv: dict, official: dict, who: str) -> str:
    lines = [f"Dự báo đến ngày chốt {pv['cutoff_text']} — {who} — theo nhịp các tháng đủ số liệu đến "
             f"{pv['through_label']} (còn {count_vi(pv['remaining'])} tháng)",
             f"Tổng: {pv['points_text']}/{pv['max_text']} điểm ({pv['percent_text']}); sát ngưỡng: "
             f"{', '.join(pv['at_risk']) or 'không'}",
             "",
             f"{'Mã':<7}{'Dự báo':>8}{'Tối đa':>8}  {'Mức':<19}Tỷ lệ, số lượng dự báo"]
    order = {c.code: i for i, c in enumerate(pr.criteria)}
    for r in sorted(pv["rows"], key=lambda r: order[r["code"]]):
        lines.append(f"{r['code']:<7}{r['points']:>8}{r['max_points']:>8}  {r['band'][:18]:<19}{r['pace']}")
        for text in ([f"→ {r['need']}"] if r["need"] else []) + ([f"⚠ {r['risk_text']}"] if r["risk"] else []):
            lines.extend(textwrap.wrap(text, WIDTH, initial_indent=" " * 9, subsequent_indent=" " * 11))
    v = official.get("versus")
    if v:
        lines.append("")
        lines.extend(textwrap.wrap(v["text"], WIDTH))
    elif official.get("criteria"):
        lines.append("")
        lines.append(f"So với điểm thành phố thẩm định năm {official['last_year']} (toàn Sở):")
        for c in official["criteria"]:
            lines.append(f"  {c['code']:<7} thẩm định {c['city']:>5} → dự báo {c['projected']:>5} ({c['change_text']})")
    return "\n".join(lines)


__all__ = ["tasks", "project", "format_tasks", "format_projection"]
