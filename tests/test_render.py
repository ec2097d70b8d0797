"""Batches: failures, incremental runs, batch files, and the pure parts."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import nbformat
import pytest
import yaml

from cchc_lib.render import batch

from cchc_lib.cli import main as cli
from cchc_lib.core.catalogue import load_catalogue
from cchc_lib.reports.commentary import department_commentary, unit_commentary
from cchc_lib.errors import CchcError
from cchc_lib.render.htmlexport import add_toc
from cchc_lib.render.index_page import index_html
from cchc_lib.render.pdf import ENV_VAR, BrowserNotFound, find_browser
from cchc_lib.core.periods import lower_first, parse_period
from cchc_lib.render.worker import Failure
from cchc_lib.core.scoring import score_all
from cchc_lib.intake.sources import open_dataset
from cchc_lib.core.units import load_registry
from cchc_lib.reports.views import markdown_html

from reports_helpers import NOTEBOOKS, batch_doc, make_project

pytestmark = pytest.mark.slow  # kernels, Chromium, Dask or the CLI as a subprocess

TWO_UNITS = """units:
  - {code: VP, name: "Văn phòng Sở", kind: van_phong}
  - {code: GDTRH, name: "Phòng Giáo dục Trung học", kind: phong}
"""


def _write_batch(path: Path, doc: dict) -> Path:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_one_failing_report_does_not_stop_the_batch(tmp_path, capsys):
    proj = make_project(tmp_path, TWO_UNITS)
    nb = nbformat.read(NOTEBOOKS / "unit_report.ipynb", as_version=4)
    broken = nbformat.v4.new_code_cell('assert unit != "GDTRH", "báo cáo hỏng có chủ ý"')
    broken["id"] = "broken"
    nb.cells.insert(2, broken)
    bad_nb = tmp_path / "broken_unit.ipynb"
    nbformat.write(nb, bad_nb)
    doc = batch_doc(proj, notebooks={"unit": str(bad_nb)})
    path = _write_batch(tmp_path / "params" / "fail.yaml", doc)
    code = cli.main(["render", str(path), "-j", "2", "--quiet"])
    out = capsys.readouterr().out
    assert code == 1
    period = tmp_path / "output" / "2023-Q3"
    assert (period / "VP.html").is_file() and (period / "VP.json").is_file()
    assert not (period / "GDTRH.html").exists()
    partial = nbformat.read(period / "GDTRH.failed.ipynb", as_version=4)
    errors = [o for c in partial.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "AssertionError"
    assert "GDTRH 2023-Q3" in out and "AssertionError" in out and "báo cáo hỏng có chủ ý" in out
    assert "In [" in out and "notebook dở dang" in out and "GDTRH.failed.ipynb" in out
    assert "VP 2023-Q3" not in out.split("báo cáo lỗi")[1]
    assert not (period / "GDTRH.freeze").exists() and (period / "VP.freeze").exists()


def test_a_report_that_fails_on_rerun_keeps_the_last_good_one_marked(tmp_path):
    """Issue 10: a failed run keeps the last good report in output/ and in the
    index, marked out of date with the failure's reason, until a run succeeds;
    the partial notebook goes beside it, not over it."""
    proj = make_project(tmp_path, TWO_UNITS)
    good = batch.parse_spec(batch_doc(proj, notebooks={"unit": str(NOTEBOOKS / "unit_report.ipynb")}), "ok.yaml")
    assert batch.run_batch(good, root=tmp_path, workers=1, progress=False).exit_code == 0
    period = tmp_path / "output" / "2023-Q3"
    good_files = {s: (period / f"GDTRH{s}").read_bytes() for s in (".ipynb", ".json", ".html")}
    broken = tmp_path / "broken.ipynb"
    nb = nbformat.read(NOTEBOOKS / "unit_report.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell('assert unit != "GDTRH", "hỏng <b>có chủ ý</b>"'))
    nbformat.write(nb, broken)
    bad = batch.parse_spec(batch_doc(proj, notebooks={"unit": str(broken)}), "bad.yaml")
    report = batch.run_batch(bad, root=tmp_path, workers=1, progress=False)
    assert report.exit_code == 1
    assert "giữ báo cáo cũ" in report.text()
    # the last good notebook and figures untouched; the partial notebook beside them
    assert (period / "GDTRH.ipynb").read_bytes() == good_files[".ipynb"]
    assert (period / "GDTRH.json").read_bytes() == good_files[".json"]
    partial = nbformat.read(period / "GDTRH.failed.ipynb", as_version=4)
    assert any(o.get("ename") == "AssertionError" for c in partial.cells for o in c.get("outputs", []))
    # the kept HTML says it is out of date, and why (escaped)
    html = (period / "GDTRH.html").read_text(encoding="utf-8")
    assert "Bản cũ" in html and "AssertionError" in html and "hỏng &lt;b&gt;có chủ ý&lt;/b&gt;" in html
    assert html.replace(html[html.index("<!-- cchc:stale -->"):html.index("<!-- /cchc:stale -->") + 20], "") \
        == good_files[".html"].decode("utf-8")  # nothing else changed
    record = json.loads((period / "GDTRH.failed.json").read_text(encoding="utf-8"))
    assert record["scope"] == "report" and "AssertionError" in record["reason"] and "html" in record["formats"]
    assert not (period / "GDTRH.freeze").exists()  # redone next time
    index = (tmp_path / "output" / "index.html").read_text(encoding="utf-8")
    row = _index_row(index, "Phòng Giáo dục Trung học")
    assert 'class="stale"' in row and "Bản cũ" in row and "AssertionError" in row
    assert "2023-Q3/GDTRH.html" in row and "HTML (cũ)" in row
    assert "notebook lỗi" in row and "2023-Q3/GDTRH.failed.ipynb" in row
    assert "Bản cũ" not in _index_row(index, "Văn phòng Sở")
    # a failing run again: one mark, the newest reason
    batch.run_batch(bad, root=tmp_path, workers=1, progress=False)
    assert (period / "GDTRH.html").read_text(encoding="utf-8").count("<!-- cchc:stale -->") == 1
    # a successful run removes every mark
    assert batch.run_batch(good, root=tmp_path, workers=1, progress=False).exit_code == 0
    assert not (period / "GDTRH.failed.json").exists() and not (period / "GDTRH.failed.ipynb").exists()
    assert "cchc:stale" not in (period / "GDTRH.html").read_text(encoding="utf-8")
    index = (tmp_path / "output" / "index.html").read_text(encoding="utf-8")
    assert "Bản cũ" not in index and "notebook lỗi" not in index


def _index_row(index: str, name: str) -> str:
    row = index[index.index(f'<tr data-name="{name}"'):]
    return row[:row.index("</tr>")]


def test_a_report_that_never_succeeded_is_listed_as_failed(tmp_path):
    proj = make_project(tmp_path, TWO_UNITS)
    broken = tmp_path / "broken.ipynb"
    nb = nbformat.read(NOTEBOOKS / "unit_report.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell('raise ValueError("không đọc được")'))
    nbformat.write(nb, broken)
    spec = batch.parse_spec(batch_doc(proj, units=["VP"], notebooks={"unit": str(broken)}), "bad.yaml")
    assert batch.run_batch(spec, root=tmp_path, workers=1, progress=False).exit_code == 1
    period = tmp_path / "output" / "2023-Q3"
    assert not (period / "VP.html").exists() and not (period / "VP.ipynb").exists()
    assert (period / "VP.failed.ipynb").is_file()
    index = (tmp_path / "output" / "index.html").read_text(encoding="utf-8")
    row = _index_row(index, "VP")
    assert 'class="failed"' in row and "Chưa tạo được" in row and "ValueError" in row
    assert "2023-Q3/VP.failed.ipynb" in row


def test_a_format_not_asked_again_does_not_linger(tmp_path):
    proj = make_project(tmp_path, TWO_UNITS)
    period = tmp_path / "output" / "2023-Q3"
    nbs = {"unit": str(NOTEBOOKS / "unit_report.ipynb")}
    batch.run_batch(batch.parse_spec(batch_doc(proj, units=["VP"], notebooks=nbs), "a.yaml"), root=tmp_path,
                    workers=1, progress=False)
    assert (period / "VP.html").is_file()
    report = batch.run_batch(batch.parse_spec(batch_doc(proj, units=["VP"], notebooks=nbs, formats=["pdf"],
                                                        commentary={"VP": "Mới."}), "b.yaml"),
                             root=tmp_path, workers=1, progress=False, chromium="/nonexistent/chromium")
    assert report.exit_code == 1  # the PDF could not be made
    assert not (period / "VP.html").exists() and not (period / "VP.pdf").exists()


def _change_tracked_value(data: Path, unit: str) -> None:
    """Change one value of `unit` that carries no points (7.1.1 is tracked),
    so no score and no rank moves: only that unit's data changes."""
    text = data.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    for r in rows:
        if r[0] == unit and r[1] == "2023-08" and r[2] == "dossiers_tracked_in_system":
            r[3] = str(int(r[3]) - 1)
            break
    else:
        raise AssertionError("no row to change")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    data.write_text(buf.getvalue(), encoding="utf-8")


