"""Reporting deadlines (`params/deadlines.yaml`): monthly figures and the
plan's annual report ("trước ngày 15/12", section III of the 2023 plan)."""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Mapping

import yaml

from cchc_lib import project
from cchc_lib.errors import CatalogueError, PeriodError, Problem
from cchc_lib.core.periods import Period, parse_month
from cchc_lib.core.yamltext import yaml_problem

DEFAULT_ANNUAL_LABEL = "Báo cáo kết quả năm gửi Văn phòng Sở (trước ngày 15/12)"


@dataclass(frozen=True)
class Deadlines:
    """When a unit's figures for a month are due; when the annual report is."""

    day: int = 5
    months_after: int = 1
    overrides: Mapping[Period, date] = field(default_factory=dict)
    annual_month: int = 12
    annual_day: int = 15
    annual_label: str = DEFAULT_ANNUAL_LABEL

    def monthly(self, month: Period) -> date:
        """The last day on which the month's figures count as on time."""
        if month in self.overrides:
            return self.overrides[month]
        m0 = month.year * 12 + (month.index - 1) + self.months_after
        year, mon = divmod(m0, 12)
        mon += 1
        return date(year, mon, min(self.day, calendar.monthrange(year, mon)[1]))

    def annual(self, year: int) -> date:
        return date(year, self.annual_month, self.annual_day)


def parse_deadlines(doc: Any, path: str) -> Deadlines:
    """Validate a parsed deadlines file; CatalogueError lists every problem."""
    if doc is None:
        return Deadlines()
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
    a_month = whole(annual, "month", 12, 1, 12, "annual_report")
    a_day = whole(annual, "day", 15, 1, 31, "annual_report")
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
    return Deadlines(day, after, overrides, a_month, a_day, str(label))


def deadlines_path(root: Path | None = None) -> Path:
    return (root or project.project_root()) / "params" / "deadlines.yaml"


def load_deadlines(path: str | Path | None = None) -> Deadlines:
    """The project's deadlines; the defaults (5th of the next month, 15/12) without a file."""
    p = Path(path) if path else deadlines_path()
    if not p.is_file():
        if path:
            raise CatalogueError([Problem("không tìm thấy tệp hạn gửi", file=str(p))])
        return Deadlines()
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise CatalogueError([yaml_problem(e, p.name)]) from None
    return parse_deadlines(doc, p.name)


def format_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")
