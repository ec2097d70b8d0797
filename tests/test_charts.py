"""Report charts drawn for real (matplotlib, SVG): fixed layout without
clipping or overlap, ticks written exactly, the heatmap readable at 13 and
at 150 units, trends of the criteria that lose the most points, the report's
font.  No kernel: the quick lane runs these."""
from __future__ import annotations

import random
import re
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize, to_rgb
from matplotlib.text import Text

from cchc_lib.core.catalogue import load_catalogue
from cchc_lib.core.units import Registry, Unit, load_registry
from cchc_lib.intake.sample import sample_observations
from cchc_lib.intake.long_table import write_long_table
from cchc_lib.project import PACKAGE_DIR
from cchc_lib.reports import charts, views
from cchc_lib.reports.data import TREND_RULES, department_report, open_context, trend_codes, unit_report

from reports_helpers import REPO

PERIOD = "2023-Q3"


def _project(root: Path, units: list[Unit]) -> dict[str, Path]:
    (root / "params").mkdir(parents=True, exist_ok=True)
    reg_path = root / "params" / "units.yaml"
    reg_path.write_text("units:\n" + "".join(f'  - {{code: {u.code}, name: "{u.name}", kind: {u.kind}}}\n'
                                              for u in units), encoding="utf-8")
    cat = load_catalogue()
    data = root / "sample.csv"
    write_long_table(data, cat, sample_observations(cat, Registry(units), 2023))
    return {"data": data, "units": reg_path}


def _large(n: int = 150) -> list[Unit]:
    """The sample department's offices and divisions, then schools and centres up to n units."""
    cat = load_catalogue()
    base = [u for u in load_registry(REPO / "params" / "units.yaml", cat.unit_kinds) if u.kind != "truc_thuoc"]
    rnd = random.Random(7)
    kinds = ["Trường THPT", "Trường THPT chuyên", "Trung tâm GDNN – GDTX quận", "Trường Phổ thông Dân tộc nội trú",
             "Trường Trung cấp nghề kỹ thuật và nghiệp vụ"]
    places = ["Trần Phú", "Ngô Quyền", "Lê Quý Đôn", "Nguyễn Bỉnh Khiêm", "Vĩnh Bảo", "Tiên Lãng", "Thủy Sơn", "Cát Bà"]
    schools = [Unit(f"T{i:03d}", f"{rnd.choice(kinds)} {rnd.choice(places)} số {i}", "truc_thuoc")
               for i in range(1, n - len(base) + 1)]
    return base + schools


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample")
    cat = load_catalogue()
    proj = _project(root, list(load_registry(REPO / "params" / "units.yaml", cat.unit_kinds)))
    return open_context(proj["data"], "", proj["units"])


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    proj = _project(tmp_path_factory.mktemp("large"), _large(150))
    return open_context(proj["data"], "", proj["units"])


def drawn(fig):
    """The figure saved once (as the report does), then on a canvas that
    measures its texts."""
    charts.svg(fig)
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig


def tick_labels(ax, axis: str) -> list[Text]:
    """The tick labels along "x" or "y" (drawn by `charts.ticks`)."""
    return [t for t in ax.texts if t.get_label() == f"{axis}tick"]


def texts(fig) -> list[Text]:
    """Every text drawn: the figure's, its legends', the axes' (tick labels among them)."""
    out = list(fig.texts) + [t for legend in fig.legends for t in legend.get_texts()]
    for ax in fig.axes:
        out += list(ax.texts) + [ax.xaxis.label, ax.yaxis.label]
    return [t for t in out if t.get_visible() and t.get_text().strip()]


def assert_inside(fig) -> None:
    """No text sticks out of the figure: nothing clipped."""
    renderer = fig.canvas.get_renderer()
    w, h = fig.bbox.width, fig.bbox.height
    for t in texts(fig):
        box = t.get_window_extent(renderer)
        assert box.x0 >= -0.5 and box.y0 >= -0.5 and box.x1 <= w + 0.5 and box.y1 <= h + 0.5, \
            f"{t.get_text()!r} is clipped: {box} outside {w}×{h}"


def assert_apart(fig, labels: list[Text]) -> None:
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels if t.get_visible() and t.get_text()]
    for i, (a, ba) in enumerate(boxes):
        for b, bb in boxes[i + 1:]:
            assert not ba.overlaps(bb), f"{a!r} overlaps {b!r}"


