"""Scorecards: one unit (or the department) for one period (contract section 5).

Pure functions of a `Dataset`, a `Catalogue` and a `Period`; they return data
(`Scorecard`) and never print or write.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Iterable, Sequence

from cchc_lib.core.catalogue import Catalogue, Criterion
from cchc_lib.core.combine import check_combined, department_values, unit_value, unit_values
from cchc_lib.core.dataset import Dataset
from cchc_lib.core.periods import Period
from cchc_lib.core.rules import MISSING, NOT_APPLICABLE, SCORED, TRACKED, Gap, Outcome
from cchc_lib.core.units import Registry, Unit


def fsum(values: Iterable[Fraction]) -> Fraction:
    """Exact sum of fractions over their common denominator (much faster than
    adding Fractions one by one, same result)."""
    vals = list(values)
    if not vals:
        return Fraction(0)
    den = math.lcm(*(v.denominator for v in vals))
    return Fraction(sum(v.numerator * (den // v.denominator) for v in vals), den)


@dataclass(frozen=True)
class CriterionScore:
    criterion: Criterion
    outcome: Outcome

    @property
    def code(self) -> str:
        return self.criterion.code

    @property
    def status(self) -> str:
        return self.outcome.status

    @property
    def points(self) -> Fraction:
        return self.outcome.points if self.status == SCORED else Fraction(0)

    @property
    def max_points(self) -> Fraction:
        return self.criterion.max_points

    @property
    def counts_toward_max(self) -> bool:
        return self.status in (SCORED, MISSING)

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
        return {
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
class Scorecard:
    unit: Unit | None  # None: the whole department
    period: Period
    criteria: tuple[CriterionScore, ...]
    domains: tuple[DomainScore, ...]

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


def _evaluate(criterion: Criterion, values: dict[str, Any], period: Period, catalogue: Catalogue) -> CriterionScore:
    rule = criterion.rule
    outcome = rule.evaluate(criterion.spec, {i: values[i] for i in criterion.indicators}, period.length,
                            criterion.when_none, criterion.max_points, catalogue.context)
    return CriterionScore(criterion, outcome)


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
    the unit reported in the period (so a unit is never flagged for a
    criterion it only half-touches, nor for one it reported in another
    period), in catalogue order."""
    reported = {i for i in data.reported(unit.code) if unit_value(data, catalogue, unit.code, i, period) is not None}
    return [c for c in catalogue.criteria
            if unit.kind in c.responsible or set(c.indicators) <= reported]


def score_unit(data: Dataset, catalogue: Catalogue, unit: Unit, period: Period) -> Scorecard:
    """The scorecard of one unit for one period."""
    criteria = criteria_for_unit(data, catalogue, unit, period)
    needed = {i for c in criteria for i in c.indicators}
    values = unit_values(data, catalogue, unit.code, period, needed)
    check_combined(values, catalogue, unit.code, period, data.source)
    scores = tuple(_evaluate(c, values, period, catalogue) for c in criteria)
    return Scorecard(unit, period, scores, _domains(catalogue, scores))


def score_department(data: Dataset, catalogue: Catalogue, period: Period, registry: Registry) -> Scorecard:
    """Every criterion, on values combined over the units it concerns (the
    responsible kinds and any unit that reported it), so that a unit which
    reports a shared denominator for another criterion does not dilute this
    one's rate."""
    units = [registry.get(u) for u in data.units if u in registry]
    # Each unit's own combined figures first, so an error names the unit.
    limited = {i for lim in catalogue.limits for i in (*lim.parts, lim.whole)}
    for u in units:
        check_combined(unit_values(data, catalogue, u.code, period, limited), catalogue, u.code, period, data.source)
    per_unit = {u.code: {c.code for c in criteria_for_unit(data, catalogue, u, period)} for u in units}
    scores = []
    for c in catalogue.criteria:
        involved = [u for u, codes in per_unit.items() if c.code in codes]
        complete, incomplete = _complete_units(data, catalogue, c, period, involved)
        values = department_values(data, catalogue, period, c.indicators, complete)
        check_combined(values, catalogue, "Toàn Sở", period, data.source)
        score = _evaluate(c, values, period, catalogue)
        if incomplete and score.status != MISSING:
            note = f" (chưa tính {len(incomplete)} đơn vị thiếu số liệu: {', '.join(incomplete)})"
            score = CriterionScore(c, replace(score.outcome, detail=score.outcome.detail + note))
        scores.append(score)
    return Scorecard(None, period, tuple(scores), _domains(catalogue, scores))


def _complete_units(data: Dataset, catalogue: Catalogue, criterion: Criterion, period: Period,
                    units: Sequence[str]) -> tuple[list[str], list[str]]:
    """Units whose values let the criterion be scored, and those with only part
    of them: a unit that sent the denominator but not the numerator would
    otherwise lower the department's rate (20/200 instead of 20/100)."""
    complete, incomplete = [], []
    for u in units:
        values = unit_values(data, catalogue, u, period, criterion.indicators)
        present = sum(v is not None for v in values.values())
        if present == 0:
            continue
        if present == len(values):  # every indicator there: never missing
            complete.append(u)
            continue
        status = criterion.rule.evaluate(criterion.spec, values, period.length, criterion.when_none,
                                         criterion.max_points, catalogue.context).status
        (incomplete if status == MISSING else complete).append(u)
    return complete, incomplete


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
