"""Benchmark: a period's batch of reports against the naive path and against
the same work without a kernel, side by side in one run.

Two batches, HTML, default settings (`cchc render`: local process pool, one
warm kernel per worker, one worker per core):

1. the sample department (13 units and the department) over four periods
   (the quarters of 2023): 56 reports;
2. 100 units (the mix of a large department), one period: 100 unit reports.

For each: the same batch without a kernel per worker (`nokernel.py`: the
same pool, jobs, export and files, each worker running the cells in its own
process), the goal's reference; and on a sample of its reports, the naive
path (`papermill` CLI, then `jupyter nbconvert --to html --no-input`, one
process each) and, as a lower bound, the cells alone in one process (run
with `exec`, the HTML joined from what they display, after one warm-up
report: no export, no files, no process start).  Prints reports/s, the
ratios and the goals (issue 14), and where a report's time goes in the
batch (medians; kernel start and warm-up of the workers).

Not a test: prints figures measured in this run, wall time and CPU time
(this process and every process it waited for: workers, kernels, the naive
path's subprocesses), which other work on a shared machine does not inflate.
Run: `.venv/bin/python bench/bench_batch.py [--units 100] [--naive 6] [--pdf] [--only sample|units]`.
"""
from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import nokernel  # noqa: E402
from bench_ingest import MIX, PREFIX  # noqa: E402  (the same synthetic department)

from cchc_lib.core.catalogue import load_catalogue  # noqa: E402
from cchc_lib.core.units import Registry, Unit, load_registry  # noqa: E402
from cchc_lib.files import write_text  # noqa: E402
from cchc_lib.intake.ingest import ingest  # noqa: E402
from cchc_lib.intake.long_table import write_long_table  # noqa: E402
from cchc_lib.intake.sample import sample_observations  # noqa: E402
from cchc_lib.render.batch import parse_spec, run_batch  # noqa: E402

BIN = Path(sys.executable).parent
NOTEBOOKS = {"unit": ROOT / "notebooks" / "unit_report.ipynb", "department": ROOT / "notebooks" / "department_report.ipynb"}
PARTS = ("kernel", "cells", "export", "pdf")
QUARTERS = ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"]


def database(tmp: Path, units: list[Unit]) -> tuple[Path, Path]:
    """A registry of these units and a database of their sample figures (through ingestion)."""
    reg_path = tmp / "units.yaml"
    write_text(reg_path, "units:\n" + "".join(f"  - {{code: {u.code}, name: \"{u.name}\", kind: {u.kind}}}\n"
                                              for u in units))
    cat = load_catalogue()
    table = tmp / "all.csv"
    write_long_table(table, cat, sample_observations(cat, Registry(units)))
    db = tmp / "bench.sqlite"
    ingest([table], db, by="bench", catalogue=cat, registry=Registry(units), progress=False)
    return db, reg_path


def synthetic(n_units: int) -> list[Unit]:
    """n units in the mix of a large department."""
    total = sum(MIX.values())
    units = []
    for kind, share in MIX.items():
        for i in range(1, max(1, round(n_units * share / total)) + 1):
            units.append(Unit(f"{PREFIX[kind]}{i:02d}", f"Đơn vị {PREFIX[kind]}{i:02d}", kind))
    return units[:n_units]


