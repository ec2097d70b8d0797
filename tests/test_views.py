"""What a report shows, as HTML from its templates (no kernel): sections,
legends, ranks within a kind of unit, the unit that sent nothing, plain
provenance, the contract v2 fields, escaping, and the notebook display."""
from __future__ import annotations

import dataclasses
import re
from html import unescape
from pathlib import Path

import pytest

from cchc_lib.core.rules import SCORED
from cchc_lib.core.scoring import CriterionScore
from cchc_lib.reports import data as rd
from cchc_lib.reports import templating, views
from cchc_lib.reports.commentary import strengths

from reports_helpers import XSS_NAME, make_project

UNITS = f"""units:
  - {{code: VP, name: "Văn phòng Sở", kind: van_phong}}
  - {{code: TTR, name: "Thanh tra Sở", kind: thanh_tra}}
  - {{code: GDTRH, name: "Phòng Giáo dục Trung học", kind: phong}}
  - {{code: XSS, name: '{XSS_NAME}', kind: phong}}
  - {{code: THPT_A, name: "Trường THPT Ngô Quyền", kind: truc_thuoc}}
  - {{code: THPT_B, name: "Trường THPT Thái Phiên", kind: truc_thuoc}}
"""
SILENT = '  - {code: MOI, name: "Trường THPT Mới", kind: truc_thuoc}\n'


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    proj = make_project(tmp_path_factory.mktemp("views"), UNITS)
    # MOI joins the registry after the data was made: it sent nothing.
    proj["units"].write_text(UNITS + SILENT, encoding="utf-8")
    return rd.open_context(proj["data"], "", proj["units"])


@pytest.fixture(scope="module")
def dept(ctx):
    return rd.department_report(ctx, "2023-Q3")


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_unit_report_sections_in_order(ctx):
    rep = rd.unit_report(ctx, "GDTRH", "2023-Q3", "**Tốt** hơn quý trước.")
    page = "\n".join([views.title(rep), views.headline(rep), views.analyst(rep), views.criteria_table(rep),
                      views.commentary(rep.commentary), views.provenance(rep)])
    order = ["Phòng Giáo dục Trung học", "Tổng điểm", "Nhận xét của chuyên viên", "Lĩnh vực 3:",
             "Điểm mạnh", "Nguồn số liệu"]
    where = [page.index(x) for x in order]
    assert where == sorted(where)
    assert "<strong>Tốt</strong>" in page  # the analyst's Markdown, near the top
    assert 'id="nhan-xet-cua-chuyen-vien"' in page


def test_rank_within_the_kind_of_unit_first(ctx):
    rep = rd.unit_report(ctx, "GDTRH", "2023-Q3")
    s = rep.figures
    assert s["rank_group"] == "Các phòng Sở" and s["ranked_in_group"] == 2 and s["ranked"] == 6
    head = _text(views.headline(rep))
    assert f"{s['rank_in_group']}/2" in head and "trong nhóm các phòng Sở" in head
    assert f"hạng chung {s['rank']}/6" in head
    assert f"xếp thứ {s['rank_in_group']}/2 trong nhóm các phòng Sở" in rep.commentary.summary


def test_department_ranking_by_kind_with_bands_and_the_whole_explained(ctx, dept):
    html = views.ranking_table(dept)
    text = _text(html)
    groups = [g["name"] for g in dept.groups]
    assert groups == ["Văn phòng và Thanh tra Sở", "Các phòng Sở", "Trường và trung tâm trực thuộc"]
    assert all(f"<h3>{g}</h3>" in html for g in groups)
    schools = next(g for g in dept.groups if g["name"] == "Trường và trung tâm trực thuộc")
    assert [r["rank_in_group"] for r in schools["rows"]] == [1, 2]  # ranked among schools only
    assert [u["name"] for u in schools["not_sent"]] == ["Trường THPT Mới"]
    assert "Trường THPT Mới chưa gửi số liệu, chưa xếp hạng" in text
    # the colour bands explained in a legend, from params/reports.yaml's defaults
    assert "Màu theo tỷ lệ điểm đạt: từ 90% trở lên; từ 75% đến dưới 90%; từ 60% đến dưới 75%; dưới 60%" in text
    assert html.count('class="band"') >= 6 + 4
    # the department's own percentage next to its units', and why it can be lower
    assert "Toàn Sở GD&ĐT so với các đơn vị" in text
    assert "không phải trung bình tỷ lệ của các đơn vị" in text and "cộng dồn" in text
    above = dept.explain["above"]
    assert f"{above}/6 đơn vị có tỷ lệ cao hơn Toàn Sở GD&ĐT" in text


