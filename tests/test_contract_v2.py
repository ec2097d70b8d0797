"""Contract v2, section 3: one small table per rule, each case with its reason.

Rows are (unit, month, indicator, value) in 2023; `score` and `dept` score one
criterion of a unit's or of the department's scorecard.
"""
from __future__ import annotations

from fractions import Fraction as F

import pytest

from cchc_lib.core.dataset import NOT_DUE
from cchc_lib.core.periods import Period
from cchc_lib.core.rules import MISSING, NOT_APPLICABLE, SCORED
from cchc_lib.core.scoring import score_department, score_unit
from scoring_helpers import CAT, REG, dataset


def score(rows, unit, period, code):
    return score_unit(dataset(rows), CAT, REG.get(unit), Period.parse(period)).get(code)


def dept(rows, period, code):
    return score_department(dataset(rows), CAT, Period.parse(period), REG).get(code)


def months(unit, indicator, values):
    """{month: value} → rows (None: no row)."""
    return [(unit, m, indicator, v) for m, v in values.items() if v is not None]


# ------------------------------------------------------------------ 3.1 behaviours

FLOW = [
    # (resolved by month, on time by month, period, expected detail, why)
    ({1: 10, 2: 20, 3: 30}, {1: 10, 2: 20, 3: 30}, "2023-Q1", "60/60", "a flow is summed over the months"),
    ({1: 10, 4: 5}, {1: 10, 4: 5}, "2023-Q1", "10/10", "April is not in Q1"),
    ({1: 10, 7: 5}, {1: 10, 7: 5}, "2023", "15/15", "the year sums every month"),
]


@pytest.mark.parametrize("res,ok,period,detail,why", FLOW)
def test_flow_summed_over_complete_months(res, ok, period, detail, why):
    c = score(months("GDTH", "dossiers_resolved", res) + months("GDTH", "dossiers_resolved_on_time", ok),
              "GDTH", period, "3.4.2")
    assert c.outcome.detail == detail, why


STOCK = [
    # (procedures_total, published, period, detail, as_of, why)
    ({m: 28 for m in range(1, 10)}, {m: 28 for m in range(1, 10)}, "2023-Q3", "28/28", "2023-09",
     "a stock is read at the as-of month, never summed (not 84/84)"),
    ({m: 28 for m in range(1, 10)}, {m: 28 for m in range(1, 10)}, "2023", "28/28", "2023-09",
     "the year stands at its latest month with both figures"),
    ({7: 28, 8: 29}, {7: 28, 8: 28}, "2023-Q3", "28/29", "2023-08", "the latest month wins: 29 procedures in August"),
    ({7: 28, 8: 29, 9: 29}, {7: 28, 8: 28}, "2023-Q3", None, None,
     "September has the total but not the published count: missing data naming September"),
]


@pytest.mark.parametrize("total,published,period,detail,as_of,why", STOCK)
def test_stock_read_at_the_as_of_month(total, published, period, detail, as_of, why):
    c = score(months("GDTRH", "procedures_total", total)
              + months("GDTRH", "procedures_internal_process_published", published), "GDTRH", period, "3.3.2")
    if detail is None:
        assert c.status == MISSING and "tháng 9/2023" in c.outcome.detail, why
    else:
        assert (c.outcome.detail, str(c.as_of)) == (detail, as_of), why


def test_ytd_searched_from_january():
    """A running total reported in May only still stands for Q3 (its window
    runs from January); the stock beside it is read at the same month."""
    rows = [("VP", 5, "procedures_online_l34", 10), ("VP", 5, "procedures_online_l34_with_dossiers", 7)]
    c = score(rows, "VP", "2023-Q3", "7.4.1")
    assert (c.status, c.points, str(c.as_of)) == (SCORED, F("0.1"), "2023-05")


