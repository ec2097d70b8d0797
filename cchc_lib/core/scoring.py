"""Scorecards: one unit (or the department) for one period (contract section 5).

Pure functions of a `Dataset`, a `Catalogue` and a `Period`; they return data
(`Scorecard`) and never print or write.  Values are combined as the contract
(v2, section 3) says by `combine.Combiner`, the scorer's own memo over a
dataset: what intake stored is always scored, never refused.
"""
from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Iterable, Sequence

from cchc_lib.core.catalogue import Catalogue, Criterion
from cchc_lib.core.combine import Combined, Combiner
from cchc_lib.core.dataset import Dataset
from cchc_lib.core.periods import Period
from cchc_lib.core.rules import MISSING, SCORED, Gap, Outcome
from cchc_lib.core.units import Registry, Unit


def fsum(values: Iterable[Fraction]) -> Fraction:
    """Exact sum of fractions over their common denominator (much faster than
    adding Fractions one by one, same result)."""
    vals = list(values)
    if not vals:
        return Fraction(0)
    den = math.lcm(*(v.denominator for v in vals))
    return Fraction(sum(v.numerator * (den // v.denominator) for v in vals), den)


def earned(o: Outcome) -> Fraction:
    """The points an outcome earns: its points when scored, else 0."""
    return o.points if o.status == SCORED else Fraction(0)


class CriterionResult:
    """code, status, points and maximum of one criterion's result, shared by a
    scorecard's line and a projection's: subclasses say which `result` counts."""

    criterion: Criterion

    @property
    def result(self) -> Outcome:
        raise NotImplementedError

    @property
    def code(self) -> str:
        return self.criterion.code

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def points(self) -> Fraction:
        return earned(self.result)

    @property
    def max_points(self) -> Fraction:
        return self.criterion.max_points

    @property
    def counts_toward_max(self) -> bool:
        return self.status in (SCORED, MISSING)


class Totals:
    """Points, applicable maximum and percentage over `criteria` (n/a and
    tracked criteria do not count toward the maximum)."""

    criteria: Sequence[CriterionResult]

    @property
    def points(self) -> Fraction:
        return fsum(c.points for c in self.criteria)

    @property
    def max_points(self) -> Fraction:
        return fsum(c.max_points for c in self.criteria if c.counts_toward_max)

    @property
    def percent(self) -> float | None:
        """Points as a percentage of the applicable maximum."""
        return float(self.points / self.max_points * 100) if self.max_points else None


@dataclass(frozen=True)
class CriterionScore(CriterionResult):
    criterion: Criterion
    outcome: Outcome
    months: tuple[int, int] | None = None  # (complete months scored on, months of the period)
    as_of: Period | None = None  # the month its stocks, running totals or states stand at
    notes: tuple[str, ...] = ()  # carry-over and other notes of contract v2, 3.3
    left_out: tuple[str, ...] = ()  # department: units whose own result is missing_data

    @property
    def result(self) -> Outcome:
        return self.outcome

    @property
    def lost(self) -> Fraction:
        """Points below the maximum that count (0 for n/a and tracked)."""
        return self.max_points - self.points if self.counts_toward_max else Fraction(0)

    @property
    def gap(self) -> Gap | None:
        return self.outcome.gap if self.status == SCORED else None

    def to_dict(self) -> dict[str, Any]:
        o = self.outcome
        value = o.value
        if isinstance(value, Fraction):
            value = float(value)
        d: dict[str, Any] = {
            "code": self.code,
            "title": self.criterion.title,
            "domain": self.criterion.domain,
            "points": float(self.points),
            "max_points": float(self.max_points),
            "status": self.status,
            "rate": float(o.rate) if o.rate is not None else None,
            "value": value,
            "detail": o.detail,
            "missing": list(o.missing),
            "gap": self.gap.text if self.gap else None,
            "gap_amount": self.gap.amount if self.gap else None,
        }
        if self.months is not None:
            d["months"] = list(self.months)
        if self.as_of is not None:
            d["as_of"] = str(self.as_of)
        if self.left_out:
            d["left_out"] = list(self.left_out)
        if self.notes:
            d["notes"] = list(self.notes)
        return d


@dataclass(frozen=True)
class DomainScore:
    code: str
    title: str
    points: Fraction
    max_points: Fraction  # applicable maximum (n/a and tracked removed)

    @property
    def percent(self) -> float | None:
        return float(self.points / self.max_points * 100) if self.max_points else None


@dataclass(frozen=True)
class Scorecard(Totals):
    unit: Unit | None  # None: the whole department
    period: Period
    criteria: tuple[CriterionScore, ...]
    domains: tuple[DomainScore, ...]

    @property
    def unit_code(self) -> str | None:
        return self.unit.code if self.unit else None

    def by_status(self, status: str) -> list[CriterionScore]:
        return [c for c in self.criteria if c.status == status]

    def get(self, code: str) -> CriterionScore:
        return next(c for c in self.criteria if c.code == code)

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object (section 6), plus subtotals."""
        return {
            "unit": self.unit_code,
            "unit_name": self.unit.name if self.unit else None,
            "period": str(self.period),
            "points": float(self.points),
            "max_points": float(self.max_points),
            "percent": self.percent,
            "domains": [{"code": d.code, "title": d.title, "points": float(d.points),
                         "max_points": float(d.max_points), "percent": d.percent} for d in self.domains],
            "criteria": [c.to_dict() for c in self.criteria],
        }


def combiner_for(data: Dataset, catalogue: Catalogue) -> Combiner:
    """The scorer's memo for this dataset and catalogue (every scorecard of a
    batch shares it); a new one when the dataset has changed since."""
    per_data = _COMBINERS.setdefault(data, {})
    comb = per_data.get(id(catalogue))
    if comb is None or comb.stale or comb.catalogue is not catalogue:
        comb = per_data[id(catalogue)] = Combiner(data, catalogue)
    return comb


_COMBINERS: "weakref.WeakKeyDictionary[Dataset, dict[int, Combiner]]" = weakref.WeakKeyDictionary()


def _evaluate(criterion: Criterion, combined: Combined, period: Period, catalogue: Catalogue,
              notes: Sequence[str] = ()) -> CriterionScore:
    rule, values = criterion.rule, combined.values
    if combined.missing and not rule.decides_alone(criterion.spec, values):
        outcome = Outcome(MISSING, detail="; ".join(combined.problems), missing=combined.blanks)
    else:
        if combined.missing:  # decided by what is there (3.2's review not done)
            values = {i: (v if i not in combined.blanks else None) for i, v in values.items()}
        outcome = rule.evaluate(criterion.spec, values, combined.complete_months or period.length,
                                criterion.when_none, criterion.max_points, catalogue.context)
    return CriterionScore(criterion, outcome, combined.months, combined.as_of,
                          tuple(combined.notes) + tuple(notes), combined.left_out)


def _period_notes(catalogue: Catalogue, criterion: Criterion, get: Any) -> list[str]:
    """Notes of the catalogue's `period_notes` for this criterion; `get(criterion)`
    gives the Combined values of another criterion of the same scorecard."""
    out = []
    for note in catalogue.period_notes:
        if note.criterion != criterion.code:
            continue
        below = get(criterion).values.get(note.below)
        other = next((c for c in catalogue.criteria if set(note.minus) <= set(c.indicators)), None)
        if below is None or other is None:
            continue
        vals = get(other)
        a, b = (vals.values.get(n) for n in note.minus)
        if not vals.missing and a is not None and b is not None and below < a - b:
            out.append(note.text)
    return out


def _domains(catalogue: Catalogue, scores: Sequence[CriterionScore]) -> tuple[DomainScore, ...]:
    out = []
    for d in catalogue.domains:
        mine = [s for s in scores if s.criterion.domain == d.code]
        if not mine:
            continue
        out.append(DomainScore(d.code, d.title, fsum(s.points for s in mine),
                               fsum(s.max_points for s in mine if s.counts_toward_max)))
    return tuple(out)


def criteria_for_unit(data: Dataset, catalogue: Catalogue, unit: Unit, period: Period) -> list[Criterion]:
    """The kind's criteria, plus any other criterion all of whose indicators
    the unit reported in their windows of the period (so a unit is never
    flagged for a criterion it only half-touches, nor for one it reported in
    another period), in catalogue order."""
    comb = combiner_for(data, catalogue)
    return [c for c in catalogue.criteria
            if unit.kind in c.responsible or comb.reported(unit.code, c, period)]


def score_unit(data: Dataset, catalogue: Catalogue, unit: Unit, period: Period) -> Scorecard:
    """The scorecard of one unit for one period."""
    comb = combiner_for(data, catalogue)

    def get(c: Criterion) -> Combined:
        return comb.unit(unit.code, c, period)

    scores = tuple(_evaluate(c, get(c), period, catalogue, _period_notes(catalogue, c, get))
                   for c in criteria_for_unit(data, catalogue, unit, period))
    return Scorecard(unit, period, scores, _domains(catalogue, scores))


def score_department(data: Dataset, catalogue: Catalogue, period: Period, registry: Registry) -> Scorecard:
    """Every criterion, on the department's values (contract v2, 3.4): each
    indicator by its department rule over the units whose scorecard has the
    criterion; a unit whose own result is missing_data is left out and named;
    the department's own facts come from the Văn phòng Sở."""
    comb = combiner_for(data, catalogue)
    units = [registry.get(u) for u in data.units if u in registry]
    office = [u.code for u in registry if u.kind == catalogue.office_kind]
    per_unit = {u.code: {c.code for c in criteria_for_unit(data, catalogue, u, period)} for u in units}
    done: dict[str, Combined] = {}

    def get(c: Criterion) -> Combined:
        if c.code not in done:
            involved = [u for u, codes in per_unit.items() if c.code in codes]
            done[c.code] = comb.department(c, period, involved, office)
        return done[c.code]

    scores = []
    for c in catalogue.criteria:
        score = _evaluate(c, get(c), period, catalogue, _period_notes(catalogue, c, get))
        if score.left_out and score.status != MISSING:
            note = f" (chưa tính {len(score.left_out)} đơn vị thiếu số liệu: {', '.join(score.left_out)})"
            score = CriterionScore(c, _with_detail(score.outcome, note), score.months, score.as_of, score.notes,
                                   score.left_out)
        scores.append(score)
    return Scorecard(None, period, tuple(scores), _domains(catalogue, scores))


def _with_detail(outcome: Outcome, extra: str) -> Outcome:
    return replace(outcome, detail=outcome.detail + extra)


def score_all(data: Dataset, catalogue: Catalogue, registry: Registry, period: Period,
              units: Iterable[Unit] | None = None) -> tuple[Scorecard, list[Scorecard]]:
    """The department's scorecard and each unit's (registry order)."""
    chosen = list(units) if units is not None else list(registry)
    return score_department(data, catalogue, period, registry), [score_unit(data, catalogue, u, period) for u in chosen]


def ranking(cards: Iterable[Scorecard]) -> list[tuple[int, Scorecard]]:
    """Units by percent of their applicable maximum, best first; ties share a
    rank (1, 2, 2, 4).  Units with nothing applicable come last, unranked (0)."""
    cards = list(cards)
    rated = sorted((c for c in cards if c.percent is not None), key=lambda c: (-round(c.percent, 9), c.unit_code or ""))
    out: list[tuple[int, Scorecard]] = []
    for i, c in enumerate(rated):
        rank = out[-1][0] if out and round(out[-1][1].percent, 9) == round(c.percent, 9) else i + 1
        out.append((rank, c))
    out.extend((0, c) for c in cards if c.percent is None)
    return out
