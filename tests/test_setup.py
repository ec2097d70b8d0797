"""Setting up for real work: `cchc init`, the demo apart from the
department's data, the reporting cut-off, forgiving unit codes, Vietnamese
command-line messages, status and history in names, the blank form."""
from __future__ import annotations

import argparse
import json
import sqlite3
from datetime import date, datetime, timedelta, timezone

import openpyxl
import pytest

from cchc_lib import project
from cchc_lib.cli import commands
from cchc_lib.cli.main import build_parser, main, parse_args
from cchc_lib.core.deadlines import Cutoff, Deadlines, load_cutoff, load_deadlines, parse_deadlines
from cchc_lib.core.organisation import load_organisation
from cchc_lib.core.periods import parse_period
from cchc_lib.errors import CatalogueError, UsageError
from cchc_lib.intake.forms import SHEET
from cchc_lib.intake.ingest import BLANK_FORM, STORED
from cchc_lib.store.db import Store
from cchc_lib.store.status import EMPTY, reporting_status

from intake_helpers import CAT, REG, ROOT, fill, filled_form, rows_by_key, run_ingest, template

VN = timezone(timedelta(hours=7))
TEMPLATES = ROOT / "cchc_lib" / "data" / "init"


@pytest.fixture
def department(tmp_path, monkeypatch):
    """A folder made ready by `cchc init`, as the working directory."""
    folder = tmp_path / "so_gddt"
    text = commands.init(folder, today=date(2023, 4, 2))
    monkeypatch.chdir(folder)
    monkeypatch.delenv("CCHC_PROJECT", raising=False)
    return folder, text


# --- cchc init ------------------------------------------------------------------------------

def test_init_on_an_empty_folder(department):
    folder, text = department
    for name in ("units.yaml", "organisation.yaml", "deadlines.yaml", "reporting.yaml"):
        assert (folder / "params" / name).read_bytes() == (TEMPLATES / name).read_bytes()
        assert f"params/{name}" in text
    assert text.count("đã tạo") == 5 and "đã có" not in text
    db = folder / "data" / "cchc.sqlite"
    with Store(db, create=False) as s:  # an empty database with its schema
        assert s.counts() == {"files": 0, "submissions": 0, "submission_values": 0} and s.schema_version >= 1
    # the files it wrote are valid, and the project is found from inside the folder
    assert project.project_root() == folder.resolve()
    assert [u.code for u in commands.load_setup()[1]] == ["VP", "TTR", "TCCB", "KHTC", "GDTRH", "THPT_NGOQUYEN"]
    assert load_cutoff(folder) == Cutoff(14) and load_organisation(folder).name == "Sở Giáo dục và Đào tạo Hải Phòng"
    assert load_deadlines(root=folder).annual(2023) == date(2023, 12, 15)
    # the next steps, as commands for last month, in the order of the monthly cycle
    steps = [line.strip() for line in text.splitlines() if " template " in line or " ingest " in line
             or " status " in line or " render " in line]
    assert [s.split()[1] for s in steps] == ["template", "ingest", "status", "render"]
    assert "--month 2023-03 -o bieu_mau/2023-03/" in steps[0] and steps[3].endswith("render --period 2023-03")


def test_init_keeps_what_exists(department):
    folder, _ = department
    units = folder / "params" / "units.yaml"
    mine = "units:\n  - {code: VP, name: \"Văn phòng Sở\", kind: van_phong}\n  - {code: TRUONG_A, name: \"Trường A\", kind: truc_thuoc}\n"
    units.write_text(mine, encoding="utf-8")
    (folder / "params" / "deadlines.yaml").unlink()
    run_ingest([filled_form(folder, "VP", "2023-03")], folder / "data" / "cchc.sqlite")
    before = (folder / "data" / "cchc.sqlite").read_bytes()
    text = commands.init()
    assert units.read_text(encoding="utf-8") == mine  # never overwritten
    assert (folder / "params" / "deadlines.yaml").is_file()  # the missing one is written again
    assert text.count("đã có, giữ nguyên") == 4 and "params/deadlines.yaml     đã tạo" in text
    assert "(1 tệp đã nạp)" in text and "Danh mục hiện có 2 đơn vị" in text
    assert (folder / "data" / "cchc.sqlite").read_bytes() == before


