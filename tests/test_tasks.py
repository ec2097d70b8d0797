"""Task states on dates around deadlines (core.tasks): due today, one day
late, finished on time or late, recurring monthly and quarterly, per legal
document, per unit, cancelled, and what a review meeting fulfils."""
from __future__ import annotations

from datetime import date

import pytest

from cchc_lib.core.periods import Period
from cchc_lib.core.tasks import (CANCELLED, DONE, DONE_LATE, DUE_TODAY, LATE, OPEN, Meeting, Occurrence, Register,
                                 Task, add_months, as_of_day, for_unit, last_meeting, occurrences, period_deadline,
                                 states_on, task_state)
from scoring_helpers import REG

D = date


def once(deadline=D(2023, 3, 31), done=None, **kw) -> Task:
    return Task("T1", "Công bố quy trình nội bộ", "VP", criterion="3.3.2", deadline=deadline, done=done, **kw)


@pytest.mark.parametrize("day, done, state, late_days", [
    (D(2023, 3, 30), None, OPEN, 0),             # the day before
    (D(2023, 3, 31), None, DUE_TODAY, 0),        # due today is not late yet
    (D(2023, 4, 1), None, LATE, 1),              # one day late
    (D(2023, 9, 30), None, LATE, 183),
    (D(2023, 3, 31), D(2023, 3, 31), DONE, 0),   # finished on the deadline: on time
    (D(2023, 4, 1), D(2023, 4, 1), DONE_LATE, 0),  # finished one day after
    (D(2023, 3, 31), D(2023, 4, 1), DUE_TODAY, 0),  # a finish dated later does not count yet
    (D(2023, 4, 1), D(2023, 4, 2), LATE, 1),
])
def test_one_off_task_around_its_deadline(day, done, state, late_days):
    s = task_state(once(done=done), day, 2023)
    assert s.state == state
    assert s.days_late == late_days
    assert s.deadline == D(2023, 3, 31)


def test_cancelled_task_is_never_late():
    assert task_state(once(status="huy"), D(2023, 12, 31), 2023).state == CANCELLED


def monthly(**kw) -> Task:
    return Task("HOP", "Họp sơ kết tháng", "VP", section="III", every="month", **kw)


def test_monthly_task_deadlines_default_to_the_months_last_day():
    dues = occurrences(monthly(), 2023)
    assert [d.key for d in dues] == [f"2023-{m:02d}" for m in range(1, 13)]
    assert dues[1].deadline == D(2023, 2, 28) and dues[0].deadline == D(2023, 1, 31)
    assert dues[1].label == "tháng 2/2023"


def test_monthly_task_due_day_and_months_after_clip_to_the_month():
    t = monthly(due_day=31, due_months_after=1)
    assert period_deadline(t, Period.month(2023, 1)) == D(2023, 2, 28)  # "the 31st of the next month" in February
    assert period_deadline(t, Period.month(2023, 12)) == D(2024, 1, 31)
    q = Task("Q", "Họp quý", "VP", section="III", every="quarter", due_day=15, due_months_after=1)
    assert [d.deadline for d in occurrences(q, 2023)] == [D(2023, 4, 15), D(2023, 7, 15), D(2023, 10, 15), D(2024, 1, 15)]


@pytest.mark.parametrize("day, state, late_keys", [
    (D(2023, 1, 30), OPEN, []),
    (D(2023, 1, 31), OPEN, []),                  # January done on the 27th; February still ahead
    (D(2023, 2, 28), DUE_TODAY, []),             # February due today
    (D(2023, 3, 1), LATE, ["2023-02"]),          # one day late
    (D(2023, 3, 2), OPEN, []),                   # February done on 2 March (late), March ahead
    (D(2023, 5, 1), LATE, ["2023-04"]),
])
def test_recurring_monthly_task_states(day, state, late_keys):
    t = monthly(occurrences=(Occurrence("2023-01", D(2023, 1, 27)), Occurrence("2023-02", D(2023, 3, 2)),
                             Occurrence("2023-03", D(2023, 3, 30))))
    s = task_state(t, day, 2023)
    assert s.state == state
    assert [d.key for d in s.late] == late_keys
    if late_keys:
        assert s.days_late == 1 or day == D(2023, 5, 1)


