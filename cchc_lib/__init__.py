"""cchc_lib: scoring, data and reports for Vietnam's PAR index (Chỉ số CCHC)."""
from .catalogue import Catalogue, Criterion, Indicator, load_catalogue
from .errors import CatalogueError, CchcError, DataError, PeriodError, Problem
from .loading import Dataset, Observation, load_table
from .periods import Period, parse_period
from .scoring import CriterionScore, Scorecard, ranking, score_all, score_department, score_unit
from .units import Registry, Unit, load_registry

__version__ = "0.1.0"

__all__ = [
    "Catalogue", "Criterion", "Indicator", "load_catalogue", "CatalogueError", "CchcError", "DataError",
    "PeriodError", "Problem", "Dataset", "Observation", "load_table", "Period", "parse_period",
    "CriterionScore", "Scorecard", "ranking", "score_all", "score_department", "score_unit", "Registry",
    "Unit", "load_registry", "__version__",
]
