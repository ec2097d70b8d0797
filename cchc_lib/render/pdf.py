"""HTML → PDF (A4) through headless Chromium.

One `PdfPrinter` holds one browser and prints any number of pages with it
(a worker keeps one for all its reports).  The browser is found the way a
user's machine has it: an executable given explicitly or in `CCHC_CHROMIUM`,
else Debian's `/usr/lib/chromium/chromium` or `/usr/bin/chromium`, else
Playwright's own download.  It is driven over the DevTools protocol through
a pipe (`render.cdp`: what Playwright does, without its Node driver's start).
`to_pdf` returns bytes and writes nothing.

The printer drives the browser from a thread of its own, so `start_soon()`
can launch the browser and print a first page while the caller runs a
notebook.
"""
from __future__ import annotations

import base64
import os
import queue
import shutil
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable

from cchc_lib.errors import CchcError
from cchc_lib.render.cdp import Browser, BrowserError

ENV_VAR = "CCHC_CHROMIUM"
SYSTEM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
#: A4 in inches, as Playwright's `format="A4"`; margins come from the page's own @page rule.
PAPER = {"paperWidth": 8.27, "paperHeight": 11.7, "marginTop": 0, "marginBottom": 0, "marginLeft": 0,
         "marginRight": 0, "preferCSSPageSize": True, "printBackground": True, "generateTaggedPDF": False,
         "generateDocumentOutline": False}
FOOTER = ('<div style="width:100%;font-size:8px;text-align:center;font-family:\'Noto Sans\',\'DejaVu Sans\','
          'sans-serif;color:#777">Trang <span class="pageNumber"></span>/<span class="totalPages"></span></div>')
INSTALL_HINT = ("không tìm thấy trình duyệt Chromium để xuất PDF: cài bằng "
                "`apt-get install chromium fonts-noto-core fonts-noto-mono` (hoặc chạy scripts/install-pdf-deps.sh), "
                f"hoặc chỉ đường dẫn bằng biến môi trường {ENV_VAR}")


class BrowserNotFound(CchcError):
    def __init__(self, detail: str = ""):
        super().__init__(INSTALL_HINT + (f" ({detail})" if detail else ""))


def _executable(path: str | os.PathLike | None) -> str | None:
    if not path:
        return None
    p = Path(path)
    if p.is_file() and os.access(p, os.X_OK):
        return str(p)
    found = shutil.which(str(path))
    return found


def _playwright_own() -> str | None:
    try:
        # Playwright (0,2 s to import) is needed only for PDFs: HTML reports never load it.
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as pw:
            path = pw.chromium.executable_path
    except Exception:
        return None
    return path if path and Path(path).is_file() else None


def find_browser(explicit: str | os.PathLike | None = None, include_playwright: bool = True) -> str | None:
    """Path of a Chromium executable, or None.  An explicit path (argument or
    environment variable) that does not exist is an error, not a fallback."""
    for given in (explicit, os.environ.get(ENV_VAR)):
        if given:
            exe = _executable(given)
            if not exe:
                raise BrowserNotFound(f"không chạy được: {given}")
            return exe
    for p in SYSTEM_PATHS:
        exe = _executable(p)
        if exe:
            return exe
    return _playwright_own() if include_playwright else None


#: A page printed once at start: the fonts and the PDF machinery are ready
#: before the first report (its first print costs most).
WARM_PAGE = ("<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><style>body{font-family:'Noto Sans',"
             "'DejaVu Sans',sans-serif}pre{font-family:'Noto Sans Mono','DejaVu Sans Mono',monospace}</style></head>"
             "<body><h1>Báo cáo</h1><p>Tiếng Việt: ồ ế ễ ữ <b>đậm</b> <i>nghiêng</i></p><pre>ồ ế</pre>"
             "<img alt=\"\" src=\"data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdp"
             "ZHRoPSIxMCIgaGVpZ2h0PSIxMCI+PHRleHQgeD0iMCIgeT0iOSI+4buTPC90ZXh0Pjwvc3ZnPg==\"></body></html>")


