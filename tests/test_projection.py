"""The year-end projection (core.projection): its arithmetic at band edges,
a year with only three complete months, a stock that pace cannot change,
running totals, the department as one body, and "what it takes"."""
from __future__ import annotations

from datetime import date
from fractions import Fraction as F

import pytest

from cchc_lib.core.periods import Period
from cchc_lib.core.deadlines import Cutoff, load_cutoff
from cchc_lib.core.projection import evaluate, latest_month, project, unit_figures
from cchc_lib.core.scoring import score_department, score_unit
from cchc_lib.intake.sample import sample_observations
from cchc_lib.core.dataset import Dataset
from scoring_helpers import CAT, REG, dataset

GDTRH = REG.get("GDTRH")
VP = REG.get("VP")


def months(unit: str, figures: dict, first: int = 1, last: int = 9) -> list:
    return [(unit, m, i, v) for m in range(first, last + 1) for i, v in figures.items()]


def proj(ds, through: int, unit=GDTRH):
    return project(ds, CAT, REG, Period.month(2023, through), unit)


def test_exactly_on_an_edge_at_the_current_pace():
    """19 of 20 on time every month: exactly 95% at the cut-off → 1,425 points, and one
    dossier a month fewer drops the criterion to 0."""
    ds = dataset(months("GDTRH", {"dossiers_resolved": 20, "dossiers_resolved_on_time": 19}))
    c = proj(ds, 9).get("3.4.2")
    assert c.projected.rate == F(95, 100)
    assert c.points == F(95, 100) * F(3, 2) == F(57, 40)
    assert c.band == "≥ 95%: tỷ lệ × 1,5"
    assert c.by_pace and c.figures.months == 9
    assert c.figures.projected["dossiers_resolved"] == 240  # 180 × 12 / 9
    assert c.risk == "down"
    down = c.risks[0]
    assert (down.per_month, down.indicator, down.points) == (1, "dossiers_resolved_on_time", 0)
    assert down.text == "sát ngưỡng: ít hơn 1 hồ sơ giải quyết đúng hạn mỗi tháng là xuống 0,00 điểm"
    # 100% would need every dossier of the past nine months too
    assert c.need is not None and not c.need.reachable


def test_just_below_an_edge_names_the_monthly_effort():
    """18 of 20 (90%) for three months: 216/240 at the cut-off; 95% needs 228, i.e. 12
    more over the 9 months left: 2 more a month (1 gives 225).  Two a month is also
    every dossier still late, and within a tenth of the pace: the edge is within reach."""
    ds = dataset(months("GDTRH", {"dossiers_resolved": 20, "dossiers_resolved_on_time": 18}, 1, 3))
    c = proj(ds, 3).get("3.4.2")
    assert c.points == 0
    assert c.need.per_month == 2 and c.need.indicator == "dossiers_resolved_on_time" and c.need.reachable
    assert c.need.text == "thêm 2 hồ sơ giải quyết đúng hạn mỗi tháng đến 14/12 → 1,43 điểm"
    assert c.need.target_points == F(57, 40)
    assert c.risk == "up"


def test_an_edge_out_of_reach_says_by_how_much():
    """18 of 20 for nine months: even all 20 a month from October on leaves the year 6
    on-time dossiers short of 95%."""
    ds = dataset(months("GDTRH", {"dossiers_resolved": 20, "dossiers_resolved_on_time": 18}))
    c = proj(ds, 9).get("3.4.2")
    assert not c.need.reachable and c.need.per_month is None
    assert c.need.text == ("không thể đạt 1,43 điểm đến 14/12: kể cả khi mọi hồ sơ từ nay đều đạt, cả năm vẫn "
                           "thiếu 6 hồ sơ giải quyết đúng hạn")
    assert c.risk is None


