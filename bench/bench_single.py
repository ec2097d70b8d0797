"""Benchmark: one report, cold from the command line and warm re-rendered.

Side by side in one run, on the sample department (13 units, a temporary
project folder):

1. The naive path for one report: `papermill` CLI, then `jupyter nbconvert
   --to html --no-input`, one process each.
2. `cchc render --period P --unit U --to html` from the command line, cold
   (a new process, a new kernel): wall time, and where the time went.
3. The same with `--to html,pdf`: what the PDF adds.
4. A warm re-render, as `cchc preview` or any long-lived worker does it: a
   `render.worker.Worker` with the warm-kernel runner renders the same report
   again (HTML), for a unit and for the department.

Not a test: prints figures measured in this run, their ratios and the goals
(issue 14).  Run: `.venv/bin/python bench/bench_single.py [--repeat 3] [--unit GDTRH]`.
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cchc_lib.core.catalogue import load_catalogue  # noqa: E402
from cchc_lib.core.units import load_registry  # noqa: E402
from cchc_lib.files import write_text  # noqa: E402
from cchc_lib.intake.long_table import write_long_table  # noqa: E402
from cchc_lib.intake.sample import sample_observations  # noqa: E402
from cchc_lib.render.batch import parse_spec, plan  # noqa: E402
from cchc_lib.render.local import make_worker  # noqa: E402
from cchc_lib.render.worker import WorkerOptions  # noqa: E402

BIN = Path(sys.executable).parent
PARTS = ("kernel_start", "warmup", "kernel", "cells", "export", "pdf_start", "pdf")
#: What the breakdown's names mean, printed with it.
LEGEND = ("kernel_start: kernel process up; warmup: imports and data loaded in the kernel (both overlap the "
          "parent's own start); kernel: what the report waited for them; cells: papermill (parameters, reset, "
          "cells); export: HTML; pdf_start: waiting for the browser; pdf: printing (with pdf_start)")

# The cold run with its breakdown: `cchc render` itself (cli.main, its early
# kernel included), its report's timings read from run_batch's result.
TIMED_RUN = """\
import json, sys
from cchc_lib.cli import main as cli
seen = []
load = cli._commands
def commands():
    m = load()
    if not seen:
        real = m.run_batch
        def spy(*a, **kw):
            seen.append(real(*a, **kw))
            return seen[-1]
        m.run_batch = spy
        seen.append(None)
    return m
