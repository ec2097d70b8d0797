"""A headless Chromium spoken to over the DevTools protocol, through a pipe.

Why not Playwright: its Node driver takes 0,3 s and 0,35 s of CPU to start
before Chromium is even launched, which a report printed from the command
line waits for (issue 14).  The printer needs six commands of the protocol
Playwright itself speaks to Chromium; they are sent here directly over
`--remote-debugging-pipe` (fd 3 to the browser, fd 4 from it, messages
separated by a NUL byte), with no port and no network.

The browser dies with this process: when the pipe closes (exit, `kill -9`)
Chromium shuts down by itself, its helper processes with it.  Its profile is
a folder of this process's own (`lifeline.private_dir`), removed at close.

`Browser.call` is synchronous and belongs to one thread (the printer's).
"""
from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import signal
import tempfile
import threading
import time
from typing import Any, Callable

from cchc_lib.render.lifeline import private_dir

#: Chromium started quiet, without a sandbox (containers run as root) and
#: with nothing to fetch: no background services, and any host it is asked
#: for goes to a closed port (a report is self-contained; its policy blocks
#: the rest anyway).
LAUNCH_ARGS = ("--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
               "--no-default-browser-check", "--disable-extensions", "--disable-breakpad", "--mute-audio",
               "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
               # One renderer for the one page printed: no spare renderer kept
               # ready, no process per site (a report is one page of its own,
               # with no script and no network): 0,1 s less CPU at each start.
               # Nor the omnibox's pop-up pages, which Chromium (156) loads at
               # every start even headless, ~400 scripts in a renderer of their
               # own: 0,6 of the 1,2 s of CPU a start cost (seen in a
               # --trace-startup trace), taken from the kernel's cells on 2 cores.
               "--disable-features=SpareRendererForSitePerProcess,IsolateOrigins,site-per-process,"
               "WebUIOmniboxPopup,WebUIOmniboxAimPopup",
               "--disable-site-isolation-trials")
#: Events saying the page is gone: a command waiting for it would never be answered.
GONE = ("Inspector.targetCrashed", "Target.targetCrashed", "Target.detachedFromTarget")
READ_CHUNK = 1 << 20


def _above(fd: int, lowest: int = 5) -> int:
    """`fd` moved to a number ≥ `lowest` (close-on-exec, as Python makes them)."""
    if fd >= lowest:
        return fd
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, lowest)
    os.close(fd)
    return moved


