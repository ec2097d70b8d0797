"""The monthly Excel form a unit fills in, and reading it back.

Layout of the sheet "Biểu mẫu" (one form = one unit, one month):

- rows 1–8: header block: department, title, unit code (B4) and name (B5),
  month (B6, ``YYYY-MM``), deadline (B7), instructions;
- row 10: column headings; from row 11: one row per domain, criterion and
  indicator of the unit's kind, in catalogue order.  An indicator shared by
  several criteria is asked once, under the first of them.
- columns: A code / number, B label, C unit of measure, D value (open,
  with Excel data validation), E evidence ("tài liệu kiểm chứng", open),
  F hidden: what the row is (indicator id, ``#domain:…``, ``#criterion:…``).

The sheet is protected without a password (against slips, not for
security): everything is locked except the value and evidence cells of
indicator rows, which are shaded yellow.  Reading checks what protection
cannot guarantee: the header's unit and month, labels not edited, nothing
typed in locked rows.

It prints on A4 portrait, fit to width, with the column headings repeated on
every page.  Every cell names its font (Times New Roman), and rows of wrapped
text are given their height: neither Excel nor LibreOffice sizes them when
opening a file, so long labels would be cut off.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from cchc_lib.core.catalogue import NOT_DUE, Catalogue, Indicator, fold
from cchc_lib.core.deadlines import Deadlines, format_date
from cchc_lib.core.organisation import Organisation, load_organisation
from cchc_lib.errors import DataError, PeriodError, Problem
from cchc_lib.files import atomic_path, text_cell
from cchc_lib.intake.limits import Where, limit_problems
from cchc_lib.intake.long_table import is_blank, parse_value
from cchc_lib.core.periods import Period, parse_month
from cchc_lib.core.units import Registry, Unit, is_valid_code
from cchc_lib.intake.xlsx import Unreadable, Workbook

SHEET = "Biểu mẫu"
MARKER = "CCHC-BIEU-MAU/1"
UNIT_CELL, NAME_CELL, MONTH_CELL, DEADLINE_CELL = "B4", "B5", "B6", "B7"
HEADING_ROW = 10
FIRST_ROW = 11
CODE, LABEL, MEASURE, VALUE, EVIDENCE, KEY = "A", "B", "C", "D", "E", "F"
WIDTHS = {"A": 15, "B": 52, "C": 11, "D": 14, "E": 29}  # A: "Tháng báo cáo:" in bold
FONT = "Times New Roman"  # named on every cell: an unnamed font falls back differently per program
LINE_HEIGHT = 15.0  # points per line of 11-point text
TITLE = "BIỂU SỐ LIỆU CẢI CÁCH HÀNH CHÍNH HẰNG THÁNG"
INSTRUCTIONS = ("Hướng dẫn: nhập số liệu của tháng vào cột D (số nguyên ≥ 0; Có/Không; hoặc chọn mức trong danh sách), "
                "ghi số, ngày văn bản hoặc đường link tài liệu kiểm chứng vào cột E. Dòng chữ nghiêng dưới mỗi chỉ số "
                "cho biết đó là số liệu gì: trong tháng, tính đến ngày chốt số liệu, lũy kế từ đầu năm; một số là phần "
                "của số khác (mục nào, cùng tháng). Ô để trống là chưa có số liệu (không phải 0 hay Không). "
                "Chỉ nhập vào các ô nền vàng; không sửa các ô khác của biểu.")
BOOL_CHOICES = ("Có", "Không")
NOT_DUE_CHOICE = "Không phát sinh"  # compliance figures only (contract v2, 2)
MAX_FORM_ROWS = 2000  # a form has about a hundred rows; data further down is not a form's
# The template's own merged ranges (title rows, the month and deadline notes,
# the instructions); any other merge hides cells and is refused.
TEMPLATE_MERGES = frozenset({"A1:E1", "A2:E2", "A3:E3", "C6:E6", "C7:E7", "A8:E8"})
HINT_SIZE = 10
HEADINGS = ("Mã / STT", "Tiêu chí, chỉ số", "Đơn vị tính", "Số liệu (nhập)",
            "Tài liệu kiểm chứng (số, ngày văn bản hoặc đường link)")


def print_a4(ws: Any, title_row: int | None, landscape: bool = False) -> None:
    """Print a sheet on A4, as wide as one page, its heading row (if any) repeated on every page."""
    if title_row:
        ws.print_title_rows = f"{title_row}:{title_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def print_margins(ws: Any) -> None:
    """Centred on the page, with room for a footer between the margin and the text."""
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.75
    ws.page_margins.header, ws.page_margins.footer = 0.3, 0.3


def text_lines(text: str, width: float, size: float = 11, bold: bool = False) -> int:
    """How many lines `text` wraps to in a column `width` characters wide
    (an estimate for Times New Roman: neither Excel nor LibreOffice sizes
    rows of wrapped text when opening a file, so the form sets the heights)."""
    per_char = 0.9 if bold else 0.85  # in column-width units at 11 points
    words = str(text).split()
    if not words:
        return 1
    capacity = max(1.0, width - 1)  # cell padding
    lines, used = 1, 0.0
    for word in words:
        w = sum((1.35 if ch.isupper() else 1.0) for ch in word) * per_char * size / 11
        if used and used + per_char + w > capacity:
            lines, used = lines + 1, 0.0
        while w > capacity:  # a long word (a link) breaks anywhere
            w -= capacity
            lines += 1
        used += (per_char if used else 0) + w
    return lines


@dataclass(frozen=True)
class FormRow:
    """One body row of the form: what it is and what it shows."""

    key: str  # indicator id, "#domain:<code>" or "#criterion:<code>"
    code: str
    label: str
    measure: str = ""
    indicator: Indicator | None = None
    hint: str = ""  # what kind of figure, in a unit's words (printed under the label)


@dataclass
class FilledForm:
    """A form read back: its unit and month, values and evidence by indicator."""

    unit: str
    month: Period
    values: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)  # indicator -> value cell


def measure_of(ind: Indicator) -> str:
    if ind.kind == "bool":
        return "Có/Không"
    if ind.kind == "level":
        return "Mức"
    return ind.unit or "số"


def criterion_label(title: str, repeated_only: bool) -> str:
    return title + (" (dùng số liệu đã nhập ở mục trên)" if repeated_only else "")


def _as_part_of(label: str) -> str:
    """'Số hồ sơ TTHC đã giải quyết' → 'hồ sơ TTHC đã giải quyết' (to follow 'trong số')."""
    if label.startswith("Số "):
        return label[3:]
    return label[:1].lower() + label[1:]


_AT_SAME_TIME = {"flow": " trong tháng", "stock": " tại ngày chốt số liệu", "ytd": " lũy kế từ đầu năm"}


def indicator_hint(catalogue: Catalogue, ind: Indicator, numbers: Mapping[str, str]) -> str:
    """What kind of figure `ind` is, in a unit's words: its behaviour over
    time (contract 3.1), and for a part, the whole it belongs to in the same
    month (3.3), by its item number on the form (`numbers`)."""
    limits = [lim for lim in catalogue.limits if ind.id in lim.parts]
    if not limits:
        return ind.form_hint
    wholes = [lim.whole for lim in limits]
    # the narrowest whole: one that is itself a part of another candidate's whole
    narrow = [w for w in wholes if any(w in lim.parts and lim.whole in wholes for lim in catalogue.limits)]
    lim = limits[wholes.index(narrow[0])] if narrow else limits[0]
    whole = catalogue.indicators[lim.whole]
    at = f" (mục {numbers[whole.id]})" if whole.id in numbers else ""
    within = f"{_as_part_of(whole.label)}{_AT_SAME_TIME.get(whole.behaviour, '')}{at}"
    others = [p for p in lim.parts if p != ind.id]
    if others:
        with_ = ", ".join(f"mục {numbers[o]}" if o in numbers else _as_part_of(catalogue.indicators[o].label)
                          for o in others)
        return f"{ind.form_hint}; cộng với {with_} không vượt quá {within}"
    return f"trong số {within}"


def review_note(number: str | None) -> str:
    """The 3.2 line: a review without a report is answered «Không»."""
    where = f" ở mục {number}" if number else ""
    return f"Đã rà soát nhưng không có báo cáo kết quả rà soát: trả lời «Không»{where}"


def form_rows(catalogue: Catalogue, kind: str) -> list[FormRow]:
    """The body of a form for this kind of unit, in catalogue order."""
    rows: list[FormRow] = []
    asked: set[str] = set()
    criteria = catalogue.criteria_on_form(kind)
    number = 0
    numbers: dict[str, str] = {}
    for domain in catalogue.domains:
        crits = [c for c in criteria if c.domain == domain.code]
        if not crits:
            continue
        rows.append(FormRow(f"#domain:{domain.code}", domain.code, domain.title))
        for crit in crits:
            new = [i for i in crit.indicators if i not in asked]
            rows.append(FormRow(f"#criterion:{crit.code}", crit.code, criterion_label(crit.title, not new)))
            for ind_id in new:
                asked.add(ind_id)
                number += 1
                numbers[ind_id] = str(number)
                ind = catalogue.indicators[ind_id]
                rows.append(FormRow(ind_id, str(number), ind.label, measure_of(ind), ind))
    out = []
    for row in rows:
        if row.indicator is not None:
            row = FormRow(row.key, row.code, row.label, row.measure, row.indicator,
                          indicator_hint(catalogue, row.indicator, numbers))
        elif row.key.startswith("#criterion:"):
            crit = catalogue.criterion(row.code)
            if crit.rule_name == "review_handling":
                done = crit.params.get("done")
                row = FormRow(row.key, row.code, row.label, hint=review_note(numbers.get(str(done))))
        out.append(row)
    return out


def _expected_text(catalogue: Catalogue, key: str, kind_rows: Mapping[str, FormRow]) -> FormRow | None:
    if key in kind_rows:
        return kind_rows[key]
    if key.startswith("#domain:"):
        code = key.split(":", 1)[1]
        d = next((d for d in catalogue.domains if d.code == code), None)
        return FormRow(key, code, d.title) if d else None
    if key.startswith("#criterion:"):
        code = key.split(":", 1)[1]
        return FormRow(key, code, _criterion_title(catalogue, key)) if code in {c.code for c in catalogue.criteria} else None
    if key in catalogue.indicators:
        ind = catalogue.indicators[key]
        return FormRow(key, "", ind.label, measure_of(ind), ind)
    return None


# -- writing ------------------------------------------------------------------
def build_form(catalogue: Catalogue, unit: Unit, month: Period, deadlines: Deadlines,
               values: Mapping[str, Any] | None = None, evidence: Mapping[str, str] | None = None,
               organisation: Organisation | None = None) -> Any:
    """The form workbook (openpyxl), optionally pre-filled with typed values.
    The header names the organisation (default: `params/organisation.yaml`)
    and the dates the month's figures cover (the deadlines' cut-off)."""
    import openpyxl
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    center = Alignment(horizontal="center", vertical="top", wrap_text=True)
    plain, bold = Font(name=FONT, size=11), Font(name=FONT, size=11, bold=True)
    open_cell = Protection(locked=False)
    open_fill = PatternFill("solid", fgColor="FFF2CC")  # the cells to fill
    merged_width = sum(WIDTHS.values())

    def fit(row: int, *texts: tuple[Any, float, float, bool]) -> None:
        """Make the row tall enough for its wrapped (text, width, size, bold) cells."""
        lines = max(text_lines(t, w, size, b) * size / 11 for t, w, size, b in texts)
        if lines > 1.05:
            ws.row_dimensions[row].height = round(lines * LINE_HEIGHT + 2, 1)

    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    ws.column_dimensions[KEY].hidden = True

    header = (organisation or load_organisation()).header
    for r, text, font in ((1, header, bold), (2, TITLE, Font(name=FONT, bold=True, size=14)),
                          (3, catalogue.title, Font(name=FONT, italic=True, size=10))):
        ws.merge_cells(f"A{r}:E{r}")
        c = text_cell(ws[f"A{r}"], text)
        c.font = font
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        fit(r, (text, merged_width, font.sz, bool(font.b)))
    ws.row_dimensions[2].height = 24
    ws[f"{KEY}1"] = MARKER
    header = (("A4", "Mã đơn vị:", UNIT_CELL, unit.code), ("A5", "Tên đơn vị:", NAME_CELL, unit.name),
              ("A6", "Tháng báo cáo:", MONTH_CELL, str(month)),
              ("A7", "Hạn gửi:", DEADLINE_CELL, format_date(deadlines.monthly(month))))
    for label_cell, label, value_cell, value in header:
        text_cell(ws[label_cell], label)
        ws[label_cell].font = bold
        text_cell(ws[value_cell], value)  # a unit's name is text, whatever it starts with
        ws[value_cell].number_format = "@"
        ws[value_cell].font = Font(name=FONT, size=11, bold=True, color="1F3864")
        ws[value_cell].alignment = Alignment(horizontal="left")
    ws.merge_cells("C6:E6")
    text_cell(ws["C6"], f"({month.label_vi}: {deadlines.cutoff.label(month)})")
    ws["C6"].font = plain
    ws["C6"].alignment = wrap
    fit(6, (ws["C6"].value, WIDTHS[MEASURE] + WIDTHS[VALUE] + WIDTHS[EVIDENCE], 11, False))
    ws.merge_cells("C7:E7")
    text_cell(ws["C7"], "(gửi Văn phòng Sở trong ngày hạn là đúng hạn)")
    ws["C7"].font = Font(name=FONT, italic=True, size=10)
    ws.merge_cells("A8:E8")
    text_cell(ws["A8"], INSTRUCTIONS)
    ws["A8"].alignment = wrap
    ws["A8"].font = Font(name=FONT, italic=True, size=10)
    fit(8, (INSTRUCTIONS, merged_width, 10, False))

    for col, text in zip("ABCDE", HEADINGS):
        c = text_cell(ws[f"{col}{HEADING_ROW}"], text)
        c.font, c.alignment, c.border = bold, center, box
        c.fill = PatternFill("solid", fgColor="FFD966" if col in (VALUE, EVIDENCE) else "D9E1F2")
    fit(HEADING_ROW, *((t, WIDTHS[col], 11, True) for col, t in zip("ABCDE", HEADINGS)))

    dv_count = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              showErrorMessage=True, errorTitle="Số liệu không hợp lệ",
                              error="Nhập số nguyên lớn hơn hoặc bằng 0 (không nhập chữ, số âm hay số lẻ).",
                              showInputMessage=True, promptTitle="Số liệu",
                              prompt="Nhập số nguyên ≥ 0. Để trống nếu chưa có số liệu.")
    dv_bool = DataValidation(type="list", formula1='"' + ",".join(BOOL_CHOICES) + '"', allow_blank=True,
                             showErrorMessage=True, errorTitle="Số liệu không hợp lệ", error="Chọn Có hoặc Không.",
                             showInputMessage=True, promptTitle="Số liệu",
                             prompt="Chọn Có hoặc Không. Để trống nếu chưa có số liệu.")
    ws.add_data_validation(dv_count)
    ws.add_data_validation(dv_bool)
    dv_compliance = DataValidation(type="list", formula1='"' + ",".join((*BOOL_CHOICES, NOT_DUE_CHOICE)) + '"',
                                   allow_blank=True, showErrorMessage=True, errorTitle="Số liệu không hợp lệ",
                                   error="Chọn Có, Không hoặc Không phát sinh.", showInputMessage=True,
                                   promptTitle="Số liệu", prompt="Chọn Có, Không, hoặc Không phát sinh nếu trong "
                                   "tháng không có việc phải làm. Để trống nếu chưa có số liệu.")
    ws.add_data_validation(dv_compliance)
    hint_font = InlineFont(rFont=FONT, sz=HINT_SIZE, i=True, color="595959")
    label_font = InlineFont(rFont=FONT, sz=11)
    bold_inline = InlineFont(rFont=FONT, sz=11, b=True)
    level_dvs: dict[str, Any] = {}

    values = values or {}
    evidence = evidence or {}
    r = FIRST_ROW
    for row in form_rows(catalogue, unit.kind):
        cells = {col: ws[f"{col}{r}"] for col in "ABCDE"}
        for c in cells.values():
            c.border = box
            c.alignment = wrap
            c.font = plain
        cells["A"].alignment = center
        text_cell(cells["A"], row.code)
        if row.hint:  # the label, and under it in small italics what kind of figure it is
            text_cell(cells["B"], CellRichText(TextBlock(bold_inline if row.indicator is None else label_font,
                                                         row.label), TextBlock(hint_font, f"\n{row.hint}")))
        else:
            text_cell(cells["B"], row.label)
        text_cell(ws[f"{KEY}{r}"], row.key)
        label_lines = text_lines(row.label, WIDTHS[LABEL], 11, row.indicator is None)
        if row.hint:
            # italics run narrower than upright text: estimated one point smaller
            label_lines += text_lines(row.hint, WIDTHS[LABEL], HINT_SIZE - 1) * HINT_SIZE / 11
        ws.row_dimensions[r].height = None
        if max(label_lines, text_lines(row.code, WIDTHS[CODE], 11, row.indicator is None)) > 1.05:
            ws.row_dimensions[r].height = round(max(label_lines, 1) * LINE_HEIGHT + 2, 1)
        if row.indicator is None:
            fill = PatternFill("solid", fgColor="BDD7EE" if row.key.startswith("#domain") else "EDEDED")
            for c in cells.values():
                c.fill = fill
            cells["A"].font = cells["B"].font = bold
        else:
            ind = row.indicator
            text_cell(cells["C"], row.measure)
            cells["C"].alignment = center
            for col in (VALUE, EVIDENCE):
                cells[col].protection = open_cell
                cells[col].fill = open_fill
            ref = f"{VALUE}{r}"
            if ind.kind == "count":
                dv_count.add(ref)
                cells[VALUE].number_format = "#,##0"
            elif ind.kind == "bool" and ind.behaviour == "compliance":
                dv_compliance.add(ref)
            elif ind.kind == "bool":
                dv_bool.add(ref)
            else:
                if ind.id not in level_dvs:
                    dv = DataValidation(type="list", formula1='"' + ",".join(lv.label for lv in ind.levels) + '"',
                                        allow_blank=True, showErrorMessage=True, errorTitle="Số liệu không hợp lệ",
                                        error="Chọn một mức trong danh sách.", showInputMessage=True,
                                        promptTitle="Số liệu",
                                        prompt="Chọn một mức trong danh sách. Để trống nếu chưa có số liệu.")
                    ws.add_data_validation(dv)
                    level_dvs[ind.id] = dv
                level_dvs[ind.id].add(ref)
            if ind.id in values:
                text_cell(cells[VALUE], display(ind, values[ind.id]))
            if evidence.get(ind.id):
                text_cell(cells[EVIDENCE], evidence[ind.id])
                lines = max(label_lines, text_lines(evidence[ind.id], WIDTHS[EVIDENCE], 11))
                if lines > 1.05:
                    ws.row_dimensions[r].height = round(lines * LINE_HEIGHT + 2, 1)
        r += 1

    ws.freeze_panes = f"A{FIRST_ROW}"
    print_a4(ws, HEADING_ROW)
    print_margins(ws)
    ws.oddFooter.center.text = f"{unit.code} – {month} – Trang &P/&N"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # users may widen columns and rows
    ws.protection.formatRows = False
    return wb


def display(ind: Indicator, value: Any) -> Any:
    """A typed value as a form cell shows it (Có/Không, level label, number)."""
    if ind.kind == "bool":
        if value == NOT_DUE:
            return NOT_DUE_CHOICE
        return BOOL_CHOICES[0] if value else BOOL_CHOICES[1]
    if ind.kind == "level":
        return ind.level_label(value)
    return value


def write_form(path: str | Path, catalogue: Catalogue, unit: Unit, month: Period, deadlines: Deadlines,
               values: Mapping[str, Any] | None = None, evidence: Mapping[str, str] | None = None) -> Path:
    """Write one unit's form for one month, atomically."""
    wb = build_form(catalogue, unit, month, deadlines, values, evidence)
    p = Path(path)
    with atomic_path(p) as tmp:
        wb.save(tmp)
    return p


