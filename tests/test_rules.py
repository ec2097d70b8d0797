"""Every criterion of the 2023 plan at every band edge the plan names.

Expected points are written from the plan (section II of the seed document)
and the contract's section 4, as exact fractions: F("1.425") is 57/40.
"""
from __future__ import annotations

import itertools
from fractions import Fraction as F

import pytest

from cchc_lib.core.periods import Period
from cchc_lib.core.rules import MISSING, NOT_APPLICABLE, SCORED, TRACKED
from cchc_lib.core.scoring import score_unit
from scoring_helpers import CAT, REG, dataset, evaluate, month_rows

# (code, numerator, denominator) of every ratio criterion with points.
RATIO = {
    "3.3.2": ("procedures_internal_process_published", "procedures_total"),
    "3.3.3": ("procedures_public_at_desk", "procedures_total"),
    "3.3.4": ("procedures_public_on_portal", "procedures_total"),
    "3.4.1": ("procedures_via_one_stop", "procedures_total"),
    "3.4.2": ("dossiers_resolved_on_time", "dossiers_resolved"),
    "3.4.3": ("dossiers_overdue_apologized", "dossiers_overdue"),
    "3.4.5": ("feedback_handled", "feedback_received"),
    "3.5": ("dossiers_results_digitized", "dossiers_resolved"),
    "PC.2": ("decentralization_issues_handled", "decentralization_issues_found"),
    "7.1.4": ("docs_electronic_signed", "docs_electronic"),
    "7.4.1": ("procedures_online_l34_with_dossiers", "procedures_online_l34"),
    "7.4.2": ("dossiers_online_l34", "dossiers_received"),
    "7.5.1": ("procedures_with_bcci_dossiers", "procedures_with_dossiers"),
    "7.5.2": ("dossiers_received_bcci", "dossiers_received"),
    "7.5.3": ("dossiers_returned_bcci", "dossiers_resolved"),
    "7.7.1": ("procedures_iso", "procedures_total"),
    "7.7.2": ("dossiers_iso_compliant", "dossiers_resolved"),
    "8.1": ("city_tasks_done", "city_tasks_assigned"),
    "8.2": ("city_tasks_done_on_time", "city_tasks_assigned"),
}
TRACKED_RATIO = {
    "7.1.1": ("dossiers_tracked_in_system", "dossiers_received"),
    "7.1.2": ("procedures_with_e_workflow", "procedures_in_system"),
    "7.1.5": ("dx_plan_tasks_done", "dx_plan_tasks"),
}
BOOLEAN = {"3.1": ("tthc_control_plan_done", "0.25"), "3.3.5": ("hotline_posted", "0.25"),
           "3.3.6": ("desk_staff_list_posted", "0.25"), "PC.1": ("decentralization_inspected", "0.5"),
           "7.6.1": ("iso_applied", "0.4"), "7.6.2": ("iso_announced", "0.3"), "7.6.4": ("iso_training_done", "0.3")}
WHEN_NONE_FULL = {"3.4.3", "3.4.5", "PC.2"}

