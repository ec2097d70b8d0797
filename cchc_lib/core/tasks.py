"""The plan's task register and review meetings, and what state a task is in on a date.

Pure: the register is plain data (`Register`, `Task`, `Meeting`) built by
`cchc_lib.intake.tasks` from `params/tasks.yaml` or its Excel form; here it
is only expanded into its occurrences (`Due`: one deadline, one owner) and
judged on a day.

A task is done once (a deadline), or once per period (`every`: month,
quarter, year), once per new legal document (`every: document`, within
`within_months` of the day it takes effect: the plan's "chậm nhất là ba
tháng kể từ khi văn bản quy phạm pháp luật có hiệu lực"), or once by each
unit of some kinds (`each_unit`: "các phòng, đơn vị xây dựng kế hoạch chi
tiết").  An occurrence on a day is:

- `done` (finished on or before its deadline) or `done_late` (after it);
- `due_today` (the deadline is that day: not late yet);
- `late` (the deadline has passed, not finished on that day);
- `open` (the deadline is still ahead);
- `cancelled` (the task was dropped: never late).

A finish dated after the day does not count on that day, so a report of a
past period shows the tasks as they stood at its end.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Sequence

from cchc_lib.core.periods import Period
from cchc_lib.core.units import Registry

#: Recurrences (`every`): None is a one-off task.
EVERY = ("month", "quarter", "year", "document")
EVERY_VI = {None: "Một lần", "month": "Hằng tháng", "quarter": "Hằng quý", "year": "Hằng năm",
            "document": "Khi có văn bản mới"}
#: The status the office records (the state on a day is computed, `State`).
STATUS_VI = {"chua_thuc_hien": "Chưa thực hiện", "dang_thuc_hien": "Đang thực hiện",
             "hoan_thanh": "Hoàn thành", "huy": "Hủy"}
DONE, DONE_LATE, DUE_TODAY, LATE, OPEN, CANCELLED = "done", "done_late", "due_today", "late", "open", "cancelled"
STATE_VI = {DONE: "Đã hoàn thành", DONE_LATE: "Hoàn thành muộn", DUE_TODAY: "Đến hạn hôm nay", LATE: "Quá hạn",
            OPEN: "Trong hạn", CANCELLED: "Đã hủy"}
#: Worst first: a task shows the worst state of its occurrences due so far.
SEVERITY = (LATE, DUE_TODAY, OPEN, DONE_LATE, DONE, CANCELLED)


@dataclass(frozen=True)
class Occurrence:
    """What the office recorded for one occurrence of a repeated task: `of`
    is the month or quarter (`2023-03`, `2023-Q1`), the year, the unit code
    (`each_unit`) or the legal document (`every: document`, with the day it
    takes effect)."""

    of: str
    done: date | None = None
    effective: date | None = None
    evidence: str = ""
    note: str = ""


@dataclass(frozen=True)
class Task:
    """One line of the register (or one decision of a review meeting)."""

    id: str
    title: str
    owner: str  # the unit in charge (chủ trì)
    criterion: str | None = None  # the criterion it serves, or
    section: str | None = None  # the plan's section ("III")
    co_owners: tuple[str, ...] = ()  # phối hợp
    each_unit: tuple[str, ...] = ()  # unit kinds: every unit of these kinds does it once
    every: str | None = None  # None (once) or one of EVERY
    deadline: date | None = None  # once, each_unit; `year`: this day of the register's year
    due_day: int | None = None  # month/quarter: day of the period's last month (None: its last day)
    due_months_after: int = 0  # month/quarter: that many months after the period's last month
    within_months: int | None = None  # document: months after the day it takes effect
    status: str | None = None  # one of STATUS_VI (None: not recorded)
    done: date | None = None  # once: the day it was finished
    evidence: str = ""
    note: str = ""
    meeting: str | None = None  # the review meeting that decided it
    occurrences: tuple[Occurrence, ...] = ()

    @property
    def repeated(self) -> bool:
        return self.every is not None or bool(self.each_unit)

    @property
    def cancelled(self) -> bool:
        return self.status == "huy"

    def concerns(self, unit: str) -> bool:
        """The unit is in charge of it, works on it, or does its own share."""
        return unit == self.owner or unit in self.co_owners


@dataclass(frozen=True)
class Meeting:
    """A review meeting (họp sơ kết): its decisions are tasks with `meeting` = its id."""

    id: str
    date: date
    reviews: str  # the month or quarter it reviews ("2023-08", "2023-Q3")
    fulfils: str | None = None  # the repeated task (monthly/quarterly meeting) it is an occurrence of
    chair: str = ""
    attendees: tuple[str, ...] = ()
    minutes: str = ""  # biên bản, thông báo kết luận
    note: str = ""


@dataclass(frozen=True)
class Register:
    year: int
    tasks: tuple[Task, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    source: str = ""

    def task(self, task_id: str) -> Task:
        return next(t for t in self.tasks if t.id == task_id)

    def decisions(self, meeting_id: str) -> list[Task]:
        return [t for t in self.tasks if t.meeting == meeting_id]

    def same_content(self, other: "Register") -> bool:
        """Equal but for where it was read from."""
        return (self.year, self.tasks, self.meetings) == (other.year, other.tasks, other.meetings)


@dataclass(frozen=True)
class Due:
    """One occurrence: what is due, from whom, by when; and what was recorded."""

    task: Task
    key: str  # "" (once), "2023-03", "2023-Q1", "2023", a unit code, a document
    label: str  # "tháng 3/2023", "quý I/2023", the unit's name, the document
    owner: str
    deadline: date
    done: date | None = None
    evidence: str = ""
    note: str = ""

    def state(self, day: date) -> str:
        if self.task.cancelled:
            return CANCELLED
        if self.done is not None and self.done <= day:
            return DONE if self.done <= self.deadline else DONE_LATE
        if day < self.deadline:
            return OPEN
        return DUE_TODAY if day == self.deadline else LATE

    def days_late(self, day: date) -> int:
        """Days past the deadline on `day` (0 unless late)."""
        return (day - self.deadline).days if self.state(day) == LATE else 0


def add_months(d: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31/1 + 1 → 28/2)."""
    m0 = d.year * 12 + d.month - 1 + months
    year, month = divmod(m0, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _day_in(year: int, month: int, day: int | None) -> date:
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if day is None else min(day, last))


