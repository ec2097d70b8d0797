"""Reporting deadlines (`params/deadlines.yaml`): monthly figures and the
plan's annual report ("trước ngày 15/12", section III of the 2023 plan);
the reporting cut-off (`params/reporting.yaml`, contract v2 section 1): the
dates a period's figures cover.

`load_cutoff(root)` is the one place the cut-off is read; `load_deadlines()`
carries it, so the annual deadline follows from it: the day after the year's
last cut-off (15/12 with the Decree's 14th)."""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Mapping

import yaml

from cchc_lib import project
from cchc_lib.errors import CatalogueError, PeriodError, Problem
from cchc_lib.core.periods import Period, parse_month
from cchc_lib.core.yamltext import yaml_problem

DEFAULT_ANNUAL_LABEL = "Báo cáo kết quả năm gửi Văn phòng Sở"
#: Nghị định 09/2019/NĐ-CP, Điều 12: a month's figures run from the 15th of
#: the previous month to the 14th.
DECREE_CUTOFF_DAY = 14
END_OF_MONTH = "end_of_month"
REPORTING_FILE = "reporting.yaml"


@dataclass(frozen=True)
class Cutoff:
    """The day a month's figures are closed (`day`), or the month's last day
    (`day` None: calendar months).  A month's figures run from the day after
    the previous month's cut-off to its own; a quarter's, half-year's or
    year's from the day after the cut-off before its first month to the
    cut-off of its last month."""

    day: int | None = DECREE_CUTOFF_DAY

    def closing(self, year: int, month: int) -> date:
        """The cut-off date of one month."""
        last = calendar.monthrange(year, month)[1]
        return date(year, month, last if self.day is None else min(self.day, last))

    def month_span(self, period: Period) -> tuple[date, date]:
        """(first day, last day) a period's figures cover: 2023-03 → 15/02/2023–14/03/2023;
        2023 → 15/12/2022–14/12/2023 (with `end_of_month`: 01/03–31/03, 01/01–31/12)."""
        first, last = period.months[0], period.months[-1]
        before = first.previous()
        return (self.closing(before.year, before.index) + timedelta(days=1),
                self.closing(last.year, last.index))

    def label(self, period: Period) -> str:
        """'số liệu từ 15/02/2023 đến 14/03/2023'."""
        start, end = self.month_span(period)
        return f"số liệu từ {format_date(start)} đến {format_date(end)}"

    @property
    def setting_vi(self) -> str:
        """The setting in words: 'ngày 14 hằng tháng' or 'ngày cuối tháng'."""
        return "ngày cuối tháng" if self.day is None else f"ngày {self.day} hằng tháng"

    def __str__(self) -> str:
        return END_OF_MONTH if self.day is None else str(self.day)


def parse_cutoff(doc: Any, path: str) -> Cutoff:
    """Validate a parsed `reporting.yaml`; CatalogueError naming the file."""
    if doc is None:
        return Cutoff()
    if not isinstance(doc, Mapping):
        raise CatalogueError([Problem("tệp thiết lập báo cáo phải là một bảng YAML (cutoff_day: 14)", file=path)])
    unknown = sorted(set(map(str, doc)) - {"cutoff_day"})
    if unknown:
        raise CatalogueError([Problem(f"khóa không hỗ trợ: {', '.join(unknown)} (chỉ có: cutoff_day)", file=path)])
    v = doc.get("cutoff_day", DECREE_CUTOFF_DAY)
    if isinstance(v, str) and v.strip().lower() in (END_OF_MONTH, "cuối tháng", "cuoi thang"):
        return Cutoff(None)
    if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 28:
        raise CatalogueError([Problem(f"cutoff_day phải là số ngày từ 1 đến 28 hoặc {END_OF_MONTH}, "
                                      f"không phải {v!r}", file=path)])
    return Cutoff(v)


def reporting_path(root: Path | None = None) -> Path:
    return (root or project.project_root()) / "params" / REPORTING_FILE


def load_cutoff(root: str | Path | None = None) -> Cutoff:
    """The project's reporting cut-off (`params/reporting.yaml`, key
    `cutoff_day`): the Decree's 14th when the file or the key is absent."""
    p = reporting_path(Path(root) if root else None)
    if not p.is_file():
        return Cutoff()
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise CatalogueError([yaml_problem(e, p.name)]) from None
    return parse_cutoff(doc, p.name)


