"""Where reports are rendered: the executor interface and the executors by name.

An executor takes `render.Job`s and yields `render.Result`s as they finish
(any order).  It never writes files and never stops at a failed report: a
failure is a `Result` like any other.  The batch driver (`batch.run_batch`)
writes the results and does not care which executor produced them.

- `InlineExecutor` (`render.local`): this process, one job after the other
  (-j 1; debugging).
- `ProcessPoolExecutor` (`render.local`): N worker processes, each holding one
  `render.Worker` (one warm kernel and one PDF browser per worker, reused for
  all its reports).
- `DaskExecutor` (`render.dask`): the same jobs as tasks on a Dask cluster.

A new executor subclasses `Executor` and is named in `EXECUTORS`.  This
module imports no executor: the table names them, the way papermill finds
its engines, so a batch plans (and launches a kernel) before papermill,
nbconvert or Dask are imported.
"""
from __future__ import annotations

import abc
import importlib
import os
from typing import Any, Callable, Iterator, Sequence

from cchc_lib.errors import UsageError
from cchc_lib.render.jobs import Job, Result, WorkerOptions
from cchc_lib.render.kernel import WarmKernel


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


#: Executors by name (`cchc render --executor NAME`), as "module:class": an
#: executor's module (and its heavy dependencies) is imported when it is asked for.
EXECUTORS: dict[str, str] = {
    "local": "cchc_lib.render.local:ProcessPoolExecutor",
    "inline": "cchc_lib.render.local:InlineExecutor",
    "dask": "cchc_lib.render.dask:DaskExecutor",
}


#: What builds a `render.Worker` (the warm runner, or papermill's own engine),
#: named like the executors: `preview` and the Dask tasks get their worker here.
WORKER_FACTORY = "cchc_lib.render.local:make_worker"


def _named(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


def executor_class(name: str) -> Callable[..., Executor]:
    if name not in EXECUTORS:
        raise UsageError(f"không có bộ thực thi {name!r} (có: {', '.join(EXECUTORS)})")
    return _named(EXECUTORS[name])


def make_worker(options: WorkerOptions, kernel: WarmKernel | None = None) -> Any:
    """A `render.Worker` as the options ask (`WORKER_FACTORY`); the renderer is imported now."""
    return _named(WORKER_FACTORY)(options, kernel)


def runs_here(name: str, workers: int | None) -> bool:
    """Whether `make_executor(name, workers)` renders in this process."""
    return name == "inline" or (name == "local" and (workers or os.cpu_count() or 1) == 1)


def make_executor(name: str = "local", workers: int | None = None, options: WorkerOptions | None = None,
                  scheduler: str | None = None, kernel: WarmKernel | None = None) -> Executor:
    """The executor called `name`.  `kernel`: a warm kernel launched for an
    executor that renders in this process (`runs_here`); shut down otherwise."""
    try:
        if name not in EXECUTORS:
            executor_class(name)  # raises the error that lists the names
        if scheduler and name != "dask":
            raise UsageError("--scheduler chỉ dùng với --executor dask")
        if runs_here(name, workers):
            return executor_class("inline")(1, options, kernel)  # one worker: no process to spawn
        cls = executor_class(name)
    except BaseException:
        if kernel is not None:
            kernel.shutdown()
        raise
    if kernel is not None:
        kernel.shutdown()
    if name == "dask":
        return cls(workers, options, scheduler)
    return cls(workers, options)
