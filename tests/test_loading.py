"""Reading the long table (contract section 2): CSV and XLSX, typed values,
and one test per error class, each naming file, row, column and reason."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from cchc_lib.errors import DataError
from cchc_lib.intake.long_table import load_table, parse_bool, parse_count
from cchc_lib.core.periods import Period
from cchc_lib.core.scoring import score_department, score_unit
from scoring_helpers import CAT, REG

HEADER = ["unit", "period", "indicator", "value"]


def write_csv(path, rows, sep=",", bom=False, header=HEADER):
    lines = [sep.join(header)] + [sep.join(str(c) for c in r) for r in rows]
    path.write_bytes(("\ufeff" if bom else "").encode() + ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def load(path):
    return load_table(path, CAT, REG)


def one_problem(path):
    with pytest.raises(DataError) as e:
        load(path)
    assert len(e.value.problems) == 1, e.value.lines()
    return e.value.problems[0]


def values(ds):
    return {(o.unit, str(o.month), o.indicator): o.value for o in ds.observations}


# ---------------------------------------------------------------- CSV forms

@pytest.mark.parametrize("sep", [",", ";"])
@pytest.mark.parametrize("bom", [False, True])
def test_csv_with_and_without_bom_comma_and_semicolon(tmp_path, sep, bom):
    p = write_csv(tmp_path / "t.csv", [("VP", "2023-01", "hotline_posted", "có"),
                                        ("GDTH", "2023-02", "dossiers_resolved", "1.234"),
                                        ("GDTH", "2023-02", "service_quality_rating", "Khá")], sep, bom)
    ds = load(p)
    assert values(ds) == {("VP", "2023-01", "hotline_posted"): True,
                          ("GDTH", "2023-02", "dossiers_resolved"): 1234,
                          ("GDTH", "2023-02", "service_quality_rating"): "kha"}
    assert [o.row for o in ds.observations] == [2, 3, 4]


def test_column_order_free_and_extra_columns_kept(tmp_path):
    p = write_csv(tmp_path / "t.csv", [("12", "dossiers_resolved", "GDTH", "2023-03", "theo sổ")],
                  header=["value", "indicator", "unit", "period", "note"])
    (obs,) = load(p).observations
    assert (obs.unit, obs.month, obs.indicator, obs.value) == ("GDTH", Period.month(2023, 3), "dossiers_resolved", 12)
    assert obs.extra == (("note", "theo sổ"),)


def test_blank_lines_skipped_and_rows_numbered_as_in_the_file(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("unit,period,indicator,value\n\nGDTH,2023-01,dossiers_resolved,abc\n", encoding="utf-8")
    prob = one_problem(p)
    assert prob.row == 3


# ---------------------------------------------------------------- XLSX

def write_xlsx(path, rows, sheet_title=None, before=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    if before is not None:  # a first sheet that is not the data
        ws.title = "ghi_chu"
        ws.append(["đây không phải số liệu"])
        ws = wb.create_sheet(sheet_title or "data")
    elif sheet_title:
        ws.title = sheet_title
    ws.append(HEADER)
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def test_xlsx_first_sheet_and_numeric_cells(tmp_path):
    p = write_xlsx(tmp_path / "t.xlsx", [("GDTH", "2023-01", "dossiers_resolved", 12.0),
                                         ("GDTH", "2023-01", "dossiers_resolved_on_time", 12),
                                         ("GDTH", "2023-01", "hotline_posted", True),
                                         ("GDTH", "2023-01", "tthc_review_done", 1),
                                         ("GDTH", dt.datetime(2023, 2, 1), "dossiers_resolved", "1.500")],
                   sheet_title="Tháng 1")
    v = values(load(p))
    assert v[("GDTH", "2023-01", "dossiers_resolved")] == 12
    assert isinstance(v[("GDTH", "2023-01", "dossiers_resolved")], int)
    assert v[("GDTH", "2023-01", "hotline_posted")] is True
    assert v[("GDTH", "2023-01", "tthc_review_done")] is True
    assert v[("GDTH", "2023-02", "dossiers_resolved")] == 1500  # a date cell read back as its month


def test_xlsx_sheet_named_data_wins_over_first(tmp_path):
    p = write_xlsx(tmp_path / "t.xlsx", [("GDTH", "2023-01", "dossiers_resolved", 7)], before=True)
    assert values(load(p)) == {("GDTH", "2023-01", "dossiers_resolved"): 7}


def test_xlsx_fractional_count_names_the_cell(tmp_path):
    p = write_xlsx(tmp_path / "t.xlsx", [("GDTH", "2023-01", "dossiers_resolved", 12.5)])
    prob = one_problem(p)
    assert (prob.file, prob.row, prob.column, prob.cell, prob.sheet) == ("t.xlsx", 2, "value", "D2", "Sheet")
    assert "12.5" in prob.message


# ---------------------------------------------------------------- typed values

@pytest.mark.parametrize("text,n", [("0", 0), ("12", 12), ("1.234", 1234), ("1,234", 1234), ("1.234.567", 1234567),
                                    ("1,234,567", 1234567), (" 42 ", 42), ("1 234", 1234), (12, 12), (12.0, 12)])
def test_count_spellings(text, n):
    assert parse_count(text) == n


@pytest.mark.parametrize("text", ["12.5", "-3", "1.23", "abc", "1.2345", "1,23", "1.234,567", "", "12e3", "+5",
                                  "0x10", 12.5, -1, True, "1 0", "12 5", "1 23", "\u0663", "\uff11\uff12"])
def test_bad_counts(text):
    with pytest.raises(ValueError):
        parse_count(text)


@pytest.mark.parametrize("text,expected", [
    ("có", True), ("Có", True), ("CÓ", True), ("co", True), ("CO", True), ("1", True), ("true", True),
    ("TRUE", True), ("True", True), ("yes", True), ("Yes", True),
    ("không", False), ("Không", False), ("KHÔNG", False), ("khong", False), ("Khong", False), ("0", False),
    ("false", False), ("FALSE", False), ("no", False), ("No", False), (" có ", True),
])
def test_bool_spellings(text, expected):
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", ["2", "maybe", "c", "k", "yes!", "-1"])
def test_bad_bools(text):
    with pytest.raises(ValueError):
        parse_bool(text)


def test_empty_bool_is_missing_never_no(tmp_path):
    p = write_csv(tmp_path / "t.csv", [("VP", "2023-01", "hotline_posted", ""),
                                        ("VP", "2023-02", "hotline_posted", "có")])
    ds = load(p)
    assert values(ds) == {("VP", "2023-02", "hotline_posted"): True}
    # January alone: 3.3.5 is missing data, not "Không"
    card = score_unit(ds, CAT, REG.get("VP"), Period.parse("2023-01"))
    assert card.get("3.3.5").status == "missing_data"


@pytest.mark.parametrize("text,code", [
    ("xuat_sac", "xuat_sac"), ("Xuất sắc", "xuat_sac"), ("xuất sắc", "xuat_sac"), ("Xuat sac", "xuat_sac"),
    ("XUẤT SẮC", "xuat_sac"), ("tot", "tot"), ("Tốt", "tot"), ("Khá", "kha"), ("kha", "kha"),
    ("Trung bình", "trung_binh"), ("trung binh", "trung_binh"), ("TRUNG_BINH", "trung_binh"), ("Yếu", "yeu"),
    ("yeu", "yeu"),
])
def test_levels_codes_and_labels(tmp_path, text, code):
    p = write_csv(tmp_path / "t.csv", [("GDTH", "2023-01", "service_quality_rating", text)])
    assert values(load(p)) == {("GDTH", "2023-01", "service_quality_rating"): code}


@pytest.mark.parametrize("text,code", [("Đầy đủ", "day_du"), ("day du", "day_du"), ("Chưa đầy đủ", "chua_day_du"),
                                       ("chua day du", "chua_day_du"), ("Không thực hiện", "khong"),
                                       ("khong", "khong")])
def test_risk_levels_with_and_without_diacritics(tmp_path, text, code):
    p = write_csv(tmp_path / "t.csv", [("VP", "2023-01", "iso_risk_assessment", text)])
    assert values(load(p)) == {("VP", "2023-01", "iso_risk_assessment"): code}


# ---------------------------------------------------------------- one test per error class

def test_error_unknown_unit(tmp_path):
    p = write_csv(tmp_path / "bad.csv", [("VP", "2023-01", "hotline_posted", "có"),
                                          ("PHONG_X", "2023-01", "hotline_posted", "có")])
    prob = one_problem(p)
    assert (prob.file, prob.row, prob.column) == ("bad.csv", 3, "unit")
    assert "PHONG_X" in prob.message and "đơn vị" in prob.message


def test_error_unknown_indicator(tmp_path):
    p = write_csv(tmp_path / "bad.csv", [("VP", "2023-01", "hotline", "có")])
    prob = one_problem(p)
    assert (prob.file, prob.row, prob.column) == ("bad.csv", 2, "indicator")
    assert "'hotline'" in prob.message and "chỉ số" in prob.message


@pytest.mark.parametrize("period", ["2023-13", "2023-Q1", "Q1-2023", "2023", "03/2023"])
def test_error_bad_period(tmp_path, period):
    p = write_csv(tmp_path / "bad.csv", [("VP", period, "hotline_posted", "có")])
    prob = one_problem(p)
    assert (prob.file, prob.row, prob.column) == ("bad.csv", 2, "period")
    assert period in prob.message


def test_error_missing_period(tmp_path):
    p = write_csv(tmp_path / "bad.csv", [("VP", "", "hotline_posted", "có")])
    prob = one_problem(p)
    assert (prob.row, prob.column) == (2, "period")


@pytest.mark.parametrize("value", ["12.5", "-3", "1.23", "abc"])
def test_error_bad_count(tmp_path, value):
    p = write_csv(tmp_path / "bad.csv", [("GDTH", "2023-01", "dossiers_resolved", f'"{value}"')])
    prob = one_problem(p)
    assert (prob.file, prob.row, prob.column) == ("bad.csv", 2, "value")
    assert value in prob.message and "dossiers_resolved" in prob.message


def test_error_bad_bool(tmp_path):
    p = write_csv(tmp_path / "bad.csv", [("VP", "2023-01", "hotline_posted", "đã làm")])
    prob = one_problem(p)
    assert (prob.file, prob.row, prob.column) == ("bad.csv", 2, "value")
    assert "đã làm" in prob.message and "Có/Không" in prob.message


def test_error_bad_level(tmp_path):
    p = write_csv(tmp_path / "bad.csv", [("GDTH", "2023-01", "service_quality_rating", "Giỏi")])
    prob = one_problem(p)
    assert (prob.file, prob.row, prob.column) == ("bad.csv", 2, "value")
    assert "Giỏi" in prob.message and "Xuất sắc" in prob.message  # lists the valid levels


def test_error_duplicate_key(tmp_path):
    p = write_csv(tmp_path / "bad.csv", [("GDTH", "2023-01", "dossiers_resolved", "5"),
                                          ("GDTH", "2023-02", "dossiers_resolved", "5"),
                                          ("GDTH", "2023-01", "dossiers_resolved", "6")])
    prob = one_problem(p)
    assert (prob.file, prob.row) == ("bad.csv", 4)
    assert prob.column in ("unit", "period", "indicator")
    assert "dòng 2" in prob.message  # names the first occurrence


@pytest.mark.parametrize("missing", ["unit", "period", "indicator", "value"])
def test_error_missing_column(tmp_path, missing):
    header = [h for h in HEADER if h != missing]
    p = write_csv(tmp_path / "bad.csv", [("x",) * 3], header=header)
    prob = one_problem(p)
    assert (prob.file, prob.row, prob.column) == ("bad.csv", 1, missing)
    assert missing in prob.message


@pytest.mark.parametrize("num,den,code", [
    ("dossiers_resolved_on_time", "dossiers_resolved", "3.4.2"),
    ("dossiers_returned_bcci", "dossiers_resolved", "7.5.3"),
    ("city_tasks_done", "city_tasks_assigned", "8.1"),
    ("dossiers_online_l34", "dossiers_received", "7.4.2"),
])
def test_error_numerator_above_denominator(tmp_path, num, den, code):
    p = write_csv(tmp_path / "bad.csv", [("GDTH", "2023-01", den, "10"), ("GDTH", "2023-01", num, "11")])
    prob = one_problem(p)
    assert (prob.file, prob.row, prob.column) == ("bad.csv", 3, "value")
    assert f"{num} (11)" in prob.message and f"{den} (10" in prob.message and "lớn hơn" in prob.message


def test_error_b_plus_c_above_a(tmp_path):
    p = write_csv(tmp_path / "bad.csv", [("GDTH", "2023-01", "docs_out_total", "100"),
                                          ("GDTH", "2023-01", "docs_out_electronic_only", "70"),
                                          ("GDTH", "2023-01", "docs_out_electronic_and_paper", "40")])
    prob = one_problem(p)
    assert (prob.file, prob.row, prob.column) == ("bad.csv", 3, "value")
    assert prob.message == ("GDTH 2023-01: docs_out_electronic_only (70) + docs_out_electronic_and_paper "
                            "(40, dòng 4) lớn hơn docs_out_total (100, dòng 2)")


def test_b_plus_c_equal_to_a_is_fine(tmp_path):
    p = write_csv(tmp_path / "ok.csv", [("GDTH", "2023-01", "docs_out_total", "100"),
                                         ("GDTH", "2023-01", "docs_out_electronic_only", "60"),
                                         ("GDTH", "2023-01", "docs_out_electronic_and_paper", "40")])
    assert len(load(p)) == 3


def test_error_on_time_tasks_above_done(tmp_path):
    p = write_csv(tmp_path / "bad.csv", [("GDTH", "2023-01", "city_tasks_assigned", "5"),
                                          ("GDTH", "2023-01", "city_tasks_done", "2"),
                                          ("GDTH", "2023-01", "city_tasks_done_on_time", "3")])
    prob = one_problem(p)
    assert (prob.file, prob.row, prob.column) == ("bad.csv", 4, "value")
    assert "city_tasks_done_on_time (3)" in prob.message and "city_tasks_done (2" in prob.message


def test_limits_checked_per_unit_and_month(tmp_path):
    """On-time in one month above resolved of another month is not a row error."""
    p = write_csv(tmp_path / "ok.csv", [("GDTH", "2023-01", "dossiers_resolved", "10"),
                                         ("GDTH", "2023-02", "dossiers_resolved_on_time", "8"),
                                         ("GDTH", "2023-02", "dossiers_resolved", "9"),
                                         ("GDTX", "2023-02", "dossiers_resolved_on_time", "3")])
    assert len(load(p)) == 4


def test_a_partial_month_is_missing_data_never_an_error(tmp_path):
    """March has on-time dossiers but no resolved figure: each row loads; the
    quarter's 3.4.2 is missing data naming March (v2, 3.2), not a refusal."""
    p = write_csv(tmp_path / "combo.csv", [("GDTH", "2023-01", "dossiers_resolved", "10"),
                                            ("GDTH", "2023-01", "dossiers_resolved_on_time", "9"),
                                            ("GDTH", "2023-03", "dossiers_resolved_on_time", "3")])
    ds = load(p)
    q1 = Period.parse("2023-Q1")
    own = score_unit(ds, CAT, REG.get("GDTH"), q1).get("3.4.2")
    assert own.status == "missing_data" and "tháng 3/2023" in own.outcome.detail
    assert own.outcome.missing == ("dossiers_resolved",)
    assert score_department(ds, CAT, q1, REG).get("3.4.2").status == "missing_data"  # nobody else sent it
    # January alone is complete
    assert score_unit(ds, CAT, REG.get("GDTH"), Period.parse("2023-01")).get("3.4.2").points == 0


