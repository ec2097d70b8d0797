"""Excel workbooks for people: a scorecard with the ranking, the reporting
status, and the department's self-assessment table with its evidence.

What every sheet here shares (`Sheet`): Vietnamese headings, numbers stored
as numbers with display formats Excel localises ('0.00' shows "1,46" and
'0.0%' shows "96,5%" in a Vietnamese-locale Excel), the heading row frozen
and repeated on every printed page, column widths and row heights that fit
their text, A4 fit to width.  Every string is written as text: a value that
starts with = + - @ stays text (never a formula), and characters XML cannot
carry are dropped.  The CSV of `cchc score --format csv` stays the
contract's machine format; these are for reading, printing and forwarding.

The self-assessment (`self_assessment()` as data, `self_assessment_workbook()`
as bytes) lays out the city's table — STT, lĩnh vực / tiêu chí / tiêu chí
thành phần, điểm tối đa, điểm tự đánh giá, tài liệu kiểm chứng, giải trình —
for the department's scorecard of a period, gathers per criterion the
evidence the units typed beside their figures (column E of the monthly form:
document number, link; with the month and unit), flags each criterion that
scored points without any evidence, and writes the group, domain and total
rows as =SUM formulas over the cells below them, so the totals still add up
after the office edits a score.
"""
from __future__ import annotations

import datetime as _dt
import io
from copy import copy
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable, Sequence

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.core.periods import Period
from cchc_lib.core.rules import MISSING, NOT_APPLICABLE, SCORED, STATUS_VI, TRACKED
from cchc_lib.core.scoring import Scorecard, score_department
from cchc_lib.core.units import Registry
from cchc_lib.fmt import count_vi, percent_vi, points_vi
from cchc_lib.intake.forms import print_a4, print_margins, text_lines
from cchc_lib.reports.data import Context, last_month
from cchc_lib.core.organisation import Organisation
from cchc_lib.reports.text import criterion_notes, value_text
from cchc_lib.store.status import LATE, NOT_SENT, ON_TIME, StatusReport

FONT = "Times New Roman"
POINTS = "0.00"  # Excel shows 1,46 in a Vietnamese locale
PERCENT = "0.0%"  # 96,5%
COUNT = "#,##0"  # 1.234
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
DOMAIN_FILL = PatternFill("solid", fgColor="BDD7EE")
GROUP_FILL = PatternFill("solid", fgColor="EDEDED")
FLAG_FILL = PatternFill("solid", fgColor="F8CBAD")  # scored points, no evidence
STATE_FILL = {ON_TIME: PatternFill("solid", fgColor="E2EFDA"), LATE: PatternFill("solid", fgColor="FFE699"),
              NOT_SENT: PatternFill("solid", fgColor="F8CBAD")}
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LINE_HEIGHT = 15.0  # points per line of 11-point text
MAX_WIDTH = 60  # characters; longer text wraps
#: Evidence lines shown in a criterion's cell; the rest are on the evidence sheet.
EVIDENCE_SHOWN = 12
FORMULA_START = ("=", "+", "-", "@")