def assert_separated(fig, first: list[Text], second: list[Text]) -> None:
    renderer = fig.canvas.get_renderer()
    for a in first:
        for b in second:
            if a.get_visible() and b.get_visible() and a.get_text() and b.get_text():
                assert not a.get_window_extent(renderer).overlaps(b.get_window_extent(renderer)), \
                    f"{a.get_text()!r} overlaps {b.get_text()!r}"


def value_of(label: str) -> float:
    return float(label.replace(".", "").replace(",", ".").rstrip("%"))


def assert_exact_ticks(ax, axis: str) -> None:
    """Every tick label reads its tick's value exactly (no 0,3 for 0,25)."""
    labels = tick_labels(ax, axis)
    assert len(labels) >= 2
    for label in labels:
        x, y = label.get_position()
        assert value_of(label.get_text()) == pytest.approx(x if axis == "x" else y, abs=1e-9), label.get_text()


# --- ticks ----------------------------------------------------------------------------

@pytest.mark.parametrize("values, places", [([0, 2, 4], 0), ([0, 0.5, 1], 1), ([0, 0.25, 0.5, 0.75], 2),
                                            ([80, 82.5, 85], 1), ([0.1, 0.2, 0.30000000000000004], 1)])
def test_tick_decimals_follow_the_step(values, places):
    assert charts.tick_places(values) == places


def test_tick_labels_in_vietnamese_style():
    f = charts.NumberVi("%")
    f.set_locs([0, 0.25, 0.5])
    assert [f(v) for v in (0, 0.25, 0.5)] == ["0,00%", "0,25%", "0,50%"]
    f.set_locs([0, 1000, 2000])
    assert f(1000) == "1.000%"


@pytest.mark.parametrize("maximum", [0.25, 0.5, 1.0, 1.75, 2.5, 8.75, 23.05])
def test_domain_axis_never_rounds_a_tick(maximum):
    domains = [{"code": "3", "title": "Cải cách thủ tục hành chính", "points": maximum * 0.6, "max_points": maximum},
               {"code": "8", "title": "Nhiệm vụ UBND thành phố giao", "points": maximum / 3, "max_points": maximum / 2}]
    fig = drawn(charts.domain_bars(domains))
    assert_exact_ticks(fig.axes[0], "x")
    assert_inside(fig)


def test_trend_axis_never_rounds_a_tick():
    rnd = random.Random(1)
    for _ in range(12):
        low = rnd.uniform(0.5, 1.0)
        rates = [rnd.uniform(low, 1.0) for _ in range(9)]
        fig = drawn(charts.trend({"code": "3.4.2", "title": "Kết quả giải quyết hồ sơ TTHC", "months":
                                  [f"T{i}" for i in range(1, 10)], "rates": rates, "thresholds": [0.95],
                                  "highlight": [6, 7, 8]}))
        assert_exact_ticks(fig.axes[0], "y")


# --- the sample department's charts (13 units) ------------------------------------------------

def test_every_chart_of_the_sample_fits_without_overlap(sample):
    dept = department_report(sample, PERIOD)
    figures = [charts.domain_bars(dept.domains), *charts.ranking_pages(dept.ranking),
               *(charts.trend(s) for s in dept.trends)]
    h = dept.heatmap
    figures += [f for _, f in charts.heatmap_pages(h["units"], h["codes"], h["matrix"], h["groups"], h["group_order"],
                                                   h["domains"])]
    for unit in sample.registry:
        rep = unit_report(sample, unit.code, PERIOD)
        figures += [charts.domain_bars(rep.domains), *(charts.trend(s) for s in rep.trends)]
    for fig in figures:
        drawn(fig)
        assert_inside(fig)
        ax = fig.axes[0]
        assert_apart(fig, tick_labels(ax, "y"))
        assert_apart(fig, tick_labels(ax, "x"))
        assert fig.get_size_inches()[1] <= charts.PAGE_HEIGHT + 1e-9


def test_labels_keep_clear_of_the_bars_and_of_each_other(sample):
    dept = department_report(sample, PERIOD)
    fig = drawn(charts.domain_bars(dept.domains))
    ax = fig.axes[0]
    values = [t for t in ax.texts if not t.get_label().endswith("tick")]
    assert_separated(fig, values, tick_labels(ax, "y"))
    fig = drawn(charts.ranking(dept.ranking))
    ax = fig.axes[0]
    values = [t for t in ax.texts if not t.get_label().endswith("tick")]
    assert_apart(fig, values)
    assert_separated(fig, values, tick_labels(ax, "y"))


