"""What an analyst reads in reports and in `cchc score`: Vietnamese, not codes."""
from __future__ import annotations

import dataclasses
import re
from types import SimpleNamespace

import pytest

from cchc_lib.core.catalogue import load_catalogue
from cchc_lib.reports.charts import cell_label
from cchc_lib.reports.commentary import change_sentence, department_commentary, domain_name, unit_commentary
from cchc_lib.core.periods import parse_period
from cchc_lib.core.rules import MISSING, Outcome
from cchc_lib.core.scoring import CriterionScore, score_all
from cchc_lib.intake.sources import open_dataset
from cchc_lib.reports.text import format_table, value_text
from cchc_lib.core.units import load_registry
from cchc_lib.reports.views import change_tile, trend_charts

from reports_helpers import make_project

RAW_ID = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # tthc_review_done, procedures_total, …


@pytest.mark.parametrize("text, lower", [
    ("2023-12", "tháng 12/2023"), ("2023-Q3", "quý III/2023"), ("2023-H1", "6 tháng đầu năm 2023"),
    ("2023-H2", "6 tháng cuối năm 2023"), ("2023", "năm 2023"),
])
def test_label_vi_lower_lowers_only_the_first_letter(text, lower):
    p = parse_period(text)
    assert p.label_vi_lower == lower


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    proj = make_project(tmp_path_factory.mktemp("t"))
    cat = load_catalogue()
    reg = load_registry(proj["units"], cat.unit_kinds)
    ds = open_dataset(proj["data"], cat, reg)
    dept, cards = score_all(ds, cat, reg, parse_period("2023-Q3"))
    return cat, dept, cards


def _with_missing(card, code: str, missing: tuple[str, ...]):
    crits = tuple(CriterionScore(c.criterion, Outcome(MISSING, missing=missing)) if c.code == code else c
                  for c in card.criteria)
    return dataclasses.replace(card, criteria=crits)


def test_missing_values_name_indicators_in_vietnamese(scored):
    cat, dept, cards = scored
    card = _with_missing(cards[0], "3.3.2", ("procedures_total", "procedures_internal_process_published"))
    c = next(x for x in card.criteria if x.code == "3.3.2")
    for text in (value_text(c, cat), value_text(c)):  # the shipped catalogue when none is given
        assert text.startswith("Thiếu số liệu: ")
        assert cat.indicators["procedures_total"].label in text
        assert not RAW_ID.search(text), text
    table = format_table(card, cat)
    assert "thiếu:" not in table and not RAW_ID.search(table)
    unknown = CriterionScore(c.criterion, Outcome(MISSING, missing=("no_such_indicator",)))
    assert value_text(unknown, cat) == "Thiếu số liệu: 1 chỉ số"


def test_heatmap_cell_below_100_never_reads_100():
    assert cell_label(99.8) == "99,8"
    assert cell_label(99.96) == "99,9"
    assert cell_label(99.4) == "99"
    assert cell_label(45.6) == "46"


def test_domain_named_without_nested_brackets(scored):
    cat, dept, cards = scored
    assert domain_name("3", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH (TTHC)", {"TTHC"}) == \
        "Lĩnh vực 3 — Cải cách thủ tục hành chính (TTHC)"
    for com in [department_commentary(dept, cards, cat)] + [unit_commentary(c, cat) for c in cards]:
        texts = [com.summary] + [r.text for s in com.sections for r in s.remarks]
        for t in texts:
            assert not re.search(r"\([^()]*\(", t), t  # no "( … ( … ))"
            assert not re.search(r"(trong|so với|số liệu) (Tháng|Quý|Năm) ", t), t


def test_period_labels_lowered_mid_sentence(scored):
    cat, dept, cards = scored
    assert change_sentence(dept, None) == "chưa có số liệu quý II/2023 để so sánh"
    assert "trong quý III/2023" in department_commentary(dept, cards, cat).summary


def test_change_tile_names_the_previous_period_once():
    h = {"change": None, "change_text": "chưa có số liệu Tháng 12/2022", "previous_period": "2022-12",
         "previous_label": "Tháng 12/2022"}
    tile = change_tile(h)
    assert (tile["value"] + tile["hint"]).lower().count("tháng 12/2022") == 1
    assert tile["hint"] == "chưa có số liệu tháng 12/2022"
    h = {"change": 0.45, "change_text": "+0,45 điểm so với Tháng 11/2023 (80,1%)", "previous_period": "2023-11",
         "previous_label": "Tháng 11/2023", "previous_percent": 80.1}
    tile = change_tile(h)
    assert "+0,45 điểm" in tile["value"] and tile["hint"] == "so với tháng 11/2023 (80,1%)" and tile["cls"] == "up"
    same = change_tile({**h, "change": 0.0, "change_text": "giữ nguyên so với tháng 11/2023 (80,1%)"})
    assert same["value"] == "giữ nguyên" and "±" not in same["value"] and same["cls"] == ""


def test_short_trend_window_is_a_sentence_not_charts():
    series = {"code": "3.5", "title": "Số hóa", "months": ["T1"], "periods": ["2023-01"], "rates": [0.9],
              "thresholds": [0.95], "highlight": [0]}
    html = trend_charts(SimpleNamespace(trends=[series]))
    assert "Chưa đủ số tháng để vẽ xu hướng" in html and "<img" not in html
    three = dict(series, months=["T1", "T2", "T3"], rates=[0.9, 0.92, 0.97], periods=["2023-01", "2023-02", "2023-03"])
    assert "<img" in trend_charts(SimpleNamespace(trends=[three]))


def test_a_unit_that_sent_nothing_is_not_shown_as_scoring_zero(tmp_path):
    """The unit is in the registry but has no figure for the period: its
    report and the index say "chưa gửi số liệu", with no rank and no change."""
    from cchc_lib.reports import data as rd
    from cchc_lib.render.index_page import index_html

    proj = make_project(tmp_path)
    units = proj["units"].read_text(encoding="utf-8")
    proj["units"].write_text(units + '  - {code: MOI, name: "Phòng mới", kind: phong}\n', encoding="utf-8")
    ctx = rd.open_context(proj["data"], "", proj["units"])
    rep = rd.unit_report(ctx, "MOI", "2023-Q3")
    assert rep.headline["no_data"] and rep.headline["percent_text"] == "chưa gửi số liệu"
    assert rep.headline["rank"] is None and rep.headline["change"] is None and rep.trends == []
    assert "chưa gửi số liệu của quý III/2023" in rep.commentary.summary
    assert rep.figures["no_data"] is True and rep.figures["points"] == 0  # the contract's JSON is unchanged
    page = index_html([{**rep.figures, "period_dir": "2023-Q3", "name": "MOI", "links": {}}])
    assert "chưa gửi số liệu" in page and "0,0%" not in page
