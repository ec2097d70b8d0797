"""Report charts as matplotlib figures (Agg backend, Vietnamese labels).

Each function takes plain data (from `reports.data`) and returns a `Figure`,
or a list of them when the chart is split into printed pages
(`ranking_pages`, `heatmap_pages`); `svg(fig)` (or `png(fig)`) turns one into
bytes.  Nothing is shown or saved here.

Layout is fixed, not solved: every margin comes from the measured size of the
labels it holds (measured once, with the font the SVG names), so a figure is
drawn once when it is saved; constrained layout drew every figure twice.
Labels use the report's own font (Noto Sans, else DejaVu Sans, which ships
with matplotlib; both cover every Vietnamese letter), the Vietnamese number
style (1,46; 96,5%), and ticks with as many decimals as their step needs
(0,25 — never 0,3 for a step of 0,25).
"""
from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from collections import OrderedDict
from typing import Any, Callable, Sequence

import matplotlib

matplotlib.use("Agg", force=False)  # no display needed; a kernel's inline backend is fine too

import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap, Normalize  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.markers import TICKDOWN, TICKLEFT  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.textpath import TextToPath  # noqa: E402
from matplotlib.ticker import Formatter, MaxNLocator  # noqa: E402
from matplotlib.transforms import ScaledTranslation, blended_transform_factory  # noqa: E402

from cchc_lib.fmt import number_vi, percent_vi, points_vi  # noqa: E402  (numpy scalars welcome)

#: The report's fonts, in the order of its CSS (`--sans`): the SVG names the
#: same list, so charts and text are set in the same face.
SANS = ["Noto Sans", "DejaVu Sans"]
FONT = {"font.family": "sans-serif", "font.sans-serif": SANS, "font.size": 9,
        "axes.titlesize": 10.5, "axes.titleweight": "bold", "axes.spines.top": False, "axes.spines.right": False,
        "svg.fonttype": "none", "svg.hashsalt": "cchc"}  # same data, same bytes
BLUE, LIGHT, GREEN, AMBER, RED, GREY = "#1f5fa8", "#d6e2f0", "#2e8b57", "#d98e04", "#c0392b", "#8a8a8a"
INK = "#1d2733"
DPI = 150
WIDTH = 7.2  # inches: the report's text width at 100%
#: A figure taller than this does not fit an A4 page under its heading.
PAGE_HEIGHT = 9.3

# Fixed layout, in points.
MARGIN = 6.0  # around the figure
TICK_LENGTH, TICK_PAD = 3.5, 3.5  # matplotlib's defaults
TICK = TICK_LENGTH + TICK_PAD + 1.0  # tick, pad and a point of air
LINE = 1.2  # matplotlib's line spacing
TITLE_SIZE = 10.5

# Heatmap: ColorBrewer's five-class RdYlBu (red → pale yellow → blue), which
# reads for the colour-blind too (no red–green axis); grey cells (not
# applicable) are a mid grey, apart from every score colour for them as well,
# and carry no number.
HEAT_COLOURS = ("#d7191c", "#fdae61", "#ffffbf", "#abd9e9", "#2c7bb6")
HEAT_NA = "#b3b3b3"
HEAT_SPLIT = 40  # more units than this: one heatmap per unit kind, page by page
HEAT_ROWS = 40  # rows per heatmap page (one-line names)
HEAT_TITLE = "Tỷ lệ điểm đạt theo tiêu chí (% điểm tối đa)"
HEAT_NOTE = "Ô xám: không áp dụng hoặc không chấm · ô không ghi số: đạt 100% · tên tiêu chí: xem bảng mã dưới hình"


def _figure(width: float, height: float) -> Figure:
    matplotlib.rcParams.update(FONT)
    return Figure(figsize=(width, height), dpi=DPI)


def svg(fig: Figure) -> bytes:
    """The figure as SVG with real text: sharp in print, searchable in the PDF,
    and about twice as fast to make as a 150 dpi PNG (the batch's main cost).
    The text names the report's fonts, then any sans-serif font."""
    matplotlib.rcParams.update(FONT)  # svg.fonttype and the hash salt are read when saving
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", facecolor="white", metadata={"Date": None})
    return buf.getvalue()


