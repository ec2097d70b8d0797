"""The monthly Excel form: what the template contains, and reading it back
with every bad-input class located at its cell."""
from __future__ import annotations

import openpyxl
import pytest

from cchc_lib.cli import commands
from cchc_lib.errors import DataError, UsageError
from cchc_lib.intake.forms import (FIRST_ROW, FONT, HEADING_ROW, KEY, MARKER, SHEET, WIDTHS, form_cells, form_rows, read_form,
                            text_lines)
from cchc_lib.intake.xlsx import Workbook

from intake_helpers import CAT, REG, figures, fill, filled_form, rows_by_key, template


def _read(path):
    with Workbook(path) as book:
        cells = form_cells(book)
    assert cells is not None
    return read_form(cells, path.name, CAT, REG)


def _problems(path):
    with pytest.raises(DataError) as e:
        _read(path)
    return e.value.problems


def test_template_layout(tmp_path):
    path = template(tmp_path / "vp.xlsx", "VP", "2023-03")
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    assert ws["B4"].value == "VP" and ws["B5"].value == "Văn phòng Sở"
    assert ws["B6"].value == "2023-03" and ws["B7"].value == "05/04/2023"
    assert ws[f"{KEY}1"].value == MARKER and ws.column_dimensions[KEY].hidden
    rows = rows_by_key(ws)
    wanted = CAT.indicators_for_kind("van_phong")
    asked = [k for k in rows if k in CAT.indicators]
    assert sorted(asked) == sorted(wanted) and len(asked) == len(wanted)  # one row per indicator
    for crit in CAT.criteria_for_kind("van_phong"):
        r = rows[f"#criterion:{crit.code}"]
        assert ws[f"A{r}"].value == crit.code and ws[f"B{r}"].value.startswith(crit.title)
    r = rows["procedures_total"]
    assert ws[f"B{r}"].value == "Số TTHC thuộc thẩm quyền giải quyết\ntính đến ngày chốt số liệu"
    assert ws[f"C{r}"].value == "TTHC"
    # protection: sheet protected, only value and evidence cells of indicator rows open
    assert ws.protection.sheet
    assert not ws[f"D{r}"].protection.locked and not ws[f"E{r}"].protection.locked
    assert ws[f"B{r}"].protection.locked and ws[f"D{rows['#criterion:3.1']}"].protection.locked
    # data validation: whole ≥ 0, Có/Không, level lists
    kinds = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert kinds["whole"].operator == "greaterThanOrEqual" and kinds["whole"].formula1 == "0"
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert '"Có,Không"' in formulas
    assert f"D{rows['procedures_total']}" in str(kinds["whole"].sqref)
    # printing on A4
    assert str(ws.page_setup.paperSize) == "9" and ws.page_setup.fitToWidth == 1  # 9 = A4
    assert ws[f"B{r}"].alignment.wrap_text



def test_template_prints_and_reads_well(tmp_path):
    ws = openpyxl.load_workbook(template(tmp_path / "g.xlsx", "GDTRH", "2023-03"))[SHEET]
    rows = rows_by_key(ws)
    # every written cell names its font (an unnamed bold font falls back to another face)
    for r in range(1, ws.max_row + 1):
        for col in "ABCDE":
            c = ws[f"{col}{r}"]
            if c.value is not None or r >= HEADING_ROW:
                assert c.font.name == FONT, c.coordinate
    # wrapped labels get the height of their lines; one-line rows keep the default
    long_crit = rows["#criterion:3.4.1"]
    assert text_lines(ws[f"B{long_crit}"].value, WIDTHS["B"], bold=True) >= 2
    assert ws.row_dimensions[long_crit].height >= 30
    assert ws.row_dimensions[rows["#domain:3"]].height is None
    assert ws.row_dimensions[rows["procedures_total"]].height >= 30  # the label, and its hint under it
    assert ws.row_dimensions[HEADING_ROW].height >= 30  # the evidence heading is two lines
    # the cells to fill are marked: headings and cells of D and E shaded apart from the rest
    r = rows["procedures_total"]
    assert ws[f"D{r}"].fill.fgColor.rgb == ws[f"E{r}"].fill.fgColor.rgb != ws[f"B{r}"].fill.fgColor.rgb
    assert ws[f"D{HEADING_ROW}"].fill.fgColor.rgb != ws[f"B{HEADING_ROW}"].fill.fgColor.rgb
    # the footer has room between the bottom margin and the page edge
    assert ws.page_margins.bottom - ws.page_margins.footer >= 0.4
    assert ws.print_title_rows == f"${HEADING_ROW}:${HEADING_ROW}" and ws.page_setup.orientation == "portrait"
    # every validation explains itself in Vietnamese
    for dv in ws.data_validations.dataValidation:
        assert dv.showErrorMessage and dv.error and dv.errorTitle == "Số liệu không hợp lệ"
        assert dv.showInputMessage and "Để trống nếu chưa có số liệu" in dv.prompt
        assert len(dv.errorTitle) <= 32 and len(dv.promptTitle) <= 32 and len(dv.prompt) <= 255


