"""One long-lived Jupyter kernel per worker, warmed up once, reset between reports.

A batch spends most of its time starting kernels and importing matplotlib
and `cchc_lib`, not on the report.  `WarmKernel` starts one kernel and
imports those once; between two reports its namespace is wiped (as `%reset
-f` does, without its full garbage collection), figures are closed,
matplotlib's settings and the working directory restored, so a report never
sees the previous report's variables.

`launch()` returns as soon as the kernel process is started, with the
warm-up queued: the kernel starts and imports while the caller does its own
work (imports, the plan, the exporter, the PDF browser); `ensure()` waits
for it.  This module imports only `jupyter_client`, so a kernel can be
launched before the heavier renderer (papermill, nbconvert) is imported.

Kernels are started by `kernels` (private sockets: no port two workers can
both take); one that dies or does not answer at start is replaced by a new
one a few times (`kernels.StartPolicy`) before `ensure()` gives up.
"""
from __future__ import annotations

import subprocess
import sys
import time
from typing import Any, Mapping

from jupyter_core.utils import run_sync

from cchc_lib.render.kernels import KernelStartError, StartPolicy, is_start_failure, new_manager, start_reason

# Imports every report needs; done once per kernel, not once per report.
# Neither pandas nor pyplot is among them: no report uses them (0,3 s and
# 0,1 s of every kernel start); a notebook that does imports them itself.
WARMUP = """\
import time as _cchc_time
_cchc_t0 = _cchc_time.perf_counter()
import matplotlib
matplotlib.use("Agg")
import cchc_lib, cchc_lib.reports.views, cchc_lib.reports.data, cchc_lib.reports.charts, cchc_lib.reports.commentary
matplotlib._cchc_rc = matplotlib.rcParams.copy()
cchc_lib.reports.charts.prime()
"""
#: Ends every warm-up: how long it took, read back with the reply.
WARMUP_END = "cchc_lib._warmup_seconds = _cchc_time.perf_counter() - _cchc_t0\n"
# The data a batch's reports read, loaded into the kernel's caches while the
# parent still works; a problem here is left for the report itself to raise.
PRIME = """\
try:
    cchc_lib.reports.data.prime({data!r}, {catalogue!r}, {units!r}, {period!r})
except Exception:
    pass
"""
# `%reset -f` without IPython's full gc.collect() (60 ms a report; the
# collector still runs on its own thresholds): the namespace, the output cache
# and the input history are cleared the same way.
RESET = """\
def _cchc_reset(shell=get_ipython(), gc=__import__("gc")):
    collect, gc.collect = gc.collect, lambda generation=2: 0
    try:
        shell.reset(new_session=False)
    finally:
        gc.collect = collect
_cchc_reset()
import matplotlib as _mpl, os as _os, sys as _sys
if "matplotlib.pyplot" in _sys.modules:  # a report that used pyplot leaves no figure behind
    _sys.modules["matplotlib.pyplot"].close("all")
_mpl.rcParams.update({{k: v for k, v in dict.items(_mpl._cchc_rc) if dict.__getitem__(_mpl.rcParams, k) != v}})
_os.chdir({cwd!r})
del _mpl, _os, _sys
"""


def _prime_code(prime: Mapping[str, Any]) -> str:
    return PRIME.format(**{k: str(prime.get(k) or "") for k in ("data", "catalogue", "units", "period")})


