"""HTML fragments a report notebook displays: pure functions of report data.

Every string that comes from data (unit names, titles, commentary, the
analyst's Markdown) is escaped here; the notebook only calls these and the
HTML exporter passes the fragments through.  `Html` displays itself in
JupyterLab too (inline colours), and the template's CSS styles it for print.
"""
from __future__ import annotations

import base64
from html import escape
from typing import Any, Iterable, Sequence

from cchc_lib.reports import charts
from cchc_lib.reports.commentary import Commentary
from cchc_lib.errors import PeriodError
from cchc_lib.fmt import count_vi, percent_vi
from cchc_lib.core.periods import lower_first, parse_period
from cchc_lib.reports.data import FIGURES_MIME, DepartmentReport, UnitReport

ROW_COLOURS = {"full": "#e6f4ea", "partial": "#fff4d6", "zero": "#fbe3e1", "missing": "#f3e5f5",
               "na": "#f2f2f2", "tracked": "#f2f2f2"}


class Html(str):
    """A fragment of HTML that Jupyter displays as HTML."""

    def _repr_html_(self) -> str:
        return str(self)

    def __add__(self, other: str) -> "Html":
        return Html(str(self) + str(other))


def e(x: Any) -> str:
    return escape("" if x is None else str(x), quote=True)


def join(parts: Iterable[str]) -> Html:
    return Html("\n".join(parts))


# --- title, headline, provenance ---------------------------------------------------

def title(rep: UnitReport | DepartmentReport) -> Html:
    org = rep.organisation
    who = rep.unit.name if isinstance(rep, UnitReport) else f"Toàn {org}"
    code = f" ({e(rep.unit.code)})" if isinstance(rep, UnitReport) else ""
    n = rep.note
    return Html(
        f'<header class="report-title">'
        f'<p class="kicker">{e(org)} · Chỉ số cải cách hành chính</p>'
        f'<h1 id="tieu-de">{e(who)}{code}</h1>'
        f'<p class="subtitle">Báo cáo kết quả chỉ số CCHC — {e(rep.period.label_vi)}</p>'
        f'<p class="meta">Số liệu: {e(n["source"])}, cập nhật đến {e(lower_first(n["through"]))}'
        f'{_dates(rep)} · Ngày lập báo cáo: {e(n["made"])}</p>'
        f'<nav class="toc" aria-label="Mục lục"><!-- cchc:toc --></nav>'
        f'</header>')


def _dates(rep: UnitReport | DepartmentReport, e=e) -> str:
    """' · số liệu từ 15/06/2023 đến 14/09/2023' (the cut-off), or nothing."""
    return f" · {e(rep.data_dates)}" if getattr(rep, "data_dates", "") else ""


def headline(rep: UnitReport | DepartmentReport) -> Html:
    h = rep.headline
    tiles = [("Tổng điểm", f'{h["points_text"]}<span class="of"> / {h["max_text"]}</span>', "điểm áp dụng"),
             ("Tỷ lệ đạt", h["percent_text"], "so với điểm tối đa áp dụng")]
    if isinstance(rep, UnitReport):
        tiles.append(("Xếp hạng", e(h["rank_text"]), "trong số đơn vị có số liệu"))
    else:
        tiles.append(("Số đơn vị", str(h["ranked"]), "được chấm trong kỳ"))
    tiles.append(change_tile(h))
    body = "".join(f'<div class="tile"><div class="label">{label}</div><div class="value">{value}</div>'
                   f'<div class="hint">{hint}</div></div>' for label, value, hint in tiles)
    return Html(f'<section class="headline">{body}</section>'
                f'<p class="summary">{e(rep.commentary.summary)}</p>')


def change_tile(h: dict[str, Any]) -> tuple[str, str, str]:
    """The "So với kỳ trước" tile: the change as its value, the previous period
    once, in the hint ("so với tháng 12/2022", or "chưa có số liệu tháng 12/2022")."""
    change = h.get("change")
    prev = _lower_label(h)
    if h.get("no_data"):
        return "So với kỳ trước", "–", e(h.get("change_text") or "chưa gửi số liệu")
    if change is None:
        return "So với kỳ trước", "–", e(f"chưa có số liệu {prev}")
    cls = "up" if change > 0 else "down" if change < 0 else ""
    value = h["change_text"].split(" so với ")[0]
    hint = f"so với {prev}"
    if h.get("previous_percent") is not None:
        hint += f" ({percent_vi(h['previous_percent'] / 100)})"
    return "So với kỳ trước", f'<span class="{cls}">{e(value)}</span>', e(hint)


def _lower_label(h: dict[str, Any]) -> str:
    """The previous period's label as it stands mid-sentence."""
    try:
        return parse_period(h["previous_period"]).label_vi_lower
    except (KeyError, PeriodError):
        return lower_first(str(h.get("previous_label", "")))


