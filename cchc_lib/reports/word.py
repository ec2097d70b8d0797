"""The báo cáo the department signs, as a Word document (Nghị định 30/2020/NĐ-CP).

`docx_context()` drafts, from the same report data the notebooks show
(`data.unit_report` / `data.department_report`), everything the document
says as plain Vietnamese strings: the agency and motto blocks, the title and
summary, sections I (results), II (shortcomings and causes), III
(proposals: what reaches the next band, in counts), the analyst's
commentary, the signature block, "Nơi nhận" and the appendices (scorecard;
for the department, the ranking of units).

`render_docx()` fills a Word template with it (docxtpl: Jinja inside a
.docx, autoescaped, in a sandbox, undefined keys refused).  The shipped
template `cchc_lib/templates/docx/bao_cao.docx` is made by
`scripts/make_docx_template.py`; an analyst may restyle it in Word or give
another (`cchc render --template`, batch key `docx_template`).  A template
that names a key the data does not have is refused with one line, before
anything is written (`check_template`).
"""
from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Sequence

import jinja2
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.core.rules import MISSING, NOT_APPLICABLE, SCORED, TRACKED
from cchc_lib.core.scoring import CriterionScore, Scorecard
from cchc_lib.errors import UsageError
from cchc_lib.fmt import acronyms, count_vi, percent_vi, points_vi, sentence_case
from cchc_lib.project import PACKAGE_DIR
from cchc_lib.reports.commentary import change_sentence, lost_criteria, units_losing
from cchc_lib.reports.data import NO_DATA, Context, DepartmentReport, UnitReport, rank_units
from cchc_lib.core.organisation import Organisation
from cchc_lib.reports.text import criterion_notes, indicator_names, responsible_text, value_text

DEFAULT_TEMPLATE = PACKAGE_DIR / "templates" / "docx" / "bao_cao.docx"
#: How many units a criterion's paragraph names before "và N đơn vị khác".
UNITS_NAMED = 8
#: Blank space the office fills by hand ("Số:      /BC-SGDĐT", "ngày      tháng").
BLANK = "\u00a0" * 6


class TemplateError(UsageError):
    """A Word template that cannot be used (missing, not a .docx, bad Jinja, unknown key)."""


# --- drafting ------------------------------------------------------------------------

def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pct(card: Scorecard) -> str:
    return percent_vi(card.percent / 100) if card.percent is not None else "–"


def _result(c: CriterionScore, catalogue: Catalogue, *more: str) -> str:
    """The figures behind a criterion's points, with the contract's notes (months, as-of, …)."""
    text = value_text(c, catalogue)
    notes = criterion_notes(c.to_dict()) + list(more)
    return text + (f" ({'; '.join(notes)})" if notes else "")


def _named(names: Sequence[str], limit: int = UNITS_NAMED) -> str:
    shown = "; ".join(names[:limit])
    more = len(names) - limit
    return shown + (f" và {count_vi(more)} đơn vị khác" if more > 0 else "")


def markdown_paragraphs(text: str) -> list[str]:
    """The analyst's Markdown as plain paragraphs for Word: blank lines split
    paragraphs, list items stay one line each ("- …"); emphasis marks, heading
    marks and link syntax are dropped (the words are kept, never interpreted)."""
    out: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            out.append(" ".join(current))
            current.clear()

    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        line = re.sub(r"^#{1,6}\s+", "", line)
        line = re.sub(r"\[([^\]]*)\]\(([^)\s]*)\)", r"\1 (\2)", line)
        line = re.sub(r"(\*\*|__|`)", "", line)
        item = re.match(r"^(?:[-*+]|\d+[.)])\s+(.*)$", line)
        if item:
            flush()
            out.append(f"- {item.group(1)}")
            continue
        current.append(line)
    flush()
    return out


def _domain_label(code: str, title: str, keep: set[str]) -> str:
    return f"Lĩnh vực {code} — {sentence_case(title, keep)}"