def _message(id_: int, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> bytes:
    """One command as the pipe carries it: JSON, then a NUL byte."""
    message: dict[str, Any] = {"id": id_, "method": method, "params": params or {}}
    if session:
        message["sessionId"] = session
    return json.dumps(message).encode("utf-8") + b"\0"


class BrowserError(RuntimeError):
    """The browser answered with an error, closed, crashed or did not answer in time."""


class Browser:
    """One Chromium process and its pipe."""

    def __init__(self, executable: str, timeout: float = 60.0, extra_args: tuple[str, ...] = ()):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="profile-", dir=private_dir("cchc-chromium"))
        to_browser_r, self._out = os.pipe()
        self._in, from_browser_w = os.pipe()
        # Numbered above the browser's 0-4, so that no dup2 below reads a
        # number an earlier one has already replaced in the browser.
        to_browser_r, from_browser_w = _above(to_browser_r), _above(from_browser_w)
        devnull = _above(os.open(os.devnull, os.O_RDWR))
        try:
            # posix_spawn, not Popen: the pipe has to be fds 3 and 4 in the
            # browser, which Popen can only do through preexec_fn (unsafe with threads).
            self.pid = os.posix_spawn(
                executable, [executable, *LAUNCH_ARGS, *extra_args, f"--user-data-dir={self.profile}", "about:blank"],
                os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
                                          (os.POSIX_SPAWN_DUP2, devnull, 2), (os.POSIX_SPAWN_DUP2, to_browser_r, 3),
                                          (os.POSIX_SPAWN_DUP2, from_browser_w, 4)])
        except OSError:
            for fd in (self._out, self._in):
                os.close(fd)
            shutil.rmtree(self.profile, ignore_errors=True)
            raise
        finally:
            for fd in (to_browser_r, from_browser_w, devnull):
                os.close(fd)
        self._buf = bytearray()
        self._last_id = 0
        self._events: list[dict[str, Any]] = []
        self._gone: set[str | None] = set()  # sessions whose page crashed or detached
        self._closed = False
        self._reaper: threading.Thread | None = None

    # --- the protocol -------------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and return its result (events met meanwhile are kept)."""
        self._check(session)
        self._last_id += 1
        sent = self._last_id
        self._send(_message(sent, method, params, session))
        reply = self._until(lambda msg: msg.get("id") == sent, method, session)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error'].get('message', reply['error'])}")
        return reply.get("result", {})

    def wait_event(self, name: str, session: str | None = None) -> dict[str, Any]:
        """The next event `name` of the session (one already received counts)."""
        self._check(session)

        def wanted(msg: dict[str, Any]) -> bool:
            return msg.get("method") == name and msg.get("sessionId") == session

        for i, event in enumerate(self._events):
            if wanted(event):
                return self._events.pop(i)
        return self._until(wanted, name, session)

    def _until(self, wanted: Callable[[dict[str, Any]], bool], what: str, session: str | None) -> dict[str, Any]:
        """The first message `wanted` within the timeout; the others are kept."""
        deadline = time.monotonic() + self.timeout
        while not wanted(msg := self._receive(deadline, what)):
            self._keep(msg, session)
        return msg

    def forget_events(self) -> None:
        self._events.clear()

    def _keep(self, msg: dict[str, Any], session: str | None) -> None:
        method = msg.get("method")
        if method in GONE:
            self._gone.add(msg.get("sessionId") or msg.get("params", {}).get("sessionId"))
        elif method is not None:  # (a reply to a command given up has none)
            self._events.append(msg)
            del self._events[:-100]  # only the recent ones can still be waited for
        self._check(session)

    def _check(self, session: str | None) -> None:
        if self._closed:  # its pipe's file descriptors may be another file's by now
            raise BrowserError("trình duyệt đã đóng")
        if session is not None and session in self._gone:
            raise BrowserError("trang in bị dừng đột ngột (renderer của trình duyệt)")

    def _send(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._out, view):]
        except OSError as e:
            raise BrowserError(f"trình duyệt đã đóng ({e.strerror})") from None

    def _receive(self, deadline: float, what: str) -> dict[str, Any]:
        while (end := self._buf.find(b"\0")) < 0:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"trình duyệt không trả lời {what} trong {self.timeout:g} giây")
            if select.select([self._in], [], [], left)[0]:
                chunk = os.read(self._in, READ_CHUNK)
                if not chunk:
                    raise BrowserError("trình duyệt đã đóng")
                self._buf += chunk
        raw = bytes(self._buf[:end])
        del self._buf[:end + 1]
        return json.loads(raw)

    # --- the process --------------------------------------------------------------------

    def alive(self) -> bool:
        if self._closed:
            return False
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def close(self, wait: float = 5.0) -> None:
        """Ask the browser to close and free the pipe; return at once.  A
        thread then reaps the process (killed if it has not ended within
        `wait` seconds) and removes its profile: a report command does not
        wait the 0,1 s Chromium takes to shut down.  `closed()` waits for it."""
        if self._closed:
            return
        self._closed = True
        try:
            self._send(_message(0, "Browser.close"))
        except BrowserError:
            pass
        for fd in (self._out, self._in):
            os.close(fd)  # the browser closes on its own when its pipe does
        self._reaper = threading.Thread(target=self._reap, args=(min(wait, self.timeout),), daemon=True,
                                        name="cchc-chromium-reaper")
        self._reaper.start()

    def _reap(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        try:
            while os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                if time.monotonic() > deadline:
                    os.kill(self.pid, signal.SIGKILL)
                    os.waitpid(self.pid, 0)
                    break
                time.sleep(0.01)
        except (ChildProcessError, ProcessLookupError):
            pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def closed(self, timeout: float | None = None) -> bool:
        """Whether the browser has ended and its profile is gone (waits up to `timeout`)."""
        if self._reaper is not None:
            self._reaper.join(timeout)
            return not self._reaper.is_alive()
        return False
