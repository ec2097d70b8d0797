"""Starting report kernels: no port two workers can both take, a flaky start retried.

jupyter_client chooses a kernel's five TCP ports by binding port 0 and
closing the socket; the kernel binds them a moment later, and in between
another worker's kernel can take one (jupyter/jupyter_client#154): the
kernel then "died before replying to kernel_info".  Its port cache also
loops without end when the system keeps giving back ports it already handed
out.  Here:

- on POSIX a kernel talks over IPC (Unix sockets) in a folder private to the
  worker process (`lifeline.private_dir`): there is no port to race for and
  nothing two workers share;
- otherwise (or with `CCHC_KERNEL_TRANSPORT=tcp`) the five TCP ports are
  bound together, so they differ, and chosen within `PORT_TIMEOUT` seconds,
  never in an endless loop;
- `KernelStarter` starts a kernel and waits for it to answer; one that dies
  or does not answer in time is shut down and a new one started, up to
  `StartPolicy.attempts` times, before the report fails with every reason.

`FreshKernelRunner` (`--kernel fresh`: papermill's own engine, one kernel
per report) gets the same kernel manager and the same retries.
"""
from __future__ import annotations

import errno
import itertools
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from cchc_lib.errors import CchcError
from cchc_lib.render.lifeline import private_dir
from cchc_lib.render.worker import Failure, Job, PapermillRunner

TRANSPORT_ENV = "CCHC_KERNEL_TRANSPORT"  # "ipc" (default on POSIX) or "tcp"
PORT_TIMEOUT = 10.0  # seconds to find free TCP ports before giving up
_MAX_SOCKET_PATH = 100  # a Unix socket path must fit in 108 bytes, with "-5"
_COUNTER = itertools.count(1)


class KernelStartError(CchcError):
    """No kernel could be started (every attempt's reason in the message)."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        n = len(self.reasons)
        super().__init__(f"không khởi động được kernel sau {n} lần thử: " + "; ".join(
            f"lần {i}: {r}" for i, r in enumerate(self.reasons, 1)))


class KernelSetupError(RuntimeError):
    """The kernel started but its set-up code failed: the same on any kernel, not retried."""


@dataclass(frozen=True)
class StartPolicy:
    attempts: int = 3  # kernels started before the report fails
    timeout: float = 60.0  # seconds one kernel has to answer kernel_info
    backoff: float = 0.5  # seconds before the second attempt, doubled after each


def transport() -> str:
    choice = os.environ.get(TRANSPORT_ENV, "").strip().lower()
    if choice in ("ipc", "tcp"):
        return choice
    return "ipc" if os.name == "posix" else "tcp"


def choose_ports(ip: str = "127.0.0.1", count: int = 5, timeout: float = PORT_TIMEOUT) -> list[int]:
    """`count` distinct free TCP ports on `ip`, bound together then released;
    `KernelStartError` when none can be had within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: OSError | None = None
    while True:
        socks: list[socket.socket] = []
        try:
            for _ in range(count):
                s = socket.socket()
                socks.append(s)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\0" * 8)
                s.bind((ip, 0))
            return [s.getsockname()[1] for s in socks]
        except OSError as e:
            if e.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.ENOBUFS, errno.EMFILE, errno.ENFILE):
                raise
            last = e
        finally:
            for s in socks:
                s.close()
        if time.monotonic() >= deadline:
            raise KernelStartError([f"không tìm được cổng TCP trống trên {ip} trong {timeout:g} giây ({last})"])
        time.sleep(0.05)


@lru_cache(maxsize=1)
def manager_class() -> type:
    """`IsolatedKernelManager` (built on first use: jupyter_client is heavy to import).
    Asynchronous: nbclient awaits the client, and with a blocking one a read on
    one channel would stop the timeout on the other."""
    from jupyter_client.localinterfaces import localhost
    from jupyter_client.manager import AsyncKernelManager

    class IsolatedKernelManager(AsyncKernelManager):
        """A kernel manager whose kernel cannot take another worker's ports."""

        def __init__(self, **kwargs: Any):
            super().__init__(**kwargs)
            self.cache_ports = False  # jupyter_client's port cache is the endless loop
            base = private_dir("cchc-kernels") / f"k{next(_COUNTER)}"
            if transport() == "ipc" and len(str(base)) + 6 <= _MAX_SOCKET_PATH:
                self.transport = "ipc"
                self.connection_file = f"{base}.json"
                self.ip = str(base)  # the sockets are <ip>-1 … <ip>-5
            else:
                self.transport = "tcp"
                self.ip = localhost()
                (self.shell_port, self.iopub_port, self.stdin_port, self.hb_port,
                 self.control_port) = choose_ports(self.ip)

    return IsolatedKernelManager