def test_init_refuses_a_broken_params_file_naming_it(department):
    folder, _ = department
    (folder / "params" / "reporting.yaml").write_text("cutoff_day: 31\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as e:
        commands.init()
    assert "reporting.yaml" in str(e.value) and "1 đến 28 hoặc end_of_month" in str(e.value)


def test_a_real_department_month_in_its_own_folder(department):
    """The README's path: init, own units, the month's forms, ingest, status."""
    folder, _ = department
    (folder / "params" / "units.yaml").write_text(
        "units:\n  - {code: VP, name: \"Văn phòng Sở\", kind: van_phong}\n"
        "  - {code: GDTRH, name: \"Phòng Giáo dục Trung học\", kind: phong}\n", encoding="utf-8")
    (folder / "params" / "organisation.yaml").write_text("name: Sở Giáo dục và Đào tạo Thái Bình\n", encoding="utf-8")
    assert "Đã ghi 2 biểu mẫu tháng 3/2023" in commands.template("T3/2023", all_units=True, out="bieu_mau/2023-03")
    form = folder / "bieu_mau" / "2023-03" / "CCHC_GDTRH_2023-03.xlsx"
    ws = openpyxl.load_workbook(form)[SHEET]
    assert ws["A1"].value == "SỞ GIÁO DỤC VÀ ĐÀO TẠO THÁI BÌNH"
    assert ws["C6"].value == "(Tháng 3/2023: số liệu từ 15/02/2023 đến 14/03/2023)"
    fill(form, {"dossiers_resolved": 10, "dossiers_resolved_on_time": 10})
    out = commands.ingest([form], by="Lan", at="2023-04-03T09:30")
    assert "đã lưu 2 giá trị" in out
    text = commands.status("tháng 3/2023")
    assert "Phòng Giáo dục Trung học" in text and "✓ 03/04" in text
    assert "Văn phòng Sở, tháng 3/2023 (hạn 05/04/2023)" in text  # not sent, overdue
    assert json.loads(commands.score(None, "2023-03", "gdtrh", "json"))["unit"] == "GDTRH"  # this folder's database


def test_reading_the_project_database_before_init_says_how(tmp_path, monkeypatch):
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "units.yaml").write_bytes((TEMPLATES / "units.yaml").read_bytes())
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CCHC_PROJECT", raising=False)
    for call in (lambda: commands.score(None, "2023-Q1"), lambda: commands.status("2023-Q1"),
                 lambda: commands.render(periods=["2023-Q1"])):
        with pytest.raises(UsageError) as e:
            call()
        assert str(e.value).startswith("chưa có cơ sở dữ liệu data/cchc.sqlite: tạo cơ sở dữ liệu trống bằng ")
        assert " init, rồi nạp biểu mẫu bằng " in str(e.value)
    from cchc_lib import reports

    with pytest.raises(UsageError) as e:  # a notebook opened in JupyterLab, `data` left empty
        reports.open_context()
    assert str(e.value).startswith("chưa có cơ sở dữ liệu ") and "cchc init" in str(e.value)
    assert 'data = "data/sample.sqlite", units = "demo/units.yaml"' in str(e.value)
    assert not (tmp_path / "data").exists()  # nothing made behind the user's back (no sample data)


# --- the reporting cut-off -------------------------------------------------------------------

