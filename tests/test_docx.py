"""The Word báo cáo: read back with python-docx, compared with `cchc score --format json`."""
from __future__ import annotations

import importlib.util
import io
import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from docx import Document
from docx.oxml.ns import qn

from cchc_lib.cli import commands
from cchc_lib.cli import main as cli
from cchc_lib.core.scoring import CriterionScore
from cchc_lib.fmt import percent_vi, points_vi
from cchc_lib.render import batch
from cchc_lib.reports.data import department_report, open_context, unit_report
from cchc_lib.core.organisation import load_organisation, parse_organisation
from cchc_lib.reports.text import criterion_notes
from cchc_lib.reports.word import (DEFAULT_TEMPLATE, TemplateError, docx_context, example_context,
                                   markdown_paragraphs, render_docx, word_report)
from cchc_lib.errors import UsageError

from reports_helpers import REPO, make_project

NASTY = 'Trường <THPT> & "Cát Bi" {{ org.agency }} {%p if 1 %}'
UNITS = f"""units:
  - {{code: VP, name: "Văn phòng Sở", kind: van_phong}}
  - {{code: GDTRH, name: "Phòng Giáo dục Trung học", kind: phong}}
  - {{code: NASTY, name: '{NASTY}', kind: truc_thuoc}}
"""
COMMENTARY = "Quý **III** là mùa tuyển sinh.\n\n- Ý <b>một</b> & {{ doc.type }}\n- </w:t></w:r><w:r><w:t>CHÈN"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("docx")
    proj = make_project(root, UNITS)
    ctx = open_context(proj["data"], "", proj["units"])
    return {**proj, "ctx": ctx}


def _score_json(proj, period: str, unit: str | None = None) -> dict:
    return json.loads(commands.score(proj["data"], period, unit, "json", units=proj["units"]))


