"""Executing report notebooks with papermill on a warm kernel.

A batch spends most of its time starting kernels and importing pandas and
matplotlib, not on the report.  `WarmKernelRunner` keeps one kernel per
worker process, with the heavy imports done once, and runs every report on
it through papermill (parameters injected by papermill, cell errors recorded
by papermill) via the `cchc-warm` engine registered here.  Between two
reports the kernel's namespace is wiped (as `%reset -f` does, figures closed, working
directory restored), so a report never sees the previous report's variables.
A kernel that dies or exceeds the timeout fails that report only: it is
restarted, and the worker goes on with the next report.
"""
from __future__ import annotations

import sys
from typing import Any

from cchc_lib.render.kernels import KernelSetupError, KernelStarter, StartPolicy
from cchc_lib.render.worker import Failure, Job, PapermillRunner, WorkerOptions

ENGINE_NAME = "cchc-warm"
# Imports every report needs; done once per kernel, not once per report.
WARMUP = """\
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot
import pandas
import cchc_lib, cchc_lib.reports.views, cchc_lib.reports.data, cchc_lib.reports.charts, cchc_lib.reports.commentary
matplotlib._cchc_rc = matplotlib.rcParams.copy()
"""
# `%reset -f` without its gc.collect() (60 ms a report): the namespace, the
# output cache and the input history are cleared the same way.
RESET = """\
get_ipython().reset(new_session=False)
import matplotlib as _mpl, matplotlib.pyplot as _plt, os as _os
_plt.close("all")
_mpl.rcParams.update(_mpl._cchc_rc)
_os.chdir({cwd!r})
del _mpl, _plt, _os
"""


def skip_slow_imports() -> None:
    """Keep `rfc3987_syntax` out of this process: jupyterlab pulls it in and
    jsonschema then builds a grammar at every `import nbformat` (~1.5 s;
    python-jsonschema/jsonschema#1392).  nbformat's schema uses no IRI format,
    so nothing is lost."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


class WarmKernel:
    """One long-lived kernel and its client, started on first use."""

    def __init__(self, kernel_name: str = "python3", start_timeout: int = 60, warmup: str = WARMUP):
        self.kernel_name = kernel_name
        self.start_timeout = start_timeout
        self.warmup = warmup
        self.km: Any = None
        self.kc: Any = None
        self.reports = 0
        self.restarts = 0
        # No input history: a report kernel has no use for IPython's history
        # database, and writing every cell to it costs time on each report.
        self.starter = KernelStarter(kernel_name, StartPolicy(timeout=start_timeout),
                                     extra_arguments=("--HistoryManager.enabled=False",))

    def ensure(self, cwd: str | None = None) -> tuple[Any, Any]:
        from jupyter_core.utils import run_sync

        if self.km is None or not run_sync(self.km.is_alive)():
            self._start(cwd)
        return self.km, self.kc

    def _start(self, cwd: str | None) -> None:
        # A kernel that dies or hangs at start, warm-up included, is replaced
        # by a new one a few times (`kernels.KernelStarter`).
        self.shutdown()

        def warm_up(km: Any, kc: Any) -> None:
            self.km, self.kc = km, kc
            self._run(self.warmup)

        self.km, self.kc = self.starter.start(cwd, warm_up)

    def _run(self, code: str) -> None:
        from jupyter_core.utils import run_sync

        reply = run_sync(self.kc.execute_interactive)(code, timeout=self.start_timeout,
                                                       output_hook=lambda msg: None)
        if reply["content"].get("status") != "ok":
            c = reply["content"]
            raise KernelSetupError(f"kernel setup failed: {c.get('ename')}: {c.get('evalue')}")

    def reset(self, cwd: str) -> None:
        """A clean namespace for the next report."""
        self._run(RESET.format(cwd=cwd))

    def restart(self) -> None:
        """After a crash or a timeout: a new kernel, warmed up again on next use."""
        self.restarts += 1
        self.shutdown()

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:
                pass
        self.km = self.kc = None


def _engine_class():
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    from papermill.utils import merge_kwargs, remove_args

    class WarmKernelEngine(NBClientEngine):
        """papermill's nbclient engine, on the kernel passed as `warm_kernel`."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            warm: WarmKernel = kwargs.pop("warm_kernel")
            cwd = kwargs.pop("cwd", None)
            km, kc = warm.ensure(cwd)
            warm.reset(cwd or ".")
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                                 kernel_name=kernel_name, log_output=log_output, stdout_file=stdout_file,
                                 stderr_file=stderr_file)
            client = PapermillNotebookClient(nb_man, km=km, **final)
            client.kc = kc  # not owned by the client: it is not shut down after the report
            return client.execute()

    return WarmKernelEngine


def register_engine() -> None:
    from papermill.engines import papermill_engines

    if ENGINE_NAME not in papermill_engines._engines:
        papermill_engines.register(ENGINE_NAME, _engine_class())


class WarmKernelRunner(PapermillRunner):
    """A `render.NotebookRunner` on one warm kernel (one per worker process)."""

    engine_name = ENGINE_NAME

    def __init__(self, options: WorkerOptions):
        skip_slow_imports()
        super().__init__(options)
        self.kernel = WarmKernel(options.kernel_name, options.start_timeout)
        register_engine()

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
        return f"quá thời gian {timeout} giây cho một ô; kernel đã được khởi động lại"
    if "DeadKernel" in name:
        return "kernel bị dừng đột ngột; đã khởi động lại kernel mới"
    return str(e) or name
