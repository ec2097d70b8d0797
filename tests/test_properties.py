"""Properties (hypothesis): points within [0, max]; more on-time dossiers
never lower 3.4.2; gaps are exact; combining ignores row order."""
from __future__ import annotations

import random
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cchc_lib.errors import DataError
from cchc_lib.core.dataset import Dataset
from cchc_lib.core.periods import Period
from cchc_lib.core.rules import MISSING, NOT_APPLICABLE, SCORED, STATUSES, TRACKED
from cchc_lib.intake.sample import sample_observations
from cchc_lib.core.scoring import score_department, score_unit
from cchc_lib.core.units import Registry
from scoring_helpers import CAT, REG, evaluate

PERIODS = st.sampled_from(["2023-01", "2023-06", "2023-Q1", "2023-Q3", "2023-H1", "2023-H2", "2023"])
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def criterion_inputs(draw, code: str):
    """Values for one criterion that pass the input checks (numerator ≤
    denominator, b + c ≤ a); any of them may be missing."""
    c = CAT.criterion(code)
    rule, spec = c.rule_name, c.spec
    count = st.integers(0, 5000)
    vals: dict = {}
    if rule in ("ratio_bands", "tracked"):
        den = draw(count)
        vals = {spec.denominator: den, spec.numerator: draw(st.integers(0, den))}
    elif rule == "weighted_ratio_sum":
        a = draw(count)
        b = draw(st.integers(0, a))
        vals = {spec.denominator: a, spec.terms[0][0]: b, spec.terms[1][0]: draw(st.integers(0, a - b))}
    elif rule == "review_handling":
        found = draw(count)
        vals = {spec.done: draw(st.booleans()), spec.report_on_time: draw(st.booleans()), spec.found: found,
                spec.handled: draw(st.integers(0, found))}
    elif rule == "count_bands":
        vals = {spec.indicator: draw(count)}
    else:
        for i in c.indicators:
            ind = CAT.indicators[i]
            vals[i] = draw(st.booleans()) if ind.kind == "bool" else draw(st.sampled_from([lv.code for lv in ind.levels]))
    for i in list(vals):
        if draw(st.integers(0, 9)) == 0:  # sometimes missing
            vals[i] = None
    return vals


@pytest.mark.parametrize("code", [c.code for c in CAT.criteria])
@FAST
@given(data=st.data(), months=st.sampled_from([1, 3, 6, 12]))
def test_points_never_exceed_the_maximum(code, data, months):
    vals = data.draw(criterion_inputs(code))
    out = evaluate(code, months=months, **vals)
    c = CAT.criterion(code)
    assert out.status in STATUSES
    assert 0 <= out.points <= c.max_points
    if out.status != SCORED:
        assert out.points == 0 or out.status == SCORED
    if c.tracked:
        assert out.status in (TRACKED, MISSING, NOT_APPLICABLE)
    if out.gap is not None:
        assert out.points < out.gap.target_points <= c.max_points


@FAST
@given(den=st.integers(1, 3000), data=st.data())
def test_more_on_time_never_lowers_3_4_2(den, data):
    a = data.draw(st.integers(0, den))
    b = data.draw(st.integers(a, den))
    pa = evaluate("3.4.2", dossiers_resolved=den, dossiers_resolved_on_time=a).points
    pb = evaluate("3.4.2", dossiers_resolved=den, dossiers_resolved_on_time=b).points
    assert pa <= pb


RATIO_CODES = [c.code for c in CAT.criteria if c.rule_name == "ratio_bands"]


@pytest.mark.parametrize("code", RATIO_CODES)
@FAST
@given(den=st.integers(1, 2000), data=st.data())
def test_ratio_gap_is_the_least_that_reaches_the_next_band(code, den, data):
    c = CAT.criterion(code)
    num = data.draw(st.integers(0, den))
    out = evaluate(code, **{c.spec.numerator: num, c.spec.denominator: den})
    if out.gap is None:
        assert out.points == c.max_points
        return
    n = out.gap.amount
    assert n > 0 and num + n <= den
    reached = evaluate(code, **{c.spec.numerator: num + n, c.spec.denominator: den}).points
    assert reached == out.gap.target_points > out.points
    before = evaluate(code, **{c.spec.numerator: num + n - 1, c.spec.denominator: den}).points
    assert before < out.gap.target_points  # one fewer does not get there


