"""The SQLite store: schema, pragmas, migrations, typed values."""
from __future__ import annotations

import sqlite3

import pytest

from cchc_lib.errors import DataError
from cchc_lib.intake.sources import open_dataset
from cchc_lib.store.db import SCHEMA_VERSION, NewSubmission, Store, StoredValue

from intake_helpers import CAT, REG, month
from datetime import datetime


def _add(store, sha="a" * 64, **values):
    sub = NewSubmission("VP", month("2023-03"), {k: StoredValue(v) for k, v in values.items()})
    return store.add_file("f.csv", sha, "table", [sub], datetime.now().astimezone(), "me")


def test_new_database_schema_and_pragmas(tmp_path):
    db = tmp_path / "sub" / "cchc.sqlite"
    with Store(db) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert s.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        with pytest.raises(sqlite3.IntegrityError):  # foreign keys enforced
            s.conn.execute("INSERT INTO submissions (file_id, unit, month) VALUES (99, 'VP', '2023-01')")


def test_values_typed_back_and_latest_wins(tmp_path):
    db = tmp_path / "cchc.sqlite"
    with Store(db) as s:
        _add(s, procedures_total=12, hotline_posted=1, service_quality_rating="kha")
        _add(s, "b" * 64, procedures_total=13)
        assert s.counts() == {"files": 2, "submissions": 2, "submission_values": 4}
        ds = s.dataset(CAT, REG)
    assert ds.values[("VP", "procedures_total")] == {month("2023-03"): 13}
    assert ds.values[("VP", "hotline_posted")][month("2023-03")] is True
    assert ds.values[("VP", "service_quality_rating")][month("2023-03")] == "kha"
    assert open_dataset(db, CAT, REG).values == ds.values and ds.source == str(db)
    with Store(db) as s:
        with pytest.raises(sqlite3.IntegrityError):  # one file, one row
            s.conn.execute("INSERT INTO files (name, sha256, kind, received_at, ingested_at) "
                           "VALUES ('x', ?, 'table', '', '')", ("a" * 64,))


def test_migrates_old_and_refuses_newer_or_foreign_files(tmp_path):
    old = tmp_path / "old.sqlite"
    sqlite3.connect(old).close()  # version 0: an empty database
    with Store(old) as s:
        assert s.schema_version == SCHEMA_VERSION
    newer = tmp_path / "newer.sqlite"
    c = sqlite3.connect(newer)
    c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    c.close()
    with pytest.raises(DataError, match="mới hơn"):
        Store(newer)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(DataError, match="không phải cơ sở dữ liệu SQLite"):
        Store(junk)
    with pytest.raises(DataError, match="không tìm thấy"):
        Store(tmp_path / "missing.sqlite", create=False)
    assert not (tmp_path / "missing.sqlite").exists()


def test_unknown_unit_in_database_is_named(tmp_path):
    db = tmp_path / "cchc.sqlite"
    with Store(db) as s:
        sub = NewSubmission("GONE", month("2023-03"), {"procedures_total": StoredValue(3)})
        s.add_file("f.csv", "c" * 64, "table", [sub], datetime.now().astimezone())
        with pytest.raises(DataError, match="GONE"):
            s.dataset(CAT, REG)


def test_origins_name_the_file_of_each_current_value(tmp_path):
    with Store(tmp_path / "o.sqlite") as s:
        _add(s, docs_out_total=5, portal_news_posts=2)
        sub = NewSubmission("VP", month("2023-03"), {"docs_out_total": StoredValue(6)})
        s.add_file("fix.csv", "b" * 64, "table", [sub], datetime.now().astimezone())
        assert s.origins(months=[month("2023-03")]) == {("VP", month("2023-03"), "docs_out_total"): "fix.csv",
                                                        ("VP", month("2023-03"), "portal_news_posts"): "f.csv"}
        assert s.origins(unit="TTR") == {}


# -- contract v2 values, and a database that cannot be used (issue 10) ---------------

