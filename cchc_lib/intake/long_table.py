"""Reading the long table (contract section 2): CSV or XLSX → `Dataset`.

Every bad row is collected (file, row, column, reason) and raised together as
one `DataError`; nothing is returned from a file that has any.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from cchc_lib.core.catalogue import Catalogue, Indicator, fold
from cchc_lib.core.dataset import NOT_DUE, Dataset, Observation
from cchc_lib.errors import DataError, PeriodError, Problem
from cchc_lib.files import atomic_path, write_text
from cchc_lib.core.periods import Period, parse_month
from cchc_lib.core.units import Registry

COLUMNS = ("unit", "period", "indicator", "value")
# Digits, or thousands in groups of three separated by one kind of mark
# (1.234 / 1,234 as Excel writes them; 1 234 as typed by hand).
_COUNT_RE = re.compile("^[0-9]+$|^[0-9]{1,3}(?:([.,\u00a0 ])[0-9]{3})(?:\\1[0-9]{3})*$")
_TRUE = {"1", "true", "yes", "co", "x", "dung"}
_FALSE = {"0", "false", "no", "khong", "sai"}
_NOT_DUE = {"khong phat sinh", "kps", "n/a"}  # compliance figures only (contract v2, 2)


def parse_count(raw: Any) -> int:
    """A whole number ≥ 0 from text (`1.234`, `1,234`) or a whole numeric cell."""
    if isinstance(raw, bool):
        raise ValueError("phải là số nguyên ≥ 0")
    if isinstance(raw, int):
        n = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(f"'{raw:g}' không phải số nguyên")
        n = int(raw)
    else:
        text = str(raw).strip()
        if not _COUNT_RE.match(text):
            raise ValueError(f"'{raw}' không phải số nguyên ≥ 0")
        n = int(re.sub("[.,\u00a0 ]", "", text))
    if n < 0:
        raise ValueError(f"'{raw}' là số âm")
    return n


def parse_bool(raw: Any) -> bool:
    """Có/Không, 1/0, true/false, yes/no: any case, with or without accents."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    key = fold(str(raw))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(f"'{raw}' không phải Có/Không (1/0, true/false, yes/no, có/không)")


def parse_value(ind: Indicator, raw: Any) -> Any:
    """Typed value of `raw` for this indicator; ValueError in Vietnamese."""
    if ind.kind == "count":
        return parse_count(raw)
    if ind.kind == "bool":
        if ind.behaviour == "compliance" and isinstance(raw, str) and fold(raw) in _NOT_DUE:
            return NOT_DUE
        return parse_bool(raw)
    code = ind.match_level(str(raw))
    if code is None:
        raise ValueError(f"'{raw}' không phải mức hợp lệ (các mức: {', '.join(lv.label for lv in ind.levels)})")
    return code


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


@dataclass
class RawRow:
    """A row as read from a file, before typing: cells by column name."""

    number: int
    cells: dict[str, Any]
    refs: dict[str, str] = field(default_factory=dict)  # column -> cell ref (XLSX)


def read_csv_rows(path: Path) -> tuple[list[str], Iterator[RawRow]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError([Problem(f"tệp CSV phải mã hóa UTF-8 (byte lỗi ở vị trí {e.start})", file=path.name)]) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise DataError([Problem("tệp rỗng, thiếu dòng tiêu đề", file=path.name, row=1)]) from None

    def rows() -> Iterator[RawRow]:
        for n, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            yield RawRow(n, {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(header) if h})

    return header, rows()


def read_xlsx_rows(path: Path) -> tuple[list[str], Iterator[RawRow], str]:
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise DataError([Problem(f"không đọc được tệp Excel: {e}", file=path.name)]) from None
    ws = wb["data"] if "data" in wb.sheetnames else wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    try:
        header = ["" if h is None else str(h).strip() for h in next(it)]
    except StopIteration:
        wb.close()
        raise DataError([Problem("trang tính rỗng, thiếu dòng tiêu đề", file=path.name, sheet=ws.title, row=1)]) from None
    letters = [get_column_letter(i + 1) for i in range(len(header))]

    def rows() -> Iterator[RawRow]:
        try:
            for n, cells in enumerate(it, start=2):
                if all(is_blank(c) for c in cells):
                    continue
                yield RawRow(n, {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(header) if h},
                             {h: f"{letters[i]}{n}" for i, h in enumerate(header) if h})
        finally:
            wb.close()

    return header, rows(), ws.title


def read_rows(path: str | Path) -> tuple[list[str], Iterator[RawRow], str | None]:
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


def validate_rows(rows: Iterable[RawRow], header: Sequence[str], catalogue: Catalogue, registry: Registry,
                  file: str, sheet: str | None = None) -> list[Observation]:
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
        def bad(column: str, message: str) -> None:
            problems.append(Problem(message, file=file, sheet=sheet, row=row.number, column=column,
                                    cell=row.refs.get(column)))

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
            bad("unit", f"đơn vị không có trong danh mục: '{unit}'")
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
            bad("indicator", f"chỉ số không tồn tại: '{ind_id}'")
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
    problems.extend(_limit_problems(out, catalogue, file, sheet))
    if problems:
        raise DataError(problems)
    return out


def _period_text(raw: Any) -> Any:
    # Excel turns "2023-03" typed in a cell into a date; accept it back as a month.
    if hasattr(raw, "year") and hasattr(raw, "month") and not isinstance(raw, str):
        return f"{raw.year:04d}-{raw.month:02d}"
    return raw.strip() if isinstance(raw, str) else raw


def _limit_problems(obs: Sequence[Observation], catalogue: Catalogue, file: str, sheet: str | None) -> list[Problem]:
    """Per unit and month: numerators above their denominators, b + c > a."""
    groups: dict[tuple[str, Period], dict[str, Observation]] = {}
    for o in obs:
        groups.setdefault((o.unit, o.month), {})[o.indicator] = o
    problems = []
    for (unit, month), by_ind in groups.items():
        vals = {k: o.value for k, o in by_ind.items()}
        for lim in catalogue.limits:
            if lim.whole not in vals or any(p not in vals for p in lim.parts):
                continue
            total = sum(vals[p] for p in lim.parts)
            if total > vals[lim.whole]:
                lhs = " + ".join(f"{p} ({vals[p]})" for p in lim.parts)
                row = by_ind[lim.parts[0]].row
                problems.append(Problem(f"{unit} {month}: {lhs} lớn hơn {lim.whole} ({vals[lim.whole]}, dòng "
                                        f"{by_ind[lim.whole].row})", file=file, sheet=sheet, row=row, column="value"))
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

        def text_cell(v: object) -> object:
            # openpyxl would store '=...' as a formula; keep the text as text
            if isinstance(v, str) and v.startswith("="):
                c = WriteOnlyCell(ws, value=v)
                c.data_type = "s"
                return c
            return v

        ws.append(header)
        for r in rows:
            ws.append([text_cell(v) for v in r])
        with atomic_path(p) as tmp:
            wb.save(tmp)
        return p
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return write_text(p, buf.getvalue(), encoding="utf-8-sig")
