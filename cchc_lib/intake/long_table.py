"""Reading the long table (contract section 2): CSV or XLSX → `Dataset`.

Every bad row is collected (file, row, column, reason) and raised together as
one `DataError`; nothing is returned from a file that has any.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from cchc_lib.core.catalogue import Catalogue, Indicator, fold
from cchc_lib.core.dataset import NOT_DUE, Dataset, Observation, check_limits
from cchc_lib.errors import DataError, PeriodError, Problem
from cchc_lib.files import atomic_path, csv_text, csv_untext, text_cell, write_text
from cchc_lib.fmt import count_vi
from cchc_lib.core.periods import Period, parse_month
from cchc_lib.core.units import Registry
from cchc_lib.intake.limits import Where, limit_problems
from cchc_lib.intake.xlsx import Unreadable, Workbook, XlsxError, column_index, column_letters

COLUMNS = ("unit", "period", "indicator", "value")
# Digits, or thousands in groups of three separated by one kind of mark
# (1.234 / 1,234 as Excel writes them; 1 234 as typed by hand).
_COUNT_RE = re.compile("^[0-9]+$|^[0-9]{1,3}(?:([.,\u00a0 ])[0-9]{3})(?:\\1[0-9]{3})*$")
# The contract's spellings only (section 2), compared folded (no case, no diacritics).
_TRUE = {"1", "true", "yes", "co"}
_FALSE = {"0", "false", "no", "khong"}
_NOT_DUE = {"khong phat sinh", "kps", "n/a"}
BOOL_SPELLINGS = "1/0, true/false, yes/no, có/không"
MAX_LINE = 1 << 20  # a CSV line longer than this (1 MiB) is refused, not read into memory
BLOCK = 1 << 20  # CSV bytes decoded at a time
FIELD_LIMIT_KIB = csv.field_size_limit() // 1024  # 128: csv refuses a longer field
# Excel keeps dates as day numbers; a period cell holding one between
# 1990 and 2100 is read as that day's month.
_SERIAL_DAYS = (32874, 73051)


def parse_count(raw: Any, upper: int | None = None) -> int:
    """A whole number ≥ 0 (and ≤ `upper`) from text (`1.234`, `1,234`) or a
    whole numeric cell."""
    if isinstance(raw, bool):
        raise ValueError("phải là số nguyên ≥ 0")
    if isinstance(raw, int):
        n = raw
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValueError(f"'{raw}' không phải số")
        if not raw.is_integer():
            raise ValueError(f"'{raw:g}' không phải số nguyên")
        n = int(raw)
    else:
        text = str(raw).strip()
        if not _COUNT_RE.match(text):
            raise ValueError(f"'{_short(raw)}' không phải số nguyên ≥ 0")
        n = int(re.sub("[.,\u00a0 ]", "", text))
    if n < 0:
        raise ValueError(f"'{raw}' là số âm")
    if upper is not None and n > upper:
        shown = f"{raw:g}" if isinstance(raw, float) else _short(raw)
        raise ValueError(f"'{shown}' quá lớn (tối đa {count_vi(upper)})")
    return n


def parse_bool(raw: Any, not_due: bool = False) -> bool | str:
    """Có/Không, 1/0, true/false, yes/no: any case, with or without
    diacritics.  With `not_due` (compliance figures) also «không phát
    sinh» (`kps`, `n/a`): `NOT_DUE`."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    key = " ".join(fold(str(raw)).split())
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    if key in _NOT_DUE:
        if not_due:
            return NOT_DUE
        raise ValueError(f"'{_short(raw)}': chỉ số này không nhận «không phát sinh» (chỉ Có/Không: {BOOL_SPELLINGS})")
    if not_due:
        raise ValueError(f"'{_short(raw)}' không phải Có/Không/Không phát sinh ({BOOL_SPELLINGS}, kps, n/a)")
    raise ValueError(f"'{_short(raw)}' không phải Có/Không ({BOOL_SPELLINGS})")