def provenance(rep: UnitReport | DepartmentReport) -> Html:
    """One monospace line that says where the numbers come from."""
    who = rep.unit.code if isinstance(rep, UnitReport) else "Toàn Sở"
    n = rep.note
    line = (f"Mã đơn vị: {who} · Kỳ: {rep.period} · Nguồn số liệu: {n['source']} · "
            f"Số liệu đến: {n['through']}{_dates(rep, e=str)} · "
            f"Tổng điểm: {rep.headline['points_text']}/{rep.headline['max_text']}")
    return Html(f'<p class="mono provenance">{e(line)}</p>')


# --- charts ------------------------------------------------------------------

def figure(fig, caption: str = "", alt: str = "") -> Html:
    """A matplotlib figure as an embedded SVG image (no external file)."""
    data = base64.b64encode(charts.svg(fig)).decode("ascii")
    cap = f"<figcaption>{e(caption)}</figcaption>" if caption else ""
    return Html(f'<figure class="chart"><img alt="{e(alt or caption)}" src="data:image/svg+xml;base64,{data}"/>{cap}</figure>')


def domain_chart(rep: UnitReport | DepartmentReport) -> Html:
    return figure(charts.domain_bars(rep.domains), alt="Điểm theo lĩnh vực")


#: Fewer months than this make a dot, not a trend.
MIN_TREND_MONTHS = 3


def trend_charts(rep: UnitReport | DepartmentReport) -> Html:
    if not rep.trends:
        return Html('<p class="empty">Không có tiêu chí theo dõi theo tháng cho đơn vị này.</p>')
    months = max(len(s["months"]) for s in rep.trends)
    if months < MIN_TREND_MONTHS:
        return Html(f'<p class="empty">Chưa đủ số tháng để vẽ xu hướng (mới có {count_vi(months)} tháng từ đầu năm, '
                    f'cần từ {MIN_TREND_MONTHS} tháng); kết quả từng tiêu chí xem ở bảng tiêu chí.</p>')
    intro = Html('<p>Tỷ lệ từng tháng của các tiêu chí nhiều điểm nhất; vùng nền đậm là các tháng của kỳ báo cáo, '
                 'đường đứt nét là ngưỡng điểm của Kế hoạch.</p>')
    return join([intro, *(figure(charts.trend(s), alt=f"Xu hướng {s['code']}") for s in rep.trends)])


def ranking_chart(rep: DepartmentReport) -> Html:
    return figure(charts.ranking(rep.ranking), alt="Xếp hạng đơn vị")


def heatmap_chart(rep: DepartmentReport) -> Html:
    h = rep.heatmap
    if not h["units"]:
        return Html('<p class="empty">Không có đơn vị nào có số liệu trong kỳ.</p>')
    return figure(charts.heatmap(h["units"], h["codes"], h["matrix"]), alt="Bản đồ nhiệt đơn vị × tiêu chí")


# --- tables ------------------------------------------------------------------

def criteria_table(rep: UnitReport | DepartmentReport) -> Html:
    head = ("<thead><tr><th>Mã</th><th>Tiêu chí</th><th>Kết quả</th><th class='num'>Điểm</th>"
            "<th class='num'>Tối đa</th><th>Trạng thái</th><th>Cần làm để đạt mức tiếp theo</th></tr></thead>")
    body = []
    for d in rep.domains:
        pct = f"{d['percent']:.1f}".replace(".", ",") + "%" if d["percent"] is not None else "–"
        body.append(f'<tr class="domain"><td colspan="7">Lĩnh vực {e(d["code"])}: {e(d["title"])} — '
                    f'{_pts(d["points"])}/{_pts(d["max_points"])} điểm ({pct})</td></tr>')
        for r in rep.rows:
            if r["domain"] != d["code"]:
                continue
            body.append(f'<tr class="st-{r["css"]}" style="background:{ROW_COLOURS[r["css"]]}">'
                        f'<td class="code">{e(r["code"])}</td><td>{e(r["title"])}</td><td>{e(r["value"])}</td>'
                        f'<td class="num">{e(r["points"])}</td><td class="num">{e(r["max_points"])}</td>'
                        f'<td class="status">{e(r["status_label"])}</td><td class="gap">{e(r["gap"])}</td></tr>')
    legend = ('<p class="legend"><span class="sw st-full">đạt tối đa</span><span class="sw st-partial">đạt một phần</span>'
              '<span class="sw st-zero">0 điểm</span><span class="sw st-missing">thiếu số liệu</span>'
              '<span class="sw st-na">không áp dụng / theo dõi</span></p>')
    return Html(f'<table class="criteria">{head}<tbody>{"".join(body)}</tbody></table>{legend}')


def _pts(x: float) -> str:
    from cchc_lib.fmt import points_vi

    return points_vi(x)