#: SVGs already drawn in this process, by chart and arguments, with their
#: size (bounded in number and bytes: a long-lived kernel keeps the last ones).
_DRAWN: "OrderedDict[tuple[str, str], tuple[Any, int]]" = OrderedDict()
DRAWN_MAX = 64
DRAWN_BYTES = 32 * 2**20


def drawn(make: Callable[..., Any], *args: Any) -> Any:
    """`make(*args)` with every figure it returns saved as SVG bytes.  The
    same chart of the same arguments gives the same bytes, so they are kept:
    a warm kernel that renders a report again (`cchc preview` after an edit
    of the commentary) draws only the charts whose numbers changed."""
    key = (f"{make.__module__}.{make.__qualname__}", repr(args))
    if key in _DRAWN:
        _DRAWN.move_to_end(key)
        return _DRAWN[key][0]
    out = _as_svg(make(*args))
    _DRAWN[key] = (out, len(key[1]) + _size(out))
    while _DRAWN and (len(_DRAWN) > DRAWN_MAX or sum(n for _, n in _DRAWN.values()) > DRAWN_BYTES):
        _DRAWN.popitem(last=False)
    return out


def forget_drawn() -> None:
    """Draw every chart again from now on (what a batch of different reports
    costs; the benchmarks measure it)."""
    _DRAWN.clear()


def _size(x: Any) -> int:
    if isinstance(x, (bytes, str)):
        return len(x)
    return sum(_size(i) for i in x) if isinstance(x, (list, tuple)) else 0


def _as_svg(x: Any) -> Any:
    if isinstance(x, Figure):
        return svg(x)
    if isinstance(x, (list, tuple)):
        return type(x)(_as_svg(i) for i in x)
    return x


