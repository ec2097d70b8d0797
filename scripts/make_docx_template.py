"""Make the Word template of the báo cáo: cchc_lib/templates/docx/bao_cao.docx.

The template is data: this script makes it reproducibly (python-docx), the
result is committed, and an analyst may open it in Word and restyle it
(fonts, spacing, wording around the fields) without touching code.  The
fields are docxtpl's Jinja tags; the keys are those of
`cchc_lib.reports.word.docx_context` (`{{ doc.summary }}`, `{%p for line in
results %}`, `{%tr for r in scorecard %}`, ...).

Layout: Nghị định 30/2020/NĐ-CP, Phụ lục I (thể thức văn bản hành chính):
A4, margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman;
the agency block (left) and the national motto (right) in a borderless
two-column table, each with its short rule below; "Số: …/BC-…" under the
agency, the place and date (italic) under the motto; the document type and
summary centred in bold with a short rule; body 14 pt justified, first
line indented 1,27 cm, 6 pt between paragraphs; "Nơi nhận:" (bold italic
12 pt, list 11 pt) and the signature block (bold 14 pt) side by side; page
numbers centred at the top from page 2.  The appendices' tables repeat
their heading row on every page and never split a row across pages.

Run: `.venv/bin/python scripts/make_docx_template.py [-o PATH]`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cchc_lib.files import write_bytes  # noqa: E402  (after the path is set)

OUT = ROOT / "cchc_lib" / "templates" / "docx" / "bao_cao.docx"
FONT = "Times New Roman"
FIXED_TIME = dt.datetime(2023, 1, 1)
TEXT_WIDTH_CM = 21.0 - 3.0 - 1.5  # A4 minus the left and right margins
LEFT_CM, RIGHT_CM = 7.2, TEXT_WIDTH_CM - 7.2  # the header table's columns


# --- styles --------------------------------------------------------------------------

# Word refuses a document whose elements are out of the schema's order:
# each element is inserted before the first of its successors present.
SUCCESSORS = {
    "w:lang": ("w:eastAsianLayout", "w:specVanish", "w:oMath"),
    "w:sz": ("w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl",
             "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath"),
    "w:szCs": ("w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs",
               "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath"),
    "w:pBdr": ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
               "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
               "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
               "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
               "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"),
    "w:tblCellMar": ("w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange"),
    "w:tblLayout": ("w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange"),
}


def insert_ordered(parent, child) -> None:
    tag = child.tag
    name = next(k for k in SUCCESSORS if qn(k) == tag)
    for successor in SUCCESSORS[name]:
        found = parent.find(qn(successor))
        if found is not None:
            found.addprevious(child)
            return
    parent.append(child)


def _fonts(rpr_parent, size: float | None = None) -> None:
    """Times New Roman for every script (no theme font wins over it), Vietnamese proofing."""
    if hasattr(rpr_parent, "get_or_add_rPr"):
        rpr = rpr_parent.get_or_add_rPr()
    else:  # w:rPrDefault, a plain element
        rpr = rpr_parent.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            rpr_parent.append(rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        insert_ordered(rpr, lang)
    lang.set(qn("w:val"), "vi-VN")
    lang.set(qn("w:eastAsia"), "vi-VN")
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            el = rpr.find(qn(tag))
            if el is None:
                el = OxmlElement(tag)
                insert_ordered(rpr, el)
            el.set(qn("w:val"), str(int(size * 2)))


def _style(doc, name: str, *, base: str = "Normal", size: float = 14, bold: bool = False, italic: bool = False,
           align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line: float | None = 1.27, before: float = 0, after: float = 6,
           keep_next: bool = False, kind=WD_STYLE_TYPE.PARAGRAPH):
    styles = doc.styles
    st = styles[name] if name in [s.name for s in styles] else styles.add_style(name, kind)
    if name != base:
        st.base_style = styles[base]
    st.font.name = FONT
    st.font.size = Pt(size)
    st.font.bold = bold
    st.font.italic = italic
    st.font.color.rgb = RGBColor(0, 0, 0)
    _fonts(st.element, size)
    pf = st.paragraph_format
    pf.alignment = align
    pf.first_line_indent = Cm(first_line) if first_line else Cm(0)
    pf.left_indent = Cm(0)
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.keep_with_next = keep_next
    pf.widow_control = True
    return st


def make_styles(doc) -> None:
    _style(doc, "Normal", size=14)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:  # Word's defaults too, for runs with no style
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is not None:
            _fonts(rpr_default, 14)
    _style(doc, "Heading 1", size=14, bold=True, before=6, after=6, keep_next=True)
    _style(doc, "Heading 2", size=14, bold=True, before=3, after=6, keep_next=True)
    _style(doc, "CCHC Body", size=14)
    _style(doc, "CCHC Center", size=14, align=WD_ALIGN_PARAGRAPH.CENTER, first_line=None, after=0)
    _style(doc, "CCHC Title", size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, first_line=None, before=12,
           after=0, keep_next=True)
    _style(doc, "CCHC Summary", size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, first_line=None, after=0,
           keep_next=True)
    _style(doc, "CCHC Table", size=12, align=WD_ALIGN_PARAGRAPH.LEFT, first_line=None, before=2, after=2)
    _style(doc, "CCHC Table Head", size=12, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, first_line=None, before=2,
           after=2)
    _style(doc, "CCHC Table Number", size=12, align=WD_ALIGN_PARAGRAPH.CENTER, first_line=None, before=2, after=2)
    _style(doc, "CCHC Recipients Head", size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT,
           first_line=None, after=0)
    _style(doc, "CCHC Recipients", size=11, align=WD_ALIGN_PARAGRAPH.LEFT, first_line=None, after=0)
    _style(doc, "CCHC Signer", size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, first_line=None, after=0)
    _style(doc, "CCHC Control", size=2, align=WD_ALIGN_PARAGRAPH.LEFT, first_line=None, after=0)


# --- small builders ------------------------------------------------------------------

def para(container, text: str = "", style: str = "CCHC Body", *, bold: bool | None = None,
         italic: bool | None = None, size: float | None = None, page_break_before: bool = False):
    p = container.add_paragraph(style=style)
    if text:
        run = p.add_run(text)
        if bold is not None:
            run.bold = bold
        if italic is not None:
            run.italic = italic
        if size is not None:
            run.font.size = Pt(size)
    if page_break_before:
        p.paragraph_format.page_break_before = True
    return p


def rule(container, length_cm: float, width_cm: float, space_after: float = 0):
    """A short horizontal rule, centred in a column `width_cm` wide: the bottom
    border of an empty paragraph narrowed by its indents."""
    p = container.add_paragraph(style="CCHC Control")
    side = max(0.0, (width_cm - length_cm) / 2)
    p.paragraph_format.left_indent = Cm(side)
    p.paragraph_format.right_indent = Cm(side)
    p.paragraph_format.space_after = Pt(space_after)
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{k}"), v)
    borders.append(bottom)
    insert_ordered(ppr, borders)
    return p


def _cell_paragraphs_clear(cell) -> None:
    for p in list(cell.paragraphs):
        p._p.getparent().remove(p._p)


def fixed_table(doc, widths_cm: list[float], rows: int, style: str | None = None):
    table = doc.add_table(rows=rows, cols=len(widths_cm))
    if style:
        table.style = doc.styles[style]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tblpr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    insert_ordered(tblpr, layout)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_cm):
            cell.width = Cm(w)
            _cell_paragraphs_clear(cell)
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_cm):
        col.set(qn("w:w"), str(int(Cm(w).twips)))
    return table


def narrow_cell_margins(table, cm: float = 0.05) -> None:
    """Cells almost without side padding: the agency and motto lines need the width."""
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(Cm(cm).twips)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    insert_ordered(table._tbl.tblPr, mar)


def row_props(row, *, header: bool = False, cant_split: bool = True) -> None:
    trpr = row._tr.get_or_add_trPr()
    if cant_split:
        trpr.append(OxmlElement("w:cantSplit"))
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


def new_row(table):
    """A row that never splits across pages, its cells without python-docx's empty paragraph."""
    row = table.add_row()
    row_props(row)
    for cell in row.cells:
        _cell_paragraphs_clear(cell)
    return row


