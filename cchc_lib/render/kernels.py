"""Starting report kernels: no port two workers can both take, a flaky start retried.

jupyter_client chooses a kernel's five TCP ports by binding port 0 and
closing the socket; the kernel binds them a moment later, and in between
another worker's kernel can take one (jupyter/jupyter_client#154): the
kernel then "died before replying to kernel_info".  Its port cache also
loops without end when the system keeps giving back ports it already handed
out.  Here:

- on POSIX a kernel talks over IPC (Unix sockets) in a folder private to the
  worker process (`lifeline.private_dir`): there is no port to race for and
  nothing two workers share (`manager_class`);
- otherwise (or with `CCHC_KERNEL_TRANSPORT=tcp`) the five TCP ports are
  bound together, so they differ, and chosen within `PORT_TIMEOUT` seconds,
  never in an endless loop (`choose_ports`);
- a kernel that dies or does not answer at start is shut down and a new one
  started, up to `StartPolicy.attempts` times, before the report fails with
  every reason (`WarmKernel.ensure`, `fresh.FreshKernelRunner`; which errors
  count as a failed start: `is_start_failure`).

This module imports only `jupyter_client` (when a manager is first made),
like `kernel`, so a kernel can be launched before papermill is imported.
"""
from __future__ import annotations

import errno
import itertools
import os
import socket
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cchc_lib.errors import CchcError
from cchc_lib.render.lifeline import private_dir

TRANSPORT_ENV = "CCHC_KERNEL_TRANSPORT"  # "ipc" (default on POSIX) or "tcp"
PORT_TIMEOUT = 10.0  # seconds to find free TCP ports before giving up
_MAX_SOCKET_PATH = 100  # a Unix socket path must fit in 108 bytes, with "-5"
_COUNTER = itertools.count(1)
#: What a kernel that died or hung at start says (jupyter_client, nbclient, `kernel.WarmKernel`).
_DIED = ("Kernel died before replying", "kernel bị dừng khi đang khởi động")
_HUNG = ("didn't respond in", "kernel không khởi động được trong")


class KernelStartError(CchcError):
    """No kernel could be started (every attempt's reason in the message)."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        n = len(self.reasons)
        super().__init__(f"không khởi động được kernel sau {n} lần thử: " + "; ".join(
            f"lần {i}: {r}" for i, r in enumerate(self.reasons, 1)))


@dataclass(frozen=True)
class StartPolicy:
    attempts: int = 3  # kernels started before the report fails
    backoff: float = 0.5  # seconds before the second attempt, doubled after each

    def pause(self, attempt: int) -> None:
        """Before attempt `attempt + 1`."""
        time.sleep(self.backoff * 2 ** (attempt - 1))


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

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            # A killed kernel is gone within milliseconds; polled every 0,1 s,
            # every command that rendered waited about that long at its end.
            await super()._async_wait(pollinterval=0.005)

    return IsolatedKernelManager


def new_manager(kernel_name: str) -> Any:
    return manager_class()(kernel_name=kernel_name)


def is_start_failure(e: BaseException) -> bool:
    """A kernel that died or hung before it was ready (what a new kernel may fix)."""
    if isinstance(e, KernelStartError):
        return False  # already retried, or no port at all
    text = str(e)
    if isinstance(e, (RuntimeError, TimeoutError)) and any(m in text for m in _DIED + _HUNG):
        return True
    try:
        import zmq
    except ImportError:  # pragma: no cover - pyzmq comes with jupyter_client
        return False
    return isinstance(e, zmq.ZMQError)


def start_reason(e: BaseException) -> str:
    text = " ".join(str(e).split())
    if any(m in text for m in _DIED):
        return "kernel dừng khi đang khởi động"
    if any(m in text for m in _HUNG):
        return "kernel không trả lời trong thời gian chờ khởi động"
    return f"{type(e).__name__}: {text[:200]}" if text else type(e).__name__
