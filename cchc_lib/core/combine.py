"""Combining months and units (contract v2, section 3).

For one unit, one criterion and one period, `Combiner.unit` reads each
indicator by its behaviour over time (3.1): flows summed over the criterion's
*complete* months, stocks, running totals and states read together from one
*as-of month*, events and compliance over the year to the period's end.  A
partial month, or a month with only some of the as-of figures, makes the
criterion `missing_data`, naming the month and the blank figures (3.2).

`Combiner.department` makes the department's values (3.4): each indicator by
its department rule (`vp`, `any`, `all`, `sum`) over the units counted, the
units whose own result is `missing_data` left out and named.

Nothing here raises on stored values: what intake accepted is always scored
(a contradiction becomes `missing_data` with its reason).  The `Combiner` is
the scorer's memo over one `Dataset`; it never writes into the dataset.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from cchc_lib.core.catalogue import Catalogue, Criterion, Indicator
from cchc_lib.core.dataset import NOT_DUE, Dataset, check_limits
from cchc_lib.core.periods import Period
from cchc_lib.fmt import count_vi

FLOW, STOCK, YTD, STATE, EVENT, COMPLIANCE = "flow", "stock", "ytd", "state", "event", "compliance"
SNAPSHOT = (STOCK, YTD, STATE)
OVER_YEAR = (EVENT, COMPLIANCE)


def month_vi(month: int, year: int) -> str:
    return f"tháng {month}/{year}"


@dataclass(frozen=True)
class Shape:
    """A criterion's indicators grouped by behaviour (computed once per criterion)."""

    flows: tuple[str, ...]
    denominators: frozenset[str]  # the flows that are a rate's whole (3.2's exception)
    snapshot: tuple[str, ...]  # stock, ytd, state: read from one as-of month
    snapshot_from_january: bool  # one of them is a running total
    over_year: tuple[str, ...]  # event, compliance
    limits: tuple[Any, ...] = ()  # the catalogue's part-of-whole limits on these indicators

    @classmethod
    def of(cls, criterion: Criterion, catalogue: Catalogue) -> "Shape":
        ind = catalogue.indicators
        names = criterion.indicators
        flows = tuple(i for i in names if ind[i].behaviour == FLOW)
        wholes = {whole for _, whole in criterion.rule.limits(criterion.spec)}
        snapshot = tuple(i for i in names if ind[i].behaviour in SNAPSHOT)
        mine = set(names)
        return cls(flows, frozenset(w for w in wholes if w in flows), snapshot,
                   any(ind[i].behaviour == YTD for i in snapshot),
                   tuple(i for i in names if ind[i].behaviour in OVER_YEAR),
                   tuple(lim for lim in catalogue.limits if lim.whole in mine and set(lim.parts) <= mine))


@dataclass(frozen=True)
class Combined:
    """One criterion's values for one unit (or the department) and period."""

    values: Mapping[str, Any]  # indicator -> combined value (None: none)
    problems: tuple[str, ...] = ()  # why the criterion is missing_data (empty: scorable)
    blanks: tuple[str, ...] = ()  # the indicators named in `problems`
    months: tuple[int, int] | None = None  # (complete months used, months of the period), with flows
    as_of: Period | None = None  # the as-of month, with stocks, running totals or states
    notes: tuple[str, ...] = ()  # carry-over and other notes (3.3)
    reported: bool = False  # some indicator has a value in its window
    complete_months: int = 0
    left_out: tuple[str, ...] = ()  # department: units whose own result is missing_data
    counted: tuple[str, ...] = ()  # department: units whose values were combined

    @property
    def missing(self) -> bool:
        return bool(self.problems)


