"""Executors that render on this machine: in this process, or in a pool of
worker processes (see `render.executors` for the interface and the names).
A pool worker dies with the batch, even under `kill -9`
(`lifeline.die_with_parent`), and so do its kernel and browser."""
from __future__ import annotations

import atexit
import multiprocessing
import os
import traceback
from concurrent import futures
from typing import Callable, Iterator, Sequence

from cchc_lib.render.engines import WarmKernelRunner
from cchc_lib.render.executors import Executor
from cchc_lib.render.fresh import FreshKernelRunner
from cchc_lib.render.kernel import WarmKernel
from cchc_lib.render.lifeline import die_with_parent
from cchc_lib.render.worker import Failure, Job, Result, Worker, WorkerOptions


class InlineExecutor(Executor):
    """This process.  `kernel`: a warm kernel already launched for it."""

    name = "inline"

    def __init__(self, workers: int = 1, options: WorkerOptions | None = None, kernel: WarmKernel | None = None):
        super().__init__(1, options)
        self._worker: Worker | None = None
        self._kernel = kernel

    def run(self, jobs: Sequence[Job]) -> Iterator[Result]:
        if self._worker is None:
            self._worker = make_worker(self.options, self._kernel)
            self._worker.prepare()
        for job in jobs:
            yield safe_render(self._worker, job)

    def close(self, cancel: bool = False) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None
        elif self._kernel is not None:
            self._kernel.shutdown()
        self._kernel = None


# --- process pool ------------------------------------------------------------------

_WORKER: Worker | None = None


def make_worker(options: WorkerOptions, kernel: WarmKernel | None = None) -> Worker:
    """A render worker with the runner the options ask for (warm kernel by
    default, `kernel` if one was launched for it)."""
    if options.kernel == "fresh":
        return Worker(options, FreshKernelRunner(options))
    return Worker(options, WarmKernelRunner(options, kernel))


def _init_worker(options: WorkerOptions, parent_pid: int | None = None,
                 factory: Callable[[WorkerOptions], Worker] = make_worker) -> None:
    global _WORKER
    # `kill -9` of the batch must not leave this worker, its kernel or its browser behind.
    die_with_parent(parent_pid)
    _WORKER = factory(options)
    atexit.register(_WORKER.close)
    _WORKER.prepare()


def _render_in_worker(job: Job) -> Result:
    assert _WORKER is not None, "worker not initialised"
    return safe_render(_WORKER, job)


def safe_render(worker: Worker, job: Job) -> Result:
    try:
        result = worker.render(job)
    except Exception as e:  # a bug in rendering must not stop the batch either
        result = Result(job, failure=Failure(type(e).__name__, f"{e} — {traceback.format_exc(limit=2)}"))
    result.worker = f"pid {os.getpid()}"
    return result


class ProcessPoolExecutor(Executor):
    """N spawned worker processes (spawn: no state inherited from the driver)."""

    name = "local"
    #: What each worker process renders with (a module-level function: it is
    #: pickled by name to the spawned processes).
    worker_factory: Callable[[WorkerOptions], Worker] = staticmethod(make_worker)

    def __init__(self, workers: int | None = None, options: WorkerOptions | None = None):
        super().__init__(workers or os.cpu_count() or 1, options)
        self._pool: futures.ProcessPoolExecutor | None = None

    def _ensure_pool(self) -> futures.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = futures.ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                     initializer=_init_worker,
                                                     initargs=(self.options, os.getpid(), self.worker_factory))
        return self._pool

    def run(self, jobs: Sequence[Job]) -> Iterator[Result]:
        pool = self._ensure_pool()
        pending = {pool.submit(_render_in_worker, job): job for job in jobs}
        for fut in futures.as_completed(pending):
            job = pending[fut]
            try:
                yield fut.result()
            except Exception as e:  # the worker process died (BrokenProcessPool, ...)
                yield Result(job, failure=Failure(type(e).__name__, str(e) or "tiến trình con bị dừng"))

    def close(self, cancel: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=not cancel, cancel_futures=cancel)
            self._pool = None
