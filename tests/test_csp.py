"""Issue 10, rendering: reports and the index carry a Content-Security-Policy
that allows only what they embed (no remote loads: a Markdown image at a
remote address is shown as a link, not fetched), and still print to PDF the
same."""
from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import threading
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from cchc_lib.render import batch, csp
from cchc_lib.render.htmlexport import to_html
from cchc_lib.render.index_page import index_html
from cchc_lib.render.pdf import PdfPrinter, find_browser
from cchc_lib.reports.views import markdown_html

from reports_helpers import NOTEBOOKS, batch_doc, make_project

PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


class _Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.seen: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, dict(attrs)))


def _meta_first(html: str) -> None:
    """The page's policy is ours (allowing exactly the page's own inline
    scripts, if any), and comes before anything it governs."""
    head = _Head()
    head.feed(html[:html.index("</head>")])
    tags = [t for t, _ in head.seen]
    policies = [a.get("content") for t, a in head.seen
                if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"]
    assert policies == [csp.policy(re.findall(r"<script>(.*?)</script>", html, re.S))]
    where = next(i for i, (t, a) in enumerate(head.seen) if a.get("http-equiv"))
    assert all(t in ("html", "head", "meta") for t in tags[:where]) and "style" in tags[where:]


def _without_policy(html: str) -> str:
    return re.sub(r"<meta[^>]*Content-Security-Policy[^>]*>", "", html)


def test_the_policy_allows_only_embedded_things():
    p = csp.POLICY
    assert "default-src 'none'" in p and "img-src data:" in p and "base-uri 'none'" in p
    assert "http" not in p and "*" not in p and "script-src" not in p  # no script at all (default-src)


def test_markdown_image_at_an_address_is_a_link_not_an_image():
    html = markdown_html("Sơ đồ: ![quy trình <b>mới</b>](https://example.org/a.png?x=1&y=2) "
                         f"và ![nhúng]({PIXEL}) và ![x](javascript:alert(1))")
    assert "<img" in html and html.count("<img") == 1 and 'src="data:image/png;base64,' in html
    assert '<a class="external-image" href="https://example.org/a.png?x=1&amp;y=2">' in html
    assert "không tải: https://example.org/a.png?x=1&amp;y=2" in html
    assert "quy trình &lt;b&gt;mới&lt;/b&gt;" in html  # the alt text stays escaped
    assert 'href="javascript' not in html and 'src="javascript' not in html


def test_report_html_carries_the_policy_and_shows_remote_images_as_links():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## Ảnh\n\n![logo](http://example.org/logo.png)"),
                nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
                    "display_data", {"text/html": f'<img alt="biểu đồ" src="{PIXEL}"/>'})])]
    html, _ = to_html(nb, "Thử")
    _meta_first(html)
    assert re.search(r'<img[^>]+src="https?:', html) is None
    assert 'href="http://example.org/logo.png"' in html and "logo (hình ảnh bên ngoài" in html
    assert f'src="{PIXEL}"' in html  # embedded images stay


def test_index_carries_the_policy():
    html = index_html([])
    _meta_first(html)
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 1 and "script-src 'sha256-" in csp.policy(scripts)  # its own script, by hash, no other


def test_a_page_without_script_allows_none():
    assert csp.policy([]) == csp.POLICY and "script-src" not in csp.with_policy("<html><head></head></html>")


# --- in a real browser ---------------------------------------------------------------------

class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(b"\x89PNG\r\n\x1a\n")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Counter.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Counter.hits
    httpd.shutdown()


def _open(path: Path, probe: str = "") -> list[str]:
    """Open a file in headless Chromium (online, scripts on); the requests that
    went out (Chromium reports a request the policy blocked as failed "csp"),
    and the value of `probe` (a script evaluated by the test, not the page)."""
    from playwright.sync_api import sync_playwright

    exe = find_browser()
    sent: list = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("requestfinished", lambda r: sent.append(r.url))
            page.on("requestfailed", lambda r: r.failure == "csp" or sent.append(r.url))
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_timeout(300)
            probed = page.evaluate(probe) if probe else None
        finally:
            browser.close()
    out = [u for u in sent if not u.startswith(("data:", "file:"))]
    return out + ([("probe", probed)] if probe else [])