# (code, numerator, denominator, expected points): each band edge of the plan,
# and the value just below it.
RATIO_CASES = [
    # 3.3.2–3.3.4, 3.4.1, 7.7.1: 100% → full, anything less → 0
    ("3.3.2", 20, 20, "0.5"), ("3.3.2", 19, 20, "0"), ("3.3.2", 999, 1000, "0"), ("3.3.2", 0, 20, "0"),
    ("3.3.3", 20, 20, "0.25"), ("3.3.3", 999, 1000, "0"),
    ("3.3.4", 20, 20, "0.25"), ("3.3.4", 999, 1000, "0"),
    ("3.4.1", 12, 12, "0.5"), ("3.4.1", 11, 12, "0"),
    ("7.7.1", 15, 15, "0.5"), ("7.7.1", 14, 15, "0"),
    # 3.4.2: ≥ 95% → rate × 1.5; below → 0
    ("3.4.2", 9499, 10000, "0"), ("3.4.2", 95, 100, "1.425"), ("3.4.2", 57, 60, "1.425"),
    ("3.4.2", 56, 60, "0"), ("3.4.2", 97, 100, "1.455"), ("3.4.2", 100, 100, "1.5"), ("3.4.2", 0, 10, "0"),
    # 3.4.3: every overdue dossier apologised → 0.5, else 0
    ("3.4.3", 4, 4, "0.5"), ("3.4.3", 3, 4, "0"),
    # 3.4.5: 100% → 0.5; 90% ≤ rate < 100% → 0.25; below 90% → 0
    ("3.4.5", 10, 10, "0.5"), ("3.4.5", 9, 10, "0.25"), ("3.4.5", 999, 1000, "0.25"),
    ("3.4.5", 899, 1000, "0"), ("3.4.5", 0, 10, "0"),
    # 3.5: ≥ 70% → rate × 1; below → 0
    ("3.5", 699, 1000, "0"), ("3.5", 70, 100, "0.7"), ("3.5", 85, 100, "0.85"), ("3.5", 100, 100, "1"),
    # PC.2: 100% handled → 0.5, else 0
    ("PC.2", 3, 3, "0.5"), ("PC.2", 2, 3, "0"),
    # 7.1.4: ≥ 80% → 1; ≥ 60% → 0.5; ≥ 40% → 0.25; below → 0
    ("7.1.4", 399, 1000, "0"), ("7.1.4", 40, 100, "0.25"), ("7.1.4", 599, 1000, "0.25"),
    ("7.1.4", 60, 100, "0.5"), ("7.1.4", 799, 1000, "0.5"), ("7.1.4", 80, 100, "1"), ("7.1.4", 100, 100, "1"),
    # 7.4.1: ≥ 60% → 0.1
    ("7.4.1", 599, 1000, "0"), ("7.4.1", 60, 100, "0.1"), ("7.4.1", 10, 10, "0.1"),
    # 7.4.2: ≥ 80% → 2.5; 40% ≤ rate < 80% → rate × 2.5; below 40% → 0
    ("7.4.2", 399, 1000, "0"), ("7.4.2", 40, 100, "1.0"), ("7.4.2", 799, 1000, "1.9975"),
    ("7.4.2", 80, 100, "2.5"), ("7.4.2", 100, 100, "2.5"), ("7.4.2", 1, 2, "1.25"),
    # 7.5.1: ≥ 75% → 0.1; ≥ 50% → 0.05
    ("7.5.1", 499, 1000, "0"), ("7.5.1", 50, 100, "0.05"), ("7.5.1", 749, 1000, "0.05"), ("7.5.1", 75, 100, "0.1"),
    # 7.5.2: ≥ 20% → 0.2; ≥ 15% → 0.1
    ("7.5.2", 149, 1000, "0"), ("7.5.2", 15, 100, "0.1"), ("7.5.2", 199, 1000, "0.1"), ("7.5.2", 20, 100, "0.2"),
    # 7.5.3: ≥ 20% → 0.5; ≥ 15% → 0.3
    ("7.5.3", 149, 1000, "0"), ("7.5.3", 15, 100, "0.3"), ("7.5.3", 199, 1000, "0.3"), ("7.5.3", 20, 100, "0.5"),
    # 7.7.2: 100% → 1; ≥ 95% → 0.5; below → 0
    ("7.7.2", 949, 1000, "0"), ("7.7.2", 95, 100, "0.5"), ("7.7.2", 999, 1000, "0.5"), ("7.7.2", 50, 50, "1"),
    # 8.1, 8.2: rate × 2.5
    ("8.1", 0, 4, "0"), ("8.1", 1, 4, "0.625"), ("8.1", 2, 3, F(5, 3)), ("8.1", 4, 4, "2.5"),
    ("8.2", 0, 3, "0"), ("8.2", 1, 2, "1.25"), ("8.2", 3, 3, "2.5"),
]


def test_every_scored_criterion_has_cases():
    """The table above covers every ratio criterion the catalogue has."""
    ratio_codes = {c.code for c in CAT.criteria if c.rule_name == "ratio_bands"}
    assert ratio_codes == set(RATIO)
    assert {code for code, *_ in RATIO_CASES} == set(RATIO)


@pytest.mark.parametrize("code,num,den,expected", RATIO_CASES, ids=[f"{c}-{n}/{d}" for c, n, d, _ in RATIO_CASES])
def test_ratio_band_edges(code, num, den, expected):
    n_ind, d_ind = RATIO[code]
    out = evaluate(code, **{n_ind: num, d_ind: den})
    assert out.status == SCORED
    assert out.points == F(expected)
    assert out.rate == F(num, den)


