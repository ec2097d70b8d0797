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
from cchc_lib.core.deadlines import Deadlines, format_date, load_deadlines
from cchc_lib.core.periods import Period, parse_period
from cchc_lib.store.db import Store
from cchc_lib.core.units import Registry

ON_TIME, LATE, NOT_SENT = "on_time", "late", "missing"


@dataclass(frozen=True)
class StatusRow:
    """One unit and month.  `submitted_at` is the first accepted submission
    (a later correction does not make a month late); `missing_indicators`
    are the indicators of the unit's criteria with no current value, for a
    submitted month (empty for a missing one)."""

    unit: str
    month: Period
    state: str  # on_time | late | missing
    submitted_at: datetime | None
    deadline: date
    missing_indicators: list[str] = field(default_factory=list)
    versions: int = 0  # accepted submissions for the month (resubmissions = versions - 1)

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
    first: dict[tuple[str, Period], datetime] = {}
    versions: dict[tuple[str, Period], int] = {}
    present: dict[tuple[str, Period], set[str]] = {}
    if db.is_file():
        with Store(db, create=False) as store:
            for sub in store.submissions(months=months):
                key = (sub.unit, sub.month)
                versions[key] = versions.get(key, 0) + 1
                if key not in first or sub.file.received_at < first[key]:
                    first[key] = sub.file.received_at
            for unit, month, ind in store.current(months=months):
                present.setdefault((unit, month), set()).add(ind)
    rows = []
    for unit in registry:
        needed = catalogue.indicators_for_kind(unit.kind)
        for month in months:
            key = (unit.code, month)
            deadline = dl.monthly(month)
            at = first.get(key)
            if at is None:
                rows.append(StatusRow(unit.code, month, NOT_SENT, None, deadline))
                continue
            state = ON_TIME if at.date() <= deadline else LATE
            have = present.get(key, set())
            rows.append(StatusRow(unit.code, month, state, at, deadline,
                                  [i for i in needed if i not in have], versions[key]))
    return StatusReport(p, rows, dl.annual(p.year), dl.annual_label, registry.codes, months)


def format_status(report: StatusReport, catalogue: Catalogue, registry: Registry, today: date | None = None) -> str:
    """The units × months matrix, then what is late, missing or incomplete."""
    today = today or date.today()
    months = report.months
    width = max([len(c) for c in report.units] + [8])
    deadlines = {r.month: r.deadline for r in report.rows}
    out = [f"Tình hình gửi số liệu CCHC — {report.period.label_vi}",
           "Hạn gửi số liệu tháng: " + ", ".join(f"T{m.index}: {format_date(deadlines[m])}" for m in months if m in deadlines),
           f"Hạn báo cáo năm {report.period.year}: {format_date(report.annual_deadline)} — {report.annual_label}", ""]
    cell = 12
    out.append("Ký hiệu: ✓ ngày gửi đúng hạn; muộn ngày gửi; ×n: đã gửi n lần (có gửi lại); ✗ chưa gửi (quá hạn)")
    out.append("")
    out.append(f"{'Đơn vị':<{width}}  " + "  ".join(f"{'T' + str(m.index) + '/' + str(m.year % 100):<{cell}}"
                                                     for m in months))
    marks = {ON_TIME: "✓", LATE: "muộn"}
    for unit in report.units:
        cells = []
        for m in months:
            r = report.row(unit, m)
            if r.state == NOT_SENT:
                text = "· chưa hạn" if r.deadline >= today else "✗ chưa gửi"
            else:
                text = f"{marks[r.state]} {r.submitted_at:%d/%m}"
                if r.versions > 1:
                    text += f" ×{r.versions}"
            cells.append(f"{text:<{cell}}")
        out.append(f"{unit:<{width}}  " + "  ".join(cells).rstrip())
    out.append("")
    out.append(f"Đúng hạn: {report.count(ON_TIME)}, muộn: {report.count(LATE)}, "
               f"chưa gửi: {sum(r.state == NOT_SENT and r.deadline < today for r in report.rows)}"
               + (f", chưa đến hạn: {sum(r.state == NOT_SENT and r.deadline >= today for r in report.rows)}"
                  if any(r.state == NOT_SENT and r.deadline >= today for r in report.rows) else ""))
    late = [r for r in report.rows if r.state == LATE]
    if late:
        out.append("")
        out.append("Gửi muộn:")
        for r in late:
            days = (r.submitted_at.date() - r.deadline).days
            out.append(f"  {r.unit} {r.month}: gửi {r.submitted_at:%d/%m/%Y %H:%M}, hạn {format_date(r.deadline)} "
                       f"(muộn {days} ngày)")
    missing = [r for r in report.rows if r.state == NOT_SENT and r.deadline < today]
    if missing:
        out.append("")
        out.append("Chưa gửi (quá hạn), cần đôn đốc:")
        for r in missing:
            out.append(f"  {r.unit} — {registry.get(r.unit).name}: {r.month} (hạn {format_date(r.deadline)})")
    gaps = [r for r in report.rows if r.state != NOT_SENT and r.missing_indicators]
    if gaps:
        out.append("")
        out.append("Đã gửi nhưng còn thiếu số liệu:")
        for r in gaps:
            labels = [catalogue.indicators[i].short or catalogue.indicators[i].label for i in r.missing_indicators]
            shown = "; ".join(f"{lab} ({i})" for lab, i in zip(labels[:6], r.missing_indicators))
            more = f"; và {len(labels) - 6} chỉ số khác" if len(labels) > 6 else ""
            out.append(f"  {r.unit} {r.month}: thiếu {len(labels)} chỉ số: {shown}{more}")
    return "\n".join(out)