def text(value: str) -> str:
    """A user's string as a cell can hold it (control characters dropped)."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


class Sheet:
    """One worksheet written row by row, with the house style."""

    def __init__(self, ws: Any, columns: Sequence[tuple[str, float]], size: float = 11):
        self.ws = ws
        self.widths = [w for _, w in columns]
        self.headings = [h for h, _ in columns]
        self.size = size
        self.row = 0
        self.heading_row = 0
        self.fonts = {(b, i): Font(name=FONT, size=size, bold=b, italic=i) for b in (False, True) for i in (False, True)}
        self.styles: dict[tuple, Any] = {}
        for n, w in enumerate(self.widths, 1):
            ws.column_dimensions[get_column_letter(n)].width = w

    def put(self, row: int, col: int, value: Any, fmt: str | None = None, bold: bool = False, italic: bool = False,
            align: str | None = None, fill: PatternFill | None = None, border: bool = True, wrap: bool = True,
            formula: bool = False) -> Any:
        """One cell.  A string is text whatever it starts with; only this
        module's own formulas (`formula=True`) are written as formulas."""
        c = self.ws.cell(row=row, column=col)
        quote = False
        if formula:
            c.value = value
        elif isinstance(value, str):
            value = text(value)
            c.value = value
            c.data_type = "s"  # text, never a formula
            quote = value.startswith(FORMULA_START)  # and stays text when edited in Excel
        else:
            c.value = value
        horizontal = align or ("right" if isinstance(value, (int, float)) and not isinstance(value, bool) else "left")
        key = (fmt, bold, italic, horizontal, wrap, fill.fgColor.rgb if fill is not None else None, border, quote)
        style = self.styles.get(key)
        if style is not None:  # openpyxl hashes every style object it is given: copy a finished one instead
            c._style = copy(style)
            return c
        if fmt:
            c.number_format = fmt
        c.font = self.fonts[(bold, italic)]
        c.alignment = Alignment(horizontal=horizontal, vertical="top", wrap_text=wrap)
        if fill is not None:
            c.fill = fill
        if border:
            c.border = BOX
        if quote:
            c.quotePrefix = True
        self.styles[key] = copy(c._style)
        return c

    def title(self, lines: Iterable[tuple[str, bool, float]]) -> None:
        """Lines above the table, merged across it (text, bold, size)."""
        last = get_column_letter(len(self.widths))
        total = sum(self.widths)
        for value, bold, size in lines:
            self.row += 1
            self.ws.merge_cells(f"A{self.row}:{last}{self.row}")
            c = self.ws.cell(row=self.row, column=1)
            c.value = text(value)
            c.data_type = "s"
            c.font = Font(name=FONT, size=size, bold=bold)
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            lines_needed = text_lines(value, total, size, bold) * size / 11
            self.ws.row_dimensions[self.row].height = round(max(1.0, lines_needed) * LINE_HEIGHT + 3, 1)
        self.row += 1  # a blank line before the headings

    def heading(self) -> None:
        self.row += 1
        self.heading_row = self.row
        for n, h in enumerate(self.headings, 1):
            self.put(self.row, n, h, bold=True, align="center", fill=HEAD_FILL)
        self.fit(self.row, self.headings, bold=True)

    def add(self, values: Sequence[Any], formats: Sequence[str | None] = (), bold: bool = False, italic: bool = False,
            fill: PatternFill | None = None, aligns: Sequence[str | None] = ()) -> int:
        self.row += 1
        for n, v in enumerate(values, 1):
            fmt = formats[n - 1] if n - 1 < len(formats) else None
            align = aligns[n - 1] if n - 1 < len(aligns) else None
            self.put(self.row, n, v, fmt, bold, italic, align, fill)
        self.fit(self.row, [v if isinstance(v, str) else "" for v in values], bold)
        return self.row

    def fit(self, row: int, texts: Sequence[str], bold: bool = False) -> None:
        """Neither Excel nor LibreOffice sizes rows of wrapped text on opening: set the height."""
        lines = max([sum(text_lines(part, w, self.size, bold) for part in str(t).split("\n"))
                     for t, w in zip(texts, self.widths) if t] or [1])
        if lines > 1:
            self.ws.row_dimensions[row].height = min(409.0, round(lines * LINE_HEIGHT * self.size / 11 + 2, 1))

    def finish(self, landscape: bool = False, footer: str = "") -> None:
        ws = self.ws
        if self.heading_row:
            ws.freeze_panes = f"A{self.heading_row + 1}"
        print_a4(ws, self.heading_row, landscape)
        print_margins(ws)
        # Header/footer codes start with '&': a user's '&' is doubled so it prints as itself.
        ws.oddFooter.center.text = (footer.replace("&", "&&") + " – " if footer else "") + "Trang &P/&N"


def fit_widths(sheet: Sheet, minimum: float = 6) -> None:
    """Narrow each column to its longest line (wrapped columns keep their maximum)."""
    ws = sheet.ws
    for n, w in enumerate(sheet.widths, 1):
        letter = get_column_letter(n)
        longest = 0.0
        for (cell,) in ws.iter_rows(min_row=sheet.heading_row or 1, min_col=n, max_col=n):
            v = cell.value
            if v is None:
                continue
            if isinstance(v, float):
                s = f"{v:,.2f}"
            elif cell.data_type == "f":
                s = "00,00"
            else:
                s = str(v)
            longest = max(longest, max(len(line) for line in s.split("\n")) * (1.1 if cell.font.b else 1.0))
        width = max(minimum, min(w, longest + 2))
        ws.column_dimensions[letter].width = width
        sheet.widths[n - 1] = width