@pytest.mark.parametrize("code", sorted(RATIO))
def test_ratio_indicators_match_contract(code):
    """Numerator and denominator of each ratio are the contract's."""
    c = CAT.criterion(code)
    assert (c.spec.numerator, c.spec.denominator) == RATIO[code]


# ---------------------------------------------------------------- 7.1.3

@pytest.mark.parametrize("a,b,c,expected", [
    (100, 100, 0, "1"),          # all electronic only → 1
    (100, 0, 100, "0.5"),        # all electronic with paper → 0.5
    (100, 0, 0, "0"),            # all on paper → 0
    (100, 60, 30, "0.75"),       # 0.6 × 1 + 0.3 × 0.5
    (3, 1, 1, "0.5"),            # 1/3 + 1/6
    (7, 7, 0, "1"),
])
def test_7_1_3_weighted_formula(a, b, c, expected):
    out = evaluate("7.1.3", docs_out_total=a, docs_out_electronic_only=b, docs_out_electronic_and_paper=c)
    assert out.status == SCORED
    assert out.points == F(expected)


def test_7_1_3_b_plus_c_above_a_stored_anyway_is_missing_data_not_a_refusal():
    """Intake refuses b + c > a; a dataset that has it anyway is still scored:
    the criterion is missing data saying why."""
    ds = dataset(month_rows("GDTH", 1, {"docs_out_total": 100, "docs_out_electronic_only": 60,
                                        "docs_out_electronic_and_paper": 50}))
    c = score_unit(ds, CAT, REG.get("GDTH"), Period.parse("2023-01")).get("7.1.3")
    assert c.status == MISSING
    assert "docs_out_electronic_only (60) + docs_out_electronic_and_paper (50)" in c.outcome.detail
    assert "docs_out_total (100)" in c.outcome.detail


# ---------------------------------------------------------------- checklists, booleans, levels

@pytest.mark.parametrize("nd43,law,spokes", list(itertools.product([True, False], repeat=3)))
def test_7_2_checklist(nd43, law, spokes):
    out = evaluate("7.2", info_nd43_published=nd43, info_access_law_published=law, spokesperson_list_published=spokes)
    assert out.status == SCORED
    assert out.points == F("0.5") * nd43 + F("0.3") * law + F("0.1") * spokes


@pytest.mark.parametrize("updates,audit", list(itertools.product([True, False], repeat=2)))
def test_7_6_3_checklist(updates, audit):
    out = evaluate("7.6.3", iso_legal_updates_timely=updates, iso_internal_audit_done=audit)
    assert out.points == F("0.5") * updates + F("0.5") * audit


@pytest.mark.parametrize("code", sorted(BOOLEAN))
@pytest.mark.parametrize("value", [True, False])
def test_boolean_criteria(code, value):
    ind, pts = BOOLEAN[code]
    out = evaluate(code, **{ind: value})
    assert out.status == SCORED
    assert out.points == (F(pts) if value else 0)


@pytest.mark.parametrize("level,expected", [("xuat_sac", "1"), ("tot", "0.5"), ("kha", "0.25"),
                                            ("trung_binh", "0"), ("yeu", "0")])
def test_3_4_4_levels(level, expected):
    assert evaluate("3.4.4", service_quality_rating=level).points == F(expected)


@pytest.mark.parametrize("level,expected", [("day_du", "0.5"), ("chua_day_du", "0.25"), ("khong", "0")])
def test_7_6_5_levels(level, expected):
    assert evaluate("7.6.5", iso_risk_assessment=level).points == F(expected)


# ---------------------------------------------------------------- conditional rules 3.2 and 3.3.1

R32 = ("tthc_review_done", "tthc_review_report_on_time", "tthc_review_issues_found", "tthc_review_issues_handled")


