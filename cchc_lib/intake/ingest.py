"""Ingestion: filled forms and long tables → validated submissions → the store.

Each file is handled on its own: every cell is read and checked first (the
contract's rules, plus the form's own), and only a file with no problem at
all is written, in one transaction.  A refused file changes nothing in the
database.  The same file twice (same SHA-256) stores nothing new; nor does
a file whose every value is already the current one.  A file is also refused
if, merged with the values already stored for a unit and month, it would
break one of the catalogue's part-of-whole limits (contract v2, 3.3): that
check reads the stored values inside the write transaction, so what is
stored always keeps every limit, however many ingests run at once.

Months after the current one (by the reporting cut-off: a month's figures
run to its cut-off day, the 14th by default) are refused unless `force`.
When the database itself cannot be written (read-only, disk full, locked
too long, no file descriptors), ingestion stops there: the files after it
are not tried, and running the same command again later stores exactly
what is missing.
"""
from __future__ import annotations

import errno
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Sequence

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.core.deadlines import DECREE_CUTOFF_DAY
from cchc_lib.errors import DataError, Problem, os_error_vi
from cchc_lib.intake.forms import (SHEET as FORM_SHEET, MONTH_CELL, form_cells, form_where, not_a_form, read_form,
                                   renamed_form_sheet)
from cchc_lib.intake.limits import Where, limit_problems
from cchc_lib.progress import progress as progress_bar
from cchc_lib.core.dataset import Observation
from cchc_lib.intake.long_table import COLUMNS, read_rows, validate_rows, value_where
from cchc_lib.core.periods import Period
from cchc_lib.store.db import NewSubmission, Store, StoreError, StoredValue, encode
from cchc_lib.core.units import Registry
from cchc_lib.intake.xlsx import Workbook, XlsxError

#: The day a month's figures close when none is given (Nghị định 09/2019/NĐ-CP:
#: the 14th); `cchc ingest` passes the project's (`load_cutoff`, params/reporting.yaml).
DEFAULT_CUTOFF_DAY = DECREE_CUTOFF_DAY

EVIDENCE_COLUMN = "evidence"
STORED, DUPLICATE, UNCHANGED, EMPTY, REFUSED = "stored", "duplicate", "unchanged", "empty", "refused"
FAILED, NOT_TRIED = "failed", "not_tried"  # the database could not be used; the files after it
#: A form with no figure at all: stored (the unit did send it) as "nộp biểu trống", with a warning.
BLANK_FORM = "blank_form"
KIND_LABEL = {"form": "biểu mẫu", "table": "bảng số liệu"}


@dataclass
class FileResult:
    """What happened to one file."""

    file: str
    state: str  # stored | blank_form | duplicate | unchanged | empty | refused | failed | not_tried
    message: str
    problems: list[Problem] = field(default_factory=list)
    submission_ids: list[int] = field(default_factory=list)
    values: int = 0


@dataclass
class IngestReport:
    results: list[FileResult]

    @property
    def refused(self) -> list[FileResult]:
        """Files not stored because of a problem: refused, or the database failed."""
        return [r for r in self.results if r.state in (REFUSED, FAILED)]

    @property
    def ok(self) -> bool:
        return not self.refused and not any(r.state == NOT_TRIED for r in self.results)

    def summary(self) -> str:
        lines = [r.message for r in self.results]
        stored = sum(r.state in (STORED, BLANK_FORM) for r in self.results)
        untried = sum(r.state == NOT_TRIED for r in self.results)
        if len(self.results) > 1:
            lines.append(f"Tổng cộng: {len(self.results)} tệp, lưu {stored}, từ chối {len(self.refused)}, "
                         f"không có gì mới {len(self.results) - stored - len(self.refused) - untried}"
                         + (f", chưa nạp {untried}" if untried else "") + ".")
        return "\n".join(lines)