def to_bytes(wb: Any) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _new_workbook() -> Any:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    return wb


def _rate(c: Any) -> float | None:
    r = c.outcome.rate
    return float(r) if r is not None and c.status not in (MISSING,) else None


# --- scorecard and ranking ---------------------------------------------------------------

SCORE_COLUMNS = (("Mã", 8), ("Tiêu chí", 46), ("Trạng thái", 13), ("Kết quả", 30), ("Tỷ lệ", 9), ("Điểm", 8),
                 ("Điểm tối đa", 9), ("Để lên mức tiếp theo", 45), ("Ghi chú", 24))
RANK_COLUMNS = (("Hạng", 7), ("Mã đơn vị", 16), ("Đơn vị", 46), ("Điểm", 9), ("Điểm tối đa áp dụng", 12),
                ("Tỷ lệ", 9), ("Ghi chú", 18))


def _who(card: Scorecard, whole: str) -> str:
    return f"{card.unit.name} ({card.unit.code})" if card.unit else whole


def scorecard_sheet(wb: Any, card: Scorecard, catalogue: Catalogue, whole: str = Organisation().whole) -> Sheet:
    """`whole`: the department's one name (`Organisation.whole`)."""
    s = Sheet(wb.create_sheet("Phiếu điểm"), SCORE_COLUMNS)
    pct = percent_vi(card.percent / 100) if card.percent is not None else "–"
    s.title([(f"PHIẾU ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH — {_who(card, whole)} — {card.period.label_vi}", True, 13),
             (f"Tổng điểm: {points_vi(card.points)}/{points_vi(card.max_points)} điểm áp dụng ({pct})", False, 11)])
    s.heading()
    for d in card.domains:
        s.add([d.code, f"Lĩnh vực {d.code}: {d.title}", "", "", (d.percent / 100) if d.percent is not None else None,
               float(d.points), float(d.max_points), "", ""],
              [None, None, None, None, PERCENT, POINTS, POINTS], bold=True, fill=DOMAIN_FILL,
              aligns=["center"])
        for c in card.criteria:
            if c.criterion.domain != d.code:
                continue
            scored = c.status == SCORED
            s.add([c.code, c.criterion.title, STATUS_VI[c.status], value_text(c, catalogue), _rate(c),
                   float(c.points) if scored or c.status == MISSING else None,
                   None if c.criterion.tracked else float(c.max_points),
                   c.gap.text if c.gap else ("cần nhập số liệu" if c.status == MISSING else ""),
                   "; ".join(criterion_notes(c.to_dict()))],
                  [None, None, None, None, PERCENT, POINTS, POINTS], aligns=["center"])
    s.add(["", "TỔNG CỘNG", "", "", (card.percent / 100) if card.percent is not None else None, float(card.points),
           float(card.max_points), "", ""], [None, None, None, None, PERCENT, POINTS, POINTS], bold=True,
          fill=HEAD_FILL)
    s.finish(landscape=True, footer=f"Phiếu điểm {card.period}")
    return s


def ranking_sheet(wb: Any, ranked: Sequence[tuple[int, Scorecard]], period: Period,
                  unsent: Sequence[Any] = ()) -> Sheet:
    s = Sheet(wb.create_sheet("Xếp hạng"), RANK_COLUMNS)
    s.title([(f"XẾP HẠNG ĐƠN VỊ THEO TỶ LỆ ĐIỂM ÁP DỤNG — {period.label_vi}", True, 13)])
    s.heading()
    for rank, c in ranked:
        s.add([rank or None, c.unit_code or "", c.unit.name if c.unit else "", float(c.points), float(c.max_points),
               (c.percent / 100) if c.percent is not None else None, "" if rank else "không có tiêu chí áp dụng"],
              [COUNT, None, None, POINTS, POINTS, PERCENT], aligns=["center"])
    for u in unsent:
        s.add([None, u.code, u.name, None, None, None, "chưa gửi số liệu"], aligns=["center"])
    fit_widths(s)
    s.finish(footer=f"Xếp hạng {period}")
    return s


