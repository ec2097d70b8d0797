"""The one module that writes files: atomically (temp file + rename)."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator



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


#: What makes a spreadsheet program read a cell as a formula (the OWASP
#: CSV-injection list: = + - @, tab and carriage return).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: object) -> object:
    """A CSV cell that Excel or LibreOffice will not evaluate: a string
    starting with a formula character (after any single quotes) gets a
    single quote in front (OWASP); `csv_untext` undoes it exactly."""
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_START):
        return "'" + value
    return value


def csv_untext(value: str) -> str:
    """The string `csv_text` was given."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_START):
        return value[1:]
    return value


def text_cell(cell: Any, value: object) -> Any:
    """Put `value` in an openpyxl cell; a string is kept as text, never a
    formula (openpyxl would store '=…' as one)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell
