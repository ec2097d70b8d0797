"""Excel outputs read back with openpyxl: the self-assessment (evidence as
ingested, totals as formulas that add up), the scorecard with the ranking,
and the reporting status."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import openpyxl
import pytest

from cchc_lib.cli import commands
from cchc_lib.core.dataset import Observation
from cchc_lib.errors import UsageError
from cchc_lib.intake.long_table import write_long_table
from cchc_lib.reports.workbooks import FLAG_FILL
from cchc_lib.store.status import reporting_status

from intake_helpers import CAT, REG, ROOT, figures, fill, filled_form, month, run_ingest
from reports_helpers import make_project

UNITS = ROOT / "params" / "units.yaml"
PERIOD = "2023-Q1"
# What units type in column E of their forms ...
EVIDENCE = {
    ("VP", "2023-01"): {"hotline_posted": "QĐ 12/QĐ-SGDĐT ngày 05/01/2023"},
    ("VP", "2023-02"): {"hotline_posted": "QĐ 12/QĐ-SGDĐT ngày 05/01/2023"},
    ("GDTRH", "2023-03"): {"dossiers_resolved_on_time": "https://dichvucong.haiphong.gov.vn/bao-cao?t=3&n=2023"},
}
# ... and in a long table's evidence column: text that looks like a formula must stay text.
TABLE_EVIDENCE = {
    ("VP", "2023-03", "tthc_control_plan_done"): '=HYPERLINK("http://x","bấm")',
    ("VP", "2023-02", "portal_news_posts"): "+84 225 3842",
    ("GDTRH", "2023-01", "dossiers_resolved_on_time"): "@Báo cáo 5/BC-GDTRH",
    ("GDTRH", "2023-01", "dossiers_resolved"): "-1 bản sao",
}
UNITS_IN_DB = ("VP", "GDTRH", "THPT_NGOQUYEN")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("workbooks")
    files = []
    for unit in UNITS_IN_DB:
        for m in ("2023-01", "2023-02", "2023-03"):
            path = filled_form(folder, unit, m)
            if (unit, m) in EVIDENCE:
                fill(path, {}, evidence=EVIDENCE[(unit, m)])
            files.append(path)
    table = folder / "bo_sung.csv"
    write_long_table(table, CAT, [Observation(u, month(m), ind, figures(u, m)[ind], None, (("evidence", ref),))
                                  for (u, m, ind), ref in TABLE_EVIDENCE.items()], ["evidence"])
    db = folder / "cchc.sqlite"
    report = run_ingest([*files, table], db)
    assert report.ok, report.summary()
    return db


def _ingested() -> set[tuple[str, str, str, str]]:
    """(unit, month, indicator, reference): every evidence the database holds."""
    out = {(u, m, ind, ref) for (u, m), refs in EVIDENCE.items() for ind, ref in refs.items()}
    return out | {(u, m, ind, ref) for (u, m, ind), ref in TABLE_EVIDENCE.items()}


def _json(db: Path, unit: str | None = None, period: str = PERIOD) -> dict:
    return json.loads(commands.score(db, period, unit, "json", units=UNITS))


def _heading_row(ws, first: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == first)


def evaluate(ws, ref: str) -> float:
    """The value of a cell, computing this module's =SUM(A1:A3,B4) formulas."""
    cell = ws[ref]
    v = cell.value
    if cell.data_type != "f":
        return v or 0
    m = re.fullmatch(r"=SUM\(([A-Z0-9:,]+)\)", v)
    assert m, v
    total = 0.0
    for part in m.group(1).split(","):
        if ":" in part:
            a, b = part.split(":")
            col = re.match(r"[A-Z]+", a).group(0)
            assert col == re.match(r"[A-Z]+", b).group(0)
            total += sum(evaluate(ws, f"{col}{r}") for r in range(int(a[len(col):]), int(b[len(col):]) + 1))
        else:
            total += evaluate(ws, part)
    return total