def png(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def prime() -> None:
    """Load the fonts and the SVG backend now (a warm kernel does it while it
    starts, so that its first report does not)."""
    fig = _figure(2, 1)
    fig.text(0.05, 0.6, "Tiếng Việt 0,25%")
    fig.text(0.05, 0.2, "Tiếng Việt", fontweight="bold")
    svg(fig)
    for bold in (False, True):
        text_size("Tiếng Việt", 9, bold)


# --- measuring and placing -------------------------------------------------------------

_TEXT = TextToPath()  # what the SVG backend measures text with


@lru_cache(maxsize=8192)
def _line_width(text: str, size: float, bold: bool, family: tuple[str, ...]) -> float:
    prop = FontProperties(family="sans-serif", size=size, weight="bold" if bold else "normal")
    return _TEXT.get_text_width_height_descent(text or " ", prop, ismath=False)[0]


def text_size(text: str, size: float, bold: bool = False) -> tuple[float, float]:
    """Width and height in points of `text` (lines split at newlines) in the
    charts' font, as the SVG backend measures it."""
    lines = text.split("\n")
    family = tuple(matplotlib.rcParams["font.sans-serif"])
    return max(_line_width(t, size, bold, family) for t in lines), size * LINE * len(lines)


def wrap(text: str, size: float, width: float, bold: bool = False, max_lines: int = 3) -> str:
    """`text` broken at spaces into lines no wider than `width` points; the
    last allowed line ends with "…" if the text does not fit."""
    if text_size(text, size, bold)[0] <= width:
        return text
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and text_size(trial, size, bold)[0] > width:
            lines.append(current)
            current = word
        else:
            current = trial
    lines.append(current)
    if len(lines) > max_lines:
        last = " ".join(lines[max_lines - 1:])
        while last and text_size(last + "…", size, bold)[0] > width:
            last = last[:-1].rstrip()
        lines = lines[:max_lines - 1] + [last + "…"]
    return "\n".join(lines)


@dataclass(frozen=True)
class Box:
    """Space around the axes, in points."""

    left: float
    right: float
    top: float
    bottom: float


def _axes(fig: Figure, box: Box) -> Axes:
    w, h = (float(v) * 72 for v in fig.get_size_inches())
    return fig.add_axes((box.left / w, box.bottom / h, 1 - (box.left + box.right) / w,
                         1 - (box.top + box.bottom) / h))


def _title(fig: Figure, text: str, size: float = TITLE_SIZE, top: float = MARGIN) -> float:
    """A left-aligned title over the whole figure, wrapped to its width;
    returns the points it takes from the top."""
    w, h = (float(v) * 72 for v in fig.get_size_inches())
    text = wrap(text, size, w - 2 * MARGIN, bold=True, max_lines=3)
    fig.text(MARGIN / w, 1 - top / h, text, ha="left", va="top", fontsize=size, fontweight="bold", color=INK)
    return text_size(text, size, True)[1]


def _title_height(text: str, size: float = TITLE_SIZE, width: float = WIDTH * 72) -> float:
    return text_size(wrap(text, size, width - 2 * MARGIN, bold=True, max_lines=3), size, True)[1]


class NumberVi(Formatter):
    """Tick labels in the Vietnamese style, with the decimals their step needs
    (0; 0,25; 0,5 …), plus an optional suffix ("%")."""

    def __init__(self, suffix: str = "", most: int = 3):
        self.suffix = suffix
        self.most = most
        self.places = 0

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        self.places = tick_places(locs, self.most)

    def __call__(self, x, pos=None) -> str:
        return number_vi(float(x), self.places) + self.suffix


def tick_places(values: Sequence[float], most: int = 3) -> int:
    """The fewest decimals that write every tick value exactly (up to `most`)."""
    for places in range(most + 1):
        if all(abs(round(float(v), places) - float(v)) < 1e-9 * max(1.0, abs(float(v))) for v in values):
            return places
    return most


def ticks(ax: Axes, axis: str, positions: Sequence[float], labels: Sequence[str], size: float = 9,
          marks: bool = True, top: bool = False, rotation: float = 0) -> list[Text]:
    """Tick labels (and tick marks) as plain artists, at data `positions` along
    `axis` ("x" below the axes, or above with `top`; "y" on the left).
    matplotlib's own ticks are five artists each, rebuilt at every draw: on
    these small charts they cost a third of the drawing.  The labels carry
    the artist label "xtick" or "ytick"."""
    fig = ax.figure
    shift = ((TICK_LENGTH if marks else 0) + TICK_PAD) / 72
    if axis == "x":
        ax.set_xticks([])
        edge = 1.0 if top else 0.0
        base = blended_transform_factory(ax.transData, ax.transAxes)
        place = base + ScaledTranslation(0, shift if top else -shift, fig.dpi_scale_trans)
        out = [ax.text(p, edge, label, transform=place, ha="center", va="bottom" if top else "top", fontsize=size,
                       rotation=rotation, label="xtick", clip_on=False) for p, label in zip(positions, labels)]
        if marks:
            ax.plot(list(positions), [edge] * len(positions), transform=base, linestyle="none", marker=TICKDOWN,
                    markersize=TICK_LENGTH, markeredgewidth=0.8, color="black", clip_on=False)
        return out
    ax.set_yticks([])
    base = blended_transform_factory(ax.transAxes, ax.transData)
    place = base + ScaledTranslation(-shift, 0, fig.dpi_scale_trans)
    out = [ax.text(0, p, label, transform=place, ha="right", va="center_baseline", fontsize=size, label="ytick",
                   clip_on=False) for p, label in zip(positions, labels)]
    if marks:
        ax.plot([0] * len(positions), list(positions), transform=base, linestyle="none", marker=TICKLEFT,
                markersize=TICK_LENGTH, markeredgewidth=0.8, color="black", clip_on=False)
    return out


def nice_ticks(low: float, high: float, length: float, size: float = 9, steps=(1, 2, 2.5, 5, 10),
               suffix: str = "", across: bool = False) -> tuple[list[float], list[str]]:
    """Tick positions in [low, high] at 1, 2, (2,5,) 5 × 10ⁿ and their labels,
    written exactly (as many decimals as the step needs): about one tick per
    three label heights along `length` points, or, `across` (an x axis), as
    many as fit side by side with room between them."""
    nbins = max(2, min(9, int(length // (size * 3))))
    while True:
        values = [float(v) for v in MaxNLocator(nbins=nbins, steps=list(steps)).tick_values(low, high)
                  if low - 1e-9 <= v <= high + 1e-9]
        places = tick_places(values)
        labels = [number_vi(v, places) + suffix for v in values]
        widest = max((text_size(t, size)[0] for t in labels), default=0)
        if not across or nbins <= 2 or len(values) * (widest + 2 * size) <= length:
            return values, labels
        nbins -= 1


def _legend_height(size: float) -> float:
    return size * LINE + 2 * 0.4 * size + 2  # one row: text, border padding, a point of air


# --- the charts --------------------------------------------------------------------------

def domain_bars(domains: Sequence[dict]) -> Figure:
    """Points against the applicable maximum, one bar per domain.

    `domains`: dicts with code, title (or short_title), points, max_points."""
    n = max(1, len(domains))
    fig = _figure(WIDTH, 0.75 * n + 1.1)
    W, H = WIDTH * 72, (0.75 * n + 1.1) * 72
    title = "Điểm đạt so với điểm tối đa theo lĩnh vực"
    labels = [f"{d['code']}. " + "\n".join(textwrap.wrap(d.get("short_title") or d["title"], 34)[:3]) for d in domains]
    label_w = max((text_size(t, 8)[0] for t in labels), default=0)
    box = Box(left=MARGIN + label_w + TICK, right=MARGIN + 2,
              top=MARGIN + _title_height(title) + 8,
              bottom=MARGIN + _legend_height(8) + 4 + 9 * LINE + 4 + 9 * LINE + TICK)
    _title(fig, title)
    ax = _axes(fig, box)
    y = list(range(len(domains)))[::-1]
    handles = [ax.barh(y, [d["max_points"] for d in domains], color=LIGHT, height=0.62, label="Điểm tối đa áp dụng"),
               ax.barh(y, [d["points"] for d in domains], color=BLUE, height=0.62, label="Điểm đạt")]
    width = W - box.left - box.right
    right = max([d["max_points"] for d in domains] + [1])
    xmax = right * 1.05
    for yi, d in zip(y, domains):
        pct = percent_vi(d["points"] / d["max_points"]) if d["max_points"] else "–"
        text = f"{points_vi(d['points'])}/{points_vi(d['max_points'])} ({pct})"
        ax.annotate(text, (d["max_points"], yi), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize=8.5)
        need = text_size(text, 8.5)[0] + 6
        if width > need:
            xmax = max(xmax, d["max_points"] * width / (width - need))
    ax.set_ylim(-0.6, len(domains) - 0.4)
    ax.set_xlim(0, xmax)
    ticks(ax, "y", y, labels, size=8)
    ticks(ax, "x", *nice_ticks(0, xmax, width, across=True))
    ax.text(0.5, 0, "Điểm", transform=ax.transAxes + ScaledTranslation(0, -(TICK + 9 * LINE + 4) / 72,
                                                                       fig.dpi_scale_trans),
            ha="center", va="top", fontsize=9)
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, MARGIN / H), ncol=2, fontsize=8,
               frameon=False, borderaxespad=0)
    return fig


def trend(series: dict) -> Figure:
    """A monthly rate against the plan's thresholds.

    `series`: code, title, months (labels 'T1'…), rates (0–1 or None),
    thresholds (0–1), highlight (indices of the report's months)."""
    title = f"{series['code']} — {series['title']}"
    title_h = _title_height(title)
    height = 2.6 + max(0.0, title_h - TITLE_SIZE * LINE) / 72
    fig = _figure(WIDTH, height)
    H = height * 72
    thresholds = sorted(series.get("thresholds", ()))
    box = Box(left=MARGIN + text_size("100%", 9)[0] + TICK, right=MARGIN + 4,
              top=MARGIN + title_h + 14,  # the value over a point at 100% stays under the title
              bottom=MARGIN + _legend_height(7.5) + 2 + 9 * LINE + TICK)
    _title(fig, title)
    ax = _axes(fig, box)
    months, rates = series["months"], series["rates"]
    x = list(range(len(months)))
    for i in series.get("highlight", ()):
        ax.axvspan(i - 0.5, i + 0.5, color="#f1f4f9", zorder=0)
    pts = [(i, r * 100) for i, r in zip(x, rates) if r is not None]
    handles = []
    if pts:
        line, = ax.plot([p[0] for p in pts], [p[1] for p in pts], color=BLUE, marker="o", markersize=4,
                        linewidth=1.8, label="Tỷ lệ theo tháng", zorder=3)
        handles.append(line)
        for i, v in pts:
            ax.annotate(number_vi(v, 1), (i, v), textcoords="offset points", xytext=(0, 6), ha="center",
                        fontsize=7, color="#333333")
    else:
        ax.text(0.5, 0.5, "Không có số liệu", transform=ax.transAxes, ha="center", va="center", color=GREY)
    colours = [RED, AMBER, GREEN]
    for k, t in enumerate(thresholds):
        handles.append(ax.axhline(t * 100, color=colours[(k + 3 - len(thresholds)) % 3], linestyle="--",
                                  linewidth=1.1, label=f"Ngưỡng {percent_vi(t, 0)}", zorder=2))
    values = [p[1] for p in pts] + [t * 100 for t in thresholds]
    low = max(0, math.floor((min(values, default=0) - 8) / 10) * 10)
    ax.set_ylim(low, 104)
    ax.set_xlim(-0.6, len(months) - 0.4)
    ticks(ax, "x", x, months)
    at, labels = nice_ticks(low, 104, H - box.top - box.bottom, steps=(1, 2, 5, 10), suffix="%")
    ticks(ax, "y", at, labels)
    ax.hlines(at, -0.6, len(months) - 0.4, color="#e5e5e5", linewidth=0.6, zorder=0.5)
    if handles:
        fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(box.left / (WIDTH * 72), MARGIN / H),
                   fontsize=7.5, frameon=False, ncol=4, borderaxespad=0)
    return fig


RANK_ROW = 0.32  # inches a unit, up to a page of units
RANK_ROW_DENSE = 0.24  # inches a unit when the ranking takes several pages
RANK_FIXED = 1.3  # inches of a ranking figure that are not rows (title, axis, legend)


def ranking(rows: Sequence[dict], mean: float | None = None, title: str | None = None,
            row: float = RANK_ROW) -> Figure:
    """Units by percent of their applicable maximum (best on top), full names.

    `rows`: dicts with rank, name, code, percent (0–100 or None), colour
    (optional: the band's); `mean`: the
    line drawn (default: these rows' mean); `row`: inches a unit."""
    rows = [r for r in rows if r.get("percent") is not None]
    n = max(1, len(rows))
    pcts = [r["percent"] for r in rows]
    if mean is None:
        mean = sum(pcts) / len(pcts) if pcts else 0
    title = title or "Xếp hạng đơn vị theo tỷ lệ điểm đạt trên điểm tối đa áp dụng"
    title_h = _title_height(title)
    W = WIDTH * 72
    label_size = 8 if row >= RANK_ROW else 7.5
    labels = _rank_labels(rows, label_size)
    label_w = max((text_size(t, label_size)[0] for t in labels), default=0)
    row = max(row, _rank_row(labels, label_size))
    height = row * n + RANK_FIXED + (title_h - TITLE_SIZE * LINE) / 72
    fig = _figure(WIDTH, height)
    H = height * 72
    box = Box(left=MARGIN + label_w + TICK, right=MARGIN,
              top=MARGIN + title_h + 8,
              bottom=MARGIN + _legend_height(7.5) + 4 + 9 * LINE + TICK)
    _title(fig, title)
    ax = _axes(fig, box)
    y = list(range(n))[::-1][:len(rows)]
    # The row's band colour (params/reports.yaml, explained under the ranking), else the default bands.
    colours = [r.get("colour") or (GREEN if p >= 90 else BLUE if p >= 75 else AMBER if p >= 60 else RED)
               for r, p in zip(rows, pcts)]
    ax.barh(y, pcts, color=colours, height=0.65)
    width = W - box.left - box.right
    need = text_size("100,0%", 7.5)[0] + 5
    for yi, r in zip(y, rows):
        ax.annotate(f"{number_vi(r['percent'], 1)}%", (r["percent"], yi), xytext=(2, 0), textcoords="offset points",
                    va="center", fontsize=7.5)
    ax.set_ylim(-0.6, n - 0.4)
    ticks(ax, "y", y, labels, size=label_size)
    mean_line = ax.axvline(mean, color=GREY, linestyle=":", linewidth=1, label=f"Trung bình {number_vi(mean, 1)}%")
    right = max(105.0, 100 * width / (width - need)) if width > need else 112
    ax.set_xlim(0, right)
    ticks(ax, "x", *nice_ticks(0, right, width, steps=(1, 2, 5, 10), suffix="%", across=True))
    fig.legend(handles=[mean_line], loc="lower right", bbox_to_anchor=(1 - MARGIN / W, MARGIN / H), fontsize=7.5,
               frameon=False, borderaxespad=0)
    return fig


def _rank_labels(rows: Sequence[dict], size: float) -> list[str]:
    """"12. Full unit name", on two lines when it is long."""
    return [wrap(f"{r['rank']}. {r['name']}", size, 0.45 * WIDTH * 72, max_lines=2) for r in rows]


def _rank_row(labels: Sequence[str], size: float) -> float:
    """Inches a unit needs so that its label clears its neighbours'."""
    lines = max((t.count("\n") + 1 for t in labels), default=1)
    return (lines * size * LINE + 3) / 72


def ranking_pages(rows: Sequence[dict]) -> list[Figure]:
    """The ranking as one figure, or, for a large department, one per printed
    page with denser rows (the mean line is the whole department's on every page)."""
    rows = [r for r in rows if r.get("percent") is not None]
    if len(rows) * max(RANK_ROW, _rank_row(_rank_labels(rows, 8), 8)) + RANK_FIXED <= PAGE_HEIGHT:
        return [ranking(rows)]
    row = max(RANK_ROW_DENSE, _rank_row(_rank_labels(rows, 7.5), 7.5))
    per_page = int((PAGE_HEIGHT - RANK_FIXED) / row)
    mean = sum(r["percent"] for r in rows) / len(rows)
    pages = math.ceil(len(rows) / per_page)
    size = math.ceil(len(rows) / pages)
    out = []
    for k in range(pages):
        part = rows[k * size:(k + 1) * size]
        out.append(ranking(part, mean, f"Xếp hạng đơn vị theo tỷ lệ điểm đạt trên điểm tối đa áp dụng "
                                       f"(hạng {part[0]['rank']}–{part[-1]['rank']})", row))
    return out


# --- heatmap ----------------------------------------------------------------------------

def cell_label(v: float) -> str:
    """A heatmap cell's percent below 100: whole numbers, except that nothing
    below 100 may read "100" (blank cells are the 100% ones): 99,8 → "99,8",
    99,96 → "99,9" (one decimal, rounded down)."""
    text = number_vi(v, 0)
    if text != "100":
        return text
    return number_vi(min(math.floor(v * 10) / 10, 99.9), 1)


def official_history(rows: Sequence[dict]) -> Figure:
    """The department's official points over the years (the plan's domains),
    its rank in the block above each bar, and this year's projection as a
    hatched bar marked "dự báo".

    `rows`: dicts with year, points, max_points, rank, of, projected, sample."""
    rows = [r for r in rows if r.get("points") is not None]
    title = "Điểm chính thức các lĩnh vực của Kế hoạch và thứ hạng trong khối qua các năm"
    title_h = _title_height(title)
    labels = [f"{r['year']}" + (f"\n({r.get('label') or 'dự báo'})" if r.get("projected") else
                                "\n(mẫu)" if r.get("sample") else "") for r in rows]
    lines = max((t.count("\n") + 1 for t in labels), default=1)
    height = 2.9 + (title_h - TITLE_SIZE * LINE) / 72
    fig = _figure(WIDTH, height)
    W, H = WIDTH * 72, height * 72
    top = max([r.get("max_points") or r["points"] for r in rows] + [1]) * 1.18
    bottom = MARGIN + lines * 8 * LINE + TICK
    upper = MARGIN + title_h + 8
    at, values = nice_ticks(0, top, H - upper - bottom)
    ylabel_w = 9 * LINE
    box = Box(left=MARGIN + ylabel_w + 4 + max((text_size(t, 9)[0] for t in values), default=0) + TICK,
              right=MARGIN + 4, top=upper, bottom=bottom)
    _title(fig, title)
    ax = _axes(fig, box)
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
    maxima = {r.get("max_points") for r in rows if r.get("max_points")}
    if len(maxima) == 1:
        m = maxima.pop()
        ax.axhline(m, color=GREY, linestyle=":", linewidth=1)
        ax.text(len(rows) - 0.45, m, f"tối đa {points_vi(m)}", ha="right", va="bottom", fontsize=7.5, color=GREY)
    ax.set_ylim(0, top)
    ax.set_xlim(-0.6, max(len(rows), 1) - 0.4)
    ticks(ax, "x", x, labels, size=8)
    ticks(ax, "y", at, values)
    ax.hlines(at, -0.6, max(len(rows), 1) - 0.4, color="#e5e5e5", linewidth=0.6, zorder=0)
    fig.text(MARGIN / W, 1 - (box.top + (H - box.top - box.bottom) / 2) / H, "Điểm", rotation=90, ha="left",
             va="center", fontsize=9)
    return fig


def _luminance(rgb: Sequence[float]) -> float:
    """WCAG relative luminance of an sRGB colour (0 black … 1 white)."""
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def ink_on(rgb: Sequence[float]) -> str:
    """Black or white text, whichever contrasts more with the cell colour."""
    lum = _luminance(rgb)
    return "white" if (1.05 / (lum + 0.05)) > ((lum + 0.05) / 0.05) else "black"


def _name_width(columns: int) -> float:
    """Points for the unit names beside `columns` criteria: what the cells
    (at least 15 points each) leave, within a third to a half of the width."""
    W = WIDTH * 72
    return min(0.5 * W, max(0.36 * W, W - 2 * MARGIN - 6 - 15 * columns))


def heatmap(units: Sequence[str], criteria: Sequence[str], matrix: Sequence[Sequence[float | None]],
            title: str = HEAT_TITLE, domains: Sequence[str] | None = None) -> Figure:
    """Units × criteria, percent of maximum (None: not applicable / not
    scored): full unit names, bordered cells, a number on every cell below
    100% in black or white by its colour, criteria codes on top (their titles
    go in a key beside the figure), domains apart."""
    data = np.array([[np.nan if v is None else float(v) for v in row] for row in matrix], dtype=float)
    data = data.reshape(len(units), len(criteria))
    nrow, ncol = data.shape
    W = WIDTH * 72
    names = [wrap(u, 7, _name_width(ncol), max_lines=2) for u in units]
    lines = max((t.count("\n") + 1 for t in names), default=1)
    row_h = 14.4 if lines == 1 else 7 * LINE * lines + 4
    name_w = max((text_size(t, 7)[0] for t in names), default=0)
    code_h = max((text_size(c, 6.5)[0] for c in criteria), default=0)
    title_h = _title_height(title, 10)
    note = wrap(HEAT_NOTE, 7.5, W - 2 * MARGIN)
    note_h = text_size(note, 7.5)[1]
    top = MARGIN + title_h + 3 + note_h + 6 + code_h + 4
    bottom = MARGIN + 7 * LINE + 3 + 8 + 6
    H = top + bottom + max(1, nrow) * row_h
    fig = _figure(WIDTH, H / 72)
    box = Box(left=MARGIN + name_w + 4, right=MARGIN + 2, top=top, bottom=bottom)
    _title(fig, title, 10)
    fig.text(MARGIN / W, 1 - (MARGIN + title_h + 3) / H, note, ha="left", va="top", fontsize=7.5, color="#46515e")
    ax = _axes(fig, box)
    cmap = LinearSegmentedColormap.from_list("cchc_heat", HEAT_COLOURS).with_extremes(bad=HEAT_NA)
    norm = Normalize(0, 100)
    mesh = ax.pcolormesh(np.ma.masked_invalid(data), cmap=cmap, norm=norm, edgecolors="white", linewidth=0.7)
    ax.set_xlim(0, ncol)
    ax.set_ylim(nrow, 0)
    ticks(ax, "x", np.arange(ncol) + 0.5, list(criteria), size=6.5, marks=False, top=True, rotation=90)
    ticks(ax, "y", np.arange(nrow) + 0.5, names, size=7, marks=False)
    for s in ax.spines.values():
        s.set_visible(False)
    if domains:
        for j in range(1, ncol):
            if domains[j] != domains[j - 1]:
                ax.axvline(j, color="white", linewidth=2.6)
    cell_w = (W - box.left - box.right) / max(1, ncol)
    colours = cmap(norm(np.nan_to_num(data, nan=0.0)))
    for i in range(nrow):
        for j in range(ncol):
            v = data[i, j]
            if np.isnan(v) or v >= 100:
                continue
            text = cell_label(v)
            size = 6.5
            width = text_size(text, size)[0]
            if width > cell_w - 1:
                size = max(4.8, size * (cell_w - 1) / width)
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center_baseline", fontsize=size,
                    color=ink_on(colours[i, j]))
    bar_w = min(0.45 * W, W - box.left - box.right)
    cax = fig.add_axes((box.left / W, (MARGIN + 7 * LINE + 3) / H, bar_w / W, 6 / H))
    cb = fig.colorbar(mesh, cax=cax, orientation="horizontal")
    cb.set_ticks([0, 25, 50, 75, 100])
    cb.ax.xaxis.set_major_formatter(NumberVi("%"))
    cb.ax.tick_params(labelsize=7, length=2, pad=1)
    cb.outline.set_visible(False)
    return fig


