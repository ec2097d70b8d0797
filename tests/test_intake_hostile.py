"""Hostile and careless input at intake (issue 10): every value either
stored or refused with a located one-line error, never silently dropped,
never a traceback; decompression bombs refused before reading; memory
bounded on large sheets; only the contract's spellings accepted."""
from __future__ import annotations

import re
import time
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from cchc_lib.core.catalogue import parse_catalogue
from cchc_lib.core.dataset import NOT_DUE
from cchc_lib.errors import CatalogueError, DataError
from cchc_lib.intake import xlsx
from cchc_lib.intake.forms import SHEET
from cchc_lib.intake.ingest import REFUSED, STORED, latest_open_month
from cchc_lib.intake.long_table import load_table, parse_bool
from cchc_lib.intake.xlsx import Unreadable, Workbook
from cchc_lib.store.db import Store

from intake_helpers import (CAT, REG, cli, fill, filled_form, month, replace_cell, rewrite_part,
                            rows_by_key, run_ingest)

SHEET_PART = "xl/worksheets/sheet1.xml"


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _stored(db: Path) -> dict:
    if not db.exists():
        return {}
    with Store(db, create=False) as s:
        return {k: v.value for k, v in s.current().items()}


def _refused_at(db: Path, path: Path, cell: str | None = None, words: str = "") -> None:
    before = _stored(db)
    result = run_ingest([path], db).results[0]
    assert result.state == REFUSED, result.message
    p = result.problems[0]
    assert p.file == path.name and words in p.message, p
    if cell:
        assert p.cell == cell, p
    assert "\n" not in str(p)
    assert _stored(db) == before


# -- crafted cells -------------------------------------------------------------

CRAFTED = {
    "text in a number cell": ('<c r="{ref}"><v>abc</v></c>', "không phải số"),
    "ISO date cell": ('<c r="{ref}" t="d"><v>2023-01-01T00:00:00</v></c>', "không phải số nguyên"),
    "bad date cell": ('<c r="{ref}" t="d"><v>hôm qua</v></c>', "không phải ngày"),
    "shared string out of range": ('<c r="{ref}" t="s"><v>99999</v></c>', "chuỗi dùng chung"),
    "formula without a value": ('<c r="{ref}"><f>SUM(D1:D3)</f></c>', "công thức nhưng không có giá trị"),
    "NaN": ('<c r="{ref}"><v>NaN</v></c>', "không phải số hữu hạn"),
    "inf": ('<c r="{ref}"><v>INF</v></c>', "không phải số hữu hạn"),
    "1e300": ('<c r="{ref}"><v>1e300</v></c>', "quá lớn"),
    "2**63": ('<c r="{ref}"><v>9223372036854775808</v></c>', "quá lớn"),
    "error value": ('<c r="{ref}" t="e"><v>#DIV/0!</v></c>', "lỗi công thức"),
    "unknown type": ('<c r="{ref}" t="zz"><v>1</v></c>', "kiểu không hỗ trợ"),
    "bool cell not 0/1": ('<c r="{ref}" t="b"><v>7</v></c>', "đúng/sai"),
}


@pytest.mark.parametrize("case", CRAFTED)
def test_crafted_form_cell_is_a_located_error(tmp_path, case):
    form = filled_form(tmp_path, "GDTRH", "2023-05")
    ref = f"D{rows_by_key(openpyxl.load_workbook(form)[SHEET])['procedures_total']}"
    xml, words = CRAFTED[case]
    bad = rewrite_part(form, SHEET_PART, replace_cell(ref, xml.format(ref=ref)), tmp_path / "bad.xlsx")
    _refused_at(tmp_path / "db.sqlite", bad, ref, words)


@pytest.mark.parametrize("case", CRAFTED)
def test_crafted_long_table_cell_is_a_located_error(tmp_path, case):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(["unit", "period", "indicator", "value"])
    ws.append(["GDTRH", "2023-05", "procedures_total", 7])
    wb.save(tmp_path / "t.xlsx")
    xml, words = CRAFTED[case]
    bad = rewrite_part(tmp_path / "t.xlsx", SHEET_PART, replace_cell("D2", xml.format(ref="D2")), tmp_path / "bad.xlsx")
    _refused_at(tmp_path / "db.sqlite", bad, "D2", words)


