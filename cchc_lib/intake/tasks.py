"""The task register (`params/tasks.yaml`) and its Excel form: reading,
validating, writing.

Both files hold the same thing, a `core.tasks.Register`: the plan's tasks,
what was recorded per period, unit or legal document ("Theo kỳ"), and the
review meetings (họp sơ kết) with their decisions (tasks whose `meeting` is
the meeting's id; in the YAML they sit under their meeting).  Every problem
of a file is collected, located (YAML: line and key; Excel: sheet, cell,
row and column heading) and raised together as one `DataError`; nothing is
returned from a file that has any.  The Excel form written from a register
reads back as the same register.

The YAML, one task (every key but `id`, `task`, `owner` is optional; see
params/tasks.yaml for every form):

    year: 2023
    tasks:
      - id: ISO-DGNB
        task: Đánh giá nội bộ và xem xét của lãnh đạo về hệ thống QLCL
        criterion: "7.6.3"          # or section: "III"
        owner: VP
        co_owners: [TCCB]
        deadline: 2023-09-30        # once; or every: month|quarter|year|document, or each_unit: [phong]
        status: dang_thuc_hien      # chua_thuc_hien | dang_thuc_hien | hoan_thanh | huy
        done: 2023-10-12
        evidence: "Báo cáo số 123/BC-SGDĐT"
        note: ""
    meetings:
      - id: SK-2023-08
        date: 2023-08-29
        reviews: 2023-08             # the month or quarter reviewed
        fulfils: HOP-SK-THANG        # the monthly/quarterly meeting task it is an occurrence of
        attendees: [VP, GDTRH]
        decisions:
          - {id: SK-2023-08/1, task: ..., owner: KTKD, deadline: 2023-09-30}
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import yaml

from cchc_lib import project
from cchc_lib.core.catalogue import Catalogue, fold
from cchc_lib.core.periods import Period
from cchc_lib.core.tasks import EVERY, EVERY_VI, STATUS_VI, Meeting, Occurrence, Register, Task
from cchc_lib.core.units import Registry
from cchc_lib.errors import DataError, PeriodError, Problem
from cchc_lib.files import atomic_path, text_cell, write_text
from cchc_lib.intake.forms import LINE_HEIGHT, print_a4, text_lines
from cchc_lib.intake.long_table import is_blank
from cchc_lib.intake.xlsx import Unreadable, Workbook, XlsxError

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,39}$")
MARKER = "CCHC-SO-NHIEM-VU/1"
TASKS_SHEET, OCC_SHEET, MEETINGS_SHEET, GUIDE_SHEET = "Nhiệm vụ", "Theo kỳ", "Họp sơ kết", "Hướng dẫn"
YEAR_CELL, MARKER_CELL = "B2", "H1"
TASK_COLUMNS = (
    ("id", "Mã nhiệm vụ", 13), ("task", "Nhiệm vụ", 48), ("criterion", "Tiêu chí", 8),
    ("section", "Mục Kế hoạch", 8), ("owner", "Đơn vị chủ trì", 11), ("co_owners", "Đơn vị phối hợp", 14),
    ("each_unit", "Mỗi đơn vị thuộc loại", 16), ("every", "Định kỳ", 13), ("deadline", "Hạn", 11),
    ("due_day", "Ngày hạn trong kỳ", 8), ("due_months_after", "Số tháng sau kỳ", 8),
    ("within_months", "Trong vòng (tháng) từ ngày văn bản có hiệu lực", 11), ("status", "Trạng thái", 14),
    ("done", "Ngày hoàn thành", 11), ("evidence", "Tài liệu kiểm chứng", 26), ("note", "Ghi chú", 26),
    ("meeting", "Quyết định của cuộc họp", 12),
)
OCC_COLUMNS = (
    ("task", "Mã nhiệm vụ", 13), ("of", "Kỳ / đơn vị / văn bản", 30),
    ("effective", "Ngày văn bản có hiệu lực", 12), ("done", "Ngày hoàn thành", 12),
    ("evidence", "Tài liệu kiểm chứng", 30), ("note", "Ghi chú", 30),
)
MEETING_COLUMNS = (
    ("id", "Mã cuộc họp", 13), ("date", "Ngày họp", 11), ("reviews", "Kỳ sơ kết", 10),
    ("fulfils", "Nhiệm vụ định kỳ", 14), ("chair", "Chủ trì", 22), ("attendees", "Thành phần dự họp", 30),
    ("minutes", "Biên bản / thông báo kết luận", 26), ("note", "Ghi chú", 30),
)
TASK_KEYS = {k for k, _, _ in TASK_COLUMNS} | {"occurrences"}
MEETING_KEYS = {k for k, _, _ in MEETING_COLUMNS} | {"decisions"}
OCC_KEYS = {k for k, _, _ in OCC_COLUMNS} - {"task"}
_EVERY_WORDS = {**{fold(v): k for k, v in EVERY_VI.items()}, **{k: k for k in EVERY},
                "hang thang": "month", "hang quy": "quarter", "hang nam": "year", "theo van ban": "document",
                "once": None}
_STATUS_WORDS = {**{fold(v): k for k, v in STATUS_VI.items()}, **{k: k for k in STATUS_VI}}


TASKS_FILE = "tasks.yaml"


def tasks_path(root: Path | None = None) -> Path:
    """The department's register: `params/tasks.yaml` of the project."""
    return (root or project.project_root()) / "params" / TASKS_FILE


# --- where a value came from ---------------------------------------------------------------

