"""The choices the command line offers, apart from the commands that use
them: the parser is built without importing what the commands need."""
from __future__ import annotations

#: `cchc score --format`.
SCORE_FORMATS = ("table", "json", "csv", "xlsx")
#: `cchc project --format`.
PROJECTION_FORMATS = ("table", "json")
#: The period `make demo` renders.
DEMO_PERIOD = "2023-Q3"
