"""The same batch without a kernel per worker: the benchmarks' reference.

`NoKernelPool` is `cchc render`'s process pool, except that each worker runs
a report's cells in its own process (an IPython shell, as `render.incell`
runs them in a kernel) instead of in a warm kernel: the same jobs, the same
papermill parameters, the same HTML export and the same files written by
the same batch driver.  What a batch costs over it is what the kernels
cost.  `bench_batch.py` registers it as the executor `bench-nokernel`.
"""
from __future__ import annotations

import os
import sys
from typing import Any

from cchc_lib.render import local  # (first: it loads papermill's engines before warm_engine, as it must be)
from cchc_lib.render.incell import run_cell
from cchc_lib.render.kernel import RESET, WARMUP
from cchc_lib.render.warm_engine import cell_output
from cchc_lib.render.worker import Failure, Job, PapermillRunner, Worker, WorkerOptions

NAME = "bench-nokernel"


class InProcessRunner(PapermillRunner):
    """A report's cells run in this process's IPython shell, reset between reports as a warm kernel is."""

    def __init__(self, options: WorkerOptions):
        super().__init__(options)
        from IPython.core.interactiveshell import InteractiveShell

        self.shell = InteractiveShell.instance()
        # A kernel's display hook shows a cell's value without an "Out[n]:" prompt.
        self.shell.displayhook.write_output_prompt = lambda: None
        self.shell.run_cell(WARMUP, store_history=False)

    def run(self, job: Job) -> tuple[Any, Failure | None]:
        nb = self.parameterized(job)
        self.shell.run_cell(RESET.format(cwd=job.cwd), store_history=False)
        count = 0
        for cell in nb.cells:
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            count += 1
            ran = run_cell(self.shell, cell.source)
            cell.outputs = [cell_output(o, count) for o in ran["outputs"]]
            cell.execution_count = count
            if ran["failed"]:
                error = next(o for o in ran["outputs"] if o["output_type"] == "error")
                return nb, Failure(error["ename"], error["evalue"])
        return nb, None


def no_kernel_worker(options: WorkerOptions) -> Worker:
    return Worker(options, InProcessRunner(options))


class NoKernelPool(local.ProcessPoolExecutor):
    name = NAME
    worker_factory = staticmethod(no_kernel_worker)


def register() -> None:
    """`run_batch(..., executor="bench-nokernel")` renders with `NoKernelPool`."""
    from cchc_lib.render import executors

    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    executors.EXECUTORS[NAME] = "nokernel:NoKernelPool"
