"""Report charts as matplotlib figures (Agg backend, Vietnamese labels).

Each function takes plain data (from `report_data`) and returns a `Figure`;
`svg(fig)` (or `png(fig)`) turns one into bytes.  Nothing is shown or saved
here.  Labels use DejaVu Sans, which ships with matplotlib and covers every
Vietnamese letter, and the Vietnamese number style (1,46; 96,5%).
"""
from __future__ import annotations

import io
import math
import textwrap
from typing import Sequence

import matplotlib

matplotlib.use("Agg", force=False)  # no display needed; a kernel's inline backend is fine too

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from cchc_lib.fmt import number_vi, percent_vi, points_vi  # noqa: E402  (numpy scalars welcome)

FONT = {"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"], "font.size": 9,
        "axes.titlesize": 10.5, "axes.titleweight": "bold", "axes.spines.top": False, "axes.spines.right": False,
        "svg.fonttype": "none", "svg.hashsalt": "cchc"}  # same data, same bytes
BLUE, LIGHT, GREEN, AMBER, RED, GREY = "#1f5fa8", "#d6e2f0", "#2e8b57", "#d98e04", "#c0392b", "#8a8a8a"
DPI = 150


def _figure(width: float, height: float) -> Figure:
    matplotlib.rcParams.update(FONT)
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    return fig


def _title(fig: Figure, text: str, size: float = 10.5) -> None:
    """A left-aligned title over the whole figure (never clipped by long tick labels)."""
    fig.suptitle(text, x=0.01, ha="left", fontsize=size, fontweight="bold")


def svg(fig: Figure) -> bytes:
    """The figure as SVG with real text: sharp in print, searchable in the PDF,
    and about twice as fast to make as a 150 dpi PNG (the batch's main cost).
    The text names DejaVu Sans, then any sans-serif font: both cover Vietnamese."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", facecolor="white", metadata={"Date": None})
    return buf.getvalue()


def png(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def _pct_axis(ax, axis: str = "y") -> None:
    fmt = FuncFormatter(lambda v, _pos: number_vi(v, 0) + "%")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def domain_bars(domains: Sequence[dict]) -> Figure:
    """Points against the applicable maximum, one bar per domain.

    `domains`: dicts with code, title, points, max_points."""
    n = max(1, len(domains))
    fig = _figure(7.2, 0.75 * n + 1.1)
    ax = fig.add_subplot()
    labels = [f"{d['code']}. " + "\n".join(textwrap.wrap(d.get("short_title") or d["title"], 34)[:3]) for d in domains]
    y = list(range(len(domains)))[::-1]
    ax.barh(y, [d["max_points"] for d in domains], color=LIGHT, height=0.62, label="Điểm tối đa áp dụng")
    ax.barh(y, [d["points"] for d in domains], color=BLUE, height=0.62, label="Điểm đạt")
    for yi, d in zip(y, domains):
        pct = percent_vi(d["points"] / d["max_points"]) if d["max_points"] else "–"
        ax.text(d["max_points"], yi, f"  {points_vi(d['points'])}/{points_vi(d['max_points'])} ({pct})",
                va="center", fontsize=8.5)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("Điểm")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: number_vi(v, 0 if float(v).is_integer() else 1)))
    right = max([d["max_points"] for d in domains] + [1])
    ax.set_xlim(0, right * 1.45)
    _title(fig, "Điểm đạt so với điểm tối đa theo lĩnh vực")
    fig.legend(loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    return fig


def trend(series: dict) -> Figure:
    """A monthly rate against the plan's thresholds.

    `series`: code, title, months (labels 'T1'…), rates (0–1 or None),
    thresholds (0–1), highlight (indices of the report's months)."""
    fig = _figure(7.2, 2.6)
    ax = fig.add_subplot()
    months, rates = series["months"], series["rates"]
    x = list(range(len(months)))
    for i in series.get("highlight", ()):
        ax.axvspan(i - 0.5, i + 0.5, color="#f1f4f9", zorder=0)
    pts = [(i, r * 100) for i, r in zip(x, rates) if r is not None]
    if pts:
        ax.plot([p[0] for p in pts], [p[1] for p in pts], color=BLUE, marker="o", markersize=4, linewidth=1.8,
                label="Tỷ lệ theo tháng", zorder=3)
        for i, v in pts:
            ax.annotate(number_vi(v, 1), (i, v), textcoords="offset points", xytext=(0, 6), ha="center",
                        fontsize=7, color="#333333")
    else:
        ax.text(0.5, 0.5, "Không có số liệu", transform=ax.transAxes, ha="center", va="center", color=GREY)
    colours = [RED, AMBER, GREEN]
    for k, t in enumerate(sorted(series.get("thresholds", ()))):
        ax.axhline(t * 100, color=colours[(k + 3 - len(series["thresholds"])) % 3], linestyle="--", linewidth=1.1,
                   label=f"Ngưỡng {percent_vi(t, 0)}", zorder=2)
    values = [p[1] for p in pts] + [t * 100 for t in series.get("thresholds", ())]
    low = min(values, default=0)
    ax.set_ylim(max(0, math.floor((low - 8) / 10) * 10), 104)
    ax.set_xticks(x, months)
    ax.set_xlim(-0.6, len(months) - 0.4)
    _pct_axis(ax)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    _title(fig, f"{series['code']} — {_short(series['title'], 80)}")
    ax.legend(loc="lower left", fontsize=7.5, frameon=False, ncol=4)
    return fig


def ranking(rows: Sequence[dict]) -> Figure:
    """Units by percent of their applicable maximum (best on top).

    `rows`: dicts with rank, name, code, percent (0–100 or None)."""
    rows = [r for r in rows if r.get("percent") is not None]
    n = max(1, len(rows))
    fig = _figure(7.2, 0.32 * n + 1.0)
    ax = fig.add_subplot()
    y = list(range(n))[::-1]
    pcts = [r["percent"] for r in rows]
    mean = sum(pcts) / len(pcts) if pcts else 0
    colours = [GREEN if p >= 90 else BLUE if p >= 75 else AMBER if p >= 60 else RED for p in pcts]
    ax.barh(y[:len(rows)], pcts, color=colours, height=0.65)
    for yi, r in zip(y, rows):
        ax.text(r["percent"], yi, f" {number_vi(r['percent'], 1)}%", va="center", fontsize=7.5)
    ax.set_yticks(y[:len(rows)], [f"{r['rank']}. {_short(r['name'], 40)}" for r in rows], fontsize=8)
    ax.axvline(mean, color=GREY, linestyle=":", linewidth=1, label=f"Trung bình {number_vi(mean, 1)}%")
    ax.set_xlim(0, 112)
    _pct_axis(ax, "x")
    _title(fig, "Xếp hạng đơn vị theo tỷ lệ điểm đạt trên điểm tối đa áp dụng")
    ax.legend(loc="lower right", fontsize=7.5, frameon=False)
    return fig


def heatmap(units: Sequence[str], criteria: Sequence[str], matrix: Sequence[Sequence[float | None]]) -> Figure:
    """Units × criteria, percent of maximum (None: not applicable / not scored)."""
    import numpy as np
    from matplotlib import colormaps

    data = np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)
    h = max(1.6, 0.3 * len(units) + 1.3)
    fig = _figure(7.2, h)
    ax = fig.add_subplot()
    cmap = colormaps["RdYlGn"].with_extremes(bad="#eeeeee")
    im = ax.imshow(np.ma.masked_invalid(data), cmap=cmap, vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(len(criteria)), criteria, rotation=90, fontsize=6.5)
    ax.set_yticks(range(len(units)), [_short(u, 34) for u in units], fontsize=7)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    if len(criteria) * len(units) <= 600:
        for i in range(data.shape[0]):
            for j in range(data.shape[1]):
                v = data[i, j]
                if not np.isnan(v) and v < 100:
                    ax.text(j, i, cell_label(v), ha="center", va="center", fontsize=5.2,
                            color="white" if v < 35 else "black")
    cb = fig.colorbar(im, ax=ax, shrink=0.8, pad=0.01)
    cb.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: number_vi(v, 0) + "%"))
    cb.ax.tick_params(labelsize=7)
    _title(fig, "Tỷ lệ điểm đạt theo tiêu chí (% điểm tối đa)\n"
                "ô xám: không áp dụng hoặc không chấm; ô không ghi số: 100%", 9)
    return fig