def heatmap_pages(units: Sequence[str], criteria: Sequence[str], matrix: Sequence[Sequence[float | None]],
                  groups: Sequence[str] | None = None, group_order: Sequence[str] | None = None,
                  domains: Sequence[str] | None = None, split: int = HEAT_SPLIT,
                  rows: int = HEAT_ROWS) -> list[tuple[list[str], Figure]]:
    """The heatmap as figures that each fit a printed page, with the criteria
    codes each shows.  Up to `split` units: one figure.  More: one part per
    group of units (`groups`: each unit's rank group, in `group_order`), at
    most `rows` units a page, each with only the criteria that apply to
    someone of its group."""
    units, matrix = list(units), [list(r) for r in matrix]
    if len(units) <= split or not groups:
        parts = [("", list(range(len(units))))]
    else:
        order = [g for g in (group_order or []) if g in groups] + [g for g in dict.fromkeys(groups)
                                                                  if g not in (group_order or [])]
        parts = [(g, [i for i, name in enumerate(groups) if name == g]) for g in order]
    out: list[tuple[list[str], Figure]] = []
    for name, idx in parts:
        cols = [j for j in range(len(criteria)) if any(matrix[i][j] is not None for i in idx)] or \
            list(range(len(criteria)))
        codes = [criteria[j] for j in cols]
        doms = [domains[j] for j in cols] if domains else None
        two_lines = any(text_size(units[i], 7)[0] > _name_width(len(cols)) for i in idx)
        per_page = rows if not two_lines else max(10, rows * 2 // 3)
        pages = max(1, math.ceil(len(idx) / per_page))
        size = math.ceil(len(idx) / pages) if idx else 0
        for k in range(pages):
            part = idx[k * size:(k + 1) * size]
            title = HEAT_TITLE if not name else f"{HEAT_TITLE} — {name}"
            if pages > 1:
                title += f" ({k + 1}/{pages})"
            fig = heatmap([units[i] for i in part], codes, [[matrix[i][j] for j in cols] for i in part], title, doms)
            out.append((codes, fig))
    return out