import os
import shutil
import subprocess
import sys
import time

from cchc_lib.core.dataset import NOT_DUE
from cchc_lib.intake.ingest import FAILED, NOT_TRIED, STORED
from cchc_lib.store import db as store_db
from cchc_lib.store.db import MIGRATIONS, StoreError

from cchc_lib.intake.long_table import write_long_table

from intake_helpers import _SAMPLE, db_bytes, filled_form, run_ingest


def test_not_due_is_stored_as_2_and_read_back(tmp_path):
    db = tmp_path / "cchc.sqlite"
    with Store(db) as s:
        _add(s, catalog_on_time=NOT_DUE, catalog_complete=True, hotline_posted=False)
        raw = dict(s.conn.execute("SELECT indicator, value FROM submission_values"))
        ds = s.dataset(CAT, REG)
    assert raw == {"catalog_on_time": 2, "catalog_complete": 1, "hotline_posted": 0}
    assert ds.values[("VP", "catalog_on_time")][month("2023-03")] == NOT_DUE
    assert ds.values[("VP", "catalog_complete")][month("2023-03")] is True
    assert ds.values[("VP", "hotline_posted")][month("2023-03")] is False


def test_a_database_made_by_the_previous_release_keeps_everything(tmp_path):
    """Built with the release's own schema SQL and rows, then opened by this one."""
    db = tmp_path / "old.sqlite"
    c = sqlite3.connect(db)
    for stmt in MIGRATIONS[0]:
        c.execute(stmt)
    c.execute("PRAGMA user_version = 1")
    c.execute("INSERT INTO files VALUES (1, 'VP.xlsx', ?, 'form', '2023-04-03T09:30:00+07:00', "
              "'2023-04-03T10:00:00+07:00', 'Lan')", ("a" * 64,))
    c.execute("INSERT INTO submissions VALUES (1, 1, 'VP', '2023-03')")
    c.executemany("INSERT INTO submission_values VALUES (1, ?, ?, ?, ?)", [
        ("hotline_posted", 1, "QĐ 12", None), ("catalog_on_time", 0, None, None),
        ("procedures_total", 28, None, '{"ghi_chu": "x"}'), ("service_quality_rating", "kha", None, None)])
    c.commit()
    c.close()
    with Store(db) as s:
        assert s.schema_version == SCHEMA_VERSION
        current = s.current()
        ds = s.dataset(CAT, REG)
    m = month("2023-03")
    assert current[("VP", m, "procedures_total")] == StoredValue(28, None, (("ghi_chu", "x"),))
    assert current[("VP", m, "hotline_posted")] == StoredValue(1, "QĐ 12")
    assert ds.values[("VP", "catalog_on_time")][m] is False and ds.values[("VP", "service_quality_rating")][m] == "kha"


def _chattr(flag: str, path) -> bool:
    if not shutil.which("chattr"):
        return False
    return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0


def test_a_read_only_database_says_so_and_can_still_be_read(tmp_path):
    db = tmp_path / "cchc.sqlite"
    assert run_ingest([filled_form(tmp_path, "VP", "2023-03")], db).results[0].state == STORED
    if not _chattr("+i", db):
        pytest.skip("chattr +i is not available here")
    try:
        before = db.read_bytes()
        report = run_ingest([filled_form(tmp_path, "VP", "2023-04"), filled_form(tmp_path, "TTR", "2023-04")], db)
        assert [r.state for r in report.results] == [FAILED, NOT_TRIED]
        [p] = report.results[0].problems
        assert "chỉ đọc" in p.message and "không phải cơ sở dữ liệu" not in p.message and p.file == str(db)
        assert db.read_bytes() == before
        with Store(db, create=False) as s:  # reading still works
            assert s.counts()["files"] == 1
    finally:
        _chattr("-i", db)


def _limit_pages(monkeypatch):
    setup = Store._setup

    def full(self):
        setup(self)
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        self.conn.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(Store, "_setup", full)