def test_incremental_runs(tmp_path):
    proj = make_project(tmp_path, TWO_UNITS)
    spec = batch.parse_spec(batch_doc(proj), "inc.yaml")
    first = batch.run_batch(spec, root=tmp_path, workers=2, progress=False)
    assert first.exit_code == 0 and len(first.rendered) == 3 and first.skipped == 0

    again = batch.run_batch(spec, root=tmp_path, workers=2, progress=False)
    assert again.rendered == [] and again.skipped == 3
    assert "bỏ qua 3 báo cáo" in again.text()

    _change_tracked_value(proj["data"], "GDTRH")
    third = batch.run_batch(spec, root=tmp_path, workers=2, progress=False)
    assert sorted(r.job.name for r in third.rendered) == ["GDTRH", "department"]
    assert third.skipped == 1 and third.exit_code == 0

    forced = batch.plan(spec, root=tmp_path)
    assert all(batch.is_fresh(j) for j in forced.jobs)
    (tmp_path / "output" / "2023-Q3" / "VP.html").unlink()  # a lost output is made again
    assert [j.name for j in forced.jobs if not batch.is_fresh(j)] == ["VP"]


def test_a_change_re_renders_only_the_reports_that_read_that_month(tmp_path):
    """A batch over several periods: August data of GDTRH is read by the
    reports of Q3 and of the year (trends and totals), not by Q1's or by
    VP's."""
    proj = make_project(tmp_path, TWO_UNITS)
    spec = batch.parse_spec(batch_doc(proj, periods=["2023-Q1", "2023-Q3", "2023"]), "year.yaml")
    first = batch.run_batch(spec, root=tmp_path, workers=2, progress=False)
    assert first.exit_code == 0 and len(first.rendered) == 9
    _change_tracked_value(proj["data"], "GDTRH")
    again = batch.run_batch(spec, root=tmp_path, workers=2, progress=False)
    assert sorted(r.job.label for r in again.rendered) == [
        "GDTRH 2023", "GDTRH 2023-Q3", "department 2023", "department 2023-Q3"]
    assert again.skipped == 5 and "bỏ qua 5 báo cáo" in again.text()


