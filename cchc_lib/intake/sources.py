"""Opening the data a command names: a long table (CSV/XLSX) or the database."""
from __future__ import annotations

from pathlib import Path

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.errors import DataError, Problem
from cchc_lib.core.dataset import Dataset
from cchc_lib.intake.long_table import load_table
from cchc_lib.core.units import Registry
from cchc_lib.store.db import Store

DB_SUFFIXES = (".sqlite", ".sqlite3", ".db")


def open_dataset(path: str | Path, catalogue: Catalogue, registry: Registry) -> Dataset:
    """The current values of a long table or of the project's database."""
    p = Path(path)
    if p.suffix.lower() in DB_SUFFIXES:
        if not p.is_file():
            raise DataError([Problem("không tìm thấy cơ sở dữ liệu", file=str(p))])
        with Store(p, create=False) as store:
            return store.dataset(catalogue, registry)
    return load_table(p, catalogue, registry)