def cpu() -> float:
    """CPU seconds of this process and of every process it has waited for
    (workers, their kernels, the naive path's subprocesses)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def render(tmp: Path, db: Path, reg: Path, periods: list[str], notebooks: list[str], formats: list[str], out: str,
           executor: str = "local"):
    spec = parse_spec({"periods": periods, "units": "all", "notebooks": notebooks, "formats": formats,
                       "data": str(db), "registry": str(reg)}, "bench")
    t, c = time.perf_counter(), cpu()
    report = run_batch(spec, root=ROOT, output=tmp / out, force=True, progress=False, executor=executor)
    return time.perf_counter() - t, report, cpu() - c


def naive_one(tmp: Path, db: Path, reg: Path, kind: str, period: str, code: str | None) -> tuple[float, float]:
    """Wall and CPU seconds of one report on the naive path."""
    out = tmp / "naive" / f"{code or 'department'}_{period}.ipynb"
    out.parent.mkdir(exist_ok=True)
    params = (["-p", "unit", code] if code else []) + ["-p", "period", period, "-p", "data", str(db),
                                                       "-p", "units", str(reg)]
    t, c = time.perf_counter(), cpu()
    subprocess.run([str(BIN / "papermill"), str(NOTEBOOKS[kind]), str(out), *params, "--no-progress-bar"], check=True,
                   cwd=ROOT, capture_output=True)
    subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)], check=True, cwd=ROOT,
                   capture_output=True)
    return time.perf_counter() - t, cpu() - c


class NoKernel:
    """The notebooks' cells run with exec in this process; HTML joined from what they display."""

    def __init__(self) -> None:
        import nbformat
        import IPython.display

        self.cells = {k: [c.source for c in nbformat.read(p, as_version=4).cells if c.cell_type == "code"]
                      for k, p in NOTEBOOKS.items()}
        self.shown: list = []
        IPython.display.display = lambda *objs, **kw: self.shown.extend(objs)  # type: ignore[assignment]
        IPython.display.publish_display_data = lambda data, **kw: self.shown.append(data)  # type: ignore
        self.display = IPython.display.display

    def one(self, kind: str, params: dict) -> tuple[float, float]:
        """Wall and CPU seconds of one report (its charts drawn: none kept from the
        same report before, as none are in a batch of different reports)."""
        from cchc_lib.reports import charts

        charts.forget_drawn()
        t, c = time.perf_counter(), time.process_time()
        ns = {"display": self.display}
        exec(self.cells[kind][0], ns)
        ns.update(params)
        for src in self.cells[kind][1:]:
            value = None
            *body, last = src.rstrip().split("\n") if src.strip() else [""]
            exec("\n".join(body), ns)
            try:
                value = eval(last, ns)
            except SyntaxError:
                exec(last, ns)
            if value is not None:
                self.shown.append(value)
        "".join((o.get("text/html", "") if isinstance(o, dict) else getattr(o, "_repr_html_", lambda: "")()) or ""
                for o in self.shown)
        self.shown.clear()
        return time.perf_counter() - t, time.process_time() - c


def median(xs) -> float:
    xs = list(xs)
    return statistics.median(xs) if xs else 0.0


