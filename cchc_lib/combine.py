"""Combining months and units by indicator kind (contract section 3).

count: sum over months, sum over units.  bool and level: the latest month
that has a value; over units, bool is true only if every unit that reported
it is true, level is the lowest level reported.  Rates are never averaged:
the rules compute them from these combined counts.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from .catalogue import Catalogue, Indicator
from .errors import DataError, Problem
from .loading import Dataset, check_limits
from .periods import Period


def over_months(ind: Indicator, by_month: Mapping[Period, Any], period: Period) -> Any:
    """One unit's value for the period, or None when no month has one."""
    months = [m for m in period.months if m in by_month]
    if not months:
        return None
    if ind.kind == "count":
        return sum(by_month[m] for m in months)
    return by_month[max(months)]


def over_units(ind: Indicator, values: Iterable[Any]) -> Any:
    """The department's value from the units' values (None ones skipped)."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    if ind.kind == "count":
        return sum(vals)
    if ind.kind == "bool":
        return all(vals)
    return max(vals, key=ind.level_rank)


def unit_values(data: Dataset, catalogue: Catalogue, unit: str, period: Period,
                indicators: Iterable[str]) -> dict[str, Any]:
    out = {}
    for i in indicators:
        by_month = data.values.get((unit, i))
        out[i] = over_months(catalogue.indicators[i], by_month, period) if by_month else None
    return out


def department_values(data: Dataset, catalogue: Catalogue, period: Period,
                      indicators: Iterable[str], units: Iterable[str] | None = None) -> dict[str, Any]:
    """Values combined over `units` (default: every unit with data)."""
    units = data.units if units is None else list(units)
    out = {}
    for i in indicators:
        ind = catalogue.indicators[i]
        out[i] = over_units(ind, (over_months(ind, data.values[(u, i)], period)
                                  for u in units if (u, i) in data.values))
    return out


def check_combined(values: Mapping[str, Any], catalogue: Catalogue, who: str, period: Period,
                   source: str = "") -> None:
    """The contract checks the limits again on combined values before scoring."""
    broken = check_limits(values, catalogue)
    if broken:
        raise DataError([Problem(f"{who}, kỳ {period}: {m} sau khi cộng dồn (thiếu mẫu số ở một số tháng?)",
                                 file=source or None) for m in broken])