@dataclass
class Combiner:
    """Combines one dataset's values for a catalogue; memoises per unit,
    criterion and period.  Build one per dataset (`Combiner.for_dataset`)."""

    data: Dataset
    catalogue: Catalogue
    version: int = -1
    _slots: dict[tuple[str, str, int], list[Any]] = field(default_factory=dict)
    _unit: dict[tuple[str, str, Period], Combined] = field(default_factory=dict)
    _shapes: dict[str, Shape] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.version = self.data.version

    @property
    def stale(self) -> bool:
        return self.version != self.data.version

    def shape(self, criterion: Criterion) -> Shape:
        s = self._shapes.get(criterion.code)
        if s is None:
            s = self._shapes[criterion.code] = Shape.of(criterion, self.catalogue)
        return s

    def slots(self, unit: str, indicator: str, year: int) -> list[Any]:
        """The unit's twelve monthly values of the year (None where none)."""
        key = (unit, indicator, year)
        slots = self._slots.get(key)
        if slots is None:
            slots = [None] * 12
            for m, v in (self.data.values.get((unit, indicator)) or {}).items():
                if m.year == year and m.kind == "month":
                    slots[m.index - 1] = v
            self._slots[key] = slots
        return slots

    # --- one unit -------------------------------------------------------------------

    def unit(self, unit: str, criterion: Criterion, period: Period) -> Combined:
        key = (unit, criterion.code, period)
        got = self._unit.get(key)
        if got is None:
            got = self._unit[key] = self._combine_unit(unit, criterion, period)
        return got

    def _combine_unit(self, unit: str, criterion: Criterion, period: Period) -> Combined:
        shape = self.shape(criterion)
        year, (first, last) = period.year, period.month_span
        ind = self.catalogue.indicators
        values: dict[str, Any] = {}
        problems: list[str] = []
        blanks: list[str] = []
        notes: list[str] = []
        reported = False
        months = None
        complete = 0

        def partial(m: int, lacking: list[str]) -> None:
            problems.append(f"{month_vi(m, year)} thiếu {_labels(ind, lacking)}")
            blanks.extend(i for i in lacking if i not in blanks)

        if shape.flows:
            series = {i: self.slots(unit, i, year) for i in shape.flows}
            totals = dict.fromkeys(shape.flows, 0)
            for m in range(first, last + 1):
                got = {i: s[m - 1] for i, s in series.items()}
                if any(got[d] == 0 for d in shape.denominators):  # nothing to count: blanks are 0
                    got = {i: 0 if v is None else v for i, v in got.items()}
                lacking = _lacking(got)
                if lacking is None:  # absent
                    continue
                reported = True
                if lacking:
                    partial(m, lacking)
                    continue
                complete += 1
                for i, v in got.items():
                    totals[i] += v
            months = (complete, period.length)
            if complete:
                values.update(totals)
            elif not problems:
                problems.append(f"chưa có tháng nào đủ số liệu trong {period.label_vi_lower}")
                blanks.extend(shape.flows)

        as_of = None
        if shape.snapshot:
            start = 1 if shape.snapshot_from_january else first
            series = {i: self.slots(unit, i, year) for i in shape.snapshot}
            for m in range(last, start - 1, -1):
                got = {i: s[m - 1] for i, s in series.items()}
                lacking = _lacking(got)
                if lacking is None:
                    continue
                reported = True
                if lacking:
                    partial(m, lacking)
                    break
                as_of = Period.month(year, m)
                values.update(got)
                break
            else:
                problems.append(f"chưa có số liệu {_labels(ind, shape.snapshot)}")
                blanks.extend(i for i in shape.snapshot if i not in blanks)

        for i in shape.over_year:
            seen = [v for v in self.slots(unit, i, year)[:last] if v is not None]
            if seen:
                reported = True
            if ind[i].behaviour == EVENT:
                value = True if any(v is True for v in seen) else (False if seen else None)
            else:  # compliance: one miss is a miss; "không phát sinh" is no miss
                value = False if any(v is False for v in seen) else (True if seen else None)
            if value is None:
                problems.append(f"chưa có số liệu {_labels(ind, [i])} từ đầu năm")
                blanks.append(i)
            values[i] = value

        if not problems:
            values, notes = self._settle(criterion, values, notes)
            broken = check_limits(values, self.catalogue, shape.limits)
            if broken:
                problems.append("số liệu cộng dồn không nhất quán: " + "; ".join(broken))
        for i in criterion.indicators:
            values.setdefault(i, None)
        return Combined(values, tuple(problems), tuple(blanks), months, as_of, tuple(notes), reported, complete)

    def _settle(self, criterion: Criterion, values: dict[str, Any], notes: list[str]) -> tuple[dict[str, Any], list[str]]:
        """Carry-over pairs capped at 100% (the excess noted)."""
        if not self.catalogue.carry_over:
            return values, notes
        out = dict(values)
        for pair in self.catalogue.carry_over:
            h, r = out.get(pair.handled), out.get(pair.received)
            if h is not None and r is not None and h > r:
                out[pair.handled] = r
                what = self.catalogue.indicators[pair.received].unit or ""
                notes.append(f"xử lý {count_vi(h)} {what}, nhiều hơn {count_vi(r)} nhận trong kỳ: xử lý cả phản ánh, "
                             "vấn đề tồn từ kỳ trước (tỷ lệ tính tối đa 100%)")
        return out, notes

    def reported(self, unit: str, criterion: Criterion, period: Period) -> bool:
        """Every indicator of the criterion has a value in its window (the
        unit reported the criterion, not only a shared denominator)."""
        shape = self.shape(criterion)
        year, (first, last) = period.year, period.month_span
        for i in criterion.indicators:
            beh = self.catalogue.indicators[i].behaviour
            start = 1 if beh in OVER_YEAR or (beh in SNAPSHOT and shape.snapshot_from_january) else first
            if all(v is None for v in self.slots(unit, i, year)[start - 1:last]):
                return False
        return True

    # --- the department -------------------------------------------------------------

    def department(self, criterion: Criterion, period: Period, units: Sequence[str],
                   office: Sequence[str]) -> Combined:
        """The department's values for the criterion from the `units` counted
        (those whose scorecard has it) and the Văn phòng Sở (`office`)."""
        ind = self.catalogue.indicators
        shape = self.shape(criterion)
        if all(ind[i].department == "vp" for i in criterion.indicators):
            # The department's own fact (one-stop desk, portal, ISO system): the office's result.
            for u in office:
                c = self.unit(u, criterion, period)
                if c.reported:
                    return c
            return Combined(dict.fromkeys(criterion.indicators), ("Văn phòng Sở chưa có số liệu",),
                            tuple(criterion.indicators))
        own = {u: self.unit(u, criterion, period) for u in units}
        counted = [u for u, c in own.items() if c.reported and not c.missing]
        left_out = tuple(u for u, c in own.items() if c.reported and c.missing)
        values: dict[str, Any] = {}
        problems: list[str] = []
        blanks: list[str] = []
        office_values = self._office_values(criterion, period, office)
        for i in criterion.indicators:
            rule = ind[i].department
            if rule == "vp":
                values[i] = office_values.get(i)
                if values[i] is None:
                    problems.append(f"Văn phòng Sở chưa có số liệu {_labels(ind, [i])}")
                    blanks.append(i)
                continue
            got = [own[u].values.get(i) for u in counted]
            got = [v for v in got if v is not None]
            values[i] = _over_units(ind[i], rule, got)
        if not counted and any(ind[i].department != "vp" for i in criterion.indicators):
            names = ", ".join(left_out)
            problems.append(f"chưa có đơn vị nào đủ số liệu (thiếu: {names})" if left_out
                            else "chưa có đơn vị nào gửi số liệu")
            blanks.extend(i for i in criterion.indicators if ind[i].department != "vp" and i not in blanks)
        used = [own[u] for u in counted]
        months = (min(c.complete_months for c in used), period.length) if shape.flows and used else None
        as_ofs = [c.as_of for c in used if c.as_of is not None]
        notes: list[str] = []
        if not problems:
            values, notes = self._settle(criterion, values, notes)
            broken = check_limits(values, self.catalogue, shape.limits)
            if broken:  # cannot happen when every unit's own values hold; never refuse
                problems.append("số liệu cộng dồn không nhất quán: " + "; ".join(broken))
        return Combined(values, tuple(problems), tuple(blanks), months, min(as_ofs) if as_ofs else None,
                        tuple(notes), bool(counted) or bool(left_out), months[0] if months else 0,
                        left_out, tuple(counted))

    def _office_values(self, criterion: Criterion, period: Period, office: Sequence[str]) -> dict[str, Any]:
        """The Văn phòng Sở's own values of the criterion's `vp` indicators."""
        for u in office:
            c = self.unit(u, criterion, period)
            if not c.missing:
                return dict(c.values)
            # Mixed criterion: the office's result can miss the other units' figures;
            # its `vp` figures still count when they are there.
            vp = {i: v for i, v in c.values.items() if self.catalogue.indicators[i].department == "vp"}
            if any(v is not None for v in vp.values()):
                return vp
        return {}


def _over_units(ind: Indicator, rule: str, values: list[Any]) -> Any:
    if not values:
        return None
    if rule == "sum":
        return sum(values)
    if ind.kind == "level":
        return max(values, key=ind.level_rank)  # the lowest level
    if rule == "any":
        return any(v is True or v == NOT_DUE for v in values)
    return all(v is True or v == NOT_DUE for v in values)


def _lacking(got: Mapping[str, Any]) -> list[str] | None:
    """A month's figures: None when none has a value (absent), else the blank
    ones (empty: complete; some: partial)."""
    blank = [i for i, v in got.items() if v is None]
    return None if len(blank) == len(got) else blank


def _labels(ind: Mapping[str, Indicator], names: Iterable[str]) -> str:
    return ", ".join(f"«{ind[i].label}»" for i in names)