@pytest.mark.parametrize("done,on_time,found,handled,expected", [
    (False, True, 3, 3, "0"),       # no review → 0 whatever else
    (False, None, None, None, "0"),  # no review, nothing else reported → still 0, not missing
    (True, True, 3, 3, "0.5"),      # reviewed, report on time, 100% handled
    (True, True, 0, 0, "0.5"),      # nothing found counts as 100% handled
    (True, True, 0, None, "0.5"),   # ... and then "handled" need not be reported
    (True, False, 0, None, "0.25"),
    (True, False, 3, 3, "0.25"),    # report late
    (True, True, 3, 2, "0.25"),     # below 100% handled
    (True, False, 3, 0, "0.25"),    # late and not handled
])
def test_3_2_review_handling(done, on_time, found, handled, expected):
    out = evaluate("3.2", **dict(zip(R32, (done, on_time, found, handled))))
    assert out.status == SCORED
    assert out.points == F(expected)


def test_3_2_issues_found_without_handled_is_missing():
    out = evaluate("3.2", tthc_review_done=True, tthc_review_report_on_time=True, tthc_review_issues_found=2)
    assert out.status == MISSING and out.missing == ("tthc_review_issues_handled",)


def test_3_2_reviewed_without_report_is_missing():
    out = evaluate("3.2", tthc_review_done=True, tthc_review_issues_found=1, tthc_review_issues_handled=1)
    assert out.status == MISSING
    assert out.missing == ("tthc_review_report_on_time",)


@pytest.mark.parametrize("complete,on_time,expected", [
    (True, True, "0.5"), (True, False, "0.25"), (False, True, "0"), (False, False, "0"), (False, None, "0")])
def test_3_3_1_complete_on_time(complete, on_time, expected):
    out = evaluate("3.3.1", catalog_complete=complete, catalog_on_time=on_time)
    assert out.status == SCORED
    assert out.points == F(expected)


def test_3_3_1_complete_but_timeliness_unknown_is_missing():
    assert evaluate("3.3.1", catalog_complete=True).status == MISSING


# ---------------------------------------------------------------- 7.3, annualised

@pytest.mark.parametrize("months,count,expected", [
    # a year
    (12, 0, "0"), (12, 11, "0"), (12, 12, "0.2"), (12, 51, "0.2"), (12, 52, "0.3"),
    (12, 199, "0.3"), (12, 200, "0.3"), (12, 201, "0.5"),
    # a quarter: n = count × 4
    (3, 2, "0"), (3, 3, "0.2"), (3, 12, "0.2"), (3, 13, "0.3"), (3, 50, "0.3"), (3, 51, "0.5"),
    # a half-year: n = count × 2
    (6, 5, "0"), (6, 6, "0.2"), (6, 25, "0.2"), (6, 26, "0.3"), (6, 100, "0.3"), (6, 101, "0.5"),
    # a month: n = count × 12
    (1, 0, "0"), (1, 1, "0.2"), (1, 4, "0.2"), (1, 5, "0.3"), (1, 16, "0.3"), (1, 17, "0.5"),
])
def test_7_3_annualised_count(months, count, expected):
    out = evaluate("7.3", months=months, portal_news_posts=count)
    assert out.status == SCORED
    assert out.points == F(expected)
    assert out.value == F(count * 12, months)


# ---------------------------------------------------------------- tracked

@pytest.mark.parametrize("code", sorted(TRACKED_RATIO))
def test_tracked_shows_rate_without_points(code):
    n_ind, d_ind = TRACKED_RATIO[code]
    out = evaluate(code, **{n_ind: 9, d_ind: 12})
    assert out.status == TRACKED
    assert out.rate == F(3, 4)
    assert out.points == 0
    assert CAT.criterion(code).max_points == 0


# ---------------------------------------------------------------- when none

@pytest.mark.parametrize("code", sorted(set(RATIO) | set(TRACKED_RATIO) | {"7.1.3"}))
def test_when_none(code):
    c = CAT.criterion(code)
    den = c.spec.denominator
    nums = [i for i in c.indicators if i != den]
    out = evaluate(code, **{den: 0, **{n: 0 for n in nums}})
    if code in WHEN_NONE_FULL:
        assert out.status == SCORED
        assert out.points == c.max_points
    else:
        assert out.status == NOT_APPLICABLE
        assert out.points == 0


def test_when_none_full_set_is_the_contracts():
    assert {c.code for c in CAT.criteria if c.when_none == "full"} == WHEN_NONE_FULL