def test_heatmap_at_13_units_is_one_figure_with_full_names(sample):
    h = department_report(sample, PERIOD).heatmap
    pages = charts.heatmap_pages(h["units"], h["codes"], h["matrix"], h["groups"], h["group_order"], h["domains"])
    assert len(pages) == 1
    fig = drawn(pages[0][1])
    names = [t.get_text().replace("\n", " ") for t in tick_labels(fig.axes[0], "y")]
    assert names == h["units"] and not any("…" in n for n in names)
    assert "Phòng Giáo dục thường xuyên – Giáo dục nghề nghiệp" in names


def _linear(rgb):
    return np.where(np.asarray(rgb) <= 0.04045, np.asarray(rgb) / 12.92, ((np.asarray(rgb) + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb):
    x, y, z = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear_rgb
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x / 0.95047, y, z / 1.08883)]
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


#: Colour vision as simulated by Machado, Oliveira & Fernandes (2009), severity 1.
VISION = {"typical": np.eye(3),
          "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                                    [-0.011820, 0.042940, 0.968881]]),
          "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                                  [-0.003882, -0.048116, 1.051998]]),
          "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                                  [0.004733, 0.691367, 0.303900]])}


def test_heatmap_palette_reads_for_the_colour_blind():
    cmap = charts.LinearSegmentedColormap.from_list("t", charts.HEAT_COLOURS)
    grey = to_rgb(charts.HEAT_NA)
    for name, m in VISION.items():
        def seen(rgb):
            return _lab(np.clip(m @ _linear(rgb[:3]), 0, 1))
        apart = min(np.linalg.norm(seen(cmap(v / 100)) - seen(cmap((v + 25) / 100))) for v in range(0, 76))
        assert apart > 20, (name, apart)  # scores 25 points apart look different (CIE ΔE)
        na = min(np.linalg.norm(seen(cmap(v / 100)) - seen(grey)) for v in range(0, 101))
        assert na > 10, (name, na)  # and "not applicable" looks like no score


def test_heatmap_numbers_are_legible_on_every_colour():
    cmap = charts.LinearSegmentedColormap.from_list("t", charts.HEAT_COLOURS)
    norm = Normalize(0, 100)

    def contrast(a, b):
        la, lb = sorted((charts._luminance(a), charts._luminance(b)), reverse=True)
        return (la + 0.05) / (lb + 0.05)

    for v in range(0, 100):
        rgb = cmap(norm(v))[:3]
        assert contrast(rgb, to_rgb(charts.ink_on(rgb))) >= 4.5, v  # WCAG AA for text


def test_heatmap_cells_have_borders_and_numbers_below_100(sample):
    h = department_report(sample, PERIOD).heatmap
    fig = drawn(charts.heatmap(h["units"], h["codes"], h["matrix"], domains=h["domains"]))
    ax = fig.axes[0]
    mesh = ax.collections[0]
    assert to_rgb(mesh.get_edgecolor()[0]) == (1.0, 1.0, 1.0) and mesh.get_linewidth()[0] > 0
    numbers = [t.get_text() for t in ax.texts if not t.get_label().endswith("tick")]
    expected = [charts.cell_label(v) for row in h["matrix"] for v in row if v is not None and v < 100]
    assert numbers == expected


def test_heatmap_key_names_every_criterion_shown(sample):
    rep = department_report(sample, PERIOD)
    html = views.heatmap_chart(rep)
    key = [(code, unescape(title)) for code, title in re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html)]
    titles = dict(zip(rep.heatmap["codes"], rep.heatmap["titles"]))
    assert key and all(titles[code] == title for code, title in key)
    shown = {c for j, c in enumerate(rep.heatmap["codes"]) if any(row[j] is not None for row in rep.heatmap["matrix"])}
    assert {code for code, _ in key} == shown


# --- 150 units --------------------------------------------------------------------------------

def test_heatmap_at_150_units_is_split_by_kind_into_pages(large):
    h = department_report(large, PERIOD).heatmap
    assert len(h["units"]) >= 140
    pages = charts.heatmap_pages(h["units"], h["codes"], h["matrix"], h["groups"], h["group_order"], h["domains"])
    assert len(pages) > 2
    seen = []
    for codes, fig in pages:
        drawn(fig)
        assert fig.get_size_inches()[1] <= charts.PAGE_HEIGHT + 1e-9
        assert_inside(fig)
        ax = fig.axes[0]
        assert_apart(fig, tick_labels(ax, "y"))
        assert_apart(fig, tick_labels(ax, "x"))
        assert [t.get_text() for t in tick_labels(ax, "x")] == codes
        seen += [t.get_text().replace("\n", " ") for t in tick_labels(ax, "y")]
    assert sorted(seen) == sorted(h["units"])  # every unit once, full name
    titles = [texts(fig)[0].get_text().replace("\n", " ") for _, fig in pages]
    shown = list(dict.fromkeys(t.split(" — ")[1].split(" (")[0] for t in titles))
    assert shown == [g for g in h["group_order"] if g in h["groups"]]  # one part per rank group, in order
    assert "Các phòng Sở" in shown and any("trực thuộc" in g for g in shown)