class IngestError(DataError):
    """Some files were refused.  `summary` is the per-file report; every
    problem is printed on its own line (the CLI honours `every_line`)."""

    every_line = True

    def __init__(self, report: IngestReport):
        self.report = report
        self.summary = report.summary()
        super().__init__([p for r in report.refused for p in r.problems])


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


Key = tuple[str, Period, str]  # (unit, month, indicator)


def group(observations: Iterable[Observation]) -> list[NewSubmission]:
    """Long-table observations as one submission per unit and month (file order)."""
    subs: dict[tuple[str, Period], NewSubmission] = {}
    for o in observations:
        sub = subs.get((o.unit, o.month))
        if sub is None:
            sub = subs[(o.unit, o.month)] = NewSubmission(o.unit, o.month)
        extra = dict(o.extra)
        evidence = (extra.pop(EVIDENCE_COLUMN, "") or "").strip() or None
        sub.values[o.indicator] = StoredValue(encode(o.value), evidence,
                                              tuple((k, v) for k, v in extra.items() if v.strip()))
    return list(subs.values())


def parse_located(path: str | Path, catalogue: Catalogue, registry: Registry
                  ) -> tuple[str, list[NewSubmission], dict[Key, Where]]:
    """('form' | 'table', the submissions of a file, where each value is in it
    (row or cell)); DataError with every problem."""
    p = Path(path)
    not_form = ""
    if p.suffix.lower() in (".xlsx", ".xlsm") and p.is_file():
        try:
            with Workbook(p) as book:
                cells = form_cells(book)
                merged = book.merged(FORM_SHEET) if cells is not None else []
                if cells is None:
                    renamed = renamed_form_sheet(book)
                    if renamed is not None:
                        raise DataError([Problem(
                            f"không phải biểu mẫu cchc: sheet '{FORM_SHEET}' đã bị đổi tên thành '{renamed}'; "
                            f"hãy đổi lại tên sheet hoặc dùng biểu mẫu gốc", file=p.name, sheet=renamed)])
                    not_form = not_a_form(book)
        except XlsxError as e:
            raise DataError([Problem(f"không đọc được tệp Excel: {e}", file=p.name)]) from None
        if cells is not None:
            form = read_form(cells, p.name, catalogue, registry, merged)
            sub = NewSubmission(form.unit, form.month, {
                ind: StoredValue(encode(v), form.evidence.get(ind)) for ind, v in form.values.items()})
            where = {(form.unit, form.month, ind): w for ind, w in form_where(form).items()}
            where[(form.unit, form.month, "")] = Where(FORM_SHEET, cell=MONTH_CELL)
            return "form", [sub], where  # a form with no figure is still the unit's submission
    header, rows, sheet = read_rows(p)
    missing = [c for c in COLUMNS if c not in header]
    if not_form and missing:
        raise DataError([Problem(f"không phải biểu mẫu cchc ({not_form}), cũng không phải bảng số liệu (thiếu cột "
                                 f"{', '.join(missing)})", file=p.name, sheet=sheet)])
    obs = validate_rows(rows, header, catalogue, registry, p.name, sheet)
    where = {}
    for o in obs:
        where[(o.unit, o.month, o.indicator)] = value_where(o, header, sheet)
        where.setdefault((o.unit, o.month, ""), Where(sheet, o.row, COLUMNS[1]))  # the month's first row
    return "table", group(obs), where


