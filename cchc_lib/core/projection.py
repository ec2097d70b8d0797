"""Where the year lands at this pace: every criterion projected to the year's cut-off.

Pure functions of a `Dataset` (the raw monthly values), the catalogue and a
month `through` (the last month the projection may read).  For one unit and
one criterion, over January..`through` of the year:

- `flow` figures go on at their monthly rate over the criterion's *complete*
  months (every flow figure of the criterion given; a blank part over a zero
  whole counts as 0): the year's total is sum × 12 / complete months (the
  months still to come, and any month not reported, at the same pace);
- `ytd` running totals are extended the same way from their as-of month
  (value × 12 / month), never beyond the whole they are part of;
- `stock`, `state`, `event` and `compliance` figures stay as they stand.

The projected points come from the criterion's own rule (`rule.evaluate`,
as the scorecard calls it), on exact fractions: every count is scaled by the
same whole factor so that the rule sees whole numbers with the same ratios
(and, for a count banded on its annualised value, `months` scaled alike).

"What it takes" asks the rule too: the smallest monthly addition to a part
of the criterion (its numerator) over the months left that reaches the
points of the next band the rule names (its `Gap.target_points`), or for a
stock the smallest addition by the cut-off.  A criterion is *at risk* when
a band edge is within reach either way: one tenth of the part's monthly
pace (at least one item a month) more reaches the next band, or that much
less drops to a lower one.

The department is one body (contract v2, 3.4): each indicator's projected
value combines the units' by its department rule (`vp`, `any`, `all`,
`sum`); a unit with a partial month for the criterion is left out and named.
"""
from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, Callable, Iterable, Mapping

from cchc_lib.core.catalogue import Catalogue, Criterion
from cchc_lib.core.combine import Combined
from cchc_lib.core.dataset import Dataset, Observation
from cchc_lib.core.deadlines import Cutoff
from cchc_lib.core.periods import Period
from cchc_lib.core.rules import MISSING, SCORED, STATUS_VI, TRACKED, Outcome
from cchc_lib.core.scoring import CriterionResult, Totals, combiner_for, criteria_for_unit, earned, fsum
from cchc_lib.core.units import Registry, Unit
from cchc_lib.fmt import count_vi, number_vi, percent_vi, points_vi

#: A band edge is "within reach" when this share of a part's monthly pace
#: (at least one item a month) crosses it.
REACH_SHARE = Fraction(1, 10)
_SEARCH_LIMIT = 10 ** 9


# --- one scope's figures for one criterion -----------------------------------------------

@dataclass(frozen=True)
class Figures:
    """One unit's (or the department's) figures for one criterion: as they
    stand (`now`: the combiner's values over January..`through`, flows summed
    over the complete months) and at the cut-off (`projected`); `pace`: each
    flow's monthly rate."""

    now: dict[str, Any]
    projected: dict[str, Any]
    pace: dict[str, Fraction]
    months: int  # complete months (0 when the criterion has flows and none is complete)
    as_of: Period | None  # the month its stocks, running totals and states stand at
    problem: str = ""  # why it cannot be projected (a partial month, ...)
    left_out: tuple[str, ...] = ()
    blanks: tuple[str, ...] = ()  # the figures named in `problem`


def _behaviour(catalogue: Catalogue, ind: str) -> str:
    return catalogue.indicators[ind].behaviour


def _pairs(criterion: Criterion) -> list[tuple[tuple[str, ...], str]]:
    """(parts, whole) of the criterion's rule: its numerators and denominators."""
    return [(tuple(parts), whole) for parts, whole in criterion.rule.limits(criterion.spec)]


_TRUNCATED: "weakref.WeakKeyDictionary[Dataset, dict[tuple[int, int, int], Dataset]]" = weakref.WeakKeyDictionary()


def year_to(data: Dataset, year: int, through: int) -> Dataset:
    """The values of January..`through` of `year` only: the combiner then reads
    the criterion's complete months, its as-of month and its events up to
    `through` as it reads a year (memoised per dataset version)."""
    per = _TRUNCATED.setdefault(data, {})
    key = (year, through, data.version)
    got = per.get(key)
    if got is None:
        per.clear()
        got = per[key] = Dataset((Observation(u, m, i, v) for (u, i), by in data.values.items() for m, v in by.items()
                                  if m.year == year and m.kind == "month" and m.index <= through), data.source)
    return got