def test_crafted_cells_outside_the_figures_are_named_too(tmp_path):
    form = filled_form(tmp_path, "GDTRH", "2023-05")
    r = rows_by_key(openpyxl.load_workbook(form)[SHEET])["procedures_total"]
    bad = rewrite_part(form, SHEET_PART, replace_cell(f"E{r}", f'<c r="E{r}"><f>A1</f></c>'), tmp_path / "bad.xlsx")
    _refused_at(tmp_path / "db.sqlite", bad, f"E{r}", "công thức")
    bad = rewrite_part(form, SHEET_PART, replace_cell("B4", '<c r="B4" t="s"><v>-1</v></c>'), tmp_path / "b4.xlsx")
    _refused_at(tmp_path / "db.sqlite", bad, "B4", "chuỗi dùng chung")


def test_a_formula_with_its_computed_value_is_read(tmp_path):
    form = filled_form(tmp_path, "GDTRH", "2023-05")
    ref = f"D{rows_by_key(openpyxl.load_workbook(form)[SHEET])['procedures_total']}"
    ok = rewrite_part(form, SHEET_PART, replace_cell(ref, f'<c r="{ref}"><f>20+8</f><v>28</v></c>'),
                      tmp_path / "ok.xlsx")
    db = tmp_path / "db.sqlite"
    assert run_ingest([ok], db).results[0].state == STORED
    assert _stored(db)[("GDTRH", month("2023-05"), "procedures_total")] == 28


def test_cells_without_references_are_read_in_order(tmp_path):
    """A writer may leave out a cell's reference: it is the next column."""
    wb = openpyxl.Workbook()
    wb.active.append(["unit", "period", "indicator", "value"])
    wb.active.append(["GDTRH", "2023-05", "procedures_total", 7])
    wb.save(tmp_path / "t.xlsx")
    plain = rewrite_part(tmp_path / "t.xlsx", SHEET_PART, lambda x: x.replace(' r="C2"', "").replace(' r="D2"', ""),
                         tmp_path / "plain.xlsx")
    ds = load_table(plain, CAT, REG)
    assert [(o.indicator, o.value) for o in ds.observations] == [("procedures_total", 7)]


# -- silent drops ---------------------------------------------------------------

@pytest.mark.parametrize("merge", ["D:E", "D:D+1"])
def test_merged_value_cells_are_refused(tmp_path, merge):
    form = filled_form(tmp_path, "GDTRH", "2023-05")
    wb = openpyxl.load_workbook(form)
    ws = wb[SHEET]
    r = rows_by_key(ws)["procedures_total"]
    ws.merge_cells(f"D{r}:E{r}" if merge == "D:E" else f"D{r}:D{r + 1}")
    wb.save(form)
    _refused_at(tmp_path / "db.sqlite", form, f"D{r}", "bị gộp")


def test_merged_cells_in_a_long_table_are_refused(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["unit", "period", "indicator", "value"])
    ws.append(["GDTRH", "2023-05", "procedures_total", 7])
    ws.append(["GDTRH", "2023-05", "procedures_iso", 7])
    ws.merge_cells("D2:D3")  # the second figure is gone: refuse, do not store the first alone
    wb.save(tmp_path / "t.xlsx")
    _refused_at(tmp_path / "db.sqlite", tmp_path / "t.xlsx", "D2", "bị gộp")


def test_a_column_named_twice_is_refused(tmp_path):
    csv = _csv(tmp_path / "t.csv", "unit,period,indicator,value,value\nGDTRH,2023-05,procedures_total,7,8\n")
    result = run_ingest([csv], tmp_path / "db.sqlite").results[0]
    assert result.state == REFUSED
    [p] = result.problems
    assert (p.row, p.column) == (1, "value") and "cột 'value' có 2 lần" in p.message and "D, E" in p.message
    wb = openpyxl.Workbook()
    wb.active.append(["value", "unit", "period", "indicator", "value"])
    wb.active.append([1, "GDTRH", "2023-05", "procedures_total", 2])
    wb.save(tmp_path / "t.xlsx")
    _refused_at(tmp_path / "db.sqlite", tmp_path / "t.xlsx", "E1", "cột 'value' có 2 lần")