class _Thread:
    """One daemon thread running the calls given to it, in order.  Not a
    ThreadPoolExecutor: those refuse new work once the interpreter starts
    exiting, and a worker process closes its browser from an atexit handler."""

    def __init__(self, name: str):
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        self._calls.put((future, fn, args))
        return future

    def _loop(self) -> None:
        while (item := self._calls.get()) is not None:
            future, fn, args = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as e:  # handed to the caller
                    future.set_exception(e)

    def stop(self) -> None:
        self._calls.put(None)
        self._thread.join()


class PdfPrinter:
    """A headless browser kept open to print many HTML pages as A4 PDFs."""

    def __init__(self, executable: str | os.PathLike | None = None, timeout_ms: int = 60_000):
        self.executable = executable
        self.timeout_ms = timeout_ms
        self._browser: Browser | None = None
        self._page: tuple[str, str, str] | None = None  # (session, frame, target) of the page printed with
        self._spoiled: set[str] = set()  # pages a print failed on
        self._thread: _Thread | None = None
        self._started: Future | None = None

    def _call(self, fn, *args) -> Future:
        if self._thread is None:
            self._thread = _Thread("cchc-pdf")
        return self._thread.submit(fn, *args)

    def start_soon(self) -> Future:
        """Launch the browser in the printer's thread; return at once."""
        if self._started is None:
            self._started = self._call(self._start)
        return self._started

    def start(self) -> "PdfPrinter":
        """The browser, launched (waits for `start_soon`'s launch); raises
        `BrowserNotFound` when there is none."""
        self.start_soon().result()
        return self

    def _start(self) -> None:
        exe = find_browser(self.executable)
        if exe is None:
            raise BrowserNotFound()
        try:
            self._browser = Browser(exe, self.timeout_ms / 1000)
            self._blank_page()
        except (OSError, BrowserError) as e:
            self._close()
            raise BrowserNotFound(str(e).splitlines()[0] if str(e) else type(e).__name__) from None
        try:
            self._print(WARM_PAGE)
        except Exception:
            self._page = None  # the reports will say what is wrong

    def _blank_page(self) -> tuple[str, str, str]:
        """One page reused for every PDF (a new page costs more than the print),
        in print media and running no script: the HTML is self-contained."""
        if self._page is None:
            browser = self._browser
            if browser is None or not browser.alive():
                raise BrowserError("trình duyệt đã đóng")
            # The browser's first page, or a new one after a print failed on it.
            pages = [t for t in browser.call("Target.getTargets")["targetInfos"]
                     if t["type"] == "page" and t["targetId"] not in self._spoiled]
            target = pages[0]["targetId"] if pages else browser.call("Target.createTarget",
                                                                     {"url": "about:blank"})["targetId"]
            session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            browser.call("Page.enable", session=session)
            browser.call("Emulation.setScriptExecutionDisabled", {"value": True}, session=session)
            browser.call("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
            frame = browser.call("Page.getFrameTree", session=session)["frameTree"]["frame"]["id"]
            self._page = (session, frame, target)
        return self._page

    def to_pdf(self, html: str) -> bytes:
        """The page printed on A4 with its own @page margins and backgrounds."""
        self.start()
        return self._call(self._print, html).result()

    def _print(self, html: str) -> bytes:
        session, frame, target = self._blank_page()
        browser = self._browser
        assert browser is not None
        try:
            browser.forget_events()
            browser.call("Page.setDocumentContent", {"frameId": frame, "html": html}, session=session)
            browser.wait_event("Page.loadEventFired", session=session)  # images decoded
            data = browser.call("Page.printToPDF", {**PAPER, "displayHeaderFooter": True,
                                                    "headerTemplate": "<span></span>", "footerTemplate": FOOTER},
                                session=session)["data"]
            return base64.b64decode(data)
        except Exception:
            self._page = None  # a fresh page for the next report
            self._spoiled.add(target)
            raise

    def _close(self) -> None:
        browser, self._browser, self._page = self._browser, None, None
        if browser is not None:
            browser.close()

    def close_soon(self) -> None:
        """Begin closing the browser in the printer's thread; `close()` waits for it."""
        if self._thread is not None:
            self._call(self._close)

    def close(self) -> None:
        if self._thread is not None:
            try:
                self._call(self._close).result()
            finally:
                self._thread.stop()
                self._thread = None
        self._started = None

    def __enter__(self) -> "PdfPrinter":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