def test_ranking_at_150_units_fits_pages(large):
    rows = department_report(large, PERIOD).ranking
    pages = charts.ranking_pages(rows)
    assert len(pages) > 1
    shown = []
    for fig in pages:
        drawn(fig)
        assert fig.get_size_inches()[1] <= charts.PAGE_HEIGHT + 1e-9
        assert_inside(fig)
        assert_apart(fig, tick_labels(fig.axes[0], "y"))
        shown += [t.get_text() for t in tick_labels(fig.axes[0], "y")]
    assert len(shown) == sum(1 for r in rows if r["percent"] is not None)


# --- trends and font ----------------------------------------------------------------------

def test_trends_show_the_criteria_that_lose_the_most_points(sample):
    for unit in list(sample.registry) + [None]:
        rep = department_report(sample, PERIOD) if unit is None else unit_report(sample, unit.code, PERIOD)
        codes = [s["code"] for s in rep.trends]
        eligible = {c.code: c.lost for c in rep.card.criteria
                    if c.criterion.rule_name in TREND_RULES and c.outcome.rate is not None and c.status == "scored"
                    and c.lost > 0}
        assert codes == list(trend_codes(rep.card))
        assert set(codes) <= set(eligible) and len(codes) == min(3, len(eligible))
        if codes:
            assert min(eligible[c] for c in codes) >= max([v for k, v in eligible.items() if k not in codes],
                                                            default=0)
            assert [eligible[c] for c in codes] == sorted((eligible[c] for c in codes), reverse=True)


def test_charts_are_set_in_the_reports_font():
    css = (PACKAGE_DIR / "templates" / "cchc_report" / "report.css").read_text(encoding="utf-8")
    families = re.search(r"--sans:\s*([^;]+);", css).group(1)
    assert [f.strip().strip('"') for f in families.split(",")][:len(charts.SANS)] == charts.SANS
    svg = charts.svg(charts.trend({"code": "3.5", "title": "Số hóa", "months": ["T1", "T2", "T3"],
                                   "rates": [0.9, 0.8, 0.95], "thresholds": [0.8]})).decode()
    assert "font-family: 'Noto Sans', 'DejaVu Sans', sans-serif" in svg


def test_official_history_fits_and_reads_exactly():
    rows = [{"year": 2021, "points": 18.2, "max_points": 24.55, "rank": 5, "of": 20, "sample": True},
            {"year": 2022, "points": 19.4, "max_points": 24.55, "rank": None},
            {"year": 2023, "points": 21.3, "max_points": 24.55, "projected": True, "label": "dự báo"}]
    fig = drawn(charts.official_history(rows))
    assert_inside(fig)
    assert_exact_ticks(fig.axes[0], "y")
    assert_apart(fig, tick_labels(fig.axes[0], "x"))


def test_a_chart_drawn_again_with_the_same_numbers_is_the_same_svg_without_drawing(monkeypatch):
    series = {"code": "3.5", "title": "Số hóa", "months": ["T1", "T2", "T3"], "rates": [0.9, 0.8, 0.95],
              "thresholds": [0.8]}
    calls = []

    def trend(s):
        calls.append(s)
        return charts.trend(s)

    charts.forget_drawn()
    first = charts.drawn(trend, series)
    assert first == charts.svg(charts.trend(series))  # what the report embeds is unchanged
    assert charts.drawn(trend, dict(series)) == first and len(calls) == 1  # same numbers: not drawn again
    changed = charts.drawn(trend, {**series, "rates": [0.9, 0.8, 0.5]})
    assert changed != first and len(calls) == 2
    monkeypatch.setattr(charts, "DRAWN_MAX", 2)
    charts.drawn(trend, {**series, "code": "3.6"})
    assert len(charts._DRAWN) == 2  # bounded: the oldest went
    monkeypatch.setattr(charts, "DRAWN_BYTES", len(first) + 1000)
    charts.drawn(trend, {**series, "code": "3.7"})
    assert len(charts._DRAWN) == 1  # and in bytes
