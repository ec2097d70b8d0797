"""Ingestion: filled forms and long tables → validated submissions → the store.

Each file is handled on its own: every cell is read and checked first (the
contract's rules, plus the form's own), and only a file with no problem at
all is written, in one transaction.  A refused file changes nothing in the
database.  The same file twice (same SHA-256) stores nothing new; nor does
a file whose every value is already the current one.
"""
from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Sequence

from .catalogue import Catalogue
from .errors import DataError, Problem
from .forms import form_cells, read_form
from .loading import Observation, read_rows, validate_rows
from .periods import Period
from .store import NewSubmission, Store, StoredValue, encode
from .units import Registry
from .xlsx import Workbook, XlsxError

EVIDENCE_COLUMN = "evidence"
STORED, DUPLICATE, UNCHANGED, EMPTY, REFUSED = "stored", "duplicate", "unchanged", "empty", "refused"
KIND_LABEL = {"form": "biểu mẫu", "table": "bảng số liệu"}


@dataclass
class FileResult:
    """What happened to one file."""

    file: str
    state: str  # stored | duplicate | unchanged | empty | refused
    message: str
    problems: list[Problem] = field(default_factory=list)
    submission_ids: list[int] = field(default_factory=list)
    values: int = 0


@dataclass
class IngestReport:
    results: list[FileResult]

    @property
    def refused(self) -> list[FileResult]:
        return [r for r in self.results if r.state == REFUSED]

    @property
    def ok(self) -> bool:
        return not self.refused

    def summary(self) -> str:
        lines = [r.message for r in self.results]
        stored = sum(r.state == STORED for r in self.results)
        if len(self.results) > 1:
            lines.append(f"Tổng cộng: {len(self.results)} tệp, lưu {stored}, từ chối {len(self.refused)}, "
                         f"không có gì mới {len(self.results) - stored - len(self.refused)}.")
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


def parse_file(path: str | Path, catalogue: Catalogue, registry: Registry) -> tuple[str, list[NewSubmission]]:
    """('form' | 'table', submissions) of a file; DataError with every problem."""
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xlsm") and p.is_file():
        try:
            with Workbook(p) as book:
                cells = form_cells(book)
        except XlsxError as e:
            raise DataError([Problem(f"không đọc được tệp Excel: {e}", file=p.name)]) from None
        if cells is not None:
            form = read_form(cells, p.name, catalogue, registry)
            sub = NewSubmission(form.unit, form.month, {
                ind: StoredValue(encode(v), form.evidence.get(ind)) for ind, v in form.values.items()})
            return "form", [sub] if sub.values else []
    header, rows, sheet = read_rows(p)
    return "table", group(validate_rows(rows, header, catalogue, registry, p.name, sheet))


def _same(sub: NewSubmission, current: dict[tuple[str, Period, str], StoredValue]) -> bool:
    for ind, new in sub.values.items():
        old = current.get((sub.unit, sub.month, ind))
        if old is None or old.value != new.value or (new.evidence and new.evidence != old.evidence):
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


def ingest(files: Sequence[str | Path], db: str | Path, by: str | None = None, *,
           catalogue: Catalogue, registry: Registry, received_at: datetime | None = None,
           progress: bool | None = None) -> IngestReport:
    """Validate and store each file on its own; a report per file.

    `received_at` is when the department received the files (default: now);
    the reporting status compares it with the deadline.  The database is
    created on the first file that has something to store."""
    db = Path(db)
    received = received_at or datetime.now()
    if received.tzinfo is None:  # naive: the machine's local time
        received = received.astimezone()
    store: Store | None = Store(db, create=False) if db.is_file() else None
    results: list[FileResult] = []
    try:
        for f in _progress(files, progress):
            p = Path(f)
            name = p.name
            try:
                sha = sha256_of(p)
            except OSError as e:
                problem = Problem(f"không đọc được tệp ({e.strerror or e})", file=str(f))
                results.append(FileResult(str(f), REFUSED, f"{name}: BỊ TỪ CHỐI, không đọc được tệp", [problem]))
                continue
            earlier = store.file_by_sha(sha) if store else None
            if earlier:
                results.append(FileResult(str(f), DUPLICATE, (
                    f"{name}: tệp này đã được nạp lúc {earlier.ingested_at:%d/%m/%Y %H:%M} "
                    f"(tệp '{earlier.name}', mã tệp #{earlier.id}); không lưu gì thêm")))
                continue
            try:
                kind, subs = parse_file(p, catalogue, registry)
            except DataError as e:
                results.append(FileResult(str(f), REFUSED, (
                    f"{name}: BỊ TỪ CHỐI, {len(e.problems)} lỗi, không lưu gì"), list(e.problems)))
                continue
            if not subs:
                results.append(FileResult(str(f), EMPTY, f"{name}: tệp không có giá trị nào; không lưu gì"))
                continue
            current = store.current(months={s.month for s in subs}) if store else {}
            changed = [s for s in subs if not _same(s, current)]
            if not changed:
                results.append(FileResult(str(f), UNCHANGED, (
                    f"{name}: mọi giá trị ({sum(len(s.values) for s in subs)}) đã có sẵn trong cơ sở dữ liệu; "
                    "không lưu gì thêm")))
                continue
            if store is None:
                store = Store(db, create=True)
            ids = store.add_file(name, sha, kind, changed, received, by)
            n = sum(len(s.values) for s in changed)
            fixes = sum(_corrections(s, current) for s in changed)
            msg = f"{name}: đã lưu {n} giá trị ({KIND_LABEL[kind]}: {_where(changed)})"
            if fixes:
                msg += f", trong đó {fixes} giá trị thay cho số liệu gửi trước"
            if len(changed) < len(subs):
                msg += f"; {len(subs) - len(changed)} đơn vị-tháng không đổi, bỏ qua"
            results.append(FileResult(str(f), STORED, msg, [], ids, n))
    finally:
        if store is not None:
            store.close()
    return IngestReport(results)


def _progress(files: Sequence[str | Path], progress: bool | None) -> Iterable[str | Path]:
    if len(files) < 2 or progress is False:
        return files
    from tqdm import tqdm

    return tqdm(files, desc="Nạp tệp", unit="tệp", file=sys.stderr, leave=False,
                disable=None if progress is None else not progress)
