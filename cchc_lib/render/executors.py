"""Where reports are rendered: the executor interface and local executors.

An executor takes `render.Job`s and yields `render.Result`s as they finish
(any order).  It never writes files and never stops at a failed report: a
failure is a `Result` like any other.  The batch driver (`batch.run_batch`)
writes the results and does not care which executor produced them.

- `InlineExecutor`: this process, one job after the other (-j 1; debugging).
- `ProcessPoolExecutor`: N worker processes, each holding one `render.Worker`
  (one PDF browser per worker, reused for all its reports); a worker dies
  with the batch, even under `kill -9` (`lifeline.die_with_parent`).

- `DaskExecutor` (`render.dask`): the same jobs as tasks on a Dask cluster.

A new executor subclasses `Executor` and is named in `EXECUTORS`.
"""
from __future__ import annotations

import abc
import importlib
import multiprocessing
import os
import traceback
from concurrent import futures
from typing import Callable, Iterator, Sequence

from cchc_lib.errors import UsageError
from cchc_lib.render.engines import WarmKernelRunner
from cchc_lib.render.kernels import FreshKernelRunner
from cchc_lib.render.lifeline import die_with_parent
from cchc_lib.render.worker import Failure, Job, Result, Worker, WorkerOptions


class Executor(abc.ABC):
    """Runs jobs; yields one `Result` per job, in completion order."""

    name = "abstract"

    def __init__(self, workers: int = 1, options: WorkerOptions | None = None):
        self.workers = max(1, int(workers))
        self.options = options or WorkerOptions()

    @abc.abstractmethod
    def run(self, jobs: Sequence[Job]) -> Iterator[Result]: ...

    def close(self, cancel: bool = False) -> None:
        """Release workers; `cancel` drops jobs not started yet (interrupt)."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(cancel=exc_type is not None)


class InlineExecutor(Executor):
    name = "inline"

    def __init__(self, workers: int = 1, options: WorkerOptions | None = None):
        super().__init__(1, options)
        self._worker: Worker | None = None

    def run(self, jobs: Sequence[Job]) -> Iterator[Result]:
        if self._worker is None:
            self._worker = make_worker(self.options)
        for job in jobs:
            yield _safe_render(self._worker, job)

    def close(self, cancel: bool = False) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None


# --- process pool ------------------------------------------------------------------

_WORKER: Worker | None = None


def make_worker(options: WorkerOptions) -> Worker:
    """A render worker with the runner the options ask for (warm kernel by default)."""
    if options.kernel == "fresh":
        return Worker(options, FreshKernelRunner(options))
    return Worker(options, WarmKernelRunner(options))


def _init_worker(options: WorkerOptions, parent_pid: int | None = None) -> None:
    global _WORKER
    import atexit

    # `kill -9` of the batch must not leave this worker, its kernel or its browser behind.
    die_with_parent(parent_pid)
    _WORKER = make_worker(options)
    atexit.register(_WORKER.close)


def _render_in_worker(job: Job) -> Result:
    assert _WORKER is not None, "worker not initialised"
    return _safe_render(_WORKER, job)


def _safe_render(worker: Worker, job: Job) -> Result:
    try:
        result = worker.render(job)
    except Exception as e:  # a bug in rendering must not stop the batch either
        result = Result(job, failure=Failure(type(e).__name__, f"{e} — {traceback.format_exc(limit=2)}"))
    result.worker = f"pid {os.getpid()}"
    return result


class ProcessPoolExecutor(Executor):
    """N spawned worker processes (spawn: no state inherited from the driver)."""

    name = "local"

    def __init__(self, workers: int | None = None, options: WorkerOptions | None = None):
        super().__init__(workers or os.cpu_count() or 1, options)
        self._pool: futures.ProcessPoolExecutor | None = None

    def _ensure_pool(self) -> futures.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = futures.ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                     initializer=_init_worker, initargs=(self.options, os.getpid()))
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


#: Executors by name (`cchc render --executor NAME`), as "module:class" so that
#: an executor's heavy dependency (Dask) is imported only when it is asked for,
#: the way papermill finds its engines.
EXECUTORS: dict[str, str] = {
    "local": "cchc_lib.render.executors:ProcessPoolExecutor",
    "inline": "cchc_lib.render.executors:InlineExecutor",
    "dask": "cchc_lib.render.dask:DaskExecutor",
}


def executor_class(name: str) -> Callable[..., Executor]:
    if name not in EXECUTORS:
        raise UsageError(f"không có bộ thực thi {name!r} (có: {', '.join(EXECUTORS)})")
    module, _, attr = EXECUTORS[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def make_executor(name: str = "local", workers: int | None = None, options: WorkerOptions | None = None,
                  scheduler: str | None = None) -> Executor:
    cls = executor_class(name)
    if scheduler and name != "dask":
        raise UsageError("--scheduler chỉ dùng với --executor dask")
    if name == "dask":
        return cls(workers, options, scheduler)
    if name == "local" and (workers or os.cpu_count() or 1) == 1:
        return InlineExecutor(1, options)  # one worker: no process to spawn
    return cls(workers, options)
