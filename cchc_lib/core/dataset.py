"""Accepted observations, as the scoring core sees them (no file format here)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.core.periods import Period


@dataclass(frozen=True)
class Observation:
    """One accepted value: a unit's figure for one indicator and month."""

    unit: str
    month: Period
    indicator: str
    value: Any  # int for count, bool for bool, level code for level
    row: int | None = None
    extra: tuple[tuple[str, str], ...] = ()


class Dataset:
    """Accepted observations, keyed for combining: (unit, indicator) → month → value."""

    def __init__(self, observations: Iterable[Observation] = (), source: str = ""):
        self.source = source
        self.observations: list[Observation] = []
        self.values: dict[tuple[str, str], dict[Period, Any]] = {}
        self._reported: dict[str, set[str]] = {}
        # (unit, indicator, period) -> value combined over the period's months,
        # and (unit, indicator, year) -> the 12 monthly values: filled by
        # combine.unit_value, cleared whenever a value is added.
        self.combined_cache: dict[tuple[str, str, Period], Any] = {}
        self.year_slots: dict[tuple[str, str, int], list[Any]] = {}
        for obs in observations:
            self.add(obs)

    def add(self, obs: Observation) -> None:
        self.observations.append(obs)
        self.values.setdefault((obs.unit, obs.indicator), {})[obs.month] = obs.value
        self._reported.setdefault(obs.unit, set()).add(obs.indicator)
        if self.combined_cache or self.year_slots:
            self.combined_cache.clear()
            self.year_slots.clear()

    @property
    def units(self) -> list[str]:
        return sorted(self._reported)

    @property
    def months(self) -> list[Period]:
        return sorted({m for per in self.values.values() for m in per})

    def reported(self, unit: str) -> set[str]:
        """Indicators the unit gave a value for, in any month."""
        return set(self._reported.get(unit, ()))

    def __len__(self) -> int:
        return len(self.observations)


def check_limits(values: Mapping[str, Any], catalogue: Catalogue) -> list[str]:
    """Messages for every limit broken by these values (sum of parts > whole)."""
    out = []
    for lim in catalogue.limits:
        whole = values.get(lim.whole)
        parts = [values.get(p) for p in lim.parts]
        if whole is None or any(p is None for p in parts):
            continue
        if sum(parts) > whole:
            lhs = " + ".join(f"{p} ({v})" for p, v in zip(lim.parts, parts))
            out.append(f"{lhs} lớn hơn {lim.whole} ({whole})")
    return out