EVENT = [
    # (monthly answers, period, expected points of 7.6.4, why)
    ({5: True, 6: False, 7: False}, "2023-Q3", F("0.3"), "done in May: a later 'Không' does not undo it"),
    ({5: True}, "2023", F("0.3"), "done once is done for the year"),
    ({1: False, 2: False}, "2023-Q1", F(0), "'Không' and never 'Có': not done"),
    ({8: True}, "2023-Q2", None, "August is after the quarter's end: no answer yet, missing data"),
]


@pytest.mark.parametrize("answers,period,points,why", EVENT)
def test_event_true_once_done_in_the_year(answers, period, points, why):
    c = score(months("GDTH", "iso_training_done", answers), "GDTH", period, "7.6.4")
    assert (c.status, c.points) == ((SCORED, points) if points is not None else (MISSING, 0)), why


def test_event_with_no_answer_is_missing():
    assert score([("GDTH", 1, "iso_applied", True)], "GDTH", "2023-Q1", "7.6.4").status == MISSING


COMPLIANCE = [
    # (catalog_on_time answers, period, points of 3.3.1 with catalog_complete always true, why)
    ({5: False, 9: True}, "2023", F("0.25"), "a catalogue late in May is not forgiven by a later 'Có'"),
    ({1: NOT_DUE, 2: True, 3: NOT_DUE}, "2023-Q1", F("0.5"), "'không phát sinh' months are no miss"),
    ({1: NOT_DUE, 2: NOT_DUE}, "2023-Q1", F("0.5"), "nothing was due: compliant"),
    ({5: False}, "2023-Q3", F("0.25"), "the window runs from January: May's miss is still in Q3"),
]


@pytest.mark.parametrize("answers,period,points,why", COMPLIANCE)
def test_compliance_one_miss_is_a_miss(answers, period, points, why):
    rows = months("VP", "catalog_on_time", answers) + [("VP", m, "catalog_complete", True) for m in answers]
    c = score(rows, "VP", period, "3.3.1")
    assert (c.status, c.points) == (SCORED, points), why


# ------------------------------------------------------------------ 3.2 complete months and blanks

BLANKS = [
    # (resolved, on time, status, months, why)
    ({1: 100, 2: 100, 3: 100}, {1: 100, 2: 100, 3: None}, MISSING, None,
     "a blank numerator is missing data, not a zero (not 200/300)"),
    ({1: 100, 2: 100}, {1: 100, 2: 100}, SCORED, (2, 3), "March absent: scored on the two complete months"),
    ({1: 0, 2: 50}, {1: None, 2: 50}, SCORED, (2, 3), "a blank numerator over a zero denominator counts as 0"),
    ({1: None, 2: 50}, {1: 3, 2: 50}, MISSING, None, "a numerator without its denominator is a partial month"),
    ({}, {}, MISSING, None, "no month at all"),
]


@pytest.mark.parametrize("res,ok,status,used,why", BLANKS)
def test_complete_partial_and_absent_months(res, ok, status, used, why):
    rows = months("GDTH", "dossiers_resolved", res) + months("GDTH", "dossiers_resolved_on_time", ok)
    c = score(rows, "GDTH", "2023-Q1", "3.4.2")
    assert c.status == status, why
    if used:
        assert c.months == used and c.to_dict()["months"] == list(used)


def test_a_partial_month_names_the_month_and_the_blank_figure():
    rows = [("GDTH", m, "dossiers_resolved", 100) for m in (1, 2, 3)] + \
           [("GDTH", m, "dossiers_resolved_on_time", 100) for m in (1, 2)]
    c = score(rows, "GDTH", "2023-Q1", "3.4.2")
    assert c.status == MISSING and c.points == 0
    assert "tháng 3/2023" in c.outcome.detail and CAT.indicators["dossiers_resolved_on_time"].label in c.outcome.detail
    assert c.outcome.missing == ("dossiers_resolved_on_time",)