def test_a_full_disk_stops_with_one_line_and_stores_nothing(tmp_path, monkeypatch):
    db = tmp_path / "cchc.sqlite"
    run_ingest([filled_form(tmp_path, "VP", "2023-03")], db)
    before = db_bytes(db)
    big = write_long_table(tmp_path / "big.csv", CAT, [o for o in _SAMPLE if o.month.index in (4, 5, 6)])
    _limit_pages(monkeypatch)  # the database may not grow: SQLite answers "database or disk is full"
    report = run_ingest([big, filled_form(tmp_path, "TTR", "2023-07"), filled_form(tmp_path, "VP", "2023-07")], db)
    assert [r.state for r in report.results] == [FAILED, NOT_TRIED, NOT_TRIED]
    [p] = report.results[0].problems
    assert p.message.startswith("không ghi được tệp big.csv: đĩa đầy")
    assert "chưa nạp 2" in report.summary()
    monkeypatch.undo()
    assert db_bytes(db) == before
    with Store(db, create=False) as s:
        assert s.integrity_ok() and s.counts()["files"] == 1


_HOLD = """
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("COMMIT")
"""


def _holder(db, seconds: float) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", _HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "held"
    return p


@pytest.mark.slow
def test_a_database_locked_too_long_names_the_holder(tmp_path):
    db = tmp_path / "cchc.sqlite"
    run_ingest([filled_form(tmp_path, "VP", "2023-03")], db)
    form = filled_form(tmp_path, "VP", "2023-04")
    holder = _holder(db, 30)
    try:
        t = time.monotonic()
        report = run_ingest([form], db, lock_wait=1.5)
        waited = time.monotonic() - t
    finally:
        holder.kill()
        holder.wait()
    assert 1.5 <= waited < 10
    [p] = report.results[0].problems
    assert report.results[0].state == FAILED
    assert "bị tiến trình khác khóa ghi quá 1,5 giây" in p.message or "quá 1.5 giây" in p.message
    assert f"pid {holder.pid}" in p.message and "đã thử" in p.message
    assert run_ingest([form], db, lock_wait=1.5).results[0].state == STORED  # free again


@pytest.mark.slow
def test_a_lock_released_during_the_wait_is_taken(tmp_path):
    db = tmp_path / "cchc.sqlite"
    run_ingest([filled_form(tmp_path, "VP", "2023-03")], db)
    holder = _holder(db, 2.5)  # longer than SQLite's own wait per attempt: our retries take over
    try:
        assert run_ingest([filled_form(tmp_path, "VP", "2023-04")], db, lock_wait=20).results[0].state == STORED
    finally:
        holder.wait(timeout=30)


@pytest.mark.slow
def test_too_few_file_descriptors_is_one_line(tmp_path):
    import resource

    files = [filled_form(tmp_path, u, "2023-03") for u in ("VP", "TTR")]
    db = tmp_path / "cchc.sqlite"

    def low():
        resource.setrlimit(resource.RLIMIT_NOFILE, (6, 6))

    r = subprocess.run([sys.executable, "-m", "cchc_lib", "ingest", *map(str, files), "--db", str(db)],
                       capture_output=True, text=True, preexec_fn=low, timeout=120,
                       env={**os.environ, "PYTHONUTF8": "1"}, cwd=str(tmp_path.parent))
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "ulimit -n" in r.stderr


def test_store_errors_are_named(tmp_path):
    err = store_db.store_error(sqlite3.OperationalError("attempt to write a readonly database"), tmp_path / "x")
    assert isinstance(err, StoreError) and "chỉ đọc" in err.one_line()
    assert "đĩa đầy" in store_db.store_error(sqlite3.OperationalError("database or disk is full"), tmp_path).one_line()
    assert "không phải cơ sở dữ liệu" in store_db.store_error(
        sqlite3.DatabaseError("file is not a database"), tmp_path).one_line()