def test_the_unit_that_sent_nothing_reads_correctly(ctx):
    rep = rd.unit_report(ctx, "MOI", "2023-Q3")
    page = _text("\n".join([views.title(rep), views.headline(rep), views.analyst(rep), views.domain_chart(rep),
                            views.trend_charts(rep), views.commentary(rep.commentary), views.provenance(rep)]))
    assert "Chưa có số liệu của quý III/2023" in page
    assert "cập nhật đến không có" not in page and "đã có đến" not in page
    assert "Trường THPT Mới chưa gửi số liệu của quý III/2023, nên chưa được chấm điểm và xếp hạng." in page
    assert "Đề nghị đơn vị gửi số liệu tháng 7, 8, 9/2023 để được chấm điểm." in page
    assert "0,0%" not in page and "Điểm mạnh" not in page and "<img" not in views.domain_chart(rep)
    assert "chưa xếp hạng" in page and "Xếp hạng –" in page
    assert rep.figures["no_data"] is True and rep.figures["rank"] is None


def test_no_tool_internals_in_what_a_reader_sees(ctx, dept):
    rep = rd.unit_report(ctx, "GDTRH", "2023-Q3")
    for r in (rep, dept):
        page = "\n".join([views.title(r), views.headline(r), views.analyst(r), views.criteria_table(r),
                          views.commentary(r.commentary), views.provenance(r)]
                         + ([views.ranking_table(r), views.status_panel(r)] if r is dept else []))
        text = _text(page)
        for internal in ("tệp lô", "sample.csv", ".sqlite", "2023-Q3", "2023-Q2", "(GDTRH)", "Mã đơn vị", "±"):
            assert internal not in text, internal
        assert "Nguồn số liệu" in text and "(đã có đến tháng 9/2023)" in text
    assert "Không có nhận xét" not in _text(views.analyst(rep)) and views.analyst(rep) == ""  # nothing when none


def test_no_change_reads_giu_nguyen(ctx):
    rep = rd.unit_report(ctx, "GDTRH", "2023-Q3")
    h = rd.headline(rep.card, None, rep.card, True)  # compared with itself: no change
    assert h["change_text"].startswith("giữ nguyên so với quý II/2023")
    assert views.change_tile(h)["value"] == "giữ nguyên"


def test_a_low_rate_at_full_points_is_not_called_a_strength(ctx):
    card = rd.unit_report(ctx, "GDTRH", "2023-Q3").card
    named = [r.code for r in strengths(card, ctx.catalogue, ctx.settings).remarks if r.code]
    low = [c.code for c in card.criteria if c.status == SCORED and c.points == c.max_points and c.max_points > 0
           and c.outcome.rate is not None and c.outcome.rate < 0.8]
    assert low, "the sample should have a criterion at its maximum with a low rate (7.5.2: ≥ 20%)"
    assert not set(low) & set(named)


def test_sentence_case_domains_in_the_criteria_table(ctx):
    html = views.criteria_table(rd.unit_report(ctx, "GDTRH", "2023-Q3"))
    assert "Lĩnh vực 3: Cải cách thủ tục hành chính (TTHC)" in html
    assert "CẢI CÁCH THỦ TỤC" not in html