def control_row(table, tag: str) -> None:
    """A docxtpl row tag ({%tr ... %}): the whole row is replaced by the tag."""
    row = new_row(table)
    para(row.cells[0], tag, "CCHC Control")
    for cell in row.cells[1:]:
        para(cell, "", "CCHC Control")


def data_row(table, texts: list[str], styles: list[str], bold: bool = False, italic: bool = False) -> None:
    row = new_row(table)
    for cell, text, style in zip(row.cells, texts, styles):
        para(cell, text, style, bold=True if bold else None, italic=True if italic else None)


def loop(container, var: str, items: str, line_style: str = "CCHC Body") -> None:
    para(container, f"{{%p for {var} in {items} %}}", "CCHC Control")
    para(container, f"{{{{ {var} }}}}", line_style)
    para(container, "{%p endfor %}", "CCHC Control")


# --- the document --------------------------------------------------------------------

def page_setup(doc) -> None:
    s = doc.sections[0]
    s.page_width, s.page_height = Mm(210), Mm(297)
    s.top_margin, s.bottom_margin = Mm(20), Mm(20)
    s.left_margin, s.right_margin = Mm(30), Mm(15)
    s.header_distance, s.footer_distance = Mm(10), Mm(10)
    # Page numbers: centred at the top, from the second page (ND 30, Phụ lục I).
    s.different_first_page_header_footer = True
    hp = s.header.paragraphs[0]
    hp.style = doc.styles["CCHC Center"]
    run = hp.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text.strip() == "PAGE":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = text
            run._r.append(t)
    for p in s.first_page_header.paragraphs:
        p.style = doc.styles["CCHC Center"]