def test_a_renamed_form_sheet_is_not_a_cchc_form(tmp_path):
    form = filled_form(tmp_path, "GDTRH", "2023-05")
    wb = openpyxl.load_workbook(form)
    wb[SHEET].title = "Sheet1"
    wb.save(form)
    result = run_ingest([form], tmp_path / "db.sqlite").results[0]
    assert result.state == REFUSED and len(result.problems) == 1
    assert "không phải biểu mẫu cchc" in result.problems[0].message
    assert "đổi tên thành 'Sheet1'" in result.problems[0].message


def test_a_deleted_form_sheet_is_not_a_cchc_form(tmp_path):
    form = filled_form(tmp_path, "GDTRH", "2023-05")
    wb = openpyxl.load_workbook(form)
    wb.create_sheet("Ghi chú")["A1"] = "ghi chú của đơn vị"
    del wb[SHEET]
    wb.save(form)
    result = run_ingest([form], tmp_path / "db.sqlite").results[0]
    assert result.state == REFUSED and len(result.problems) == 1, result.problems
    assert result.problems[0].message.startswith("không phải biểu mẫu cchc (không có sheet 'Biểu mẫu'")


def test_unit_code_must_match_unit_name(tmp_path):
    form = filled_form(tmp_path, "GDTRH", "2023-05")
    fill(form, {}, cells={"B4": "VP"})  # another unit's code, the name left as GDTRH's
    _refused_at(tmp_path / "db.sqlite", form, "B5", "không khớp mã VP")
    ok = filled_form(tmp_path, "GDTRH", "2023-05", name="ok.xlsx")
    fill(ok, {}, cells={"B5": "  " + REG.get("GDTRH").name.upper() + " "})  # case and spaces do not matter
    assert run_ingest([ok], tmp_path / "db.sqlite").results[0].state == STORED


# -- months after the current one ---------------------------------------------

@pytest.mark.parametrize("today, latest", [
    ("2023-04-10", "2023-04"), ("2023-04-14", "2023-04"), ("2023-04-15", "2023-05"), ("2023-12-20", "2024-01"),
])
def test_latest_open_month_follows_the_cutoff(today, latest):
    assert str(latest_open_month(datetime.fromisoformat(today).date())) == latest
    assert str(latest_open_month(datetime.fromisoformat(today).date(), None)) == today[:7]  # calendar months


def test_months_after_the_current_one_are_refused_unless_forced(tmp_path):
    db = tmp_path / "db.sqlite"
    may = filled_form(tmp_path, "GDTRH", "2023-05")
    june = filled_form(tmp_path, "GDTRH", "2023-06")
    r = run_ingest([may, june], db, received_at=datetime(2023, 4, 20, 9)).results  # May's figures are open
    assert [x.state for x in r] == [STORED, REFUSED]
    assert r[1].problems[0].cell == "B6" and "tháng 2023-06 chưa tới" in r[1].problems[0].message
    table = _csv(tmp_path / "t.csv", "unit,period,indicator,value\nGDTRH,2023-05,procedures_total,7\n"
                                     "GDTRH,2023-07,procedures_total,7\n")
    [p] = run_ingest([table], db, received_at=datetime(2023, 4, 20)).results[0].problems
    assert (p.row, p.column) == (3, "period") and "2023-07" in p.message
    assert run_ingest([june], db, received_at=datetime(2023, 4, 20), force=True).results[0].state == STORED


