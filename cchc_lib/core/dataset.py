"""Accepted observations, as the scoring core sees them (no file format here)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

# NOT_DUE: a `compliance` figure's third answer (contract v2, 2), "không phát
# sinh", nothing was due that month; stored as 2 beside 0/1.
from cchc_lib.core.catalogue import NOT_DUE, Catalogue, Limit
from cchc_lib.core.periods import Period

__all__ = ["NOT_DUE", "Observation", "Dataset", "LimitBreach", "check_limits"]


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


class LimitBreach(str):
    """A part-of-whole limit broken by some values: the one-line message
    (``a (3) lớn hơn b (2)``, a str, as scoring joins them), and which limit
    and values, for intake to say where they are."""

    limit: Limit
    parts: tuple[int, ...]
    whole: int

    def __new__(cls, limit: Limit, parts: tuple[int, ...], whole: int) -> "LimitBreach":
        lhs = " + ".join(f"{p} ({v})" for p, v in zip(limit.parts, parts))
        self = super().__new__(cls, f"{lhs} lớn hơn {limit.whole} ({whole})")
        self.limit, self.parts, self.whole = limit, parts, whole
        return self

    @property
    def names(self) -> tuple[str, ...]:
        """The limit's indicators: its parts, then its whole."""
        return (*self.limit.parts, self.limit.whole)


def check_limits(values: Mapping[str, Any], catalogue: Catalogue,
                 limits: Iterable[Limit] | None = None) -> list[LimitBreach]:
    """Every part-of-whole limit (contract v2, 3.3) broken by these values of
    one unit and month (or of combined counts); `limits`: only these of the
    catalogue's.  The project's one check of them: intake calls it per unit
    and month with the stored values included, scoring on combined counts.
    A limit with a side not given (or not a count) is not checked."""
    out = []
    for lim in catalogue.limits if limits is None else limits:
        whole = values.get(lim.whole)
        parts = [values.get(p) for p in lim.parts]
        if not isinstance(whole, int) or not all(isinstance(p, int) for p in parts):
            continue
        if sum(parts) > whole:
            out.append(LimitBreach(lim, tuple(parts), whole))
    return out
