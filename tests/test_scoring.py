"""Scorecards (contract section 5) on combined values; the combining rules of
section 3 (v2) have their own tables in test_contract_v2.py."""
from __future__ import annotations

import random
from fractions import Fraction as F

import pytest

from cchc_lib.core.dataset import Dataset
from cchc_lib.intake.sample import sample_observations
from cchc_lib.core.periods import Period
from cchc_lib.core.rules import MISSING, NOT_APPLICABLE, SCORED, TRACKED
from cchc_lib.core.scoring import Scorecard, ranking, score_all, score_department, score_unit
from scoring_helpers import CAT, REG, dataset, month_rows

YEAR, Q1 = Period.parse("2023"), Period.parse("2023-Q1")


def perfect_figures(kind: str) -> dict:
    """Every indicator of the kind at its best: the maximum everywhere."""
    out = {}
    for i in CAT.indicators_for_kind(kind):
        ind = CAT.indicators[i]
        if ind.kind == "bool":
            out[i] = True
        elif ind.kind == "level":
            out[i] = ind.levels[0].code
        else:
            out[i] = 0 if i == "docs_out_electronic_and_paper" else 20
    return out


def perfect_rows(unit: str, months=range(1, 13)):
    kind = REG.get(unit).kind
    return [r for m in months for r in month_rows(unit, m, perfect_figures(kind))]


# ---------------------------------------------------------------- rates from combined counts

def test_annual_rate_from_summed_counts_not_averaged_rates():
    """January 10/10 on time (100%), February 90/100 (90%): the average of the
    monthly rates is 95% (→ 1.425) but the quarter's rate is 100/110 = 90.9%,
    below the 95% band: 0 points."""
    ds = dataset([("GDTH", 1, "dossiers_resolved", 10), ("GDTH", 1, "dossiers_resolved_on_time", 10),
                  ("GDTH", 2, "dossiers_resolved", 100), ("GDTH", 2, "dossiers_resolved_on_time", 90)])
    c = score_unit(ds, CAT, REG.get("GDTH"), Q1).get("3.4.2")
    assert c.outcome.rate == F(100, 110)
    assert c.points == 0
    # and the other way round: 99/100 and 0/1 average 49.5%, the sum 99/101 is ≥ 95%
    ds = dataset([("GDTH", 1, "dossiers_resolved", 100), ("GDTH", 1, "dossiers_resolved_on_time", 99),
                  ("GDTH", 2, "dossiers_resolved", 1), ("GDTH", 2, "dossiers_resolved_on_time", 0)])
    c = score_unit(ds, CAT, REG.get("GDTH"), Q1).get("3.4.2")
    assert c.outcome.rate == F(99, 101)
    assert c.points == F(99, 101) * F("1.5")


def test_department_rate_from_summed_counts_over_units():
    """GDTH 19/20 (95%), GDTRH 90/100 (90%): the department's rate is
    109/120 = 90.8%, not the 92.5% mean of the two rates."""
    ds = dataset([("GDTH", 1, "dossiers_resolved", 20), ("GDTH", 1, "dossiers_resolved_on_time", 19),
                  ("GDTRH", 1, "dossiers_resolved", 100), ("GDTRH", 1, "dossiers_resolved_on_time", 90)])
    dept = score_department(ds, CAT, Q1, REG)
    assert dept.get("3.4.2").outcome.rate == F(109, 120)
    assert dept.get("3.4.2").points == 0
    assert score_unit(ds, CAT, REG.get("GDTH"), Q1).get("3.4.2").points == F("1.425")


def test_7_3_annualised_over_the_period():
    ds = dataset([("GDTH", m, "portal_news_posts", 4) for m in range(1, 13)])
    # a quarter: 12 posts ≈ 48 a year → 0.2; the year: 48 → 0.2; one month: 4 ≈ 48 → 0.2
    for p, pts in (("2023-Q1", "0.2"), ("2023", "0.2"), ("2023-05", "0.2"), ("2023-H1", "0.2")):
        assert score_unit(ds, CAT, REG.get("GDTH"), Period.parse(p)).get("7.3").points == F(pts)
    # annualised over the complete months (v2): 4 posts in January alone is 48 a year, 5 is 60
    ds = dataset([("GDTH", 1, "portal_news_posts", 4), ("GDTH", 2, "portal_news_posts", 9)])
    assert score_unit(ds, CAT, REG.get("GDTH"), Q1).get("7.3").points == F("0.3")  # 13 in 2 months ≈ 78
    assert score_unit(ds, CAT, REG.get("GDTH"), Q1).get("7.3").months == (2, 3)
    assert score_unit(ds, CAT, REG.get("GDTH"), Period.parse("2023-01")).get("7.3").points == F("0.2")