def test_a_carry_over_pair_loads(tmp_path):
    """A complaint received in March and handled in April (v2, 3.3): both files load."""
    p = write_csv(tmp_path / "carry.csv", [("GDTH", "2023-03", "feedback_received", "1"),
                                           ("GDTH", "2023-03", "feedback_handled", "0"),
                                           ("GDTH", "2023-04", "feedback_received", "0"),
                                           ("GDTH", "2023-04", "feedback_handled", "1")])
    assert len(load(p)) == 4


def test_all_bad_rows_reported_nothing_returned(tmp_path):
    p = write_csv(tmp_path / "bad.csv", [
        ("VP", "2023-01", "hotline_posted", "có"),            # fine
        ("XX", "2023-01", "hotline_posted", "có"),            # 3: unit
        ("VP", "2023-13", "hotline_posted", "có"),            # 4: period
        ("VP", "2023-01", "no_such", "1"),                    # 5: indicator
        ("GDTH", "2023-01", "dossiers_resolved", "1.5"),      # 6: count
        ("VP", "2023-02", "hotline_posted", "hmm"),           # 7: bool
        ("VP", "2023-01", "hotline_posted", "không"),         # 8: duplicate of 2
        ("GDTH", "2023-02", "dossiers_received", "1"),        # fine alone
        ("GDTH", "2023-02", "dossiers_online_l34", "2"),      # 10: above 9
    ])
    with pytest.raises(DataError) as e:
        load(p)
    probs = e.value.problems
    assert [(x.row, x.column) for x in probs] == [(3, "unit"), (4, "period"), (5, "indicator"), (6, "value"),
                                                 (7, "value"), (8, probs[5].column), (10, "value")]
    assert all(x.file == "bad.csv" for x in probs)
    assert "và 6 lỗi khác" in str(e.value)
    lines = e.value.lines()
    assert lines[0].startswith("bad.csv, dòng 3, cột unit: ")


def test_one_row_with_several_problems_reports_each(tmp_path):
    p = write_csv(tmp_path / "bad.csv", [("XX", "2023-13", "nope", "1")])
    with pytest.raises(DataError) as e:
        load(p)
    assert [x.column for x in e.value.problems] == ["unit", "period", "indicator"]


def test_missing_file_and_wrong_suffix(tmp_path):
    with pytest.raises(DataError, match="không tìm thấy"):
        load(tmp_path / "none.csv")
    (tmp_path / "t.txt").write_text("x")
    with pytest.raises(DataError, match=r"\.txt"):
        load(tmp_path / "t.txt")


def test_not_utf8(tmp_path):
    p = tmp_path / "cp1258.csv"
    p.write_bytes("unit,period,indicator,value\nVP,2023-01,hotline_posted,có\n".encode("cp1258"))
    with pytest.raises(DataError, match="UTF-8"):
        load(p)
