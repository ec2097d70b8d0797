"""What a report notebook displays: each section of a report as HTML.

Each function takes report data (`reports.data`) and fills one template of
`cchc_lib/templates/sections/` (autoescaped: unit names, titles and
commentary are escaped there; the analyst's Markdown is rendered with any
HTML in it escaped).  The notebook calls these in the order of the report;
the HTML exporter passes the fragments through.

In JupyterLab the same fragments show as they will be shared: `styles()`
displays the report's stylesheet once (scoped to `.cchc`), and every
fragment displays inside a `<div class="cchc">`.
"""
from __future__ import annotations

import base64
import re
from typing import Any, Sequence

from markupsafe import Markup

from cchc_lib.core.periods import lower_first, parse_period
from cchc_lib.errors import PeriodError
from cchc_lib.fmt import count_vi, percent_vi
from cchc_lib.reports import charts, figures
from cchc_lib.reports.commentary import Commentary
from cchc_lib.reports.data import DepartmentReport, UnitReport
from cchc_lib.reports.templating import render, source
from cchc_lib.reports.year import OWNER_ROWS

Report = UnitReport | DepartmentReport
#: `views.styles()` repeats the scope class this many times: JupyterLab's own
#: table rules (`.jp-RenderedHTMLCommon td`, zebra rows) must not win.
_BOOST = 3
_SCOPE = re.compile(r"\.cchc\b(?!-)")


class Html(str):
    """A fragment of report HTML.  In a notebook it displays as HTML inside
    `<div class="cchc">` (so the report's styles apply), with a one-line
    text for front ends without HTML; an empty fragment displays nothing."""

    label = "Báo cáo CCHC (HTML)"

    def _repr_html_(self) -> str:
        return f'<div class="cchc">{self}</div>'

    def _ipython_display_(self) -> None:
        if not self.strip():
            return
        from IPython.display import publish_display_data

        publish_display_data({"text/html": self._repr_html_(), "text/plain": f"[{self.label}]"})

    def __add__(self, other: str) -> "Html":
        return Html(str(self) + str(other))


def section(template: str, **context: Any) -> Html:
    """A template of `templates/sections/` (`criteria` → criteria.html.j2)
    filled with `context`: what each view below does, and what a new
    section of an analyst's notebook can do."""
    return Html(render(f"sections/{template}.html.j2", **context))


# --- styles, title, headline, provenance ------------------------------------------

def stylesheet_css(boost: int = _BOOST) -> str:
    """report.css with its `.cchc` scope repeated `boost` times (more weight
    than a host page's own rules, same meaning)."""
    css = source("cchc_report/report.css")
    return _SCOPE.sub(".cchc" * boost, str(css)) if boost > 1 else str(css)


def styles() -> None:
    """Display the report's stylesheet once, at the top of a notebook, so
    JupyterLab shows tiles, coloured rows and tables as the exported report
    does.  The exported page has the stylesheet in its head: the template
    leaves this output out (metadata `cchc: stylesheet`)."""
    from IPython.display import publish_display_data

    html = render("sections/stylesheet.html.j2", css=Markup(stylesheet_css()))
    publish_display_data({"text/html": html, "text/plain": "[Kiểu trình bày của báo cáo]"},
                         metadata={"cchc": "stylesheet"})


def title(rep: Report) -> Html:
    return section("title", org=rep.settings.organisation, who=rep.who, period_label=rep.period.label_vi,
                   note=rep.note)


def headline(rep: Report) -> Html:
    not_sent = sum(len(g["not_sent"]) for g in rep.groups) if isinstance(rep, DepartmentReport) else 0
    return section("headline", h=rep.headline, kind="unit" if isinstance(rep, UnitReport) else "department",
                   change=change_tile(rep.headline), summary=rep.commentary.summary, not_sent=not_sent)


def change_tile(h: dict[str, Any]) -> dict[str, str]:
    """The "So với kỳ trước" tile: the change as its value ("+1,45 điểm",
    "giữ nguyên"), the previous period once, in the hint ("so với tháng
    12/2022 (77,9%)", or "chưa có số liệu tháng 12/2022")."""
    change = h.get("change")
    prev = _lower_label(h)
    if h.get("no_data"):
        return {"value": "–", "hint": h.get("change_text") or "chưa gửi số liệu", "cls": ""}
    if change is None:
        return {"value": "–", "hint": f"chưa có số liệu {prev}", "cls": ""}
    cls = "up" if change > 0 else "down" if change < 0 else ""
    value = h["change_text"].split(" so với ")[0]
    hint = f"so với {prev}"
    if h.get("previous_percent") is not None:
        hint += f" ({percent_vi(h['previous_percent'] / 100)})"
    return {"value": value, "hint": hint, "cls": cls}


