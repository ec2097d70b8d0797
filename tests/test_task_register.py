"""The task register: the shipped sample, YAML and its Excel form round trip
(nothing lost), bad rows refused with located errors, and `cchc tasks`."""
from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from cchc_lib.cli.main import main
from cchc_lib.core.tasks import LATE, Occurrence, Register, Task, states_on
from cchc_lib.errors import DataError
from cchc_lib.intake.tasks import (MEETINGS_SHEET, OCC_SHEET, TASKS_SHEET, load_register, parse_register_yaml,
                                   read_register_xlsx, register_yaml, write_register_xlsx)
from scoring_helpers import CAT, REG, ROOT

SAMPLE = ROOT / "params" / "tasks.yaml"


@pytest.fixture(scope="module")
def register() -> Register:
    return load_register(SAMPLE, CAT, REG)


def test_the_sample_holds_the_plans_own_tasks(register):
    by_criterion = {t.criterion for t in register.tasks}
    assert {"3.1", "3.2", "3.3.2", "7.6.3", "7.6.4"} <= by_criterion  # control plan, review, procedures, ISO
    ids = {t.id for t in register.tasks}
    assert len(ids) == len(register.tasks)
    monthly = register.task("HOP-SK-THANG")
    quarterly = register.task("HOP-SK-QUY")
    assert (monthly.every, quarterly.every, monthly.section) == ("month", "quarter", "III")
    assert register.task("KH-DONVI").each_unit == ("phong", "truc_thuoc")  # each unit's own plan
    report = register.task("BC-NAM-DV")
    assert report.deadline == date(2023, 12, 14)  # "trước ngày 15/12"
    audit = register.task("ISO-DGNB")
    assert audit.criterion == "7.6.3" and audit.owner == "VP"
    assert register.task("ISO-VBQPPL").within_months == 3  # "chậm nhất là ba tháng kể từ khi ... có hiệu lực"
    assert register.task("ISO-DAOTAO").every == "year"
    assert len(register.meetings) >= 8 and register.decisions("SK-2023-08")
    assert all(d.owner and d.deadline for m in register.meetings for d in register.decisions(m.id))


def test_the_demo_has_its_own_copies(register):
    """The demo reads the register and official results beside its unit registry (demo/), never the
    department's params/; the shipped copies say the same."""
    from cchc_lib.core.units import load_registry
    from cchc_lib.intake.official import load_official

    demo_units = load_registry(ROOT / "demo" / "units.yaml", CAT.unit_kinds)
    assert load_register(ROOT / "demo" / "tasks.yaml", CAT, demo_units).same_content(register)
    demo_off = load_official(ROOT / "demo" / "official.yaml", CAT)
    assert demo_off.years == load_official(ROOT / "params" / "official.yaml", CAT).years


def test_sample_states_at_the_end_of_q3(register):
    states = {s.task.id: s for s in states_on(register, date(2023, 9, 30), REG)}
    assert states["HOP-SK-THANG"].state == LATE and [d.key for d in states["HOP-SK-THANG"].late] == ["2023-05"]
    assert states["SK-2023-08/1"].state == "due_today"
    assert states["ISO-DGNB"].state == LATE and states["ISO-DGNB"].days_late == 30
    assert states["KH-DONVI"].owners == ["GDTX", "THPT_THAIPHIEN"]


def test_excel_round_trip_loses_nothing(tmp_path, register):
    tricky = Task("X-1", '=HYPERLINK("http://x") <script>alert(1)</script>', "GDTRH", criterion="3.4.2",
                  co_owners=("VP", "KTKD"), deadline=date(2023, 5, 31), status="hoan_thanh", done=date(2023, 5, 30),
                  evidence="=1+1", note="Ghi chú; có dấu chấm phẩy\nvà xuống dòng")
    doc = Task("X-2", "Theo văn bản", "VP", section="II", every="document", within_months=2,
               occurrences=(Occurrence("Văn bản A, sửa đổi", None, date(2023, 6, 1), "", "đang làm"),))
    reg = replace(register, tasks=register.tasks + (tricky, doc))
    path = write_register_xlsx(tmp_path / "so.xlsx", reg, CAT, REG)
    back = read_register_xlsx(path, CAT, REG)
    assert back.same_content(reg)
    ws = openpyxl.load_workbook(path)[TASKS_SHEET]
    heads = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "X-1")
    cell = dict(zip(heads, row))
    assert cell["Tài liệu kiểm chứng"].data_type == "s" and cell["Tài liệu kiểm chứng"].value == "=1+1"
    assert cell["Tiêu chí"].value == "3.4.2"
    assert cell["Hạn"].is_date and cell["Đơn vị phối hợp"].value == "VP; KTKD"
    assert cell["Trạng thái"].value == "Hoàn thành"
    mt = openpyxl.load_workbook(path)[MEETINGS_SHEET]
    assert mt.max_row == len(reg.meetings) + 1


def test_yaml_round_trip(register):
    back = parse_register_yaml(register_yaml(register), "x.yaml", CAT, REG)
    assert back.same_content(register)


def _edit(path: Path, sheet: str, changes: dict[str, object]) -> Path:
    wb = openpyxl.load_workbook(path)
    for ref, value in changes.items():
        wb[sheet][ref] = value
    wb.save(path)
    return path


