"""Opening the data a command names: a long table (CSV/XLSX) or the database."""
from __future__ import annotations

from pathlib import Path

from .catalogue import Catalogue
from .errors import DataError, Problem
from .loading import Dataset, load_table
from .units import Registry

DB_SUFFIXES = (".sqlite", ".sqlite3", ".db")


def open_dataset(path: str | Path, catalogue: Catalogue, registry: Registry) -> Dataset:
    """The current values of a long table or of the project's database."""
    p = Path(path)
    if p.suffix.lower() in DB_SUFFIXES:
        if not p.is_file():
            raise DataError([Problem("không tìm thấy cơ sở dữ liệu", file=str(p))])
        from .store import Store

        with Store(p, create=False) as store:
            return store.dataset(catalogue, registry)
    return load_table(p, catalogue, registry)
