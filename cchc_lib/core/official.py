"""The city's official PAR-index results, and how this year compares with them.

Pure data (`Official`, `OfficialYear`, built by `cchc_lib.intake.official`
from `params/official.yaml`) and comparisons:

- `versus_last_year`: this year's projection against the latest earlier
  year's official points, over the domains the plan covers (3, 7 and 8)
  and per domain (as a share of the maximum when the maxima differ);
- `self_vs_city`: the department's own score (tự đánh giá, as sent to the
  city) against the city's appraisal (thẩm định), per criterion, for every
  year that has both — where the self-scoring was generous.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping


@dataclass(frozen=True)
class DomainResult:
    points: Fraction
    max_points: Fraction | None = None


@dataclass(frozen=True)
class OfficialYear:
    """One year's published result of the department."""

    year: int
    rank: int | None = None  # in its block
    of: int | None = None  # units in the block
    total: DomainResult | None = None  # the whole index (every domain)
    domains: Mapping[str, DomainResult] = field(default_factory=dict)  # the city's points per domain
    criteria: Mapping[str, Fraction] = field(default_factory=dict)  # thẩm định, where published
    self_assessed: Mapping[str, Fraction] = field(default_factory=dict)  # tự đánh giá sent to the city
    source: str = ""
    sample: bool = False  # sample figures, not the city's

    def plan_points(self, domains: tuple[str, ...]) -> tuple[Fraction, Fraction | None] | None:
        """Points (and maximum, when every domain has one) over `domains`; None if one is missing."""
        if not domains or any(d not in self.domains for d in domains):
            return None
        pts = sum((self.domains[d].points for d in domains), Fraction(0))
        maxima = [self.domains[d].max_points for d in domains]
        return pts, (sum(maxima, Fraction(0)) if all(m is not None for m in maxima) else None)  # type: ignore[misc]


@dataclass(frozen=True)
class Official:
    department: str = ""
    block: str = ""  # "khối các sở, ban, ngành"
    years: tuple[OfficialYear, ...] = ()
    source: str = ""

    def year(self, year: int) -> OfficialYear | None:
        return next((y for y in self.years if y.year == year), None)

    def before(self, year: int) -> OfficialYear | None:
        """The latest year before `year` with a published result."""
        earlier = [y for y in self.years if y.year < year]
        return max(earlier, key=lambda y: y.year) if earlier else None

    @property
    def any_sample(self) -> bool:
        return any(y.sample for y in self.years)


@dataclass(frozen=True)
class Versus:
    """This year's projection against a past year's official result."""

    year: int  # the past year
    official: OfficialYear
    domains: tuple[str, ...]
    projected: Fraction
    projected_max: Fraction
    official_points: Fraction | None
    official_max: Fraction | None
    per_domain: tuple[tuple[str, Fraction, Fraction, DomainResult | None], ...]  # code, projected, max, official

    @property
    def change(self) -> Fraction | None:
        return None if self.official_points is None else self.projected - self.official_points

    @property
    def share_change(self) -> float | None:
        """Change in percentage points of the maximum (maxima may differ between years)."""
        if self.official_points is None or not self.official_max or not self.projected_max:
            return None
        return float(self.projected / self.projected_max - self.official_points / self.official_max) * 100


def versus_last_year(official: Official, year: int, domains: Mapping[str, tuple[Fraction, Fraction]]) -> Versus | None:
    """`domains`: code → (projected points, applicable maximum) of this year's projection."""
    last = official.before(year)
    if last is None:
        return None
    codes = tuple(d for d in domains if d in last.domains) or tuple(domains)
    plan = last.plan_points(codes)
    projected = sum((domains[d][0] for d in codes), Fraction(0))
    projected_max = sum((domains[d][1] for d in codes), Fraction(0))
    per = tuple((d, domains[d][0], domains[d][1], last.domains.get(d)) for d in codes)
    return Versus(last.year, last, codes, projected, projected_max, plan[0] if plan else None,
                  plan[1] if plan else None, per)


@dataclass(frozen=True)
class Appraisal:
    """One criterion in one year: the department's own score and the city's."""

    year: int
    code: str
    self_points: Fraction
    city_points: Fraction

    @property
    def difference(self) -> Fraction:
        """Self minus city: > 0 where the self-scoring was generous."""
        return self.self_points - self.city_points


def self_vs_city(official: Official) -> list[Appraisal]:
    """Every criterion of every year with both scores, latest year first, largest generosity first."""
    out = []
    for y in sorted(official.years, key=lambda y: -y.year):
        rows = [Appraisal(y.year, code, y.self_assessed[code], y.criteria[code])
                for code in y.criteria if code in y.self_assessed]
        out.extend(sorted(rows, key=lambda a: (-a.difference, a.code)))
    return out
