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
