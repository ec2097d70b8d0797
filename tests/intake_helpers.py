"""Helpers for the monthly-intake tests (forms, store, ingest, status):
the shipped catalogue and registry, sample figures, forms filled the way a
unit fills them (openpyxl on the template), and running the CLI."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping

import openpyxl

from cchc_lib.core.catalogue import load_catalogue
from cchc_lib.core.deadlines import Deadlines
from cchc_lib.intake.forms import KEY, SHEET, VALUE, display, write_form
from cchc_lib.intake.ingest import ingest
from cchc_lib.core.periods import Period, parse_month
from cchc_lib.intake.sample import sample_observations
from cchc_lib.core.units import load_registry

ROOT = Path(__file__).resolve().parent.parent
CAT = load_catalogue()
REG = load_registry(ROOT / "params" / "units.yaml", CAT.unit_kinds)
DEADLINES = Deadlines()
_SAMPLE = list(sample_observations(CAT, REG, 2023))


def figures(unit: str, month: str) -> dict[str, Any]:
    """The sample's typed figures of one unit and month."""
    m = parse_month(month)
    return {o.indicator: o.value for o in _SAMPLE if o.unit == unit and o.month == m}


def template(path: Path, unit: str, month: str) -> Path:
    return write_form(path, CAT, REG.get(unit), parse_month(month), DEADLINES)


def rows_by_key(ws: Any) -> dict[str, int]:
    return {ws[f"{KEY}{r}"].value: r for r in range(1, ws.max_row + 1) if ws[f"{KEY}{r}"].value}


def fill(path: Path, values: Mapping[str, Any], cells: Mapping[str, Any] | None = None,
         evidence: Mapping[str, str] | None = None, out: Path | None = None) -> Path:
    """Fill a template as a unit does: typed values shown as Excel shows them
    (Có/Không, level labels, numbers), plus raw `cells` ({"D12": ...})."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    rows = rows_by_key(ws)
    for ind, v in values.items():
        ws[f"{VALUE}{rows[ind]}"] = display(CAT.indicators[ind], v)
    for ind, text in (evidence or {}).items():
        ws[f"E{rows[ind]}"] = text
    for ref, v in (cells or {}).items():
        ws[ref] = v
    target = out or path
    wb.save(target)
    return target


def filled_form(folder: Path, unit: str, month: str, changes: Mapping[str, Any] | None = None,
                name: str | None = None) -> Path:
    """A template filled with the sample's figures (and `changes`)."""
    path = template(folder / (name or f"{unit}_{month}.xlsx"), unit, month)
    return fill(path, {**figures(unit, month), **(changes or {})})


def run_ingest(files, db, by="test", **kw):
    return ingest([Path(f) for f in files], db, by, catalogue=CAT, registry=REG, **kw)


def cli(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cchc_lib", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONUTF8": "1", **(env or {})}, cwd=cwd or ROOT, timeout=120)


def popen(*args: str, env: Mapping[str, str] | None = None, hold: Path | None = None,
          release: Path | None = None, seconds: float = 60) -> subprocess.Popen:
    """`cchc ARGS` in a subprocess; with `hold`, its database write pauses
    before COMMIT (tests/hold_ingest.py): `hold` appears when it does, and the
    pause ends when `release` appears or after `seconds`."""
    cmd = [sys.executable, "-m", "cchc_lib"]
    extra = dict(env or {})
    if hold is not None:
        cmd = [sys.executable, str(ROOT / "tests" / "hold_ingest.py")]
        extra |= {"CCHC_HOLD_SIGNAL": str(hold), "CCHC_HOLD_SECONDS": str(seconds)}
        if release is not None:
            extra["CCHC_HOLD_RELEASE"] = str(release)
    return subprocess.Popen([*cmd, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **extra}, cwd=ROOT)


def db_bytes(db: Path) -> dict[str, bytes]:
    """The database and any side files, for byte-for-byte comparison."""
    return {p.name: p.read_bytes() for p in sorted(db.parent.glob(db.name + "*"))}


def month(text: str) -> Period:
    return parse_month(text)


def rewrite_part(path: Path, part: str, edit, out: Path | None = None) -> Path:
    """A copy of an XLSX with one XML part rewritten by `edit(text) -> text`
    (a crafted file, as a hostile sender would make it)."""
    import zipfile

    target = out or path.with_name(path.stem + "_x.xlsx")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                data = edit(data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    return target


def replace_cell(ref: str, xml: str):
    """An `edit` for `rewrite_part` that puts `xml` in place of cell `ref`."""
    import re

    def edit(text: str) -> str:
        new, n = re.subn(rf'<c r="{ref}"(?:\s[^>]*?)?(?:/>|>.*?</c>)', xml, text, count=1, flags=re.S)
        assert n == 1, f"no cell {ref}"
        return new
    return edit
