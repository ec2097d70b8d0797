"""The sample data shows the contrasts documented in cchc_lib/intake/sample.py,
and behaves over time as real data does (contract v2, 3.1)."""
from __future__ import annotations

from fractions import Fraction as F

import pytest

from cchc_lib.intake.long_table import write_long_table
from cchc_lib.core.dataset import Dataset
from cchc_lib.intake.long_table import load_table
from cchc_lib.core.periods import Period
from cchc_lib.core.rules import MISSING, NOT_APPLICABLE, SCORED
from cchc_lib.intake.sample import BLANK, SILENT, sample_observations
from cchc_lib.core.scoring import score_department, score_unit
from scoring_helpers import CAT, REG

MONTHS = [Period.month(2023, m) for m in range(1, 13)]


@pytest.fixture(scope="module")
def ds():
    return Dataset(sample_observations(CAT, REG, 2023))


def card(ds, unit, period):
    return score_unit(ds, CAT, REG.get(unit), period if isinstance(period, Period) else Period.parse(period))


def test_deterministic():
    a = list(sample_observations(CAT, REG, 2023))
    b = list(sample_observations(CAT, REG, 2023))
    assert a == b
    assert list(sample_observations(CAT, REG, 2023, seed=1)) != a


def test_every_unit_every_month_every_indicator_of_its_kind_but_the_gaps(ds):
    """Every figure of the unit's form in every month, except the unit that
    sent nothing one month and the figure left blank in a sent form."""
    for u in REG:
        assert ds.reported(u.code) == set(CAT.indicators_for_kind(u.kind))
        for i in CAT.indicators_for_kind(u.kind):
            expected = {m for m in MONTHS if (u.code, m.index) != SILENT and (u.code, m.index, i) != BLANK}
            assert set(ds.values[(u.code, i)]) == expected


def test_stocks_stay_and_running_totals_grow(ds):
    total = [ds.values[("GDTRH", "procedures_total")][m] for m in MONTHS]
    assert set(total) == {28}
    for unit, ind in (("GDTH", "procedures_with_dossiers"), ("VP", "dx_plan_tasks_done")):
        series = [ds.values[(unit, ind)][m] for m in MONTHS]
        assert series == sorted(series) and series[0] < series[-1]
    # GDTRH's procedures read 28/28 in a quarter and in the year, never 84/84
    for period in ("2023-Q3", "2023"):
        c = card(ds, "GDTRH", period).get("3.3.2")
        assert c.outcome.detail == "28/28" and c.as_of == Period.month(2023, int(period[-1]) * 3 if "Q" in period else 12)


def test_an_annual_event_counts_all_year_once_done(ds):
    """The ISO training is "Có" in May only, the internal audit in October only:
    every later period keeps them (an event, v2 3.1)."""
    assert [ds.values[("GDTH", "iso_training_done")][m] for m in MONTHS] == [m.index == 5 for m in MONTHS]
    assert card(ds, "GDTH", "2023-Q1").get("7.6.4").points == 0
    for period in ("2023-Q2", "2023-Q3", "2023-H2", "2023"):
        assert card(ds, "GDTH", period).get("7.6.4").points == F("0.3")


def test_a_late_catalogue_is_not_forgiven(ds):
    """GDTX sent May's catalogue late; "Có" in September does not undo it
    (compliance, v2 3.1); "không phát sinh" months are no miss."""
    assert ds.values[("GDTX", "catalog_on_time")][Period.month(2023, 1)] == "kps"
    assert card(ds, "GDTX", "2023-Q1").get("3.3.1").points == F("0.5")
    for period in ("2023-Q2", "2023-Q3", "2023"):
        assert card(ds, "GDTX", period).get("3.3.1").points == F("0.25")


def test_a_complaint_handled_the_next_month(ds):
    """TCCB received one in March and handled it in April: Q1 misses it, the
    half-year and the year are at 100%."""
    march = card(ds, "TCCB", "2023-03").get("3.4.5")
    assert march.status == SCORED and march.outcome.rate < 1
    assert card(ds, "TCCB", "2023-04").get("3.4.5").notes  # handled more than received: noted
    assert card(ds, "TCCB", "2023-H1").get("3.4.5").outcome.rate == 1


def test_the_written_sample_loads_back_unchanged(tmp_path):
    obs = list(sample_observations(CAT, REG, 2023))
    ds = load_table(write_long_table(tmp_path / "s.csv", CAT, obs), CAT, REG)
    assert [(o.unit, o.month, o.indicator, o.value) for o in ds.observations] == \
        [(o.unit, o.month, o.indicator, o.value) for o in obs]