@FAST
@given(count=st.integers(0, 300), months=st.sampled_from([1, 3, 6, 12]))
def test_7_3_gap_is_exact(count, months):
    out = evaluate("7.3", months=months, portal_news_posts=count)
    if out.gap is None:
        assert out.points == F("0.5")
        return
    assert evaluate("7.3", months=months, portal_news_posts=count + out.gap.amount).points == out.gap.target_points
    assert evaluate("7.3", months=months, portal_news_posts=count + out.gap.amount - 1).points < out.gap.target_points


UNITS = Registry([REG.get(u) for u in ("VP", "TTR", "GDTRH", "GDTX", "THPT_THAIPHIEN")])


def _cards(observations, period):
    ds = Dataset(observations)
    try:
        out = [score_department(ds, CAT, period, UNITS).to_dict()]
        out += [score_unit(ds, CAT, u, period).to_dict() for u in UNITS]
        return out
    except DataError as e:
        return e.lines()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), shuffle=st.integers(0, 2**32), period=PERIODS, drop=st.sampled_from([0, 0.1, 0.3]))
def test_combining_is_independent_of_row_order(seed, shuffle, period, drop):
    obs = list(sample_observations(CAT, UNITS, 2023, seed=seed))
    rnd = random.Random(seed)
    gone = {(u.code, m) for u in UNITS for m in range(1, 13) if rnd.random() < drop}
    obs = [o for o in obs if (o.unit, o.month.index) not in gone]  # some monthly reports missing, as in life
    p = Period.parse(period)
    before = _cards(obs, p)
    random.Random(shuffle).shuffle(obs)
    assert _cards(obs, p) == before


@st.composite
def monthly_figures(draw):
    """Random monthly values of a few units, each month consistent on its own
    (parts ≤ wholes, as intake checks them), any figure possibly blank, any
    month possibly absent, compliance possibly "không phát sinh"."""
    units = ["VP", "GDTH", "GDTRH", "THPT_TRANPHU", "TTR"]
    rows = []
    for u in draw(st.lists(st.sampled_from(units), min_size=1, max_size=4, unique=True)):
        for m in draw(st.lists(st.integers(1, 12), min_size=1, max_size=5, unique=True)):
            vals = {}
            for i in CAT.indicators_for_kind(REG.get(u).kind):
                ind = CAT.indicators[i]
                if draw(st.integers(0, 5)) == 0:
                    continue  # blank
                if ind.kind == "count":
                    vals[i] = draw(st.integers(0, 60))
                elif ind.kind == "bool":
                    vals[i] = draw(st.sampled_from([True, False, "kps"] if ind.behaviour == "compliance"
                                                   else [True, False]))
                else:
                    vals[i] = draw(st.sampled_from([lv.code for lv in ind.levels]))
            for lim in CAT.limits:  # make the month consistent: shrink the parts
                if lim.whole in vals and all(p in vals for p in lim.parts):
                    while sum(vals[p] for p in lim.parts) > vals[lim.whole]:
                        biggest = max(lim.parts, key=lambda p: vals[p])
                        vals[biggest] -= 1
            rows += [(u, m, i, v) for i, v in vals.items()]
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=monthly_figures(), period=PERIODS)
def test_what_intake_accepts_is_always_scored(rows, period):
    """Contract v2: any set of month-consistent values scores, for every unit
    and the department, without an error; points stay within their maxima."""
    from scoring_helpers import dataset

    ds = dataset(rows)
    p = Period.parse(period)
    for card in [score_department(ds, CAT, p, REG), *(score_unit(ds, CAT, u, p) for u in REG)]:
        for c in card.criteria:
            assert 0 <= c.points <= c.max_points and c.status in STATUSES
