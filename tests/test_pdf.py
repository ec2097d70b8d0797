"""The PDF printer (`render.pdf` over `render.cdp`): a browser that is not
there, closes or does not answer is a one-line error in time, a page that
crashes fails its report only, and the browser dies with its process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cchc_lib.render.cdp import BrowserError
from cchc_lib.render.pdf import BrowserNotFound, PdfPrinter, find_browser

REPO = Path(__file__).resolve().parent.parent
PAGE = ("<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"></head>"
        "<body><h1>Báo cáo quý III</h1><p>Điểm: 17,92/23,05</p></body></html>")

def needs_browser(test):
    """A test that prints with the real Chromium (slow: not in `make quick`)."""
    return pytest.mark.slow(pytest.mark.skipif(find_browser(include_playwright=False) is None,
                                               reason="không có Chromium: bỏ qua kiểm thử PDF")(test))


def _fake_browser(tmp_path: Path, body: str) -> str:
    exe = tmp_path / "chromium"
    exe.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    exe.chmod(0o755)
    return str(exe)


@pytest.mark.parametrize("script, timeout_ms, message, within", [
    ("exit 3", 10_000, "trình duyệt đã đóng", 5),  # noticed when the pipe closed, not at the timeout
    ("exec sleep 60", 1_000, "không trả lời", 10),  # given up after the timeout
])
def test_a_browser_that_closes_or_does_not_answer_is_a_one_line_error_in_time(tmp_path, script, timeout_ms,
                                                                               message, within):
    printer = PdfPrinter(_fake_browser(tmp_path, script), timeout_ms=timeout_ms)
    started = time.monotonic()
    with pytest.raises(BrowserNotFound) as e:
        printer.start()
    printer.close()
    assert time.monotonic() - started < within
    assert message in str(e.value) and "\n" not in str(e.value)


@needs_browser
def test_a_page_that_crashes_fails_at_once_and_the_next_page_prints(tmp_path):
    with PdfPrinter() as printer:
        first = printer.to_pdf(PAGE)
        session = printer._page[0]
        printer._call(printer._browser.call, "Page.crash", None, session)  # the renderer dies
        started = time.monotonic()
        with pytest.raises(BrowserError):
            printer.to_pdf(PAGE)
        assert time.monotonic() - started < 10  # not the 60 s timeout
        again = printer.to_pdf(PAGE)
    assert first.startswith(b"%PDF") and again.startswith(b"%PDF")
    (tmp_path / "a.pdf").write_bytes(again)
    text = subprocess.run(["pdftotext", str(tmp_path / "a.pdf"), "-"], capture_output=True, text=True)
    if text.returncode == 0:
        assert "Báo cáo quý III" in text.stdout and "Trang 1/1" in text.stdout


@needs_browser
def test_the_browser_dies_with_the_process_that_started_it(tmp_path):
    code = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from cchc_lib.render.pdf import PdfPrinter
        printer = PdfPrinter().start()
        print(printer._browser.pid, printer._browser.profile, flush=True)
        time.sleep(120)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        pid, profile = proc.stdout.readline().split()
        os.kill(int(pid), 0)  # the browser runs
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _running(int(pid)):
            time.sleep(0.1)
        assert not _running(int(pid)), "the browser outlived its process"
    finally:
        proc.kill()


def _running(pid: int) -> bool:
    """Alive and not a zombie (the browser's parent is gone: init reaps it)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@needs_browser
def test_closing_the_printer_ends_the_browser_and_removes_its_profile():
    printer = PdfPrinter().start()
    browser = printer._browser
    assert browser.alive() and Path(browser.profile).is_dir()
    printer.close()
    assert browser.closed(timeout=10)
    assert not _running(browser.pid) and not Path(browser.profile).exists()
    with pytest.raises(BrowserError):
        browser.call("Target.getTargets")


@needs_browser
def test_the_browser_runs_only_the_page_it_prints():
    """Chromium 156 loads its omnibox pop-up pages at every start, headless
    too (~400 scripts, half the CPU of a start): the launch turns them off."""
    with PdfPrinter() as printer:
        assert printer.to_pdf(PAGE).startswith(b"%PDF")
        time.sleep(1.0)  # Chromium loads them after its start: give them the time they took
        targets = printer._call(printer._browser.call, "Target.getTargets").result()["targetInfos"]
    assert [t["type"] for t in targets] == ["page"], [(t["type"], t["url"]) for t in targets]