def test_self_assessment_evidence_totals_and_flags(db, tmp_path):
    out = tmp_path / "tu_danh_gia.xlsx"
    text = commands.self_assessment(PERIOD, out, data=db, units=UNITS)
    assert str(out) in text
    expected = _json(db)
    wb = openpyxl.load_workbook(out)
    ws = wb["Tự đánh giá"]
    head = _heading_row(ws, "STT")
    assert [ws.cell(head, c).value for c in range(1, 7)] == [
        "STT", "Lĩnh vực / tiêu chí / tiêu chí thành phần", "Điểm tối đa", "Điểm tự đánh giá", "Tài liệu kiểm chứng",
        "Giải trình"]
    assert ws.freeze_panes == f"A{head + 1}" and ws.print_title_rows == f"${head}:${head}"
    rows = {ws.cell(r, 1).value: r for r in range(head + 1, ws.max_row + 1) if ws.cell(r, 1).value}

    # every criterion's points and maximum, as `cchc score --format json`
    for c in expected["criteria"]:
        r = rows[c["code"]]
        counted = c["status"] in ("scored", "missing_data")
        assert ws[f"D{r}"].value == (pytest.approx(c["points"]) if counted else None), c["code"]
        assert ws[f"C{r}"].value == (pytest.approx(c["max_points"]) if counted else None), c["code"]
        if counted:
            assert ws[f"D{r}"].number_format == "0.00" and ws[f"C{r}"].number_format == "0.00"
    # domain subtotals and the total are formulas, and they add up to the JSON's
    for d in expected["domains"]:
        r = rows[d["code"]]
        assert ws[f"D{r}"].data_type == "f" and ws[f"C{r}"].data_type == "f"
        assert evaluate(ws, f"D{r}") == pytest.approx(d["points"])
        assert evaluate(ws, f"C{r}") == pytest.approx(d["max_points"])
    total = next(r for r in range(head, ws.max_row + 1) if ws.cell(r, 2).value == "TỔNG CỘNG")
    assert evaluate(ws, f"D{total}") == pytest.approx(expected["points"])
    assert evaluate(ws, f"C{total}") == pytest.approx(expected["max_points"])
    # the office edits a score: the domain and the total follow
    r342 = rows["3.4.2"]
    ws[f"D{r342}"] = ws[f"D{r342}"].value - 0.25
    assert evaluate(ws, f"D{total}") == pytest.approx(expected["points"] - 0.25)
    assert evaluate(ws, f"D{rows['3']}") == pytest.approx(expected["domains"][0]["points"] - 0.25)

    # the evidence sheet: one row per criterion, unit, month and reference, exactly as ingested
    ev = wb["Tài liệu kiểm chứng"]
    eh = _heading_row(ev, "STT")
    got = {(ev.cell(r, 2).value, ev.cell(r, 3).value, ev.cell(r, 5).value, ev.cell(r, 7).value)
           for r in range(eh + 1, ev.max_row + 1)}
    want = {(c.code, unit, m, ref) for unit, m, ind, ref in _ingested() for c in CAT.criteria if ind in c.indicators}
    assert got == want
    assert ev.max_row - eh == len(want)
    for r in range(eh + 1, ev.max_row + 1):  # text, never a formula, whatever it starts with
        cell = ev.cell(r, 7)
        assert cell.data_type == "s" and isinstance(cell.value, str)
        assert cell.quotePrefix == cell.value.startswith(("=", "+", "-", "@"))

    # per criterion, on the main sheet; a criterion with points and no evidence is flagged
    with_evidence = {code for code, *_ in want}
    for c in expected["criteria"]:
        r = rows[c["code"]]
        evidence_cell, explanation = ws[f"E{r}"].value or "", ws[f"F{r}"].value or ""
        flagged = c["status"] == "scored" and c["points"] > 0 and c["code"] not in with_evidence
        assert (ws[f"A{r}"].fill.fgColor.rgb == FLAG_FILL.fgColor.rgb) == flagged, c["code"]
        assert ("CHƯA CÓ TÀI LIỆU KIỂM CHỨNG" in explanation) == flagged, c["code"]
        if c["code"] in with_evidence:
            for unit, m, ref in {(u, mm, t) for code, u, mm, t in want if code == c["code"]}:
                assert ref in evidence_cell and evidence_cell.count(f"{unit}, ") >= 1
        if evidence_cell.startswith(("=", "+", "-", "@")):
            assert ws[f"E{r}"].data_type == "s"
    # the plan kept one number for two months: shown once, with both months
    assert f"VP, T1, T2/2023: {EVIDENCE[('VP', '2023-01')]['hotline_posted']}" in ws[f"E{rows['3.3.5']}"].value
    page = ws.page_setup
    assert int(page.paperSize) == 9 and page.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage  # A4


def test_self_assessment_refuses_a_non_xlsx_target(db, tmp_path):
    with pytest.raises(UsageError, match="phải là tệp .xlsx"):
        commands.self_assessment(PERIOD, tmp_path / "x.csv", data=db, units=UNITS)
    assert not (tmp_path / "x.csv").exists()