def test_text_lines_estimate():
    assert text_lines("", 52) == 1 and text_lines("Số TTHC", 52) == 1
    assert text_lines("Tỷ lệ TTHC thuộc thẩm quyền giải quyết được tiếp nhận, thực hiện theo cơ chế một cửa", 52) == 2
    assert text_lines("https://" + "x" * 80, 29) >= 3  # a long link breaks anywhere

def test_template_levels_and_all_units(tmp_path):
    out = commands.template("2023-12", all_units=True, out=tmp_path / "forms")
    assert "13 biểu mẫu" in out
    files = sorted((tmp_path / "forms").glob("*.xlsx"))
    assert len(files) == len(REG)
    ws = openpyxl.load_workbook(tmp_path / "forms" / "CCHC_GDTRH_2023-12.xlsx")[SHEET]
    assert ws["B7"].value == "05/01/2024"
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert '"Xuất sắc,Tốt,Khá,Trung bình,Yếu"' in formulas
    with pytest.raises(UsageError):
        commands.template("2023-12", unit="NOPE", out=tmp_path / "x.xlsx")
    with pytest.raises(UsageError):
        commands.template("2023-12", unit="VP", all_units=True, out=tmp_path)


def test_shared_indicator_asked_once():
    rows = form_rows(CAT, "phong")
    keys = [r.key for r in rows if r.indicator]
    assert len(keys) == len(set(keys)) == len(CAT.indicators_for_kind("phong"))
    labels = {r.key: r.label for r in rows}
    assert not labels["#criterion:3.3.3"].endswith("(dùng số liệu đã nhập ở mục trên)")  # brings a new one
    order = [r.key for r in rows]  # each indicator under the first criterion that uses it
    assert order.index("procedures_total") < order.index("#criterion:3.3.3")


def test_filled_form_reads_typed_values(tmp_path):
    path = filled_form(tmp_path, "GDTRH", "2023-07")
    form = _read(path)
    assert form.unit == "GDTRH" and str(form.month) == "2023-07"
    assert form.values == figures("GDTRH", "2023-07")
    assert isinstance(form.values["hotline_posted" if "hotline_posted" in form.values else "iso_applied"], bool)


def test_empty_cells_are_missing_and_text_numbers_accepted(tmp_path):
    path = template(tmp_path / "f.xlsx", "TTR", "2023-02")
    rows = rows_by_key(openpyxl.load_workbook(path)[SHEET])
    ind = next(i for i in CAT.indicators_for_kind("thanh_tra") if CAT.indicators[i].kind == "count")
    fill(path, {}, cells={f"D{rows[ind]}": "1.234"}, evidence={ind: "Công văn 12/SGDĐT"})
    form = _read(path)
    assert form.values == {ind: 1234} and form.evidence == {ind: "Công văn 12/SGDĐT"}