def ranking_table(rep: DepartmentReport) -> Html:
    rows = "".join(f'<tr><td class="num">{r["rank"] or "–"}</td><td>{e(r["name"])}</td><td class="code">{e(r["code"])}</td>'
                   f'<td class="num">{e(r["points_text"])}</td><td class="num">{e(r["max_text"])}</td>'
                   f'<td class="num">{e(r["percent_text"])}</td></tr>' for r in rep.ranking)
    return Html('<table class="ranking"><thead><tr><th class="num">Hạng</th><th>Đơn vị</th><th>Mã</th>'
                '<th class="num">Điểm</th><th class="num">Tối đa</th><th class="num">Tỷ lệ</th></tr></thead>'
                f'<tbody>{rows}</tbody></table>')


def status_panel(rep: DepartmentReport) -> Html:
    s = rep.status
    if not s["available"]:
        return Html(f'<p class="empty">{e(s["message"][0].upper() + s["message"][1:])}.</p>')
    c = s["counts"]
    blank = f' · Nộp biểu trống: {count_vi(c["empty"])}' if c.get("empty") else ""
    intro = (f'<p>Đúng hạn: {count_vi(c.get("on_time", 0))} · Nộp muộn: {count_vi(c.get("late", 0))}{blank} · '
             f'Chưa nộp: {count_vi(c.get("missing", 0))} (đơn vị × tháng).</p>')
    if not s["rows"]:
        return Html(intro + '<p class="empty">Mọi đơn vị đã nộp báo cáo đúng hạn.</p>')
    rows = "".join(f'<tr><td>{e(r["unit"])}</td><td>{e(r["month"])}</td><td>{e(r["state"])}</td>'
                   f'<td>{e(r["deadline"])}</td><td>{e(r["submitted_at"])}</td><td class="num">{r["missing"]}</td></tr>'
                   for r in s["rows"])
    return Html(intro + '<table class="status"><thead><tr><th>Đơn vị</th><th>Tháng</th><th>Tình trạng</th>'
                '<th>Hạn nộp</th><th>Ngày nộp</th><th class="num">Chỉ số thiếu</th></tr></thead>'
                f'<tbody>{rows}</tbody></table>')


# --- commentary ----------------------------------------------------------------

def commentary(c: Commentary, skip: Sequence[str] = ()) -> Html:
    parts = []
    for s in c.sections:
        if s.key in skip:
            continue
        parts.append(f'<h3>{e(s.heading)}</h3>')
        if not s.remarks:
            parts.append(f'<p class="empty">{e(s.empty)}</p>')
            continue
        items = []
        for r in s.remarks:
            quote = (f'<blockquote class="plan"><span>Kế hoạch quy định:</span> {e(r.quote)}</blockquote>'
                     if r.quote else "")
            items.append(f"<li>{e(r.text)}{quote}</li>")
        parts.append(f'<ul class="remarks {e(s.key)}">{"".join(items)}</ul>')
    return Html(f'<div class="commentary">{"".join(parts)}</div>')


#: Images a report embeds (in the page itself); any other image is shown as a link.
_EMBEDDED_IMAGE = ("data:image/png;", "data:image/jpeg;", "data:image/gif;", "data:image/webp;")


def markdown_html(text: str) -> str:
    """The analyst's Markdown as HTML, any HTML in it escaped (shown, never run).
    An image is kept only when it is in the text itself (a `data:` image); one
    at an address (`![sơ đồ](https://…)`) becomes a link to it: a report loads
    nothing from elsewhere (its Content-Security-Policy would block it anyway)."""
    import mistune

    class Renderer(mistune.HTMLRenderer):
        def image(self, text: str, url: str, title: str | None = None) -> str:
            if url.strip().lower().startswith(_EMBEDDED_IMAGE):
                return super().image(text, url, title)
            label = mistune.util.striptags(text).strip() or "hình ảnh"  # already escaped by mistune
            shown = f"{label} (hình ảnh bên ngoài, không tải: {e(url)})"
            href = self.safe_url(url)
            if href.startswith(("http:", "https:", "ftp:", "ftps:", "mailto:")):
                return f'<a class="external-image" href="{href}">{shown}</a>'
            return f'<span class="external-image">{shown}</span>'

    md = mistune.create_markdown(escape=True, renderer=Renderer(escape=True), plugins=["strikethrough", "table"])
    html = md(text or "")
    # Links may only point to the web or to anchors: no javascript: URLs.
    return html.replace('href="javascript:', 'href="#blocked:')


def analyst(rep: UnitReport | DepartmentReport) -> Html:
    if not rep.analyst.strip():
        return Html('<p class="empty">Không có nhận xét bổ sung của chuyên viên trong tệp lô.</p>')
    return Html(f'<div class="analyst">{markdown_html(rep.analyst)}</div>')


# --- published figures -----------------------------------------------------------

def publish(rep: UnitReport | DepartmentReport) -> None:
    """Display the report's key numbers as data (extracted to `<name>.json`)."""
    from IPython.display import display

    display({FIGURES_MIME: rep.figures,
             "text/plain": f"Số liệu công bố: {rep.figures.get('unit') or 'Toàn Sở'} {rep.figures['period']}"},
            raw=True)
