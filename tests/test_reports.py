"""Report notebooks executed for real (papermill), their HTML and PDF.

One batch (department + 3 units, 2023-Q3, two workers) is rendered once for
the module; the tests read its files.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import nbformat
import pytest

from cchc_lib.render import batch

from cchc_lib.cli import commands
from cchc_lib.fmt import percent_vi, points_vi
from cchc_lib.render.pdf import find_browser

from reports_helpers import NOTEBOOKS, batch_doc, make_project

pytestmark = pytest.mark.slow  # kernels, Chromium, Dask or the CLI as a subprocess

BROWSER = find_browser(include_playwright=False)
needs_browser = pytest.mark.skipif(BROWSER is None, reason="không có Chromium (apt-get install chromium "
                                                           "fonts-noto-core fonts-noto-mono): bỏ qua kiểm thử PDF")
ANALYST = "**Đánh giá chung:** đơn vị cần _cố gắng_ hơn.\n\n<b>không phải HTML</b> <img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("proj")
    proj = make_project(root)
    formats = ["html", "pdf"] if BROWSER else ["html"]
    spec = batch.parse_spec(batch_doc(proj, formats=formats, commentary={"GDTRH": ANALYST}), "test.yaml")
    report = batch.run_batch(spec, root=root, workers=2, progress=False)
    assert report.exit_code == 0, report.text()
    return {**proj, "out": root / "output" / "2023-Q3", "report": report}


def _score_json(proj, unit=None):
    return json.loads(commands.score(proj["data"], "2023-Q3", unit, "json", None, proj["units"]))


@pytest.mark.parametrize("name", ["department", "VP", "GDTRH", "XSS"])
def test_published_figures_equal_cchc_score(rendered, name):
    figures = json.loads((rendered["out"] / f"{name}.json").read_text(encoding="utf-8"))
    expected = _score_json(rendered, None if name == "department" else name)
    assert figures["unit"] == expected["unit"]
    assert figures["period"] == expected["period"] == "2023-Q3"
    assert figures["points"] == pytest.approx(expected["points"], abs=1e-12)
    assert figures["max_points"] == pytest.approx(expected["max_points"], abs=1e-12)
    got = [(c["code"], c["status"], c["points"], c["max_points"], c["rate"]) for c in figures["criteria"]]
    want = [(c["code"], c["status"], c["points"], c["max_points"], c["rate"]) for c in expected["criteria"]]
    assert got == want


def test_html_has_no_code_and_embeds_everything(rendered):
    for name in ("department", "VP", "GDTRH"):
        html = (rendered["out"] / f"{name}.html").read_text(encoding="utf-8")
        assert "rd.unit_report" not in html and "rd.department_report" not in html
        assert 'class="input' not in html and "input_area" not in html and "In&nbsp;[" not in html
        assert "<script" not in html.lower()
        assert not re.search(r'(src|href)="(https?:)?//', html), "nothing may come from the network"
        assert "<link" not in html
        # domains, ranking, heatmap (+ trends); GDTRH loses points on a rate criterion (+ its trend)
        charts = {"department": 3, "GDTRH": 2, "VP": 1}[name]
        assert html.count('src="data:image/svg+xml;base64,') >= charts
        assert 'class="toc"' in html and 'href="#' in html
        assert "Noto Sans Mono" in html and "DejaVu Sans Mono" in html and "@page" in html and "A4" in html
        assert "application/vnd.cchc.figures+json" not in html and "Số liệu công bố" not in html


def test_html_headline_in_vietnamese_style(rendered):
    for name in ("department", "GDTRH"):
        expected = _score_json(rendered, None if name == "department" else name)
        html = (rendered["out"] / f"{name}.html").read_text(encoding="utf-8")
        assert points_vi(expected["points"]) in html and "," in points_vi(expected["points"])
        assert points_vi(expected["max_points"]) in html
        assert percent_vi(expected["points"] / expected["max_points"]) in html
    html = (rendered["out"] / "GDTRH.html").read_text(encoding="utf-8")
    assert "Phòng Giáo dục Trung học" in html and "Quý III/2023" in html
    assert "Kết quả giải quyết hồ sơ TTHC" in html  # the criteria table
    assert "Kế hoạch quy định" in html and "đúng hạn" in html  # the plan's words where points were lost


def test_unit_name_is_escaped(rendered):
    html = (rendered["out"] / "XSS.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    dept = (rendered["out"] / "department.html").read_text(encoding="utf-8")
    assert "<script" not in dept
    index = (rendered["root"] / "output" / "index.html").read_text(encoding="utf-8")
    assert index.count("<script") == 1 and '<script>alert' not in index and "&lt;script&gt;" in index  # only its own


def test_analyst_commentary_is_markdown_with_html_escaped(rendered):
    html = (rendered["out"] / "GDTRH.html").read_text(encoding="utf-8")
    assert "<strong>Đánh giá chung:</strong>" in html and "<em>cố gắng</em>" in html
    assert "&lt;b&gt;không phải HTML&lt;/b&gt;" in html
    assert "<img src=x" not in html and "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")


def test_index_lists_every_report(rendered):
    index = (rendered["root"] / "output" / "index.html").read_text(encoding="utf-8")
    for name in ("department", "VP", "GDTRH", "XSS"):
        assert f'href="2023-Q3/{name}.html"' in index
    dept = _score_json(rendered)
    assert points_vi(dept["points"]) in index
    assert index.count("<script") == 1 and "<link" not in index  # self-contained: its own script only
    assert "http:" not in index and "https:" not in index  # nothing remote


def test_executed_notebooks_are_kept(rendered):
    nb = nbformat.read(rendered["out"] / "VP.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code")


def test_executed_notebook_keeps_each_html_output_once(rendered):
    nb = nbformat.read(rendered["out"] / "department.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if "text/html" in o.get("data", {}) and len(o.data["text/html"]) > 2000]  # the report's sections
    assert len(outputs) >= 6
    for o in outputs:
        assert len(o.data["text/plain"]) < 100  # a label, not a second copy of the HTML


def test_report_page_is_the_one_nbconvert_would_make(rendered):
    """The exporter renders the template once; nbconvert's HTMLExporter (with
    its preprocessors and its BeautifulSoup pass) makes the same page."""
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from cchc_lib.render.htmlexport import TEMPLATE_NAME, TEMPLATES, exporter

    full = HTMLExporter(template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES)], exclude_input=True,
                        exclude_input_prompt=True, exclude_output_prompt=True, embed_images=False,
                        sanitize_html=False)
    for name in ("department", "GDTRH", "XSS"):
        nb = nbformat.read(rendered["out"] / f"{name}.ipynb", as_version=4)
        resources = {"metadata": {"name": "Báo cáo"}, "cchc_title": "Báo cáo", "cchc_version": "0"}
        ours, _ = exporter().from_notebook_node(nb, resources=dict(resources))
        theirs, _ = full.from_notebook_node(nb, resources=dict(resources))
        assert str(BeautifulSoup(ours, features="html.parser")) == theirs


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout
        text = out.decode("utf-8")
    else:
        from pypdf import PdfReader

        text = "\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)
    return unicodedata.normalize("NFC", text)


def _flat(text: str) -> str:
    return " ".join(text.split())


@needs_browser
def test_pdf_text_has_every_diacritic(rendered):
    expected = _score_json(rendered, "GDTRH")
    text = _flat(_pdf_text(rendered["out"] / "GDTRH.pdf"))
    assert "Phòng Giáo dục Trung học" in text and "(GDTRH)" not in text  # a name, not a code
    assert "Báo cáo kết quả chỉ số CCHC — Quý III/2023" in text
    assert f"{points_vi(expected['points'])} / {points_vi(expected['max_points'])}" in text
    assert percent_vi(expected["points"] / expected["max_points"]) in text
    # provenance in plain words at the end: no file name, no period code
    assert "(đã có đến tháng 9/2023)" in text and "sample.csv" not in text and "2023-Q3" not in text
    assert "Điểm bị mất và lý do" in text and "Nhận xét của chuyên viên" in text
    for broken in ("ô`", "ê´", "ê~", "o^"):
        assert broken not in text


@needs_browser
def test_pdf_uses_fonts_with_vietnamese_coverage(rendered):
    from pypdf import PdfReader

    fonts = set()
    for page in PdfReader(str(rendered["out"] / "GDTRH.pdf")).pages:
        for f in (page.get("/Resources") or {}).get("/Font", {}).values():
            fonts.add(str(f.get_object().get("/BaseFont")))
    assert any(("NotoSans" in f or "DejaVuSans" in f) and "Mono" not in f for f in fonts), fonts
    assert all("Noto" in f or "DejaVu" in f for f in fonts if "Mono" in f), fonts  # never a monospace without ồ, ế
    text = _pdf_text(rendered["out"] / "department.pdf")
    assert "Toàn Sở GD&ĐT" in _flat(text) and "Sở Giáo dục và Đào tạo Hải Phòng" in _flat(text)
    assert "Đề xuất các biện pháp khắc phục" in _flat(text)


def test_notebooks_committed_without_outputs():
    for name in ("unit_report.ipynb", "department_report.ipynb"):
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1
        for c in nb.cells:
            if c.cell_type == "code":
                assert c.outputs == [] and c.execution_count is None


def test_unit_notebook_runs_under_plain_papermill(tmp_path):
    proj = make_project(tmp_path)
    out = tmp_path / "out.ipynb"
    papermill = Path(sys.executable).with_name("papermill")
    subprocess.run([str(papermill), str(NOTEBOOKS / "unit_report.ipynb"), str(out), "-p", "unit", "VP",
                    "-p", "period", "2023-Q1", "-p", "data", str(proj["data"]), "-p", "units", str(proj["units"]),
                    "--no-progress-bar"], check=True, capture_output=True, cwd=tmp_path)
    from cchc_lib.render.htmlexport import figures_of

    figures = figures_of(nbformat.read(out, as_version=4))
    expected = json.loads(commands.score(proj["data"], "2023-Q1", "VP", "json", None, proj["units"]))
    assert figures["points"] == pytest.approx(expected["points"])
    assert figures["unit"] == "VP" and figures["period"] == "2023-Q1"


def test_executed_notebook_is_readable_and_styled_for_jupyterlab(rendered):
    raw = (rendered["out"] / "GDTRH.ipynb").read_text(encoding="utf-8")
    assert not re.search(r"\\u[0-9a-fA-F]{4}", raw), "text kept as \\u escapes"
    nb = nbformat.read(rendered["out"] / "GDTRH.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "Đánh giá chung" in injected.source  # the commentary parameter, as the analyst wrote it
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    styles = [o for o in outputs if o.get("metadata", {}).get("cchc") == "stylesheet"]
    assert len(styles) == 1 and "<style" in styles[0]["data"]["text/html"] and ".cchc.cchc" in styles[0]["data"]["text/html"]
    views = [o for o in outputs if "text/html" in o.get("data", {}) and o not in styles
             and "application/vnd.cchc.figures+json" not in o["data"]]
    assert views and all(o["data"]["text/html"].startswith('<div class="cchc">') for o in views)
    assert all(o["output_type"] == "display_data" for o in views)  # no "Out[n]" prompts
    html = (rendered["out"] / "GDTRH.html").read_text(encoding="utf-8")
    assert html.count("<style") == 1  # the page's own; the notebook's injected copy is left out


def test_report_sections_and_legends_in_the_page(rendered):
    html = (rendered["out"] / "department.html").read_text(encoding="utf-8")
    assert "Nhận xét của chuyên viên" not in html  # none for the department in this batch: no empty section
    for words in ("Văn phòng và Thanh tra Sở", "Các phòng Sở", "Màu theo tỷ lệ điểm đạt",
                  "Toàn Sở GD&amp;ĐT so với các đơn vị", 'id="tinh-hinh-nop-so-lieu"', "Màu dòng:", "Nguồn số liệu"):
        assert words in html, words
    unit = (rendered["out"] / "GDTRH.html").read_text(encoding="utf-8")
    assert unit.index("Nhận xét của chuyên viên") < unit.index("Điểm theo lĩnh vực")  # near the top
    assert "trong nhóm các phòng Sở" in unit
    index = (rendered["root"] / "output" / "index.html").read_text(encoding="utf-8")
    assert 'href="2023-Q3/department.html#tinh-hinh-nop-so-lieu"' in index
    assert "<h3>Các phòng Sở</h3>" in index and "<h3>Văn phòng và Thanh tra Sở</h3>" in index
    assert 'class="sortable"' in index and 'id="loc"' in index and 'hidden' in index