def _extend(criterion: Criterion, catalogue: Catalogue, c: Combined) -> Figures:
    """Projected values from the combiner's: flows × 12 / complete months,
    running totals × 12 / as-of month (never beyond their whole), the rest as is."""
    now = dict(c.values)
    if c.missing:
        return Figures(now, dict(now), {}, c.complete_months, c.as_of, "; ".join(c.problems), c.left_out, c.blanks)
    projected = dict(now)
    pace: dict[str, Fraction] = {}
    k = c.complete_months
    for i in criterion.indicators:
        v, b = now.get(i), _behaviour(catalogue, i)
        if v is None:
            continue
        if b == "flow" and k:
            pace[i] = Fraction(v, k)
            projected[i] = pace[i] * 12
        elif b == "ytd" and c.as_of is not None:
            projected[i] = Fraction(v) * 12 / c.as_of.index
    _cap_parts(criterion, catalogue, projected)
    return Figures(now, projected, pace, k, c.as_of, "", c.left_out)


def unit_figures(data: Dataset, catalogue: Catalogue, criterion: Criterion, unit: str, year: int,
                 through: int) -> Figures:
    """One unit's figures for one criterion, January..`through`."""
    part = year_to(data, year, through)
    return _extend(criterion, catalogue, combiner_for(part, catalogue).unit(unit, criterion, Period(year, "year")))


def _cap_parts(criterion: Criterion, catalogue: Catalogue, values: dict[str, Any]) -> None:
    """An extended running total never exceeds the whole it is part of."""
    for parts, whole in _pairs(criterion):
        w = values.get(whole)
        if w is None or len(parts) != 1:
            continue
        p = parts[0]
        if _behaviour(catalogue, p) == "ytd" and values.get(p) is not None and values[p] > w:
            values[p] = w


def department_figures(data: Dataset, catalogue: Catalogue, criterion: Criterion, registry: Registry,
                       year: int, through: int, involved: Iterable[str] | None = None) -> Figures:
    """The department's figures for one criterion (contract v2, 3.4), as the
    combiner makes them (units counted, units left out, the Văn phòng Sở's
    own facts), each count projected at its own unit's pace: `sum` figures
    are the sum of the counted units' projections, `vp` ones the office's,
    yes/no and levels as they stand.  `involved`: the units whose scorecard
    has the criterion (default: computed)."""
    part = year_to(data, year, through)
    comb = combiner_for(part, catalogue)
    period = Period(year, "year")
    if involved is None:
        involved = [u.code for u in registry if u.code in part.units
                    and criterion in criteria_for_unit(part, catalogue, u, period)]
    office = [u.code for u in registry if u.kind == catalogue.office_kind]
    dept = comb.department(criterion, period, list(involved), office)
    if dept.missing:
        return _extend(criterion, catalogue, dept)
    ind = catalogue.indicators
    office_fig = next((_extend(criterion, catalogue, comb.unit(u, criterion, period)) for u in office
                       if comb.unit(u, criterion, period).reported), None)
    if all(ind[i].department == "vp" for i in criterion.indicators) and office_fig is not None:
        return office_fig  # the department's own fact: the office's result
    figs = [_extend(criterion, catalogue, comb.unit(u, criterion, period)) for u in dept.counted]
    now = dict(dept.values)
    projected = dict(now)
    pace: dict[str, Fraction] = {}
    for i in criterion.indicators:
        if ind[i].kind != "count":
            continue
        source = ([office_fig] if office_fig is not None else []) if ind[i].department == "vp" else figs
        vals = [f.projected.get(i) for f in source if f.projected.get(i) is not None]
        if vals:
            projected[i] = sum((Fraction(v) for v in vals), Fraction(0))
        paces = [f.pace[i] for f in source if i in f.pace]
        if paces:
            pace[i] = sum(paces, Fraction(0))
    _cap_parts(criterion, catalogue, projected)
    return Figures(now, projected, pace, dept.complete_months, dept.as_of, "", dept.left_out)