@pytest.mark.parametrize("case, ref, words", [
    ("unit_unknown", "B4", "đơn vị không có trong danh mục: 'XYZ'"),
    ("unit_blank", "B4", "thiếu mã đơn vị"),
    ("month_bad", "B6", "tháng báo cáo: kỳ không hợp lệ: '2023-13'"),
    ("month_quarter", "B6", "tháng YYYY-MM"),
    ("label_edited", "B", "nhãn chỉ số đã bị sửa"),
    ("criterion_edited", "B", "tên tiêu chí đã bị sửa"),
    ("locked_row", "D", "ô thuộc dòng bị khóa"),
    ("locked_evidence", "E", "ô thuộc dòng bị khóa"),
    ("negative", "D", "là số âm"),
    ("fraction", "D", "'12.5' không phải số nguyên"),
    ("text_count", "D", "'mười' không phải số nguyên"),
    ("bad_bool", "D", "không phải Có/Không"),
    ("bad_level", "D", "không phải mức hợp lệ"),
    ("limit", "D", "lớn hơn Số hồ sơ TTHC đã giải quyết"),
    ("evidence_only", "D", "có tài liệu kiểm chứng ở ô E"),
    ("hidden_key", "F", "dòng không nhận ra"),
])
def test_bad_form_cells_are_located(tmp_path, case, ref, words):
    path = filled_form(tmp_path, "GDTRH", "2023-05")
    rows = rows_by_key(openpyxl.load_workbook(path)[SHEET])
    resolved = figures("GDTRH", "2023-05")["dossiers_resolved"]
    edits = {
        "unit_unknown": {"B4": "XYZ"}, "unit_blank": {"B4": None}, "month_bad": {"B6": "2023-13"},
        "month_quarter": {"B6": "2023-Q1"},
        "label_edited": {f"B{rows['procedures_total']}": "Số TTHC (đã sửa)"},
        "criterion_edited": {f"B{rows['#criterion:3.2']}": "Tiêu chí khác"},
        "locked_row": {f"D{rows['#criterion:3.2']}": 5}, "locked_evidence": {f"E{rows['#domain:7']}": "x"},
        "negative": {f"D{rows['procedures_total']}": -3}, "fraction": {f"D{rows['procedures_total']}": 12.5},
        "text_count": {f"D{rows['procedures_total']}": "mười"},
        "bad_bool": {f"D{rows['tthc_review_done']}": "có lẽ"},
        "bad_level": {f"D{rows['service_quality_rating']}": "Rất tốt"},
        "limit": {f"D{rows['dossiers_resolved_on_time']}": resolved + 1},
        "evidence_only": {f"D{rows['portal_news_posts']}": None, f"E{rows['portal_news_posts']}": "Công văn 5"},
        "hidden_key": {f"F{rows['procedures_total']}": "khong_co"},
    }[case]
    fill(path, {}, cells=edits)
    problems = _problems(path)
    assert len(problems) >= 1
    p = problems[0]
    assert p.file == path.name and p.sheet == SHEET and p.cell.startswith(ref), p
    assert words in p.message, p.message
    if len(ref) == 1:
        assert int(p.cell[1:]) >= FIRST_ROW
    assert f"trang tính {SHEET}, ô {p.cell}" in str(p)


def test_every_bad_cell_reported_at_once(tmp_path):
    path = filled_form(tmp_path, "VP", "2023-05")
    rows = rows_by_key(openpyxl.load_workbook(path)[SHEET])
    fill(path, {}, cells={"B6": "tháng 5", f"D{rows['procedures_total']}": -1, f"D{rows['hotline_posted']}": "?"})
    cells = sorted(p.cell for p in _problems(path))
    assert cells == sorted(["B6", f"D{rows['procedures_total']}", f"D{rows['hotline_posted']}"])


def test_month_that_excel_turned_into_a_date(tmp_path):
    from datetime import datetime

    path = filled_form(tmp_path, "GDTX", "2023-05")
    fill(path, {}, cells={"B6": datetime(2023, 5, 1)})
    assert str(_read(path).month) == "2023-05"


def test_long_table_xlsx_is_not_a_form(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["unit", "period", "indicator", "value"])
    wb.save(tmp_path / "t.xlsx")
    with Workbook(tmp_path / "t.xlsx") as book:
        assert form_cells(book) is None