# ---------------------------------------------------------------- department rules

def test_department_bool_and_level_over_units():
    """`all` (3.2's review): every unit counted must have done it; `vp` (3.3.6,
    3.4.4): the Văn phòng Sở's own answer, whatever the other units say."""
    ds = dataset([("GDTH", 1, "desk_staff_list_posted", False), ("VP", 1, "desk_staff_list_posted", True),
                  ("GDTH", 1, "service_quality_rating", "kha"), ("VP", 1, "service_quality_rating", "xuat_sac"),
                  ("THPT_TRANPHU", 2, "service_quality_rating", "yeu")])
    dept = score_department(ds, CAT, Q1, REG)
    assert dept.get("3.3.6").points == F("0.25")        # the office's desk, not GDTH's
    assert dept.get("3.4.4").outcome.value == "xuat_sac"  # the city's rating of the department
    assert dept.get("3.4.4").points == F(1)
    review = [(u, 3, "tthc_review_done", True) for u in ("GDTH", "GDTRH")] + \
             [(u, 4, "tthc_review_report_on_time", True) for u in ("GDTH", "GDTRH")] + \
             [(u, 3, "tthc_review_issues_found", 0) for u in ("GDTH", "GDTRH")]
    assert score_department(dataset(review), CAT, Period.parse("2023-H1"), REG).get("3.2").points == F("0.5")
    review.append(("KHTC", 3, "tthc_review_done", False))
    review.append(("KHTC", 3, "tthc_review_issues_found", 0))
    review.append(("KHTC", 4, "tthc_review_report_on_time", "kps"))
    assert score_department(dataset(review), CAT, Period.parse("2023-H1"), REG).get("3.2").points == 0


# ---------------------------------------------------------------- scorecards

def test_unit_scorecard_covers_its_kind_plus_fully_reported():
    ds = dataset(perfect_rows("VP", [1]) + [("VP", 1, "dossiers_resolved_on_time", 5)])
    card = score_unit(ds, CAT, REG.get("VP"), Period.parse("2023-01"))
    kind_codes = {c.code for c in CAT.criteria_for_kind("van_phong")}
    reported = set(CAT.indicators_for_kind("van_phong")) | {"dossiers_resolved_on_time"}
    codes = [c.code for c in card.criteria]
    # dossiers_resolved is reported for 7.5.3/7.7.2, on-time added: 3.4.2 fully reported;
    # the office also reports the department's own facts (3.4.4, 7.4.1, 7.5.1)
    assert set(codes) == kind_codes | {c.code for c in CAT.criteria if set(c.indicators) <= reported}
    assert {"3.4.2", "3.4.4", "7.4.1", "7.5.1"} <= set(codes)
    assert codes == [c.code for c in CAT.criteria if c.code in set(codes)]  # catalogue order
    # 3.5 shares dossiers_resolved but VP gave no digitised figure: not in its card
    assert "3.5" not in codes
    assert card.get("3.4.2").outcome.rate == F(5, 20)


def test_unit_without_data_gets_its_kinds_criteria_all_missing():
    card = score_unit(dataset([]), CAT, REG.get("TTR"), Q1)
    assert [c.code for c in card.criteria] == [c.code for c in CAT.criteria_for_kind("thanh_tra")]
    assert {c.status for c in card.criteria} == {MISSING}
    assert card.points == 0 and card.max_points == sum((c.max_points for c in card.criteria), F(0))
    assert card.percent == 0


def test_perfect_department_reaches_24_55():
    rows = [r for u in REG.codes for r in perfect_rows(u)]
    ds = dataset(rows)
    dept = score_department(ds, CAT, YEAR, REG)
    assert dept.unit is None and dept.to_dict()["unit"] is None
    assert [c.code for c in dept.criteria] == [c.code for c in CAT.criteria]
    assert dept.max_points == F("24.55") == dept.points
    assert {d.code: d.max_points for d in dept.domains} == {"3": F("8.75"), "7": F("10.8"), "8": F("5.0")}
    assert {d.code: d.points for d in dept.domains} == {"3": F("8.75"), "7": F("10.8"), "8": F("5.0")}
    assert dept.percent == 100
    assert {c.code for c in dept.criteria if c.status == TRACKED} == {"7.1.1", "7.1.2", "7.1.5"}
    for u in REG:
        card = score_unit(ds, CAT, u, YEAR)
        assert card.points == card.max_points
        if u.kind != CAT.office_kind:  # the office's card also has the department's own facts
            assert card.max_points == sum((c.max_points for c in CAT.criteria_for_kind(u.kind)), F(0))