@pytest.mark.slow
def test_cli_force_stores_a_future_month(tmp_path):
    db = tmp_path / "db.sqlite"
    nxt = latest_open_month(datetime.now().date()).months[0]
    later = f"{nxt.year + (nxt.index == 12)}-{nxt.index % 12 + 1:02d}"
    table = _csv(tmp_path / "t.csv", f"unit,period,indicator,value\nGDTRH,{later},procedures_total,7\n")
    r = cli("ingest", str(table), "--db", str(db))
    assert r.returncode == 2 and "chưa tới" in r.stderr and len(r.stderr.splitlines()) == 1 and not db.exists()
    assert cli("ingest", str(table), "--db", str(db), "--force").returncode == 0


# -- spellings and bounds -------------------------------------------------------

@pytest.mark.parametrize("text", ["x", "X", "dung", "đúng", "sai", "Sai", "v", "ok"])
def test_only_the_contracts_yes_no_spellings(text):
    with pytest.raises(ValueError, match="không phải Có/Không"):
        parse_bool(text)


@pytest.mark.parametrize("text", ["không phát sinh", "Không phát sinh", "KHONG PHAT SINH", "khong  phat sinh",
                                  "kps", "KPS", "n/a", "N/A"])
def test_not_due_for_compliance_figures_only(tmp_path, text):
    assert parse_bool(text, not_due=True) == NOT_DUE
    ok = _csv(tmp_path / "ok.csv", f"unit,period,indicator,value\nVP,2023-05,catalog_on_time,{text}\n")
    assert load_table(ok, CAT, REG).observations[0].value == NOT_DUE
    bad = _csv(tmp_path / "bad.csv", f"unit,period,indicator,value\nVP,2023-05,hotline_posted,{text}\n")
    with pytest.raises(DataError, match="không nhận «không phát sinh»"):
        load_table(bad, CAT, REG)


def test_counts_beyond_the_catalogues_bound_are_refused(tmp_path):
    assert CAT.indicators["dossiers_received"].max_value == 1_000_000
    db = tmp_path / "db.sqlite"
    for value in ("1.000.001", "99999999999999999999999"):
        table = _csv(tmp_path / "t.csv", f"unit,period,indicator,value\nGDTRH,2023-05,dossiers_received,{value}\n")
        result = run_ingest([table], db).results[0]
        assert result.state == REFUSED and "quá lớn (tối đa 1.000.000)" in result.problems[0].message
    table = _csv(tmp_path / "t.csv", "unit,period,indicator,value\nGDTRH,2023-05,dossiers_received,1.000.000\n")
    assert run_ingest([table], db).results[0].state == STORED


def test_catalogue_bounds_are_validated_on_load():
    import yaml

    doc = yaml.safe_load(Path(CAT.path if Path(CAT.path).is_file() else
                              Path(__file__).parent.parent / "cchc_lib" / "data" / "catalogue_2023.yaml")
                         .read_text(encoding="utf-8"))
    doc["indicators"]["dossiers_received"]["max"] = 50
    assert parse_catalogue(doc).indicators["dossiers_received"].max_value == 50
    doc["count_max"] = "lots"
    doc["indicators"]["dossiers_received"]["max"] = -1
    doc["indicators"]["hotline_posted"]["max"] = 3
    with pytest.raises(CatalogueError) as e:
        parse_catalogue(doc)
    text = "\n".join(e.value.lines())
    assert "count_max phải là số nguyên" in text and "dossiers_received: max phải là số nguyên" in text
    assert "hotline_posted: 'max' chỉ dùng cho chỉ số kiểu count" in text


# -- CSV ------------------------------------------------------------------------

def test_a_csv_field_over_128_kib_is_one_located_error(tmp_path):
    big = "x" * (129 * 1024)
    table = _csv(tmp_path / "t.csv", "unit,period,indicator,value,evidence\n"
                                     "GDTRH,2023-05,procedures_total,7,ok\n"
                                     f"GDTRH,2023-05,procedures_iso,7,{big}\n")
    result = run_ingest([table], tmp_path / "db.sqlite").results[0]
    assert result.state == REFUSED
    [p] = result.problems
    assert p.row == 3 and "dài quá 128 KiB" in p.message