def test_template_output_folder_or_xlsx_file(tmp_path):
    # -o ending with '/' is a folder, even one that does not exist yet
    text = commands.template("2023-03", unit="VP", out=f"{tmp_path}/bieu_mau/2023-03/")
    target = tmp_path / "bieu_mau" / "2023-03" / "CCHC_VP_2023-03.xlsx"
    assert target.is_file() and str(target) in text and "tháng 3/2023" in text
    assert not (tmp_path / "bieu_mau" / "2023-03").is_file()
    # an existing folder, without the slash
    (tmp_path / "forms").mkdir()
    commands.template("2023-03", unit="TTR", out=tmp_path / "forms")
    assert (tmp_path / "forms" / "CCHC_TTR_2023-03.xlsx").is_file()
    # a file must be .xlsx
    for bad in ("bieu_mau/2023-04", "vp.xls", "vp.csv"):
        with pytest.raises(UsageError) as e:
            commands.template("2023-04", unit="VP", out=tmp_path / bad)
        assert "phải có đuôi .xlsx" in str(e.value) and "\n" not in str(e.value)
    assert not (tmp_path / "bieu_mau" / "2023-04").exists()
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(UsageError):
        commands.template("2023-04", unit="VP", out=f"{tmp_path}/a_file/")
    commands.template("2023-04", unit="VP", out=tmp_path / "VP.XLSX")
    assert (tmp_path / "VP.XLSX").is_file()


# -- contract v2 on the form, and no formula in it (issues 9 and 10) ---------------

import zipfile

from cchc_lib.core.dataset import NOT_DUE
from cchc_lib.core.deadlines import Deadlines
from cchc_lib.core.periods import parse_month
from cchc_lib.core.units import Unit
from cchc_lib.intake.forms import NOT_DUE_CHOICE, indicator_hint, write_form


def _hint(ws, rows, ind):
    label, _, hint = ws[f"B{rows[ind]}"].value.partition("\n")
    assert label == CAT.indicators[ind].label
    return hint


def test_form_says_what_kind_of_figure_each_is(tmp_path):
    ws = openpyxl.load_workbook(template(tmp_path / "g.xlsx", "GDTRH", "2023-03"))[SHEET]  # a phòng: every figure
    rows = rows_by_key(ws)
    number = {k: ws[f"A{r}"].value for k, r in rows.items()}
    assert _hint(ws, rows, "dossiers_resolved") == "trong tháng"
    assert _hint(ws, rows, "procedures_total") == "tính đến ngày chốt số liệu"
    assert _hint(ws, rows, "procedures_with_dossiers") == "lũy kế từ đầu năm"
    assert _hint(ws, rows, "iso_training_done") == "đã thực hiện trong năm chưa"
    assert "không phát sinh" in _hint(ws, rows, "catalog_on_time")
    # a part is defined as part of its whole in the same month, by the whole's item number
    assert _hint(ws, rows, "dossiers_returned_bcci") == (
        f"trong số hồ sơ TTHC đã giải quyết trong tháng (mục {number['dossiers_resolved']})")
    assert _hint(ws, rows, "procedures_iso") == (
        f"trong số TTHC thuộc thẩm quyền giải quyết tại ngày chốt số liệu (mục {number['procedures_total']})")
    assert _hint(ws, rows, "docs_out_electronic_and_paper") == (
        f"trong tháng; cộng với mục {number['docs_out_electronic_only']} không vượt quá tổng số văn bản đi "
        f"(trừ văn bản mật) trong tháng (mục {number['docs_out_total']})")
    # 3.2: a review without a report is answered «Không»
    assert ws[f"B{rows['#criterion:3.2']}"].value.endswith(
        f"\nĐã rà soát nhưng không có báo cáo kết quả rà soát: trả lời «Không» ở mục {number['tthc_review_done']}")


def test_every_part_names_its_whole():
    for kind in CAT.unit_kinds:
        rows = {r.key: r for r in form_rows(CAT, kind)}
        for lim in CAT.limits:
            for part in lim.parts:
                if part in rows and lim.whole in rows:
                    hint = rows[part].hint
                    assert "không vượt quá" in hint or hint.startswith("trong số"), (part, hint)
                    assert f"mục {rows[lim.whole].code}" in hint or len(
                        [lm for lm in CAT.limits if part in lm.parts]) > 1, (part, hint)