def period_deadline(task: Task, period: Period) -> date:
    """The deadline of a monthly or quarterly task's occurrence for `period`."""
    last = period.months[-1]
    m0 = last.year * 12 + last.index - 1 + task.due_months_after
    year, month = divmod(m0, 12)
    return _day_in(year, month + 1, task.due_day)


def meeting_records(register: Register) -> dict[tuple[str, str], Occurrence]:
    """(task, period) → the occurrence a review meeting fulfils (done on its day, the minutes as evidence)."""
    out = {}
    for m in register.meetings:
        if m.fulfils:
            out[(m.fulfils, m.reviews)] = Occurrence(m.reviews, m.date, None, m.minutes or f"Cuộc họp {m.id}",
                                                     m.note)
    return out


def occurrences(task: Task, year: int, registry: Registry | None = None,
                records: dict[tuple[str, str], Occurrence] | None = None) -> list[Due]:
    """Every occurrence of the task in the register's year, deadline order
    (units in registry order).  `records`: occurrences fulfilled by meetings."""
    given = {o.of: o for o in task.occurrences}
    for (tid, of), occ in (records or {}).items():
        if tid == task.id:
            given.setdefault(of, occ)

    def due(key: str, label: str, owner: str, deadline: date) -> Due:
        o = given.get(key)
        return Due(task, key, label, owner, deadline, o.done if o else None, o.evidence if o else "",
                   o.note if o else "")

    if task.each_unit:
        units = [u for u in (registry or ()) if u.kind in task.each_unit]
        return [due(u.code, u.name, u.code, task.deadline) for u in units]  # type: ignore[arg-type]
    if task.every == "month" or task.every == "quarter":
        kind = "month" if task.every == "month" else "quarter"
        periods = [Period(year, kind, i) for i in range(1, 13 if kind == "month" else 5)]
        return [due(str(p), p.label_vi_lower, task.owner, period_deadline(task, p)) for p in periods]
    if task.every == "year":
        d = task.deadline
        return [due(str(year), f"năm {year}", task.owner, _day_in(year, d.month, d.day))]  # type: ignore[union-attr]
    if task.every == "document":
        out = [Due(task, o.of, o.of, task.owner, add_months(o.effective, task.within_months or 0), o.done,
                   o.evidence, o.note) for o in task.occurrences if o.effective is not None]
        return sorted(out, key=lambda d: d.deadline)
    return [Due(task, "", "", task.owner, task.deadline, task.done, task.evidence, task.note)]  # type: ignore[arg-type]


