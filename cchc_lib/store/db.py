"""The project's database: every accepted submission, kept forever (SQLite).

Layout (schema version in ``PRAGMA user_version``, migrations below):

- ``files``: one row per accepted file (name, SHA-256, form or table, when
  received, who ingested it).  The SHA-256 is unique: the same file twice
  stores nothing new.
- ``submissions``: one row per unit and month a file gives values for.
- ``submission_values``: the typed values of a submission, with the
  evidence reference ("tài liệu kiểm chứng") and any extra columns.

Current values (what scoring reads) are derived, never stored twice: for
each (unit, month, indicator) the value of the most recently *ingested*
submission that gives it.  A resubmission therefore replaces only the
indicators it contains; an empty cell never erases a figure (empty means
"missing", never zero).  Nothing is ever updated or deleted.

Writes happen in one ``BEGIN IMMEDIATE`` transaction per file, in WAL mode
with a busy timeout, so two ingests at the same time wait for each other
instead of failing or corrupting anything, and a killed process leaves the
database as it was before the file.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.errors import DataError, Problem
from cchc_lib.core.dataset import NOT_DUE, Dataset, Observation
from cchc_lib.core.periods import Period, parse_month
from cchc_lib.core.units import Registry

BUSY_TIMEOUT_MS = 60_000

# Each migration takes the database from version n-1 to n.  Never edit a
# released one; append a new one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE files (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
            kind TEXT NOT NULL CHECK (kind IN ('form', 'table')),
            received_at TEXT NOT NULL,
            ingested_at TEXT NOT NULL,
            submitted_by TEXT
        )""",
        """CREATE TABLE submissions (
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL REFERENCES files(id),
            unit TEXT NOT NULL,
            month TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
            UNIQUE (file_id, unit, month)
        )""",
        "CREATE INDEX submissions_by_unit_month ON submissions (unit, month, id)",
        "CREATE INDEX submissions_by_month ON submissions (month, unit, id)",
        """CREATE TABLE submission_values (
            submission_id INTEGER NOT NULL REFERENCES submissions(id),
            indicator TEXT NOT NULL,
            value NOT NULL,
            evidence TEXT,
            extra TEXT,
            PRIMARY KEY (submission_id, indicator)
        ) WITHOUT ROWID""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class StoredValue:
    """A value as kept: count and bool as integers, level as its code."""

    value: Any
    evidence: str | None = None
    extra: tuple[tuple[str, str], ...] = ()


@dataclass
class NewSubmission:
    """What a file gives for one unit and month, validated and typed."""

    unit: str
    month: Period
    values: dict[str, StoredValue] = field(default_factory=dict)


@dataclass(frozen=True)
class FileRecord:
    id: int
    name: str
    sha256: str
    kind: str
    received_at: datetime
    ingested_at: datetime
    submitted_by: str | None


@dataclass(frozen=True)
class SubmissionRecord:
    id: int
    unit: str
    month: Period
    file: FileRecord


def encode(value: Any) -> Any:
    """The stored form of a typed value (bool → 0/1, "không phát sinh" → 2)."""
    if isinstance(value, bool):
        return int(value)
    if value == NOT_DUE:
        return 2
    return value


def decode(kind: str, stored: Any) -> Any:
    if kind == "bool":
        return NOT_DUE if stored == 2 else bool(stored)
    if kind == "count":
        return int(stored)
    return str(stored)


def _extra_json(extra: Sequence[tuple[str, str]]) -> str | None:
    return json.dumps(dict(extra), ensure_ascii=False, sort_keys=True) if extra else None


def _extra_tuple(text: str | None) -> tuple[tuple[str, str], ...]:
    return tuple(json.loads(text).items()) if text else ()


def _hold_for_tests() -> None:
    """Test hook: pause inside the write transaction so a test can kill or
    race this process at a known point.  Inert unless the variables are set."""
    signal = os.environ.get("CCHC_TEST_TXN_SIGNAL")
    pause = os.environ.get("CCHC_TEST_TXN_SLEEP")
    if signal:
        Path(signal).write_text(str(os.getpid()), encoding="utf-8")
    if pause:
        time.sleep(float(pause))


class Store:
    """The SQLite database of submissions.  Use as a context manager."""

    def __init__(self, path: str | Path, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise DataError([Problem("không tìm thấy cơ sở dữ liệu", file=str(self.path))])
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.Error as e:
            raise DataError([Problem(f"không mở được cơ sở dữ liệu: {e}", file=str(self.path))]) from None
        try:
            self._setup()
        except sqlite3.DatabaseError as e:
            self.conn.close()
            raise DataError([Problem(f"tệp không phải cơ sở dữ liệu SQLite hợp lệ ({e})", file=str(self.path))]) from None
        except BaseException:
            self.conn.close()
            raise

    # -- connection and schema ------------------------------------------------
    def _setup(self) -> None:
        c = self.conn
        c.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        c.execute("PRAGMA foreign_keys = ON")
        version = c.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise DataError([Problem(f"cơ sở dữ liệu có phiên bản lược đồ {version}, mới hơn phiên bản chương trình "
                                     f"hỗ trợ ({SCHEMA_VERSION}); hãy cập nhật cchc", file=str(self.path))])
        if c.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            c.execute("PRAGMA journal_mode = WAL")
        c.execute("PRAGMA synchronous = FULL")
        if version < SCHEMA_VERSION:
            self._migrate()

    def _migrate(self) -> None:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            version = c.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated
            for n in range(version, SCHEMA_VERSION):
                for stmt in MIGRATIONS[n]:
                    c.execute(stmt)
                c.execute(f"PRAGMA user_version = {n + 1}")
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------
    def add_file(self, name: str, sha256: str, kind: str, submissions: Iterable[NewSubmission],
                 received_at: datetime, submitted_by: str | None = None,
                 ingested_at: datetime | None = None) -> list[int]:
        """Store one file's submissions in one transaction; their ids.

        The caller has validated everything.  Raises DataError if the same
        file (SHA-256) was stored meanwhile by another process."""
        ingested_at = ingested_at or datetime.now().astimezone()
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            if c.execute("SELECT 1 FROM files WHERE sha256 = ?", (sha256,)).fetchone():
                raise DataError([Problem("tệp này vừa được nạp bởi một phiên khác", file=name)])
            file_id = c.execute(
                "INSERT INTO files (name, sha256, kind, received_at, ingested_at, submitted_by) VALUES (?, ?, ?, ?, ?, ?)",
                (name, sha256, kind, received_at.isoformat(timespec="seconds"),
                 ingested_at.isoformat(timespec="seconds"), submitted_by)).lastrowid
            ids = []
            for sub in submissions:
                sid = c.execute("INSERT INTO submissions (file_id, unit, month) VALUES (?, ?, ?)",
                                (file_id, sub.unit, str(sub.month))).lastrowid
                ids.append(sid)
                c.executemany(
                    "INSERT INTO submission_values (submission_id, indicator, value, evidence, extra) VALUES (?, ?, ?, ?, ?)",
                    [(sid, ind, encode(v.value), v.evidence, _extra_json(v.extra)) for ind, v in sub.values.items()])
            _hold_for_tests()
            c.execute("COMMIT")
        except BaseException:
            if c.in_transaction:
                c.execute("ROLLBACK")
            raise
        return ids

    # -- reading -------------------------------------------------------------
    def file_by_sha(self, sha256: str) -> FileRecord | None:
        row = self.conn.execute("SELECT * FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return _file(row) if row else None

    def current(self, unit: str | None = None, months: Iterable[Period] | None = None
                ) -> dict[tuple[str, Period, str], StoredValue]:
        """(unit, month, indicator) → the latest ingested value."""
        where, args = _filter(unit, months)
        out: dict[tuple[str, Period, str], StoredValue] = {}
        months_cache: dict[str, Period] = {}
        for u, m, ind, value, evidence, extra in self.conn.execute(
                "SELECT s.unit, s.month, v.indicator, v.value, v.evidence, v.extra "
                "FROM submissions s JOIN submission_values v ON v.submission_id = s.id"
                f"{where} ORDER BY s.id", args):
            month = months_cache.get(m) or months_cache.setdefault(m, parse_month(m))
            out[(u, month, ind)] = StoredValue(value, evidence, _extra_tuple(extra))
        return out

    def origins(self, unit: str | None = None, months: Iterable[Period] | None = None
                ) -> dict[tuple[str, Period, str], str]:
        """(unit, month, indicator) → the name of the file its current value came from."""
        where, args = _filter(unit, months)
        out: dict[tuple[str, Period, str], str] = {}
        for u, m, ind, name in self.conn.execute(
                "SELECT s.unit, s.month, v.indicator, f.name FROM submissions s "
                "JOIN submission_values v ON v.submission_id = s.id JOIN files f ON f.id = s.file_id"
                f"{where} ORDER BY s.id", args):
            out[(u, parse_month(m), ind)] = name
        return out

    def dataset(self, catalogue: Catalogue, registry: Registry, period: Period | None = None) -> Dataset:
        """Current values as a Dataset, for scoring (every unit, or the period's months)."""
        problems = []
        obs = []
        for (unit, month, ind), sv in sorted(self.current(months=period.months if period else None).items(),
                                             key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
            if unit not in registry:
                problems.append(Problem(f"đơn vị {unit!r} ({month}) có trong cơ sở dữ liệu nhưng không có trong danh mục đơn vị",
                                        file=str(self.path)))
                continue
            indicator = catalogue.indicators.get(ind)
            if indicator is None:
                problems.append(Problem(f"chỉ số {ind!r} ({unit}, {month}) không có trong danh mục tiêu chí",
                                        file=str(self.path)))
                continue
            extra = ((("evidence", sv.evidence),) if sv.evidence else ()) + sv.extra
            obs.append(Observation(unit, month, ind, decode(indicator.kind, sv.value), None, extra))
        if problems:
            raise DataError(_dedupe(problems))
        return Dataset(obs, source=str(self.path))

    def submissions(self, unit: str | None = None, months: Iterable[Period] | None = None) -> list[SubmissionRecord]:
        """Accepted submissions in ingestion order, with their files."""
        where, args = _filter(unit, months)
        rows = self.conn.execute(
            "SELECT s.id, s.unit, s.month, f.* FROM submissions s JOIN files f ON f.id = s.file_id"
            f"{where} ORDER BY s.id", args).fetchall()
        return [SubmissionRecord(r[0], r[1], parse_month(r[2]), _file(r[3:])) for r in rows]

    def value_counts(self, unit: str | None = None, months: Iterable[Period] | None = None) -> dict[int, int]:
        """Submission id → how many values it gave (0: a form sent with no figure at all)."""
        where, args = _filter(unit, months)
        return dict(self.conn.execute(
            "SELECT s.id, count(v.indicator) FROM submissions s LEFT JOIN submission_values v ON v.submission_id = s.id"
            f"{where} GROUP BY s.id", args).fetchall())

    def values_of(self, submission_id: int) -> dict[str, StoredValue]:
        return {ind: StoredValue(v, e, _extra_tuple(x)) for ind, v, e, x in self.conn.execute(
            "SELECT indicator, value, evidence, extra FROM submission_values WHERE submission_id = ? ORDER BY indicator",
            (submission_id,))}

    def files(self) -> list[FileRecord]:
        return [_file(r) for r in self.conn.execute("SELECT * FROM files ORDER BY id")]

    def counts(self) -> dict[str, int]:
        return {t: self.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("files", "submissions", "submission_values")}

    def integrity_ok(self) -> bool:
        ok = self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return ok and not self.conn.execute("PRAGMA foreign_key_check").fetchall()


def _filter(unit: str | None, months: Iterable[Period] | None) -> tuple[str, list[Any]]:
    clauses, args = [], []
    if unit is not None:
        clauses.append("s.unit = ?")
        args.append(unit)
    if months is not None:
        ms = [str(m) for m in months]
        clauses.append(f"s.month IN ({', '.join('?' for _ in ms)})")
        args.extend(ms)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


def _file(row: Sequence[Any]) -> FileRecord:
    fid, name, sha, kind, received, ingested, by = row
    return FileRecord(fid, name, sha, kind, datetime.fromisoformat(received), datetime.fromisoformat(ingested), by)


def _dedupe(problems: list[Problem]) -> Iterator[Problem]:
    return iter(dict.fromkeys(problems))
