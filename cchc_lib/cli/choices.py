"""The choices the command line offers, apart from the commands that use
them: the parser is built without importing what the commands need."""
from __future__ import annotations

from typing import Sequence

from cchc_lib.errors import UsageError

#: `cchc score --format`.
SCORE_FORMATS = ("table", "json", "csv", "xlsx")
#: `cchc project --format`.
PROJECTION_FORMATS = ("table", "json")
#: The period `make demo` renders.
DEMO_PERIOD = "2023-Q3"


def require_format(fmt: str, allowed: Sequence[str]) -> None:
    """A format a command was asked for outside the parser (a direct call): one of `allowed`."""
    if fmt not in allowed:
        raise UsageError(f"định dạng không hỗ trợ: {fmt!r} (dùng: {', '.join(allowed)})")