def skip_slow_imports() -> None:
    """Keep `rfc3987_syntax` out of this process (importing `cchc_lib.render`
    already does: see its docstring)."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


class KernelSetupError(RuntimeError):
    """The kernel started but its warm-up (imports) failed."""


class WarmKernel:
    """One long-lived kernel and its client, started on first use."""

    def __init__(self, kernel_name: str = "python3", start_timeout: int = 60, warmup: str = WARMUP,
                 policy: StartPolicy | None = None):
        self.kernel_name = kernel_name
        self.start_timeout = start_timeout
        self.warmup = warmup
        self.policy = policy or StartPolicy()
        self.starts = 0  # kernels launched, including those that failed to start
        self._launch_args: tuple[str | None, Mapping[str, Any] | None] = (None, None)
        self.km: Any = None
        self.kc: Any = None
        self.restarts = 0
        self.timings: dict[str, float] = {}  # seconds: "start" (launch to warm), "wait" (what the caller waited)
        self.language_info: dict | None = None  # what the kernel said of its language, once
        self._warming: str | None = None  # the warm-up request, until its reply is read
        self._priming: str | None = None  # a data-loading request queued after it, until its reply is read
        self._launched = 0.0

    def launch(self, cwd: str | None = None, prime: Mapping[str, Any] | None = None) -> "WarmKernel":
        """Start the kernel process and queue its warm-up; return at once.
        `prime`: data, catalogue, units and period of the reports to come,
        whose data the kernel then loads during its warm-up."""
        self.shutdown()
        self.language_info = None
        self._launch_args = (cwd, prime)
        self.starts += 1
        # Asynchronous (nbclient awaits the client), on private sockets (`kernels`).
        self.km = new_manager(self.kernel_name)
        # The kernel's own log (TCP warnings, the interrupt at shutdown) is noise
        # on an analyst's terminal; what a cell prints reaches the notebook.  No
        # input history: a report kernel has no use for IPython's history
        # database, and writing every cell to it costs time on each report.
        run_sync(self.km.start_kernel)(stderr=subprocess.DEVNULL, extra_arguments=["--HistoryManager.enabled=False"],
                                       **({"cwd": cwd} if cwd else {}))
        self.kc = self.km.client()
        # No heartbeat channel: the manager knows whether its kernel is alive
        # (nbclient asks it), and a channel thread less starts and stops cleanly.
        self.kc.start_channels(hb=False)
        code = self.warmup + (_prime_code(prime) if prime else "")
        # Queued now, run as soon as the kernel listens (zmq keeps the request).
        self._warming = self.kc.execute(code + WARMUP_END, silent=True, store_history=False,
                                        user_expressions={"seconds": "cchc_lib._warmup_seconds"})
        self._launched = time.perf_counter()
        return self

    def prime(self, prime: Mapping[str, Any]) -> None:
        """Queue the loading of a batch's data (data, catalogue, units,
        period) after the warm-up of a kernel launched without it (a kernel
        already warmed up loads it with its first report instead)."""
        self._launch_args = (self._launch_args[0], prime)
        if self.kc is not None and self._warming is not None:
            self._priming = self.kc.execute(_prime_code(prime), silent=True, store_history=False)

    def ensure(self, cwd: str | None = None) -> tuple[Any, Any]:
        """The kernel, started if there is none (or it died), warmed up."""
        if self.km is None or not run_sync(self.km.is_alive)():
            self.launch(cwd)
        if self._warming is not None:
            waited = time.perf_counter()
            warmup = self._await_start()
            now = time.perf_counter()
            self.timings = {"start": now - self._launched - warmup, "warmup": warmup, "wait": now - waited}
        return self.km, self.kc

    def _await_start(self) -> float:
        """Wait for the warm-up; a kernel that died or hung at start is
        replaced by a new one (same working directory and data), up to
        `policy.attempts` kernels, then `KernelStartError` with every reason."""
        reasons: list[str] = []
        for attempt in range(1, self.policy.attempts + 1):
            try:
                return self._await_warmup()
            except Exception as e:
                if not is_start_failure(e):
                    raise
                reasons.append(start_reason(e))
            if attempt < self.policy.attempts:
                self.policy.pause(attempt)
                self.launch(*self._launch_args)
        self.shutdown()
        raise KernelStartError(reasons)

    def _await_warmup(self) -> float:
        """Wait for the warm-up's reply (and the data loading queued after it);
        the seconds the warm-up took in the kernel."""
        msg_id, self._warming = self._warming, None
        content = self._await_reply(msg_id)
        if content.get("status") != "ok":
            raise KernelSetupError(f"kernel setup failed: {content.get('ename')}: {content.get('evalue')}")
        if self._priming is not None:
            priming, self._priming = self._priming, None
            self._await_reply(priming)  # PRIME keeps its errors for the report itself to raise
        seconds = content.get("user_expressions", {}).get("seconds", {}).get("data", {}).get("text/plain", "0")
        try:
            return float(seconds)
        except ValueError:
            return 0.0

    def _await_reply(self, msg_id: str) -> dict:
        """The content of the shell reply to request `msg_id`, read within the
        start timeout; the kernel dying meanwhile is an error."""
        deadline = time.monotonic() + self.start_timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"kernel không khởi động được trong {self.start_timeout} giây")
            try:
                reply = run_sync(self.kc.get_shell_msg)(timeout=min(left, 1.0))
            except Exception:  # queue.Empty: nothing yet; is the kernel still there?
                if not run_sync(self.km.is_alive)():
                    raise RuntimeError("kernel bị dừng khi đang khởi động") from None
                continue
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return reply["content"]

    def _run(self, code: str) -> None:
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
        self._warming = self._priming = None
