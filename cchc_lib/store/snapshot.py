"""A consistent copy of the database as bytes, to ship to machines that have none.

`database_bytes(path)` copies the database through SQLite's online backup
API in one read transaction (what other processes commit meanwhile is
either all in or all out) and returns the copy's bytes, in rollback-journal
mode so that it is one self-contained file.  The database itself is only
read.
"""
from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from cchc_lib.errors import DataError, Problem
from cchc_lib.store.db import _wait_s, store_error


def database_bytes(path: str | Path) -> bytes:
    src_path = Path(path)
    if not src_path.is_file():
        raise DataError([Problem("không tìm thấy cơ sở dữ liệu", file=str(src_path))])
    try:
        src = sqlite3.connect(f"{src_path.resolve().as_uri()}?mode=ro", uri=True, timeout=_wait_s())
    except sqlite3.Error as e:
        raise store_error(e, src_path, "không mở được cơ sở dữ liệu") from None
    try:
        with tempfile.TemporaryDirectory(prefix="cchc-copy-") as tmp:
            copy = Path(tmp) / src_path.name
            dst = sqlite3.connect(copy)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE")  # one file: no -wal beside it
            finally:
                dst.close()
            return copy.read_bytes()
    except (sqlite3.Error, OSError) as e:
        raise store_error(e, src_path, "không sao được cơ sở dữ liệu") from None
    finally:
        src.close()