def scenario(name: str, tmp: Path, db: Path, reg: Path, periods: list[str], notebooks: list[str], naive_n: int,
             pdf: bool, no_kernel: NoKernel) -> None:
    workers = os.cpu_count() or 1
    secs, report, batch_cpu = render(tmp, db, reg, periods, notebooks, ["html"], f"out_{name}")
    n = len(report.rendered)
    failed = f"; {len(report.failed)} FAILED" if report.failed else ""
    print(f"[{name}] batch (cchc render, default, {workers} workers): {n} reports in {secs:.1f} s → "
          f"{n / secs:.2f} reports/s ({secs / n:.3f} s a report; CPU {batch_cpu / n:.3f} s a report){failed}")
    results = report.rendered
    parts = ", ".join(f"{k} {median(r.timings.get(k, 0.0) for r in results):.3f}" for k in PARTS
                      if any(k in r.timings for r in results))
    starts = [r.timings for r in results if "kernel_start" in r.timings]
    print(f"  a report in the batch (medians): {parts}; workers' kernels: start "
          f"{median(t['kernel_start'] for t in starts):.2f} s, warm-up {median(t['warmup'] for t in starts):.2f} s "
          f"(overlapping the workers' own start)")
    ref_secs, ref, ref_cpu = render(tmp, db, reg, periods, notebooks, ["html"], f"ref_{name}", nokernel.NAME)
    failed = f"; {len(ref.failed)} FAILED" if ref.failed else ""
    print(f"  the same batch without a kernel per worker (each worker runs the cells itself): {ref_secs:.1f} s "
          f"(CPU {ref_cpu / n:.3f} s a report){failed}")
    print(f"  batch / the same without a kernel per worker: {secs / ref_secs:.2f}× (goal ≤ 1,5×); "
          f"CPU: {batch_cpu / ref_cpu:.2f}×")
    # The same mix of reports on the naive path and without a kernel.
    jobs = [(r.job.kind, str(r.job.period), r.job.params.get("unit")) for r in results]
    units = [j for j in jobs if j[0] == "unit"]
    sample = units[:: max(1, len(units) // naive_n)][:naive_n]
    depts = [j for j in jobs if j[0] == "department"][:1]
    n_dept = sum(1 for j in jobs if j[0] == "department")

    def mix(unit: float, dept: float) -> float:
        return unit * (n - n_dept) + dept * n_dept

    naive_u = [naive_one(tmp, db, reg, *j) for j in sample]
    naive_d = [naive_one(tmp, db, reg, *j) for j in depts]
    naive_wall = mix(median(w for w, _ in naive_u), median(w for w, _ in naive_d))
    naive_cpu = mix(median(c for _, c in naive_u), median(c for _, c in naive_d))
    print(f"  naive (papermill CLI + nbconvert CLI): {median(w for w, _ in naive_u):.2f} s a unit report"
          + (f", {median(w for w, _ in naive_d):.2f} s the department's" if depts else "")
          + f" → {naive_wall:.0f} s for the batch (CPU {naive_cpu / n:.2f} s a report)")
    base = {"data": str(db), "units": str(reg), "catalogue": "", "commentary": ""}
    for kind, period, code in (depts + sample)[:1]:
        no_kernel.one(kind, {**base, "period": period, **({"unit": code} if code else {})})  # imports, data cache
    plain_u = [no_kernel.one("unit", {**base, "period": p, "unit": c}) for _, p, c in sample]
    plain_d = [no_kernel.one("department", {**base, "period": p}) for _, p, _ in depts]
    plain_wall = mix(median(w for w, _ in plain_u), median(w for w, _ in plain_d))
    plain_cpu = mix(median(c for _, c in plain_u), median(c for _, c in plain_d))
    print(f"  cells alone, one process: {median(w for w, _ in plain_u):.3f} s a unit report"
          + (f", {median(w for w, _ in plain_d):.3f} s the department's" if depts else "")
          + f" (lower bound: no export, files or start; CPU {plain_cpu / n:.3f} s a report)")
    print(f"  ratio batch/naive: {naive_wall / secs:.1f}× (goal ≥ 30×); CPU: the naive path spends "
          f"{naive_cpu / batch_cpu:.1f}× the batch's")
    print(f"  batch / cells alone: per worker {secs * workers / plain_wall:.2f}×, single process "
          f"{secs / plain_wall:.2f}×; CPU: {batch_cpu / plain_cpu:.2f}×")
    if pdf:
        secs_pdf, report_pdf, _ = render(tmp, db, reg, periods, notebooks, ["html", "pdf"], f"out_{name}_pdf")
        extra = (secs_pdf - secs) / n
        failed = f"; {len(report_pdf.failed)} FAILED" if report_pdf.failed else ""
        print(f"  with PDF: {len(report_pdf.rendered)} reports in {secs_pdf:.1f} s; PDF adds {extra:.3f} s a report "
              f"(median print {median(r.timings.get('pdf', 0) for r in report_pdf.rendered):.3f} s){failed}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=100)
    ap.add_argument("--period", default="2023-Q3", help="the period of the 100-unit batch")
    ap.add_argument("--naive", type=int, default=6, help="unit reports on the naive path, per batch")
    ap.add_argument("--pdf", action="store_true", help="measure the PDF overhead too")
    ap.add_argument("--only", choices=["sample", "units"], help="one of the two batches")
    a = ap.parse_args()
    # As an installed package: byte-code compiled (`make bytecode`), not the sources at every start.
    compileall.compile_dir(ROOT / "cchc_lib", quiet=1)
    print(f"cores: {os.cpu_count()}; load average at start: {os.getloadavg()[0]:.1f} (other processes share the "
          f"cores: compare the ratios, and the CPU seconds, not the absolute times)")
    no_kernel = NoKernel()
    nokernel.register()
    with tempfile.TemporaryDirectory(prefix="cchc-bench-") as d:
        tmp = Path(d)
        if a.only in (None, "sample"):
            cat = load_catalogue()
            sample_units = list(load_registry(ROOT / "params" / "units.yaml", cat.unit_kinds))
            (tmp / "sample").mkdir()
            db, reg = database(tmp / "sample", sample_units)
            scenario("sample department × 4 quarters", tmp / "sample", db, reg, QUARTERS, ["department", "unit"],
                     a.naive, a.pdf, no_kernel)
        if a.only in (None, "units"):
            (tmp / "units").mkdir()
            t = time.perf_counter()
            db, reg = database(tmp / "units", synthetic(a.units))
            print(f"setup: database of {a.units} units in {time.perf_counter() - t:.1f} s")
            scenario(f"{a.units} units, {a.period}", tmp / "units", db, reg, [a.period], ["unit"], a.naive, a.pdf,
                     no_kernel)


if __name__ == "__main__":
    main()