def parse_value(ind: Indicator, raw: Any) -> Any:
    """Typed value of `raw` for this indicator; ValueError in Vietnamese."""
    if isinstance(raw, Unreadable):
        raise ValueError(raw.reason)
    if ind.kind == "count":
        return parse_count(raw, ind.max_value)
    if ind.kind == "bool":
        return parse_bool(raw, not_due=ind.behaviour == "compliance")
    code = ind.match_level(str(raw))
    if code is None:
        raise ValueError(f"'{_short(raw)}' không phải mức hợp lệ (các mức: {', '.join(lv.label for lv in ind.levels)})")
    return code


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _short(raw: Any, width: int = 40) -> str:
    """A value as quoted in a message: one line, control characters shown, cut at `width`."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(raw)).replace("\n", " ").replace("\r", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


@dataclass
class RawRow:
    """A row as read from a file, before typing: cells by column name."""

    number: int
    cells: dict[str, Any]
    refs: dict[str, str] = field(default_factory=dict)  # column -> cell ref (XLSX)


Rows = Iterator["RawRow | Problem"]  # a Problem: the file could not be read further there


def _header_problems(header: Sequence[str], file: str, sheet: str | None) -> list[Problem]:
    """A column name given twice: which one holds the value is unknown."""
    seen: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        if h:
            seen.setdefault(h, []).append(i)
    return [Problem(f"cột '{h}' có {len(at)} lần ở dòng tiêu đề (các cột "
                    f"{', '.join(column_letters(i + 1) for i in at)}): không biết lấy cột nào",
                    file=file, sheet=sheet, row=1, column=h,
                    cell=f"{column_letters(at[1] + 1)}1" if sheet is not None else None)
            for h, at in seen.items() if len(at) > 1]


class _NotUtf8(Exception):
    def __init__(self, line: int):
        self.line = line


class _HasNul(Exception):
    def __init__(self, line: int):
        self.line = line


class _LineTooLong(Exception):
    def __init__(self, line: int):
        self.line = line


def _text_lines(path: Path) -> Iterator[str]:
    """The file's lines (split at LF, ends kept) as UTF-8 text, BOM dropped,
    read a block at a time: memory stays bounded (a line longer than
    `MAX_LINE` is refused), and a bad byte or a NUL is named by its line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line_no, pending = 1, ""
    with path.open("rb") as f:
        first = True
        while True:
            block = f.read(BLOCK)
            if first and block.startswith(codecs.BOM_UTF8):
                block = block[len(codecs.BOM_UTF8):]
            first = False
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError as e:
                raise _NotUtf8(line_no + pending.count("\n") + block[:max(e.start, 0)].count(b"\n")) from None
            if "\0" in text:
                raise _HasNul(line_no + (pending + text[:text.index("\0")]).count("\n"))
            lines = (pending + text).split("\n")
            pending = lines.pop()
            for line in lines:
                yield line + "\n"
            line_no += len(lines)
            if len(pending) > MAX_LINE:
                raise _LineTooLong(line_no)
            if not block:
                if pending:
                    yield pending
                return


def read_csv_rows(path: Path) -> tuple[list[str], Rows]:
    lines = _text_lines(path)
    try:
        first = next(lines, "")
    except (_NotUtf8, _HasNul) as e:
        raise DataError([_encoding_problem(e, path.name, e.line)]) from None
    except _LineTooLong as e:
        raise DataError([Problem("dòng tiêu đề dài quá 1 MiB: không phải bảng số liệu", file=path.name,
                                 row=e.line)]) from None
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    try:
        header = [csv_untext(h.strip()) for h in next(reader)]
    except StopIteration:
        raise DataError([Problem("tệp rỗng, thiếu dòng tiêu đề", file=path.name, row=1)]) from None
    except csv.Error as e:
        raise DataError([_csv_problem(e, path.name, 1)]) from None
    problems = _header_problems(header, path.name, None)
    if problems:
        raise DataError(problems)
    named = [(i, h) for i, h in enumerate(header) if h]

    def rows() -> Rows:
        n = 1
        while True:
            n += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                yield _csv_problem(e, path.name, n)
                return
            except (_NotUtf8, _HasNul) as e:
                yield _encoding_problem(e, path.name, n)
                return
            except _LineTooLong:
                yield Problem("dòng dài quá 1 MiB: không đọc tiếp", file=path.name, row=n)
                return
            if not any(c.strip() for c in cells):
                continue
            yield RawRow(n, {h: (_untext(cells[i]) if i < len(cells) else None) for i, h in named})

    return header, rows()