def _results(rep: UnitReport | DepartmentReport, subject: str, cards: Sequence[tuple[int, Scorecard]],
             keep: set[str]) -> list[str]:
    card = rep.card
    through = rep.note.get("through", "")
    source = (f"Theo số liệu các đơn vị gửi về (số liệu đến {through[:1].lower() + through[1:]})"
              if through.startswith("Tháng") else "Theo số liệu hiện có")
    out = [f"{source}, {subject} đạt {points_vi(card.points)}/{points_vi(card.max_points)} điểm áp dụng "
           f"(tỷ lệ {_pct(card)}), cụ thể:"]
    for d in card.domains:
        pct = percent_vi(d.percent / 100) if d.percent is not None else "–"
        out.append(f"- {_domain_label(d.code, d.title, keep)}: {points_vi(d.points)}/{points_vi(d.max_points)} điểm "
                   f"({pct});")
    out[-1] = out[-1].rstrip(";") + "."
    if isinstance(rep, DepartmentReport):
        ranked = [(r, c) for r, c in cards if r]
        if ranked:
            best, worst = ranked[0][1], ranked[-1][1]
            out.append(f"Có {count_vi(len(ranked))} đơn vị được chấm điểm; cao nhất: {best.unit.name} ({_pct(best)}), "
                       f"thấp nhất: {worst.unit.name} ({_pct(worst)}) (chi tiết tại Phụ lục II).")
        unsent = [c.unit.name for r, c in cards if not r and c.unit]
        if unsent:
            out.append(f"{_cap(count_vi(len(unsent)))} đơn vị chưa gửi số liệu: {_named(unsent)}.")
    elif rep.headline.get("rank"):
        out.append(f"Xếp thứ {count_vi(rep.headline['rank'])}/{count_vi(rep.headline['ranked'])} đơn vị của Sở.")
    return out


def _full(card: Scorecard, catalogue: Catalogue) -> list[str]:
    full = [c for c in card.criteria if c.status == SCORED and c.max_points > 0 and c.points == c.max_points]
    scored = [c for c in card.criteria if c.counts_toward_max and c.max_points > 0]
    if not full:
        return ["Chưa có tiêu chí nào đạt điểm tối đa."]
    out = [f"Đạt điểm tối đa ở {count_vi(len(full))}/{count_vi(len(scored))} tiêu chí được chấm, tổng "
           f"{points_vi(sum((c.points for c in full), Fraction(0)))} điểm:"]
    out += [f"- {c.code} {c.criterion.title}: {_result(c, catalogue)} — {points_vi(c.points)} điểm;" for c in full]
    out[-1] = out[-1].rstrip(";") + "."
    return out


def _progress(card: Scorecard, previous: Scorecard | None, keep: set[str]) -> list[str]:
    out = [_cap(change_sentence(card, previous)) + "."]
    if previous is not None and previous.percent is not None:
        before = {d.code: d for d in previous.domains}
        for d in card.domains:
            b = before.get(d.code)
            if b is None:
                continue
            delta = d.points - b.points
            sign = "+" if delta > 0 else "−" if delta < 0 else "±"
            out.append(f"- {_domain_label(d.code, d.title, keep)}: {points_vi(b.points)} → {points_vi(d.points)} "
                       f"điểm ({sign}{points_vi(abs(delta))});")
        if len(out) > 1:
            out[-1] = out[-1].rstrip(";") + "."
    return out


def _unit_figures(pairs: Sequence[tuple[Scorecard, CriterionScore]], catalogue: Catalogue) -> list[str]:
    return [f"{card.unit.name} ({'thiếu số liệu' if c.status == MISSING else value_text(c, catalogue) + ', mất ' + points_vi(c.lost) + ' điểm'})"
            for card, c in pairs if card.unit]