def test_7_3_annualised_over_complete_months():
    """At the 15/12 deadline January–November are complete: 187 posts in 11
    months is 204 a year (> 200 → 0,5), not 187 (→ 0,3)."""
    rows = [("GDTH", m, "portal_news_posts", 17) for m in range(1, 12)]
    c = score(rows, "GDTH", "2023", "7.3")
    assert (c.points, c.months) == (F("0.5"), (11, 12))


REVIEW = [
    # (monthly figures of 3.2, points, status, why)
    ({"tthc_review_done": {3: False}, "tthc_review_issues_found": {3: 2}}, F(0), SCORED,
     "review not done → 0, whatever the other figures (even blanks)"),
    ({"tthc_review_done": {3: True}, "tthc_review_report_on_time": {4: True},
      "tthc_review_issues_found": {3: 2, 4: 0}, "tthc_review_issues_handled": {3: 1, 4: 1}}, F("0.5"), SCORED,
     "done, on time, the last issue handled in April (carry-over)"),
    ({"tthc_review_done": {3: True}, "tthc_review_report_on_time": {4: True},
      "tthc_review_issues_found": {3: 2}}, F(0), MISSING, "done, but March's handled count is blank"),
    ({"tthc_review_done": {3: True}, "tthc_review_report_on_time": {4: False},
      "tthc_review_issues_found": {3: 0}}, F("0.25"), SCORED, "done, no issue, report late → 0,25"),
]


@pytest.mark.parametrize("figures,points,status,why", REVIEW)
def test_3_2_decided_in_the_contracts_order(figures, points, status, why):
    rows = [r for ind, by in figures.items() for r in months("GDTH", ind, by)]
    c = score(rows, "GDTH", "2023-H1", "3.2")
    assert (c.status, c.points) == (status, points), why


# ------------------------------------------------------------------ 3.3 carry-over and notes

def test_carry_over_capped_at_100_and_noted():
    """A complaint received in March and handled in April: Q1 is 0/1, April
    alone handles 1 of 0 (capped, noted), the half-year is 1/1 → 100%."""
    rows = [("GDTH", 3, "feedback_received", 1), ("GDTH", 3, "feedback_handled", 0),
            ("GDTH", 4, "feedback_received", 0), ("GDTH", 4, "feedback_handled", 1)]
    assert score(rows, "GDTH", "2023-Q1", "3.4.5").points == 0
    april = score(rows, "GDTH", "2023-04", "3.4.5")
    assert april.status == SCORED and april.points == F("0.5")  # nothing received: full, as the plan says
    assert any("tồn từ kỳ trước" in n for n in april.notes) and april.to_dict()["notes"]
    h1 = score(rows, "GDTH", "2023-H1", "3.4.5")
    assert (h1.outcome.rate, h1.points, h1.notes) == (1, F("0.5"), ())


def test_overdue_below_resolved_late_is_noted_not_refused():
    """Two dossiers overdue in July, resolved late in August: August's
    overdue count (0) is below its resolved-late count (2) → a note."""
    rows = [("GDTRH", 7, "dossiers_resolved", 50), ("GDTRH", 7, "dossiers_resolved_on_time", 50),
            ("GDTRH", 7, "dossiers_overdue", 2), ("GDTRH", 7, "dossiers_overdue_apologized", 2),
            ("GDTRH", 8, "dossiers_resolved", 40), ("GDTRH", 8, "dossiers_resolved_on_time", 38),
            ("GDTRH", 8, "dossiers_overdue", 0), ("GDTRH", 8, "dossiers_overdue_apologized", 0)]
    aug = score(rows, "GDTRH", "2023-08", "3.4.3")
    assert aug.status == SCORED and any("quá hạn ít hơn" in n for n in aug.notes)
    assert not score(rows, "GDTRH", "2023-Q3", "3.4.3").notes  # over the quarter they agree


# ------------------------------------------------------------------ 3.4 the department as one body