def test_a_csv_with_a_nul_byte_or_bad_bytes_is_located(tmp_path):
    table = tmp_path / "nul.csv"
    table.write_bytes(b"unit,period,indicator,value\nGDTRH,2023-05,procedures_total,7\nGDTRH,2023-05,pro\0,7\n")
    [p] = run_ingest([table], tmp_path / "db.sqlite").results[0].problems
    assert p.row == 3 and "NUL" in p.message and "\0" not in p.message
    utf16 = tmp_path / "utf16.csv"  # Excel's "Unicode text"
    utf16.write_bytes("unit,period,indicator,value\nGDTRH,2023-05,procedures_total,7\n".encode("utf-16"))
    [p] = run_ingest([utf16], tmp_path / "db.sqlite").results[0].problems
    assert "UTF-8" in p.message
    table = tmp_path / "latin.csv"
    table.write_bytes("unit,period,indicator,value\nGDTRH,2023-05,procedures_total,7\n\nVP,2023-05,x,\xe9\n"
                      .encode("latin-1"))
    [p] = run_ingest([table], tmp_path / "db.sqlite").results[0].problems
    assert p.row == 4 and "UTF-8" in p.message


def test_csv_formula_guard_is_read_back_exactly(tmp_path):
    from cchc_lib.files import csv_text, csv_untext

    for text in ["=1+1", "+84 912", "-3", "@SUM(A1)", "\tx", "\rx", "'=x", "''@x", "'plain", "plain", "", "'"]:
        assert csv_untext(csv_text(text)) == text
        assert not csv_text(text).lstrip("'")[:1] in ("=",) or csv_text(text).startswith("'")


# -- decompression bombs and large sheets ---------------------------------------

def _bomb(path: Path, inflated: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>')
        z.writestr("xl/worksheets/sheet1.xml", b" " * inflated)
    return path


def test_a_decompression_bomb_is_refused_before_reading(tmp_path, monkeypatch):
    bomb = _bomb(tmp_path / "bomb.xlsx", 60_000_000)
    assert bomb.stat().st_size < 200_000
    read = []
    monkeypatch.setattr(Workbook, "_chunks", lambda self, *a: read.append(a) or iter(()))
    t = time.perf_counter()
    result = run_ingest([bomb], tmp_path / "db.sqlite").results[0]
    assert time.perf_counter() - t < 2 and read == []
    assert result.state == REFUSED and "giải nén ra 60,0 MB" in result.problems[0].message
    assert "giới hạn: 50 lần và 200 MB" in result.problems[0].message
    with pytest.raises(DataError, match="có thể là tệp nén độc hại"):
        load_table(bomb, CAT, REG)


def test_the_inflated_size_limit_holds_whatever_the_ratio(tmp_path, monkeypatch):
    form = filled_form(tmp_path, "GDTRH", "2023-05")
    monkeypatch.setattr(xlsx, "MAX_INFLATED", 10_000)  # a normal form inflates about 5 times, to ≈ 60 kB
    result = run_ingest([form], tmp_path / "db.sqlite").results[0]
    assert result.state == REFUSED and "giải nén ra" in result.problems[0].message


def test_a_doctype_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["unit", "period", "indicator", "value"])
    wb.save(tmp_path / "t.xlsx")
    bad = rewrite_part(tmp_path / "t.xlsx", SHEET_PART, lambda x: '<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">]>' + x,
                       tmp_path / "bad.xlsx")
    result = run_ingest([bad], tmp_path / "db.sqlite").results[0]
    assert result.state == REFUSED and "DOCTYPE" in result.problems[0].message


