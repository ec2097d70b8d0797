"""The sample data shows the contrasts documented in cchc_lib/sample.py."""
from __future__ import annotations

from fractions import Fraction as F

import pytest

from cchc_lib.intake.long_table import write_long_table
from cchc_lib.core.dataset import Dataset
from cchc_lib.intake.long_table import load_table
from cchc_lib.core.periods import Period
from cchc_lib.core.rules import NOT_APPLICABLE, SCORED
from cchc_lib.intake.sample import sample_observations
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


def test_every_unit_every_month_every_indicator_of_its_kind(ds):
    for u in REG:
        assert ds.reported(u.code) == set(CAT.indicators_for_kind(u.kind))
        for i in CAT.indicators_for_kind(u.kind):
            assert set(ds.values[(u.code, i)]) == set(MONTHS)


def test_the_written_sample_loads_back_unchanged(tmp_path):
    obs = list(sample_observations(CAT, REG, 2023))
    ds = load_table(write_long_table(tmp_path / "s.csv", CAT, obs), CAT, REG)
    assert [(o.unit, o.month, o.indicator, o.value) for o in ds.observations] == \
        [(o.unit, o.month, o.indicator, o.value) for o in obs]


def test_admission_season_has_more_dossiers(ds):
    def received(months):
        return sum(ds.values[(u, "dossiers_received")][Period.month(2023, m)]
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
    c = card(ds, "KTKD", "2023").get("7.4.2")
    assert c.outcome.rate < F(40, 100) and c.points == 0
    assert card(ds, "GDTH", "2023").get("7.4.2").outcome.rate >= F(40, 100)


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


def test_iso_audit_only_from_october(ds):
    for m in MONTHS:
        audit = ds.values[("GDTH", "iso_internal_audit_done")][m]
        assert audit is (m.index >= 10)
    assert card(ds, "GDTH", "2023-Q3").get("7.6.3").points == F("0.5")
    assert card(ds, "GDTH", "2023-Q4").get("7.6.3").points == F("1")
    # the year takes the latest month: done
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
