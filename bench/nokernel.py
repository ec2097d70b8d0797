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

from cchc_lib.render import local
from cchc_lib.render.incell import run_cell
from cchc_lib.render.kernel import RESET, WARMUP
from cchc_lib.render.lifeline import die_with_parent
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
            cell.outputs = [_output(o, count) for o in ran["outputs"]]
            cell.execution_count = count
            if ran["failed"]:
                error = next(o for o in ran["outputs"] if o["output_type"] == "error")
                return nb, Failure(error["ename"], error["evalue"])
        return nb, None


def _output(o: dict, count: int) -> Any:
    import nbformat

    if o["output_type"] == "execute_result":
        o = {**o, "execution_count": count}
    return nbformat.from_dict(o)


def _init(options: WorkerOptions, parent_pid: int) -> None:
    die_with_parent(parent_pid)
    local._WORKER = Worker(options, InProcessRunner(options))
    local._WORKER.prepare()


class NoKernelPool(local.ProcessPoolExecutor):
    name = NAME

    def _ensure_pool(self):
        if self._pool is None:
            import multiprocessing
            from concurrent import futures

            self._pool = futures.ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                     initializer=_init, initargs=(self.options, os.getpid()))
        return self._pool


def register() -> None:
    """`run_batch(..., executor="bench-nokernel")` renders with `NoKernelPool`."""
    from cchc_lib.render import executors

    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    executors.EXECUTORS[NAME] = "nokernel:NoKernelPool"
