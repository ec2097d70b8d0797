"""Benchmark: ingestion into the SQLite store.

1. 1,200 filled forms (100 units × 12 months), ingested in one call into a
   new database: files/s (goal ≥ 40 forms/s).
2. One long table of ≈ 50k rows into a new database (goal < 3 s).

Not a test: prints figures.  Building the forms is setup (not timed; done in
parallel).  Run: `.venv/bin/python bench/bench_ingest.py [--forms N]`.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cchc_lib.core.catalogue import load_catalogue  # noqa: E402
from cchc_lib.core.deadlines import Deadlines  # noqa: E402
from cchc_lib.intake.long_table import write_long_table  # noqa: E402
from cchc_lib.intake.forms import form_file_name, write_form  # noqa: E402
from cchc_lib.intake.ingest import STORED, ingest  # noqa: E402
from cchc_lib.core.periods import Period  # noqa: E402
from cchc_lib.intake.sample import sample_observations  # noqa: E402
from cchc_lib.store.db import Store  # noqa: E402
from cchc_lib.core.units import Registry, Unit  # noqa: E402

# 100 synthetic units, the mix of a large department (≈ 49k rows a year).
MIX = {"van_phong": 10, "thanh_tra": 5, "phong": 60, "truc_thuoc": 25}
PREFIX = {"van_phong": "VP", "thanh_tra": "TTR", "phong": "P", "truc_thuoc": "T"}


def registry() -> Registry:
    units = [Unit(f"{PREFIX[k]}{i:02d}", f"Đơn vị {PREFIX[k]}{i:02d}", k) for k, n in MIX.items() for i in range(1, n + 1)]
    return Registry(units, "bench")


def _write_forms(args: tuple[str, list[tuple[str, int, dict]]]) -> int:
    folder, jobs = args
    cat, reg = load_catalogue(), registry()
    for code, month, values in jobs:
        unit = reg.get(code)
        m = Period.month(2023, month)
        write_form(Path(folder) / form_file_name(unit, m), cat, unit, m, Deadlines(), values)
    return len(jobs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--forms", type=int, default=1200, help="how many forms (default 1,200)")
    args = parser.parse_args()
    cat, reg = load_catalogue(), registry()
    obs = list(sample_observations(cat, reg, 2023))
    per_form: dict[tuple[str, int], dict] = {}
    for o in obs:
        per_form.setdefault((o.unit, o.month.index), {})[o.indicator] = o.value
    jobs = [(u, m, v) for (u, m), v in per_form.items()][: args.forms]
    with tempfile.TemporaryDirectory(prefix="cchc-bench-") as tmp:
        folder = Path(tmp) / "forms"
        folder.mkdir()
        t = time.perf_counter()
        workers = max(1, min(8, os.cpu_count() or 1))
        chunks = [jobs[i::workers] for i in range(workers)]
        with ProcessPoolExecutor(workers) as pool:
            made = sum(pool.map(_write_forms, [(str(folder), c) for c in chunks]))
        print(f"setup: {made} forms written in {time.perf_counter() - t:.1f} s ({workers} processes)")

        files = sorted(folder.glob("*.xlsx"))
        db = Path(tmp) / "forms.sqlite"
        t = time.perf_counter()
        report = ingest(files, db, "bench", catalogue=cat, registry=reg, progress=False)
        dt = time.perf_counter() - t
        stored = sum(r.state == STORED for r in report.results)
        values = sum(r.values for r in report.results)
        assert stored == len(files), report.summary()[-2000:]
        print(f"forms: {len(files)} files, {values:,} values in {dt:.2f} s → {len(files) / dt:.1f} files/s, "
              f"{values / dt:,.0f} values/s (goal ≥ 40 files/s)")

        table = Path(tmp) / "table.csv"
        rows = obs[:50_000]
        write_long_table(table, cat, rows)
        db2 = Path(tmp) / "table.sqlite"
        t = time.perf_counter()
        report = ingest([table], db2, "bench", catalogue=cat, registry=reg, progress=False)
        dt = time.perf_counter() - t
        assert report.results[0].state == STORED, report.summary()
        print(f"table: {len(rows):,} rows ({table.stat().st_size / 1e6:.1f} MB CSV) in {dt:.2f} s → "
              f"{len(rows) / dt:,.0f} rows/s (goal < 3 s)")

        t = time.perf_counter()
        with Store(db, create=False) as s:
            ds = s.dataset(cat, reg)
        print(f"read back: {len(ds):,} current values from the forms database in {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
