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
from cchc_lib.reports.year import OWNER_ROWS

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
                        f'<td class="status">{e(r["status_label"])}</td><td class="gap">{e(r["gap"])}'
                        f'{criterion_tasks(r.get("tasks") or ())}</td></tr>')
    legend = ('<p class="legend"><span class="sw st-full">đạt tối đa</span><span class="sw st-partial">đạt một phần</span>'
              '<span class="sw st-zero">0 điểm</span><span class="sw st-missing">thiếu số liệu</span>'
              '<span class="sw st-na">không áp dụng / theo dõi</span></p>')
    return Html(f'<table class="criteria">{head}<tbody>{"".join(body)}</tbody></table>{legend}')


def criterion_tasks(tasks: Sequence[dict]) -> str:
    """The open tasks of a criterion that lost points, under what it takes."""
    if not tasks:
        return ""
    items = "".join(f'<li><span class="code">{e(t["id"])}</span> {e(t["who"])}, hạn '
                    f'{e(t["deadline_text"])}: <span class="state st-{e(t["css"])}">{e(t["state_label"].lower())}'
                    f'</span></li>' for t in tasks)
    return f'<ul class="crit-tasks" title="Nhiệm vụ trong sổ">{items}</ul>'


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


def markdown_html(text: str) -> str:
    """The analyst's Markdown as HTML, any HTML in it escaped (shown, never run)."""
    import mistune

    md = mistune.create_markdown(escape=True, plugins=["strikethrough", "table"])
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


# --- through the year: the three questions, tasks, projection, official results -----------------------

TASK_STATE_COLOURS = {"late": "#fbe3e1", "today": "#fff4d6", "open": "#ffffff", "done": "#e6f4ea",
                      "done-late": "#eef6e9", "cancelled": "#f2f2f2"}


def answers(rep: UnitReport | DepartmentReport) -> Html:
    """The three questions of every review meeting, answered in one sentence each."""
    a = rep.answers
    if a is None:
        return Html("")
    items = (("Nhiệm vụ nào quá hạn, của đơn vị nào?", a.tasks),
             ("Giữ nhịp này, đến ngày chốt đạt bao nhiêu?", a.projection),
             ("So với năm trước thế nào?", a.official))
    body = "".join(f'<div class="answer"><div class="q">{e(q)}</div><div class="a">{e(text)}</div></div>'
                   for q, text in items)
    return Html(f'<section class="answers">{body}</section>')


def _task_line(r: dict) -> str:
    who = r["who"]
    return (f'<span class="code">{e(r["id"])}</span> {e(r["title"])} — <b>{e(who)}</b>, hạn {e(r["deadline_text"])}: '
            f'<span class="state st-{e(r["css"])}">{e(r["state_label"].lower())}</span> ({e(r["detail"])})')


def _tasks_table(rows: Sequence[dict], show_serves: bool = True) -> str:
    head = ("<thead><tr><th>Mã</th><th>Nhiệm vụ</th><th>Chủ trì</th><th>Phối hợp</th><th>Hạn</th>"
            "<th>Tình trạng</th></tr></thead>")
    body = []
    for r in rows:
        serves = f'<div class="serves">{e(r["serves"])}' + (f' · kết luận {e(r["meeting"])}' if r["meeting"] else "") \
            + "</div>" if show_serves else ""
        acting = r["who"]
        co = ", ".join(r["co_owner_names"]) or "–"
        evidence = f'<div class="evidence">Kiểm chứng: {e(r["evidence"])}</div>' if r["evidence"] else ""
        body.append(f'<tr class="task st-{e(r["css"])}" style="background:{TASK_STATE_COLOURS[r["css"]]}">'
                    f'<td class="code">{e(r["id"])}</td><td>{e(r["title"])}{serves}</td><td>{e(acting)}</td>'
                    f'<td class="co">{e(co)}</td><td class="date">{e(r["deadline_text"])}</td>'
                    f'<td><b>{e(r["state_label"])}</b><div class="detail">{e(r["detail"])}</div>{evidence}</td></tr>')
    return f'<table class="tasks">{head}<tbody>{"".join(body)}</tbody></table>'


