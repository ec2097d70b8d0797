"""What a report shows, as data (`data`, `commentary`, `figures`) and as views
(`views`, `charts`).  The notebooks' API is this package's `__all__`:

    from cchc_lib import reports
    from cchc_lib.reports import views
    ctx = reports.open_context(data, catalogue, units)
    rep = reports.unit_report(ctx, unit, period, commentary)
    t = reports.table(rep)                 # the report's numbers, tidy (pandas)
    views.figure(reports.bar_chart(t[t.code == "7.4.2"], "rate", "unit_name"))
"""
from __future__ import annotations

import importlib
from typing import Any

from cchc_lib.reports import figures
from cchc_lib.reports.data import (Context, DepartmentReport, UnitReport, department_report, open_context,
                                   unit_report)

__all__ = ["Context", "DepartmentReport", "UnitReport", "department_report", "open_context", "unit_report",
           "figures", "views", "charts", "table", "bar_chart"]

_LAZY = {"views": "views", "charts": "charts", "table": "analysis", "bar_chart": "analysis"}


def __getattr__(name: str) -> Any:
    # views, charts and the analysis helpers import matplotlib and pandas
    # (~0.5 s): only notebooks pay for them, not the command line.
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return module if _LAZY[name] == name else getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