def test_commentary_changes_only_its_report(tmp_path):
    proj = make_project(tmp_path, TWO_UNITS)
    before = {j.name: j.fingerprint for j in batch.plan(batch.parse_spec(batch_doc(proj)), root=tmp_path).jobs}
    spec = batch.parse_spec(batch_doc(proj, commentary={"VP": "Tốt."}))
    after = {j.name: j.fingerprint for j in batch.plan(spec, root=tmp_path).jobs}
    assert [n for n in before if before[n] != after[n]] == ["VP"]


# --- batch files ------------------------------------------------------------------

def test_batch_file_forms():
    spec = batch.parse_spec({"period": "2023-Q1", "units": {"kinds": ["phong"]}, "formats": "html,pdf",
                             "notebooks": ["unit"], "commentary": {"VP": "x", "2023-Q1": {"GDTH": "y"}}})
    assert spec.periods == (parse_period("2023-Q1"),) and spec.formats == ("html", "pdf")
    assert spec.notebooks == (("unit", ""),)
    assert batch.commentary_for(spec, "2023-Q1", "GDTH") == "y" and batch.commentary_for(spec, "2023-Q2", "VP") == "x"
    assert batch.parse_spec({"periods": ["2023"], "units": ["VP", "KTKD"]}).units == ("VP", "KTKD")