def _problems(card: Scorecard, cards: Sequence[Scorecard] | None, catalogue: Catalogue) -> list[str]:
    """Every criterion that lost points: its figures, the plan's requirement,
    and (department) the units responsible and those that fell short."""
    lost = lost_criteria(card)
    if not lost:
        return ["Không có tiêu chí nào đã chấm bị mất điểm."]
    out = []
    for i, c in enumerate(lost, 1):
        text = (f"{i}. {c.code} {c.criterion.title}: đạt {points_vi(c.points)}/{points_vi(c.max_points)} điểm, "
                f"mất {points_vi(c.lost)} điểm; kết quả: {_result(c, catalogue)}.")
        if cards is not None:
            text += f" Đơn vị chịu trách nhiệm theo Kế hoạch: {responsible_text(catalogue, c.criterion)}."
            losing = _unit_figures(units_losing(c.code, cards), catalogue)
            if losing:
                text += f" Đơn vị chưa đạt: {_named(losing)}."
        out.append(text)
    return out


def _missing(card: Scorecard, cards: Sequence[Scorecard] | None, catalogue: Catalogue) -> list[str]:
    out = [f"- {c.code} {c.criterion.title}: chưa có số liệu — {indicator_names(c.outcome.missing, catalogue)} "
           f"({points_vi(c.max_points)} điểm chưa được chấm);" for c in card.by_status(MISSING)]
    for unit_card in cards or ():
        gaps = unit_card.by_status(MISSING)
        if gaps and unit_card.unit:
            out.append(f"- {unit_card.unit.name}: thiếu số liệu {count_vi(len(gaps))} tiêu chí "
                       f"({', '.join(c.code for c in gaps)});")
    if out:
        out[-1] = out[-1].rstrip(";") + "."
    return out


def _proposals(card: Scorecard, cards: Sequence[Scorecard] | None, catalogue: Catalogue) -> list[str]:
    """What reaches the next band, per criterion, in counts (the scorecard's gap)."""
    out = []
    for c in lost_criteria(card):
        how = c.gap.text if c.gap else "rà soát, thực hiện đầy đủ yêu cầu của tiêu chí theo Kế hoạch"
        text = f"- {c.code}: {how}"
        if cards is not None:
            text += f". Giao: {responsible_text(catalogue, c.criterion)}"
            losing = [u.unit.name for u, _ in units_losing(c.code, cards) if u.unit]
            if losing:
                text += f"; tập trung đôn đốc: {_named(losing, 4)}"
        out.append(text + f" (có thể lấy lại tới {points_vi(c.lost)} điểm);")
    unsent = [c for c in (cards or ()) if c.by_status(MISSING)]
    if unsent:
        out.append(f"- Đôn đốc {count_vi(len(unsent))} đơn vị gửi đủ số liệu trước khi tổng hợp: "
                   f"{_named([c.unit.name for c in unsent if c.unit], 6)};")
    elif card.by_status(MISSING):
        out.append("- Bổ sung số liệu còn thiếu trước khi tổng hợp;")
    out.append("- Duy trì kết quả các tiêu chí đã đạt điểm tối đa; Văn phòng Sở tiếp tục theo dõi, tổng hợp số liệu "
               "hằng tháng và báo cáo Ban Chỉ đạo.")
    return out