def test_not_applicable_removed_from_the_maximum_and_percent():
    """GDTH: 3.4.2 with no dossier is n/a: its 1.5 leaves the maximum; 3.5
    shares the denominator and goes too; 3.4.3 with no overdue is full."""
    figures = perfect_figures("phong") | {"dossiers_resolved": 0, "dossiers_resolved_on_time": 0,
                                          "dossiers_results_digitized": 0, "dossiers_overdue": 0,
                                          "dossiers_overdue_apologized": 0, "dossiers_returned_bcci": 0,
                                          "dossiers_iso_compliant": 0, "iso_applied": False}
    ds = dataset(month_rows("GDTH", 1, figures))
    card = score_unit(ds, CAT, REG.get("GDTH"), Period.parse("2023-01"))
    na = {c.code for c in card.criteria if c.status == NOT_APPLICABLE}
    assert na == {"3.4.2", "3.5", "7.5.3", "7.7.2"}
    assert card.get("3.4.3").status == SCORED and card.get("3.4.3").points == F("0.5")
    full = sum((c.max_points for c in CAT.criteria_for_kind("phong")), F(0))
    assert card.max_points == full - F("1.5") - F(1) - F("0.5") - F(1)
    assert card.points == card.max_points - F("0.4")  # only 7.6.1 lost
    assert card.percent == pytest.approx(float(card.points / card.max_points * 100), abs=1e-12)
    d7 = next(d for d in card.domains if d.code == "7")
    assert d7.max_points == sum((c.max_points for c in CAT.criteria_for_kind("phong") if c.domain == "7"), F(0)) \
        - F("0.5") - F(1)
    assert d7.points == d7.max_points - F("0.4")


def test_domain_subtotals_add_up():
    ds = Dataset(sample_observations(CAT, REG, 2023))
    dept, cards = score_all(ds, CAT, REG, Q1)
    for card in [dept, *cards]:
        assert sum((d.points for d in card.domains), F(0)) == card.points
        assert sum((d.max_points for d in card.domains), F(0)) == card.max_points
        for d in card.domains:
            mine = [c for c in card.criteria if c.criterion.domain == d.code]
            assert d.points == sum((c.points for c in mine), F(0))
        for c in card.criteria:
            assert 0 <= c.points <= c.max_points
            if c.status != SCORED:
                assert c.points == 0 and c.to_dict()["points"] == 0


def test_ranking_with_ties():
    """Two perfect offices tie for first; the school with nothing but 7.3 low
    is third; a unit with nothing applicable comes last, unranked."""
    rows = perfect_rows("GDTH", [1]) + perfect_rows("GDMN", [1]) + perfect_rows("KHTC", [1])
    rows = [r for r in rows if not (r[0] == "KHTC" and r[2] == "portal_news_posts")]
    rows.append(("KHTC", 1, "portal_news_posts", 0))
    ds = dataset(rows)
    jan = Period.parse("2023-01")
    cards = [score_unit(ds, CAT, REG.get(u), jan) for u in ("KHTC", "GDMN", "GDTH")]
    empty = Scorecard(REG.get("TTR"), jan, (), ())
    ranked = ranking(cards + [empty])
    assert [(r, c.unit_code) for r, c in ranked] == [(1, "GDMN"), (1, "GDTH"), (3, "KHTC"), (0, "TTR")]
    assert ranked[0][1].percent == 100 and ranked[2][1].percent < 100


def test_ranking_orders_by_percent_not_points():
    """A school with a smaller maximum but a higher percent ranks first."""
    ds = dataset(perfect_rows("THPT_TRANPHU", [1]) + [r for r in perfect_rows("GDTH", [1])
                                                       if r[2] != "iso_applied"] + [("GDTH", 1, "iso_applied", False)])
    jan = Period.parse("2023-01")
    school, office = (score_unit(ds, CAT, REG.get(u), jan) for u in ("THPT_TRANPHU", "GDTH"))
    assert office.points > school.points
    assert [c.unit_code for _, c in ranking([office, school])] == ["THPT_TRANPHU", "GDTH"]


def test_department_only_combines_units_concerned():
    """VP reports dossiers_received (for 7.5.2) but 7.4.2 is not its
    criterion: its dossiers do not dilute the department's online rate."""
    ds = dataset([("GDTH", 1, "dossiers_received", 100), ("GDTH", 1, "dossiers_online_l34", 80),
                  ("VP", 1, "dossiers_received", 100), ("VP", 1, "dossiers_received_bcci", 20)])
    dept = score_department(ds, CAT, Q1, REG)
    assert dept.get("7.4.2").outcome.rate == F(80, 100)


