"""Combining months and units by indicator kind (contract section 3).

count: sum over months, sum over units.  bool and level: the latest month
that has a value; over units, bool is true only if every unit that reported
it is true, level is the lowest level reported.  Rates are never averaged:
the rules compute them from these combined counts.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from cchc_lib.core.catalogue import Catalogue, Indicator
from cchc_lib.errors import DataError, Problem
from cchc_lib.core.dataset import Dataset, check_limits
from cchc_lib.core.periods import Period


def over_months(ind: Indicator, by_month: Mapping[Period, Any], period: Period) -> Any:
    """One unit's value for the period, or None when no month has one."""
    if not by_month:
        return None
    year, first, last = period.year, *period.month_span
    if ind.kind == "count":
        found, total = False, 0
        for m, v in by_month.items():
            if m.year == year and first <= m.index <= last and m.kind == "month":
                found, total = True, total + v
        return total if found else None
    latest = None
    for m in by_month:
        if m.year == year and first <= m.index <= last and m.kind == "month" and (latest is None or m.index > latest.index):
            latest = m
    return None if latest is None else by_month[latest]


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


def unit_value(data: Dataset, catalogue: Catalogue, unit: str, indicator: str, period: Period) -> Any:
    """One unit's value of one indicator for the period (None: no month has
    one), memoised in the dataset: the department and every unit scorecard
    of a period share it."""
    key = (unit, indicator, period)
    cache = data.combined_cache
    try:
        return cache[key]
    except KeyError:
        pass
    skey = (unit, indicator, period.year)
    slots = data.year_slots.get(skey)
    if slots is None:  # the unit's twelve months of the year, None where no value
        slots = [None] * 12
        for m, v in (data.values.get((unit, indicator)) or {}).items():
            if m.year == period.year and m.kind == "month":
                slots[m.index - 1] = v
        data.year_slots[skey] = slots
    first, last = period.month_span
    if catalogue.indicators[indicator].kind == "count":  # same as over_months, on the slots
        given = [v for v in slots[first - 1:last] if v is not None]
        value = sum(given) if given else None
    else:
        value = next((v for v in reversed(slots[first - 1:last]) if v is not None), None)
    cache[key] = value
    return value


def unit_values(data: Dataset, catalogue: Catalogue, unit: str, period: Period,
                indicators: Iterable[str]) -> dict[str, Any]:
    return {i: unit_value(data, catalogue, unit, i, period) for i in indicators}


def department_values(data: Dataset, catalogue: Catalogue, period: Period,
                      indicators: Iterable[str], units: Iterable[str] | None = None) -> dict[str, Any]:
    """Values combined over `units` (default: every unit with data)."""
    units = data.units if units is None else list(units)
    out = {}
    for i in indicators:
        ind = catalogue.indicators[i]
        out[i] = over_units(ind, (unit_value(data, catalogue, u, i, period)
                                  for u in units if (u, i) in data.values))
    return out


def check_combined(values: Mapping[str, Any], catalogue: Catalogue, who: str, period: Period,
                   source: str = "") -> None:
    """The contract checks the limits again on combined values before scoring."""
    broken = check_limits(values, catalogue)
    if broken:
        raise DataError([Problem(f"{who}, kỳ {period}: {m} sau khi cộng dồn (thiếu mẫu số ở một số tháng?)",
                                 file=source or None) for m in broken])