def _lower_label(h: dict[str, Any]) -> str:
    """The previous period's label as it stands mid-sentence."""
    try:
        return parse_period(h["previous_period"]).label_vi_lower
    except (KeyError, PeriodError):
        return lower_first(str(h.get("previous_label", "")))


def provenance(rep: Report) -> Html:
    """Where the numbers come from, in plain words, at the end."""
    return section("provenance", note=rep.note, who=rep.who)


# --- charts ------------------------------------------------------------------

def figure(fig, caption: str = "", alt: str = "") -> Html:
    """A matplotlib figure (or its SVG bytes, `charts.drawn`) as an embedded
    SVG image (no external file)."""
    data = base64.b64encode(fig if isinstance(fig, bytes) else charts.svg(fig)).decode("ascii")
    return section("figure", data=data, caption=caption, alt=alt or caption)


def empty(text: str) -> Html:
    """A sentence in place of a section that has nothing to show."""
    return section("empty", text=text)


def domain_chart(rep: Report) -> Html:
    if rep.headline.get("no_data"):
        return empty(f"Chưa có điểm theo lĩnh vực: đơn vị chưa gửi số liệu của {rep.period.label_vi_lower}.")
    return figure(charts.drawn(charts.domain_bars, rep.domains), alt="Điểm theo lĩnh vực")


def trend_charts(rep: Report) -> Html:
    months_needed = rep.settings.reports.min_trend_months if hasattr(rep, "settings") else 3
    chosen = bool(rep.settings.reports.trend_criteria) if hasattr(rep, "settings") else False
    if not rep.trends:
        if getattr(rep, "headline", {}).get("no_data"):
            return empty("Chưa có số liệu để vẽ xu hướng theo tháng.")
        if not chosen:
            return empty("Không có tiêu chí tính theo tỷ lệ nào bị mất điểm trong kỳ: không có xu hướng cần theo dõi.")
        return empty("Đơn vị không có tiêu chí nào được theo dõi theo tháng.")
    months = max(len(s["months"]) for s in rep.trends)
    if months < months_needed:
        return empty(f"Chưa đủ số tháng để vẽ xu hướng (mới có {count_vi(months)} tháng từ đầu năm, "
                     f"cần từ {months_needed} tháng); kết quả từng tiêu chí xem ở bảng tiêu chí.")
    shown = [Markup(figure(charts.drawn(charts.trend, s), alt=f"Xu hướng {s['code']}")) for s in rep.trends]
    return section("trends", figures=shown, most_lost=not chosen)


def ranking_chart(rep: DepartmentReport) -> Html:
    """The ranking of every unit (one figure a printed page for a large department)."""
    return Html("\n".join(figure(fig, alt="Xếp hạng chung mọi đơn vị")
                           for fig in charts.drawn(charts.ranking_pages, rep.ranking)))


def heatmap_chart(rep: DepartmentReport) -> Html:
    """The heatmap (one figure a printed page, by unit kind for a large
    department) and the key of the criteria it shows."""
    h = rep.heatmap
    if not h["units"]:
        return empty("Không có đơn vị nào có số liệu trong kỳ.")
    pages = charts.drawn(charts.heatmap_pages, h["units"], h["codes"], h["matrix"], h["groups"], h["group_order"],
                         h["domains"])
    shown = {code for codes, _ in pages for code in codes}
    return section("heatmap", figures=[Markup(figure(fig, alt="Bản đồ nhiệt đơn vị × tiêu chí")) for _, fig in pages],
                   key=[(code, title) for code, title in zip(h["codes"], h["titles"]) if code in shown])


# --- tables ------------------------------------------------------------------

def criteria_table(rep: Report) -> Html:
    return section("criteria", domains=rep.domains, rows=rep.rows, no_data=bool(rep.headline.get("no_data")))


def ranking_table(rep: DepartmentReport) -> Html:
    """Each group of unit kinds ranked on its own, the rank over all units
    beside it, the colour bands, and the department next to its units."""
    ranked = sum(1 for r in rep.ranking if r["rank"])
    return section("ranking", groups=rep.groups, bands=rep.bands, ranked=ranked, explain=rep.explain,
                   whole=rep.who, h=rep.headline)


def status_panel(rep: DepartmentReport) -> Html:
    return section("status", s=rep.status)