def _scorecard_rows(card: Scorecard, catalogue: Catalogue) -> list[dict[str, Any]]:
    """Phụ lục I: domain rows (bold, with their points), group rows, criteria, total."""
    rows: list[dict[str, Any]] = []
    by_domain = {d.code: d for d in card.domains}
    groups = {g.code: g for d in catalogue.domains for g in d.groups}
    shown_groups: set[str] = set()
    for dom in catalogue.domains:
        d = by_domain.get(dom.code)
        if d is None:
            continue
        rows.append({"bold": True, "group": False, "stt": d.code, "title": d.title, "max": points_vi(d.max_points),
                     "result": "", "points": points_vi(d.points)})
        for c in card.criteria:
            if c.criterion.domain != d.code:
                continue
            g = c.criterion.group
            if g and g not in shown_groups and g in groups:
                shown_groups.add(g)
                rows.append({"bold": False, "group": True, "stt": g, "title": groups[g].title, "max": "", "result": "",
                             "points": ""})
            if c.status == TRACKED:
                result, points, maximum = _result(c, catalogue, "theo dõi, không tính điểm"), "–", "–"
            elif c.status == NOT_APPLICABLE:
                result, points, maximum = _result(c, catalogue, "không phát sinh, không tính điểm"), "–", \
                    points_vi(c.max_points)
            elif c.status == MISSING:
                result, points, maximum = _result(c, catalogue), "0,00", points_vi(c.max_points)
            else:
                result, points, maximum = _result(c, catalogue), points_vi(c.points), points_vi(c.max_points)
            rows.append({"bold": False, "group": False, "stt": c.code, "title": c.criterion.title, "max": maximum,
                         "result": result, "points": points})
    rows.append({"bold": True, "group": False, "stt": "", "title": "TỔNG CỘNG", "max": points_vi(card.max_points),
                 "result": f"Tỷ lệ {_pct(card)}", "points": points_vi(card.points)})
    return rows


def _ranking_rows(cards: Sequence[tuple[int, Scorecard]]) -> list[dict[str, Any]]:
    out = []
    for rank, c in cards:
        sent = bool(rank)
        out.append({"rank": count_vi(rank) if rank else "–", "name": c.unit.name if c.unit else "",
                    "code": c.unit_code or "", "points": points_vi(c.points) if sent else "–",
                    "max": points_vi(c.max_points), "percent": _pct(c) if sent else NO_DATA})
    return out


def _with_stops(lines: Sequence[str]) -> list[str]:
    """Nơi nhận: each line ends with ';', the last one ('Lưu: VT, …') with '.'."""
    items = [line.rstrip(" ;.") for line in lines if line.strip()]
    return [f"- {t};" for t in items[:-1]] + [f"- {t}." for t in items[-1:]]


def docx_context(ctx: Context, rep: UnitReport | DepartmentReport, org: Organisation,
                 made: _dt.date | None = None) -> dict[str, Any]:
    """Everything the báo cáo says, as strings and lists (the template's keys)."""
    made = made or _dt.date.today()
    card, p, cat = rep.card, rep.period, ctx.catalogue
    keep = acronyms(c.title for c in cat.criteria)
    is_dept = isinstance(rep, DepartmentReport)
    plan = org.plan_of(p.year)
    in_period = "" if p.kind == "year" else f", {p.label_vi_lower}"
    if is_dept:
        ranked = rank_units(ctx, p)
        unit_cards: list[Scorecard] | None = [c for r, c in ranked]
        # units with data in the period, ranked or not; the rest sent nothing
        sent = {c.unit_code for c in unit_cards}
        ranked_all = list(ranked) + [(0, _empty(card, u)) for u in ctx.registry if u.code not in sent]
        subject = org.name
        summary = f"Kết quả thực hiện {plan}{in_period}"
        about = f"kết quả thực hiện các tiêu chí chỉ số cải cách hành chính {p.label_vi_lower}"
    else:
        unit_cards, ranked_all = None, []
        subject = rep.unit.name
        summary = f"Kết quả thực hiện {plan} của {rep.unit.name}{in_period}"
        about = f"kết quả thực hiện các tiêu chí chỉ số cải cách hành chính của {rep.unit.name} {p.label_vi_lower}"
    number = f"Số:{BLANK}/BC-{org.symbol}"
    no_data = bool(getattr(rep, "figures", {}).get("no_data"))
    results = ([f"{subject} {NO_DATA} của {p.label_vi_lower}: mọi tiêu chí đều thiếu số liệu, chưa chấm được điểm."]
               if no_data else _results(rep, subject, ranked_all, keep))
    return {
        "org": {"parent": org.parent, "agency": org.agency, "name": org.name, "symbol": org.symbol,
                "place": org.place,
                "signer": {"authority": org.signer.authority, "position": org.signer.position,
                           "name": org.signer.name},
                "recipients": _with_stops(org.recipients)},
        "doc": {"number": number,
                "date_line": f"{org.place}, ngày{BLANK}tháng{BLANK}năm {made.year}",
                "type": "BÁO CÁO", "summary": summary, "period": p.label_vi, "period_code": str(p),
                "subject": subject, "plan": plan, "is_department": is_dept,
                "intro": f"Thực hiện {plan} (sau đây gọi là Kế hoạch), {org.name} báo cáo {about} như sau:",
                "closing": f"Trên đây là báo cáo {about} của {org.name}./.",
                "reference": f"(Kèm theo Báo cáo số{BLANK}/BC-{org.symbol} ngày{BLANK}tháng{BLANK}năm "
                             f"{made.year} của {org.name})",
                "made": made.strftime("%d/%m/%Y"), "source": rep.note.get("source", "")},
        "results": results + _through_the_year(rep)[0],
        "full": [] if no_data else _full(card, cat),
        "progress": _progress(card, rep.previous, keep),
        "problems": ([] if no_data else _problems(card, unit_cards, cat)) + _through_the_year(rep)[1],
        "missing": _missing(card, unit_cards, cat),
        "proposals": _proposals(card, unit_cards, cat) + _through_the_year(rep)[2],
        "analyst": markdown_paragraphs(rep.analyst),
        "scorecard": _scorecard_rows(card, cat),
        "scorecard_title": f"BẢNG ĐIỂM CÁC TIÊU CHÍ {'TOÀN SỞ' if is_dept else 'CỦA ' + subject.upper()} "
                           f"— {p.label_vi.upper()}",
        "ranking": _ranking_rows(ranked_all) if is_dept else [],
        "ranking_title": f"XẾP HẠNG CÁC ĐƠN VỊ — {p.label_vi.upper()}",
    }