def cell_label(v: float) -> str:
    """A heatmap cell's percent below 100: whole numbers, except that nothing
    below 100 may read "100" (blank cells are the 100% ones): 99,8 → "99,8",
    99,96 → "99,9" (one decimal, rounded down)."""
    text = number_vi(v, 0)
    if text != "100":
        return text
    return number_vi(min(math.floor(v * 10) / 10, 99.9), 1)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def official_history(rows: Sequence[dict]) -> Figure:
    """The department's official points over the years (the plan's domains),
    its rank in the block above each bar, and this year's projection as a
    hatched bar marked "dự báo".

    `rows`: dicts with year, points, max_points, rank, of, projected, sample."""
    rows = [r for r in rows if r.get("points") is not None]
    fig = _figure(7.2, 2.9)
    ax = fig.add_subplot()
    x = list(range(len(rows)))
    for xi, r in zip(x, rows):
        projected = r.get("projected")
        ax.bar(xi, r["points"], width=0.55, color="white" if projected else BLUE, edgecolor=BLUE,
               hatch="///" if projected else None, linewidth=1.2, zorder=2)
        label = points_vi(r["points"])
        if r.get("max_points"):
            label += f"/{points_vi(r['max_points'])}"
        ax.text(xi, r["points"], label, ha="center", va="bottom", fontsize=8, zorder=3)
        rank = (f"hạng {r['rank']}/{r['of']}" if r.get("rank") and r.get("of") else
                f"hạng {r['rank']}" if r.get("rank") else "hạng: chưa có")
        ax.text(xi, r["points"] * 0.5, rank, ha="center", va="center", fontsize=7.5, zorder=3,
                color="#1d2733" if projected else "white", fontweight="bold",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5} if projected else None)
    top = max([r.get("max_points") or r["points"] for r in rows] + [1])
    maxima = {r.get("max_points") for r in rows if r.get("max_points")}
    if len(maxima) == 1:
        m = maxima.pop()
        ax.axhline(m, color=GREY, linestyle=":", linewidth=1)
        ax.text(len(rows) - 0.45, m, f"tối đa {points_vi(m)}", ha="right", va="bottom", fontsize=7.5, color=GREY)
    labels = [f"{r['year']}" + (f"\n({r.get('label') or 'dự báo'})" if r.get("projected") else
                                "\n(mẫu)" if r.get("sample") else "") for r in rows]
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylim(0, top * 1.18)
    ax.set_xlim(-0.6, max(len(rows), 1) - 0.4)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: number_vi(v, 0 if float(v).is_integer() else 1)))
    ax.set_ylabel("Điểm")
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6, zorder=0)
    _title(fig, "Điểm chính thức các lĩnh vực của Kế hoạch và thứ hạng trong khối qua các năm")
    return fig