# --- commentary ----------------------------------------------------------------

def commentary(c: Commentary, skip: Sequence[str] = ()) -> Html:
    return section("commentary", sections=[s for s in c.sections if s.key not in skip])


#: Images a report embeds (in the page itself); any other image is shown as a link.
_EMBEDDED_IMAGE = ("data:image/png;", "data:image/jpeg;", "data:image/gif;", "data:image/webp;")
_LINKABLE = re.compile(r"^\s*(https?|ftps?|mailto):", re.I)


def markdown_html(text: str) -> Markup:
    """The analyst's Markdown as HTML, any HTML in it escaped (shown, never run).
    An image is kept only when it is in the text itself (a `data:` image); one
    at an address (`![sơ đồ](https://…)`) becomes a link to it: a report loads
    nothing from elsewhere (its Content-Security-Policy would block it anyway)."""
    import mistune  # nbconvert's Markdown parser; imported when there is commentary

    class Renderer(mistune.HTMLRenderer):
        def image(self, text: str, url: str, title: str | None = None) -> str:
            if url.strip().lower().startswith(_EMBEDDED_IMAGE):
                return super().image(text, url, title)
            label = Markup(mistune.util.striptags(text).strip() or "hình ảnh")  # already escaped by mistune
            href = url.strip() if _LINKABLE.match(url) else ""
            return render("sections/external_image.html.j2", label=label, url=url, href=href)

    md = mistune.create_markdown(escape=True, renderer=Renderer(escape=True), plugins=["strikethrough", "table"])
    html = md(text or "")
    # Links may only point to the web or to anchors: no javascript: URLs.
    return Markup(html.replace('href="javascript:', 'href="#blocked:'))


def analyst(rep: Report) -> Html:
    """The analyst's commentary with its heading, near the top of the report;
    nothing at all when there is none."""
    text = rep.analyst.strip()
    return section("analyst", body=markdown_html(text) if text else "")


# --- published figures -----------------------------------------------------------

def publish(rep: Report) -> None:
    """Display the report's key numbers as data (extracted to `<name>.json`),
    in the shape `reports.figures` defines and validates."""
    from IPython.display import display

    display(figures.bundle(rep.figures), raw=True)


# --- through the year: the three questions, tasks, projection, official results -----------------------

def answers(rep: Report) -> Html:
    """The three questions of every review meeting, one sentence each: which
    tasks are late and whose; where the year lands at this pace; better than
    last year or not."""
    return section("answers", a=rep.answers) if rep.answers is not None else Html("")


def tasks_section(rep: Report) -> Html:
    """Late tasks first, with their owners; due today; due soon; done in the
    period; for the department, the owners with most late tasks."""
    owners = []
    if isinstance(rep, DepartmentReport) and len(rep.tasks.get("owners", ())) > 1:
        owners = [o for o in rep.tasks["owners"] if o["late"] or o["due_today"] or o["open"]]
    return section("tasks", t=rep.tasks, owners=owners[:OWNER_ROWS], more=owners[OWNER_ROWS:])


def meeting_section(rep: Report) -> Html:
    """"Đã làm gì sau kỳ trước": the last review meeting's decisions and where they stand."""
    t = rep.tasks
    return section("meeting", m=t.get("meeting") if t.get("available") else None, earlier=t.get("earlier", ()),
                   unit=isinstance(rep, UnitReport))


def projection_section(rep: Report) -> Html:
    """Every criterion at the year's cut-off at the current pace: points, band, risk, what it takes."""
    p = rep.projection
    if not p:
        return empty("Chưa có số liệu của năm để dự báo.")
    shown = [r for r in p["rows"] if not r["full"] or r["risk"]]
    return section("projection", p=p, rows=shown, rest=len(p["rows"]) - len(shown))


def official_chart(rep: Report) -> Html:
    """The department's official points and rank over the years, this year's projection hatched."""
    rows = [h for h in rep.official.get("history", []) if h["points"] is not None]
    if not rows:
        return Html("")
    return figure(charts.drawn(charts.official_history, rows), alt="Điểm chính thức và thứ hạng qua các năm")


def official_section(rep: Report) -> Html:
    """Official points and rank over the years, this year's projection against
    last year's, and the self-assessment against the city's appraisal (for a
    unit: the city's appraisal of the department on the unit's criteria)."""
    o = rep.official
    department = isinstance(rep, DepartmentReport)
    chart = Markup(official_chart(rep)) if department and o.get("available") else ""
    return section("official", o=o, department=department, chart=chart)
