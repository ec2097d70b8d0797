"""`python tests/hold_ingest.py ARGS...`: `cchc ARGS...`, but the database's
write transaction pauses just before COMMIT (a test's handle on the moment:
kill it there, or race another process against it).

CCHC_HOLD_SIGNAL: a file written (with this pid) when the pause starts;
CCHC_HOLD_RELEASE: a file whose appearance ends the pause;
CCHC_HOLD_SECONDS: the longest pause (default 60).
The store itself has no test hook: the pause comes from the connection class.
"""
from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class HoldingConnection(sqlite3.Connection):
    def execute(self, sql, *args):  # noqa: D401 - sqlite3's signature
        if sql.strip().upper() == "COMMIT" and self.in_transaction:
            Path(os.environ["CCHC_HOLD_SIGNAL"]).write_text(str(os.getpid()), encoding="utf-8")
            release = os.environ.get("CCHC_HOLD_RELEASE")
            end = time.monotonic() + float(os.environ.get("CCHC_HOLD_SECONDS", "60"))
            while time.monotonic() < end and not (release and Path(release).exists()):
                time.sleep(0.02)
        return super().execute(sql, *args)


_connect = sqlite3.connect


def _holding_connect(*args, **kwargs):
    kwargs.setdefault("factory", HoldingConnection)
    return _connect(*args, **kwargs)


sqlite3.connect = _holding_connect

from cchc_lib.cli.main import main  # noqa: E402  (after the patch: the store connects through it)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
