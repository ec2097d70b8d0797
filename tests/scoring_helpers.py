"""Helpers shared by the scoring-core tests (not a conftest, so other test
suites stay independent): the shipped catalogue and registry, Datasets from
plain figures, and evaluating one criterion on combined values."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from cchc_lib.core.catalogue import load_catalogue
from cchc_lib.core.dataset import Dataset, Observation
from cchc_lib.core.periods import Period
from cchc_lib.core.units import load_registry

ROOT = Path(__file__).resolve().parent.parent


def dataset(rows: Iterable[tuple[str, int, str, Any]], year: int = 2023) -> Dataset:
    """Rows of (unit, month, indicator, typed value) → Dataset."""
    return Dataset(Observation(u, Period.month(year, m), i, v) for u, m, i, v in rows)


def month_rows(unit: str, month: int, figures: Mapping[str, Any]) -> list[tuple[str, int, str, Any]]:
    return [(unit, month, k, v) for k, v in figures.items()]


CAT = load_catalogue()
REG = load_registry(ROOT / "params" / "units.yaml", CAT.unit_kinds)


def write_sample(path: Path) -> Path:
    """The sample long table (what `cchc sample-data` writes) at `path`; the
    repository does not track data/, so tests never rely on it."""
    from cchc_lib.intake.long_table import write_long_table
    from cchc_lib.intake.sample import sample_observations

    return write_long_table(path, CAT, sample_observations(CAT, REG, 2023))


def evaluate(code: str, months: int = 12, catalogue=None, **values: Any):
    """Evaluate criterion `code` on combined values (missing ones are None)."""
    c = (catalogue or CAT).criterion(code)
    vals = {i: values.get(i) for i in c.indicators}
    unknown = set(values) - set(c.indicators)
    assert not unknown, f"{code} does not use {unknown}"
    return c.rule.evaluate(c.spec, vals, months, c.when_none, c.max_points, (catalogue or CAT).context)