def test_bad_excel_rows_are_refused_with_their_cells(tmp_path, register):
    path = write_register_xlsx(tmp_path / "so.xlsx", register, CAT, REG)
    _edit(path, TASKS_SHEET, {"E2": "NOPE", "I3": "31/02/2023", "C4": "9.9", "H5": "thỉnh thoảng", "A6": "KSTTHC-KH"})
    _edit(path, OCC_SHEET, {"A2": "KHONG-CO"})
    with pytest.raises(DataError) as e:
        read_register_xlsx(path, CAT, REG)
    problems = e.value.problems
    where = {(p.sheet, p.cell) for p in problems}
    assert {(TASKS_SHEET, "E2"), (TASKS_SHEET, "I3"), (TASKS_SHEET, "C4"), (TASKS_SHEET, "H5"),
            (TASKS_SHEET, "A6"), (OCC_SHEET, "A2")} <= where
    text = "\n".join(e.value.lines())
    assert "đơn vị không có trong danh mục: 'NOPE'" in text
    assert "'31/02/2023' không phải ngày" in text
    assert "tiêu chí không có trong danh mục: '9.9'" in text
    assert "mã nhiệm vụ KSTTHC-KH bị trùng" in text
    assert "nhiệm vụ không có trong sổ: 'KHONG-CO'" in text
    one = str(next(p for p in problems if p.cell == "E2"))
    assert one.startswith("so.xlsx, trang tính Nhiệm vụ, ô E2, dòng 2, cột Đơn vị chủ trì: ")


def test_a_formula_is_refused_with_its_cell(tmp_path, register):
    path = _edit(write_register_xlsx(tmp_path / "so.xlsx", register, CAT, REG), TASKS_SHEET, {"I2": "=DATE(2023,2,28)"})
    with pytest.raises(DataError) as e:
        read_register_xlsx(path, CAT, REG)
    p = e.value.problems[0]
    assert (p.sheet, p.cell, p.column) == (TASKS_SHEET, "I2", "Hạn") and "không đọc được" in p.message


def test_an_added_column_is_refused_not_dropped(tmp_path, register):
    path = _edit(write_register_xlsx(tmp_path / "so.xlsx", register, CAT, REG), TASKS_SHEET, {"R1": "Người theo dõi"})
    with pytest.raises(DataError, match="cột không thuộc biểu: 'Người theo dõi'"):
        read_register_xlsx(path, CAT, REG)


YAML_BAD = """year: 2023
tasks:
  - id: A
    task: Việc A
    criterion: "3.1"
    owner: NOPE
    deadline: 2023-02-30
  - id: B
    task: Việc B
    section: III
    owner: VP
    every: month
    deadline: 2023-02-01
    occurrences:
      - {of: 2023-13, done: 2023-02-01}
meetings:
  - id: M1
    date: 2023-02-01
    reviews: 2023-01
    fulfils: A
"""


def test_bad_yaml_is_refused_with_lines_and_keys():
    with pytest.raises(DataError) as e:
        parse_register_yaml(YAML_BAD, "tasks.yaml", CAT, REG)
    got = {(p.row, p.column) for p in e.value.problems}
    assert (6, "owner") in got and (7, "deadline") in got and (13, "deadline") in got
    assert (15, "of") in got and (20, "fulfils") in got
    assert str(e.value.problems[0]).startswith("tasks.yaml, dòng ")


def test_cli_tasks_period_late_and_unit(tmp_path, capsys):
    assert main(["tasks", "--period", "2023-Q3"]) == 0
    out = capsys.readouterr().out
    assert "tình hình ngày 30/09/2023 (quý III/2023)" in out and "Quá hạn: 12" in out
    assert out.index("QUÁ HẠN") < out.index("ĐẾN HẠN HÔM NAY")
    assert "Sau kỳ họp SK-2023-09 (27/09/2023, sơ kết tháng 9/2023)" in out
    assert main(["tasks", "--period", "2023-Q3", "--late", "--unit", "GDTRH"]) == 0
    out = capsys.readouterr().out
    assert "SK-2023-07/2" in out and "ISO-100" not in out and "HOÀN THÀNH" not in out
    assert main(["tasks", "--on", "2023-03-01", "--late"]) == 0
    assert "NIEMYET-CCVC" in capsys.readouterr().out


@pytest.mark.parametrize("args, words", [
    (["tasks", "--unit", "NOPE"], "đơn vị không có trong danh mục: 'NOPE'"),
    (["tasks", "--on", "30/09/2023"], "ngày không hợp lệ"),
    (["tasks", "--period", "2023-Q5"], "kỳ không hợp lệ"),
    (["tasks", "--tasks", "khong_co.yaml"], "khong_co.yaml: không tìm thấy sổ nhiệm vụ"),
])
def test_cli_tasks_errors_are_one_line(capsys, args, words):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and err.startswith("lỗi: ")


def test_cli_form_then_import_round_trip_and_bad_import_writes_nothing(tmp_path, capsys, register):
    form = tmp_path / "so.xlsx"
    assert main(["tasks", "--form", str(form)]) == 0
    target = tmp_path / "tasks.yaml"
    assert main(["tasks", "--import", str(form), "--tasks", str(target)]) == 0
    assert load_register(target, CAT, REG).same_content(register)
    before = target.read_bytes()
    _edit(form, TASKS_SHEET, {"E2": "NOPE"})
    capsys.readouterr()
    assert main(["tasks", "--import", str(form), "--tasks", str(target)]) == 2
    err = capsys.readouterr().err
    assert "ô E2" in err and "NOPE" in err and err.count("\n") == 1
    assert target.read_bytes() == before
    shutil.rmtree(tmp_path)