def _untext(cell: str) -> str:
    return csv_untext(cell) if cell[:1] == "'" else cell


def _encoding_problem(e: Exception, file: str, row: int) -> Problem:
    if isinstance(e, _HasNul):
        return Problem("dòng có ký tự NUL: tệp CSV phải là văn bản mã hóa UTF-8 (không phải UTF-16 hay tệp nhị phân)",
                       file=file, row=row)
    return Problem(f"tệp CSV phải mã hóa UTF-8 (byte lỗi ở dòng {row})", file=file, row=row)


def _csv_problem(e: csv.Error, file: str, row: int) -> Problem:
    text = str(e)
    if "field larger than field limit" in text:
        return Problem(f"một ô dài quá {FIELD_LIMIT_KIB} KiB (có thể thiếu dấu ngoặc kép đóng): không đọc tiếp",
                       file=file, row=row)
    if "NUL" in text:
        return Problem("dòng có ký tự NUL: không phải tệp CSV văn bản", file=file, row=row)
    return Problem(f"CSV không hợp lệ ({text})", file=file, row=row)


def read_xlsx_rows(path: Path) -> tuple[list[str], Rows, str]:
    try:
        book = Workbook(path)
    except XlsxError as e:
        raise DataError([Problem(f"không đọc được tệp Excel: {e}", file=path.name)]) from None
    try:
        sheet = "data" if "data" in book.sheetnames else (book.sheetnames or [""])[0]
        it = book.rows(sheet)
        try:
            n, first = next(it, (0, {}))
        except XlsxError as e:
            raise DataError([Problem(f"không đọc được tệp Excel: {e}", file=path.name, sheet=sheet)]) from None
        if n != 1:
            raise DataError([Problem("trang tính thiếu dòng tiêu đề ở dòng 1", file=path.name, sheet=sheet, row=1)])
        width = max(column_index(c) for c in first)
        header = ["" if first.get(column_letters(i)) is None else str(first[column_letters(i)]).strip()
                  for i in range(1, width + 1)]
        problems = _header_problems(header, path.name, sheet)
        if problems:
            raise DataError(problems)
    except BaseException:
        book.close()
        raise
    letters = [column_letters(i + 1) for i in range(len(header))]

    def rows() -> Rows:
        try:
            for n, cells in it:
                values = [cells.get(letter) for letter in letters]
                if all(is_blank(c) for c in values):
                    continue
                yield RawRow(n, {h: values[i] for i, h in enumerate(header) if h},
                             {h: f"{letters[i]}{n}" for i, h in enumerate(header) if h})
            for ref in book.merged(sheet):
                yield Problem(f"các ô {ref} bị gộp: chỉ ô đầu giữ giá trị, các ô còn lại sẽ bị mất; hãy bỏ gộp ô",
                              file=path.name, sheet=sheet, cell=ref.split(":")[0])
        except XlsxError as e:
            yield Problem(f"không đọc được tệp Excel: {e}", file=path.name, sheet=sheet)
        finally:
            book.close()

    return header, rows(), sheet