@pytest.mark.parametrize("doc, words", [
    ({}, "thiếu kỳ"),
    ({"period": "2023-Q5"}, "2023-Q5"),
    ({"period": "2023-Q1", "formats": ["odt"]}, "odt"),
    ({"period": "2023-Q1", "notebooks": ["school"]}, "school"),
    ({"period": "2023-Q1", "colour": "red"}, "colour"),
])
def test_bad_batch_files_are_named(doc, words):
    with pytest.raises(batch.BatchError) as e:
        batch.parse_spec(doc, "b.yaml")
    assert words in str(e.value) and "b.yaml" in str(e.value)


def test_shipped_batch_files_parse():
    for path in sorted((Path(__file__).resolve().parents[1] / "params").glob("20*.yaml")):
        spec = batch.load_spec(path)
        assert spec.periods


@pytest.mark.parametrize("commentary, words", [
    ({"ZZZ": "Tốt."}, "'ZZZ'"),
    ({"2023-Q1": {"ZZZ": "Tốt."}}, "'ZZZ'"),
    ({"2023-13": {"VP": "Tốt."}}, "2023-13"),
])
def test_commentary_for_nobody_is_refused(tmp_path, commentary, words):
    proj = make_project(tmp_path, TWO_UNITS)
    with pytest.raises(batch.BatchError) as e:
        batch.plan(batch.parse_spec(batch_doc(proj, commentary=commentary), "lo.yaml"), root=tmp_path)
    assert "lo.yaml" in str(e.value) and words in str(e.value)


def test_commentary_of_another_period_is_not_used(tmp_path):
    proj = make_project(tmp_path, TWO_UNITS)
    spec = batch.parse_spec(batch_doc(proj, commentary={"2023-Q1": {"VP": "Quý I."}, "2023-Q3": {"VP": "Quý III."}}),
                            "lo.yaml")
    jobs = {j.label: j.params["commentary"] for j in batch.plan(spec, root=tmp_path).jobs}
    assert jobs["VP 2023-Q3"] == "Quý III." and jobs["department 2023-Q3"] == ""


def test_unit_option_renders_only_those_units(tmp_path):
    proj = make_project(tmp_path, TWO_UNITS)
    path = _write_batch(tmp_path / "params" / "lo.yaml", batch_doc(proj))
    only = batch.spec_from_options(str(path), ["2023-Q3"], ["VP"])
    assert [j.label for j in batch.plan(only, root=tmp_path).jobs] == ["VP 2023-Q3"]
    both = batch.spec_from_options(str(path), ["2023-Q3"], ["VP", "department"])
    assert [j.label for j in batch.plan(both, root=tmp_path).jobs] == ["department 2023-Q3", "VP 2023-Q3"]


def test_a_report_asked_twice_is_planned_once(tmp_path):
    proj = make_project(tmp_path, TWO_UNITS)
    spec = batch.parse_spec(batch_doc(proj, units=["VP", "VP"], periods=["2023-Q3", "2023-Q3"]), "lo.yaml")
    assert [j.label for j in batch.plan(spec, root=tmp_path).jobs] == ["department 2023-Q3", "VP 2023-Q3"]