# --- evaluating with the criterion's own rule ------------------------------------------------

def evaluate(criterion: Criterion, values: Mapping[str, Any], months: int, catalogue: Catalogue) -> Outcome:
    """The criterion's rule on values whose counts may be fractions: every
    count is scaled by one whole factor (ratios unchanged; `months` scaled
    alike, so a count banded on its annualised value keeps it).  A count
    banded as it is (not annualised) is taken whole, rounded down."""
    counts = {i: Fraction(v) for i, v in values.items()
              if v is not None and catalogue.indicators[i].kind == "count"}
    scale = 1
    if getattr(criterion.spec, "annualise", True) is False:
        counts = {i: Fraction(math.floor(v)) for i, v in counts.items()}
    else:
        scale = math.lcm(1, *(v.denominator for v in counts.values()))
    scaled = {i: (int(counts[i] * scale) if i in counts else values.get(i)) for i in criterion.indicators}
    return criterion.rule.evaluate(criterion.spec, scaled, max(months, 1) * scale, criterion.when_none,
                                   criterion.max_points, catalogue.context)


def _smallest(pred: Callable[[int], bool], cap: int | None) -> int | None:
    """The smallest x in 1..cap with pred(x), pred monotone (false then true)."""
    hi_limit = _SEARCH_LIMIT if cap is None else cap
    if hi_limit < 1:
        return None
    hi = 1
    while not pred(hi):
        if hi >= hi_limit:
            return None
        hi = min(hi * 2, hi_limit)
    lo = hi // 2 + 1 if hi > 1 else 1
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi


# --- the projection of one criterion ------------------------------------------------------------

@dataclass(frozen=True)
class Need:
    """What it takes to reach the next band by the cut-off, in the unit's own terms."""

    text: str
    target_points: Fraction | None = None
    indicator: str | None = None
    per_month: int | None = None  # a flow: this many more each month left
    total: int | None = None  # a stock or running total: this many more by the cut-off
    reachable: bool = True


@dataclass(frozen=True)
class Risk:
    """A band edge within reach: `up` (a little more reaches the next band) or
    `down` (a little less drops a band)."""

    direction: str
    per_month: int
    indicator: str
    points: Fraction  # the points on the other side of the edge
    text: str


@dataclass(frozen=True)
class CriterionProjection(CriterionResult):
    criterion: Criterion
    now: Outcome  # on the complete months so far
    projected: Outcome  # at the cut-off
    figures: Figures
    band: str  # the band it lands in ("≥ 95%", "Tốt", ...)
    by_pace: bool  # has flows, and months left to change them
    need: Need | None = None
    risks: tuple[Risk, ...] = ()

    @property
    def result(self) -> Outcome:
        return self.projected

    @property
    def now_points(self) -> Fraction:
        return earned(self.now)

    @property
    def risk(self) -> str | None:
        """None, "up", "down" or "both"."""
        dirs = {r.direction for r in self.risks}
        return None if not dirs else "both" if len(dirs) == 2 else dirs.pop()


@dataclass(frozen=True)
class Projection(Totals):
    """Every criterion of one unit (or the department) projected to the cut-off."""

    unit: Unit | None
    year: int
    through: Period  # the last month read
    cutoff: date
    criteria: tuple[CriterionProjection, ...]
    domains: tuple[tuple[str, str], ...] = ()  # (code, title) in catalogue order
    remaining: int = field(default=0)

    @property
    def now_points(self) -> Fraction:
        return fsum(c.now_points for c in self.criteria if c.now.status == SCORED)

    def domain_points(self, code: str) -> tuple[Fraction, Fraction]:
        mine = [c for c in self.criteria if c.criterion.domain == code]
        return (sum((c.points for c in mine), Fraction(0)),
                sum((c.max_points for c in mine if c.counts_toward_max), Fraction(0)))

    def get(self, code: str) -> CriterionProjection:
        return next(c for c in self.criteria if c.code == code)

    @property
    def at_risk(self) -> list[CriterionProjection]:
        return [c for c in self.criteria if c.risks]

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit.code if self.unit else None,
            "year": self.year,
            "through": str(self.through),
            "cutoff": self.cutoff.isoformat(),
            "remaining_months": self.remaining,
            "points": float(self.points),
            "max_points": float(self.max_points),
            "now_points": float(self.now_points),
            "domains": [{"code": d, "points": float(self.domain_points(d)[0]),
                         "max_points": float(self.domain_points(d)[1])} for d, _ in self.domains],
            "criteria": [_criterion_dict(c) for c in self.criteria],
        }