def scorecard_workbook(card: Scorecard, catalogue: Catalogue, ranked: Sequence[tuple[int, Scorecard]] | None = None,
                       unsent: Sequence[Any] = (), whole: str = Organisation().whole) -> bytes:
    """`cchc score --format xlsx`: the scorecard, and for the department the ranking."""
    wb = _new_workbook()
    scorecard_sheet(wb, card, catalogue, whole)
    if ranked is not None:
        ranking_sheet(wb, ranked, card.period, unsent)
    return to_bytes(wb)


# --- reporting status --------------------------------------------------------------------

def _naive(at: _dt.datetime | None) -> _dt.datetime | None:
    """Excel has no time zones: the wall-clock time the office received the file."""
    return at.replace(tzinfo=None) if at is not None else None


def status_workbook(report: StatusReport, registry: Registry, catalogue: Catalogue,
                    today: _dt.date | None = None) -> bytes:
    """`cchc status -o FILE.xlsx`: units × months (sheet 1), one row per unit and month (sheet 2)."""
    today = today or _dt.date.today()
    wb = _new_workbook()
    months = report.months
    cols = [("Mã đơn vị", 16), ("Đơn vị", 40)] + [(f"T{m.index}/{m.year % 100}", 11) for m in months] + \
           [("Đúng hạn", 9), ("Muộn", 8), ("Chưa gửi", 9)]
    s = Sheet(wb.create_sheet("Tình hình gửi"), cols)
    s.title([(f"TÌNH HÌNH GỬI SỐ LIỆU CCHC — {report.period.label_vi}", True, 13),
              (f"Hạn báo cáo năm {report.period.year}: {report.annual_deadline:%d/%m/%Y} — {report.annual_label}. "
               f"Ô: ngày Sở nhận số liệu (nền xanh: đúng hạn; \"muộn\", nền vàng: gửi muộn); ×n: đã gửi n lần; "
               f"\"chưa gửi\": đã quá hạn mà chưa gửi; \"chưa đến hạn\": chưa quá hạn.",
               False, 10)])
    s.heading()
    for code in report.units:
        unit = registry.get(code)
        rows = [report.row(code, m) for m in months]
        cells: list[Any] = [code, unit.name]
        for r in rows:
            if r.state == NOT_SENT:
                cells.append("chưa gửi" if r.deadline < today else "chưa đến hạn")
            else:
                cells.append(("muộn " if r.state == LATE else "") + f"{r.submitted_at:%d/%m}"
                             + (f" ×{r.versions}" if r.versions > 1 else ""))
        overdue = sum(r.state == NOT_SENT and r.deadline < today for r in rows)
        cells += [sum(r.state == ON_TIME for r in rows), sum(r.state == LATE for r in rows), overdue]
        n = s.add(cells, [None, None] + [None] * len(months) + [COUNT] * 3,
                  aligns=["left", "left"] + ["center"] * len(months))
        for i, r in enumerate(rows):
            if r.state != NOT_SENT or r.deadline < today:
                s.ws.cell(row=n, column=3 + i).fill = STATE_FILL[r.state]
    s.finish(landscape=len(months) > 3, footer=f"Tình hình gửi {report.period}")

    d = Sheet(wb.create_sheet("Chi tiết"), (("Mã đơn vị", 16), ("Đơn vị", 40), ("Tháng", 9), ("Trạng thái", 13),
                                            ("Ngày gửi", 17), ("Hạn gửi", 11), ("Số ngày muộn", 9),
                                            ("Số lần gửi", 8), ("Số chỉ số còn thiếu", 10),
                                            ("Chỉ số còn thiếu", 50)))
    d.title([(f"CHI TIẾT GỬI SỐ LIỆU THEO ĐƠN VỊ VÀ THÁNG — {report.period.label_vi}", True, 13)])
    d.heading()
    for r in report.rows:
        late_days = (r.submitted_at.date() - r.deadline).days if r.state == LATE else None
        if r.state == NOT_SENT:
            state = "chưa gửi (quá hạn)" if r.deadline < today else "chưa đến hạn"
        else:
            state = "đúng hạn" if r.state == ON_TIME else "muộn"
        missing = "; ".join(catalogue.indicators[i].label if i in catalogue.indicators else i
                            for i in r.missing_indicators)
        d.add([r.unit, registry.get(r.unit).name, str(r.month), state, _naive(r.submitted_at), r.deadline,
               late_days, r.versions or None, len(r.missing_indicators), missing],
              [None, None, None, None, DATETIME, DATE, COUNT, COUNT, COUNT, None],
              aligns=[None, None, "center", None, "center", "center"])
    d.finish(landscape=True, footer=f"Chi tiết gửi số liệu {report.period}")
    return to_bytes(wb)


