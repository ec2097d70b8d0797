"""Exceptions of cchc: one base class, structured fields.

Messages are in Vietnamese because they describe the user's own data; the
fields (file, row, column, ...) let callers format or collect them.
"""
from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import Iterable, Sequence


class CchcError(Exception):
    """Base class of every error cchc raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file (a row, a cell, a criterion)."""

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    sheet: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.sheet:
            where.append(f"trang tính {self.sheet}")
        if self.cell:
            where.append(f"ô {self.cell}")
        if self.row is not None:
            where.append(f"dòng {self.row}")
        if self.column:
            where.append(f"cột {self.column}")
        return (", ".join(where) + ": " if where else "") + self.message


class ProblemsError(CchcError):
    """Raised once with every problem found, after validation collected them."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: Sequence[Problem] = list(problems)
        super().__init__(self.one_line())

    def one_line(self) -> str:
        first = str(self.problems[0]) if self.problems else "lỗi không xác định"
        rest = len(self.problems) - 1
        return first + (f" (và {rest} lỗi khác)" if rest > 0 else "")

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class DataError(ProblemsError):
    """Bad rows or values in a data file (long table, form)."""


class CatalogueError(ProblemsError):
    """The criteria catalogue or the unit registry is invalid."""


class PeriodError(CchcError, ValueError):
    """A period string that is not a month, quarter, half-year or year."""

    def __init__(self, value: object, expected: str = "YYYY-MM, YYYY-Qn, YYYY-Hn hoặc YYYY"):
        self.value = value
        super().__init__(f"kỳ không hợp lệ: {value!r} (dạng đúng: {expected})")


_OS_ERRORS_VI = {
    errno.ENOENT: "không tìm thấy tệp",
    errno.EACCES: "không có quyền đọc hoặc ghi tệp",
    errno.EPERM: "không có quyền đọc hoặc ghi tệp",
    errno.EISDIR: "đây là thư mục, không phải tệp",
    errno.ENOTDIR: "một phần của đường dẫn không phải thư mục",
    errno.ENOSPC: "ổ đĩa đã đầy",
    errno.EROFS: "ổ đĩa chỉ đọc",
}


def os_error_vi(e: OSError) -> str:
    """An operating-system error in Vietnamese words (never "No such file or directory")."""
    return _OS_ERRORS_VI.get(e.errno or 0, f"lỗi hệ thống khi đọc hoặc ghi tệp (mã lỗi {e.errno})")


class UsageError(CchcError):
    """A command-line argument that does not make sense (unknown unit, file)."""