# ---------------------------------------------------------------- missing data

@pytest.mark.parametrize("code", [c.code for c in CAT.criteria])
def test_missing_indicator_is_missing_data(code):
    out = evaluate(code)
    assert out.status == MISSING
    assert out.points == 0
    assert out.missing and set(out.missing) <= set(CAT.criterion(code).indicators)


def test_missing_data_counts_toward_the_maximum():
    """A phòng that reported nothing for 3.4.2 keeps its 1.5 in the maximum."""
    ds = dataset([("GDTH", 1, "hotline_posted", True)])
    card = score_unit(ds, CAT, REG.get("GDTH"), Period.parse("2023-01"))
    c = card.get("3.4.2")
    assert c.status == MISSING and c.points == 0 and c.counts_toward_max
    scored_max = sum((x.max_points for x in card.criteria), F(0))
    assert card.max_points == scored_max  # nothing applicable was removed
    # 3.3.5 (hotline) is Văn phòng's, but GDTH reported it: scored, the rest missing
    assert card.points == F("0.25")
    assert [x.code for x in card.criteria if x.status == SCORED] == ["3.3.5"]


# ---------------------------------------------------------------- gaps

def test_gap_3_4_2_to_reach_95_percent():
    out = evaluate("3.4.2", dossiers_resolved=60, dossiers_resolved_on_time=54)
    assert out.points == 0
    assert out.gap.amount == 3 and out.gap.indicator == "dossiers_resolved_on_time"
    assert out.gap.target_points == F("1.425")
    assert "thêm 3 hồ sơ giải quyết đúng hạn" in out.gap.text
    assert "95,0%" in out.gap.text
    # and the gap really gets there: 57 of 60 scores 1.425
    assert evaluate("3.4.2", dossiers_resolved=60, dossiers_resolved_on_time=57).points == F("1.425")


def test_gap_3_4_2_not_a_whole_percent():
    """95% of 101 is 95.95: 96 on time are needed."""
    out = evaluate("3.4.2", dossiers_resolved=101, dossiers_resolved_on_time=90)
    assert out.gap.amount == 6


def test_no_gap_at_maximum():
    assert evaluate("3.4.2", dossiers_resolved=60, dossiers_resolved_on_time=60).gap is None
    assert evaluate("7.3", portal_news_posts=250).gap is None
    assert evaluate("3.4.4", service_quality_rating="xuat_sac").gap is None


def test_gap_7_4_2_to_the_next_band():
    out = evaluate("7.4.2", dossiers_received=100, dossiers_online_l34=30)
    assert out.gap.amount == 10 and out.gap.target_points == F(1)
    out = evaluate("7.4.2", dossiers_received=100, dossiers_online_l34=70)
    assert out.gap.amount == 10 and out.gap.target_points == F("2.5")


def test_gap_7_3_posts_in_a_year():
    out = evaluate("7.3", portal_news_posts=40)
    assert out.points == F("0.2")
    assert out.gap.amount == 12 and "thêm 12 tin bài" in out.gap.text
    assert out.gap.target_points == F("0.3")


def test_gap_7_3_posts_in_a_quarter():
    """52 a year is 13 a quarter: 10 posts need 3 more."""
    out = evaluate("7.3", months=3, portal_news_posts=10)
    assert out.gap.amount == 3 and "thêm 3 tin bài" in out.gap.text


def test_gap_7_3_from_nothing_reaches_the_first_band():
    out = evaluate("7.3", portal_news_posts=0)
    assert out.gap.amount == 12 and out.gap.target_points == F("0.2")


def test_gap_level():
    out = evaluate("3.4.4", service_quality_rating="kha")
    assert "chuyển mức Khá → Tốt" in out.gap.text
    assert out.gap.target_points == F("0.5")
    assert "chuyển mức Trung bình → Khá" in evaluate("3.4.4", service_quality_rating="trung_binh").gap.text
    assert "chuyển mức Chưa đầy đủ → Đầy đủ" in evaluate("7.6.5", iso_risk_assessment="chua_day_du").gap.text


def test_gap_3_4_5_below_90_percent():
    out = evaluate("3.4.5", feedback_received=20, feedback_handled=15)
    assert out.gap.amount == 3 and out.gap.target_points == F("0.25")