@dataclass(frozen=True)
class Deadlines:
    """When a unit's figures for a month are due; when the annual report is
    (`annual_month`/`annual_day`, or, when None, the day after the year's
    last cut-off)."""

    day: int = 5
    months_after: int = 1
    overrides: Mapping[Period, date] = field(default_factory=dict)
    annual_month: int | None = None
    annual_day: int | None = None
    annual_label: str = DEFAULT_ANNUAL_LABEL
    cutoff: Cutoff = Cutoff()

    def monthly(self, month: Period) -> date:
        """The last day on which the month's figures count as on time."""
        if month in self.overrides:
            return self.overrides[month]
        m0 = month.year * 12 + (month.index - 1) + self.months_after
        year, mon = divmod(m0, 12)
        mon += 1
        return date(year, mon, min(self.day, calendar.monthrange(year, mon)[1]))

    def annual(self, year: int) -> date:
        if self.annual_month is not None and self.annual_day is not None:
            return date(year, self.annual_month, min(self.annual_day, calendar.monthrange(year, self.annual_month)[1]))
        return self.cutoff.closing(year, 12) + timedelta(days=1)

    def annual_text(self, year: int) -> str:
        """The annual report's line: its label and 'trước ngày 15/12/2023'."""
        return f"{self.annual_label} (trước ngày {format_date(self.annual(year))})"


def parse_deadlines(doc: Any, path: str, cutoff: Cutoff = Cutoff()) -> Deadlines:
    """Validate a parsed deadlines file; CatalogueError lists every problem."""
    if doc is None:
        return Deadlines(cutoff=cutoff)
    problems: list[Problem] = []
    if not isinstance(doc, Mapping):
        raise CatalogueError([Problem("tệp hạn gửi phải là một bảng YAML", file=path)])
    monthly = doc.get("monthly") or {}
    annual = doc.get("annual_report") or {}
    raw_overrides = doc.get("overrides") or {}

    def whole(section: Mapping[str, Any], key: str, default: int, low: int, high: int, where: str) -> int:
        v = section.get(key, default) if isinstance(section, Mapping) else default
        if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
            problems.append(Problem(f"{where}.{key} phải là số nguyên từ {low} đến {high}, không phải {v!r}", file=path))
            return default
        return v

    day = whole(monthly, "day", 5, 1, 31, "monthly")
    after = whole(monthly, "months_after", 1, 0, 12, "monthly")
    # Without month/day the annual deadline follows the cut-off.
    a_month = whole(annual, "month", 12, 1, 12, "annual_report") if "month" in annual else None
    a_day = whole(annual, "day", 15, 1, 31, "annual_report") if "day" in annual else None
    if (a_month is None) != (a_day is None):
        problems.append(Problem("annual_report: ghi cả month và day, hoặc bỏ cả hai (hạn theo ngày chốt số liệu)",
                                file=path))
    label = annual.get("label", DEFAULT_ANNUAL_LABEL) if isinstance(annual, Mapping) else DEFAULT_ANNUAL_LABEL
    overrides: dict[Period, date] = {}
    if not isinstance(raw_overrides, Mapping):
        problems.append(Problem("overrides phải là bảng \"YYYY-MM\": YYYY-MM-DD", file=path))
        raw_overrides = {}
    for k, v in raw_overrides.items():
        try:
            month = parse_month(str(k))
        except PeriodError as e:
            problems.append(Problem(f"overrides: {e}", file=path))
            continue
        if isinstance(v, str):
            try:
                v = date.fromisoformat(v.strip())
            except ValueError:
                pass
        if not isinstance(v, date):
            problems.append(Problem(f"overrides {month}: hạn phải là ngày YYYY-MM-DD, không phải {v!r}", file=path))
            continue
        overrides[month] = v
    if problems:
        raise CatalogueError(problems)
    return Deadlines(day, after, overrides, a_month, a_day, str(label), cutoff)


def deadlines_path(root: Path | None = None) -> Path:
    return (root or project.project_root()) / "params" / "deadlines.yaml"


def load_deadlines(path: str | Path | None = None, root: str | Path | None = None) -> Deadlines:
    """The project's deadlines, with its cut-off (`load_cutoff(root)`); the
    defaults (5th of the next month; the day after the year's cut-off) without a file."""
    root_path = Path(root) if root else None
    cutoff = load_cutoff(root_path)
    p = Path(path) if path else deadlines_path(root_path)
    if not p.is_file():
        if path:
            raise CatalogueError([Problem("không tìm thấy tệp hạn gửi", file=str(p))])
        return Deadlines(cutoff=cutoff)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise CatalogueError([yaml_problem(e, p.name)]) from None
    return parse_deadlines(doc, p.name, cutoff)


def format_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")