def test_criteria_table_shows_contract_v2_fields(ctx):
    rep = rd.unit_report(ctx, "GDTRH", "2023-Q3")
    html = views.criteria_table(rep)
    flows = [c for c in rep.card.criteria if c.months is not None]
    stocks = [c for c in rep.card.criteria if c.as_of is not None]
    assert flows and stocks
    for c in flows:
        assert f"{c.months[0]}/{c.months[1]} tháng" in html
    for c in stocks:
        assert f"số liệu tháng {c.as_of.index}/{c.as_of.year}" in html
    base = rep.card.criteria[0]
    noted = dataclasses.replace(base, months=(11, 12), notes=("số hồ sơ quá hạn ít hơn số hồ sơ giải quyết trễ hạn",),
                                left_out=("GDTRH", "XSS"))
    card = dataclasses.replace(rep.card, criteria=(noted,) + rep.card.criteria[1:])
    rows = [rd.criterion_row(c, ctx.catalogue, ctx.registry) for c in card.criteria]
    html = views.criteria_table(dataclasses.replace(rep, rows=rows))
    assert "11/12 tháng" in html
    assert "<li>số hồ sơ quá hạn ít hơn số hồ sơ giải quyết trễ hạn</li>" in html
    assert "Chưa tính 2 đơn vị thiếu số liệu: Phòng Giáo dục Trung học, Phòng &lt;script&gt;" in html
    bare = dataclasses.replace(base, months=None, as_of=None, notes=(), left_out=())
    row = rd.criterion_row(bare, ctx.catalogue)
    assert not row["value_sub"] and not row["notes"]  # nothing shown when absent


def test_left_out_units_in_the_core_detail_are_named(ctx):
    c = rd.unit_report(ctx, "GDTRH", "2023-Q3").card.criteria[0]
    from cchc_lib.core.rules import Outcome

    noted = CriterionScore(c.criterion, Outcome(SCORED, c.outcome.points, None, "Có",
                                                "Có (chưa tính 1 đơn vị thiếu số liệu: GDTRH)"))
    row = rd.criterion_row(noted, ctx.catalogue, ctx.registry)
    assert "GDTRH" not in row["value"] and row["notes"] == [
        "Chưa tính 1 đơn vị thiếu số liệu: Phòng Giáo dục Trung học."]


def test_every_value_is_escaped(ctx, dept):
    rep = rd.unit_report(ctx, "XSS", "2023-Q3", "<b>đậm?</b> <img src=x onerror=alert(1)>")
    page = "\n".join([views.title(rep), views.headline(rep), views.analyst(rep), views.ranking_table(dept),
                      views.commentary(dept.commentary)])
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page and "&lt;b&gt;đậm?&lt;/b&gt;" in page
    assert templating.environment().autoescape is True


def test_views_build_no_html_in_python():
    """Templates are data: the views fill templates, they do not write tags."""
    source = (Path(views.__file__)).read_text(encoding="utf-8")
    code = re.sub(r'"""[\s\S]*?"""', "", source)  # docstrings may mention tags
    assert not re.search(r"""["']<(?!div class="cchc">)[a-z/!]""", code), "HTML written in views.py"


def test_notebook_display_is_scoped_and_styled(ctx):
    rep = rd.unit_report(ctx, "GDTRH", "2023-Q3")
    html = views.criteria_table(rep)
    assert html._repr_html_().startswith('<div class="cchc">')
    css = re.sub(r"/\*[\s\S]*?\*/", "", views.stylesheet_css())
    rules = [r.strip() for r in css.split("}") if "{" in r]
    selectors = [s.strip() for r in rules for s in r.split("{")[-2].split(",") if not s.strip().startswith("@")]
    assert selectors and all(s.startswith(".cchc.cchc.cchc") for s in selectors), selectors[:5]
    assert not re.search(r"(^|[\s,}])(html|body|:root)\s*[{,]", css)  # nothing outside the report is styled
    assert "var(--full)" in css and ".cchc.cchc.cchc tbody tr.st-full" in css
