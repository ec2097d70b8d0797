"""cchc_lib: scoring, data and reports for Vietnam's PAR index (Chỉ số CCHC)."""
from cchc_lib.core.catalogue import Catalogue, Criterion, Indicator, load_catalogue
from cchc_lib.errors import CatalogueError, CchcError, DataError, PeriodError, Problem
from cchc_lib.core.dataset import Dataset, Observation
from cchc_lib.intake.long_table import load_table
from cchc_lib.core.periods import Period, parse_period
from cchc_lib.core.scoring import CriterionScore, Scorecard, ranking, score_all, score_department, score_unit
from cchc_lib.core.units import Registry, Unit, load_registry

from .project import VERSION as __version__

__all__ = [
    "Catalogue", "Criterion", "Indicator", "load_catalogue", "CatalogueError", "CchcError", "DataError",
    "PeriodError", "Problem", "Dataset", "Observation", "load_table", "Period", "parse_period",
    "CriterionScore", "Scorecard", "ranking", "score_all", "score_department", "score_unit", "Registry",
    "Unit", "load_registry", "reports", "__version__",
]


def __getattr__(name: str):
    # `from cchc_lib import reports` (the notebooks' API) without loading it for every command.
    if name == "reports":
        import importlib

        return importlib.import_module("cchc_lib.reports")
    raise AttributeError(f"module 'cchc_lib' has no attribute {name!r}")
