"""Ingestion: filled forms and long tables → validated submissions → the store.

Each file is handled on its own: every cell is read and checked first (the
contract's rules, plus the form's own), and only a file with no problem at
all is written, in one transaction.  A refused file changes nothing in the
database.  The same file twice (same SHA-256) stores nothing new; nor does
a file whose every value is already the current one.  A file is also refused
if, merged with the values already stored for a unit and month, it would
break one of the catalogue's limits (a part larger than its whole): what is
stored must always be scorable.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Sequence

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.errors import DataError, Problem, os_error_vi
from cchc_lib.progress import progress as progress_bar
from cchc_lib.intake.forms import SHEET as FORM_SHEET, form_cells, read_form
from cchc_lib.core.dataset import Observation
from cchc_lib.intake.long_table import COLUMNS, read_rows, validate_rows
from cchc_lib.core.periods import Period
from cchc_lib.store.db import NewSubmission, Store, StoredValue, encode
from cchc_lib.core.units import Registry
from cchc_lib.intake.xlsx import Workbook, XlsxError

EVIDENCE_COLUMN = "evidence"
STORED, DUPLICATE, UNCHANGED, EMPTY, REFUSED = "stored", "duplicate", "unchanged", "empty", "refused"
#: A form with no figure at all: stored (the unit did send it) as "nộp biểu trống", with a warning.
BLANK_FORM = "blank_form"
KIND_LABEL = {"form": "biểu mẫu", "table": "bảng số liệu"}


@dataclass
class FileResult:
    """What happened to one file."""

    file: str
    state: str  # stored | blank_form | duplicate | unchanged | empty | refused
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
        stored = sum(r.state in (STORED, BLANK_FORM) for r in self.results)
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


@dataclass(frozen=True)
class Where:
    """Where a value is in its file (for a located problem)."""

    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None


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
            where = {(form.unit, form.month, ind): Where(FORM_SHEET, cell=ref) for ind, ref in form.cells.items()}
            return "form", [sub], where  # a form with no figure is still the unit's submission
    header, rows, sheet = read_rows(p)
    obs = validate_rows(rows, header, catalogue, registry, p.name, sheet)
    letter = None
    if sheet is not None and COLUMNS[3] in header:  # XLSX: name the value's cell too
        from openpyxl.utils import get_column_letter

        letter = get_column_letter(header.index(COLUMNS[3]) + 1)
    where = {(o.unit, o.month, o.indicator): Where(sheet, o.row, COLUMNS[3],
                                                   f"{letter}{o.row}" if letter and o.row else None) for o in obs}
    return "table", group(obs), where


def merged_limit_problems(subs: Sequence[NewSubmission], current: dict[Key, StoredValue],
                          where: dict[Key, Where], catalogue: Catalogue, file: str,
                          origins: dict[Key, str] | None = None) -> list[Problem]:
    """The catalogue's limits (sum of parts ≤ whole) on the values a unit and
    month would have once these submissions are stored: the stored values
    with the file's values over them.  Only limits that mix a value of the
    file with a stored one are checked here (a file's own values are checked
    when it is read, and a limit broken by stored values alone is not this
    file's doing).  Each problem is located at the file's first value in it."""
    problems: list[Problem] = []
    by_unit_month: dict[tuple[str, Period], dict[str, object]] = {}
    for (u, m, ind), sv in current.items():
        by_unit_month.setdefault((u, m), {})[ind] = sv.value
    for sub in subs:
        stored = by_unit_month.get((sub.unit, sub.month), {})
        merged = {**stored, **{ind: sv.value for ind, sv in sub.values.items()}}
        for lim in catalogue.limits:
            names = (*lim.parts, lim.whole)
            if any(n not in merged for n in names):
                continue
            new = [n for n in names if n in sub.values]
            if not new or len(new) == len(names):
                continue
            if sum(merged[n] for n in lim.parts) <= merged[lim.whole]:
                continue

            def show(n: str) -> str:
                return f"{n} ({merged[n]}, đã lưu)" if n not in sub.values else f"{n} ({merged[n]})"

            msg = f"{sub.unit} {sub.month}: {' + '.join(show(n) for n in lim.parts)} lớn hơn {show(lim.whole)}"
            sources = dict.fromkeys((origins or {}).get((sub.unit, sub.month, n)) for n in names
                                    if n not in sub.values)
            sources.pop(None, None)
            if sources:
                msg += "; số đã lưu từ tệp " + ", ".join(f"'{s}'" for s in sources)
            at = where.get((sub.unit, sub.month, new[0]), Where())
            problems.append(Problem(msg, file=file, sheet=at.sheet, row=at.row, column=at.column, cell=at.cell))
    return problems


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
                problem = Problem(f"không đọc được tệp: {os_error_vi(e)}", file=str(f))
                results.append(FileResult(str(f), REFUSED, f"{name}: BỊ TỪ CHỐI, 1 lỗi, không lưu gì", [problem]))
                continue
            earlier = store.file_by_sha(sha) if store else None
            if earlier:
                results.append(FileResult(str(f), DUPLICATE, (
                    f"{name}: tệp này đã được nạp lúc {earlier.ingested_at:%d/%m/%Y %H:%M} "
                    f"(tệp '{earlier.name}', mã tệp #{earlier.id}); không lưu gì thêm")))
                continue
            try:
                kind, subs, where = parse_located(p, catalogue, registry)
            except DataError as e:
                results.append(FileResult(str(f), REFUSED, (
                    f"{name}: BỊ TỪ CHỐI, {len(e.problems)} lỗi, không lưu gì"), list(e.problems)))
                continue
            if not subs:
                results.append(FileResult(str(f), EMPTY, f"{name}: tệp không có giá trị nào; không lưu gì"))
                continue
            if kind == "form" and not any(s.values for s in subs):
                store = store or Store(db, create=True)
                ids = store.add_file(name, sha, kind, subs, received, by)
                results.append(FileResult(str(f), BLANK_FORM, (
                    f"{name}: CẢNH BÁO: biểu mẫu không có số liệu nào; đã ghi nhận {registry.get(subs[0].unit).name} "
                    f"{subs[0].month.label_vi_lower} là nộp biểu trống (đề nghị đơn vị gửi lại biểu có số liệu)"),
                    [], ids, 0))
                continue
            current = store.current(months={s.month for s in subs}) if store else {}
            changed = [s for s in subs if not _same(s, current)]
            if not changed:
                results.append(FileResult(str(f), UNCHANGED, (
                    f"{name}: mọi giá trị ({sum(len(s.values) for s in subs)}) đã có sẵn trong cơ sở dữ liệu; "
                    "không lưu gì thêm")))
                continue
            clash = merged_limit_problems(changed, current, where, catalogue, name,
                                          store.origins(months={s.month for s in changed}) if store else None)
            if clash:
                results.append(FileResult(str(f), REFUSED, (
                    f"{name}: BỊ TỪ CHỐI, {len(clash)} lỗi (mâu thuẫn với số liệu đã lưu), không lưu gì"), clash))
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
    return progress_bar(files, desc="Nạp tệp", unit="tệp", enabled=progress)