def _through_the_year(rep: UnitReport | DepartmentReport) -> tuple[list[str], list[str], list[str]]:
    """The three questions of the year (reports.year), as the báo cáo's
    sentences: against last year's official result (section I), the tasks
    still late (II), where the year lands at this pace (III, for a period
    inside the year: a year's own figures are its result)."""
    a = rep.answers
    if a is None:
        return [], [], []
    official = [a.official] if rep.official.get("versus") or rep.official.get("criteria") else []
    late = rep.tasks.get("counts", {}).get("late") if rep.tasks.get("available") else 0
    tasks = [f"Việc thực hiện nhiệm vụ theo Kế hoạch: {a.tasks[:1].lower()}{a.tasks[1:]}"] if late else []
    pace = [a.projection] if rep.projection and rep.period.kind != "year" else []
    return official, tasks, pace


def _empty(card: Scorecard, unit) -> Scorecard:
    """A unit that sent nothing: listed in the ranking as such (no points, no rank)."""
    return Scorecard(unit, card.period, (), ())


def example_context() -> dict[str, Any]:
    """A context of the same shape as `docx_context`'s, every list with one item:
    `check_template` renders a template against it to find unknown keys before
    any report is made.  (tests/test_docx.py checks the two shapes agree.)"""
    row = {"bold": False, "group": False, "stt": "3.1", "title": "Tiêu chí", "max": "0,50", "result": "Có", "points": "0,50"}
    return {
        "org": {"parent": "UBND", "agency": "SỞ", "name": "Sở", "symbol": "S", "place": "Hải Phòng",
                "signer": {"authority": "KT. GIÁM ĐỐC", "position": "PHÓ GIÁM ĐỐC", "name": "A"},
                "recipients": ["- Lưu: VT."]},
        "doc": {"number": "Số:", "date_line": "Hải Phòng", "type": "BÁO CÁO", "summary": "Kết quả",
                "period": "Năm 2023", "period_code": "2023", "subject": "Sở", "plan": "Kế hoạch",
                "is_department": True, "intro": "Thực hiện", "closing": "Trên đây", "reference": "(Kèm theo)",
                "made": "01/01/2023", "source": "cchc.sqlite"},
        "results": ["kết quả"], "full": ["tiêu chí"], "progress": ["tăng"], "problems": ["mất điểm"],
        "missing": ["thiếu"], "proposals": ["đề xuất"], "analyst": ["nhận xét"],
        "scorecard": [row, {**row, "bold": True}, {**row, "group": True}], "scorecard_title": "BẢNG ĐIỂM",
        "ranking": [{"rank": "1", "name": "Văn phòng Sở", "code": "VP", "points": "1,00", "max": "1,00",
                     "percent": "100,0%"}],
        "ranking_title": "XẾP HẠNG",
    }


