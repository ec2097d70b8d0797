"""Executed notebook → self-contained HTML (no code, no script, A4 print CSS,
a Content-Security-Policy that allows only what the page embeds: `csp`).

`to_html(nb)` returns `(html, resources)` and writes nothing.  The page
layout and CSS are data: the nbconvert template `templates/cchc_report`.
`figures_of(nb)` reads the key numbers a notebook published, validated
against the contract of `reports.figures`.

The exporter renders that template once per report (`ReportExporter`):
nbconvert's `HTMLExporter` would also deep-copy the notebook twice, run its
preprocessors and validate the notebook after each, then re-parse its own
page with BeautifulSoup — about 40 ms a report that change nothing in ours
(no code is shown, no cell is tagged, every image has its alt text).
"""
from __future__ import annotations

import re
from functools import lru_cache
from html import unescape
from typing import Any

from nbconvert import HTMLExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

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


class ReportExporter(HTMLExporter):
    """`HTMLExporter` with the report template, rendered straight from the
    executed notebook (which it does not change)."""

    def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None,  # type: ignore[override]
                           **kw: Any) -> tuple[str, dict[str, Any]]:
        resources = self._init_resources(resources)
        if "highlight_code" not in self.environment.filters:  # code is not shown; the template names the filter
            self.register_filter("highlight_code", Highlight2HTML(parent=self))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata={}, parent=self,
                                                                       resources=resources))
        resources.setdefault("raw_mimetypes", self.raw_mimetypes)
        resources.setdefault("output_mimetype", self.output_mimetype)
        resources["global_content_filter"] = {
            "include_code": not self.exclude_code_cell, "include_markdown": not self.exclude_markdown,
            "include_raw": not self.exclude_raw, "include_unknown": not self.exclude_unknown,
            "include_input": not self.exclude_input, "include_output": not self.exclude_output,
            "include_output_stdin": not self.exclude_output_stdin,
            "include_input_prompt": not self.exclude_input_prompt,
            "include_output_prompt": not self.exclude_output_prompt,
            "no_prompt": self.exclude_input_prompt and self.exclude_output_prompt,
        }
        return self.template.render(nb=nb, resources=resources).lstrip("\r\n"), resources


@lru_cache(maxsize=1)
def exporter() -> ReportExporter:
    """One configured exporter per process, its template compiled (~0,3 s the first time)."""
    exp = ReportExporter(template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES)],
                         exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                         embed_images=False, sanitize_html=False)
    exp.template  # noqa: B018  (compiles the template now, not at the first report)
    return exp


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
    return add_toc(csp.remote_images_as_links(_letters(body))), res


# nbconvert's heading anchors are serialised by ElementTree as ASCII, so a
# Vietnamese heading comes out as "Nhi&#7879;m v&#7909;": the letters are put
# back (only code points above ASCII, which are never markup).
_CHAR_REF = re.compile(r"&#(\d{3,7});")


def _letters(html: str) -> str:
    return _CHAR_REF.sub(lambda m: chr(int(m.group(1))) if 127 < int(m.group(1)) < 0x110000 else m.group(0), html)