def test_a_year_with_only_three_complete_months():
    """January–March complete, April–September absent: the pace of three months, the rest
    of the year at that pace.  7.3: 50 posts in three months is exactly 200 a year, on
    the edge of "> 200": 0,3 points; one more post a month reaches 0,5."""
    rows = months("VP", {"portal_news_posts": 0}, 1, 3)
    rows = [(u, m, i, v) for (u, m, i, _), v in zip(rows, (17, 17, 16))]
    ds = dataset(rows + months("GDTRH", {"dossiers_resolved": 30, "dossiers_received": 30,
                                         "dossiers_online_l34": 23}, 1, 3))
    pr = project(ds, CAT, REG, Period.month(2023, 9), VP)
    c = pr.get("7.3")
    assert c.figures.months == 3 and pr.remaining == 3
    assert c.projected.value == 200 and c.points == F(3, 10)
    assert c.band == "≥ 52/năm"
    assert c.need.per_month == 1 and c.need.text == "thêm 1 tin bài mỗi tháng đến 14/12 → 0,50 điểm"
    assert c.risk == "up"  # 1 a month is within a tenth of ~17 a month (2)
    g = proj(ds, 9).get("7.4.2")
    assert g.figures.months == 3
    assert g.projected.rate == F(23, 30) and g.points == F(23, 30) * F(5, 2)


def test_a_month_missing_in_between_is_filled_at_the_pace():
    rows = months("GDTRH", {"dossiers_resolved": 10, "dossiers_resolved_on_time": 10}, 1, 2)
    ds = dataset(rows)
    c = proj(ds, 3).get("3.4.2")
    assert c.figures.months == 2
    assert c.figures.projected["dossiers_resolved"] == 120
    assert c.points == F(3, 2)


def test_a_stock_criterion_cannot_change_by_pace():
    """27 of 28 procedures published: the cut-off sees 27/28 (0 points) whatever the pace;
    what it takes is one more procedure, once, not a monthly effort; no risk by pace."""
    rows = [("GDTRH", m, "procedures_total", 28) for m in range(1, 10)]
    rows += [("GDTRH", m, "procedures_internal_process_published", 28 if m < 6 else 27) for m in range(1, 10)]
    c = proj(dataset(rows), 9).get("3.3.2")
    assert c.figures.as_of == Period.month(2023, 9)
    assert c.figures.projected == {"procedures_total": 28, "procedures_internal_process_published": 27}
    assert c.points == 0 and not c.by_pace
    assert c.need.total == 1 and c.need.per_month is None
    assert c.need.text.startswith("thêm 1 TTHC công bố quy trình nội bộ trước 14/12")
    assert c.risks == ()


def test_a_running_total_is_extended_but_never_beyond_its_whole():
    rows = [("GDTRH", m, "procedures_online_l34", 21) for m in range(1, 4)]
    rows += [("GDTRH", m, "procedures_online_l34_with_dossiers", 2 * m) for m in range(1, 4)]
    c = proj(dataset(rows), 3).get("7.4.1")
    assert c.now.rate == F(6, 21) and c.now_points == 0
    assert c.figures.projected["procedures_online_l34_with_dossiers"] == 21  # 6 × 12 / 3 = 24, capped at 21
    assert c.points == F(1, 10)


def test_a_partial_month_makes_the_criterion_missing_and_names_it():
    rows = months("GDTRH", {"dossiers_resolved": 20, "dossiers_resolved_on_time": 19}, 1, 2)
    rows += [("GDTRH", 3, "dossiers_resolved", 20)]
    c = proj(dataset(rows), 3).get("3.4.2")
    assert c.status == "missing_data"
    assert c.figures.problem == "tháng 3/2023 thiếu «Số hồ sơ TTHC giải quyết đúng hạn»"
    assert c.figures.blanks == ("dossiers_resolved_on_time",)


def test_blank_part_over_a_zero_whole_counts_as_zero():
    rows = months("GDTRH", {"dossiers_overdue": 0}, 1, 2) + [("GDTRH", 3, "dossiers_overdue", 2),
                                                             ("GDTRH", 3, "dossiers_overdue_apologized", 2)]
    c = proj(dataset(rows), 3).get("3.4.3")
    assert c.figures.months == 3 and c.points == F(1, 2)