def test_vp_the_departments_own_facts_from_the_office():
    """7.3 is the department's portal: the office's posts, not the sum of every
    unit's; 3.3.6 is the one-stop desk: one office's 'Không' elsewhere does not count."""
    rows = [("VP", m, "portal_news_posts", 10) for m in (1, 2, 3)] + \
           [("GDTH", m, "portal_news_posts", 30) for m in (1, 2, 3)] + \
           [("VP", 3, "desk_staff_list_posted", True), ("GDMN", 3, "desk_staff_list_posted", False)]
    assert dept(rows, "2023-Q1", "7.3").outcome.detail.startswith("30 ")
    assert dept(rows, "2023-Q1", "3.3.6").points == F("0.25")


def test_vp_without_the_office_is_missing():
    assert dept([("GDTH", 1, "hotline_posted", True)], "2023-Q1", "3.3.5").status == MISSING


DEPT_RULES = [
    # (rows, code, points, why)
    ([("TTR", 5, "decentralization_inspected", True), ("GDTH", 5, "decentralization_inspected", False)],
     "PC.1", F("0.5"), "any: one unit that inspected is enough"),
    ([("VP", 1, "iso_applied", True), ("GDTH", 1, "iso_applied", False)], "7.6.1", F(0),
     "all: one unit without ISO and the department is not 'true'"),
    ([("VP", 1, "iso_applied", True), ("GDTH", 1, "iso_applied", True)], "7.6.1", F("0.4"), "all: every unit true"),
]


@pytest.mark.parametrize("rows,code,points,why", DEPT_RULES)
def test_department_rules_any_and_all(rows, code, points, why):
    assert dept(rows, "2023-H1", code).points == points, why


def test_sum_counts_every_unit_that_reported_whatever_its_kind():
    """VP is not responsible for 3.4.2 but reported both figures: its dossiers count."""
    rows = [("GDTH", 1, "dossiers_resolved", 100), ("GDTH", 1, "dossiers_resolved_on_time", 100),
            ("VP", 1, "dossiers_resolved", 20), ("VP", 1, "dossiers_resolved_on_time", 10)]
    assert dept(rows, "2023-Q1", "3.4.2").outcome.detail == "110/120"


def test_a_unit_missing_its_own_criterion_is_left_out_and_named():
    rows = [("GDTH", 1, "dossiers_resolved", 100), ("GDTH", 1, "dossiers_resolved_on_time", 100),
            ("GDTRH", 1, "dossiers_resolved", 50)]
    c = dept(rows, "2023-Q1", "3.4.2")
    assert (c.outcome.detail.split(" ")[0], c.left_out) == ("100/100", ("GDTRH",))
    assert "chưa tính 1 đơn vị thiếu số liệu: GDTRH" in c.outcome.detail
    assert c.to_dict()["left_out"] == ["GDTRH"]


def test_the_departments_totals_agree_across_criteria():
    """With complete months everywhere, 3.4.2, 3.5 and 7.5.3 divide by the same resolved total."""
    rows = []
    for u, n in (("GDTH", 100), ("GDTRH", 300), ("THPT_TRANPHU", 40)):
        for m in (1, 2, 3):
            rows += [(u, m, "dossiers_resolved", n), (u, m, "dossiers_resolved_on_time", n),
                     (u, m, "dossiers_results_digitized", n), (u, m, "dossiers_returned_bcci", n // 4)]
    dens = {dept(rows, "2023-Q1", code).outcome.detail.split("/")[1].split(" ")[0] for code in ("3.4.2", "3.5", "7.5.3")}
    assert dens == {"1.320"}


def test_no_applicable_department_when_nobody_sent_anything():
    c = dept([("GDTH", 1, "dossiers_resolved", 0), ("GDTH", 1, "dossiers_resolved_on_time", 0)], "2023-Q1", "3.4.2")
    assert c.status == NOT_APPLICABLE