def _num(v: Any) -> Any:
    if isinstance(v, Fraction):
        return int(v) if v.denominator == 1 else float(v)
    return v


def _criterion_dict(c: CriterionProjection) -> dict[str, Any]:
    return {
        "code": c.code, "status": c.status, "points": float(c.points), "max_points": float(c.max_points),
        "now_points": float(c.now_points), "now_status": c.now.status,
        "rate": float(c.projected.rate) if c.projected.rate is not None else None,
        "band": c.band, "months": c.figures.months,
        "as_of": str(c.figures.as_of) if c.figures.as_of else None,
        "values": {k: _num(v) for k, v in c.figures.projected.items()},
        "by_pace": c.by_pace, "risk": c.risk,
        "risks": [{"direction": r.direction, "per_month": r.per_month, "indicator": r.indicator,
                   "points": float(r.points), "text": r.text} for r in c.risks],
        "need": None if c.need is None else {
            "text": c.need.text, "indicator": c.need.indicator, "per_month": c.need.per_month,
            "total": c.need.total, "reachable": c.need.reachable,
            "target_points": float(c.need.target_points) if c.need.target_points is not None else None},
        "left_out": list(c.figures.left_out), "problem": c.figures.problem,
    }


def band_text(criterion: Criterion, o: Outcome) -> str:
    """The band an outcome lands in, as the plan writes it ("≥ 95%", "> 200 tin bài/năm", "Tốt")."""
    if o.status != SCORED:
        return STATUS_VI[o.status]
    bands = getattr(criterion.spec, "bands", None)
    if bands:
        percent = o.rate is not None
        x = o.rate if percent else o.value
        unit = "" if percent else "/năm" if getattr(criterion.spec, "annualise", False) else ""
        for b in bands:
            if x is not None and b.holds(x):
                if b.factor is not None:  # rate × factor: the band is the formula
                    head = "" if b.threshold == 0 else b.describe(percent) + ": "
                    return f"{head}tỷ lệ × {number_vi(b.factor, 2).rstrip('0').rstrip(',')}"
                return b.describe(percent) + unit
        lowest = bands[-1].describe(percent).split(" ", 1)[1]
        return f"dưới {lowest}{unit}"
    if any(c in ("weighted_ratio_sum", "review_handling") for c in (criterion.rule_name,)):
        return points_vi(o.points) + " điểm"
    return o.detail


def _levers(criterion: Criterion, catalogue: Catalogue) -> list[tuple[str, str | None, tuple[str, ...]]]:
    """(part, its whole, the other parts of that whole): the figures whose
    increase raises the points (a ratio's numerator; a banded count)."""
    out = []
    for parts, whole in _pairs(criterion):
        for p in parts:
            out.append((p, whole, tuple(x for x in parts if x != p)))
    if not out:
        out = [(i, None, ()) for i in criterion.indicators if catalogue.indicators[i].kind == "count"]
    return out


def _year_room(figures: Figures, part: str, whole: str | None, others: tuple[str, ...]) -> Fraction:
    """How much `part` could still grow over the year if it took all of its whole."""
    p = figures.projected
    if whole is None or p.get(whole) is None:
        return Fraction(0)
    return p[whole] - sum((p.get(o) or Fraction(0) for o in (part, *others)), Fraction(0))


def _day(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}"