def test_score_xlsx_is_the_scorecard_and_the_ranking(db, tmp_path):
    out = tmp_path / "phieu_diem.xlsx"
    commands.score(db, PERIOD, None, "xlsx", units=UNITS, output=out)
    expected = _json(db)
    wb = openpyxl.load_workbook(out)
    ws = wb["Phiếu điểm"]
    head = _heading_row(ws, "Mã")
    headings = [ws.cell(head, c).value for c in range(1, 10)]
    assert headings[:7] == ["Mã", "Tiêu chí", "Trạng thái", "Kết quả", "Tỷ lệ", "Điểm", "Điểm tối đa"]
    assert ws.freeze_panes == f"A{head + 1}" and ws.cell(head, 1).font.b
    rows = {ws.cell(r, 1).value: r for r in range(head + 1, ws.max_row + 1)}
    for c in expected["criteria"]:
        r = rows[c["code"]]
        if c["status"] in ("scored", "missing_data"):
            assert ws[f"F{r}"].value == pytest.approx(c["points"]) and ws[f"F{r}"].number_format == "0.00"
        if c["rate"] is not None and c["status"] != "missing_data":
            assert ws[f"E{r}"].value == pytest.approx(c["rate"]) and ws[f"E{r}"].number_format == "0.0%"
        assert isinstance(ws[f"F{r}"].value, (int, float, type(None)))  # numbers, not text
    total = next(r for r in rows.values() if ws.cell(r, 2).value == "TỔNG CỘNG")
    assert ws[f"F{total}"].value == pytest.approx(expected["points"])
    assert ws[f"G{total}"].value == pytest.approx(expected["max_points"])
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToWidth == 1  # A4, fit to width
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width

    rk = wb["Xếp hạng"]
    rh = _heading_row(rk, "Hạng")
    ranked = {rk.cell(r, 2).value: r for r in range(rh + 1, rk.max_row + 1)}
    for code in UNITS_IN_DB:
        card = _json(db, code)
        r = ranked[code]
        assert rk[f"F{r}"].value == pytest.approx(card["percent"] / 100) and rk[f"F{r}"].number_format == "0.0%"
        assert rk[f"D{r}"].value == pytest.approx(card["points"])
    ranks = [rk[f"A{ranked[c]}"].value for c in UNITS_IN_DB]
    percents = [_json(db, c)["percent"] for c in UNITS_IN_DB]
    assert sorted(zip(ranks, percents), key=lambda t: t[0]) == sorted(zip(ranks, percents), key=lambda t: -t[1])
    # units with no figure in the period are listed as such, without a rank
    missing = [u.code for u in REG if u.code not in UNITS_IN_DB]
    assert all(rk[f"G{ranked[c]}"].value == "chưa gửi số liệu" and rk[f"A{ranked[c]}"].value is None
               for c in missing)


def test_score_xlsx_needs_an_output_and_csv_stays_the_machine_format(db, tmp_path):
    with pytest.raises(UsageError, match="--format xlsx cần -o"):
        commands.score(db, PERIOD, None, "xlsx", units=UNITS)
    out = tmp_path / "phieu.csv"
    commands.score(db, PERIOD, "VP", "csv", units=UNITS, output=out)
    assert out.read_text(encoding="utf-8") == commands.score(db, PERIOD, "VP", "csv", units=UNITS)


def test_status_xlsx_has_every_unit_and_month(db, tmp_path):
    out = tmp_path / "tinh_hinh.xlsx"
    today = dt.date(2024, 1, 10)
    commands.status(PERIOD, db, units=UNITS, output=out, today=today)
    report = reporting_status(db, REG, PERIOD, CAT)
    wb = openpyxl.load_workbook(out)
    detail = wb["Chi tiết"]
    head = _heading_row(detail, "Mã đơn vị")
    got = [(detail.cell(r, 1).value, detail.cell(r, 3).value, detail.cell(r, 5).value, detail.cell(r, 6).value)
           for r in range(head + 1, detail.max_row + 1)]
    want = [(r.unit, str(r.month), r.submitted_at.replace(tzinfo=None) if r.submitted_at else None,
             dt.datetime.combine(r.deadline, dt.time())) for r in report.rows]
    assert got == want
    matrix = wb["Tình hình gửi"]
    mh = _heading_row(matrix, "Mã đơn vị")
    assert [matrix.cell(mh, c).value for c in range(3, 6)] == ["T1/23", "T2/23", "T3/23"]
    by_unit = {matrix.cell(r, 1).value: r for r in range(mh + 1, matrix.max_row + 1)}
    assert len(by_unit) == len(REG)
    for code in by_unit:
        states = [r.state for r in report.rows if r.unit == code]
        assert [matrix.cell(by_unit[code], c).value for c in (6, 7, 8)] == \
            [states.count("on_time"), states.count("late"), states.count("missing")]
    assert {matrix.cell(by_unit["VP"], 7).value} == {3}  # ingested today: late for 2023
    assert matrix.cell(by_unit["TTR"], 8).value == 3 and matrix.cell(by_unit["TTR"], 3).value == "chưa gửi"
    with pytest.raises(UsageError, match="phải là .xlsx"):
        commands.status(PERIOD, db, units=UNITS, output=tmp_path / "x.txt")


def test_user_strings_never_become_formulas(tmp_path):
    name = "=cmd|' /C calc'!A0"
    proj = make_project(tmp_path, f"""units:
  - {{code: VP, name: "Văn phòng Sở", kind: van_phong}}
  - {{code: EVIL, name: "{name}", kind: phong}}
  - {{code: PLUS, name: "+ Phòng @Cộng", kind: phong}}
""")
    out = tmp_path / "x.xlsx"
    commands.score(proj["data"], "2023", None, "xlsx", units=proj["units"], output=out)
    wb = openpyxl.load_workbook(out)
    rk = wb["Xếp hạng"]
    names = {rk.cell(r, 2).value: rk.cell(r, 3) for r in range(1, rk.max_row + 1)}
    for code, shown in (("EVIL", name), ("PLUS", "+ Phòng @Cộng")):
        cell = names[code]
        assert cell.value == shown and cell.data_type == "s" and cell.quotePrefix
    assert all(c.data_type != "f" for row in rk.iter_rows() for c in row)