def test_admission_season_has_more_dossiers(ds):
    def received(months):
        return sum(ds.values[(u, "dossiers_received")].get(Period.month(2023, m), 0)
                   for u in REG.codes if (u, "dossiers_received") in ds.values for m in months)
    assert received([6, 7, 8]) > 1.8 * received([3, 4, 5])


def test_gdtrh_late_in_some_month(ds):
    rates = {m: card(ds, "GDTRH", m).get("3.4.2") for m in MONTHS}
    late = [m for m, c in rates.items() if c.outcome.rate < F(95, 100)]
    assert late and all(rates[m].points == 0 for m in late)
    assert {m.index for m in late} <= {6, 7, 8}
    assert any(c.points > 0 for c in rates.values())  # on time outside the season
    # the other offices stay above the threshold over the year
    for u in ("GDTH", "GDMN", "KTKD"):
        assert card(ds, u, "2023").get("3.4.2").outcome.rate >= F(95, 100)


def test_ktkd_low_online_rate(ds):
    c = card(ds, "KTKD", "2023-H2").get("7.4.2")
    assert c.outcome.rate < F(40, 100) and c.points == 0
    assert card(ds, "GDTH", "2023").get("7.4.2").outcome.rate >= F(40, 100)


def test_a_blank_figure_is_missing_data_naming_its_month(ds):
    """KTKD left March's online dossiers blank: its Q1 and its year are
    missing data naming March; the department leaves it out and names it."""
    for period in ("2023-Q1", "2023"):
        c = card(ds, "KTKD", period).get("7.4.2")
        assert c.status == MISSING and "tháng 3/2023" in c.outcome.detail
    dept = score_department(ds, CAT, Period.parse("2023"), REG).get("7.4.2")
    assert dept.status == SCORED and dept.left_out == ("KTKD",)


def test_a_unit_silent_one_month_is_scored_on_the_others(ds):
    c = card(ds, "THPT_NGOQUYEN", "2023").get("3.4.2")
    assert c.status == SCORED and c.months == (11, 12)


def test_thaiphien_few_portal_posts(ds):
    """Thái Phiên posts far less than the other schools, and scores 0 for 7.3
    in some quarter where every other school scores."""
    schools = [u.code for u in REG if u.kind == "truc_thuoc"]
    year = {u: card(ds, u, "2023").get("7.3").outcome.value for u in schools}
    assert min(year, key=year.get) == "THPT_THAIPHIEN"
    assert all(year["THPT_THAIPHIEN"] * 3 < v for u, v in year.items() if u != "THPT_THAIPHIEN")
    zero_quarters = [q for q in range(1, 5) if card(ds, "THPT_THAIPHIEN", f"2023-Q{q}").get("7.3").points == 0]
    assert zero_quarters
    for q in zero_quarters:
        assert all(card(ds, u, f"2023-Q{q}").get("7.3").points > 0 for u in schools if u != "THPT_THAIPHIEN")


def test_gdtx_months_without_dossiers_are_not_applicable(ds):
    statuses = {m.index: card(ds, "GDTX", m).get("3.4.2").status for m in MONTHS}
    none = [m for m, s in statuses.items() if s == NOT_APPLICABLE]
    assert none and len(none) < 12
    assert all(statuses[m] == SCORED for m in statuses if m not in none)
    jan = card(ds, "GDTX", "2023-01")
    assert jan.max_points < sum((c.max_points for c in jan.criteria if not c.criterion.tracked), F(0))
    # over the year there were dossiers: scored
    assert card(ds, "GDTX", "2023").get("3.4.2").status == SCORED


def test_iso_audit_only_in_october(ds):
    for m in MONTHS:
        assert ds.values[("GDTH", "iso_internal_audit_done")][m] is (m.index == 10)
    assert card(ds, "GDTH", "2023-Q3").get("7.6.3").points == F("0.5")
    assert card(ds, "GDTH", "2023-Q4").get("7.6.3").points == F("1")
    # November and December say "Không": the audit of October still counts
    assert card(ds, "GDTH", "2023").get("7.6.3").points == F("1")


def test_yearly_items_true_in_some_units_only(ds):
    iso = {u: ds.values[(u, "iso_applied")][MONTHS[-1]] for u in REG.codes if (u, "iso_applied") in ds.values}
    assert True in iso.values() and False in iso.values()
    dept = score_department(ds, CAT, Period.parse("2023"), REG)
    assert dept.get("7.6.1").points == 0  # one unit without ISO: the department is not "true"


def test_department_year_is_sensible(ds):
    dept = score_department(ds, CAT, Period.parse("2023"), REG)
    assert F(40) < dept.points / dept.max_points * 100 < F(95)
    assert {c.status for c in dept.criteria} <= {SCORED, "tracked"}