# --- self-assessment ---------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """One evidence reference a unit typed beside a figure, for one criterion."""

    criterion: str
    unit: str
    unit_name: str
    month: Period
    indicator: str
    text: str


@dataclass
class AssessmentRow:
    kind: str  # domain | group | criterion
    code: str
    title: str
    max_points: Fraction | None = None  # None: not counted (tracked, not applicable)
    points: Fraction | None = None
    status: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    explanation: str = ""
    flagged: bool = False  # points without evidence
    children: list["AssessmentRow"] = field(default_factory=list)


@dataclass
class SelfAssessment:
    period: Period
    card: Scorecard
    rows: list[AssessmentRow]  # domains, each with its groups and criteria (in sheet order)
    evidence: list[Evidence]
    through: str = ""

    @property
    def criteria(self) -> list[AssessmentRow]:
        return [r for r in self.flat() if r.kind == "criterion"]

    def flat(self) -> list[AssessmentRow]:
        out: list[AssessmentRow] = []

        def walk(rows: Sequence[AssessmentRow]) -> None:
            for r in rows:
                out.append(r)
                walk(r.children)

        walk(self.rows)
        return out


def gather_evidence(ctx: Context, period: Period) -> dict[str, list[Evidence]]:
    """criterion code → the evidence of its indicators in the period's months
    (every unit of the registry; registry, month and indicator order)."""
    months = set(period.months)
    position = {c: i for i, c in enumerate(ctx.registry.codes)}
    by_indicator: dict[str, list[Any]] = {}
    for o in ctx.dataset.observations:
        if o.month not in months or o.unit not in position:
            continue
        ref = dict(o.extra).get("evidence")
        if ref and str(ref).strip():
            by_indicator.setdefault(o.indicator, []).append(o)
    order = {i: n for n, i in enumerate(ctx.catalogue.indicators)}
    out: dict[str, list[Evidence]] = {}
    for c in ctx.catalogue.criteria:
        found = [o for i in c.indicators for o in by_indicator.get(i, ())]
        found.sort(key=lambda o: (position[o.unit], o.month, order.get(o.indicator, 0)))
        out[c.code] = [Evidence(c.code, o.unit, ctx.registry.get(o.unit).name, o.month, o.indicator,
                                " ".join(str(dict(o.extra)["evidence"]).split())) for o in found]
    return out


def evidence_lines(items: Sequence[Evidence]) -> list[str]:
    """'VP, T1–T3/2023: Quyết định số 12/QĐ-SGDĐT': one line per unit and reference."""
    grouped: dict[tuple[str, str], list[Period]] = {}
    for e in items:
        grouped.setdefault((e.unit, e.text), []).append(e.month)
    lines = []
    for (unit, ref), months in grouped.items():
        ms = sorted(set(months))
        when = ", ".join(f"T{m.index}" for m in ms) + f"/{ms[0].year}"
        lines.append(f"{unit}, {when}: {ref}")
    return lines