def form_file_name(unit: Unit, month: Period) -> str:
    if not is_valid_code(unit.code):  # codes become file names
        raise ValueError(f"mã đơn vị không hợp lệ để đặt tên tệp: {unit.code!r}")
    return f"CCHC_{unit.code}_{month}.xlsx"


# -- reading ------------------------------------------------------------------
def form_cells(book: Workbook) -> dict[int, dict[str, Any]] | None:
    """The cells of the form sheet if this workbook is one of our forms
    (its sheet and marker), else None."""
    if SHEET not in book.sheetnames:
        return None
    cells = book.cells(SHEET, max_rows=MAX_FORM_ROWS)
    return cells if cells.get(1, {}).get(KEY) == MARKER else None


def renamed_form_sheet(book: Workbook) -> str | None:
    """The name of a sheet that carries the form's marker under another name
    (the form's sheet was renamed), else None."""
    for name in book.sheetnames:
        if name == SHEET:
            continue
        rows = book.rows(name)
        try:
            first = next(rows, None)
        finally:
            rows.close()
        if first is not None and first[0] == 1 and first[1].get(KEY) == MARKER:
            return name
    return None


def not_a_form(book: Workbook) -> str:
    """Why this workbook is not one of the cchc forms, in a user's words."""
    if SHEET in book.sheetnames:
        return f"sheet '{SHEET}' thiếu mã nhận dạng biểu mẫu ở ô {KEY}1"
    return f"không có sheet '{SHEET}' (đã bị xóa hoặc đổi tên?)"


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _same_name(a: str, b: str) -> bool:
    return " ".join(fold(a).split()) == " ".join(fold(b).split())