def _hostile(url: str) -> str:
    """What a report must not load, whatever put it in the page."""
    return (f'<img src="{url}/img.png"><link rel="stylesheet" href="{url}/style.css">'
            f'<script src="{url}/script.js"></script><iframe src="{url}/frame"></iframe>'
            f'<div style="background:url({url}/bg.png)">x</div><script>fetch("{url}/fetch")</script>')


@pytest.mark.slow
def test_a_report_loads_nothing_from_elsewhere(server, tmp_path):
    if not find_browser():
        pytest.skip("no Chromium")
    url, hits = server
    proj = make_project(tmp_path)
    doc = batch_doc(proj, units=["VP"], notebooks={"unit": str(NOTEBOOKS / "unit_report.ipynb")},
                    commentary={"VP": f"Sơ đồ quy trình: ![sơ đồ]({url}/commentary.png)"})
    assert batch.run_batch(batch.parse_spec(doc, "t.yaml"), root=tmp_path, workers=1, progress=False).exit_code == 0
    report = tmp_path / "output" / "2023-Q3" / "VP.html"
    html = report.read_text(encoding="utf-8")
    _meta_first(html)
    assert f'href="{url}/commentary.png"' in html  # shown as a link
    assert _open(report) == [] and hits == []  # the commentary image is not fetched
    # whatever else got into a page, the policy blocks it ...
    hostile = tmp_path / "hostile.html"
    hostile.write_text(html.replace("</main>", _hostile(url) + "</main>"), encoding="utf-8")
    assert _open(hostile) == [] and hits == []
    index = tmp_path / "output" / "index.html"
    hostile_index = tmp_path / "hostile_index.html"
    hostile_index.write_text(index.read_text(encoding="utf-8").replace("</main>", _hostile(url) + "</main>"),
                             encoding="utf-8")
    # the index's own script runs (it shows the filter box), the injected ones do not
    assert _open(hostile_index, "document.getElementById('tools').hidden") == [("probe", False)] and hits == []
    # ... which is what stops it: the same page without the policy loads them
    bare = tmp_path / "bare.html"
    bare.write_text(_without_policy(hostile.read_text(encoding="utf-8")), encoding="utf-8")
    assert _open(bare) and len(hits) >= 3


@pytest.mark.slow
def test_the_policy_does_not_change_the_pdf(tmp_path):
    if not find_browser() or not shutil.which("pdftoppm"):
        pytest.skip("no Chromium or pdftoppm")
    proj = make_project(tmp_path)
    doc = batch_doc(proj, units=["XSS"], formats=["html"], commentary={"XSS": "Nhận xét **đậm** và bảng."})
    assert batch.run_batch(batch.parse_spec(doc, "t.yaml"), root=tmp_path, workers=1, progress=False).exit_code == 0
    html = (tmp_path / "output" / "2023-Q3" / "department.html").read_text(encoding="utf-8")
    assert _without_policy(html) != html
    with PdfPrinter() as printer:
        with_policy, without = printer.to_pdf(html), printer.to_pdf(_without_policy(html))
    pages = []
    for name, pdf in (("a", with_policy), ("b", without)):
        (tmp_path / f"{name}.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)],
                       check=True)
        pages.append(sorted((tmp_path).glob(f"{name}-*.png")))
    assert len(pages[0]) == len(pages[1]) >= 2
    for a, b in zip(*pages):
        assert a.read_bytes() == b.read_bytes(), f"{a.name} differs"


@pytest.mark.slow
def test_the_pdf_printer_fetches_nothing_even_from_a_page_without_the_policy(server, tmp_path):
    """The printer's browser has no network of its own (every host goes to a
    closed port, loopback included) and runs no script: a page that lost its
    policy still loads nothing when printed."""
    if not find_browser():
        pytest.skip("no Chromium")
    url, hits = server
    page = _without_policy(f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><main>"
                           f"<p>Trang in</p>{_hostile(url)}</main></body></html>")
    with PdfPrinter() as printer:
        pdf = printer.to_pdf(page)
    assert pdf.startswith(b"%PDF") and hits == []