def _explanation(c: Any, catalogue: Catalogue, has_evidence: bool) -> tuple[str, bool]:
    parts = []
    if c.status == TRACKED:
        parts.append(f"Theo dõi, không tính điểm. Kết quả: {value_text(c, catalogue)}.")
    elif c.status == NOT_APPLICABLE:
        parts.append(f"Không phát sinh trong kỳ, không tính vào điểm tối đa (tối đa theo danh mục: "
                     f"{points_vi(c.max_points)}). Kết quả: {value_text(c, catalogue)}.")
    elif c.status == MISSING:
        parts.append(f"{value_text(c, catalogue)}: chưa chấm được điểm.")
    else:
        parts.append(f"Kết quả: {value_text(c, catalogue)}.")
        if c.lost > 0:
            parts.append(f"Mất {points_vi(c.lost)} điểm" + (f"; {c.gap.text}." if c.gap else "."))
    notes = criterion_notes(c.to_dict())
    if notes:
        parts.append(f"({'; '.join(notes)})")
    flagged = c.status == SCORED and c.points > 0 and not has_evidence
    if flagged:
        parts.append("CHƯA CÓ TÀI LIỆU KIỂM CHỨNG: đề nghị đơn vị bổ sung số, ngày văn bản hoặc đường link.")
    return " ".join(parts), flagged


def self_assessment(ctx: Context, period: Period) -> SelfAssessment:
    """The department's self-assessment of a period, as data."""
    card = score_department(ctx.dataset, ctx.catalogue, period, ctx.registry)
    evidence = gather_evidence(ctx, period)
    groups = {g.code: g for d in ctx.catalogue.domains for g in d.groups}
    rows: list[AssessmentRow] = []
    by_domain = {d.code: d for d in card.domains}
    for dom in ctx.catalogue.domains:
        if dom.code not in by_domain:
            continue
        d = by_domain[dom.code]
        drow = AssessmentRow("domain", dom.code, dom.title, d.max_points, d.points)
        group_rows: dict[str, AssessmentRow] = {}
        for c in card.criteria:
            if c.criterion.domain != dom.code:
                continue
            ev = evidence.get(c.code, [])
            expl, flagged = _explanation(c, ctx.catalogue, bool(ev))
            counted = c.counts_toward_max and not c.criterion.tracked
            row = AssessmentRow("criterion", c.code, c.criterion.title, c.max_points if counted else None,
                                c.points if counted else None, c.status, ev, expl, flagged)
            g = c.criterion.group
            if g and g in groups:
                if g not in group_rows:
                    group_rows[g] = AssessmentRow("group", g, groups[g].title)
                    drow.children.append(group_rows[g])
                group_rows[g].children.append(row)
            else:
                drow.children.append(row)
        for grow in group_rows.values():
            counted = [r for r in grow.children if r.max_points is not None]
            grow.max_points = sum((r.max_points for r in counted), Fraction(0)) if counted else None
            grow.points = sum((r.points for r in counted), Fraction(0)) if counted else None
        rows.append(drow)
    last = last_month(ctx.dataset, None, period)
    flat = [e for c in ctx.catalogue.criteria for e in evidence.get(c.code, [])]
    return SelfAssessment(period, card, rows, flat, last.label_vi if last else "")


SA_COLUMNS = (("STT", 8), ("Lĩnh vực / tiêu chí / tiêu chí thành phần", 48), ("Điểm tối đa", 9),
              ("Điểm tự đánh giá", 10), ("Tài liệu kiểm chứng", 48), ("Giải trình", 44))
EVIDENCE_COLUMNS = (("STT", 6), ("Tiêu chí", 9), ("Mã đơn vị", 16), ("Đơn vị", 36), ("Tháng", 9),
                    ("Chỉ số", 40), ("Tài liệu kiểm chứng", 60))
EVIDENCE_SHEET = "Tài liệu kiểm chứng"


def _evidence_cell(items: Sequence[Evidence]) -> str:
    if not items:
        return ""
    lines = evidence_lines(items)
    shown = lines[:EVIDENCE_SHOWN]
    if len(lines) > EVIDENCE_SHOWN:
        shown.append(f"… và {count_vi(len(lines) - EVIDENCE_SHOWN)} tài liệu khác (sheet «{EVIDENCE_SHEET}»)")
    return "\n".join(shown)