def _text(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def _open(data: bytes, tmp_path: Path, name: str = "x.docx"):
    path = tmp_path / name
    path.write_bytes(data)
    return Document(str(path))


def _table_rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_department_report_follows_the_decree_and_the_scores(project, tmp_path):
    ctx = project["ctx"]
    rep = department_report(ctx, "2023", COMMENTARY)
    made = word_report(ctx, rep, load_organisation(root=REPO))
    doc = _open(made.data, tmp_path)
    expected = _score_json(project, "2023")

    # Page: A4, margins of Nghị định 30 (top/bottom 20–25 mm, left 30–35 mm, right 15–20 mm).
    s = doc.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    mm = {k: round(getattr(s, f"{k}_margin").mm) for k in ("top", "bottom", "left", "right")}
    assert 20 <= mm["top"] <= 25 and 20 <= mm["bottom"] <= 25 and 30 <= mm["left"] <= 35 and 15 <= mm["right"] <= 20
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman" and normal.size.pt in (13, 14)

    # Header blocks: agency left, national motto right, number and date under them.
    header = doc.tables[0]
    left, right = (c.text for c in header.rows[0].cells)
    assert left.split("\n")[:2] == ["UBND THÀNH PHỐ HẢI PHÒNG", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"]
    assert "Số:" in left and left.rstrip().endswith("/BC-SGDĐT")
    assert right.split("\n")[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert "Hải Phòng, ngày" in right and "tháng" in right
    # the title and summary come right after the header table
    paragraphs = [p.text for p in doc.paragraphs if p.text.strip()]
    assert paragraphs[0] == "BÁO CÁO"
    assert paragraphs[1] == "Kết quả thực hiện Kế hoạch nâng cao ứng dụng CNTT trong thực hiện TTHC năm 2023"
    body = _text(doc)
    heads = ["I. KẾT QUẢ ĐẠT ĐƯỢC", "II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN",
             "III. ĐỀ XUẤT, KIẾN NGHỊ VÀ NHIỆM VỤ THỜI GIAN TỚI", "IV. Ý KIẾN BỔ SUNG", "Phụ lục I", "Phụ lục II"]
    positions = [paragraphs.index(h) for h in heads]
    assert positions == sorted(positions)
    # no docxtpl tag is left in the document (the unit's name has some of its own)
    assert "{%" not in body.replace(NASTY, "") and "{{" not in body.replace(NASTY, "").replace("{{ doc.type }}", "")

    # Section I: the total and each domain as in the JSON.
    assert f"{points_vi(expected['points'])}/{points_vi(expected['max_points'])} điểm áp dụng" in body
    for d in expected["domains"]:
        assert f"{points_vi(d['points'])}/{points_vi(d['max_points'])} điểm" in body
    # Section II names every criterion that lost points; III says what reaches the next band.
    lost = [c for c in expected["criteria"] if c["status"] == "scored" and c["points"] < c["max_points"]]
    assert lost
    for c in lost:
        assert f"{c['code']} {c['title']}: đạt {points_vi(c['points'])}/{points_vi(c['max_points'])} điểm" in body
        if c["gap"]:
            assert f"- {c['code']}: {c['gap']}" in body

    # Phụ lục I: every criterion's points, every domain and the total.
    score_table = doc.tables[2]
    rows = _table_rows(score_table)
    assert rows[0] == ["STT", "Tiêu chí", "Điểm tối đa", "Kết quả", "Điểm"]
    by_code = {r[0]: r for r in rows[1:] if r[0]}
    for c in expected["criteria"]:
        row = by_code[c["code"]]
        assert row[1] == c["title"]
        if c["status"] == "scored":
            assert row[4] == points_vi(c["points"]) and row[2] == points_vi(c["max_points"])
    for d in expected["domains"]:
        assert by_code[d["code"]][4] == points_vi(d["points"])
    total = next(r for r in rows if r[1] == "TỔNG CỘNG")
    assert total[4] == points_vi(expected["points"]) and total[2] == points_vi(expected["max_points"])

    # Phụ lục II: the ranking, as each unit's own JSON says.
    ranking = _table_rows(doc.tables[3])
    assert ranking[0][:2] == ["Hạng", "Đơn vị"]
    units = {u["code"]: _score_json(project, "2023", u["code"]) for u in
             yaml.safe_load(project["units"].read_text(encoding="utf-8"))["units"]}
    shown = {r[1]: r for r in ranking[1:]}
    for code, card in units.items():
        row = shown[card["unit_name"]]
        assert row[2] == points_vi(card["points"]) and row[4] == percent_vi(card["percent"] / 100)
    percents = [units[c]["percent"] for c in sorted(units, key=lambda c: int(shown[units[c]["unit_name"]][0]))]
    assert percents == sorted(percents, reverse=True)

    # Tables are not cut mid-row, and their heading row repeats on every page.
    for table in doc.tables[2:]:
        trs = table._tbl.findall(qn("w:tr"))
        assert trs[0].find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
        assert all(tr.find(qn("w:trPr")) is not None and tr.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None
                   for tr in trs)

    # Nơi nhận and the signer, from params/organisation.yaml
    signature = _table_rows(doc.tables[1])[0]
    assert signature[0].strip().split("\n")[:2] == ["Nơi nhận:", "- Ban Chỉ đạo CCHC thành phố (để b/c);"]
    assert signature[0].rstrip().endswith("- Lưu: VT, VP.")
    assert "KT. GIÁM ĐỐC" in signature[1] and "PHÓ GIÁM ĐỐC" in signature[1]


def test_every_user_string_is_escaped(project, tmp_path):
    ctx = project["ctx"]
    dept = word_report(ctx, department_report(ctx, "2023", COMMENTARY), load_organisation(root=REPO))
    unit = word_report(ctx, unit_report(ctx, "NASTY", "2023", COMMENTARY), load_organisation(root=REPO))
    for made in (dept, unit):
        with zipfile.ZipFile(io.BytesIO(made.data)) as z:
            xml = z.read("word/document.xml").decode("utf-8")
        assert "<THPT>" not in xml and "&lt;THPT&gt; &amp;" in xml  # escaped, not markup
        assert "<w:t>CHÈN" not in xml and "&lt;/w:t&gt;" in xml
        doc = _open(made.data, tmp_path)
        text = _text(doc) + "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
        assert NASTY in text  # shown as typed: "{{ org.agency }}" is not evaluated
        assert "Ý <b>một</b> & {{ doc.type }}" in text
    unit_doc = _open(unit.data, tmp_path)
    assert unit_doc.paragraphs[[p.text for p in unit_doc.paragraphs].index("BÁO CÁO") + 1].text.endswith(
        f"của {NASTY}")


def test_a_missing_template_key_is_one_line_and_nothing_is_written(project, tmp_path, capsys):
    bad = tmp_path / "bad.docx"
    doc = Document(str(DEFAULT_TEMPLATE))
    doc.add_paragraph("{{ doc.sumary }}")
    doc.save(str(bad))
    with pytest.raises(TemplateError, match="khóa 'sumary' không có trong dữ liệu báo cáo"):
        render_docx(example_context(), bad)
    out = tmp_path / "out"
    lot = project["root"] / "params" / "docx.yaml"
    lot.write_text(yaml.safe_dump({"period": "2023", "notebooks": ["department"], "formats": ["docx"],
                                   "data": str(project["data"])}), encoding="utf-8")
    code = cli.main(["render", str(lot), "--template", str(bad), "--output", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("lỗi: mẫu báo cáo bad.docx: khóa 'sumary'")
    assert not out.exists()
    # not a .docx at all, or no file: the same kind of one-line refusal
    (tmp_path / "x.docx").write_text("không phải docx", encoding="utf-8")
    with pytest.raises(TemplateError, match="không phải tệp .docx"):
        render_docx(example_context(), tmp_path / "x.docx")
    with pytest.raises(TemplateError, match="không tìm thấy mẫu báo cáo Word"):
        render_docx(example_context(), tmp_path / "none.docx")


def test_a_template_cannot_reach_python(tmp_path):
    bad = tmp_path / "evil.docx"
    doc = Document(str(DEFAULT_TEMPLATE))
    doc.add_paragraph("{{ doc.__class__.__mro__ }}")
    doc.save(str(bad))
    with pytest.raises(TemplateError):
        render_docx(example_context(), bad)


def _shape(x):
    if isinstance(x, dict):
        return {k: _shape(v) for k, v in x.items()}
    if isinstance(x, list):
        shapes = [_shape(v) for v in x]
        return [shapes[0]] if shapes and not isinstance(shapes[0], str) else ["str"]
    return type(x).__name__


def test_the_template_check_knows_every_key_of_the_real_data(project):
    ctx = project["ctx"]
    real = docx_context(ctx, department_report(ctx, "2023-Q3"), load_organisation(root=REPO))
    assert _shape(example_context()) == _shape(real)
    unit = docx_context(ctx, unit_report(ctx, "GDTRH", "2023-Q3"), load_organisation(root=REPO))
    assert set(unit) == set(real) and unit["ranking"] == [] and unit["doc"]["is_department"] is False


def test_the_committed_template_is_the_script_s():
    spec = importlib.util.spec_from_file_location("make_docx_template", REPO / "scripts" / "make_docx_template.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == DEFAULT_TEMPLATE.read_bytes(), "chạy lại scripts/make_docx_template.py"


def test_contract_v2_fields_show_in_the_appendix(project, monkeypatch):
    original = CriterionScore.to_dict

    def v2(self):
        d = original(self)
        if self.code == "3.4.2":
            d.update(months=[11, 12], as_of="2023-03", left_out=["GDTRH"], notes=["xử lý cả phản ánh tồn từ kỳ trước"])
        return d

    monkeypatch.setattr(CriterionScore, "to_dict", v2)
    ctx = project["ctx"]
    rows = docx_context(ctx, department_report(ctx, "2023"), load_organisation(root=REPO))["scorecard"]
    result = next(r for r in rows if r["stt"] == "3.4.2")["result"]
    assert "11/12 tháng" in result and "số liệu tháng 3/2023" in result
    assert "chưa tính 1 đơn vị thiếu số liệu: GDTRH" in result and "xử lý cả phản ánh tồn từ kỳ trước" in result


def test_criterion_notes_say_nothing_without_v2_fields():
    assert criterion_notes({"code": "3.1", "detail": "Có"}) == []
    assert criterion_notes({"months": {"used": 3, "in_period": 3}, "as_of": "2023-12"}) == \
        ["3/3 tháng", "số liệu tháng 12/2023"]
    # the v1 department note already in the detail is not said twice
    assert criterion_notes({"left_out": ["A"], "detail": "57/60 (chưa tính 1 đơn vị thiếu số liệu: A)"}) == []


def test_markdown_becomes_plain_paragraphs():
    assert markdown_paragraphs("# Tiêu đề\nDòng **một**\ndòng hai\n\n- mục [a](http://x)\n1. mục hai") == \
        ["Tiêu đề Dòng một dòng hai", "- mục a (http://x)", "- mục hai"]
    assert markdown_paragraphs("") == []


def test_organisation_file_is_checked(tmp_path):
    assert parse_organisation(None).agency == "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
    org = parse_organisation({"signer": {"name": "Nguyễn Văn A"}, "recipients": ["Như trên", "Lưu: VT"]})
    assert org.signer.name == "Nguyễn Văn A" and org.signer.position == "PHÓ GIÁM ĐỐC"
    assert org.recipients == ("Như trên", "Lưu: VT")
    with pytest.raises(UsageError, match="khóa không hỗ trợ: sigener"):
        parse_organisation({"sigener": {}}, "organisation.yaml")
    with pytest.raises(UsageError, match="recipients phải là danh sách"):
        parse_organisation({"recipients": "Lưu"}, "organisation.yaml")
    assert load_organisation(root=tmp_path).source == ""  # no file: the defaults


def test_docx_is_a_batch_format(project, tmp_path):
    """formats: [docx] writes output/<period>/<name>.docx straight from the report
    data (no notebook), and a second run renders nothing."""
    out = tmp_path / "out"
    spec = batch.parse_spec({"period": "2023-Q3", "units": ["NASTY"], "notebooks": ["department", "unit"],
                             "formats": ["docx", "self-assessment"], "data": str(project["data"]),
                             "registry": str(project["units"])}, "lô")
    report = batch.run_batch(spec, root=project["root"], output=out, executor="inline", progress=False)
    assert report.exit_code == 0 and len(report.rendered) == 2, report.text()
    period = out / "2023-Q3"
    assert sorted(p.name for p in period.iterdir() if not p.name.endswith(".freeze")) == \
        ["NASTY.docx", "NASTY.json", "department.docx", "department.json", "department_tu_danh_gia.xlsx"]
    figures = json.loads((period / "department.json").read_text(encoding="utf-8"))
    assert figures["points"] == pytest.approx(_score_json(project, "2023-Q3")["points"])
    assert "Tự đánh giá (XLSX)" in (out / "index.html").read_text(encoding="utf-8")
    again = batch.run_batch(spec, root=project["root"], output=out, executor="inline", progress=False)
    assert again.skipped == 2 and not again.rendered
    # only the self-assessment asked for: no unit job at all
    only = batch.parse_spec({"period": "2023-Q3", "formats": ["self-assessment"], "data": str(project["data"]),
                             "registry": str(project["units"])}, "lô")
    assert [j.name for j in batch.plan(only, project["root"], out).jobs] == ["department"]


@pytest.mark.slow  # renders the sample batch with kernels (and Chromium when there is one)
def test_demo_writes_the_year_report_and_the_self_assessment(tmp_path):
    (tmp_path / "params").mkdir()
    shutil.copy(REPO / "params" / "units.yaml", tmp_path / "params")
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "units.yaml").write_text(UNITS.replace(NASTY, "Trường THPT Thử"), encoding="utf-8")
    shutil.copytree(REPO / "notebooks", tmp_path / "notebooks")
    lot = yaml.safe_load((REPO / "demo" / "2023-Q3.yaml").read_text(encoding="utf-8"))
    lot["commentary"] = {}  # the shipped commentary names units this registry does not have
    (tmp_path / "demo" / "2023-Q3.yaml").write_text(yaml.safe_dump(lot, allow_unicode=True), encoding="utf-8")
    text = commands.demo(root=tmp_path, progress=False)
    docx_path = tmp_path / "output" / "demo" / "2023" / "department.docx"
    xlsx_path = tmp_path / "output" / "demo" / "2023" / "department_tu_danh_gia.xlsx"
    assert "Báo cáo năm 2023 (Word, thể thức Nghị định 30): " in text and docx_path.is_file()
    assert "Bảng tự đánh giá năm 2023 (Excel): " in text and xlsx_path.is_file()
    db = tmp_path / "data" / "sample.sqlite"
    expected = json.loads(commands.score(db, "2023", None, "json", units=tmp_path / "demo" / "units.yaml"))
    doc = Document(str(docx_path))
    total = next(r for r in _table_rows(doc.tables[2]) if r[1] == "TỔNG CỘNG")
    assert total[4] == points_vi(expected["points"])
    ws = openpyxl.load_workbook(xlsx_path)["Tự đánh giá"]
    codes = {ws.cell(r, 1).value for r in range(1, ws.max_row + 1)}
    assert {c["code"] for c in expected["criteria"]} <= codes
    # the sample's evidence reached the workbook
    assert openpyxl.load_workbook(xlsx_path)["Tài liệu kiểm chứng"].max_row > 10