def test_city_tasks_on_time_is_part_of_the_tasks_done():
    numbers = {"city_tasks_done": "7", "city_tasks_assigned": "6"}
    hint = indicator_hint(CAT, CAT.indicators["city_tasks_done_on_time"], numbers)
    assert hint == "trong số nhiệm vụ đã hoàn thành tại ngày chốt số liệu (mục 7)"


def test_compliance_figures_offer_not_due_and_read_it_back(tmp_path):
    path = template(tmp_path / "vp.xlsx", "VP", "2023-03")
    ws = openpyxl.load_workbook(path)[SHEET]
    rows = rows_by_key(ws)
    lists = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation if dv.type == "list"}
    with_not_due = lists[f'"Có,Không,{NOT_DUE_CHOICE}"'].split()
    assert f"D{rows['catalog_on_time']}" in with_not_due and f"D{rows['hotline_posted']}" not in with_not_due
    fill(path, {}, cells={f"D{rows['catalog_on_time']}": NOT_DUE_CHOICE, f"D{rows['catalog_complete']}": "Có"})
    assert _read(path).values == {"catalog_on_time": NOT_DUE, "catalog_complete": True}
    # pre-filled (a correction form) it shows the same words
    again = write_form(tmp_path / "again.xlsx", CAT, REG.get("VP"), parse_month("2023-03"), Deadlines(),
                       {"catalog_on_time": NOT_DUE})
    assert openpyxl.load_workbook(again)[SHEET][f"D{rows['catalog_on_time']}"].value == NOT_DUE_CHOICE


def test_not_due_is_refused_where_nothing_can_be_not_due(tmp_path):
    path = template(tmp_path / "vp.xlsx", "VP", "2023-03")
    rows = rows_by_key(openpyxl.load_workbook(path)[SHEET])
    fill(path, {}, cells={f"D{rows['hotline_posted']}": "Không phát sinh"})
    [p] = _problems(path)
    assert p.cell == f"D{rows['hotline_posted']}" and "không nhận «không phát sinh»" in p.message


def test_an_old_form_without_hints_is_still_read(tmp_path):
    """Forms sent out by the previous release have the label alone."""
    path = filled_form(tmp_path, "GDTRH", "2023-05")
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    for key, r in rows_by_key(ws).items():
        if key in CAT.indicators:
            ws[f"B{r}"] = CAT.indicators[key].label
    wb.save(path)
    assert _read(path).values == figures("GDTRH", "2023-05")


def test_every_string_of_the_form_is_text_never_a_formula(tmp_path):
    unit = Unit("X1", '=HYPERLINK("http://example.invalid","Bấm")', "phong")
    path = write_form(tmp_path / "x.xlsx", CAT, unit, parse_month("2023-03"), Deadlines(),
                      evidence={"procedures_total": "=1+1"})
    with zipfile.ZipFile(path) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    ws = openpyxl.load_workbook(path)[SHEET]
    assert ws["B5"].value == unit.name and ws["B5"].data_type == "s"
    r = rows_by_key(ws)["procedures_total"]
    assert ws[f"E{r}"].value == "=1+1" and ws[f"E{r}"].data_type == "s"


@pytest.mark.slow
def test_the_form_prints_on_a4(tmp_path):
    """Through LibreOffice, as a unit prints it: A4 portrait pages, every row on one of them."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice is not installed")
    from pypdf import PdfReader

    for unit in ("VP", "GDTRH"):
        path = template(tmp_path / f"{unit}.xlsx", unit, "2023-03")
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                        "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=180)
        pdf = PdfReader(tmp_path / f"{unit}.pdf")
        text = "".join(page.extract_text() for page in pdf.pages)
        assert 1 <= len(pdf.pages) <= 6
        for page in pdf.pages:
            w, h = float(page.mediabox.width), float(page.mediabox.height)
            assert abs(w - 595) < 3 and abs(h - 842) < 3  # A4 portrait, in points
        last = [r for r in form_rows(CAT, REG.get(unit).kind) if r.indicator is not None][-1]
        assert " ".join(last.label.split()[:3]) in " ".join(text.split())
        assert "trong tháng" in text and "tính đến ngày chốt số liệu" in text