def test_recurring_task_counts_late_finishes():
    t = monthly(occurrences=(Occurrence("2023-01", D(2023, 2, 3)),))
    s = task_state(t, D(2023, 2, 10), 2023)
    assert s.state == OPEN
    assert [d.state(s.day) for d in s.due_so_far] == [DONE_LATE]


def test_per_document_task_within_three_months():
    t = Task("ISO", "Cập nhật VB QPPL vào hệ thống QLCL", "VP", criterion="7.6.3", every="document", within_months=3,
             occurrences=(Occurrence("VB 1", None, D(2023, 11, 30)), Occurrence("VB 2", D(2023, 4, 1), D(2023, 1, 31))))
    dues = occurrences(t, 2023)
    assert [(d.key, d.deadline) for d in dues] == [("VB 2", D(2023, 4, 30)), ("VB 1", D(2024, 2, 29))]
    assert task_state(t, D(2023, 4, 30), 2023).state == OPEN  # VB 2 done, VB 1 ahead
    assert task_state(t, D(2024, 3, 1), 2023).state == LATE
    assert add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)


def test_each_unit_task_names_the_units_that_are_late():
    t = Task("KH", "Kế hoạch của đơn vị", "VP", section="III", each_unit=("truc_thuoc",), deadline=D(2023, 3, 15),
             occurrences=(Occurrence("THPT_TRANPHU", D(2023, 3, 10)), Occurrence("THPT_NGOQUYEN", D(2023, 3, 16))))
    s = task_state(t, D(2023, 3, 16), 2023, REG)
    schools = [u.code for u in REG if u.kind == "truc_thuoc"]
    assert [d.owner for d in s.dues] == schools
    assert s.state == LATE
    assert s.owners == ["THPT_THAIPHIEN", "TT_GDTX_HP"]
    mine = for_unit(s, "THPT_NGOQUYEN")
    assert mine is not None and mine.state == DONE_LATE and len(mine.dues) == 1
    assert for_unit(s, "GDTRH") is None          # not its kind, not its task
    assert for_unit(s, "VP") is s                # the office follows it up: it sees the whole task


def test_a_meeting_fulfils_its_months_occurrence():
    t = monthly()
    reg = Register(2023, (t,), (Meeting("SK-01", D(2023, 1, 30), "2023-01", "HOP", minutes="TB 02"),))
    s = states_on(reg, D(2023, 2, 1))[0]
    jan = s.dues[0]
    assert jan.done == D(2023, 1, 30) and jan.evidence == "TB 02" and jan.state(s.day) == DONE
    assert last_meeting(reg, D(2023, 1, 29)) is None
    assert last_meeting(reg, D(2023, 1, 30)).id == "SK-01"


def test_states_on_lists_late_first_most_days_late_first():
    a = once(deadline=D(2023, 3, 1))
    b = Task("T2", "Việc khác", "KHTC", section="III", deadline=D(2023, 2, 1))
    c = Task("T3", "Việc đến hạn", "VP", section="III", deadline=D(2023, 4, 1))
    d = Task("T4", "Việc xong", "VP", section="III", deadline=D(2023, 1, 1), done=D(2022, 12, 30))
    order = [s.task.id for s in states_on(Register(2023, (d, c, a, b)), D(2023, 4, 1))]
    assert order == ["T2", "T1", "T3", "T4"]


def test_a_period_is_judged_on_its_last_day_or_today():
    assert as_of_day(Period.parse("2023-Q3"), today=D(2026, 1, 1)) == D(2023, 9, 30)
    assert as_of_day(Period.parse("2023-Q3"), today=D(2023, 8, 15)) == D(2023, 8, 15)
    assert as_of_day(Period.parse("2024-02"), today=D(2025, 1, 1)) == D(2024, 2, 29)
