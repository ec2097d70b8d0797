"""The Jinja environment of the report's HTML: templates are data.

Every fragment a report shows (`views`) and the index page
(`render.index_page`) is a template under `cchc_lib/templates/`, beside the
nbconvert report template: `sections/*.html.j2` (one per section of a
report), `index_page/` (the index).  Autoescaping is on: every value from
data is escaped unless it is already `Markup` (the analyst's Markdown,
rendered and escaped by `views.markdown_html`).  Undefined names are errors,
so a typo in a template fails the report instead of printing nothing.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from cchc_lib.core.periods import lower_first
from cchc_lib.fmt import count_vi, number_vi, percent_vi, points_vi
from cchc_lib.project import PACKAGE_DIR

TEMPLATES = PACKAGE_DIR / "templates"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _percent(value: float | None, places: int = 1) -> str:
    """A percentage already in 0–100 (`84.2` → `84,2%`)."""
    return "–" if value is None else number_vi(value, places) + "%"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             auto_reload=True)
    env.filters.update(points=points_vi, rate=percent_vi, percent=_percent, count=count_vi, number=number_vi,
                       lower_first=lower_first, upper_first=_upper_first)
    return env


def render(name: str, **context: Any) -> str:
    """The template `name` (e.g. "sections/title.html.j2") rendered with `context`."""
    return environment().get_template(name).render(**context).strip()


def source(name: str) -> Markup:
    """A file of the templates folder as it is (a stylesheet), trusted."""
    return Markup((TEMPLATES / name).read_text(encoding="utf-8"))