def project_criterion(criterion: Criterion, figures: Figures, catalogue: Catalogue, remaining: int,
                      cutoff: date) -> CriterionProjection:
    """One criterion at the cut-off, what it takes, and its risk."""
    ctx = catalogue.context
    if figures.problem:
        if not criterion.rule.decides_alone(criterion.spec, figures.now):
            missing = Outcome(MISSING, detail=figures.problem, missing=figures.blanks)
            return CriterionProjection(criterion, missing, missing, figures, STATUS_VI[MISSING], False)
        # decided by what is there (3.2's review not done), as the scorecard does: it stands
        vals = {i: (v if i not in figures.blanks else None) for i, v in figures.now.items()}
        o = evaluate(criterion, vals, figures.months or 12, catalogue)
        need = Need(f"{o.gap.text}, trước {_day(cutoff)}", o.gap.target_points) if o.gap is not None else None
        return CriterionProjection(criterion, o, o, figures, band_text(criterion, o), False, need)
    now = evaluate(criterion, figures.now, figures.months or 12, catalogue)
    projected = evaluate(criterion, figures.projected, 12, catalogue)
    flows = [i for i in criterion.indicators if _behaviour(catalogue, i) == "flow"]
    by_pace = bool(flows) and figures.months > 0 and remaining > 0
    band = band_text(criterion, projected)
    if projected.status != SCORED or criterion.tracked:
        return CriterionProjection(criterion, now, projected, figures, band, by_pace)
    p0 = projected.points
    target = projected.gap.target_points if projected.gap is not None else None
    by = f"đến {_day(cutoff)}"

    def with_extra(ind: str, amount: Fraction) -> Outcome:
        vals = dict(figures.projected)
        vals[ind] = vals[ind] + amount
        return evaluate(criterion, vals, 12, catalogue)

    risks: list[Risk] = []
    options: list[tuple[int, Need]] = []
    blocked: list[Need] = []
    for part, whole, others in _levers(criterion, catalogue):
        if figures.projected.get(part) is None:
            continue
        short = ctx.short(part)
        flow = _behaviour(catalogue, part) == "flow"
        if flow and not by_pace:
            continue
        source = figures.pace if flow else figures.projected
        cap = None
        if whole is not None and source.get(whole) is not None:
            room = source[whole] - sum((source.get(o) or Fraction(0) for o in (part, *others)), Fraction(0))
            cap = max(0, math.floor(room))
        step = remaining if flow else 1
        if target is not None:
            x = _smallest(lambda x: earned(with_extra(part, Fraction(x * step))) >= target, cap)
            if x is not None and flow:
                options.append((x, Need(f"thêm {count_vi(x)} {short} mỗi tháng {by} → {points_vi(target)} điểm",
                                        target, part, per_month=x)))
            elif x is not None:
                options.append((x, Need(f"thêm {count_vi(x)} {short} trước {_day(cutoff)} (không tự tăng theo "
                                        f"nhịp tháng) → {points_vi(target)} điểm", target, part, total=x)))
            elif flow and cap is not None and earned(with_extra(part, _year_room(figures, part, whole, others))) >= target:
                # the year's whole would reach it, but not every item from now on: the months gone weigh too much
                total = _smallest(lambda x: earned(with_extra(part, Fraction(x))) >= target, None) or 0
                short_by = max(1, math.ceil(total - cap * step))
                blocked.append(Need(f"không thể đạt {points_vi(target)} điểm {by}: kể cả khi mọi "
                                    f"{ctx.short(whole)} từ nay đều đạt, cả năm vẫn thiếu {count_vi(short_by)} "
                                    f"{short}", target, part, reachable=False))
        if flow:
            # the edge below: how little less each month drops a band
            pace = figures.pace.get(part, Fraction(0))
            reach = max(1, math.ceil(pace * REACH_SHARE))

            def drops(x: int, part: str = part) -> bool:
                o = with_extra(part, Fraction(-x * remaining))
                return earned(o) < p0 and (o.gap is None or o.gap.target_points <= p0)

            down = _smallest(drops, min(reach, math.floor(pace)))
            if down is not None:
                lower = earned(with_extra(part, Fraction(-down * remaining)))
                risks.append(Risk("down", down, part, lower,
                                  f"sát ngưỡng: ít hơn {count_vi(down)} {short} mỗi tháng là xuống "
                                  f"{points_vi(lower)} điểm"))
            up = next((x for x, n in options if n.indicator == part), None)
            if up is not None and up <= reach and target is not None:
                risks.append(Risk("up", up, part, target,
                                  f"trong tầm với: thêm {count_vi(up)} {short} mỗi tháng là lên "
                                  f"{points_vi(target)} điểm"))
    need: Need | None = None
    if options:
        need = min(options, key=lambda o: o[0])[1]
    elif blocked:
        need = blocked[0]
    elif p0 < criterion.max_points:
        gap = now.gap if now.status == SCORED and now.gap is not None else projected.gap
        if gap is not None:
            late = f" (không còn tháng nào trước {_day(cutoff)})" if flows and remaining == 0 else ""
            need = Need(f"{gap.text}, trước {_day(cutoff)}{late}", gap.target_points)
    risks.sort(key=lambda r: (r.direction != "down", r.per_month))
    return CriterionProjection(criterion, now, projected, figures, band, by_pace, need, tuple(risks))