# --- rendering -----------------------------------------------------------------------

_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")
_UNDEFINED_ATTR = re.compile(r"has no attribute '([^']+)'$")


def _template_error(path: Path, e: Exception) -> TemplateError:
    msg = " ".join(str(e).split())
    if isinstance(e, jinja2.UndefinedError):
        m = _UNDEFINED_NAME.match(msg) or _UNDEFINED_ATTR.search(msg)
        key = m.group(1) if m else msg
        known = ", ".join(sorted(example_context()))
        return TemplateError(f"mẫu báo cáo {path.name}: khóa {key!r} không có trong dữ liệu báo cáo "
                             f"(các khóa: {known})")
    if isinstance(e, jinja2.TemplateSyntaxError):
        return TemplateError(f"mẫu báo cáo {path.name}: lỗi cú pháp Jinja: {msg}")
    if isinstance(e, jinja2.exceptions.SecurityError):
        return TemplateError(f"mẫu báo cáo {path.name}: thao tác không được phép trong mẫu: {msg}")
    return TemplateError(f"mẫu báo cáo {path.name}: {type(e).__name__}: {msg}")


def _environment() -> jinja2.Environment:
    # Sandboxed (the template is a user's file), undefined keys raise, values are autoescaped by docxtpl.
    return SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True)


def _open(path: Path) -> DocxTemplate:
    if not path.is_file():
        raise TemplateError(f"không tìm thấy mẫu báo cáo Word: {path}")
    if not zipfile.is_zipfile(path):
        raise TemplateError(f"mẫu báo cáo {path.name}: không phải tệp .docx")
    try:
        return DocxTemplate(str(path))
    except Exception as e:  # python-docx: not a Word document inside the zip
        raise TemplateError(f"mẫu báo cáo {path.name}: không đọc được tệp .docx ({type(e).__name__})") from None


def render_docx(context: dict[str, Any], template: str | Path | None = None) -> bytes:
    """The filled document's bytes (nothing is written here)."""
    path = Path(template) if template else DEFAULT_TEMPLATE
    doc = _open(path)
    try:
        doc.render(context, jinja_env=_environment(), autoescape=True)
    except (jinja2.TemplateError, jinja2.exceptions.SecurityError) as e:
        raise _template_error(path, e) from None
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def check_template(template: str | Path | None = None) -> Path:
    """Refuse, in one line, a template that cannot be filled (missing, not a
    .docx, bad Jinja, a key the report data does not have); its path otherwise."""
    path = Path(template) if template else DEFAULT_TEMPLATE
    render_docx(example_context(), path)
    return path


@dataclass(frozen=True)
class WordReport:
    """A báo cáo made: its bytes and the context it was filled with (tests read both)."""

    data: bytes
    context: dict[str, Any]


def word_report(ctx: Context, rep: UnitReport | DepartmentReport, org: Organisation,
                template: str | Path | None = None, made: _dt.date | None = None) -> WordReport:
    context = docx_context(ctx, rep, org, made)
    return WordReport(render_docx(context, template), context)


__all__ = ["DEFAULT_TEMPLATE", "TemplateError", "docx_context", "example_context", "render_docx", "check_template",
           "word_report", "WordReport", "markdown_paragraphs"]