def stored_limit_problems(subs: Sequence[NewSubmission], current: dict[Key, StoredValue],
                          where: dict[Key, Where], catalogue: Catalogue, file: str, kind: str,
                          origins: dict[Key, str] | None = None) -> list[Problem]:
    """The catalogue's part-of-whole limits on the values each unit and month
    would have once these submissions are stored: the stored values with the
    file's values over them (see `limit_problems`)."""
    stored: dict[tuple[str, Period], dict[str, object]] = {}
    names: dict[tuple[str, Period], dict[str, str]] = {}
    for (u, m, ind), sv in current.items():
        stored.setdefault((u, m), {})[ind] = sv.value
    for (u, m, ind), name in (origins or {}).items():
        names.setdefault((u, m), {})[ind] = name
    located: dict[tuple[str, Period], dict[str, Where]] = {}
    for (u, m, ind), w in where.items():
        located.setdefault((u, m), {})[ind] = w
    problems: list[Problem] = []
    for sub in subs:
        here = located.get((sub.unit, sub.month), {})
        problems.extend(limit_problems(
            sub.unit, sub.month, {ind: sv.value for ind, sv in sub.values.items()}, catalogue, file, here,
            stored=stored.get((sub.unit, sub.month), {}), origins=names.get((sub.unit, sub.month), {}),
            name=(lambda i: catalogue.indicators[i].label) if kind == "form" else str, prefix=kind != "form"))
    return problems