def unit_criteria(data: Dataset, catalogue: Catalogue, unit: Unit, year: int, through: int) -> list[Criterion]:
    """A unit's criteria, as its scorecard for January..`through` has them."""
    return criteria_for_unit(year_to(data, year, through), catalogue, unit, Period(year, "year"))


def remaining_months(through: Period) -> int:
    """Months still to report after `through`, up to the cut-off (December's figures close it)."""
    return 12 - through.index


def project(data: Dataset, catalogue: Catalogue, registry: Registry, through: Period,
            unit: Unit | None = None, cutoff: Cutoff = Cutoff()) -> Projection:
    """Every criterion of `unit` (None: the department) projected from
    January..`through` to the year's cut-off (`cutoff`: the reporting
    setting, `deadlines.load_cutoff`; the Decree's 14th by default)."""
    if through.kind != "month":
        through = through.months[-1]
    cut = cutoff.closing(through.year, 12)
    left = remaining_months(through)
    year, m = through.year, through.index
    if unit is None:
        crits = list(catalogue.criteria)
        part = year_to(data, year, m)
        per_unit = {u.code: {c.code for c in unit_criteria(data, catalogue, u, year, m)}
                    for u in registry if u.code in part.units}
        figs = [department_figures(data, catalogue, c, registry, year, m,
                                   [u for u, codes in per_unit.items() if c.code in codes]) for c in crits]
    else:
        crits = unit_criteria(data, catalogue, unit, year, m)
        figs = [unit_figures(data, catalogue, c, unit.code, year, m) for c in crits]
    out = tuple(project_criterion(c, f, catalogue, left, cut) for c, f in zip(crits, figs))
    codes = {c.domain for c in crits}
    domains = tuple((d.code, d.title) for d in catalogue.domains if d.code in codes)
    return Projection(unit, year, through, cut, out, domains, left)


def latest_month(data: Dataset, year: int, units: Iterable[str] | None = None) -> Period | None:
    """The latest month of `year` with any value (of `units`)."""
    keep = None if units is None else set(units)
    found = [m for (u, _), by in data.values.items() if keep is None or u in keep
             for m in by if m.year == year and m.kind == "month"]
    return max(found) if found else None


def pace_text(c: CriterionProjection) -> str:
    """The projection in one phrase: "96,2% (≈ 1.245/1.294 hồ sơ cả năm)", "≈ 236 tin bài/năm"."""
    o = c.projected
    if o.status != SCORED and o.status != TRACKED:
        return STATUS_VI[o.status] + (f": {c.figures.problem}" if c.figures.problem else "")
    if o.rate is not None:
        return percent_vi(o.rate)
    if isinstance(o.value, Fraction):
        return f"≈ {number_vi(o.value, 0)}/năm"
    return o.detail


__all__ = ["REACH_SHARE", "Figures", "unit_figures",
           "department_figures", "year_to", "evaluate", "Need", "Risk",
           "CriterionProjection", "Projection", "project", "project_criterion", "band_text", "latest_month",
           "remaining_months", "unit_criteria", "pace_text"]
