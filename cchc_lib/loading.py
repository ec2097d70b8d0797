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
from typing import Any, Iterable, Iterator, Mapping, Sequence

from .catalogue import Catalogue, Indicator, fold
from .errors import DataError, PeriodError, Problem
from .periods import Period, parse_month
from .units import Registry

COLUMNS = ("unit", "period", "indicator", "value")
# Digits, or thousands in groups of three separated by one kind of mark
# (1.234 / 1,234 as Excel writes them; 1 234 as typed by hand).
_COUNT_RE = re.compile("^[0-9]+$|^[0-9]{1,3}(?:([.,\u00a0 ])[0-9]{3})(?:\\1[0-9]{3})*$")
_TRUE = {"1", "true", "yes", "co", "x", "dung"}
_FALSE = {"0", "false", "no", "khong", "sai"}


@dataclass(frozen=True)
class Observation:
    """One accepted value: a unit's figure for one indicator and month."""

    unit: str
    month: Period
    indicator: str
    value: Any  # int for count, bool for bool, level code for level
    row: int | None = None
    extra: tuple[tuple[str, str], ...] = ()


class Dataset:
    """Accepted observations, keyed for combining: (unit, indicator) → month → value."""

    def __init__(self, observations: Iterable[Observation] = (), source: str = ""):
        self.source = source
        self.observations: list[Observation] = []
        self.values: dict[tuple[str, str], dict[Period, Any]] = {}
        self._reported: dict[str, set[str]] = {}
        # (unit, indicator, period) -> value combined over the period's months,
        # and (unit, indicator, year) -> the 12 monthly values: filled by
        # combine.unit_value, cleared whenever a value is added.
        self.combined_cache: dict[tuple[str, str, Period], Any] = {}
        self.year_slots: dict[tuple[str, str, int], list[Any]] = {}
        for obs in observations:
            self.add(obs)

    def add(self, obs: Observation) -> None:
        self.observations.append(obs)
        self.values.setdefault((obs.unit, obs.indicator), {})[obs.month] = obs.value
        self._reported.setdefault(obs.unit, set()).add(obs.indicator)
        if self.combined_cache or self.year_slots:
            self.combined_cache.clear()
            self.year_slots.clear()

    @property
    def units(self) -> list[str]:
        return sorted(self._reported)

    @property
    def months(self) -> list[Period]:
        return sorted({m for per in self.values.values() for m in per})

    def reported(self, unit: str) -> set[str]:
        """Indicators the unit gave a value for, in any month."""
        return set(self._reported.get(unit, ()))

    def __len__(self) -> int:
        return len(self.observations)


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


def check_limits(values: Mapping[str, Any], catalogue: Catalogue) -> list[str]:
    """Messages for every limit broken by these values (sum of parts > whole)."""
    out = []
    for lim in catalogue.limits:
        whole = values.get(lim.whole)
        parts = [values.get(p) for p in lim.parts]
        if whole is None or any(p is None for p in parts):
            continue
        if sum(parts) > whole:
            lhs = " + ".join(f"{p} ({v})" for p, v in zip(lim.parts, parts))
            out.append(f"{lhs} lớn hơn {lim.whole} ({whole})")
    return out


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