def new_manager(kernel_name: str) -> Any:
    return manager_class()(kernel_name=kernel_name)


def is_start_failure(e: BaseException) -> bool:
    """A kernel that died or hung before answering (what a new kernel may fix)."""
    if isinstance(e, KernelStartError):
        return False  # already retried
    text = str(e)
    if isinstance(e, RuntimeError) and ("Kernel died before replying" in text or "didn't respond in" in text):
        return True
    try:
        import zmq
    except ImportError:  # pragma: no cover - pyzmq comes with jupyter_client
        return False
    return isinstance(e, zmq.ZMQError)


def start_reason(e: BaseException) -> str:
    text = " ".join(str(e).split())
    if "Kernel died before replying" in text:
        return "kernel dừng trước khi trả lời kernel_info"
    if "didn't respond in" in text or isinstance(e, TimeoutError):
        return "kernel không trả lời trong thời gian chờ khởi động"
    return f"{type(e).__name__}: {text[:200]}" if text else type(e).__name__


class KernelStarter:
    """Starts a kernel and its (asynchronous) client, retrying a flaky start.

    `start(cwd, on_ready)` returns `(km, kc)`; `on_ready(km, kc)` runs the
    set-up code on the new kernel, and a kernel that dies there is retried
    too (a `KernelSetupError` is not: the code itself is wrong)."""

    def __init__(self, kernel_name: str = "python3", policy: StartPolicy | None = None,
                 extra_arguments: tuple[str, ...] = ()):
        self.kernel_name = kernel_name
        self.policy = policy or StartPolicy()
        self.extra_arguments = list(extra_arguments)
        self.attempts = 0  # kernels started so far, failed or not

    def start(self, cwd: str | None = None, on_ready: Callable[[Any, Any], None] | None = None) -> tuple[Any, Any]:
        from jupyter_core.utils import run_sync

        reasons: list[str] = []
        for attempt in range(1, self.policy.attempts + 1):
            self.attempts += 1
            km = kc = None
            try:
                km = new_manager(self.kernel_name)
                # The kernel's own log (TCP warnings, the interrupt at shutdown) is noise
                # on an analyst's terminal; what a cell prints reaches the notebook.
                run_sync(km.start_kernel)(stderr=subprocess.DEVNULL, extra_arguments=list(self.extra_arguments),
                                          **({"cwd": cwd} if cwd else {}))
                kc = km.client()
                kc.start_channels()
                run_sync(kc.wait_for_ready)(timeout=self.policy.timeout)
                if on_ready is not None:
                    on_ready(km, kc)
                return km, kc
            except KernelSetupError:
                stop(km, kc)
                raise
            except Exception as e:
                if isinstance(e, KernelStartError):  # no port at all: another kernel will not do better
                    stop(km, kc)
                    raise
                reasons.append(start_reason(e))
                stop(km, kc)
            if attempt < self.policy.attempts:
                time.sleep(self.policy.backoff * 2 ** (attempt - 1))
        raise KernelStartError(reasons)


def stop(km: Any, kc: Any) -> None:
    """Stop a client and kill its kernel; never raises."""
    from jupyter_core.utils import run_sync

    if kc is not None:
        try:
            kc.stop_channels()
        except Exception:
            pass
    if km is not None:
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:
            pass


class _StartFailed(Exception):
    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


class FreshKernelRunner(PapermillRunner):
    """papermill's own engine (a new kernel per report) on an `IsolatedKernelManager`;
    a kernel that dies or hangs at start is replaced, as `KernelStarter` does."""

    def __init__(self, options: Any, policy: StartPolicy | None = None):
        super().__init__(options)
        self.policy = policy or StartPolicy(timeout=options.start_timeout)

    def engine_kwargs(self, job: Job) -> dict[str, Any]:
        return {"kernel_manager_class": manager_class()}

    def recover(self, error: Exception) -> Failure:
        if is_start_failure(error):
            raise _StartFailed(error)
        raise error

    def run(self, job: Job) -> tuple[Any, Failure | None]:
        reasons: list[str] = []
        for attempt in range(1, self.policy.attempts + 1):
            try:
                return super().run(job)
            except _StartFailed as e:
                reasons.append(start_reason(e.error))
            if attempt < self.policy.attempts:
                time.sleep(self.policy.backoff * 2 ** (attempt - 1))
        return None, Failure("KernelStartError", str(KernelStartError(reasons)))
