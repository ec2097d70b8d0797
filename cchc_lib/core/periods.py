"""Reporting periods: month, quarter, half-year, year (contract section 1)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from cchc_lib.errors import PeriodError

PeriodKind = Literal["month", "quarter", "half", "year"]

_PATTERNS: list[tuple[re.Pattern[str], PeriodKind]] = [
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})-Q(\d)$"), "quarter"),
    (re.compile(r"^(\d{4})-H(\d)$"), "half"),
    (re.compile(r"^(\d{4})$"), "year"),
]
_COUNT = {"month": 12, "quarter": 4, "half": 2, "year": 1}
_LENGTH = {"month": 1, "quarter": 3, "half": 6, "year": 12}
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_KIND_NO = {"month": 0, "quarter": 1, "half": 2, "year": 3}


@dataclass(frozen=True, order=True)
class Period:
    """A period of one year: `index` is 1-based within the year (month 1–12,
    quarter 1–4, half 1–2, year 1)."""

    year: int
    kind: PeriodKind
    index: int = 1

    def __post_init__(self) -> None:
        # Periods key every combined value: hash once, with ints only (the
        # same in every process, unlike a str hash).
        object.__setattr__(self, "_hash", self.year * 64 + _KIND_NO.get(self.kind, 7) * 16 + self.index)

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined]

    @classmethod
    def parse(cls, text: object) -> "Period":
        if not isinstance(text, str):
            raise PeriodError(text)
        s = text.strip()
        for pattern, kind in _PATTERNS:
            m = pattern.match(s)
            if not m:
                continue
            year = int(m.group(1))
            index = int(m.group(2)) if kind != "year" else 1
            if not 1 <= index <= _COUNT[kind] or year < 1900:
                raise PeriodError(text)
            return cls(year, kind, index)
        raise PeriodError(text)

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        return cls(year, "month", month)

    @property
    def months(self) -> tuple["Period", ...]:
        """The months this period covers, in order."""
        return _months_of(self)

    @property
    def month_span(self) -> tuple[int, int]:
        """First and last month number covered (2023-Q2 → (4, 6))."""
        n = _LENGTH[self.kind]
        return (self.index - 1) * n + 1, self.index * n

    @property
    def month_numbers(self) -> tuple[int, ...]:
        return tuple(p.index for p in self.months)

    @property
    def length(self) -> int:
        """Number of months covered."""
        return _LENGTH[self.kind]

    def contains(self, other: "Period") -> bool:
        return other.year == self.year and set(other.month_numbers) <= set(self.month_numbers)

    def previous(self) -> "Period":
        """The previous period of the same length (2023-Q1 → 2022-Q4)."""
        if self.index > 1:
            return Period(self.year, self.kind, self.index - 1)
        return Period(self.year - 1, self.kind, _COUNT[self.kind])

    def __str__(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.index:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.index}"
        if self.kind == "half":
            return f"{self.year}-H{self.index}"
        return f"{self.year}"

    @property
    def label_vi(self) -> str:
        """The Vietnamese name an analyst writes: 'Quý I/2023'."""
        if self.kind == "month":
            return f"Tháng {self.index}/{self.year}"
        if self.kind == "quarter":
            return f"Quý {_ROMAN[self.index]}/{self.year}"
        if self.kind == "half":
            return f"6 tháng {'đầu' if self.index == 1 else 'cuối'} năm {self.year}"
        return f"Năm {self.year}"

    @property
    def label_vi_lower(self) -> str:
        """The label inside a sentence: 'trong quý III/2023', 'so với tháng 12/2022'
        (only the first letter is lowered: Roman numerals stay upper case)."""
        return lower_first(self.label_vi)


@lru_cache(maxsize=1024)
def _months_of(period: Period) -> tuple[Period, ...]:
    n = _LENGTH[period.kind]
    first = (period.index - 1) * n + 1
    return tuple(Period(period.year, "month", m) for m in range(first, first + n))


def lower_first(label: str) -> str:
    """A label inside a sentence: only its first letter lowered ('Quý I/2023' → 'quý I/2023')."""
    return label[:1].lower() + label[1:]


#: How people write periods, matched on the text lowered, without diacritics
#: ("quý" → "quy", "đầu" → "dau") and with blanks squeezed.  Each yields (kind, index, year).
_ROMAN_IN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_SPOKEN: list[tuple[re.Pattern[str], PeriodKind]] = [
    (re.compile(r"^(?:t|thang ?)(\d{1,2}) ?(?:/|nam) ?(\d{4})$"), "month"),        # T3/2023, tháng 3/2023, tháng 3 năm 2023
    (re.compile(r"^(\d{1,2})/(\d{4})$"), "month"),                                 # 03/2023, 3/2023
    (re.compile(r"^(?:q|quy ?)(\d|i{1,3}|iv) ?(?:/|nam) ?(\d{4})$"), "quarter"),   # Q1/2023, quý 1/2023, quý I năm 2023
    (re.compile(r"^(?:h|6 thang ?)(\d|dau|cuoi) ?(?:/|nam) ?(\d{4})$"), "half"),   # H1/2023, 6 tháng đầu năm 2023
    (re.compile(r"^nam ?(\d{4})$"), "year"),                                         # năm 2023
]
_HALF_WORD = {"dau": 1, "cuoi": 2}
ACCEPTED_FORMS = "2023-03, 2023-Q1, 2023-H1, 2023; hoặc T3/2023, 03/2023, Q1/2023, quý I/2023, 6 tháng đầu năm 2023, năm 2023"


def fold(text: str) -> str:
    """Lower case, without Vietnamese diacritics, blanks squeezed: 'Quý  I' → 'quy i'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())


