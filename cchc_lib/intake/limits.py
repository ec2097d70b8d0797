"""The part-of-whole limits (contract v2, 3.3) as located input errors.

The rule itself is `cchc_lib.core.dataset.check_limits`; this module only
says where a broken limit is in the file being read.  The same function
serves a file on its own (a long table, a form) and a file merged with the
values already stored for the same unit and month (ingestion, inside the
write transaction), so that what is stored always keeps every limit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.core.dataset import check_limits
from cchc_lib.core.periods import Period
from cchc_lib.errors import Problem


@dataclass(frozen=True)
class Where:
    """Where a value is in its file (for a located problem)."""

    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None

    def short(self) -> str:
        return f"ô {self.cell}" if self.cell else (f"dòng {self.row}" if self.row is not None else "")


def limit_problems(unit: str, month: Period, values: Mapping[str, Any], catalogue: Catalogue, file: str,
                   where: Mapping[str, Where], *, stored: Mapping[str, Any] | None = None,
                   origins: Mapping[str, str] | None = None, name: Callable[[str], str] = str,
                   prefix: bool = True) -> list[Problem]:
    """The limits broken by a file's `values` for one unit and month, counting
    the `stored` values for the figures the file does not carry.  A limit
    broken by stored values alone is not the file's doing and is skipped.
    Each problem is located at the file's first value in it (`where`: by
    indicator); `origins` names the files the stored values came from."""
    stored = stored or {}
    merged = {**stored, **values}
    problems = []
    for breach in check_limits(merged, catalogue):
        own = [n for n in breach.names if n in values]
        if not own:
            continue
        at = where.get(own[0], Where())

        def term(n: str) -> str:
            if n not in values:
                return f"{name(n)} ({merged[n]}, đã lưu)"
            other = where.get(n)
            loc = other.short() if other is not None and n != own[0] else ""
            return f"{name(n)} ({merged[n]}{', ' + loc if loc else ''})"

        msg = " + ".join(term(n) for n in breach.limit.parts) + f" lớn hơn {term(breach.limit.whole)}"
        if prefix:
            msg = f"{unit} {month}: {msg}"
        sources = dict.fromkeys((origins or {}).get(n) for n in breach.names if n not in values)
        sources.pop(None, None)
        if sources:
            msg += "; số đã lưu từ tệp " + ", ".join(f"'{s}'" for s in sources)
        problems.append(Problem(msg, file=file, sheet=at.sheet, row=at.row, column=at.column, cell=at.cell))
    return problems