def tasks_section(rep: UnitReport | DepartmentReport) -> Html:
    """Late tasks first, with their owners; due today; due soon; done in the period; per owner."""
    t = rep.tasks
    if not t.get("available"):
        msg = t.get("message") or "chưa có sổ nhiệm vụ"
        return Html(f'<p class="empty">{e(msg[0].upper() + msg[1:])}.</p>')
    c = t["counts"]
    intro = (f'<p>Tình hình ngày <b>{e(t["as_of_text"])}</b> ({e(t["period_label_lower"])}): '
             f'quá hạn <b>{count_vi(c["late"])}</b> · đến hạn hôm nay <b>{count_vi(c["due_today"])}</b> · '
             f'đang trong hạn {count_vi(c["open"])} · đã hoàn thành {count_vi(c["done"] + c["done_late"])} '
             f'(muộn {count_vi(c["done_late"])}) — trên {count_vi(t["total"])} nhiệm vụ của năm. '
             f'Bảng dưới: nhiệm vụ quá hạn, đến hạn hôm nay, đến hạn trong {t["soon_days"]} ngày tới và hoàn thành '
             f'trong kỳ.</p>')
    if not t["rows"]:
        return Html(intro + '<p class="empty">Không có nhiệm vụ nào quá hạn, đến hạn hay hoàn thành trong kỳ.</p>')
    parts = [intro, _tasks_table(t["rows"])]
    if isinstance(rep, DepartmentReport) and len(t["owners"]) > 1:
        busy = [o for o in t["owners"] if o["late"] or o["due_today"] or o["open"]]
        shown = busy[:OWNER_ROWS]
        rows = "".join(f'<tr><td>{e(o["name"])}</td><td class="num">{count_vi(o["late"])}</td>'
                       f'<td class="num">{count_vi(o["due_today"])}</td><td class="num">{count_vi(o["open"])}</td>'
                       f'<td class="num">{count_vi(o["done"] + o["done_late"])}</td></tr>' for o in shown)
        more = busy[OWNER_ROWS:]
        tail = (f'<p class="legend">và {count_vi(len(more))} đơn vị khác (quá hạn {count_vi(sum(o["late"] for o in more))}'
                f' nhiệm vụ; danh sách đầy đủ: cchc tasks --period {e(t["period"])}).</p>' if more else "")
        parts.append('<h3>Theo đơn vị chủ trì</h3><p>Nhiệm vụ quá hạn tính cho đơn vị phải làm (với việc mỗi đơn vị tự '
                     'làm: đơn vị chưa xong).</p><table class="owners"><thead><tr><th>Đơn vị</th>'
                     '<th class="num">Quá hạn</th><th class="num">Đến hạn hôm nay</th><th class="num">Trong hạn</th>'
                     f'<th class="num">Đã xong</th></tr></thead><tbody>{rows}</tbody></table>{tail}')
    return join(parts)


def meeting_section(rep: UnitReport | DepartmentReport) -> Html:
    """"Đã làm gì sau kỳ trước": the last review meeting's decisions and where they stand."""
    t = rep.tasks
    m = t.get("meeting") if t.get("available") else None
    if not m:
        return Html('<p class="empty">Chưa có cuộc họp sơ kết nào trong sổ nhiệm vụ trước ngày này.</p>')
    who = f' · chủ trì: {e(m["chair"])}' if m["chair"] else ""
    att = f'<p class="meta">Dự họp: {e(", ".join(m["attendees"]))}</p>' if m["attendees"] else ""
    head = (f'<p>Cuộc họp gần nhất: <b>{e(m["id"])}</b>, ngày {e(m["date"])}, sơ kết {e(m["reviews_label"])}{who}'
            + (f' · {e(m["minutes"])}' if m["minutes"] else "") + "</p>" + att)
    if m["note"]:
        head += f'<p class="meta">{e(m["note"])}</p>'
    parts = [head]
    if m["decisions"]:
        parts.append('<ul class="decisions">' + "".join(f"<li>{_task_line(r)}</li>" for r in m["decisions"]) + "</ul>")
    else:
        parts.append('<p class="empty">Cuộc họp không có kết luận giao việc' +
                     (" cho đơn vị này" if isinstance(rep, UnitReport) else "") + ".</p>")
    if t.get("earlier"):
        parts.append("<h3>Kết luận của các cuộc họp trước chưa hoàn thành</h3>")
        parts.append('<ul class="decisions">' + "".join(f"<li>{_task_line(r)} — kết luận {e(r['meeting'])}</li>"
                                                       for r in t["earlier"]) + "</ul>")
    return join(parts)