def header_blocks(doc) -> None:
    t = fixed_table(doc, [LEFT_CM, RIGHT_CM], 1)
    narrow_cell_margins(t)
    left, right = t.rows[0].cells
    para(left, "{{ org.parent }}", "CCHC Center", size=13)
    para(left, "{{ org.agency }}", "CCHC Center", bold=True, size=13)
    rule(left, 2.2, LEFT_CM, space_after=6)
    para(left, "{{ doc.number }}", "CCHC Center", size=13)
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CCHC Center", bold=True, size=12)
    para(right, "Độc lập - Tự do - Hạnh phúc", "CCHC Center", bold=True, size=13)
    rule(right, 5.6, RIGHT_CM, space_after=6)
    para(right, "{{ doc.date_line }}", "CCHC Center", italic=True, size=14)


def title(doc) -> None:
    para(doc, "{{ doc.type }}", "CCHC Title")
    para(doc, "{{ doc.summary }}", "CCHC Summary")
    rule(doc, 3.0, TEXT_WIDTH_CM, space_after=12)


def body(doc) -> None:
    para(doc, "{{ doc.intro }}")
    para(doc, "I. KẾT QUẢ ĐẠT ĐƯỢC", "Heading 1")
    para(doc, "1. Kết quả chung", "Heading 2")
    loop(doc, "line", "results")
    para(doc, "{%p if full %}", "CCHC Control")
    para(doc, "2. Các tiêu chí đạt điểm tối đa", "Heading 2")
    loop(doc, "line", "full")
    para(doc, "{%p endif %}", "CCHC Control")
    para(doc, "{{ '3' if full else '2' }}. Tiến độ so với kỳ trước", "Heading 2")
    loop(doc, "line", "progress")

    para(doc, "II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN", "Heading 1")
    para(doc, "{%p if problems %}", "CCHC Control")
    para(doc, "1. Các tiêu chí bị mất điểm", "Heading 2")
    loop(doc, "line", "problems")
    para(doc, "{%p endif %}", "CCHC Control")
    para(doc, "{%p if missing %}", "CCHC Control")
    para(doc, "{{ '2' if problems else '1' }}. Số liệu còn thiếu", "Heading 2")
    loop(doc, "line", "missing")
    para(doc, "{%p endif %}", "CCHC Control")

    para(doc, "III. ĐỀ XUẤT, KIẾN NGHỊ VÀ NHIỆM VỤ THỜI GIAN TỚI", "Heading 1")
    para(doc, "Để đạt mức điểm tiếp theo ở từng tiêu chí, cần tập trung thực hiện:")
    loop(doc, "line", "proposals")

    para(doc, "{%p if analyst %}", "CCHC Control")
    para(doc, "IV. Ý KIẾN BỔ SUNG", "Heading 1")
    loop(doc, "line", "analyst")
    para(doc, "{%p endif %}", "CCHC Control")
    para(doc, "{{ doc.closing }}")