def read_rows(path: str | Path) -> tuple[list[str], Rows, str | None]:
    """Header and raw rows of a CSV or XLSX long table."""
    p = Path(path)
    if not p.is_file():
        raise DataError([Problem("không tìm thấy tệp", file=str(p))])
    suffix = p.suffix.lower()
    if suffix == ".csv":
        header, rows = read_csv_rows(p)
        return header, rows, None
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx_rows(p)
    raise DataError([Problem(f"định dạng không hỗ trợ '{p.suffix}' (dùng .csv hoặc .xlsx)", file=p.name)])


def validate_rows(rows: Iterable[RawRow | Problem], header: Sequence[str], catalogue: Catalogue,
                  registry: Registry, file: str, sheet: str | None = None) -> list[Observation]:
    """Type and check raw rows; DataError with every problem, or the observations."""
    problems: list[Problem] = []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DataError([Problem(f"thiếu cột '{c}' ở dòng tiêu đề (cần: {', '.join(COLUMNS)})",
                                 file=file, sheet=sheet, row=1, column=c) for c in missing])
    extras = [h for h in header if h and h not in COLUMNS]
    out: list[Observation] = []
    first_row: dict[tuple[str, Period, str], int] = {}
    months_seen: dict[str, Period] = {}  # one Period object per spelling: parse once, share it
    parsed: dict[tuple[str, type, Any], Any] = {}
    for row in rows:
        if isinstance(row, Problem):  # the file could not be read further (or a merged range)
            problems.append(row)
            continue

        def bad(column: str, message: str) -> None:
            problems.append(Problem(message, file=file, sheet=sheet, row=row.number, column=column,
                                    cell=row.refs.get(column)))

        if row.refs:  # XLSX: a cell may hold no value at all
            unreadable = [(h, v) for h, v in row.cells.items() if isinstance(v, Unreadable)]
            for h, v in unreadable:
                bad(h, str(v))
            if unreadable:
                continue
        unit = row.cells.get("unit")
        unit = None if is_blank(unit) else str(unit).strip()
        ind_id = row.cells.get("indicator")
        ind_id = None if is_blank(ind_id) else str(ind_id).strip()
        raw_period = row.cells.get("period")
        ok = True
        if unit is None:
            bad("unit", "thiếu mã đơn vị")
            ok = False
        elif unit not in registry:
            bad("unit", f"đơn vị không có trong danh mục: '{_short(unit)}'")
            ok = False
        month = None
        text = _period_text(raw_period)
        try:
            month = months_seen[text] if isinstance(text, str) and text in months_seen else parse_month(text)
            if isinstance(text, str):
                months_seen[text] = month
        except PeriodError as e:
            bad("period", str(e))
            ok = False
        if ind_id is None:
            bad("indicator", "thiếu mã chỉ số")
            ok = False
        elif ind_id not in catalogue.indicators:
            bad("indicator", f"chỉ số không tồn tại: '{_short(ind_id)}'")
            ok = False
        raw = row.cells.get("value")
        if is_blank(raw):
            continue  # an empty value is missing, never zero or "no"
        value = None
        if ind_id in catalogue.indicators:
            vkey = (ind_id, type(raw), raw)  # the same few spellings recur: parse each once
            try:
                value = parsed[vkey]
            except KeyError:
                try:
                    value = parsed[vkey] = parse_value(catalogue.indicators[ind_id], raw)
                except ValueError as e:
                    bad("value", f"{ind_id}: {e}")
                    ok = False
        if not ok:
            continue
        key = (unit, month, ind_id)
        if key in first_row:
            bad("indicator", f"trùng với dòng {first_row[key]} (cùng đơn vị {unit}, kỳ {month}, chỉ số {ind_id})")
            continue
        first_row[key] = row.number
        extra = tuple((h, "" if row.cells.get(h) is None else str(row.cells.get(h))) for h in extras)
        out.append(Observation(unit, month, ind_id, value, row.number, extra))  # type: ignore[arg-type]
    problems.extend(table_limit_problems(out, catalogue, file, sheet, header))
    if problems:
        raise DataError(problems)
    return out