def projection_section(rep: UnitReport | DepartmentReport) -> Html:
    """Every criterion at the year's cut-off at the current pace: points, band, risk, what it takes."""
    p = rep.projection
    if not p:
        return Html('<p class="empty">Chưa có số liệu của năm để dự báo.</p>')
    if p["remaining"] == 0:
        intro = (f'<p>Số liệu đã đến tháng cuối năm: bảng dưới là kết quả cả năm đến ngày chốt <b>{e(p["cutoff_text"])}</b> '
                 f'({e(p["months_text"])} đủ số liệu; tháng thiếu tính theo bình quân các tháng đủ số liệu).</p>')
    else:
        intro = (f'<p>Dự báo đến ngày chốt số liệu <b>{e(p["cutoff_text"])}</b> nếu giữ nhịp của các tháng đủ số liệu '
                 f'(đến {e(p["through_label"])}: {e(p["months_text"])}): số liệu phát sinh trong tháng tính theo bình '
                 f'quân tháng, số lũy kế từ đầu năm kéo dài theo cùng nhịp, số liệu tính đến ngày chốt và các việc '
                 f'có/không giữ nguyên. Còn {count_vi(p["remaining"])} tháng số liệu đến ngày chốt.</p>')
    tiles = (f'<section class="headline"><div class="tile"><div class="label">Dự báo {e(p["cutoff_short"])}</div>'
             f'<div class="value">{e(p["points_text"])}<span class="of"> / {e(p["max_text"])}</span></div>'
             f'<div class="hint">{e(p["percent_text"])} điểm tối đa áp dụng</div></div>'
             f'<div class="tile"><div class="label">Số liệu dùng</div><div class="value">{e(p["months_text"])}</div>'
             f'<div class="hint">đủ số liệu, đến {e(p["through_label"])}</div></div>'
             f'<div class="tile"><div class="label">Sát ngưỡng</div><div class="value">{count_vi(len(p["at_risk"]))}</div>'
             f'<div class="hint">{e(", ".join(p["at_risk"]) or "không tiêu chí nào")}</div></div>'
             f'<div class="tile"><div class="label">Giữ điểm tối đa</div><div class="value">{count_vi(p["full"])}</div>'
             f'<div class="hint">tiêu chí, không sát ngưỡng</div></div></section>')
    shown = [r for r in p["rows"] if not r["full"] or r["risk"]]
    head = ("<thead><tr><th>Mã</th><th>Tiêu chí</th><th>Dự báo</th><th>Mức</th>"
            "<th class='num'>Điểm</th><th class='num'>Tối đa</th><th>Cần làm đến ngày chốt · rủi ro</th></tr></thead>")
    body = []
    for r in shown:
        risk = f'<div class="risk">⚠ {e(r["risk_text"])}</div>' if r["risk"] else ""
        need = e(r["need"]) if r["reachable"] else f'<span class="unreachable">{e(r["need"])}</span>'
        body.append(f'<tr class="st-{r["css"]}" style="background:{ROW_COLOURS[r["css"]]}"><td class="code">{e(r["code"])}</td>'
                    f'<td>{e(r["title"])}</td><td>{e(r["pace"])}</td><td class="band">{e(r["band"])}</td>'
                    f'<td class="num"><b>{e(r["points"])}</b></td>'
                    f'<td class="num">{e(r["max_points"])}</td><td class="gap">{need}{risk}</td></tr>')
    rest = len(p["rows"]) - len(shown)
    tail = (f'<p class="legend">{count_vi(rest)} tiêu chí khác giữ điểm tối đa đến ngày chốt, không sát ngưỡng.</p>'
            if rest else "")
    table = (f'<table class="criteria projection">{head}<tbody>{"".join(body)}</tbody></table>' if body else
             '<p class="empty">Mọi tiêu chí giữ điểm tối đa đến ngày chốt.</p>')
    return Html(intro + tiles + table + tail)


def official_chart(rep: UnitReport | DepartmentReport) -> Html:
    o = rep.official
    rows = [h for h in o.get("history", []) if h["points"] is not None]
    if not rows:
        return Html("")
    return figure(charts.official_history(rows), alt="Điểm chính thức và thứ hạng qua các năm")