def test_unknown_unit_in_batch(tmp_path):
    proj = make_project(tmp_path, TWO_UNITS)
    with pytest.raises(batch.BatchError, match="NOPE"):
        batch.plan(batch.parse_spec(batch_doc(proj, units=["VP", "NOPE"])), root=tmp_path)


# --- pure parts ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    root = tmp_path_factory.mktemp("c")
    proj = make_project(root, TWO_UNITS)
    cat = load_catalogue()
    reg = load_registry(proj["units"], cat.unit_kinds)
    ds = open_dataset(proj["data"], cat, reg)
    dept, cards = score_all(ds, cat, reg, parse_period("2023-Q3"))
    return cat, dept, cards


def test_unit_commentary_quotes_the_plan_and_the_gaps(scored):
    cat, dept, cards = scored
    card = next(c for c in cards if c.unit_code == "GDTRH")
    com = unit_commentary(card, cat, 2, 2, None)
    losses = com.section("losses").remarks
    assert losses and losses[0].quote
    first_line = " ".join(cat.criterion(losses[0].code).scoring_text.splitlines()[0].split()).rstrip(";.")
    assert losses[0].quote.startswith(first_line)
    lost = {c.code: c for c in card.criteria if c.status == "scored" and c.lost > 0}
    assert {r.code for r in losses} == set(lost)
    remedies = com.section("remedies").remarks
    for r in remedies:
        gap = lost[r.code].gap
        if gap:
            assert gap.text[1:] in r.text
    assert "chưa có số liệu quý II/2023" in com.summary or "so với quý II/2023" in com.summary


def test_department_commentary_names_responsible_kinds(scored):
    cat, dept, cards = scored
    com = department_commentary(dept, cards, cat)
    losses = com.section("losses").remarks
    assert losses
    first = cat.criterion(losses[0].code)
    # named mid-sentence: a common noun lowered ("các phòng Sở"), a name as it is ("Văn phòng Sở")
    assert all(cat.unit_kinds[k] in losses[0].text or lower_first(cat.unit_kinds[k]) in losses[0].text
               for k in first.responsible)
    assert com.section("remedies").heading == "Đề xuất các biện pháp khắc phục"


def test_markdown_escapes_html():
    html = markdown_html("# Tiêu đề\n\nChữ **đậm** <script>alert(1)</script> [x](javascript:alert(1))\n\n"
                         "<div onclick=x>khối HTML</div>")
    assert "<script" not in html and "&lt;script&gt;" in html and "<strong>đậm</strong>" in html
    assert "javascript:" not in html and "<div" not in html


def test_toc_from_headings():
    html = add_toc('<nav><!-- cchc:toc --></nav><h2 id="a-b">Điểm &amp; hạng<a class="anchor-link" href="#a-b">¶</a></h2>')
    assert '<a href="#a-b">Điểm &amp; hạng</a>' in html


def test_index_escapes_and_formats():
    html = index_html([{"period_dir": "2023-Q1", "period": "2023-Q1", "kind": "unit", "unit": "X",
                        "unit_name": "<b>A</b>", "points": 1.455, "max_points": 2, "percent": 72.75, "rank": 1,
                        "ranked": 3, "links": {"html": "2023-Q1/X.html"}}])
    assert "&lt;b&gt;A&lt;/b&gt;" in html and "1,46" in html and "72,8%" in html and "Quý I/2023" in html


def test_explicit_browser_that_does_not_exist(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "/nowhere/chromium")
    with pytest.raises(BrowserNotFound) as e:
        find_browser()
    msg = str(e.value)
    assert "apt-get install chromium fonts-noto-core fonts-noto-mono" in msg and "\n" not in msg
    assert isinstance(e.value, CchcError)


def test_failure_line():
    f = Failure("AssertionError", "sai\n  số", 3, 2)
    assert f.one_line() == "ô số 3 (In [2]): AssertionError: sai số"
