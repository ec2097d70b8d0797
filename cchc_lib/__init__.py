"""cchc_lib: scoring, data and reports for Vietnam's PAR index (Chỉ số CCHC).

The names below are loaded on first use (PEP 562): `import cchc_lib.x` for
one command or one kernel does not pay for the whole library."""
from __future__ import annotations

import importlib
from typing import Any

from .project import VERSION as __version__

_WHERE = {
    "cchc_lib.core.catalogue": ("Catalogue", "Criterion", "Indicator", "load_catalogue"),
    "cchc_lib.errors": ("CatalogueError", "CchcError", "DataError", "PeriodError", "Problem"),
    "cchc_lib.core.dataset": ("Dataset", "Observation"),
    "cchc_lib.intake.long_table": ("load_table",),
    "cchc_lib.core.periods": ("Period", "parse_period"),
    "cchc_lib.core.scoring": ("CriterionScore", "Scorecard", "ranking", "score_all", "score_department",
                              "score_unit"),
    "cchc_lib.core.units": ("Registry", "Unit", "load_registry"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [*_MODULE_OF, "reports", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "reports":  # `from cchc_lib import reports`, the notebooks' API
        return importlib.import_module("cchc_lib.reports")
    if name in _MODULE_OF:
        value = getattr(importlib.import_module(_MODULE_OF[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cchc_lib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