def official_section(rep: UnitReport | DepartmentReport) -> Html:
    """Official points and rank over the years, this year's projection against
    last year's, and the self-assessment against the city's appraisal."""
    o = rep.official
    if not o.get("available"):
        msg = o.get("message") or "chưa có kết quả chính thức"
        return Html(f'<p class="empty">{e(msg[0].upper() + msg[1:])}.</p>')
    parts = []
    if o.get("sample"):
        parts.append('<p class="sample">Lưu ý: kết quả chính thức các năm ghi "mẫu" là <b>số liệu mẫu</b> trong '
                     'params/official.yaml, không phải số liệu thành phố công bố.</p>')
    if isinstance(rep, DepartmentReport):
        if o.get("versus"):
            parts.append(f'<p class="versus">{e(o["versus"]["text"])}</p>')
        parts.append(official_chart(rep))
        rows = "".join(
            f'<tr class="{"projected" if h["projected"] else ""}"><td>{h["year"]}'
            f'{" (" + h.get("label", "dự báo") + ")" if h["projected"] else " (mẫu)" if h["sample"] else ""}</td>'
            f'<td class="num">{e(h["points_text"])}</td><td class="num">{e(h["max_text"])}</td>'
            f'<td class="num">{e(percent_vi(h["percent"] / 100) if h["percent"] is not None else "–")}</td>'
            f'<td class="num">{e(h["rank_text"])}</td><td class="num">{e(h["total_text"])}</td><td>{e(h["source"])}</td></tr>'
            for h in o["history"])
        parts.append('<table class="official"><thead><tr><th>Năm</th><th class="num">Điểm LV 3, 7, 8</th>'
                     '<th class="num">Tối đa</th><th class="num">Tỷ lệ</th>'
                     f'<th class="num">Hạng ({e(o["block"]) or "khối"})</th><th class="num">Tổng chỉ số</th>'
                     f'<th>Nguồn</th></tr></thead><tbody>{rows}</tbody></table>')
        if o["appraisals"]:
            years = sorted({a["year"] for a in o["appraisals"]})
            rows = "".join(f'<tr class="{"generous" if a["generous"] else ""}"><td>{a["year"]}</td>'
                           f'<td class="code">{e(a["code"])}</td><td>{e(a["title"])}</td><td class="num">{e(a["self"])}</td>'
                           f'<td class="num">{e(a["city"])}</td><td class="num">{e(a["difference_text"])}</td></tr>'
                           for a in o["appraisals"])
            generous = o["generous"]
            lead = (f'{count_vi(len(generous))} tiêu chí Sở tự chấm cao hơn thành phố thẩm định '
                    f'(tổng {_pts(sum(a["difference"] for a in generous))} điểm): '
                    + ", ".join(a["code"] for a in generous) + "." if generous else
                    "Không tiêu chí nào Sở tự chấm cao hơn thành phố thẩm định.")
            parts.append(f'<h3>Tự đánh giá và thẩm định (năm {", ".join(map(str, years))})</h3><p>{e(lead)}</p>'
                         '<table class="appraisal"><thead><tr><th>Năm</th><th>Mã</th><th>Tiêu chí</th>'
                         '<th class="num">Tự đánh giá</th><th class="num">Thẩm định</th><th class="num">Chênh lệch</th>'
                         f'</tr></thead><tbody>{rows}</tbody></table>')
    else:
        if not o.get("criteria"):
            parts.append('<p class="empty">Thành phố chưa công bố điểm theo tiêu chí của năm trước cho các tiêu chí '
                         'của đơn vị.</p>')
        else:
            rows = "".join(f'<tr><td class="code">{e(c["code"])}</td><td>{e(c["title"])}</td>'
                           f'<td class="num">{e(c["city"])}</td><td class="num">{e(c["projected"])}</td>'
                           f'<td class="num">{e(c["max"])}</td><td class="num">{e(c["change_text"])}</td></tr>'
                           for c in o["criteria"])
            year = o["last_year"]
            parts.append(f'<p>Điểm thành phố thẩm định cho toàn Sở năm {year} ở các tiêu chí của đơn vị, so với dự báo '
                         f'của đơn vị đến ngày chốt năm nay.</p><table class="official"><thead><tr><th>Mã</th>'
                         f'<th>Tiêu chí</th><th class="num">Thẩm định {year} (toàn Sở)</th><th class="num">Dự báo đơn vị</th>'
                         f'<th class="num">Tối đa</th><th class="num">Chênh lệch</th></tr></thead><tbody>{rows}</tbody></table>')
    return join(parts)
