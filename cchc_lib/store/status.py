"""Reporting status: which unit sent which month, on time or late, and what
its figures still lack ("theo dõi, đôn đốc" in section III of the plan).

`reporting_status()` returns data (the department report notebook uses it);
`format_status()` renders it for `cchc status`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.core.deadlines import Cutoff, Deadlines, format_date, load_deadlines
from cchc_lib.core.periods import Period, parse_period
from cchc_lib.store.db import Store
from cchc_lib.core.units import Registry

ON_TIME, LATE, NOT_SENT, EMPTY = "on_time", "late", "missing", "empty"
#: Unit names in the matrix are cut to this many characters (full names in the lists below it).
NAME_WIDTH = 34


@dataclass(frozen=True)
class StatusRow:
    """One unit and month.  `submitted_at` is the first accepted submission
    that gave figures (a later correction does not make a month late; a form
    sent with no figure at all does not make it on time: the month is
    `empty`, "nộp biểu trống", until figures come); `corrected_at` is the
    latest resubmission with figures (None without one); `missing_indicators` are the indicators of the
    unit's criteria with no current value, for a submitted month (empty for
    a missing one)."""

    unit: str
    month: Period
    state: str  # on_time | late | missing | empty
    submitted_at: datetime | None
    deadline: date
    missing_indicators: list[str] = field(default_factory=list)
    versions: int = 0  # accepted submissions for the month (resubmissions = versions - 1)
    corrected_at: datetime | None = None

    @property
    def overdue(self) -> bool:
        """Missing and past its deadline (as opposed to not yet due)."""
        return self.state == NOT_SENT and self.deadline < date.today()


@dataclass
class StatusReport:
    period: Period
    rows: list[StatusRow]
    annual_deadline: date
    annual_label: str
    units: list[str] = field(default_factory=list)
    months: list[Period] = field(default_factory=list)
    cutoff: Cutoff = Cutoff()

    @property
    def data_dates(self) -> str:
        """'số liệu từ 15/12/2022 đến 14/03/2023' (the cut-off setting)."""
        return self.cutoff.label(self.period)

    def row(self, unit: str, month: Period) -> StatusRow:
        return next(r for r in self.rows if r.unit == unit and r.month == month)

    def count(self, state: str) -> int:
        return sum(r.state == state for r in self.rows)


def reporting_status(db_path: str | Path, registry: Registry, period: Period | str, catalogue: Catalogue,
                     *, deadlines: Deadlines | None = None) -> StatusReport:
    """Every unit of the registry × every month of the period, in registry order."""
    p = parse_period(period) if isinstance(period, str) else period
    dl = deadlines or load_deadlines()
    months = list(p.months)
    db = Path(db_path)
    first: dict[tuple[str, Period], datetime] = {}  # the first submission with figures
    blank: dict[tuple[str, Period], datetime] = {}  # the first form sent with none
    latest: dict[tuple[str, Period], datetime] = {}
    with_figures: dict[tuple[str, Period], int] = {}
    versions: dict[tuple[str, Period], int] = {}
    present: dict[tuple[str, Period], set[str]] = {}
    if db.is_file():
        with Store(db, create=False) as store:
            counts = store.value_counts(months=months)
            for sub in store.submissions(months=months):
                key = (sub.unit, sub.month)
                at = sub.file.received_at
                versions[key] = versions.get(key, 0) + 1
                if counts.get(sub.id, 0):  # a correction is a later submission with figures
                    with_figures[key] = with_figures.get(key, 0) + 1
                    latest[key] = max(latest.get(key, at), at)
                target = first if counts.get(sub.id, 0) else blank
                if key not in target or at < target[key]:
                    target[key] = at
            for unit, month, ind in store.current(months=months):
                present.setdefault((unit, month), set()).add(ind)
    rows = []
    for unit in registry:
        needed = catalogue.indicators_for_kind(unit.kind)
        for month in months:
            key = (unit.code, month)
            deadline = dl.monthly(month)
            at = first.get(key)
            if at is None and key not in blank:
                rows.append(StatusRow(unit.code, month, NOT_SENT, None, deadline))
                continue
            if at is None:
                state, at = EMPTY, blank[key]
            else:
                state = ON_TIME if at.date() <= deadline else LATE
            have = present.get(key, set())
            rows.append(StatusRow(unit.code, month, state, at, deadline, [i for i in needed if i not in have],
                                  versions[key], latest[key] if with_figures.get(key, 0) > 1 else None))
    return StatusReport(p, rows, dl.annual(p.year), dl.annual_text(p.year), registry.codes, months, dl.cutoff)


def _short(name: str, width: int = NAME_WIDTH) -> str:
    return name if len(name) <= width else name[:width - 1].rstrip() + "…"


LEGEND = ("Ký hiệu: ✓ 03/02 = gửi đúng hạn, ngày gửi; ! 06/03 = gửi muộn, ngày gửi; "
          "×2 = đã gửi 2 lần (có gửi lại, sửa số liệu);\n"
          "         ∅ 03/02 = nộp biểu trống (không có số liệu nào); ✗ = chưa gửi, đã quá hạn; "
          "· = chưa gửi, chưa đến hạn")


def format_status(report: StatusReport, catalogue: Catalogue, registry: Registry, today: date | None = None) -> str:
    """The units × months matrix (unit names), then what is late, missing,
    sent blank, corrected or incomplete, with dates."""
    today = today or date.today()
    months = report.months
    names = {u.code: u.name for u in registry}
    width = max([len(_short(names.get(c, c))) for c in report.units] + [8])
    deadlines = {r.month: r.deadline for r in report.rows}
    span = report.data_dates
    out = [f"Tình hình gửi số liệu CCHC — {report.period.label_vi}",
           f"{span[:1].upper() + span[1:]} (ngày chốt số liệu: {report.cutoff.setting_vi})",
           "Hạn gửi số liệu tháng: " + ", ".join(f"T{m.index}: {format_date(deadlines[m])}" for m in months if m in deadlines),
           f"Hạn báo cáo năm {report.period.year}: {format_date(report.annual_deadline)} — {report.annual_label}", "",
           LEGEND, ""]
    cell = 12
    out.append((f"{'Đơn vị':<{width}}  " + "  ".join(f"{'T' + str(m.index) + '/' + str(m.year % 100):<{cell}}"
                                                      for m in months)).rstrip())
    marks = {ON_TIME: "✓", LATE: "!", EMPTY: "∅"}
    for unit in report.units:
        cells = []
        for m in months:
            r = report.row(unit, m)
            if r.state == NOT_SENT:
                text = "·" if r.deadline >= today else "✗"
            else:
                text = f"{marks[r.state]} {r.submitted_at:%d/%m}"
                if r.versions > 1:
                    text += f" ×{r.versions}"
            cells.append(f"{text:<{cell}}")
        out.append(f"{_short(names.get(unit, unit)):<{width}}  " + "  ".join(cells).rstrip())
    out.append("")
    not_due = sum(r.state == NOT_SENT and r.deadline >= today for r in report.rows)
    out.append(f"Đúng hạn: {report.count(ON_TIME)}, muộn: {report.count(LATE)}, "
               f"nộp biểu trống: {report.count(EMPTY)}, "
               f"chưa gửi (quá hạn): {sum(r.state == NOT_SENT and r.deadline < today for r in report.rows)}"
               + (f", chưa đến hạn: {not_due}" if not_due else "") + " (đơn vị × tháng)")

    def who(r: StatusRow) -> str:
        return f"{names.get(r.unit, r.unit)}, {r.month.label_vi_lower}"

    late = [r for r in report.rows if r.state == LATE]
    if late:
        out += ["", "Gửi muộn:"]
        for r in late:
            days = (r.submitted_at.date() - r.deadline).days
            out.append(f"  {who(r)}: gửi {r.submitted_at:%d/%m/%Y %H:%M}, hạn {format_date(r.deadline)} "
                       f"(muộn {days} ngày)")
    blank = [r for r in report.rows if r.state == EMPTY]
    if blank:
        out += ["", "Cảnh báo — nộp biểu trống (biểu không có số liệu nào), cần đôn đốc gửi lại:"]
        for r in blank:
            out.append(f"  {who(r)}: nhận {r.submitted_at:%d/%m/%Y %H:%M}, hạn {format_date(r.deadline)}")
    missing = [r for r in report.rows if r.state == NOT_SENT and r.deadline < today]
    if missing:
        out += ["", "Chưa gửi (quá hạn), cần đôn đốc:"]
        for r in missing:
            out.append(f"  {who(r)} (hạn {format_date(r.deadline)})")
    fixed = [r for r in report.rows if r.corrected_at is not None]
    if fixed:
        out += ["", "Đã gửi lại (sửa số liệu):"]
        for r in fixed:
            out.append(f"  {who(r)}: gửi lần đầu {r.submitted_at:%d/%m/%Y}, gửi lại gần nhất {r.corrected_at:%d/%m/%Y %H:%M} "
                       f"({r.versions} lần gửi)")
    gaps = [r for r in report.rows if r.state in (ON_TIME, LATE) and r.missing_indicators]
    if gaps:
        out += ["", "Đã gửi nhưng còn thiếu số liệu:"]
        for r in gaps:
            labels = [catalogue.indicators[i].short or catalogue.indicators[i].label for i in r.missing_indicators]
            shown = "; ".join(labels[:6])
            more = f"; và {len(labels) - 6} chỉ số khác" if len(labels) > 6 else ""
            out.append(f"  {who(r)}: thiếu {len(labels)} chỉ số: {shown}{more}")
    return "\n".join(out)
