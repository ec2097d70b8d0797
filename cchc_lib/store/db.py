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

Writes happen in one ``BEGIN IMMEDIATE`` transaction per file, in WAL mode,
so two ingests at the same time wait for each other instead of failing or
corrupting anything, and a killed process leaves the database as it was
before the file.  What a file is checked against (the values stored for its
units and months) is read inside that transaction (`add_file`'s `decide`),
so two ingests cannot together store what neither would alone.  A write
lock held by another process is waited for with retries and a growing pause,
up to `lock_wait` seconds (`LOCK_WAIT_S`, or ``CCHC_DB_WAIT``); then
`StoreError` names the processes that have the database open.

SQLite's own failures become one-line `StoreError`s in Vietnamese (read-only
or immutable database, full disk, no file descriptors left, not a database):
the database is unusable for now, whatever file is being read.
"""
from __future__ import annotations

import errno
import functools
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.errors import DataError, Problem
from cchc_lib.core.dataset import NOT_DUE, Dataset, Observation
from cchc_lib.core.periods import Period, parse_month
from cchc_lib.core.units import Registry

LOCK_WAIT_S = 60.0  # how long a write waits for another process's write lock, in all
BUSY_STEP_MS = 1_000  # SQLite's own wait per attempt, between two of our pauses
NOT_DUE_STORED = 2  # a compliance figure's «không phát sinh», beside 0/1

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
    """The stored form of a typed value (bool → 0/1, «không phát sinh» → 2)."""
    if isinstance(value, bool):
        return int(value)
    if value == NOT_DUE:
        return NOT_DUE_STORED
    return value


def decode(kind: str, stored: Any) -> Any:
    if kind == "bool":
        return NOT_DUE if stored == NOT_DUE_STORED else bool(stored)
    if kind == "count":
        return int(stored)
    return str(stored)


def _extra_json(extra: Sequence[tuple[str, str]]) -> str | None:
    return json.dumps(dict(extra), ensure_ascii=False, sort_keys=True) if extra else None


def _extra_tuple(text: str | None) -> tuple[tuple[str, str], ...]:
    return tuple(json.loads(text).items()) if text else ()


class StoreError(DataError):
    """The database cannot be used now (read-only, disk full, locked too
    long, no file descriptors, not a database): no input file is at fault."""


def _kind(e: sqlite3.Error) -> str:
    name = getattr(e, "sqlite_errorname", "") or ""  # Python ≥ 3.11; else the message
    text = str(e).lower()
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return "readonly"
    if name.startswith("SQLITE_FULL") or "is full" in text:
        return "full"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text:
        return "busy"
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return "cantopen"
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or "not a database" in text or "malformed" in text:
        return "notadb"
    if name.startswith("SQLITE_IOERR") or "i/o error" in text:
        return "ioerr"
    return "other"


def _few_descriptors() -> bool:
    """True if this process is at (or within a few of) its limit of open
    files: SQLite then says only "unable to open database file"."""
    try:
        import resource  # Unix only

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        used = len(os.listdir("/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"))
    except (ImportError, OSError, ValueError):
        return False
    return soft != resource.RLIM_INFINITY and soft - used < 4  # a database needs 3: file, -wal, -shm


def store_error(e: sqlite3.Error | OSError, path: Path, doing: str = "") -> StoreError:
    """A SQLite (or OS) failure as one line a user can act on."""
    what = f"{doing}: " if doing else ""
    if isinstance(e, OSError):
        kind = {errno.ENOSPC: "full", errno.EROFS: "readonly", errno.EACCES: "readonly", errno.EPERM: "readonly",
                errno.EMFILE: "cantopen", errno.ENFILE: "cantopen"}.get(e.errno or 0, "ioerr")
    else:
        kind = _kind(e)
    if kind == "cantopen" and _few_descriptors():
        kind = "fds"
    message = {
        "readonly": "cơ sở dữ liệu chỉ đọc, không ghi được (tệp hoặc thư mục không có quyền ghi, ổ đĩa chỉ đọc, "
                    "hoặc tệp bị đặt bất biến bằng chattr +i); không có gì được lưu",
        "full": "đĩa đầy, không ghi được cơ sở dữ liệu; không có gì được lưu từ tệp này. Giải phóng chỗ trống "
                "rồi chạy lại lệnh (các tệp đã lưu sẽ được bỏ qua)",
        "fds": "không mở thêm được tệp nào: giới hạn số tệp mở của tiến trình quá thấp (ulimit -n); "
               "tăng giới hạn (ví dụ ulimit -n 1024) rồi chạy lại",
        "cantopen": "không mở được cơ sở dữ liệu (thư mục không tồn tại hoặc không có quyền truy cập)",
        "notadb": "tệp không phải cơ sở dữ liệu SQLite hợp lệ (hoặc đã hỏng)",
        "ioerr": "lỗi đọc/ghi đĩa",
        "busy": "cơ sở dữ liệu đang bị một tiến trình khác khóa",
    }.get(kind, "lỗi cơ sở dữ liệu")
    return StoreError([Problem(f"{what}{message} ({e})", file=str(path))])


def lock_holders(path: Path) -> list[str]:
    """The other processes that have this database open ("pid 123: cchc
    ingest …"), as far as /proc shows them (Linux; another user's processes
    only to root; none on other machines)."""
    names = {str(path.resolve()), str(path.resolve()) + "-wal"}
    out = []
    proc = Path("/proc")
    if not proc.is_dir():
        return out
    for d in proc.iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            if not any(os.readlink(fd) in names for fd in (d / "fd").iterdir()):
                continue
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            continue
        out.append(f"pid {d.name}: {cmd[:80] + ('…' if len(cmd) > 80 else '')}")
    return out


def _reads(method: Callable[..., Any]) -> Callable[..., Any]:
    """A reading method whose SQLite failure becomes a StoreError."""
    @functools.wraps(method)
    def wrapper(self: "Store", *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            raise store_error(e, self.path, "không đọc được cơ sở dữ liệu") from None
    return wrapper


def _wait_s() -> float:
    try:
        return float(os.environ.get("CCHC_DB_WAIT", LOCK_WAIT_S))
    except ValueError:
        return LOCK_WAIT_S


Key = tuple[str, Period, str]  # (unit, month, indicator)
#: Given the stored values and their files' names for the submissions' units
#: and months (read inside the write transaction), the submissions to store
#: (none: nothing to do); DataError to refuse the file.
Decide = Callable[[dict[Key, StoredValue], dict[Key, str]], Sequence[NewSubmission]]


class Store:
    """The SQLite database of submissions.  Use as a context manager."""

    def __init__(self, path: str | Path, create: bool = True, lock_wait: float | None = None):
        self.path = Path(path)
        self.lock_wait = _wait_s() if lock_wait is None else lock_wait
        if not create and not self.path.is_file():
            raise DataError([Problem("không tìm thấy cơ sở dữ liệu", file=str(self.path))])
        if create:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise store_error(e, self.path, "không tạo được thư mục") from None
        try:
            self.conn = sqlite3.connect(self.path, timeout=self.lock_wait, isolation_level=None)
        except sqlite3.Error as e:
            raise store_error(e, self.path, "không mở được cơ sở dữ liệu") from None
        try:
            self._setup()
        except sqlite3.Error as e:
            self.conn.close()
            raise store_error(e, self.path) from None
        except BaseException:
            self.conn.close()
            raise

    # -- connection and schema ------------------------------------------------
    def _setup(self) -> None:
        c = self.conn
        c.execute(f"PRAGMA busy_timeout = {int(self.lock_wait * 1000)}")
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

    def _begin_write(self) -> None:
        """BEGIN IMMEDIATE, waiting for another writer up to `lock_wait`
        seconds: SQLite's own wait of `BUSY_STEP_MS`, then a pause that
        doubles (0,05 s up to 2 s), again and again; StoreError after."""
        c = self.conn
        deadline = time.monotonic() + self.lock_wait
        pause, tries = 0.05, 0
        c.execute(f"PRAGMA busy_timeout = {min(BUSY_STEP_MS, int(self.lock_wait * 1000))}")
        try:
            while True:
                tries += 1
                try:
                    c.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as e:
                    if _kind(e) != "busy":
                        raise
                left = deadline - time.monotonic()
                if left <= 0:
                    holders = lock_holders(self.path)
                    who = ("; đang mở nó: " + ", ".join(holders[:3]) + (" …" if len(holders) > 3 else "")
                           if holders else "; không rõ tiến trình nào (có thể ở máy khác hoặc của người dùng khác)")
                    raise StoreError([Problem(
                        f"cơ sở dữ liệu bị tiến trình khác khóa ghi quá {self.lock_wait:g} giây (đã thử {tries} lần)"
                        f"{who}. Không có gì được lưu từ tệp này; chạy lại lệnh khi tiến trình kia xong "
                        "(hoặc chờ lâu hơn: biến môi trường CCHC_DB_WAIT, tính bằng giây)", file=str(self.path))])
                time.sleep(min(pause, left))
                pause = min(pause * 2, 2.0)
        finally:
            c.execute(f"PRAGMA busy_timeout = {int(self.lock_wait * 1000)}")

    def _migrate(self) -> None:
        c = self.conn
        self._begin_write()
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
                 ingested_at: datetime | None = None, decide: Decide | None = None) -> list[int]:
        """Store one file's submissions in one transaction; their ids.

        The caller has validated the file on its own.  `decide`, if given, is
        called inside the transaction with the values stored for the
        submissions' units and months, and returns what to store (or raises
        DataError: nothing is stored).  Raises DataError if the same file
        (SHA-256) was stored meanwhile by another process; StoreError if the
        database cannot be written."""
        ingested_at = ingested_at or datetime.now().astimezone()
        c = self.conn
        try:
            self._begin_write()
        except sqlite3.Error as e:
            raise store_error(e, self.path, f"không ghi được tệp {name}") from None
        try:
            if c.execute("SELECT 1 FROM files WHERE sha256 = ?", (sha256,)).fetchone():
                raise DataError([Problem("tệp này vừa được nạp bởi một phiên khác", file=name)])
            submissions = list(submissions)
            if decide is not None:
                current, origins = self._current_of({(s.unit, s.month) for s in submissions})
                submissions = list(decide(current, origins))
                if not submissions:
                    c.execute("ROLLBACK")
                    return []
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
            c.execute("COMMIT")
        except sqlite3.Error as e:
            self._rollback()
            raise store_error(e, self.path, f"không ghi được tệp {name}") from None
        except BaseException:
            self._rollback()
            raise
        return ids

    def _rollback(self) -> None:
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite rolls back itself when it cannot go on (disk full, I/O error)

    def _current_of(self, unit_months: set[tuple[str, Period]]
                    ) -> tuple[dict[Key, StoredValue], dict[Key, str]]:
        """Current values, and their files' names, of these units and months."""
        months = {m for _, m in unit_months}
        units = {u for u, _ in unit_months}
        where, args = _filter(None, months)
        if len(units) <= 50:  # a form, a few units: let the (unit, month) index do the work
            where += f" AND s.unit IN ({', '.join('?' for _ in units)})"
            args += sorted(units)
        values: dict[Key, StoredValue] = {}
        names: dict[Key, str] = {}
        for u, m, ind, value, evidence, extra, name in self.conn.execute(
                "SELECT s.unit, s.month, v.indicator, v.value, v.evidence, v.extra, f.name "
                "FROM submissions s JOIN submission_values v ON v.submission_id = s.id JOIN files f ON f.id = s.file_id"
                f"{where} ORDER BY s.id", args):
            if u not in units:
                continue
            key = (u, parse_month(m), ind)
            if key[:2] not in unit_months:
                continue
            values[key] = StoredValue(value, evidence, _extra_tuple(extra))
            names[key] = name
        return values, names

    # -- reading -------------------------------------------------------------
    @_reads
    def file_by_sha(self, sha256: str) -> FileRecord | None:
        row = self.conn.execute("SELECT * FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return _file(row) if row else None

    @_reads
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

    @_reads
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

    @_reads
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

    @_reads
    def submissions(self, unit: str | None = None, months: Iterable[Period] | None = None) -> list[SubmissionRecord]:
        """Accepted submissions in ingestion order, with their files."""
        where, args = _filter(unit, months)
        rows = self.conn.execute(
            "SELECT s.id, s.unit, s.month, f.* FROM submissions s JOIN files f ON f.id = s.file_id"
            f"{where} ORDER BY s.id", args).fetchall()
        return [SubmissionRecord(r[0], r[1], parse_month(r[2]), _file(r[3:])) for r in rows]

    @_reads
    def value_counts(self, unit: str | None = None, months: Iterable[Period] | None = None) -> dict[int, int]:
        """Submission id → how many values it gave (0: a form sent with no figure at all)."""
        where, args = _filter(unit, months)
        return dict(self.conn.execute(
            "SELECT s.id, count(v.indicator) FROM submissions s LEFT JOIN submission_values v ON v.submission_id = s.id"
            f"{where} GROUP BY s.id", args).fetchall())

    @_reads
    def values_of(self, submission_id: int) -> dict[str, StoredValue]:
        return {ind: StoredValue(v, e, _extra_tuple(x)) for ind, v, e, x in self.conn.execute(
            "SELECT indicator, value, evidence, extra FROM submission_values WHERE submission_id = ? ORDER BY indicator",
            (submission_id,))}

    @_reads
    def files(self) -> list[FileRecord]:
        return [_file(r) for r in self.conn.execute("SELECT * FROM files ORDER BY id")]

    @_reads
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
