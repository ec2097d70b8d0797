"""Render workers die with the process that started them, and leave nothing behind.

`kill -9` of `cchc render` cannot run any clean-up in it: its worker
processes have to notice on their own.  `die_with_parent()` (called first
thing in each worker process) asks Linux to SIGKILL the worker when its
parent dies (`prctl(PR_SET_PDEATHSIG)` through ctypes); where that does not
exist, a watchdog thread checks the parent every half second.  What a worker
started then dies in turn: its Jupyter kernel polls its parent (ipykernel's
`JPY_PARENT_PID`, which jupyter_client sets) and exits, and the PDF
printer's Chromium shuts down when its DevTools pipe closes (`render.cdp`).

Linux sends the signal when the *thread* that forked the worker ends, not
the process: the executors spawn workers from the batch's own thread, which
lives as long as the pool.

`private_dir(prefix)` is a temporary folder owned by this process (kernel
sockets, data snapshots); folders of the same kind left by processes that
were killed are removed when the next one is made.
"""
from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_INTERVAL = 0.5  # seconds between two looks at the parent (watchdog only)


def die_with_parent(parent_pid: int | None = None) -> str:
    """Make this process die when `parent_pid` (default: the current parent) does.
    Returns how: "pdeathsig" (Linux) or "watchdog"."""
    parent = parent_pid or os.getppid()
    how = "watchdog"
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0:
                how = "pdeathsig"
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if how == "watchdog":
        threading.Thread(target=_watch, args=(parent,), name="cchc-lifeline", daemon=True).start()
    return how


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_INTERVAL)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_DIRS: dict[str, Path] = {}
_DIRS_LOCK = threading.Lock()


def private_dir(prefix: str) -> Path:
    """`<tmp>/<prefix>-<pid>-<random>`: this process's folder of that kind,
    made once, readable by this user only, removed when the process exits
    normally.  Folders `<prefix>-<pid>-*` of dead processes are removed here."""
    with _DIRS_LOCK:
        d = _DIRS.get(prefix)
        if d is not None and d.is_dir():
            return d
        base = Path(tempfile.gettempdir())
        for old in base.glob(f"{prefix}-*-*"):
            pid = old.name[len(prefix) + 1:].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)
        d = Path(tempfile.mkdtemp(prefix=f"{prefix}-{os.getpid()}-", dir=base))
        _DIRS[prefix] = d
        atexit.register(shutil.rmtree, d, True)
        return d
