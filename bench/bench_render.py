"""Benchmark: reports per second of `cchc render` against the naive path.

Renders the department and every unit of one period (HTML, default
settings: one worker process per core) into a temporary folder, then the
naive path on a sample of units: `papermill` CLI, then `jupyter nbconvert
--to html --no-input`, one process each.  Prints both rates and the ratio.

    .venv/bin/python bench/bench_render.py [--period 2023-Q3] [--sample 3] [-j N]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cchc_lib import project  # noqa: E402
from cchc_lib.render import batch  # noqa: E402

UNITS = ROOT / "demo" / "units.yaml"  # the demo's data and units (make demo builds data/sample.sqlite)


def naive(units: list[str], period: str, data: Path, work: Path) -> float:
    bindir = Path(sys.executable).parent
    start = time.perf_counter()
    for u in units:
        out = work / f"{u}.ipynb"
        subprocess.run([str(bindir / "papermill"), str(ROOT / "notebooks" / "unit_report.ipynb"), str(out),
                        "-p", "unit", u, "-p", "period", period, "-p", "data", str(data), "-p", "units", str(UNITS),
                        "--no-progress-bar"],
                       check=True, capture_output=True, cwd=ROOT)
        subprocess.run([str(bindir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)],
                       check=True, capture_output=True, cwd=work)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--period", default="2023-Q3")
    ap.add_argument("--sample", type=int, default=3, help="reports on the naive path (3–5)")
    ap.add_argument("-j", "--jobs", type=int, default=None)
    args = ap.parse_args()
    data = project.demo_db_path(ROOT)
    if not data.is_file():
        sys.exit(f"chưa có {data}: chạy make demo trước")
    with tempfile.TemporaryDirectory(prefix="cchc-bench-") as tmp:
        work = Path(tmp)
        spec = batch.parse_spec({"periods": [args.period], "formats": ["html"], "data": str(data),
                                "registry": str(UNITS)}, "bench")
        start = time.perf_counter()
        report = batch.run_batch(spec, root=ROOT, output=work / "out", workers=args.jobs, force=True, progress=False)
        ours = time.perf_counter() - start
        n = len(report.rendered)
        if report.failed:
            print(report.text())
            sys.exit(1)
        units = [j.name for j in batch.plan(spec, root=ROOT, output=work / "out").jobs if j.kind == "unit"][: args.sample]
        slow = naive(units, args.period, data, work)
    ours_rate, naive_rate = n / ours, len(units) / slow
    print(f"machine: {os.cpu_count()} cores; data: {data.name}; period {args.period}")
    print(f"cchc render (HTML, {report.rendered[0].worker and 'process pool'}, -j {args.jobs or os.cpu_count()}): "
          f"{n} reports in {ours:.1f} s = {ours_rate:.2f} reports/s ({ours / n:.2f} s/report)")
    print(f"naive path (papermill CLI + jupyter nbconvert --no-input), {len(units)} reports: {slow:.1f} s = "
          f"{naive_rate:.2f} reports/s ({slow / len(units):.2f} s/report)")
    print(f"ratio: {ours_rate / naive_rate:.1f}x")


if __name__ == "__main__":
    main()