def test_department_leaves_out_a_unit_that_sent_half_a_criterion():
    """GDTRH sent dossiers_received but not dossiers_received_bcci: its own
    7.5.2 is missing data, and its dossiers do not halve the department's
    rate (20/100 = 20% → 0,2, not 20/200 = 10% → 0)."""
    ds = dataset([("VP", 1, "dossiers_received", 100), ("VP", 1, "dossiers_received_bcci", 20),
                  ("GDTRH", 1, "dossiers_received", 100)])
    assert score_unit(ds, CAT, REG.get("GDTRH"), Q1).get("7.5.2").status == MISSING
    dept = score_department(ds, CAT, Q1, REG).get("7.5.2")
    assert dept.status == SCORED and dept.outcome.rate == F(20, 100) and dept.points == F("0.2")
    assert "GDTRH" in dept.outcome.detail and "thiếu số liệu" in dept.outcome.detail


def test_department_is_missing_data_when_every_unit_sent_half():
    ds = dataset([("GDTRH", 1, "dossiers_received", 100), ("GDTH", 1, "dossiers_received", 50)])
    assert score_department(ds, CAT, Q1, REG).get("7.5.2").status == MISSING


def test_score_all_registry_order():
    ds = dataset(perfect_rows("GDTH", [1]))
    dept, cards = score_all(ds, CAT, REG, Q1)
    assert [c.unit_code for c in cards] == REG.codes
    assert dept.unit is None


def test_shuffled_observations_same_scorecards():
    rows = [r for u in ("GDTH", "VP", "THPT_TRANPHU") for r in perfect_rows(u, [1, 2, 3])]
    a = score_department(dataset(rows), CAT, Q1, REG).to_dict()
    random.Random(7).shuffle(rows)
    b = score_department(dataset(rows), CAT, Q1, REG).to_dict()
    assert a == b


def test_the_scorers_memo_sees_a_value_added_later():
    ds = dataset([("GDTH", 1, "dossiers_resolved", 10), ("GDTH", 1, "dossiers_resolved_on_time", 10)])
    assert score_unit(ds, CAT, REG.get("GDTH"), Q1).get("3.4.2").points == F("1.5")
    for r in dataset([("GDTH", 2, "dossiers_resolved", 10), ("GDTH", 2, "dossiers_resolved_on_time", 0)]).observations:
        ds.add(r)
    assert score_unit(ds, CAT, REG.get("GDTH"), Q1).get("3.4.2").points == 0


def test_a_unit_scorecard_depends_on_the_period_only():
    """VP reported 3.4.2's figures in December only: its Q1 scorecard does not
    grow a "thiếu số liệu" 3.4.2 (the same as scoring the Q1 export)."""
    jan = [("VP", 1, "tthc_control_plan_done", True)]
    dec = [("VP", 12, "dossiers_resolved", 10), ("VP", 12, "dossiers_resolved_on_time", 10)]
    q1 = score_unit(dataset(jan + dec), CAT, REG.get("VP"), Q1)
    assert q1.to_dict() == score_unit(dataset(jan), CAT, REG.get("VP"), Q1).to_dict()
    assert "3.4.2" not in [c.code for c in q1.criteria]
    q4 = score_unit(dataset(jan + dec), CAT, REG.get("VP"), Period.parse("2023-Q4"))
    assert q4.get("3.4.2").status == SCORED


def test_stored_values_that_contradict_are_never_refused():
    """GDTRH's February has an on-time count but no resolved count (accepted
    month by month): its 3.4.2 is missing data naming February, and the
    department scores without it, naming it — no DataError."""
    ds = dataset([("GDTRH", 1, "dossiers_resolved", 10), ("GDTRH", 1, "dossiers_resolved_on_time", 10),
                  ("GDTRH", 2, "dossiers_resolved_on_time", 5),
                  ("GDTH", 1, "dossiers_resolved", 100), ("GDTH", 1, "dossiers_resolved_on_time", 96)])
    own = score_unit(ds, CAT, REG.get("GDTRH"), Q1).get("3.4.2")
    assert own.status == MISSING and "tháng 2/2023" in own.outcome.detail
    dept = score_department(ds, CAT, Q1, REG).get("3.4.2")
    assert dept.status == SCORED and dept.outcome.rate == F(96, 100) and dept.left_out == ("GDTRH",)
    assert dept.to_dict()["left_out"] == ["GDTRH"]