def signature(doc) -> None:
    t = fixed_table(doc, [TEXT_WIDTH_CM - 8.0, 8.0], 1)
    row_props(t.rows[0])
    left, right = t.rows[0].cells
    para(left, "", "CCHC Recipients")
    para(left, "Nơi nhận:", "CCHC Recipients Head")
    para(left, "{%p for r in org.recipients %}", "CCHC Control")
    para(left, "{{ r }}", "CCHC Recipients")
    para(left, "{%p endfor %}", "CCHC Control")
    para(right, "", "CCHC Signer")
    para(right, "{%p if org.signer.authority %}", "CCHC Control")
    para(right, "{{ org.signer.authority }}", "CCHC Signer")
    para(right, "{%p endif %}", "CCHC Control")
    para(right, "{{ org.signer.position }}", "CCHC Signer")
    for _ in range(4):  # room for the signature and the seal
        para(right, "", "CCHC Signer")
    para(right, "{{ org.signer.name }}", "CCHC Signer")


def appendix_scorecard(doc) -> None:
    para(doc, "Phụ lục I", "CCHC Title", page_break_before=True)
    para(doc, "{{ scorecard_title }}", "CCHC Summary")
    para(doc, "{{ doc.reference }}", "CCHC Center", italic=True, size=13)
    para(doc, "", "CCHC Control")
    widths = [1.4, 6.6, 1.7, 5.0, 1.8]
    t = fixed_table(doc, widths, 1, "Table Grid")
    row_props(t.rows[0], header=True)
    for cell, text in zip(t.rows[0].cells, ("STT", "Tiêu chí", "Điểm tối đa", "Kết quả", "Điểm")):
        para(cell, text, "CCHC Table Head")
    styles = ["CCHC Table Number", "CCHC Table", "CCHC Table Number", "CCHC Table", "CCHC Table Number"]
    cells = ["{{ r.stt }}", "{{ r.title }}", "{{ r.max }}", "{{ r.result }}", "{{ r.points }}"]
    control_row(t, "{%tr for r in scorecard %}")
    control_row(t, "{%tr if r.bold %}")  # domains and the total
    data_row(t, cells, styles, bold=True)
    control_row(t, "{%tr elif r.group %}")  # a group of criteria (3.3, 7.1, ...)
    data_row(t, cells, styles, italic=True)
    control_row(t, "{%tr else %}")
    data_row(t, cells, styles)
    control_row(t, "{%tr endif %}")
    control_row(t, "{%tr endfor %}")


def appendix_ranking(doc) -> None:
    para(doc, "{%p if ranking %}", "CCHC Control")
    para(doc, "Phụ lục II", "CCHC Title", page_break_before=True)
    para(doc, "{{ ranking_title }}", "CCHC Summary")
    para(doc, "{{ doc.reference }}", "CCHC Center", italic=True, size=13)
    para(doc, "", "CCHC Control")
    widths = [1.4, 8.4, 2.0, 2.2, 2.5]
    t = fixed_table(doc, widths, 1, "Table Grid")
    row_props(t.rows[0], header=True)
    for cell, text in zip(t.rows[0].cells, ("Hạng", "Đơn vị", "Điểm", "Điểm tối đa áp dụng", "Tỷ lệ")):
        para(cell, text, "CCHC Table Head")
    control_row(t, "{%tr for r in ranking %}")
    data_row(t, ["{{ r.rank }}", "{{ r.name }}", "{{ r.points }}", "{{ r.max }}", "{{ r.percent }}"],
             ["CCHC Table Number", "CCHC Table", "CCHC Table Number", "CCHC Table Number", "CCHC Table Number"])
    control_row(t, "{%tr endfor %}")
    para(doc, "{%p endif %}", "CCHC Control")


def build() -> bytes:
    doc = Document()
    make_styles(doc)
    page_setup(doc)
    body_el = doc.element.body
    for p in list(doc.paragraphs):  # the default document's empty paragraph
        body_el.remove(p._p)
    header_blocks(doc)
    title(doc)
    body(doc)
    signature(doc)
    appendix_scorecard(doc)
    appendix_ranking(doc)
    props = doc.core_properties
    props.title, props.author, props.language = "Báo cáo chỉ số CCHC", "cchc", "vi-VN"
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    return reproducible_zip(buf.getvalue())


def reproducible_zip(data: bytes) -> bytes:
    """The same archive with fixed member times, so the same script makes the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", type=Path, default=OUT)
    args = ap.parse_args(argv)
    write_bytes(args.output, build())
    print(f"Đã ghi mẫu báo cáo Word: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