def read_form(cells: Mapping[int, Mapping[str, Any]], file: str, catalogue: Catalogue,
              registry: Registry, merged: Sequence[str] = ()) -> FilledForm:
    """Validate every cell of a filled form (`form_cells`; `merged`: the
    sheet's merged ranges); the typed values, or DataError."""
    problems: list[Problem] = []

    def bad(cell: str, message: str) -> None:
        problems.append(Problem(message, file=file, sheet=SHEET, cell=cell))

    # Cells that hold no value (a formula never computed, a broken number):
    # each is named; a figure's own cell is reported with its label below.
    readable: dict[int, dict[str, Any]] = {}
    for n in sorted(cells):
        readable[n] = {}
        for col, v in cells[n].items():
            if isinstance(v, Unreadable) and not (col == VALUE and n >= FIRST_ROW):
                bad(f"{col}{n}", str(v))
                continue
            readable[n][col] = v
    cells = readable
    for ref in merged:
        if ref not in TEMPLATE_MERGES:
            bad(ref.split(":")[0], f"các ô {ref} bị gộp: biểu mẫu đã bị sửa (chỉ ô đầu giữ giá trị, số liệu ở các ô "
                                   "còn lại bị mất); hãy bỏ gộp ô hoặc dùng biểu mẫu mới")

    head = {ref: cells.get(int(ref[1:]), {}).get(ref[0]) for ref in (UNIT_CELL, NAME_CELL, MONTH_CELL)}
    unit_code = _text(head[UNIT_CELL])
    unit: Unit | None = None
    if not unit_code:
        bad(UNIT_CELL, "thiếu mã đơn vị")
    elif unit_code not in registry:
        bad(UNIT_CELL, f"đơn vị không có trong danh mục: '{unit_code}'")
    else:
        unit = registry.get(unit_code)
        name = _text(head[NAME_CELL])
        if not _same_name(name, unit.name):
            bad(NAME_CELL, f"tên đơn vị '{name}' không khớp mã {unit.code} ở ô {UNIT_CELL} (mã {unit.code} là "
                           f"'{unit.name}'): biểu mẫu của đơn vị khác, hoặc mã/tên đã bị sửa")
    month: Period | None = None
    raw_month = head[MONTH_CELL]
    if isinstance(raw_month, (int, float)) and not isinstance(raw_month, bool) and 1 <= raw_month < 2958466:
        from openpyxl.utils.datetime import from_excel  # Excel made the text a date (a serial number)

        raw_month = from_excel(raw_month)
    if hasattr(raw_month, "year") and hasattr(raw_month, "month") and not isinstance(raw_month, str):
        raw_month = f"{raw_month.year:04d}-{raw_month.month:02d}"
    try:
        month = parse_month(_text(raw_month))
    except PeriodError as e:
        bad(MONTH_CELL, f"tháng báo cáo: {e}")

    kind_rows = {r.key: r for r in form_rows(catalogue, unit.kind)} if unit else {}
    out = FilledForm(unit_code, month or Period.month(1900, 1))
    seen: dict[str, int] = {}
    for n in sorted(cells):
        if n < FIRST_ROW:
            continue
        row = cells[n]
        b, d, e, key = row.get(LABEL), row.get(VALUE), row.get(EVIDENCE), _text(row.get(KEY))
        value_ref, evidence_ref = f"{VALUE}{n}", f"{EVIDENCE}{n}"
        expected = _expected_text(catalogue, key, kind_rows) if key else None
        if key and expected is None:
            bad(f"{KEY}{n}", f"dòng không nhận ra (mã ẩn '{key}'): biểu mẫu đã bị sửa, hãy dùng biểu mới")
            continue
        if expected is None or expected.indicator is None:
            if expected is not None and _text(b) != expected.label and key.startswith("#domain"):
                bad(f"{LABEL}{n}", f"tên mục đã bị sửa: '{_text(b)}' (đúng: '{expected.label}')")
            if expected is not None and key.startswith("#criterion") and not _text(b).startswith(
                    _criterion_title(catalogue, key)):
                bad(f"{LABEL}{n}", f"tên tiêu chí đã bị sửa: '{_text(b)}' (đúng: '{_criterion_title(catalogue, key)}')")
            for ref, v in ((value_ref, d), (evidence_ref, e)):
                if not is_blank(v):
                    bad(ref, f"ô thuộc dòng bị khóa, không được nhập số liệu ('{_text(v)}')")
            continue
        ind = expected.indicator
        label = _text(b).split("\n", 1)[0].strip()  # the label, without the hint printed under it
        if label != ind.label:
            bad(f"{LABEL}{n}", f"nhãn chỉ số đã bị sửa: '{label}' (đúng: '{ind.label}')")
        if key in seen:
            bad(value_ref, f"chỉ số {key} xuất hiện hai lần (dòng {seen[key]} và {n}): biểu mẫu đã bị sửa")
            continue
        seen[key] = n
        if not is_blank(e):
            out.evidence[key] = _text(e)
        if is_blank(d):
            if not is_blank(e):
                bad(value_ref, f"{ind.label}: có tài liệu kiểm chứng ở ô {evidence_ref} nhưng chưa nhập số liệu")
            continue  # empty is missing, never zero or "no"
        try:
            out.values[key] = parse_value(ind, d.strip() if isinstance(d, str) else d)
        except ValueError as err:
            bad(value_ref, f"{ind.label}: {err}")
            continue
        out.cells[key] = value_ref
    problems.extend(limit_problems(out.unit, out.month, out.values, catalogue, file, form_where(out),
                                   name=lambda i: catalogue.indicators[i].label, prefix=False))
    if problems:
        raise DataError(problems)
    return out


def form_where(form: FilledForm) -> dict[str, Where]:
    """Where each value of a read form is (its cell)."""
    return {ind: Where(SHEET, cell=ref) for ind, ref in form.cells.items()}


def _criterion_title(catalogue: Catalogue, key: str) -> str:
    code = key.split(":", 1)[1]
    try:
        return catalogue.criterion(code).title
    except KeyError:
        return ""