def _spoken(text: str) -> Period | None:
    s = fold(text)
    for pattern, kind in _SPOKEN:
        m = pattern.match(s)
        if not m:
            continue
        if kind == "year":
            return Period(int(m.group(1)), "year", 1)
        raw, year = m.group(1), int(m.group(2))
        index = _ROMAN_IN.get(raw) or _HALF_WORD.get(raw) or int(raw)
        if not 1 <= index <= _COUNT[kind] or year < 1900:
            return None
        if kind == "half" and raw.isdigit() and s.startswith("6"):  # "6 tháng 1/2023" is no half's name
            return None
        return Period(year, kind, index)
    return None


def parse_period(text: object) -> Period:
    """A period as the contract writes it (`2023-03`, `2023-Q1`, `2023-H1`,
    `2023`) or as people do (`T3/2023`, `tháng 3/2023`, `03/2023`, `Q1/2023`,
    `quý I/2023`, `6 tháng đầu năm 2023`, `H1/2023`, `năm 2023`; any case,
    with or without diacritics); PeriodError, naming the value, otherwise.
    `Q1-2023` stays an error, as the contract says."""
    try:
        return Period.parse(text)
    except PeriodError:
        found = _spoken(text) if isinstance(text, str) else None
        if found is None:
            raise PeriodError(text, expected=ACCEPTED_FORMS) from None
        return found


def parse_month_spoken(text: object) -> Period:
    """A month for a command-line option: any spelling `parse_period` takes,
    but a month only (`--month T3/2023`)."""
    try:
        p = parse_period(text)
    except PeriodError:
        raise PeriodError(text, expected="tháng, ví dụ 2023-03 hoặc T3/2023") from None
    if p.kind != "month":
        raise PeriodError(text, expected="tháng, ví dụ 2023-03 hoặc T3/2023")
    return p


def parse_month(text: object) -> Period:
    """Parse a month only (raw data is entered per month)."""
    try:
        p = Period.parse(text)
    except PeriodError:
        raise PeriodError(text, expected="tháng YYYY-MM") from None
    if p.kind != "month":
        raise PeriodError(text, expected="tháng YYYY-MM")
    return p