def test_department_sums_units_at_their_own_pace_and_takes_vp_figures_from_vp():
    rows = months("GDTRH", {"dossiers_resolved": 30, "dossiers_resolved_on_time": 30}, 1, 6)
    rows += months("KTKD", {"dossiers_resolved": 10, "dossiers_resolved_on_time": 8}, 1, 3)
    rows += months("VP", {"portal_news_posts": 20}, 1, 6) + months("GDTH", {"portal_news_posts": 1}, 1, 6)
    rows += [("GDMN", 1, "dossiers_resolved", 5)]  # a partial month: left out, named
    pr = project(dataset(rows), CAT, REG, Period.month(2023, 6))
    c = pr.get("3.4.2")
    assert c.figures.projected["dossiers_resolved"] == 30 * 12 + 10 * 12
    assert c.figures.projected["dossiers_resolved_on_time"] == 30 * 12 + 8 * 12
    assert c.figures.left_out == ("GDMN",)
    assert c.projected.rate == F(456, 480)
    assert pr.get("7.3").figures.projected["portal_news_posts"] == 240  # VP's only (department rule vp)


@pytest.mark.parametrize("unit", [GDTRH, VP, REG.get("THPT_THAIPHIEN"), None])
def test_at_twelve_months_the_projection_is_the_years_scorecard(unit):
    """Nothing is left to extrapolate in December when every month is in: the
    projection is the year's scorecard, criterion by criterion (same combiner,
    same rules); where a month is missing it is filled at the pace instead."""
    ds = Dataset(sample_observations(CAT, REG, 2023))
    pr = project(ds, CAT, REG, Period.month(2023, 12), unit)
    year = Period(2023, "year")
    card = score_unit(ds, CAT, unit, year) if unit else score_department(ds, CAT, year, REG)
    assert pr.remaining == 0
    assert [c.code for c in pr.criteria] == [c.code for c in card.criteria]
    compared = 0
    for c in card.criteria:
        p = pr.get(c.code)
        if c.months is None or c.months[0] == 12:
            assert (p.status, p.points) == (c.status, c.points), c.code
            compared += 1
    assert compared >= 12


def test_evaluate_keeps_exact_ratios_with_fractional_counts():
    crit = CAT.criterion("3.4.2")
    o = evaluate(crit, {"dossiers_resolved": F(200, 3), "dossiers_resolved_on_time": F(190, 3)}, 12, CAT)
    assert o.rate == F(95, 100) and o.points == F(57, 40)


def test_json_has_the_figures_of_each_criterion():
    ds = dataset(months("GDTRH", {"dossiers_resolved": 20, "dossiers_resolved_on_time": 19}))
    doc = proj(ds, 9).to_dict()
    c = next(x for x in doc["criteria"] if x["code"] == "3.4.2")
    assert doc["through"] == "2023-09" and doc["cutoff"] == "2023-12-14" and doc["remaining_months"] == 3
    assert c["points"] == pytest.approx(1.425) and c["risk"] == "down" and c["months"] == 9
    assert c["values"] == {"dossiers_resolved": 240, "dossiers_resolved_on_time": 228}


def test_unit_figures_read_only_up_to_through():
    ds = dataset(months("GDTRH", {"dossiers_resolved": 20, "dossiers_resolved_on_time": 20}, 1, 12))
    f = unit_figures(ds, CAT, CAT.criterion("3.4.2"), "GDTRH", 2023, 4)
    assert f.months == 4 and f.now["dossiers_resolved"] == 80
    assert latest_month(ds, 2023) == Period.month(2023, 12)


@pytest.mark.parametrize("text, cut, left", [("", date(2023, 12, 14), "14/12"),
                                             ("cutoff_day: end_of_month\n", date(2023, 12, 31), "31/12"),
                                             ("cutoff_day: 20\n", date(2023, 12, 20), "20/12")])
def test_the_cut_off_follows_the_reporting_setting(tmp_path, text, cut, left):
    (tmp_path / "params").mkdir()
    if text:
        (tmp_path / "params" / "reporting.yaml").write_text(text, encoding="utf-8")
    ds = dataset(months("GDTRH", {"dossiers_resolved": 20, "dossiers_resolved_on_time": 18}, 1, 3))
    pr = project(ds, CAT, REG, Period.month(2023, 3), GDTRH, load_cutoff(tmp_path))
    assert pr.cutoff == cut
    assert pr.get("3.4.2").need.text == f"thêm 2 hồ sơ giải quyết đúng hạn mỗi tháng đến {left} → 1,43 điểm"
    assert project(ds, CAT, REG, Period.month(2023, 3), GDTRH).cutoff == Cutoff().closing(2023, 12)
