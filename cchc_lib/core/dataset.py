"""Accepted observations, as the scoring core sees them (no file format here)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

# NOT_DUE: a `compliance` figure's third answer (contract v2, 2), "không phát
# sinh", nothing was due that month; stored as 2 beside 0/1.
from cchc_lib.core.catalogue import NOT_DUE, Catalogue
from cchc_lib.core.periods import Period

__all__ = ["NOT_DUE", "Observation", "Dataset", "check_limits"]


@dataclass(frozen=True)
class Observation:
    """One accepted value: a unit's figure for one indicator and month."""

    unit: str
    month: Period
    indicator: str
    value: Any  # int for count, bool (or NOT_DUE) for bool, level code for level
    row: int | None = None
    extra: tuple[tuple[str, str], ...] = ()


class Dataset:
    """Accepted observations, keyed for combining: (unit, indicator) → month → value."""

    def __init__(self, observations: Iterable[Observation] = (), source: str = ""):
        self.source = source
        self.observations: list[Observation] = []
        self.values: dict[tuple[str, str], dict[Period, Any]] = {}
        self._reported: dict[str, set[str]] = {}
        self.version = 0  # bumped by every add: lets a scorer's cache know it is stale
        for obs in observations:
            self.add(obs)

    def add(self, obs: Observation) -> None:
        self.observations.append(obs)
        self.values.setdefault((obs.unit, obs.indicator), {})[obs.month] = obs.value
        self._reported.setdefault(obs.unit, set()).add(obs.indicator)
        self.version += 1

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


def check_limits(values: Mapping[str, Any], catalogue: Catalogue, limits: Iterable[Any] | None = None) -> list[str]:
    """Messages for every part-of-whole limit (contract v2, 3.3) broken by
    these values of one unit and month (or of combined counts); `limits`:
    only these of the catalogue's."""
    out = []
    for lim in catalogue.limits if limits is None else limits:
        whole = values.get(lim.whole)
        parts = [values.get(p) for p in lim.parts]
        if whole is None or any(p is None for p in parts):
            continue
        if sum(parts) > whole:
            lhs = " + ".join(f"{p} ({v})" for p, v in zip(lim.parts, parts))
            out.append(f"{lhs} lớn hơn {lim.whole} ({whole})")
    return out