cli._commands = commands
cli.main(sys.argv[1:])
print(json.dumps([r.timings for r in seen[-1].rendered]))
"""


def project(tmp: Path) -> Path:
    """params/units.yaml (the shipped sample registry), notebooks, sample data."""
    (tmp / "params").mkdir(parents=True)
    write_text(tmp / "params" / "units.yaml", (ROOT / "params" / "units.yaml").read_text(encoding="utf-8"))
    (tmp / "notebooks").symlink_to(ROOT / "notebooks")
    cat = load_catalogue()
    reg = load_registry(tmp / "params" / "units.yaml", cat.unit_kinds)
    write_long_table(tmp / "data" / "sample.csv", cat, sample_observations(cat, reg, 2023))
    return tmp / "data" / "sample.csv"


def timed(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=cwd, capture_output=True)
    return time.perf_counter() - t


def naive(tmp: Path, data: Path, unit: str, period: str) -> float:
    out = tmp / "naive" / f"{unit}.ipynb"
    out.parent.mkdir(exist_ok=True)
    return (timed([str(BIN / "papermill"), str(ROOT / "notebooks" / "unit_report.ipynb"), str(out), "-p", "unit", unit,
                   "-p", "period", period, "-p", "data", str(data), "--no-progress-bar"], tmp)
            + timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)], tmp))


def cold(tmp: Path, data: Path, unit: str, period: str, formats: str) -> float:
    return timed([str(BIN / "cchc"), "render", "--period", period, "--unit", unit, "--to", formats, "--data", str(data),
                  "--force", "--quiet"], tmp)


def cold_breakdown(tmp: Path, data: Path, unit: str, period: str, formats: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", TIMED_RUN, "render", "--period", period, "--unit", unit, "--to",
                           formats, "--data", str(data), "--force", "--quiet"], check=True, cwd=tmp,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])[0]


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else 0.0


def breakdown(parts: list[dict[str, float]]) -> str:
    return ", ".join(f"{k} {median([p.get(k, 0.0) for p in parts]):.3f}" for k in PARTS
                     if any(k in p for p in parts))


CLEAR_CHARTS = "import cchc_lib.reports.charts as _c; _c.forget_drawn(); del _c"


def warm(tmp: Path, data: Path, unit: str, period: str, repeat: int) -> dict[str, tuple[float, str]]:
    """Median seconds of a warm re-render (HTML) per report kind, with its
    breakdown: the same report again (its charts kept by `charts.drawn`, as in
    a preview after an edit of the commentary), and with every chart drawn
    again (as after a change of the numbers, or another report of a batch)."""
    spec = parse_spec({"period": period, "units": [unit], "notebooks": ["department", "unit"], "formats": ["html"],
                       "data": str(data)}, "bench")
    jobs = plan(spec, tmp, tmp / "warm").jobs
    worker = make_worker(WorkerOptions())
    out = {}
    try:
        worker.prepare()
        for job in jobs:
            worker.render(job)  # the first render of each notebook in this kernel
            results = [worker.render(job) for _ in range(repeat)]
            drawn = []
            for _ in range(repeat):
                worker.runner.kernel._run(CLEAR_CHARTS)
                drawn.append(worker.render(job))
            assert all(r.ok for r in results + drawn), [r.failure for r in results + drawn]
            out[f"{job.kind}, charts kept"] = (median([r.seconds for r in results]),
                                               breakdown([r.timings for r in results]))
            out[f"{job.kind}, charts drawn"] = (median([r.seconds for r in drawn]),
                                                breakdown([r.timings for r in drawn]))
    finally:
        worker.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--unit", default="GDTRH")
    ap.add_argument("--period", default="2023-Q3")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement (medians are printed)")
    a = ap.parse_args()
    # As an installed package: byte-code compiled (`make bytecode`), not the sources at every start.
    compileall.compile_dir(ROOT / "cchc_lib", quiet=1)
    print(f"cores: {os.cpu_count()}; report: {a.unit} {a.period}; medians of {a.repeat} runs")
    with tempfile.TemporaryDirectory(prefix="cchc-bench-") as d:
        tmp = Path(d)
        data = project(tmp)
        cold(tmp, data, a.unit, a.period, "html")  # the file system and byte-code caches, as a user's second run
        runs: dict[str, list[float]] = {"naive": [], "html": [], "pdf": []}
        parts: dict[str, list[dict[str, float]]] = {"html": [], "pdf": []}
        for _ in range(a.repeat):  # interleaved: the machine's load falls on every path alike
            runs["naive"].append(naive(tmp, data, a.unit, a.period))
            runs["html"].append(cold(tmp, data, a.unit, a.period, "html"))
            runs["pdf"].append(cold(tmp, data, a.unit, a.period, "html,pdf"))
            parts["html"].append(cold_breakdown(tmp, data, a.unit, a.period, "html"))
            parts["pdf"].append(cold_breakdown(tmp, data, a.unit, a.period, "html,pdf"))
        naive_s, html_s, pdf_s = (median(runs[k]) for k in ("naive", "html", "pdf"))
        print(f"naive (papermill CLI + nbconvert CLI): {naive_s:.2f} s")
        print(f"cchc render, one report, cold, HTML: {html_s:.2f} s (goal ≤ 2,2 s) → {naive_s / html_s:.1f}× "
              f"faster than naive (goal ≈ 4×)")
        print(f"  breakdown: {breakdown(parts['html'])}")
        print(f"cchc render, one report, cold, HTML + PDF: {pdf_s:.2f} s; PDF adds {pdf_s - html_s:+.2f} s "
              f"(goal ≤ 0,5 s)")
        print(f"  breakdown: {breakdown(parts['pdf'])}")
        for kind, (secs, bd) in warm(tmp, data, a.unit, a.period, a.repeat).items():
            print(f"warm re-render ({kind}, Worker + warm kernel, HTML): {secs:.3f} s (goal ≤ 0,5 s)")
            print(f"  breakdown: {bd}")
        print(f"({LEGEND})")


if __name__ == "__main__":
    main()
