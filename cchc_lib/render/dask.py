"""Scale-out: the same batch on a Dask distributed cluster.

Each task renders one report on a Dask worker and returns its `Result` (the
files' bytes, the published figures or the failure); the client — the batch
driver — writes the files, exactly as with the local executor.  Every Dask
worker process keeps one `render.Worker` (a warm kernel, one PDF browser) for
all the reports it is given.

Workers share nothing with the client but the network: the client takes one
read-only `snapshot.Snapshot` of the batch's inputs (the database through
SQLite's backup API, the registry, the notebooks), scatters it to every
worker once per batch, and each task runs its notebook on the worker's local
copy.  Workers need this package installed, in any folder; no shared folder,
no database on a network file system.

Without a scheduler address a `distributed.LocalCluster` of worker processes
is started for the batch and closed afterwards.
"""
from __future__ import annotations

import os
import threading
import traceback
from typing import Any, Iterator, Sequence

from distributed import Client, LocalCluster, as_completed

from cchc_lib.render.executors import Executor
from cchc_lib.render.local import make_worker
from cchc_lib.render.snapshot import Snapshot, localise, take
from cchc_lib.render.worker import Failure, Job, Result, Worker, WorkerOptions

_LOCAL = threading.local()  # one render.Worker per Dask worker thread


def render_on_dask(job: Job, options: WorkerOptions, snapshot: Snapshot | None = None) -> Result:
    """The task: render one job on this Dask worker's long-lived `Worker`,
    from the batch's snapshot when there is one (the result names the
    client's job, whose paths the client writes to)."""
    worker: Worker | None = getattr(_LOCAL, "worker", None)
    if worker is None or getattr(_LOCAL, "options", None) != options:
        worker = _LOCAL.worker = make_worker(options)
        _LOCAL.options = options
        worker.prepare()
    try:
        result = worker.render(localise(job, snapshot) if snapshot is not None else job)
    except Exception as e:  # never lose the batch to one report
        result = Result(job, failure=Failure(type(e).__name__, f"{e} — {traceback.format_exc(limit=2)}"))
    result.job = job
    result.worker = f"dask pid {os.getpid()}"
    return result


class DaskExecutor(Executor):
    """Reports as Dask tasks; `scheduler` is `tcp://HOST:8786` or None (local)."""

    name = "dask"

    def __init__(self, workers: int | None = None, options: WorkerOptions | None = None,
                 scheduler: str | None = None):
        super().__init__(workers or os.cpu_count() or 1, options)
        self.scheduler = scheduler
        self._client: Any = None
        self._cluster: Any = None

    def _ensure_client(self) -> Any:
        if self._client is None:
            if self.scheduler:
                self._client = Client(self.scheduler, timeout="30s")
            else:
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=40)
                self._client = Client(self._cluster)
        return self._client

    def run(self, jobs: Sequence[Job], snapshot: Snapshot | None = None) -> Iterator[Result]:
        """The jobs as tasks, with `snapshot` (default: taken here, from the
        files the jobs name) scattered to every worker once."""
        if not jobs:
            return
        client = self._ensure_client()
        shared = client.scatter(snapshot or take(jobs), broadcast=True, hash=False)
        try:
            futures = client.map(render_on_dask, list(jobs), options=self.options, snapshot=shared, pure=False)
            job_of = {f.key: j for f, j in zip(futures, jobs)}
            for fut in as_completed(futures):
                job = job_of[fut.key]
                try:
                    yield fut.result()
                except Exception as e:  # the task itself failed: a worker died, a pickling error, ...
                    yield Result(job, failure=Failure(type(e).__name__, str(e) or "tác vụ Dask thất bại"))
                finally:
                    fut.release()
        finally:
            shared.release()

    def close(self, cancel: bool = False) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