_PEAK = """
import resource, sys
from cchc_lib.intake.xlsx import Workbook
with Workbook(sys.argv[1]) as book:
    n = sum(1 for _ in book.rows(book.sheetnames[0]))
print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def _peak(path: Path) -> tuple[int, int]:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, check=True,
                         timeout=120).stdout.split()
    return int(out[0]), int(out[1])


@pytest.mark.slow
def test_large_sheets_are_read_in_bounded_memory(tmp_path):
    rows = 200_000
    body = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>GDTRH</t></is></c><c r="B{n}"><v>{n}</v></c>'
                   f'<c r="C{n}" t="inlineStr"><is><t>ghi chú {n}</t></is></c></row>' for n in range(1, rows + 1))
    wb = openpyxl.Workbook()
    wb.active.append(["a"])
    wb.save(tmp_path / "small.xlsx")
    big = rewrite_part(tmp_path / "small.xlsx", SHEET_PART, lambda x: re.sub(
        "<sheetData>.*</sheetData>", f"<sheetData>{body}</sheetData>", x), tmp_path / "big.xlsx")
    inflated = sum(i.file_size for i in zipfile.ZipFile(big).infolist())
    assert inflated > 20_000_000
    n_small, small = _peak(tmp_path / "small.xlsx")
    n_big, peak = _peak(big)
    assert (n_small, n_big) == (1, rows)
    assert peak - small < inflated / 2, (peak - small, inflated)  # a whole tree would take several times it


def test_a_form_sheet_with_data_far_below_is_refused(tmp_path):
    form = filled_form(tmp_path, "GDTRH", "2023-05")
    fill(form, {}, cells={"A5000": "x"})
    result = run_ingest([form], tmp_path / "db.sqlite").results[0]
    assert result.state == REFUSED and "quá 2000 dòng" in result.problems[0].message


def test_unreadable_is_never_a_value():
    u = Unreadable("lý do")
    assert str(u) == "lý do" and u != "lý do"


# -- consistency at intake: the part-of-whole limits of contract v2, 3.3, and nothing else

CONTRACT_3_3 = [  # (parts, whole), as section 3.3 lists them
    (("dossiers_resolved_on_time",), "dossiers_resolved"), (("dossiers_results_digitized",), "dossiers_resolved"),
    (("dossiers_returned_bcci",), "dossiers_resolved"), (("dossiers_iso_compliant",), "dossiers_resolved"),
    (("dossiers_online_l34",), "dossiers_received"), (("dossiers_received_bcci",), "dossiers_received"),
    (("dossiers_tracked_in_system",), "dossiers_received"), (("docs_electronic_signed",), "docs_electronic"),
    (("docs_out_electronic_only", "docs_out_electronic_and_paper"), "docs_out_total"),
    (("dossiers_overdue_apologized",), "dossiers_overdue"),
    (("procedures_internal_process_published",), "procedures_total"),
    (("procedures_public_at_desk",), "procedures_total"), (("procedures_public_on_portal",), "procedures_total"),
    (("procedures_via_one_stop",), "procedures_total"), (("procedures_iso",), "procedures_total"),
    (("procedures_with_e_workflow",), "procedures_in_system"),
    (("procedures_online_l34_with_dossiers",), "procedures_online_l34"),
    (("procedures_with_bcci_dossiers",), "procedures_with_dossiers"), (("dx_plan_tasks_done",), "dx_plan_tasks"),
    (("city_tasks_done",), "city_tasks_assigned"), (("city_tasks_done_on_time",), "city_tasks_done"),
]


@pytest.mark.parametrize("parts, whole", CONTRACT_3_3, ids=[w + "/" + "+".join(p) for p, w in CONTRACT_3_3])
def test_every_limit_of_the_contract_is_an_input_error(tmp_path, parts, whole):
    rows = f"GDTRH,2023-05,{whole},4\n" + "".join(f"GDTRH,2023-05,{p},{5 if i == 0 else 0}\n"
                                                  for i, p in enumerate(parts))
    table = _csv(tmp_path / "t.csv", "unit,period,indicator,value\n" + rows)
    with pytest.raises(DataError) as e:
        load_table(table, CAT, REG)
    [p] = e.value.problems
    assert p.row == 3 and f"lớn hơn {whole} (4" in p.message
    # and against a stored whole, the same month only
    db = tmp_path / "db.sqlite"
    run_ingest([_csv(tmp_path / "whole.csv", f"unit,period,indicator,value\nGDTRH,2023-05,{whole},4\n"
                                             f"GDTRH,2023-04,{whole},9\n")], db)
    rest = "".join(f"GDTRH,{{m}},{p},0\n" for p in parts[1:])  # a sum is known when all its parts are
    part = _csv(tmp_path / "part.csv", f"unit,period,indicator,value\nGDTRH,2023-05,{parts[0]},5\n"
                + rest.format(m="2023-05"))
    result = run_ingest([part], db).results[0]
    assert result.state == REFUSED and f"{whole} (4, đã lưu)" in result.problems[0].message
    ok = _csv(tmp_path / "ok.csv", f"unit,period,indicator,value\nGDTRH,2023-04,{parts[0]},5\n"
              + rest.format(m="2023-04"))
    assert run_ingest([ok], db).results[0].state == STORED


@pytest.mark.parametrize("handled, received", [("feedback_handled", "feedback_received"),
                                                ("tthc_review_issues_handled", "tthc_review_issues_found"),
                                                ("decentralization_issues_handled", "decentralization_issues_found")])
def test_carry_over_pairs_are_not_input_errors(tmp_path, handled, received):
    """A complaint received in March and handled in April (contract 3.3)."""
    db = tmp_path / "db.sqlite"
    march = _csv(tmp_path / "m.csv", f"unit,period,indicator,value\nGDTRH,2023-03,{received},1\n"
                                     f"GDTRH,2023-03,{handled},0\n")
    april = _csv(tmp_path / "a.csv", f"unit,period,indicator,value\nGDTRH,2023-04,{received},0\n"
                                     f"GDTRH,2023-04,{handled},1\n")
    assert [r.state for r in run_ingest([march, april], db).results] == [STORED, STORED]
    same_month = _csv(tmp_path / "s.csv", f"unit,period,indicator,value\nGDTRH,2023-05,{received},0\n"
                                          f"GDTRH,2023-05,{handled},3\n")
    assert run_ingest([same_month], db).results[0].state == STORED


def test_overdue_below_resolved_late_is_not_checked_at_intake(tmp_path):
    """20 resolved, 15 on time, 2 overdue: the late ones fell due in other months (3.3)."""
    table = _csv(tmp_path / "t.csv", "unit,period,indicator,value\nGDTRH,2023-05,dossiers_resolved,20\n"
                                     "GDTRH,2023-05,dossiers_resolved_on_time,15\nGDTRH,2023-05,dossiers_overdue,2\n")
    assert run_ingest([table], tmp_path / "db.sqlite").results[0].state == STORED


@pytest.mark.slow
def test_a_file_that_cannot_be_written_is_one_line(tmp_path):
    db = tmp_path / "db.sqlite"
    run_ingest([_csv(tmp_path / "t.csv", "unit,period,indicator,value\nGDTRH,2023-05,procedures_total,7\n")], db)
    (tmp_path / "afile").write_text("x")
    r = cli("export", "--period", "2023", "-o", str(tmp_path / "afile" / "x.csv"), "--db", str(db))
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert r.stderr.startswith("lỗi: ")


def test_a_scorecard_csv_has_no_formula(tmp_path):
    """`cchc score --format csv`: a title from a catalogue is a string like any other."""
    import csv as csv_module
    import io

    import yaml

    from cchc_lib.core.scoring import score_unit
    from cchc_lib.core.periods import Period
    from cchc_lib.reports.text import to_csv

    doc = yaml.safe_load((Path(__file__).parent.parent / "cchc_lib" / "data" / "catalogue_2023.yaml")
                         .read_text(encoding="utf-8"))
    doc["criteria"][0]["title"] = "=HYPERLINK(\"http://example.invalid\")"
    cat = parse_catalogue(doc)
    card = score_unit(load_table(_csv(tmp_path / "t.csv", "unit,period,indicator,value\n"), cat, REG), cat,
                      REG.get("VP"), Period.parse("2023-03"))
    cells = [c for row in csv_module.reader(io.StringIO(to_csv([card]))) for c in row]
    assert "'=HYPERLINK(\"http://example.invalid\")" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
