"""What a report shows, as data (`data`, `commentary`, `figures`) and as views
(`views`, `charts`).  The notebooks' API is this package's `__all__`:

    from cchc_lib import reports
    from cchc_lib.reports import views
    ctx = reports.open_context(data, catalogue, units)
    rep = reports.unit_report(ctx, unit, period, commentary)
"""
from __future__ import annotations

import importlib
from typing import Any

from cchc_lib.reports.data import (Context, DepartmentReport, UnitReport, department_report, open_context,
                                   unit_report)

__all__ = ["Context", "DepartmentReport", "UnitReport", "department_report", "open_context", "unit_report",
           "views", "charts"]


def __getattr__(name: str) -> Any:
    # views and charts import matplotlib (~0.5 s): only notebooks pay for it, not the command line.
    if name in ("views", "charts"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