Locate = Callable[[str], dict]


@dataclass
class _Record:
    """One raw record (a task, an occurrence, a meeting) and how to locate its fields."""

    raw: Mapping[str, Any]
    locate: Locate
    what: str  # "nhiệm vụ ISO-DGNB", for messages that need the record named


class _Problems:
    def __init__(self, file: str):
        self.file = file
        self.items: list[Problem] = []

    def add(self, rec: _Record, key: str, message: str) -> None:
        self.items.append(Problem(message, file=self.file, **rec.locate(key)))


# --- value parsers (ValueError in Vietnamese) -----------------------------------------------------

def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def parse_day(v: Any) -> date:
    """A date: a YAML date, an Excel date (serial), `27/01/2023` or `2023-01-27`."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v < 2958466:
        from openpyxl.utils.datetime import from_excel  # an Excel date serial (openpyxl only to read it)

        return from_excel(v).date()
    text = _text(v)
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", text)
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' không phải ngày (dạng 27/01/2023 hoặc 2023-01-27)") from None


def _whole(v: Any, low: int, high: int) -> int:
    if isinstance(v, bool):
        raise ValueError(f"'{v}' không phải số nguyên")
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, str) and v.strip().isdigit():
        v = int(v.strip())
    if not isinstance(v, int) or not low <= v <= high:
        raise ValueError(f"'{_text(v)}' phải là số nguyên từ {low} đến {high}")
    return v


def _items(v: Any, commas: bool = True) -> tuple[str, ...]:
    """A YAML list or a text "A; B" (Excel); unit codes may also be parted by commas
    (people's names and titles may hold one: `commas` False)."""
    if v is None:
        return ()
    if isinstance(v, (list, tuple)):
        return tuple(_text(x) for x in v if not is_blank(_text(x)))
    return tuple(x.strip() for x in re.split(r"[;,\n]" if commas else r"[;\n]", _text(v)) if x.strip())


def _month_text(v: Any) -> str:
    """A period cell: Excel may have made "2023-08" a date; take its month back."""
    if isinstance(v, (datetime, date)):
        return f"{v.year:04d}-{v.month:02d}"
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 3000:
        d = parse_day(v)
        return f"{d.year:04d}-{d.month:02d}"
    return _text(v)


# --- validating a document ------------------------------------------------------------------

class _Builder:
    def __init__(self, file: str, catalogue: Catalogue, registry: Registry):
        self.p = _Problems(file)
        self.catalogue = catalogue
        self.registry = registry
        self.codes = {c.code for c in catalogue.criteria}
        self.kind_words = {**{fold(label): k for k, label in catalogue.unit_kinds.items()},
                           **{k: k for k in catalogue.unit_kinds}}
        self.failed: set[tuple[int, str]] = set()

    def field(self, rec: _Record, key: str, parse: Callable[[Any], Any], default: Any = None) -> Any:
        v = rec.raw.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            return default
        try:
            return parse(v)
        except ValueError as e:
            self.p.add(rec, key, str(e))
            self.failed.add((id(rec.raw), key))
            return default

    def known_keys(self, rec: _Record, keys: Iterable[str], also: Iterable[str] = ()) -> None:
        """A problem for each key of the record that is not one of `keys` (nor
        of `also`: accepted without being listed)."""
        for k in rec.raw:
            if k not in keys and k not in also:
                self.p.add(rec, k, f"khóa không hỗ trợ '{k}' (các khóa: {', '.join(sorted(keys))})")

    def choice(self, rec: _Record, key: str, words: Mapping[str, Any], what: str, shown: Iterable[str]) -> Any:
        """One of `words` (spelt with or without diacritics), None when blank; an
        unknown word is a problem listing the `shown` spellings."""
        text = _text(rec.raw.get(key))
        if is_blank(text):
            return None
        if fold(text) not in words:
            self.p.add(rec, key, f"{what} không hợp lệ '{text}' (dùng: {', '.join(shown)})")
            return None
        return words[fold(text)]

    def given(self, rec: _Record, key: str) -> bool:
        """A value was there (perhaps refused): do not also say it is missing."""
        return (id(rec.raw), key) in self.failed

    def unit(self, rec: _Record, key: str, v: Any) -> str | None:
        code = _text(v)
        if code not in self.registry:
            self.p.add(rec, key, f"đơn vị không có trong danh mục: '{code}'")
            return None
        return code

    def task(self, rec: _Record, year: int, meeting: str | None) -> tuple[Task, bool, list[_Record]]:
        """The task (provisional where a value was refused), whether it is valid,
        and the records of its valid occurrences (to locate later checks)."""
        before = len(self.p.items)
        raw = rec.raw
        self.known_keys(rec, TASK_KEYS)
        tid = _text(raw.get("id"))
        if not ID_RE.match(tid):
            self.p.add(rec, "id", f"mã nhiệm vụ '{tid}' không hợp lệ (chữ, số, _ . - /, tối đa 40 ký tự)"
                       if tid else "thiếu mã nhiệm vụ (id)")
        title = _text(raw.get("task"))
        if not title:
            self.p.add(rec, "task", "thiếu nội dung nhiệm vụ (task)")
        criterion = _text(raw.get("criterion")) or None
        if criterion is not None and criterion not in self.codes:
            self.p.add(rec, "criterion", f"tiêu chí không có trong danh mục: '{criterion}'")
        section = _text(raw.get("section")) or None
        if criterion is None and section is None:
            self.p.add(rec, "criterion", "cần tiêu chí (criterion) hoặc mục Kế hoạch (section) mà nhiệm vụ phục vụ")
        owner = None
        if is_blank(raw.get("owner")):
            self.p.add(rec, "owner", "thiếu đơn vị chủ trì (owner)")
        else:
            owner = self.unit(rec, "owner", raw.get("owner"))
        co = tuple(c for c in (self.unit(rec, "co_owners", x) for x in _items(raw.get("co_owners"))) if c)
        kinds = []
        for word in _items(raw.get("each_unit")):
            kind = self.kind_words.get(fold(word))
            if kind is None:
                self.p.add(rec, "each_unit", f"loại đơn vị không hợp lệ '{word}' (các loại: "
                                             f"{', '.join(self.catalogue.unit_kinds)})")
            else:
                kinds.append(kind)
        every = self.choice(rec, "every", _EVERY_WORDS, "định kỳ", EVERY_VI.values())
        deadline = self.field(rec, "deadline", parse_day)
        due_day = self.field(rec, "due_day", lambda v: _whole(v, 1, 31))
        after = self.field(rec, "due_months_after", lambda v: _whole(v, 0, 12), 0)
        within = self.field(rec, "within_months", lambda v: _whole(v, 1, 24))
        status = self.choice(rec, "status", _STATUS_WORDS, "trạng thái", STATUS_VI.values())
        done = self.field(rec, "done", parse_day)
        repeated = every is not None or bool(kinds)
        if kinds and every is not None:
            self.p.add(rec, "every", "nhiệm vụ 'mỗi đơn vị' làm một lần: bỏ trống định kỳ")
        if every in ("month", "quarter"):
            if deadline is not None:
                self.p.add(rec, "deadline", "nhiệm vụ hằng tháng, hằng quý: ghi ngày hạn trong kỳ (due_day), "
                                            "không ghi một ngày cố định")
        elif every == "document":
            if within is None:
                self.p.add(rec, "within_months", "nhiệm vụ theo văn bản mới cần số tháng (within_months) kể từ "
                                                 "ngày văn bản có hiệu lực")
            if deadline is not None:
                self.p.add(rec, "deadline", "nhiệm vụ theo văn bản mới: hạn tính từ ngày văn bản có hiệu lực, "
                                            "không ghi một ngày cố định")
        elif deadline is None and not self.given(rec, "deadline"):
            self.p.add(rec, "deadline", "thiếu hạn (deadline)")
        if every not in ("month", "quarter") and (due_day is not None or after):
            self.p.add(rec, "due_day", "ngày hạn trong kỳ chỉ dùng cho nhiệm vụ hằng tháng, hằng quý")
        if every != "document" and within is not None:
            self.p.add(rec, "within_months", "số tháng từ ngày văn bản có hiệu lực chỉ dùng cho nhiệm vụ "
                                             "theo văn bản mới")
        if repeated and done is not None:
            self.p.add(rec, "done", "nhiệm vụ định kỳ hoặc mỗi đơn vị: ghi ngày hoàn thành từng kỳ, từng đơn "
                                    "vị ở mục occurrences (trang tính 'Theo kỳ')")
        if not repeated and status == "hoan_thanh" and done is None:
            self.p.add(rec, "done", "trạng thái Hoàn thành cần ngày hoàn thành")
        if done is not None and status == "chua_thuc_hien":
            self.p.add(rec, "status", "có ngày hoàn thành nhưng trạng thái là Chưa thực hiện")
        if meeting is not None and repeated:
            self.p.add(rec, "every", "quyết định của cuộc họp là việc làm một lần (có hạn), không định kỳ")
        occurrences: list[Occurrence] = []
        occ_recs: list[_Record] = []
        raw_occ = raw.get("occurrences")
        if raw_occ is not None and not isinstance(raw_occ, list):
            self.p.add(rec, "occurrences", "occurrences phải là danh sách")
        elif raw_occ:
            if not repeated:
                self.p.add(rec, "occurrences", "chỉ nhiệm vụ định kỳ, theo văn bản hoặc mỗi đơn vị mới có "
                                               "occurrences")
            for i, o in enumerate(raw_occ):
                sub = _Record(o if isinstance(o, Mapping) else {}, _sub_locate(rec.locate, "occurrences", i),
                              rec.what)
                if not isinstance(o, Mapping):
                    self.p.add(sub, "of", "mỗi mục occurrences phải là bảng khóa: giá trị")
                    continue
                occ = self.occurrence(sub)
                if occ is not None:
                    occurrences.append(occ)
                    occ_recs.append(sub)
        task = Task(tid, title, owner or "", criterion, section, co, tuple(dict.fromkeys(kinds)), every, deadline,
                    due_day, after, within, status, done, _text(raw.get("evidence")), _text(raw.get("note")),
                    meeting, tuple(occurrences))
        return task, len(self.p.items) == before, occ_recs

    def occurrence(self, rec: _Record) -> Occurrence | None:
        before = len(self.p.items)
        self.known_keys(rec, OCC_KEYS, also=("task",))
        of = _month_text(rec.raw.get("of"))
        if not of:
            self.p.add(rec, "of", "thiếu kỳ, đơn vị hoặc văn bản (of)")
        done = self.field(rec, "done", parse_day)
        effective = self.field(rec, "effective", parse_day)
        if len(self.p.items) > before:
            return None
        return Occurrence(of, done, effective, _text(rec.raw.get("evidence")), _text(rec.raw.get("note")))

    def check_occurrences(self, task: Task, rec: _Record, year: int, occ_recs: Sequence[_Record]) -> None:
        """Each recorded occurrence names one of the task's periods, units or documents, once."""
        seen: set[str] = set()
        for occ, orec in zip(task.occurrences, occ_recs):
            key = occ.of
            if key in seen:
                self.p.add(orec, "of", f"{rec.what}: '{key}' đã ghi ở dòng trên")
            seen.add(key)
            if task.every in ("month", "quarter"):
                try:
                    p = Period.parse(key)
                    if p.kind != task.every or p.year != year:
                        raise PeriodError(key)
                except PeriodError:
                    want = f"{year}-03" if task.every == "month" else f"{year}-Q1"
                    self.p.add(orec, "of", f"{rec.what} làm {EVERY_VI[task.every].lower()}: kỳ '{key}' phải là "
                                           f"một {'tháng' if task.every == 'month' else 'quý'} năm {year} "
                                           f"(ví dụ {want})")
            elif task.every == "year" and key != str(year):
                self.p.add(orec, "of", f"{rec.what} làm hằng năm: kỳ phải là {year}, không phải '{key}'")
            elif task.each_unit:
                if key not in self.registry or self.registry.get(key).kind not in task.each_unit:
                    self.p.add(orec, "of", f"{rec.what}: '{key}' không phải mã một đơn vị thuộc loại "
                                           f"{', '.join(task.each_unit)}")
            if task.every == "document":
                if occ.effective is None:
                    self.p.add(orec, "effective", f"{rec.what}: cần ngày văn bản '{key}' có hiệu lực")
            elif occ.effective is not None:
                self.p.add(orec, "effective", "ngày văn bản có hiệu lực chỉ dùng cho nhiệm vụ theo văn bản mới")
            if task.every != "document" and occ.done is None and not occ.note:
                self.p.add(orec, "done", f"{rec.what}, {key}: cần ngày hoàn thành (hoặc ghi chú)")

    def meeting(self, rec: _Record, year: int) -> Meeting | None:
        before = len(self.p.items)
        raw = rec.raw
        self.known_keys(rec, MEETING_KEYS)
        mid = _text(raw.get("id"))
        if not ID_RE.match(mid):
            self.p.add(rec, "id", f"mã cuộc họp '{mid}' không hợp lệ" if mid else "thiếu mã cuộc họp (id)")
        day = self.field(rec, "date", parse_day)
        if day is None and not self.given(rec, "date"):
            self.p.add(rec, "date", "thiếu ngày họp (date)")
        reviews = _month_text(raw.get("reviews"))
        try:
            p = Period.parse(reviews)
            if p.kind not in ("month", "quarter"):
                raise PeriodError(reviews)
            reviews = str(p)
        except PeriodError:
            self.p.add(rec, "reviews", f"kỳ sơ kết '{reviews}' phải là một tháng (2023-08) hoặc một quý (2023-Q3)"
                       if reviews else "thiếu kỳ sơ kết (reviews)")
        fulfils = _text(raw.get("fulfils")) or None
        attendees = _items(raw.get("attendees"), commas=False)
        if len(self.p.items) > before:
            return None
        return Meeting(mid, day, reviews, fulfils, _text(raw.get("chair")), attendees,  # type: ignore[arg-type]
                       _text(raw.get("minutes")), _text(raw.get("note")))


def _sub_locate(locate: Locate, key: str, index: int) -> Locate:
    return lambda k: locate((key, index, k))  # type: ignore[arg-type]


def build_register(year_raw: Any, year_rec: _Record, tasks: Sequence[_Record], occ: Sequence[tuple[str, _Record]],
                   meetings: Sequence[tuple[_Record, Sequence[_Record]]], file: str, catalogue: Catalogue,
                   registry: Registry, source: str = "") -> Register:
    """Validate raw records into a Register; DataError with every problem.

    `tasks`: the task records (an Excel row may name its meeting); `occ`:
    (task id, record) from a separate sheet; `meetings`: each meeting with
    its nested decision records (YAML)."""
    b = _Builder(file, catalogue, registry)
    year = 0
    try:
        year = _whole(year_raw, 2000, 2100)
    except ValueError as e:
        b.p.add(year_rec, "year", f"năm của sổ nhiệm vụ: {e}")
    every_task: list[tuple[Task, _Record, list[_Record], bool]] = []
    meeting_ids: set[str] = set()
    built_meetings: list[tuple[Meeting, _Record]] = []
    for rec, _ in meetings:
        m = b.meeting(rec, year)
        if m is None:
            continue
        if m.id in meeting_ids:
            b.p.add(rec, "id", f"mã cuộc họp {m.id} bị trùng")
            continue
        meeting_ids.add(m.id)
        built_meetings.append((m, rec))
    records = [(rec, _text(rec.raw.get("meeting")) or None) for rec in tasks]
    for rec, decisions in meetings:
        mid = _text(rec.raw.get("id"))
        records.extend((d, mid) for d in decisions)
    first_row: dict[str, _Record] = {}
    duplicate: set[int] = set()
    for rec, _ in records:
        tid = _text(rec.raw.get("id"))
        if tid and tid in first_row:
            b.p.add(rec, "id", f"mã nhiệm vụ {tid} bị trùng")
            duplicate.add(id(rec))
        first_row.setdefault(tid, rec)
    occ_by_task: dict[str, list[_Record]] = {}
    for tid, orec in occ:
        occ_by_task.setdefault(tid, []).append(orec)
    named = {_text(rec.raw.get("id")) for rec, _ in meetings}
    for rec, meeting in records:
        if id(rec) in duplicate:
            continue
        if meeting is not None and meeting not in named:
            b.p.add(rec, "meeting", f"cuộc họp không có trong sổ: '{meeting}'")
        raw = dict(rec.raw)
        raw.pop("meeting", None)
        extra = occ_by_task.get(_text(raw.get("id")), [])
        rec2 = _Record(raw, rec.locate, f"nhiệm vụ {_text(raw.get('id'))}")
        t, ok, nested = b.task(rec2, year, meeting)
        if extra:
            if not t.repeated:
                for orec in extra:
                    b.p.add(orec, "task", f"{rec2.what} làm một lần: ghi ngày hoàn thành ở trang tính '{TASKS_SHEET}'")
                ok = False
            else:
                more = [(b.occurrence(orec), orec) for orec in extra]
                ok = ok and all(o is not None for o, _ in more)
                t = replace(t, occurrences=t.occurrences + tuple(o for o, _ in more if o is not None))
                nested = nested + [orec for o, orec in more if o is not None]
        every_task.append((t, rec2, nested, ok))
    known = {_text(r.raw.get("id")) for r, _ in records}
    for tid, orecs in occ_by_task.items():
        if tid not in known:
            for orec in orecs:
                b.p.add(orec, "task", f"nhiệm vụ không có trong sổ: '{tid}'")
    for t, rec, nested, _ in every_task:
        b.check_occurrences(t, rec, year, nested)
    built = [(t, rec, nested) for t, rec, nested, ok in every_task if ok]
    by_id = {t.id: t for t, _, _, _ in every_task}
    fulfilled: dict[tuple[str, str], str] = {}
    for m, rec in built_meetings:
        if m.fulfils is None:
            continue
        t = by_id.get(m.fulfils)
        if t is None:
            b.p.add(rec, "fulfils", f"nhiệm vụ không có trong sổ: '{m.fulfils}'")
            continue
        kind = Period.parse(m.reviews).kind
        if t.every != kind:
            b.p.add(rec, "fulfils", f"cuộc họp sơ kết {'tháng' if kind == 'month' else 'quý'} {m.reviews} không "
                                    f"thể là một kỳ của nhiệm vụ {t.id} ({EVERY_VI[t.every].lower()})")
            continue
        if (t.id, m.reviews) in fulfilled:
            b.p.add(rec, "reviews", f"kỳ {m.reviews} của nhiệm vụ {t.id} đã có cuộc họp {fulfilled[(t.id, m.reviews)]}")
            continue
        if any(o.of == m.reviews for o in t.occurrences):
            b.p.add(rec, "reviews", f"kỳ {m.reviews} của nhiệm vụ {t.id} đã ghi ở occurrences (trang tính 'Theo kỳ'): "
                                    "chỉ ghi một nơi")
            continue
        fulfilled[(t.id, m.reviews)] = m.id
    if b.p.items:
        raise DataError(b.p.items)
    return Register(year, tuple(t for t, _, _ in built), tuple(m for m, _ in built_meetings), source)


# --- YAML -----------------------------------------------------------------------------------

def safe_load_located(text: str, file: str) -> Any:
    """`yaml.safe_load`, a syntax error located at its line.  A date that does
    not exist (2023-02-30, which PyYAML refuses without saying where) is
    kept as text, so that validation names it with its line and key."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        what = " ".join(str(getattr(e, "problem", None) or e).split())
        raise DataError([Problem(f"YAML không hợp lệ: {what}", file=file,
                                 row=mark.line + 1 if mark else None)]) from None
    except ValueError:
        pass
    root = yaml.compose(text, Loader=yaml.SafeLoader)  # nodes only: nothing is constructed yet

    def retag(node: Any) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                retag(v)
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                retag(v)
        elif node.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.safe_load(node.value)
            except ValueError:
                node.tag = "tag:yaml.org,2002:str"

    retag(root)
    return yaml.SafeLoader("").construct_document(root)  # the safe constructor, on the retagged nodes


def yaml_lines(text: str) -> dict[tuple, int]:
    """(key, index, key, ...) → 1-based line of that node (its key for mappings)."""
    out: dict[tuple, int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)  # nodes only: nothing is constructed
    except yaml.YAMLError:
        return out

    def walk(node: Any, path: tuple) -> None:
        out[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = k.value
                out[path + (key,)] = k.start_mark.line + 1
                walk(v, path + (key,))
                out[path + (key,)] = k.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, path + (i,))

    if root is not None:
        walk(root, ())
    return out


def _yaml_locate(lines: dict[tuple, int], base: tuple) -> Locate:
    def locate(key: Any) -> dict:
        path = base + (key if isinstance(key, tuple) else (key,))
        column = path[-1] if isinstance(path[-1], str) else None
        while path and path not in lines:
            path = path[:-1]
        return {"row": lines.get(path), "column": column}
    return locate


def parse_register_yaml(text: str, file: str, catalogue: Catalogue, registry: Registry) -> Register:
    """The register from YAML text; DataError with every problem (line, key)."""
    doc = safe_load_located(text, file)
    lines = yaml_lines(text)
    top = _Record(doc if isinstance(doc, Mapping) else {}, _yaml_locate(lines, ()), "sổ nhiệm vụ")
    if not isinstance(doc, Mapping):
        raise DataError([Problem("sổ nhiệm vụ phải là một bảng YAML (year, tasks, meetings)", file=file, row=1)])
    problems = [Problem(f"khóa không hỗ trợ '{k}' (các khóa: year, tasks, meetings)", file=file,
                        **top.locate(str(k))) for k in doc if k not in ("year", "tasks", "meetings")]
    raw_tasks = doc.get("tasks") or []
    raw_meetings = doc.get("meetings") or []
    for key, v in (("tasks", raw_tasks), ("meetings", raw_meetings)):
        if not isinstance(v, list) or not all(isinstance(x, Mapping) for x in v):
            problems.append(Problem(f"'{key}' phải là danh sách các bảng khóa: giá trị", file=file,
                                    **top.locate(key)))
    if problems:
        raise DataError(problems)
    tasks = [_Record(t, _yaml_locate(lines, ("tasks", i)), f"nhiệm vụ {_text(t.get('id'))}")
             for i, t in enumerate(raw_tasks)]
    meetings = []
    for i, m in enumerate(raw_meetings):
        rec = _Record({k: v for k, v in m.items() if k != "decisions"}, _yaml_locate(lines, ("meetings", i)),
                      f"cuộc họp {_text(m.get('id'))}")
        decisions = m.get("decisions") or []
        if not isinstance(decisions, list) or not all(isinstance(d, Mapping) for d in decisions):
            raise DataError([Problem("'decisions' phải là danh sách các nhiệm vụ", file=file,
                                     **rec.locate("decisions"))])
        meetings.append((rec, [_Record(d, _yaml_locate(lines, ("meetings", i, "decisions", j)),
                                       f"nhiệm vụ {_text(d.get('id'))}") for j, d in enumerate(decisions)]))
    return build_register(doc.get("year"), top, tasks, [], meetings, file, catalogue, registry, file)


def _task_doc(t: Task) -> dict[str, Any]:
    d: dict[str, Any] = {"id": t.id, "task": t.title}
    for key, value in (("criterion", t.criterion), ("section", t.section), ("owner", t.owner),
                       ("co_owners", list(t.co_owners)), ("each_unit", list(t.each_unit)), ("every", t.every),
                       ("deadline", t.deadline), ("due_day", t.due_day), ("due_months_after", t.due_months_after),
                       ("within_months", t.within_months), ("status", t.status), ("done", t.done),
                       ("evidence", t.evidence), ("note", t.note)):
        if value not in (None, "", [], 0) or (key == "due_months_after" and value):
            d[key] = value
    if t.occurrences:
        d["occurrences"] = [{k: v for k, v in (("of", o.of), ("effective", o.effective), ("done", o.done),
                                                ("evidence", o.evidence), ("note", o.note)) if v not in (None, "")}
                            for o in t.occurrences]
    return d


YAML_HEADER = """\
# Sổ nhiệm vụ CCHC (task register) — đọc bằng `cchc tasks`, báo cáo toàn Sở và đơn vị.
# Ghi từ biểu Excel bằng `cchc tasks --import`; mô tả các khóa: README, mục "Nhiệm vụ, dự báo, kết quả chính thức".
"""


def register_yaml(register: Register) -> str:
    """The register as YAML text (decisions under their meeting), readable by `parse_register_yaml`."""
    doc: dict[str, Any] = {"year": register.year,
                           "tasks": [_task_doc(t) for t in register.tasks if t.meeting is None]}
    meetings = []
    for m in register.meetings:
        md: dict[str, Any] = {k: v for k, v in (("id", m.id), ("date", m.date), ("reviews", m.reviews),
                                                ("fulfils", m.fulfils), ("chair", m.chair),
                                                ("attendees", list(m.attendees)), ("minutes", m.minutes),
                                                ("note", m.note)) if v not in (None, "", [])}
        decisions = [_task_doc(t) for t in register.decisions(m.id)]
        if decisions:
            md["decisions"] = decisions
        meetings.append(md)
    if meetings:
        doc["meetings"] = meetings
    return YAML_HEADER + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=110)


def write_register_yaml(path: str | Path, register: Register) -> Path:
    return write_text(path, register_yaml(register))


# --- Excel -------------------------------------------------------------------------------------

def _display(key: str, value: Any, catalogue: Catalogue) -> Any:
    if value is None or value == () or value == "":
        return None
    if key == "every":
        return EVERY_VI[value]
    if key == "status":
        return STATUS_VI[value]
    if key == "each_unit":
        return "; ".join(catalogue.unit_kinds.get(k, k) for k in value)
    if isinstance(value, tuple):
        return "; ".join(value)
    if key == "due_months_after" and value == 0:
        return None
    return value


def build_register_book(register: Register, catalogue: Catalogue, registry: Registry) -> Any:
    """The Excel form of a register (openpyxl workbook)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    bold = Font(name="Times New Roman", bold=True, size=11)
    plain = Font(name="Times New Roman", size=11)
    head_fill = PatternFill("solid", fgColor="D9E1F2")
    wrap = Alignment(wrap_text=True, vertical="top")

    def sheet(ws: Any, columns: Sequence[tuple[str, str, int]], rows: Iterable[Sequence[tuple[str, Any]]]) -> None:
        for j, (_, label, width) in enumerate(columns, 1):
            c = ws.cell(1, j, label)
            c.font, c.fill, c.alignment = bold, head_fill, Alignment(wrap_text=True, vertical="center")
            ws.column_dimensions[c.column_letter].width = width
        ws.row_dimensions[1].height = 45
        for i, row in enumerate(rows, 2):
            # Neither Excel nor LibreOffice sizes rows of wrapped text on opening: the form does.
            lines = max((text_lines(str(v), columns[j][2]) for j, (_, v) in enumerate(row)
                         if isinstance(v, str) and v), default=1)
            if lines > 1:
                ws.row_dimensions[i].height = round(lines * LINE_HEIGHT + 2, 1)
            for j, (key, value) in enumerate(row, 1):
                c = ws.cell(i, j)
                c.font, c.alignment = plain, wrap
                if isinstance(value, date):
                    c.value = value
                    c.number_format = "DD/MM/YYYY"
                elif isinstance(value, int):
                    c.value = value
                elif value is not None:
                    text_cell(c, str(value))  # text stays text: "=..." is never a formula, "3.1" never a number
                    c.number_format = "@"
        ws.freeze_panes = "B2"
        ws.auto_filter.ref = f"A1:{ws.cell(1, len(columns)).column_letter}{max(2, ws.max_row)}"
        print_a4(ws, 1, landscape=True)

    ws = wb.active
    ws.title = TASKS_SHEET
    sheet(ws, TASK_COLUMNS, ([(k, _display(k, _task_value(t, k), catalogue)) for k, _, _ in TASK_COLUMNS]
                             for t in register.tasks))
    occ = wb.create_sheet(OCC_SHEET)
    sheet(occ, OCC_COLUMNS, ([("task", t.id), ("of", o.of), ("effective", o.effective), ("done", o.done),
                              ("evidence", o.evidence or None), ("note", o.note or None)]
                             for t in register.tasks for o in t.occurrences))
    mt = wb.create_sheet(MEETINGS_SHEET)
    sheet(mt, MEETING_COLUMNS, ([(k, _display(k, getattr(m, k), catalogue)) for k, _, _ in MEETING_COLUMNS]
                                for m in register.meetings))
    guide = wb.create_sheet(GUIDE_SHEET)
    guide["A1"] = f"SỔ THEO DÕI NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM {register.year}"
    guide["A1"].font = Font(name="Times New Roman", bold=True, size=14)
    guide["A2"], guide[YEAR_CELL] = "Năm:", register.year
    guide[MARKER_CELL] = MARKER
    guide.column_dimensions["H"].hidden = True
    lines = [
        f"Trang tính '{TASKS_SHEET}': mỗi dòng một nhiệm vụ (hoặc một quyết định của cuộc họp sơ kết: ghi mã cuộc họp "
        "ở cột cuối). Cần mã, nội dung, đơn vị chủ trì, tiêu chí hoặc mục Kế hoạch, và hạn.",
        "Hạn: nhiệm vụ một lần, hằng năm hoặc mỗi đơn vị ghi ngày ở cột 'Hạn'; hằng tháng, hằng quý ghi 'Ngày hạn "
        "trong kỳ' (để trống: ngày cuối kỳ) và 'Số tháng sau kỳ'; theo văn bản mới ghi số tháng kể từ ngày văn "
        "bản có hiệu lực.",
        f"Trang tính '{OCC_SHEET}': kết quả từng kỳ (2023-03, 2023-Q1), từng đơn vị (mã đơn vị) hoặc từng văn bản "
        "(tên văn bản và ngày có hiệu lực) của nhiệm vụ định kỳ.",
        f"Trang tính '{MEETINGS_SHEET}': các cuộc họp sơ kết; 'Nhiệm vụ định kỳ' là mã nhiệm vụ họp hằng tháng/quý mà "
        "cuộc họp thực hiện.",
        "Ngày ghi dạng 27/01/2023. Nhiều đơn vị, nhiều người dự họp: ngăn cách bằng dấu chấm phẩy.",
        "Định kỳ: " + "; ".join(EVERY_VI.values()) + ". Trạng thái: " + "; ".join(STATUS_VI.values()) + ".",
        "Loại đơn vị: " + "; ".join(catalogue.unit_kinds.values()) + ".",
        "Nạp lại: cchc tasks --import tệp.xlsx (kiểm tra toàn bộ trước, có lỗi thì không ghi gì).",
    ]
    for i, text in enumerate(lines, 4):
        guide.cell(i, 1, text).alignment = wrap
    guide.column_dimensions["A"].width = 120
    guide.cell(len(lines) + 5, 1, "Mã đơn vị").font = bold
    for i, u in enumerate(registry, len(lines) + 6):
        guide.cell(i, 1, f"{u.code}: {u.name}")
    # list validations (typing a value outside the list is refused by Excel; reading checks again)
    every = DataValidation(type="list", formula1='"' + ",".join(EVERY_VI.values()) + '"', allow_blank=True)
    status = DataValidation(type="list", formula1='"' + ",".join(STATUS_VI.values()) + '"', allow_blank=True)
    ws.add_data_validation(every)
    ws.add_data_validation(status)
    col = {k: i for i, (k, _, _) in enumerate(TASK_COLUMNS, 1)}
    from openpyxl.utils import get_column_letter

    every.add(f"{get_column_letter(col['every'])}2:{get_column_letter(col['every'])}2000")
    status.add(f"{get_column_letter(col['status'])}2:{get_column_letter(col['status'])}2000")
    return wb


def _task_value(t: Task, key: str) -> Any:
    return t.title if key == "task" else getattr(t, key)


def write_register_xlsx(path: str | Path, register: Register, catalogue: Catalogue, registry: Registry) -> Path:
    """Write the register's Excel form atomically."""
    wb = build_register_book(register, catalogue, registry)
    p = Path(path)
    with atomic_path(p) as tmp:
        wb.save(tmp)
    return p


def _sheet_records(cells: Mapping[int, Mapping[str, Any]], columns: Sequence[tuple[str, str, int]], file: str,
                   sheet: str, problems: list[Problem]) -> list[_Record]:
    """Rows of one sheet as records, columns found by their heading."""
    from openpyxl.utils import column_index_from_string

    header = cells.get(1, {})
    by_label = {label: key for key, label, _ in columns}
    cols: dict[str, str] = {}
    for letter, value in sorted(header.items(), key=lambda kv: column_index_from_string(kv[0])):
        label = _text(value)
        if not label:
            continue
        if label not in by_label:
            problems.append(Problem(f"cột không thuộc biểu: '{label}' (dữ liệu ở cột này sẽ bị mất; xóa cột hoặc "
                                    "chuyển vào Ghi chú)", file=file, sheet=sheet, cell=f"{letter}1", row=1))
            continue
        cols[letter] = by_label[label]
    missing = [label for key, label, _ in columns if key not in cols.values()]
    for label in missing:
        problems.append(Problem(f"thiếu cột '{label}'", file=file, sheet=sheet, row=1))
    letter_of = {k: letter for letter, k in cols.items()}
    labels = {key: label for key, label, _ in columns}
    out = []
    for n in sorted(cells):
        if n == 1:
            continue
        row = cells[n]
        raw = {cols[letter]: v for letter, v in row.items() if letter in cols and not is_blank(v)}
        if not raw:
            continue
        for letter, v in row.items():
            if letter in cols and isinstance(v, Unreadable):  # a formula, an error value: not a value to trust
                problems.append(Problem(f"ô không đọc được: {v}", file=file, sheet=sheet, cell=f"{letter}{n}", row=n,
                                        column=labels[cols[letter]]))
                raw.pop(cols[letter], None)

        def locate(key: Any, n: int = n) -> dict:
            k = key[-1] if isinstance(key, tuple) else key
            letter = letter_of.get(k)
            return {"sheet": sheet, "row": n, "cell": f"{letter}{n}" if letter else None,
                    "column": labels.get(k, k)}

        out.append(_Record(raw, locate, f"nhiệm vụ {_text(raw.get('id') or raw.get('task'))}"))
    return out


def read_register_xlsx(path: str | Path, catalogue: Catalogue, registry: Registry) -> Register:
    """The register from its Excel form, validated as the YAML is."""
    p = Path(path)
    try:
        book = Workbook(p)
    except (XlsxError, OSError) as e:
        raise DataError([Problem(f"không đọc được tệp Excel: {e}", file=p.name)]) from None
    with book:
        names = book.sheetnames
        absent = [s for s in (TASKS_SHEET, OCC_SHEET, MEETINGS_SHEET, GUIDE_SHEET) if s not in names]
        if absent:
            raise DataError([Problem(f"không phải biểu sổ nhiệm vụ: thiếu trang tính {', '.join(absent)} "
                                     "(tạo biểu bằng cchc tasks --form)", file=p.name)])
        guide = book.cells(GUIDE_SHEET)
        if guide.get(1, {}).get(MARKER_CELL[0]) != MARKER:
            raise DataError([Problem("không phải biểu sổ nhiệm vụ (tạo biểu bằng cchc tasks --form)", file=p.name,
                                     sheet=GUIDE_SHEET)])
        problems: list[Problem] = []
        tasks = _sheet_records(book.cells(TASKS_SHEET), TASK_COLUMNS, p.name, TASKS_SHEET, problems)
        occs = _sheet_records(book.cells(OCC_SHEET), OCC_COLUMNS, p.name, OCC_SHEET, problems)
        meetings = _sheet_records(book.cells(MEETINGS_SHEET), MEETING_COLUMNS, p.name, MEETINGS_SHEET, problems)
        if problems:
            raise DataError(problems)
        for rec in occs:
            if is_blank(rec.raw.get("task")):
                problems.append(Problem("thiếu mã nhiệm vụ", file=p.name, **rec.locate("task")))
        if problems:
            raise DataError(problems)
        year_rec = _Record({}, lambda k: {"sheet": GUIDE_SHEET, "cell": YEAR_CELL, "row": 2}, "sổ")
        year = guide.get(2, {}).get(YEAR_CELL[0])
        occ_pairs = [(_text(r.raw["task"]), _Record({k: v for k, v in r.raw.items() if k != "task"}, r.locate,
                                                    r.what)) for r in occs]
        return build_register(year, year_rec, tasks, occ_pairs, [(m, []) for m in meetings], p.name, catalogue,
                              registry, str(p))


def load_register(path: str | Path, catalogue: Catalogue, registry: Registry) -> Register:
    """The register from YAML (`.yaml`, `.yml`) or its Excel form (`.xlsx`); DataError otherwise."""
    p = Path(path)
    if not p.is_file():
        raise DataError([Problem("không tìm thấy sổ nhiệm vụ", file=str(p))])
    if p.suffix.lower() == ".xlsx":
        return read_register_xlsx(p, catalogue, registry)
    if p.suffix.lower() not in (".yaml", ".yml"):
        raise DataError([Problem(f"định dạng không hỗ trợ '{p.suffix}' (dùng .yaml hoặc .xlsx)", file=p.name)])
    reg = parse_register_yaml(p.read_text(encoding="utf-8"), p.name, catalogue, registry)
    return Register(reg.year, reg.tasks, reg.meetings, str(p))
