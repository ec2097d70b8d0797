"""For analysts extending a report notebook: its numbers as a tidy table, and
a bar chart in the report's style.

    t = reports.table(rep)                         # one row per unit and criterion
    online = t[(t.code == "7.4.2") & t.unit.notna()]
    views.figure(reports.bar_chart(online, "rate", "unit_name",
                                   title="7.4.2 — Tỷ lệ hồ sơ xử lý trực tuyến theo đơn vị"))

The table holds numbers (floats, NaN where there is none), never formatted
text; the chart formats them the Vietnamese way (84,2%; 1,46).
"""
from __future__ import annotations

import math
import textwrap
from typing import Any, Sequence

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from cchc_lib.core.scoring import Scorecard
from cchc_lib.fmt import number_vi
from cchc_lib.reports import charts
from cchc_lib.reports.data import DepartmentReport, UnitReport

COLUMNS = ("period", "unit", "unit_name", "unit_kind", "domain", "code", "title", "status", "points", "max_points",
           "rate", "months_used", "months_in_period", "as_of")


def _rows(card: Scorecard, name: str) -> list[dict[str, Any]]:
    out = []
    for c in card.criteria:
        d = c.to_dict()
        months = d.get("months") or (None, None)
        out.append({"period": str(card.period), "unit": card.unit_code, "unit_name": name,
                    "unit_kind": card.unit.kind if card.unit else None, "domain": c.criterion.domain,
                    "code": c.code, "title": c.criterion.title, "status": c.status,
                    "points": float(c.points), "max_points": float(c.max_points),
                    "rate": float(c.outcome.rate) if c.outcome.rate is not None else math.nan,
                    "months_used": months[0], "months_in_period": months[1], "as_of": d.get("as_of")})
    return out


def table(rep: UnitReport | DepartmentReport) -> pd.DataFrame:
    """The report's numbers, one row per (unit, criterion): `points`,
    `max_points`, `rate` (0–1) as floats, `status` as the contract's words.
    A department report has the department's rows (`unit` empty, `unit_name`
    its one name) and every unit's with data in the period."""
    rows = _rows(rep.card, rep.who)
    if isinstance(rep, DepartmentReport):
        for card in rep.cards:
            rows += _rows(card, card.unit.name if card.unit else "")
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    for col in ("points", "max_points", "rate"):
        frame[col] = frame[col].astype(float)
    for col in ("months_used", "months_in_period"):
        frame[col] = frame[col].astype("Int64")
    return frame


def bar_chart(frame: pd.DataFrame, value: str, label: str, *, title: str = "", percent: bool | None = None,
              thresholds: Sequence[float] = (), sort: bool = True) -> Figure:
    """Horizontal bars of `frame[value]` by `frame[label]`, in the report's
    font and colours, numbers the Vietnamese way.  `percent` (default: when
    `value` is "rate") shows values in 0–1 as percentages; `thresholds` (same
    scale as the values) are drawn as dashed lines."""
    percent = (value == "rate") if percent is None else percent
    data = frame[[label, value]].dropna()
    if sort:
        data = data.sort_values(value, ascending=True, kind="stable")
    scale = 100.0 if percent else 1.0
    values = [float(v) * scale for v in data[value]]
    labels = ["\n".join(textwrap.wrap(str(x), 42)[:2]) for x in data[label]]
    matplotlib.rcParams.update(charts.FONT)  # the report charts' font and sizes
    fig = Figure(figsize=(7.2, 0.32 * max(1, len(values)) + 1.1), dpi=charts.DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.barh(range(len(values)), values, color=charts.BLUE, height=0.65)
    places = 1 if percent else 2
    for y, v in enumerate(values):
        ax.text(v, y, f" {number_vi(v, places)}{'%' if percent else ''}", va="center", fontsize=7.5)
    for t in thresholds:
        ax.axvline(float(t) * scale, color=charts.AMBER, linestyle="--", linewidth=1,
                   label=f"Ngưỡng {number_vi(float(t) * scale, 0 if percent else 2)}{'%' if percent else ''}")
    ax.set_yticks(range(len(values)), labels, fontsize=8)
    top = max(values + [float(t) * scale for t in thresholds] + [1e-9])
    ax.set_xlim(0, top * 1.15)
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _p: number_vi(v, 0 if float(v).is_integer() else 1) + ("%" if percent else "")))
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
    if thresholds:
        ax.legend(loc="lower right", fontsize=7.5, frameon=False)
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=10.5, fontweight="bold")
    return fig
