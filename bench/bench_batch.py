"""Benchmark: a period's unit reports (HTML) with the default executor,
against the naive path and against the same work without any kernel.

1. Builds a sample database of N units (default 100) through ingestion.
2. Renders one period's unit reports, HTML, default settings (`cchc render`:
   local process pool, warm kernels, one per core): reports/s.
3. The naive path on a sample of reports (default 10): `papermill` CLI,
   then `jupyter nbconvert --to html --no-input`, one process each.
4. The same work in one process without a kernel (the notebook's cells run
   with `exec`, after one warm-up report), for reference.
5. With `--pdf`: the batch again with HTML and PDF; the extra seconds per
   report.

Not a test: prints figures measured in this run, and their ratios.
Run: `.venv/bin/python bench/bench_batch.py [--units 100] [--naive 10] [--pdf]`.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_ingest import MIX, PREFIX  # noqa: E402  (the same synthetic department)

from cchc_lib.render.engines import skip_slow_imports  # noqa: E402

skip_slow_imports()

from cchc_lib.render.batch import parse_spec, run_batch  # noqa: E402
from cchc_lib.core.catalogue import load_catalogue  # noqa: E402
from cchc_lib.files import write_text
from cchc_lib.intake.long_table import write_long_table  # noqa: E402
from cchc_lib.intake.ingest import ingest  # noqa: E402
from cchc_lib.intake.sample import sample_observations  # noqa: E402
from cchc_lib.core.units import Registry, Unit  # noqa: E402

BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "unit_report.ipynb"


def build(tmp: Path, n_units: int) -> tuple[Path, Path, list[str]]:
    """A registry of n units (the mix of a large department) and a database."""
    total = sum(MIX.values())
    units = []
    for kind, share in MIX.items():
        for i in range(1, max(1, round(n_units * share / total)) + 1):
            units.append(Unit(f"{PREFIX[kind]}{i:02d}", f"Đơn vị {PREFIX[kind]}{i:02d}", kind))
    units = units[:n_units]
    reg_path = tmp / "units.yaml"
    write_text(reg_path, "units:\n" + "".join(f"  - {{code: {u.code}, name: \"{u.name}\", kind: {u.kind}}}\n"
                                              for u in units))
    cat = load_catalogue()
    table = tmp / "all.csv"
    write_long_table(table, cat, sample_observations(cat, Registry(units)))
    db = tmp / "bench.sqlite"
    ingest([table], db, by="bench", catalogue=cat, registry=Registry(units), progress=False)
    return db, reg_path, [u.code for u in units]


def render(tmp: Path, db: Path, reg: Path, period: str, formats: list[str], out: str) -> tuple[float, int, int]:
    spec = parse_spec({"period": period, "units": "all", "notebooks": ["unit"], "formats": formats,
                       "data": str(db), "registry": str(reg)}, "bench")
    t = time.perf_counter()
    report = run_batch(spec, root=ROOT, output=tmp / out, force=True, progress=False)
    return time.perf_counter() - t, len(report.rendered), len(report.failed)


def naive(tmp: Path, db: Path, reg: Path, period: str, codes: list[str]) -> float:
    t = time.perf_counter()
    for code in codes:
        out = tmp / "naive" / f"{code}.ipynb"
        out.parent.mkdir(exist_ok=True)
        subprocess.run([str(BIN / "papermill"), str(NOTEBOOK), str(out), "-p", "unit", code, "-p", "period", period,
                        "-p", "data", str(db), "-p", "units", str(reg), "--no-progress-bar"], check=True,
                       cwd=ROOT, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)], check=True,
                       cwd=ROOT, capture_output=True)
    return time.perf_counter() - t


def no_kernel(db: Path, reg: Path, period: str, codes: list[str]) -> float:
    """The notebook's cells run with exec in this process; HTML joined from what they display."""
    import nbformat
    import IPython.display

    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    shown: list = []
    IPython.display.display = lambda *objs, **kw: shown.extend(objs)  # type: ignore[assignment]

    def one(code: str) -> None:
        ns = {"display": IPython.display.display}
        exec(cells[0], ns)
        ns.update(unit=code, period=period, data=str(db), units=str(reg))
        for src in cells[1:]:
            value = None
            *body, last = src.rstrip().split("\n") if src.strip() else [""]
            exec("\n".join(body), ns)
            try:
                value = eval(last, ns)
            except SyntaxError:
                exec(last, ns)
            if value is not None:
                shown.append(value)
        "".join(getattr(o, "_repr_html_", lambda: "")() or "" for o in shown)
        shown.clear()

    one(codes[0])  # imports and the data cache, as a warm kernel has them
    t = time.perf_counter()
    for code in codes:
        one(code)
    return (time.perf_counter() - t) / len(codes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=100)
    ap.add_argument("--period", default="2023-Q3")
    ap.add_argument("--naive", type=int, default=10, help="reports on the naive path")
    ap.add_argument("--pdf", action="store_true", help="measure the PDF overhead too")
    a = ap.parse_args()
    print(f"cores: {os.cpu_count()}; units: {a.units}; period: {a.period}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        t = time.perf_counter()
        db, reg, codes = build(tmp, a.units)
        print(f"setup: database of {len(codes)} units in {time.perf_counter() - t:.1f} s")

        secs, n, failed = render(tmp, db, reg, a.period, ["html"], "out")
        batch = secs / n
        print(f"batch (cchc render, default): {n} reports in {secs:.1f} s → {n / secs:.2f} reports/s "
              f"({batch:.2f} s per report){f'; {failed} FAILED' if failed else ''}")

        sample = codes[:: max(1, len(codes) // a.naive)][: a.naive]
        secs_naive = naive(tmp, db, reg, a.period, sample)
        per_naive = secs_naive / len(sample)
        print(f"naive (papermill CLI + nbconvert CLI): {len(sample)} reports in {secs_naive:.1f} s → "
              f"{1 / per_naive:.2f} reports/s ({per_naive:.2f} s per report)")

        per_plain = no_kernel(db, reg, a.period, sample)
        print(f"no kernel, one process: {per_plain:.2f} s per report (reference)")
        print(f"ratio batch/naive throughput: {per_naive / batch:.1f}× (goal ≥ 12×)")
        print(f"batch per report / no-kernel per report: {batch / per_plain:.2f}× single-process, "
              f"{batch * (os.cpu_count() or 1) / per_plain:.2f}× per worker (goal ≤ 2×)")

        if a.pdf:
            secs_pdf, n_pdf, failed_pdf = render(tmp, db, reg, a.period, ["html", "pdf"], "out_pdf")
            extra = secs_pdf / n_pdf - batch
            print(f"batch with PDF: {n_pdf} reports in {secs_pdf:.1f} s; PDF adds {extra:.2f} s per report "
                  f"(goal ≤ 0,3){f'; {failed_pdf} FAILED' if failed_pdf else ''}")


if __name__ == "__main__":
    main()
