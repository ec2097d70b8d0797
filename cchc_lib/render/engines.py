"""Executing report notebooks with papermill on a warm kernel.

`WarmKernelRunner` keeps one `WarmKernel` per worker process (`render.kernel`:
the heavy imports done once, the namespace wiped between reports) and runs
every report on it through papermill (parameters injected by papermill, cell
errors recorded by papermill) with the `cchc-warm` engine, which papermill
loads from this package's `papermill.engine` entry point
(`render.warm_engine`).  A kernel that dies or exceeds the timeout fails that
report only: it is restarted, and the worker goes on with the next report.
"""
from __future__ import annotations

from typing import Any

from papermill.engines import papermill_engines
from papermill.exceptions import PapermillException

from cchc_lib.errors import CchcError
from cchc_lib.render.kernel import WarmKernel, skip_slow_imports
from cchc_lib.render.worker import Failure, Job, PapermillRunner, WorkerOptions

__all__ = ["ENGINE_NAME", "WarmKernelRunner", "skip_slow_imports"]

#: The engine's name in papermill, as pyproject.toml's entry point registers it.
ENGINE_NAME = "cchc-warm"


def check_engine() -> None:
    """papermill knows the `cchc-warm` engine (from the installed entry point)."""
    try:
        papermill_engines.get_engine(ENGINE_NAME)
    except PapermillException:
        raise CchcError(f"papermill không có engine {ENGINE_NAME!r}: cài lại gói cchc "
                        f"(`.venv/bin/pip install -e .`) để papermill đọc được entry point của nó") from None


class WarmKernelRunner(PapermillRunner):
    """A `NotebookRunner` on one warm kernel (one per worker process).
    `kernel`: one already launched (`WarmKernel.launch`), else one is started
    on first use."""

    engine_name = ENGINE_NAME

    def __init__(self, options: WorkerOptions, kernel: WarmKernel | None = None):
        skip_slow_imports()
        super().__init__(options)
        check_engine()
        self.kernel = kernel or WarmKernel(options.kernel_name, options.start_timeout)

    def start(self, cwd: str | None = None, prime: dict[str, Any] | None = None) -> None:
        """Launch the kernel now, if it is not running yet (it warms up while the caller works)."""
        if self.kernel.km is None:
            self.kernel.launch(cwd, prime)

    def engine_kwargs(self, job: Job) -> dict[str, Any]:
        return {"warm_kernel": self.kernel, "cwd": job.cwd}

    def recover(self, error: Exception) -> Failure:
        """Dead or hung kernel: this report fails, the next gets a new kernel."""
        self.kernel.restart()
        return Failure(type(error).__name__, _why(error, self.options.timeout))

    def close(self) -> None:
        self.kernel.shutdown()


def _why(e: Exception, timeout: int) -> str:
    name = type(e).__name__
    if "Timeout" in name:
        return f"quá thời gian {timeout} giây cho báo cáo; kernel đã được khởi động lại"
    if "DeadKernel" in name:
        return "kernel bị dừng đột ngột; đã khởi động lại kernel mới"
    return str(e) or name