def self_assessment_workbook(sa: SelfAssessment, org: Organisation, catalogue: Catalogue,
                             made: _dt.date | None = None) -> bytes:
    made = made or _dt.date.today()
    wb = _new_workbook()
    s = Sheet(wb.create_sheet("Tự đánh giá"), SA_COLUMNS)
    p = sa.period
    s.title([(org.agency, True, 12),
             (f"BẢNG TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH — {p.label_vi.upper()}", True, 13),
             (f"{org.name}; số liệu đến {sa.through.lower() if sa.through else '–'}; lập ngày {made:%d/%m/%Y}. "
              f"Ô tô màu: tiêu chí có điểm nhưng chưa có tài liệu kiểm chứng.", False, 10)])
    s.heading()
    nums = [None, None, POINTS, POINTS]
    domain_cells: list[int] = []

    def write(row: AssessmentRow) -> int:
        if row.kind == "criterion":
            return s.add([row.code, row.title, float(row.max_points) if row.max_points is not None else None,
                          float(row.points) if row.points is not None else None, _evidence_cell(row.evidence),
                          row.explanation], nums, fill=FLAG_FILL if row.flagged else None, aligns=["center"])
        bold, fill = (True, DOMAIN_FILL) if row.kind == "domain" else (False, GROUP_FILL)
        title = f"Lĩnh vực {row.code}: {row.title}" if row.kind == "domain" else row.title
        at = s.add([row.code, title, None, None, "", ""], nums, bold=bold, italic=row.kind == "group", fill=fill,
                   aligns=["center"])
        children = [write(child) for child in row.children]
        if children:  # the row's own points: the sum of the rows right under it
            refs = (f"{{c}}{children[0]}:{{c}}{children[-1]}" if row.kind == "group"
                    else ",".join(f"{{c}}{n}" for n in children))
            for col, letter in ((3, "C"), (4, "D")):
                s.put(at, col, f"=SUM({refs.format(c=letter)})", POINTS, bold, row.kind == "group",
                      "right", fill, formula=True)
        return at

    for d in sa.rows:
        domain_cells.append(write(d))
    total = s.add(["", "TỔNG CỘNG", None, None, "", ""], nums, bold=True, fill=HEAD_FILL)
    for col, letter in ((3, "C"), (4, "D")):
        s.put(total, col, "=SUM(" + ",".join(f"{letter}{n}" for n in domain_cells) + ")", POINTS, True, False,
              "right", HEAD_FILL, formula=True)
    flagged = [r for r in sa.criteria if r.flagged]
    s.row += 1
    note = (f"Chưa có tài liệu kiểm chứng: {count_vi(len(flagged))} tiêu chí có điểm "
            f"({', '.join(r.code for r in flagged)})." if flagged
            else "Mọi tiêu chí có điểm đều đã có tài liệu kiểm chứng.")
    s.put(s.row + 1, 1, note, italic=True, border=False, wrap=False)
    if flagged:
        s.ws.cell(row=s.heading_row, column=5).comment = Comment(
            "Ô tô màu: tiêu chí có điểm nhưng chưa có tài liệu kiểm chứng; tài liệu do đơn vị ghi ở cột E "
            "của biểu mẫu hằng tháng.", "cchc")
    s.finish(landscape=True, footer=f"Tự đánh giá {p}")

    e = Sheet(wb.create_sheet(EVIDENCE_SHEET), EVIDENCE_COLUMNS)
    e.title([(f"TÀI LIỆU KIỂM CHỨNG THEO TIÊU CHÍ — {p.label_vi.upper()}", True, 13),
             ("Tài liệu kiểm chứng các đơn vị ghi cùng số liệu hằng tháng (cột E của biểu mẫu).", False, 10)])
    e.heading()
    for n, ev in enumerate(sa.evidence, 1):
        e.add([n, ev.criterion, ev.unit, ev.unit_name, str(ev.month), catalogue.indicators[ev.indicator].label
               if ev.indicator in catalogue.indicators else ev.indicator, ev.text], [COUNT],
              aligns=["center", "center", None, None, "center"])
    if not sa.evidence:
        e.add(["", "", "", "", "", "", "Chưa có tài liệu kiểm chứng nào trong kỳ."])
    e.finish(landscape=True, footer=f"Tài liệu kiểm chứng {p}")
    wb.calculation.fullCalcOnLoad = True  # the =SUM totals are computed when the file is opened
    return to_bytes(wb)


__all__ = ["scorecard_workbook", "status_workbook", "self_assessment", "self_assessment_workbook",
           "SelfAssessment", "AssessmentRow", "Evidence", "gather_evidence", "evidence_lines", "Sheet", "text"]
