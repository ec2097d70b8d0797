"""Ingestion into a real SQLite file: forms and long tables, refusals that
change nothing, resubmission, history, idempotence, export round trip, a
killed process, two ingests at once, and the CLI's exit codes."""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import openpyxl
import pytest

from cchc_lib.cli import commands
from cchc_lib.intake.long_table import write_long_table
from cchc_lib.intake.forms import SHEET
from cchc_lib.store.history import history
from cchc_lib.intake.ingest import DUPLICATE, REFUSED, STORED, UNCHANGED
from cchc_lib.core.dataset import Observation
from cchc_lib.intake.long_table import read_rows
from cchc_lib.store.db import Store, StoredValue, encode

from intake_helpers import (CAT, REG, _SAMPLE, cli, db_bytes, figures, fill, filled_form, month, popen,
                            rows_by_key, run_ingest, template)


def _score(data, period, unit):
    return json.loads(commands.score(data, period, unit, "json"))


def _csv(path: Path, rows) -> Path:
    path.write_text("unit,period,indicator,value\n" + "".join(",".join(map(str, r)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def _values(db, unit, m):
    with Store(db, create=False) as s:
        return {k[2]: v.value for k, v in s.current(unit, [month(m)]).items()}


def test_template_fill_ingest_score_two_units(tmp_path):
    db = tmp_path / "cchc.sqlite"
    files = [filled_form(tmp_path, u, m) for u in ("VP", "GDTRH") for m in ("2023-07", "2023-08", "2023-09")]
    report = run_ingest(files, db)
    assert [r.state for r in report.results] == [STORED] * 6, report.summary()
    # the same figures as a long table score the same
    obs = [o for o in _SAMPLE if o.unit in ("VP", "GDTRH") and o.month.index in (7, 8, 9)]
    table = write_long_table(tmp_path / "same.csv", CAT, obs)
    for unit in ("VP", "GDTRH", None):
        assert _score(db, "2023-Q3", unit) == _score(table, "2023-Q3", unit)
    with Store(db, create=False) as s:
        assert s.counts() == {"files": 6, "submissions": 6, "submission_values": len(obs)}
        assert {f.kind for f in s.files()} == {"form"} and s.files()[0].submitted_by == "test"


def test_refused_form_leaves_database_byte_for_byte(tmp_path):
    db = tmp_path / "cchc.sqlite"
    run_ingest([filled_form(tmp_path, "VP", "2023-03")], db)
    before = db_bytes(db)
    bad = filled_form(tmp_path, "VP", "2023-04", name="bad.xlsx")
    rows = rows_by_key(openpyxl.load_workbook(bad)[SHEET])
    fill(bad, {}, cells={"B6": "2023-4", f"D{rows['procedures_total']}": -2})
    report = run_ingest([bad], db)
    assert report.results[0].state == REFUSED and len(report.results[0].problems) == 2
    assert db_bytes(db) == before


def test_refused_tables_each_located_and_database_unchanged(tmp_path):
    db = tmp_path / "cchc.sqlite"
    run_ingest([filled_form(tmp_path, "TTR", "2023-03")], db)
    before = db_bytes(db)
    cases = {
        "unit": ([("XX", "2023-03", "procedures_total", 3)], "unit", "đơn vị không có trong danh mục"),
        "period": ([("VP", "2023-13", "procedures_total", 3)], "period", "kỳ không hợp lệ"),
        "indicator": ([("VP", "2023-03", "khong_co", 3)], "indicator", "chỉ số không tồn tại"),
        "count": ([("VP", "2023-03", "procedures_total", "12.5")], "value", "không phải số nguyên"),
        "bool": ([("VP", "2023-03", "hotline_posted", "maybe")], "value", "Có/Không"),
        "duplicate": ([("VP", "2023-03", "procedures_total", 3), ("VP", "2023-03", "procedures_total", 4)],
                      "indicator", "trùng với dòng 2"),
        "limit": ([("VP", "2023-03", "dossiers_resolved", 2), ("VP", "2023-03", "dossiers_returned_bcci", 3)],
                  "value", "lớn hơn dossiers_resolved"),
    }
    for name, (rows, column, words) in cases.items():
        path = _csv(tmp_path / f"{name}.csv", [("VP", "2023-03", "procedures_total", 7)] + rows)
        result = run_ingest([path], db).results[0]
        assert result.state == REFUSED, name
        p = result.problems[0]
        assert p.file == path.name and p.column == column and p.row >= 2 and words in p.message, (name, p)
        assert db_bytes(db) == before, name
    # XLSX long table: the cell is named too
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(["unit", "period", "indicator", "value"])
    ws.append(["VP", "2023-03", "procedures_total", -5])
    wb.save(tmp_path / "bad.xlsx")
    p = run_ingest([tmp_path / "bad.xlsx"], db).results[0].problems[0]
    assert (p.sheet, p.cell, p.row) == ("data", "D2", 2) and "số âm" in p.message
    assert db_bytes(db) == before


def test_refused_first_file_creates_no_database(tmp_path):
    db = tmp_path / "new.sqlite"
    report = run_ingest([_csv(tmp_path / "bad.csv", [("VP", "2023-03", "procedures_total", -1)])], db)
    assert not report.ok and not db.exists()


def test_resubmission_history_and_idempotence(tmp_path):
    db = tmp_path / "cchc.sqlite"
    first = filled_form(tmp_path, "GDTH", "2023-06")
    right = figures("GDTH", "2023-06")
    assert run_ingest([first], db, by="an").results[0].state == STORED
    again = run_ingest([first], db)
    assert again.results[0].state == DUPLICATE and "đã được nạp" in again.results[0].message
    fixed = filled_form(tmp_path, "GDTH", "2023-06", {"portal_news_posts": right["portal_news_posts"] + 7}, name="fix.xlsx")
    r = run_ingest([fixed], db, by="binh").results[0]
    assert r.state == STORED and "1 giá trị thay cho số liệu gửi trước" in r.message
    assert _values(db, "GDTH", "2023-06")["portal_news_posts"] == right["portal_news_posts"] + 7
    # a partial resubmission replaces only what it contains (per indicator)
    part = _csv(tmp_path / "part.csv", [("GDTH", "2023-06", "portal_news_posts", right["portal_news_posts"])])
    assert run_ingest([part], db).results[0].state == STORED
    current = _values(db, "GDTH", "2023-06")
    assert current == {k: encode(v) for k, v in right.items()}  # as stored: 0/1, 2 for "không phát sinh"
    with Store(db, create=False) as s:
        versions = history(s, "GDTH", month("2023-06"))[month("2023-06")]
        assert [v.submission.file.submitted_by for v in versions] == ["an", "binh", "test"]
        assert [len(v.changes) for v in versions[1:]] == [1, 1]
        assert versions[1].changes[0].old.value == right["portal_news_posts"]
        assert s.counts()["submissions"] == 3  # every version kept
    text = commands.show_history("GDTH", "2023-06", db)
    assert "3 phiên bản" in text and f"{right['portal_news_posts']} → {right['portal_news_posts'] + 7}" in text
    # the same values in another file: nothing new
    assert run_ingest([part], db).results[0].state == DUPLICATE
    same = tmp_path / "same.csv"  # other bytes (separator), same values
    same.write_text(f"unit;period;indicator;value\nGDTH;2023-06;portal_news_posts;{right['portal_news_posts']}\n",
                    encoding="utf-8")
    assert run_ingest([same], db).results[0].state == UNCHANGED


def test_several_files_each_on_its_own(tmp_path):
    db = tmp_path / "cchc.sqlite"
    good = filled_form(tmp_path, "KTKD", "2023-01")
    bad = _csv(tmp_path / "bad.csv", [("KTKD", "2023-02", "procedures_total", "abc")])
    good2 = _csv(tmp_path / "good2.csv", [("KTKD", "2023-02", "procedures_total", 5)])
    report = run_ingest([good, bad, good2], db)
    assert [r.state for r in report.results] == [STORED, REFUSED, STORED]
    assert "Tổng cộng: 3 tệp, lưu 2, từ chối 1" in report.summary()


def test_export_ingest_round_trip_changes_nothing(tmp_path):
    db = tmp_path / "a.sqlite"
    run_ingest([filled_form(tmp_path, u, "2023-02") for u in ("VP", "THPT_TRANPHU", "TTR")], db)
    run_ingest([filled_form(tmp_path, "VP", "2023-02", {"portal_news_posts": 999}, name="fix.xlsx")], db)
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"export.{suffix}"
        commands.export("2023-Q1", out, db)
        before = db_bytes(db)
        assert run_ingest([out], db).results[0].state == UNCHANGED
        assert db_bytes(db) == before
        db2 = tmp_path / f"b_{suffix}.sqlite"
        assert run_ingest([out], db2).results[0].state == STORED
        again = tmp_path / f"again.{suffix}"
        commands.export("2023-Q1", again, db2)
        if suffix == "csv":
            assert again.read_bytes() == out.read_bytes()
        with Store(db, create=False) as a, Store(db2, create=False) as b:
            assert a.dataset(CAT, REG).values == b.dataset(CAT, REG).values
        for unit in ("VP", None):
            assert _score(out, "2023-Q1", unit) == _score(db, "2023-Q1", unit)


def _big_table(path: Path, vp_march: dict) -> Path:
    obs = [o for o in _SAMPLE if not (o.unit == "VP" and o.month == month("2023-03"))]
    obs += [Observation("VP", month("2023-03"), k, v) for k, v in vp_march.items()]
    return write_long_table(path, CAT, obs)


@pytest.mark.slow
def test_killed_ingest_leaves_database_consistent(tmp_path):
    db = tmp_path / "cchc.sqlite"
    run_ingest([filled_form(tmp_path, "VP", "2023-03")], db)
    old = _values(db, "VP", "2023-03")
    before = db_bytes(db)
    big = _big_table(tmp_path / "big.csv", {**figures("VP", "2023-03"), "docs_out_total": 12345})
    sig = tmp_path / "in-transaction"
    proc = popen("ingest", str(big), "--db", str(db), hold=sig, seconds=60)
    deadline = time.monotonic() + 60
    while not sig.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)  # all rows written, not committed
    proc.wait()
    with Store(db, create=False) as s:
        assert s.integrity_ok()
        assert s.counts() == {"files": 1, "submissions": 1, "submission_values": len(old)}
    assert _values(db, "VP", "2023-03") == old
    assert db_bytes(db) == before  # recovery rolled the WAL back; the last close checkpointed
    assert run_ingest([big], db).results[0].state == STORED  # and the file can be ingested again
    assert _values(db, "VP", "2023-03")["docs_out_total"] == 12345


@pytest.mark.slow
def test_two_concurrent_ingests_both_land(tmp_path):
    """A holds the write transaction; B, started meanwhile, waits for it (it
    is still running and has stored nothing while A holds), then lands after A."""
    db = tmp_path / "cchc.sqlite"
    run_ingest([filled_form(tmp_path, "TTR", "2023-01")], db)
    a = filled_form(tmp_path, "VP", "2023-05")
    b = filled_form(tmp_path, "GDMN", "2023-05")
    sig, release = tmp_path / "a-holds", tmp_path / "a-may-commit"
    pa = popen("ingest", str(a), "--db", str(db), "--by", "A", hold=sig, release=release)
    while not sig.exists():
        assert pa.poll() is None, pa.communicate()
        time.sleep(0.02)
    pb = popen("ingest", str(b), "--db", str(db), "--by", "B")
    time.sleep(1.0)  # time enough for B to finish if it did not wait for A
    assert pb.poll() is None, pb.communicate()  # B is waiting for A's transaction
    with Store(db, create=False) as s:
        assert [f.submitted_by for f in s.files()] == ["test"]  # neither has landed yet
    release.write_text("go", encoding="utf-8")
    outs = [p.communicate(timeout=60) for p in (pa, pb)]
    assert [pa.returncode, pb.returncode] == [0, 0], outs
    with Store(db, create=False) as s:
        assert s.integrity_ok()
        assert [f.submitted_by for f in s.files()] == ["test", "A", "B"]  # B committed after A
    assert _values(db, "VP", "2023-05") and _values(db, "GDMN", "2023-05")


@pytest.mark.slow
def test_cli_exit_codes(tmp_path):
    db = tmp_path / "cchc.sqlite"
    good = filled_form(tmp_path, "VP", "2023-03")
    bad = filled_form(tmp_path, "VP", "2023-04", name="bad.xlsx")
    rows = rows_by_key(openpyxl.load_workbook(bad)[SHEET])
    fill(bad, {}, cells={"B4": "ZZ", f"D{rows['hotline_posted']}": "hmm"})
    r = cli("ingest", str(good), "--db", str(db), "--by", "Lan", "--at", "2023-04-03T09:30")
    n = len(figures("VP", "2023-03"))  # every figure of the office's form
    assert r.returncode == 0 and f"đã lưu {n} giá trị" in r.stdout, r.stderr
    r = cli("ingest", str(good), str(bad), "--db", str(db))
    assert r.returncode == 2
    assert "đã được nạp" in r.stdout and "bad.xlsx: BỊ TỪ CHỐI, 2 lỗi" in r.stdout
    err = r.stderr.strip().splitlines()
    assert err == [f"lỗi: bad.xlsx, trang tính {SHEET}, ô B4: đơn vị không có trong danh mục: 'ZZ'",
                   f"lỗi: bad.xlsx, trang tính {SHEET}, ô D{rows['hotline_posted']}: "
                   "Niêm yết địa chỉ phản ánh, đường dây nóng tại Bộ phận Một cửa: "
                   "'hmm' không phải Có/Không (1/0, true/false, yes/no, có/không)"]
    r = cli("status", "--period", "2023-Q1", "--db", str(db))
    assert r.returncode == 0 and "✓ 03/04" in r.stdout
    r = cli("history", "--unit", "VP", "--db", str(db))
    assert r.returncode == 0 and "người nạp: Lan" in r.stdout
    r = cli("export", "--period", "2023-Q1", "-o", str(tmp_path / "out.csv"), "--db", str(db))
    assert r.returncode == 0 and (tmp_path / "out.csv").is_file()
    r = cli("score", "--data", str(db), "--period", "2023-Q1", "--unit", "VP", "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["unit"] == "VP"
    for args in (("status", "--period", "2023-Q5", "--db", str(db)), ("history", "--unit", "NOPE", "--db", str(db)),
                 ("export", "--period", "2023", "-o", str(tmp_path / "x.txt"), "--db", str(db)),
                 ("ingest", str(tmp_path / "missing.csv"), "--db", str(db)),
                 ("ingest", str(good), "--db", str(db), "--at", "hôm qua")):
        r = cli(*args)
        assert r.returncode == 2 and r.stderr.startswith("lỗi: "), (args, r.stderr)


def _stored_counts(db):
    with Store(db, create=False) as s:
        return s.counts()


@pytest.mark.slow
def test_correction_that_breaks_a_limit_with_stored_values_is_refused(tmp_path):
    db = tmp_path / "db.sqlite"
    l1 = _csv(tmp_path / "l1.csv", [("GDTRH", "2023-03", "dossiers_resolved", 10),
                                    ("GDTRH", "2023-03", "dossiers_resolved_on_time", 10),
                                    ("GDTRH", "2023-03", "docs_out_total", 10),
                                    ("GDTRH", "2023-03", "docs_out_electronic_only", 5),
                                    ("GDTRH", "2023-03", "docs_out_electronic_and_paper", 3)])
    assert cli("ingest", str(l1), "--db", str(db)).returncode == 0
    before = db_bytes(db)
    # the reviewer's repro: the whole lowered below a stored part
    l2 = _csv(tmp_path / "l2.csv", [("GDTRH", "2023-03", "dossiers_resolved", 8)])
    r = cli("ingest", str(l2), "--db", str(db))
    assert r.returncode == 2 and "l2.csv: BỊ TỪ CHỐI" in r.stdout
    assert r.stderr.strip() == ("lỗi: l2.csv, dòng 2, cột value: GDTRH 2023-03: dossiers_resolved_on_time "
                                "(10, đã lưu) lớn hơn dossiers_resolved (8); số đã lưu từ tệp 'l1.csv'")
    assert db_bytes(db) == before
    assert cli("score", "--data", str(db), "--period", "2023-Q1").returncode == 0
    # a part raised above a stored whole (b + c > a), in a form: located at the value's cell
    form = template(tmp_path / "f.xlsx", "GDTRH", "2023-03")
    fill(form, {"docs_out_electronic_and_paper": 6})
    rows = rows_by_key(openpyxl.load_workbook(form)[SHEET])
    report = run_ingest([form], db)
    [p] = report.results[0].problems
    assert report.results[0].state == REFUSED and p.file == "f.xlsx"
    assert p.cell == f"D{rows['docs_out_electronic_and_paper']}" and p.sheet == SHEET
    assert p.message == ("Số văn bản đi gửi hoàn toàn dưới dạng điện tử (5, đã lưu) + Số văn bản đi gửi điện tử "
                         "song song với giấy (6) lớn hơn Tổng số văn bản đi (trừ văn bản mật) (10, đã lưu); "
                         "số đã lưu từ tệp 'l1.csv'")
    # an XLSX long table names the value's cell
    x = write_long_table(tmp_path / "l3.xlsx", CAT, [Observation("GDTRH", month("2023-03"), "dossiers_resolved", 9)])
    [p] = run_ingest([x], db).results[0].problems
    assert (p.file, p.cell, p.row) == ("l3.xlsx", "D2", 2)
    assert db_bytes(db) == before
    # correcting both figures together, or within the limit, is accepted
    both = _csv(tmp_path / "both.csv", [("GDTRH", "2023-03", "dossiers_resolved", 8),
                                        ("GDTRH", "2023-03", "dossiers_resolved_on_time", 7)])
    assert run_ingest([both], db).results[0].state == STORED
    lower = _csv(tmp_path / "lower.csv", [("GDTRH", "2023-03", "docs_out_total", 8)])
    assert run_ingest([lower], db).results[0].state == STORED
    assert _values(db, "GDTRH", "2023-03")["dossiers_resolved_on_time"] == 7
    assert cli("score", "--data", str(db), "--period", "2023-Q1").returncode == 0


def test_export_keeps_evidence_and_extra_columns(tmp_path):
    db = tmp_path / "a.sqlite"
    form = filled_form(tmp_path, "VP", "2023-02")
    fill(form, {}, evidence={"hotline_posted": "QĐ 12/QĐ-SGDĐT"})
    table = tmp_path / "gdtrh.csv"
    table.write_text("unit,period,indicator,value,evidence,ghi_chu\n"
                     "GDTRH,2023-02,portal_news_posts,4,\"CV 5, 6\",đã rà soát\n"
                     "GDTRH,2023-02,hotline_posted,có,=HYPERLINK(\"x\"),\n", encoding="utf-8")
    assert [r.state for r in run_ingest([form, table], db).results] == [STORED, STORED]
    with Store(db, create=False) as s:
        stored = s.current()
    assert stored[("VP", month("2023-02"), "hotline_posted")].evidence == "QĐ 12/QĐ-SGDĐT"
    assert stored[("GDTRH", month("2023-02"), "portal_news_posts")] == StoredValue(4, "CV 5, 6",
                                                                                    (("ghi_chu", "đã rà soát"),))
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"export.{suffix}"
        assert "quý I/2023" in commands.export("2023-Q1", out, db)
        header, rows, _ = read_rows(out)
        assert header == ["unit", "period", "indicator", "value", "evidence", "ghi_chu"]
        by_key = {(r.cells["unit"], r.cells["indicator"]): r.cells for r in rows}
        assert by_key[("VP", "hotline_posted")]["evidence"] == "QĐ 12/QĐ-SGDĐT"
        assert by_key[("GDTRH", "hotline_posted")]["evidence"] == '=HYPERLINK("x")'  # text, not a formula
        assert by_key[("GDTRH", "portal_news_posts")]["ghi_chu"] == "đã rà soát"
        # re-ingesting the unchanged export stores nothing new
        before = db_bytes(db)
        r = run_ingest([out], db).results[0]
        assert r.state == UNCHANGED and "không lưu gì thêm" in r.message
        assert db_bytes(db) == before
        # into a fresh database: the same values, evidence and extra columns
        db2 = tmp_path / f"b_{suffix}.sqlite"
        assert run_ingest([out], db2).results[0].state == STORED
        with Store(db2, create=False) as s:
            assert s.current() == stored
    # a changed note alone is a new version, not "unchanged"
    text = (tmp_path / "export.csv").read_text(encoding="utf-8-sig").replace("đã rà soát", "đã sửa")
    (tmp_path / "note.csv").write_text(text, encoding="utf-8")
    assert run_ingest([tmp_path / "note.csv"], db).results[0].state == STORED
    with Store(db, create=False) as s:
        assert s.current()[("GDTRH", month("2023-02"), "portal_news_posts")].extra == (("ghi_chu", "đã sửa"),)


@pytest.mark.slow
def test_reading_commands_refuse_a_missing_database(tmp_path):
    typo = tmp_path / "typo.sqlite"
    errors = set()
    for args in (("status", "--period", "2023-Q1"), ("history", "--unit", "VP"),
                 ("export", "--period", "2023-Q1", "-o", str(tmp_path / "x.csv"))):
        r = cli(*args, "--db", str(typo))
        assert r.returncode == 2 and r.stdout == "", (args, r.stdout)
        assert len(r.stderr.strip().splitlines()) == 1
        errors.add(r.stderr)
    assert errors == {f"lỗi: không tìm thấy cơ sở dữ liệu {typo}\n"}
    assert not typo.exists()


# -- issue 10: what is stored is always scorable; exports run no formula ----------

import csv as csv_module
import random
import zipfile

from cchc_lib.core.dataset import check_limits



def _month_values(db, unit, m):
    with Store(db, create=False) as s:
        return {k[2]: v.value for k, v in s.current(unit, [month(m)]).items()}


@pytest.mark.slow
def test_two_ingests_at_once_cannot_store_an_impossible_month(tmp_path):
    """The 12-of-30 race: A and B are each valid; together they break
    dossiers_returned_bcci ≤ dossiers_resolved.  B starts while A holds the
    write lock, so B's check must see A's value: B is refused."""
    db = tmp_path / "cchc.sqlite"
    run_ingest([filled_form(tmp_path, "TTR", "2023-01")], db)
    a = _csv(tmp_path / "a.csv", [("GDTRH", "2023-03", "dossiers_resolved", 6)])
    b = _csv(tmp_path / "b.csv", [("GDTRH", "2023-03", "dossiers_returned_bcci", 8)])
    sig = tmp_path / "a-holds"
    pa = popen("ingest", str(a), "--db", str(db), hold=sig, seconds=2)
    while not sig.exists():
        assert pa.poll() is None, pa.communicate()
        time.sleep(0.02)
    pb = popen("ingest", str(b), "--db", str(db))
    (_, _), (_, err_b) = [p.communicate(timeout=60) for p in (pa, pb)]
    assert [pa.returncode, pb.returncode] == [0, 2], err_b
    assert err_b.strip() == ("lỗi: b.csv, dòng 2, cột value: GDTRH 2023-03: dossiers_returned_bcci (8) lớn hơn "
                             "dossiers_resolved (6, đã lưu); số đã lưu từ tệp 'a.csv'")
    values = _month_values(db, "GDTRH", "2023-03")
    assert values == {"dossiers_resolved": 6} and check_limits(values, CAT) == []


_RANDOM_FIGURES = ["dossiers_resolved", "dossiers_resolved_on_time", "dossiers_returned_bcci",
                   "dossiers_results_digitized", "docs_out_total", "docs_out_electronic_only",
                   "docs_out_electronic_and_paper", "procedures_total", "procedures_iso", "procedures_via_one_stop"]


def _random_files(folder: Path, rng: random.Random, n: int) -> list[Path]:
    files = []
    while len(files) < n:
        rows = []
        for unit in rng.sample(["GDTRH", "GDTH"], rng.randint(1, 2)):
            m = f"2023-0{rng.randint(1, 3)}"
            values = {ind: rng.randint(0, 12) for ind in rng.sample(_RANDOM_FIGURES, rng.randint(1, 4))}
            if check_limits(values, CAT):
                continue  # each file is valid on its own
            rows += [(unit, m, ind, v) for ind, v in values.items()]
        if rows:
            files.append(_csv(folder / f"r{len(files):03d}.csv", rows))
    return files


@pytest.mark.slow
def test_random_submissions_at_once_keep_every_stored_month_within_its_limits(tmp_path):
    rng = random.Random(20231)
    db = tmp_path / "cchc.sqlite"
    run_ingest([filled_form(tmp_path, "TTR", "2023-01")], db)
    files = _random_files(tmp_path, rng, 48)
    rng.shuffle(files)
    procs = [popen("ingest", *map(str, files[i::4]), "--db", str(db)) for i in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    for (out, err), p in zip(outs, procs):
        assert p.returncode in (0, 2), err
        for line in err.strip().splitlines():  # the only refusals: limits against stored values
            assert "lớn hơn" in line and "đã lưu" in line, line
    with Store(db, create=False) as s:
        assert s.integrity_ok()
        by_month: dict = {}
        for (u, m, ind), sv in s.current().items():
            by_month.setdefault((u, m), {})[ind] = sv.value
        assert len({f.name for f in s.files()}) == s.counts()["files"]  # none stored twice
    assert len(by_month) >= 4
    for key, values in by_month.items():
        assert check_limits(values, CAT) == [], key


def _score_every_period(db) -> None:
    from cchc_lib.core.periods import Period
    from cchc_lib.core.scoring import score_department, score_unit

    with Store(db, create=False) as s:
        data = s.dataset(CAT, REG)
    for text in ("2023-01", "2023-02", "2023-03", "2023-Q1", "2023-H1", "2023"):
        period = Period.parse(text)
        for unit in ("GDTRH", "GDTH"):
            score_unit(data, CAT, REG.get(unit), period)
        score_department(data, CAT, period, REG)


@pytest.mark.slow
def test_random_submissions_in_random_order_are_scorable_after_each(tmp_path):
    """Whatever intake accepts, one file after another, every period scores."""
    rng = random.Random(77)
    db = tmp_path / "cchc.sqlite"
    files = _random_files(tmp_path, rng, 30)
    rng.shuffle(files)
    states = []
    for f in files:
        states.append(run_ingest([f], db).results[0].state)
        if db.exists():
            _score_every_period(db)  # never refused: a DataError here fails the test
    assert states.count(STORED) >= 10 and set(states) <= {STORED, REFUSED, UNCHANGED}


_FORMULAS = ["=1+1", "+84 912 345", "-3 ngày", "@SUM(A1:A9)", "=cmd|' /C calc'!A0"]


def test_export_writes_no_formula_a_spreadsheet_would_run(tmp_path):
    db = tmp_path / "cchc.sqlite"
    table = tmp_path / "t.csv"
    with table.open("w", encoding="utf-8", newline="") as f:
        w = csv_module.writer(f)
        w.writerow(["unit", "period", "indicator", "value", "evidence", "ghi_chu"])
        for i, text in enumerate(_FORMULAS):
            w.writerow(["GDTRH", f"2023-0{i + 1}", "portal_news_posts", 3, text, "\t" + text])
    assert run_ingest([table], db).results[0].state == STORED
    with Store(db, create=False) as s:
        stored = s.current()
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"export.{suffix}"
        commands.export("2023", out, db)
        if suffix == "csv":
            with out.open(encoding="utf-8-sig", newline="") as f:
                cells = [c for row in csv_module.reader(f) for c in row]
            texts = set(_FORMULAS) | {"\t" + t for t in _FORMULAS}
            assert texts <= {c[1:] for c in cells if c.startswith("'")}
            assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
        else:
            with zipfile.ZipFile(out) as z:
                sheet = z.read("xl/worksheets/sheet1.xml").decode()
            assert "<f>" not in sheet and "<f " not in sheet
            ws = openpyxl.load_workbook(out)["data"]
            strings = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
            assert all(c.data_type == "s" for c in strings)
            assert set(_FORMULAS) <= {c.value for c in strings}
        before = db_bytes(db)
        assert run_ingest([out], db).results[0].state == UNCHANGED  # read back exactly
        assert db_bytes(db) == before
        db2 = tmp_path / f"again_{suffix}.sqlite"
        run_ingest([out], db2)
        with Store(db2, create=False) as s:
            assert s.current() == stored


def test_a_csv_cell_with_a_carriage_return_is_quoted_and_read_back(tmp_path):
    db = tmp_path / "cchc.sqlite"
    table = tmp_path / "t.csv"
    with table.open("w", encoding="utf-8", newline="") as f:
        csv_module.writer(f).writerows([["unit", "period", "indicator", "value", "ghi_chu"],
                                        ["GDTRH", "2023-09", "portal_news_posts", 3, "\rx"],
                                        ["GDTRH", "2023-10", "portal_news_posts", 3, "a\r\nb"]])
    run_ingest([table], db)
    out = tmp_path / "export.csv"
    commands.export("2023", out, db)
    assert b"\"'\rx\"" in out.read_bytes()  # guarded, and quoted so that the CR stays in its cell
    assert run_ingest([out], db).results[0].state == UNCHANGED