def latest_open_month(today: date, cutoff_day: int | None = DEFAULT_CUTOFF_DAY) -> Period:
    """The month whose figures are being gathered on `today`: its own month
    up to the cut-off day, the next one after it (`None`: calendar months)."""
    if cutoff_day is not None and today.day > cutoff_day:
        return Period.month(today.year + today.month // 12, today.month % 12 + 1)
    return Period.month(today.year, today.month)


def future_problems(subs: Sequence[NewSubmission], where: dict[Key, Where], file: str, today: date,
                    cutoff_day: int | None) -> list[Problem]:
    """Months after the one being gathered: refused (figures cannot exist yet)."""
    latest = latest_open_month(today, cutoff_day)
    out = []
    for sub in subs:
        if sub.month > latest:
            at = where.get((sub.unit, sub.month, ""), Where())
            out.append(Problem(f"{sub.unit}: tháng {sub.month} chưa tới (ngày nhận {today:%d/%m/%Y}, đang tổng hợp "
                               f"số liệu {latest.label_vi_lower}); không nạp số liệu của tháng sau tháng hiện tại "
                               "(dùng --force nếu thật sự cần)", file=file, sheet=at.sheet, row=at.row,
                               column=at.column, cell=at.cell))
    return out


def _same(sub: NewSubmission, current: dict[tuple[str, Period, str], StoredValue]) -> bool:
    for ind, new in sub.values.items():
        old = current.get((sub.unit, sub.month, ind))
        if old is None or old.value != new.value or (new.evidence and new.evidence != old.evidence):
            return False
        kept = dict(old.extra)
        if any(kept.get(k) != v for k, v in new.extra):  # a new or changed note (extra column)
            return False
    return True


def _corrections(sub: NewSubmission, current: dict[tuple[str, Period, str], StoredValue]) -> int:
    n = 0
    for ind, new in sub.values.items():
        old = current.get((sub.unit, sub.month, ind))
        n += old is not None and old.value != new.value
    return n


def _where(subs: Sequence[NewSubmission]) -> str:
    names = [f"{s.unit} {s.month}" for s in subs[:4]]
    return ", ".join(names) + (f" và {len(subs) - 4} đơn vị-tháng khác" if len(subs) > 4 else "")


def os_problem(e: OSError, file: str) -> tuple[Problem, bool]:
    """An OS error reading an input file, and whether it is the machine's
    (no file descriptors left, disk full: stop) rather than the file's."""
    if e.errno in (errno.EMFILE, errno.ENFILE):
        return Problem("không mở thêm được tệp nào: giới hạn số tệp mở của tiến trình quá thấp (ulimit -n); "
                       "tăng giới hạn (ví dụ ulimit -n 1024) rồi chạy lại", file=file), True
    if e.errno == errno.ENOSPC:
        return Problem("đĩa đầy; giải phóng chỗ trống rồi chạy lại", file=file), True
    return Problem(f"không đọc được tệp: {os_error_vi(e)}", file=file), False


def _unreadable(p: Path, problem: tuple[Problem, bool]) -> FileResult:
    if problem[1]:
        return FileResult(str(p), FAILED, f"{p.name}: CHƯA LƯU, không mở được tệp", [problem[0]])
    return FileResult(str(p), REFUSED, f"{p.name}: BỊ TỪ CHỐI, 1 lỗi, không lưu gì", [problem[0]])


class LimitClash(DataError):
    """The file, with the values stored for its units and months, would break a limit."""


def ingest(files: Sequence[str | Path], db: str | Path, by: str | None = None, *,
           catalogue: Catalogue, registry: Registry, received_at: datetime | None = None,
           progress: bool | None = None, force: bool = False, cutoff_day: int | None = DEFAULT_CUTOFF_DAY,
           lock_wait: float | None = None) -> IngestReport:
    """Validate and store each file on its own; a report per file.

    `received_at` is when the department received the files (default: now);
    the reporting status compares it with the deadline, and months after
    the one being gathered on that day (by `cutoff_day`; None: calendar
    months) are refused unless `force`.  The database is created on the
    first file that has something to store.  `lock_wait`: seconds to wait
    for another writer (see Store)."""
    received = received_at or datetime.now()
    if received.tzinfo is None:  # naive: the machine's local time
        received = received.astimezone()
    run = _Run(Path(db), by, catalogue, registry, received, force, cutoff_day, lock_wait)
    results: list[FileResult] = []
    todo = list(files)
    try:
        for i, f in enumerate(_progress(todo, progress)):
            results.append(run.one_file(Path(f)))
            if results[-1].state == FAILED:
                results.extend(FileResult(str(g), NOT_TRIED, f"{Path(g).name}: chưa nạp (đã dừng vì lỗi ở trên)")
                               for g in todo[i + 1:])
                break
    finally:
        run.close()
    return IngestReport(results)


@dataclass
class _Run:
    """One `ingest` call: its settings, and the store once there is one."""

    db: Path
    by: str | None
    catalogue: Catalogue
    registry: Registry
    received: datetime
    force: bool
    cutoff_day: int | None
    lock_wait: float | None
    store: Store | None = None

    def __post_init__(self) -> None:
        if self.db.is_file():
            self.store = Store(self.db, create=False, lock_wait=self.lock_wait)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    def one_file(self, p: Path) -> FileResult:
        name = p.name
        try:
            sha = sha256_of(p)
        except OSError as e:
            return _unreadable(p, os_problem(e, str(p)))
        try:
            earlier = self.store.file_by_sha(sha) if self.store else None
        except StoreError as e:
            return FileResult(str(p), FAILED, f"{name}: CHƯA LƯU, lỗi cơ sở dữ liệu", list(e.problems))
        if earlier:
            return _duplicate(p, earlier.ingested_at, earlier.name, earlier.id)
        try:
            kind, subs, where = parse_located(p, self.catalogue, self.registry)
        except DataError as e:
            return FileResult(str(p), REFUSED, f"{name}: BỊ TỪ CHỐI, {len(e.problems)} lỗi, không lưu gì",
                              list(e.problems))
        except OSError as e:
            return _unreadable(p, os_problem(e, name))
        if not subs:
            return FileResult(str(p), EMPTY, f"{name}: tệp không có giá trị nào; không lưu gì")
        if not self.force:
            future = future_problems(subs, where, name, self.received.date(), self.cutoff_day)
            if future:
                return FileResult(str(p), REFUSED, f"{name}: BỊ TỪ CHỐI, {len(future)} lỗi (tháng chưa tới), "
                                                   "không lưu gì", future)
        if kind == "form" and not any(s.values for s in subs):
            return self._blank_form(p, sha, subs[0])
        decided: dict[str, object] = {}

        def decide(current: dict[Key, StoredValue], origins: dict[Key, str]) -> list[NewSubmission]:
            """Inside the write transaction: what changed, checked against the stored values."""
            changed = [s for s in subs if not _same(s, current)]
            if changed:
                clash = stored_limit_problems(changed, current, where, self.catalogue, name, kind, origins)
                if clash:
                    raise LimitClash(clash)
            decided.update(changed=changed, fixes=sum(_corrections(s, current) for s in changed))
            return changed

        try:
            if self.store is None:
                self.store = Store(self.db, create=True, lock_wait=self.lock_wait)
            ids = self.store.add_file(name, sha, kind, subs, self.received, self.by, decide=decide)
        except StoreError as e:
            return FileResult(str(p), FAILED, f"{name}: CHƯA LƯU, lỗi cơ sở dữ liệu", list(e.problems))
        except LimitClash as e:
            return FileResult(str(p), REFUSED, (f"{name}: BỊ TỪ CHỐI, {len(e.problems)} lỗi (mâu thuẫn với số liệu "
                                                "đã lưu), không lưu gì"), list(e.problems))
        except DataError:  # the same file, stored meanwhile by another process
            earlier = self.store.file_by_sha(sha)
            return _duplicate(p, earlier.ingested_at, earlier.name, earlier.id) if earlier else FileResult(
                str(p), DUPLICATE, f"{name}: tệp này vừa được nạp bởi một phiên khác; không lưu gì thêm")
        changed: list[NewSubmission] = decided.get("changed", [])  # type: ignore[assignment]
        if not ids:
            return FileResult(str(p), UNCHANGED, (
                f"{name}: mọi giá trị ({sum(len(s.values) for s in subs)}) đã có sẵn trong cơ sở dữ liệu; "
                "không lưu gì thêm"))
        n = sum(len(s.values) for s in changed)
        msg = f"{name}: đã lưu {n} giá trị ({KIND_LABEL[kind]}: {_where(changed)})"
        if decided.get("fixes"):
            msg += f", trong đó {decided['fixes']} giá trị thay cho số liệu gửi trước"
        if len(changed) < len(subs):
            msg += f"; {len(subs) - len(changed)} đơn vị-tháng không đổi, bỏ qua"
        return FileResult(str(p), STORED, msg, [], ids, n)


    def _blank_form(self, p: Path, sha: str, sub: NewSubmission) -> FileResult:
        """A form with no figure: the unit did send it; stored as "nộp biểu trống", with a warning."""
        try:
            if self.store is None:
                self.store = Store(self.db, create=True, lock_wait=self.lock_wait)
            ids = self.store.add_file(p.name, sha, "form", [sub], self.received, self.by)
        except StoreError as e:
            return FileResult(str(p), FAILED, f"{p.name}: CHƯA LƯU, lỗi cơ sở dữ liệu", list(e.problems))
        except DataError:  # the same file, stored meanwhile by another process
            return FileResult(str(p), DUPLICATE, f"{p.name}: tệp này vừa được nạp bởi một phiên khác; không lưu gì thêm")
        return FileResult(str(p), BLANK_FORM, (
            f"{p.name}: CẢNH BÁO: biểu mẫu không có số liệu nào; đã ghi nhận {self.registry.get(sub.unit).name} "
            f"{sub.month.label_vi_lower} là nộp biểu trống (đề nghị đơn vị gửi lại biểu có số liệu)"), [], ids, 0)


def _duplicate(p: Path, at: datetime, name: str, file_id: int) -> FileResult:
    return FileResult(str(p), DUPLICATE, (f"{p.name}: tệp này đã được nạp lúc {at:%d/%m/%Y %H:%M} "
                                          f"(tệp '{name}', mã tệp #{file_id}); không lưu gì thêm"))


def _progress(files: Sequence[str | Path], progress: bool | None) -> Iterable[str | Path]:
    if len(files) < 2 or progress is False:
        return files
    return progress_bar(files, desc="Nạp tệp", unit="tệp", enabled=progress)