@pytest.mark.parametrize("cutoff,period,start,end", [
    (14, "2023-03", date(2023, 2, 15), date(2023, 3, 14)),
    (14, "2023-01", date(2022, 12, 15), date(2023, 1, 14)),
    (14, "2023-Q1", date(2022, 12, 15), date(2023, 3, 14)),
    (14, "2023-H2", date(2023, 6, 15), date(2023, 12, 14)),
    (14, "2023", date(2022, 12, 15), date(2023, 12, 14)),
    (28, "2023-03", date(2023, 3, 1), date(2023, 3, 28)),  # February's 28th: the cut-off before March
    (None, "2023-02", date(2023, 2, 1), date(2023, 2, 28)),  # end_of_month: calendar months
    (None, "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    (None, "2023", date(2023, 1, 1), date(2023, 12, 31)),
])
def test_cutoff_month_span(cutoff, period, start, end):
    assert Cutoff(cutoff).month_span(parse_period(period)) == (start, end)


def test_cutoff_setting_and_the_annual_deadline(tmp_path):
    assert Cutoff().label(parse_period("2023-03")) == "số liệu từ 15/02/2023 đến 14/03/2023"
    assert load_cutoff(tmp_path) == Cutoff(14)  # no file: the Decree's 14th
    (tmp_path / "params").mkdir()
    setting = tmp_path / "params" / "reporting.yaml"
    setting.write_text("cutoff_day: end_of_month\n", encoding="utf-8")
    assert load_cutoff(tmp_path) == Cutoff(None)
    # the year's deadline follows the cut-off: the day after the year's last one
    assert load_deadlines(root=tmp_path).annual(2023) == date(2024, 1, 1)
    setting.write_text("cutoff_day: 10\n", encoding="utf-8")
    assert load_deadlines(root=tmp_path).annual(2023) == date(2023, 12, 11)
    fixed = parse_deadlines({"annual_report": {"month": 12, "day": 5}}, "x", Cutoff(10))
    assert fixed.annual(2023) == date(2023, 12, 5)  # set explicitly: kept
    assert Deadlines().annual_text(2023).endswith("(trước ngày 15/12/2023)")
    for bad, why in (("cutoff_day: 0\n", "1 đến 28"), ("cutoff_day: cuối quý\n", "1 đến 28"),
                     ("cut_off: 14\n", "khóa không hỗ trợ: cut_off"), ("cutoff_day: [\n", "YAML")):
        setting.write_text(bad, encoding="utf-8")
        with pytest.raises(CatalogueError) as e:
            load_cutoff(tmp_path)
        assert "reporting.yaml" in str(e.value) and why in str(e.value)
    with pytest.raises(CatalogueError):
        parse_deadlines({"annual_report": {"month": 12}}, "deadlines.yaml")


def test_reports_carry_the_dates_their_figures_cover(tmp_path, monkeypatch):
    from cchc_lib import reports
    from cchc_lib.reports import views

    from scoring_helpers import write_sample

    data = write_sample(tmp_path / "sample.csv")
    ctx = reports.open_context(data, "", ROOT / "params" / "units.yaml")
    rep = reports.unit_report(ctx, "GDTRH", "2023-Q3")
    assert rep.data_dates == "số liệu từ 15/06/2023 đến 14/09/2023"
    dept = reports.department_report(ctx, "2023")
    assert dept.data_dates == "số liệu từ 15/12/2022 đến 14/12/2023"
    assert "số liệu từ 15/06/2023 đến 14/09/2023" in views.title(rep)
    assert "số liệu từ 15/12/2022 đến 14/12/2023" in views.provenance(dept)


# --- unit codes as people type them ---------------------------------------------------------

@pytest.mark.parametrize("typed,meant", [("gdtrh", "GDTRH"), (" Vp ", "VP"), ("thpt_ngoquyen", "THPT_NGOQUYEN")])
def test_unit_codes_in_any_case(typed, meant):
    assert REG.resolve(typed).code == meant


@pytest.mark.parametrize("typed,suggestion", [
    ("GDTRHH", "Có phải GDTRH?"), ("GDTHR", "GDTRH"), ("THPT_NGOQUEN", "Có phải THPT_NGOQUYEN"),
    ("TCBB", "Có phải TCCB?"),
])
def test_an_unknown_unit_suggests_the_nearest_codes(typed, suggestion):
    with pytest.raises(UsageError) as e:
        REG.resolve(typed)
    assert str(e.value).startswith(f"đơn vị không có trong danh mục: '{typed}'. ") and suggestion in str(e.value)


def test_an_unknown_unit_with_nothing_near_lists_the_codes():
    with pytest.raises(UsageError) as e:
        REG.resolve("XYZ")
    assert "Có phải" not in str(e.value) and "Các mã trong danh mục: VP, TTR" in str(e.value)


def test_commands_take_unit_codes_in_any_case(tmp_path):
    db = tmp_path / "cchc.sqlite"
    run_ingest([filled_form(tmp_path, "GDTRH", "2023-03")], db)
    assert "Lịch sử số liệu: GDTRH — Phòng Giáo dục Trung học, tháng 3/2023" in commands.show_history("gdtrh", "T3/2023", db)
    assert json.loads(commands.score(db, "Q1/2023", "gdtrh", "json"))["unit"] == "GDTRH"
    with pytest.raises(UsageError, match="Có phải GDTRH"):
        commands.score(db, "2023-Q1", "GDTRHH")
    with pytest.raises(UsageError, match="Có phải GDTRH"):
        commands.template("2023-03", unit="gdtrhh", out=tmp_path / "x.xlsx")


# --- Vietnamese on the command line ---------------------------------------------------------

ENGLISH = ("usage", "error", "required", "argument", "invalid", "choose from", "show this help", "options:",
           "positional", "No such file", "sheet")


@pytest.mark.parametrize("argv,says", [
    (["score"], "lỗi: thiếu tham số bắt buộc: --period"),
    (["score", "--period", "2023", "--format", "xml"], "lỗi: --format: không có lựa chọn 'xml' (chọn một trong: "),
    (["scor"], "Có phải score?"),
    (["render", "--period", "2023", "-j", "hai"], "lỗi: -j/--jobs: giá trị không hợp lệ: 'hai'"),
    (["status", "--period"], "lỗi: --period: cần một giá trị"),
    (["history", "--unit", "VP", "--thang", "3"], "lỗi: tham số không nhận ra: --thang 3"),
    ([], "lỗi: thiếu tham số bắt buộc: LỆNH"),
])
def test_argparse_errors_in_vietnamese_with_an_example(argv, says, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("Cách dùng: ") and says in err
    assert "\nVí dụ: " in err and "--help" in err
    assert err.count("lỗi: ") == 1  # one error line, once
    low = err.lower()
    assert not [w for w in ENGLISH if w.lower() in low], err
    assert argparse._("usage: ") == "usage: "  # argparse is left as it was


@pytest.mark.parametrize("command", ["init", "criteria", "score", "template", "ingest", "history", "export", "status",
                                     "render", "demo", "sample-data"])
def test_every_command_s_help_is_vietnamese_with_examples(command, capsys):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("Cách dùng: ") and "\nVí dụ:\n  " in out and "in hướng dẫn này rồi thoát" in out
    examples = out[out.index("Ví dụ:"):].splitlines()[1:]
    assert examples and all(line.split()[1] == command for line in examples if line.strip())
    low = out.lower()
    assert not [w for w in ENGLISH if w.lower() in low], out


def test_version_and_db_everywhere(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.strip() == f"cchc {project.VERSION}"
    # --db wherever a database is read, score and render too (the same default: data/cchc.sqlite)
    for argv, field in ((["score", "--db", "x.sqlite", "--period", "2023"], "data"),
                        (["render", "--db", "x.sqlite", "--period", "2023"], "data"),
                        (["status", "--db", "x.sqlite", "--period", "2023"], "db"),
                        (["history", "--db", "x.sqlite", "--unit", "VP"], "db"),
                        (["export", "--db", "x.sqlite", "--period", "2023", "-o", "x.csv"], "db"),
                        (["ingest", "--db", "x.sqlite", "f.xlsx"], "db")):
        assert getattr(parse_args(argv), field) == "x.sqlite"
    assert parse_args(["score", "--period", "2023"]).data is None  # → data/cchc.sqlite
    assert isinstance(build_parser(), argparse.ArgumentParser)


def test_an_unreadable_file_is_one_vietnamese_line(tmp_path, capsys):
    code = main(["ingest", str(tmp_path / "khong_co.xlsx"), "--db", str(tmp_path / "x.sqlite")])
    out, err = capsys.readouterr()
    assert code == 2
    assert out.strip() == "khong_co.xlsx: BỊ TỪ CHỐI, 1 lỗi, không lưu gì"
    assert err.strip() == f"lỗi: {tmp_path / 'khong_co.xlsx'}: không đọc được tệp: không tìm thấy tệp"
    assert not (tmp_path / "x.sqlite").exists()


def test_a_bad_form_cell_names_the_sheet_in_vietnamese(tmp_path, capsys):
    bad = filled_form(tmp_path, "VP", "2023-04", name="bad.xlsx")
    rows = rows_by_key(openpyxl.load_workbook(bad)[SHEET])
    fill(bad, {}, cells={f"D{rows['hotline_posted']}": "hmm"})
    assert main(["ingest", str(bad), "--db", str(tmp_path / "x.sqlite")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"lỗi: bad.xlsx, trang tính {SHEET}, ô D{rows['hotline_posted']}: ") and "sheet" not in err


# --- the blank form, status and history in names ---------------------------------------------

def test_a_form_with_no_figure_is_stored_as_blank_and_shown(tmp_path):
    db = tmp_path / "cchc.sqlite"
    blank = template(tmp_path / "CCHC_GDTRH_2023-03.xlsx", "GDTRH", "2023-03")
    r = run_ingest([blank], db, received_at=datetime(2023, 4, 2, 9, 0, tzinfo=VN)).results[0]
    assert r.state == BLANK_FORM and r.values == 0
    assert r.message.startswith("CCHC_GDTRH_2023-03.xlsx: CẢNH BÁO: biểu mẫu không có số liệu nào;")
    assert "nộp biểu trống" in r.message
    with Store(db, create=False) as s:
        assert s.counts() == {"files": 1, "submissions": 1, "submission_values": 0}
    row = reporting_status(db, REG, "2023-03", CAT).row("GDTRH", parse_period("2023-03"))
    assert row.state == EMPTY and row.submitted_at == datetime(2023, 4, 2, 9, 0, tzinfo=VN)
    text = commands.status("2023-03", db)
    line = next(x for x in text.splitlines() if x.startswith("Phòng Giáo dục Trung học "))
    assert "∅ 02/04" in line and "nộp biểu trống: 1" in text
    assert "Cảnh báo — nộp biểu trống" in text and "Phòng Giáo dục Trung học, tháng 3/2023: nhận 02/04/2023 09:00" in text
    assert "Đã gửi nhưng còn thiếu số liệu" not in text
    history = commands.show_history("GDTRH", "2023-03", db)
    assert "nộp biểu trống, không có số liệu nào" in history
    # the figures come later (after the deadline): the month is late, no longer blank
    full = filled_form(tmp_path, "GDTRH", "2023-03", name="full.xlsx")
    assert run_ingest([full], db, received_at=datetime(2023, 4, 8, 10, 0, tzinfo=VN)).results[0].state == STORED
    row = reporting_status(db, REG, "2023-03", CAT).row("GDTRH", parse_period("2023-03"))
    assert row.state == "late" and row.versions == 2 and row.corrected_at is None  # figures once: no correction


def test_history_shows_names_and_correction_dates(tmp_path):
    db = tmp_path / "cchc.sqlite"
    first = filled_form(tmp_path, "VP", "2023-06")
    run_ingest([first], db, by="An", received_at=datetime(2023, 7, 3, 8, 0, tzinfo=VN))
    fixed = filled_form(tmp_path, "VP", "2023-06", {"portal_news_posts": 99}, name="sua.xlsx")
    run_ingest([fixed], db, by="Bình", received_at=datetime(2023, 7, 11, 15, 30, tzinfo=VN))
    text = commands.show_history("vp", "2023-06", db)
    assert "Tháng 6/2023 — 2 phiên bản (gửi lại 1 lần)" in text
    assert "Lần 1: gửi 03/07/2023 08:00, người nạp: An" in text
    assert "Lần 2: gửi lại (sửa) ngày 11/07/2023 15:30, người nạp: Bình" in text
    label = CAT.indicators["portal_news_posts"].label
    change = next(x for x in text.splitlines() if x.strip().startswith(label))
    assert change.strip().endswith("→ 99") and "portal_news_posts" not in text  # names, not codes
    status = commands.status("2023-06", db)
    assert "Văn phòng Sở, tháng 6/2023: gửi lần đầu 03/07/2023, gửi lại gần nhất 11/07/2023 15:30 (2 lần gửi)" in status
    assert not any(i in status for i in CAT.indicators)  # indicator names in the gaps list, not ids


# --- the demo apart from the department's data -----------------------------------------------

@pytest.mark.slow
def test_demo_never_touches_the_department_s_data(tmp_path, monkeypatch):
    folder = tmp_path / "so"
    commands.init(folder, today=date(2023, 4, 2))
    db = folder / "data" / "cchc.sqlite"
    run_ingest([filled_form(tmp_path, "VP", "2023-03")], db)
    (folder / "params" / "units.yaml").write_text(  # the department's own units: not the demo's
        "units:\n  - {code: VP, name: \"Văn phòng Sở\", kind: van_phong}\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in (folder / "params").iterdir()} | {db: db.read_bytes()}
    monkeypatch.setenv("CCHC_CHROMIUM", str(tmp_path / "no-browser"))  # HTML only: quicker
    monkeypatch.chdir(folder)
    text = commands.demo(root=folder, progress=False)
    assert getattr(text, "exit_code", 0) == 0, text
    assert {p: p.read_bytes() for p in before} == before  # the department's params and database as they were
    assert sorted(p.name for p in (folder / "data").iterdir() if not p.name.startswith("cchc.sqlite")) == \
        ["sample.sqlite"] + sorted(p.name for p in (folder / "data").iterdir() if p.name.startswith("sample.sqlite-"))
    assert [p.name for p in (folder / "output").iterdir()] == ["demo"]
    assert (folder / "output" / "demo" / "index.html").is_file()
    assert len(list((folder / "output" / "demo" / "2023-Q3").glob("*.html"))) == 14  # the demo's 13 units + Sở
    with sqlite3.connect(folder / "data" / "sample.sqlite") as con:
        assert con.execute("SELECT count(DISTINCT unit) FROM submissions").fetchone()[0] == 13
    assert "--db data/sample.sqlite --units " in text and " status --period 2023-Q3 " in text
    # the hints work as printed
    units = text.split("--units ")[1].split()[0]
    assert "Tình hình gửi số liệu CCHC — Quý III/2023" in commands.status("2023-Q3", "data/sample.sqlite",
                                                                          units=units)


def test_readme_names_only_files_a_clone_has():
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#]+)\)", text)
    paths = re.findall(r"`((?:cchc_lib|notebooks|demo|scripts|bench|tests|\.ci)/[^`\s|*<]*)`", text)
    paths += re.findall(r"\b((?:cchc_lib|notebooks|demo|scripts|bench)/[\w./-]+\.(?:py|yaml|ipynb|sh))\b", text)
    assert paths and not [p for p in links if not p.startswith("http")], links
    missing = sorted({p for p in paths if not (ROOT / p.rstrip(".,:")).exists()})
    assert not missing, missing
    assert "shared/" not in text  # the project's spec folder is not in a clone
    for name in ("units.yaml", "deadlines.yaml"):  # what a clone ships in params/: the same as cchc init writes,
        assert (ROOT / "params" / name).is_file()  # units apart (the Hai Phong department's list)
    assert (ROOT / "params" / "deadlines.yaml").read_bytes() == (TEMPLATES / "deadlines.yaml").read_bytes()


def test_a_unit_that_sent_a_blank_form_reads_so_in_its_report(tmp_path):
    from cchc_lib import reports
    from cchc_lib.reports import views

    db = tmp_path / "cchc.sqlite"
    run_ingest([template(tmp_path / "blank.xlsx", "GDTRH", "2023-03"), filled_form(tmp_path, "VP", "2023-03")], db,
               received_at=datetime(2023, 4, 2, 9, 0, tzinfo=VN))
    ctx = reports.open_context(db, "", ROOT / "params" / "units.yaml")
    rep = reports.unit_report(ctx, "GDTRH", "2023-03")
    assert rep.headline["percent_text"] == "nộp biểu trống" and rep.figures["blank_form"] is True
    assert rep.commentary.summary.startswith("Phòng Giáo dục Trung học nộp biểu trống (biểu không có số liệu nào) "
                                             "cho tháng 3/2023")
    other = reports.unit_report(ctx, "GDTH", "2023-03")  # sent nothing at all
    assert other.headline["percent_text"] == "chưa gửi số liệu" and other.figures["blank_form"] is False
    dept = reports.department_report(ctx, "2023-03")
    panel = views.status_panel(dept)
    # one row per unit: not sent, blank form, late (the months in each column)
    assert "Nộp biểu trống: 1" in panel and "<th>Nộp biểu trống</th>" in panel
    assert "<tr><td>Phòng Giáo dục Trung học</td><td>–</td><td>tháng 3</td>" in panel
