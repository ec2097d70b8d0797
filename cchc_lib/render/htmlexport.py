"""Executed notebook → self-contained HTML (no code, no script, A4 print CSS,
a Content-Security-Policy that allows only what the page embeds: `csp`).

`to_html(nb)` returns `(html, resources)` and writes nothing.  The page
layout and CSS are data: the nbconvert template `templates/cchc_report`.
`figures_of(nb)` reads the key numbers a notebook published, validated
against the contract of `reports.figures`.
"""
from __future__ import annotations

import re
from functools import lru_cache
from html import unescape
from typing import Any

from cchc_lib.project import PACKAGE_DIR
from cchc_lib.render import csp
from cchc_lib.reports import figures
from cchc_lib.reports.templating import render

TEMPLATES = PACKAGE_DIR / "templates"
TEMPLATE_NAME = "cchc_report"
TOC_MARK = "<!-- cchc:toc -->"
_HEADING = re.compile(r"<h([12])([^>]*)>(.*?)</h\1>", re.S)
_ID = re.compile(r'\sid="([^"]+)"')
_TAG = re.compile(r"<[^>]+>")


@lru_cache(maxsize=1)
def exporter():
    """One configured HTMLExporter per process (building one costs ~0.1 s)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES)],
                        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                        # Charts are already data: URIs; embed_images would parse every page
                        # with BeautifulSoup (~50 ms a report) to find none.
                        embed_images=False, sanitize_html=False)


def figures_of(nb: Any) -> dict | None:
    """The figures the notebook published (validated: `figures.FiguresError`
    if they do not match the contract), or None if it published none."""
    return figures.from_notebook(nb)


def add_toc(html: str) -> str:
    """A table of contents of the page's h2 headings, at the template's mark."""
    items = []
    for level, attrs, inner in _HEADING.findall(html):
        if level != "2":
            continue
        m = _ID.search(attrs)
        if not m:
            continue
        text = _TAG.sub("", inner).replace("¶", "").strip()
        items.append((unescape(m.group(1)), unescape(text)))
    if not items:
        return html.replace(TOC_MARK, "")
    return html.replace(TOC_MARK, render("sections/toc.html.j2", items=items), 1)


def to_html(nb: Any, title: str = "", version: str = "") -> tuple[str, dict]:
    """(html, resources) of an executed report notebook."""
    resources = {"metadata": {"name": title or "Báo cáo CCHC"}, "cchc_title": title or "Báo cáo CCHC",
                 "cchc_version": version, "cchc_csp": csp.POLICY}
    body, res = exporter().from_notebook_node(nb, resources=resources)
    return add_toc(csp.remote_images_as_links(body)), res
