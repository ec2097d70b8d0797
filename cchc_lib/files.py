"""The one module that writes files: atomically (temp file + rename)."""
from __future__ import annotations

import csv
import io
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .catalogue import Catalogue
from .loading import COLUMNS, Observation


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp's files are private


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`
    in one rename, so readers never see half a file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _MODE)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(path, text.encode(encoding))


def display_value(catalogue: Catalogue, obs: Observation) -> object:
    """How a value is written back to a table: có/không, level labels, counts."""
    ind = catalogue.indicators[obs.indicator]
    if ind.kind == "bool":
        return "có" if obs.value else "không"
    if ind.kind == "level":
        return ind.level_label(obs.value)
    return obs.value


def long_table_rows(catalogue: Catalogue, observations: Iterable[Observation],
                    extra_columns: Sequence[str] = ()) -> Iterator[list[object]]:
    for o in observations:
        row: list[object] = [o.unit, str(o.month), o.indicator, display_value(catalogue, o)]
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