@dataclass(frozen=True)
class TaskState:
    """A task on a day: its worst state among the occurrences due so far (the
    next one when none is due yet), with the occurrences that are late."""

    task: Task
    day: date
    state: str
    dues: tuple[Due, ...]

    @property
    def late(self) -> list[Due]:
        return [d for d in self.dues if d.state(self.day) == LATE]

    @property
    def due_so_far(self) -> list[Due]:
        return [d for d in self.dues if d.deadline <= self.day]

    @property
    def finished(self) -> list[Due]:
        return [d for d in self.dues if d.state(self.day) in (DONE, DONE_LATE)]

    @property
    def next(self) -> Due | None:
        """The earliest occurrence not finished and not yet past its deadline."""
        ahead = [d for d in self.dues if d.state(self.day) in (OPEN, DUE_TODAY)]
        return min(ahead, key=lambda d: d.deadline) if ahead else None

    @property
    def deadline(self) -> date | None:
        """The deadline that matters: the oldest missed one, else the next one, else the last one."""
        late = self.late
        if late:
            return min(d.deadline for d in late)
        nxt = self.next
        if nxt is not None:
            return nxt.deadline
        return max((d.deadline for d in self.dues), default=None)

    @property
    def days_late(self) -> int:
        return max((d.days_late(self.day) for d in self.dues), default=0)

    @property
    def owners(self) -> list[str]:
        """Who has to act: the owners of the late occurrences, else the task's owner."""
        late = self.late
        return list(dict.fromkeys(d.owner for d in late)) if late and self.task.each_unit else [self.task.owner]


def task_state(task: Task, day: date, year: int, registry: Registry | None = None,
               records: dict[tuple[str, str], Occurrence] | None = None) -> TaskState:
    """The task on `day`: late if any occurrence is late; due today if one is
    due that day; open if one is still ahead and none is missed; otherwise
    done (late if any occurrence was finished after its deadline)."""
    dues = tuple(occurrences(task, year, registry, records))
    if task.cancelled:
        return TaskState(task, day, CANCELLED, dues)
    states = {d.state(day) for d in dues}
    if LATE in states:
        state = LATE
    elif DUE_TODAY in states:
        state = DUE_TODAY
    elif any(d.state(day) == OPEN for d in dues):
        # a repeated task with every occurrence so far done is "in time" until the next one
        state = OPEN
    elif DONE_LATE in states:
        state = DONE_LATE
    elif dues:
        state = DONE
    else:
        state = OPEN  # a document task with no document yet: nothing due
    return TaskState(task, day, state, dues)


def states_on(register: Register, day: date, registry: Registry | None = None,
              tasks: Iterable[Task] | None = None) -> list[TaskState]:
    """Every task (or `tasks`) on `day`, late first (most days late first),
    then due today, open (nearest deadline first), done."""
    records = meeting_records(register)
    chosen = register.tasks if tasks is None else tuple(tasks)
    out = [task_state(t, day, register.year, registry, records) for t in chosen]
    far = date.max
    return sorted(out, key=lambda s: (SEVERITY.index(s.state), -s.days_late, s.deadline or far, s.task.id))


def for_unit(state: TaskState, unit: str) -> TaskState | None:
    """The task as one unit sees it: its own share of an each-unit task, the
    whole task when it is in charge or works on it; None otherwise."""
    t = state.task
    if t.each_unit:
        mine = tuple(d for d in state.dues if d.owner == unit)
        if t.concerns(unit):
            return state
        if not mine:
            return None
        return task_state_of(t, state.day, mine)
    return state if t.concerns(unit) else None


def task_state_of(task: Task, day: date, dues: Sequence[Due]) -> TaskState:
    """The state of a task from a chosen set of its occurrences."""
    if task.cancelled:
        return TaskState(task, day, CANCELLED, tuple(dues))
    states = [d.state(day) for d in dues]
    state = next((s for s in SEVERITY if s in states), OPEN)
    if state in (DONE, DONE_LATE) and OPEN in states:
        state = OPEN
    return TaskState(task, day, state, tuple(dues))


def in_window(state: TaskState, first: date, last: date) -> bool:
    """What a period's list shows: late on its last day, or an occurrence due
    or finished within [first, last]."""
    if state.state in (LATE, DUE_TODAY):
        return True
    return any(first <= d.deadline <= last or (d.done is not None and first <= d.done <= last)
               for d in state.dues)


def last_meeting(register: Register, day: date) -> Meeting | None:
    """The latest review meeting held on or before `day`."""
    held = [m for m in register.meetings if m.date <= day]
    return max(held, key=lambda m: (m.date, m.id)) if held else None


def period_dates(period: Period) -> tuple[date, date]:
    """First and last calendar day of the period's months."""
    first, last = period.months[0], period.months[-1]
    return date(first.year, first.index, 1), _day_in(last.year, last.index, None)


def as_of_day(period: Period, today: date | None = None) -> date:
    """The day a period's tasks are judged on: its last day, or today while it runs."""
    end = period_dates(period)[1]
    today = today or date.today()
    return min(end, today)


__all__ = ["EVERY", "EVERY_VI", "STATUS_VI", "STATE_VI", "DONE", "DONE_LATE", "DUE_TODAY", "LATE", "OPEN",
           "CANCELLED", "Occurrence", "Task", "Meeting", "Register", "Due", "TaskState", "occurrences",
           "task_state", "states_on", "for_unit", "in_window", "last_meeting", "period_dates", "as_of_day",
           "add_months", "period_deadline", "meeting_records"]
