"""Periods (contract section 1): month, quarter, half-year, year."""
from __future__ import annotations

import pytest

from cchc_lib.errors import PeriodError
from cchc_lib.core.periods import Period, parse_month, parse_period


@pytest.mark.parametrize("text,kind,months", [
    ("2023-03", "month", [3]),
    ("2023-01", "month", [1]),
    ("2023-12", "month", [12]),
    ("2023-Q1", "quarter", [1, 2, 3]),
    ("2023-Q2", "quarter", [4, 5, 6]),
    ("2023-Q3", "quarter", [7, 8, 9]),
    ("2023-Q4", "quarter", [10, 11, 12]),
    ("2023-H1", "half", [1, 2, 3, 4, 5, 6]),
    ("2023-H2", "half", [7, 8, 9, 10, 11, 12]),
    ("2023", "year", list(range(1, 13))),
    (" 2023-Q1 ", "quarter", [1, 2, 3]),  # surrounding blanks of a pasted cell
])
def test_parse_every_form(text, kind, months):
    p = parse_period(text)
    assert p.kind == kind and p.year == 2023
    assert list(p.month_numbers) == months
    assert [m.kind for m in p.months] == ["month"] * len(months)
    assert [str(m) for m in p.months] == [f"2023-{m:02d}" for m in months]
    assert p.length == len(months)
    assert str(p) == text.strip()


@pytest.mark.parametrize("text,previous", [
    ("2023-03", "2023-02"), ("2023-01", "2022-12"), ("2023-Q1", "2022-Q4"), ("2023-Q3", "2023-Q2"),
    ("2023-H1", "2022-H2"), ("2023-H2", "2023-H1"), ("2023", "2022"),
])
def test_previous(text, previous):
    assert str(parse_period(text).previous()) == previous


@pytest.mark.parametrize("text,label", [
    ("2023-03", "Tháng 3/2023"), ("2023-Q1", "Quý I/2023"), ("2023-Q4", "Quý IV/2023"),
    ("2023-H1", "6 tháng đầu năm 2023"), ("2023-H2", "6 tháng cuối năm 2023"), ("2023", "Năm 2023"),
])
def test_label_vi(text, label):
    assert parse_period(text).label_vi == label


@pytest.mark.parametrize("bad", ["2023-13", "2023-00", "2023-Q5", "2023-Q0", "Q1-2023", "", "   ", "2023-H3",
                                 "2023-H0", "2023-3", "23-03", "2023/03", "2023-Q1-01", "năm 23", "T13/2023",
                                 "quý V/2023", "Q5/2023", "00/2023", "6 tháng 1/2023", "tháng 3", "Q1/23", None, 2023])
def test_bad_periods_are_errors_naming_the_value(bad):
    with pytest.raises(PeriodError) as e:
        parse_period(bad)
    assert repr(bad) in str(e.value)
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize("text,canonical", [
    # as analysts write them: any case, with or without diacritics, spaces as typed
    ("Q1/2023", "2023-Q1"), ("q4/2023", "2023-Q4"), ("quý 1/2023", "2023-Q1"), ("Quý I/2023", "2023-Q1"),
    ("quý III/2023", "2023-Q3"), ("QUY IV/2023", "2023-Q4"), ("quý 2 năm 2023", "2023-Q2"),
    ("03/2023", "2023-03"), ("3/2023", "2023-03"), ("12/2023", "2023-12"),
    ("T3/2023", "2023-03"), ("t12/2023", "2023-12"), ("tháng 3/2023", "2023-03"), ("Tháng 3 năm 2023", "2023-03"),
    ("thang 11/2023", "2023-11"), ("6 tháng đầu năm 2023", "2023-H1"), ("6 tháng cuối năm 2023", "2023-H2"),
    ("6 thang dau nam 2023", "2023-H1"), ("H2/2023", "2023-H2"), ("năm 2023", "2023"), ("Năm  2023", "2023"),
    ("nam 2023", "2023"), (" T3/2023 ", "2023-03"),
])
def test_periods_as_people_write_them(text, canonical):
    p = parse_period(text)
    assert str(p) == canonical
    assert parse_period(str(p)) == p  # the contract's form of the same period


def test_a_bad_period_lists_the_accepted_spellings():
    with pytest.raises(PeriodError) as e:
        parse_period("Q1-2023")  # the contract's own example of an error
    assert "'Q1-2023'" in str(e.value) and "2023-Q1" in str(e.value) and "T3/2023" in str(e.value)


def test_data_files_keep_the_contract_s_month_form():
    # a long table's `period` column and a form's month cell: YYYY-MM only
    for text in ("T3/2023", "03/2023", "tháng 3/2023"):
        with pytest.raises(PeriodError):
            parse_month(text)


def test_parse_month_refuses_longer_periods():
    assert parse_month("2023-07") == Period.month(2023, 7)
    with pytest.raises(PeriodError, match="2023-Q1"):
        parse_month("2023-Q1")
    with pytest.raises(PeriodError):
        parse_month("2023")


def test_contains_and_equality():
    q1 = parse_period("2023-Q1")
    assert q1.contains(Period.month(2023, 3)) and not q1.contains(Period.month(2023, 4))
    assert not q1.contains(Period.month(2022, 3))
    assert parse_period("2023").contains(q1)
    assert parse_period("2023-03") == Period.month(2023, 3)
    assert hash(parse_period("2023-03")) == hash(Period.month(2023, 3))
    assert len({parse_period("2023-Q1"), Period(2023, "quarter", 1), parse_period("2023-01")}) == 2


def test_month_span():
    assert parse_period("2023-Q2").month_span == (4, 6)
    assert parse_period("2023-08").month_span == (8, 8)
    assert parse_period("2023").month_span == (1, 12)


@pytest.mark.parametrize("text", ["2023-13", "2023-Q1", "2023", "03/2023"])
def test_a_month_only_field_names_the_month_form(text):
    with pytest.raises(PeriodError) as e:
        parse_month(text)
    assert "tháng YYYY-MM" in str(e.value) and "YYYY-Qn" not in str(e.value)