def _period_text(raw: Any) -> Any:
    # Excel turns "2023-03" typed in a cell into a date (a day number, or a
    # date-typed cell); accept it back as a month.
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and _SERIAL_DAYS[0] <= raw < _SERIAL_DAYS[1]:
        raw = date(1899, 12, 30) + timedelta(days=int(raw))
    if hasattr(raw, "year") and hasattr(raw, "month") and not isinstance(raw, str):
        return f"{raw.year:04d}-{raw.month:02d}"
    return raw.strip() if isinstance(raw, str) else raw


def value_where(obs: Observation, header: Sequence[str], sheet: str | None) -> Where:
    """Where an observation's value is in its long table."""
    cell = None
    if sheet is not None and obs.row and COLUMNS[3] in header:
        cell = f"{column_letters(header.index(COLUMNS[3]) + 1)}{obs.row}"
    return Where(sheet, obs.row, COLUMNS[3], cell)


def table_limit_problems(obs: Sequence[Observation], catalogue: Catalogue, file: str, sheet: str | None,
                         header: Sequence[str]) -> list[Problem]:
    """The part-of-whole limits of 3.3, per unit and month of the table."""
    groups: dict[tuple[str, Period], list[Observation]] = {}
    for o in obs:
        groups.setdefault((o.unit, o.month), []).append(o)
    problems = []
    for (unit, month), items in groups.items():
        values = {o.indicator: o.value for o in items}
        if check_limits(values, catalogue):  # only then say where
            problems.extend(limit_problems(unit, month, values, catalogue, file,
                                           {o.indicator: value_where(o, header, sheet) for o in items}))
    return sorted(problems, key=lambda p: p.row or 0)


def load_table(path: str | Path, catalogue: Catalogue, registry: Registry) -> Dataset:
    """Read and validate a long table (CSV/XLSX) into a Dataset."""
    p = Path(path)
    header, rows, sheet = read_rows(p)
    return Dataset(validate_rows(rows, header, catalogue, registry, p.name, sheet), source=str(p))


# --- writing the long table -----------------------------------------------------------

def long_table_rows(catalogue: Catalogue, observations: Iterable[Observation],
                    extra_columns: Sequence[str] = ()) -> Iterator[list[object]]:
    for o in observations:
        row: list[object] = [o.unit, str(o.month), o.indicator, catalogue.indicators[o.indicator].display(o.value)]
        if extra_columns:
            extra = dict(o.extra)
            row.extend(extra.get(c) or "" for c in extra_columns)
        yield row


def write_long_table(path: str | Path, catalogue: Catalogue, observations: Iterable[Observation],
                     extra_columns: Sequence[str] | None = None) -> Path:
    """Write the contract's long table: CSV (UTF-8 with BOM, for Excel) or XLSX.

    No cell is a formula for a spreadsheet program: in XLSX every string is
    a text cell; in CSV a string starting with = + - @, tab or CR gets a
    single quote in front (OWASP), which `read_rows` takes off again.
    `extra_columns` (e.g. ``["evidence", "note"]``) are written after the
    contract's four, from each observation's `extra` (empty where it has
    none); by default only the four."""
    p = Path(path)
    extras = [c for c in dict.fromkeys(extra_columns or ()) if c not in COLUMNS]
    header = [*COLUMNS, *extras]
    rows = long_table_rows(catalogue, observations, extras)
    if p.suffix.lower() == ".xlsx":
        import openpyxl
        from openpyxl.cell import WriteOnlyCell

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("data")

        def cell(v: object) -> object:
            return text_cell(WriteOnlyCell(ws), v) if isinstance(v, str) else v

        ws.append([cell(h) for h in header])
        for r in rows:
            ws.append([cell(v) for v in r])
        with atomic_path(p) as tmp:
            wb.save(tmp)
        return p
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")  # RFC 4180: a field with a CR or LF in it is quoted
    w.writerow([csv_text(h) for h in header])
    w.writerows([csv_text(v) for v in r] for r in rows)
    return write_text(p, buf.getvalue(), encoding="utf-8-sig")
