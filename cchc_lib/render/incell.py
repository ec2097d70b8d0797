"""What runs inside a warm kernel: a notebook's code cells in one request.

`render.warm_engine` sends a report's code cells to the kernel in one
execute request instead of one each (about 6 ms of messaging a cell, a
quarter of a unit report).  `run_cells` runs them one after the other, each
as IPython runs a cell (magics, the last expression displayed), captures
what each shows (streams, displays, its result, its error) and publishes
them back as one display of `MIME`; it stops at the first cell that fails,
as papermill does.  The engine puts each cell's outputs back in the
notebook, so the executed notebook is the one cell-by-cell execution makes
(a cell's printed text comes before its displays).

This module is imported by the kernel (`import cchc_lib.render.incell`), never
by the renderer: it uses only IPython.
"""
from __future__ import annotations

import datetime
import functools
import io
import json
import sys
from typing import Any

#: The mimetype of the one display that carries every cell's outputs back.
MIME = "application/x.cchc-cells+json"


class _Results:
    """A cell's last expression, kept as papermill keeps it (`execute_result`);
    objects that display themselves (`_ipython_display_`) have already been
    published and leave nothing here."""

    def __init__(self, shell: Any, outputs: list[dict]):
        self.shell = shell
        self.outputs = outputs

    def __call__(self, result: Any = None) -> None:
        if result is None:
            return
        data, metadata = self.shell.display_formatter.format(result)
        if data:
            self.outputs.append({"output_type": "execute_result", "data": data, "metadata": metadata or {}})


@functools.cache
def _publisher_class() -> type:
    from IPython.core.displaypub import DisplayPublisher

    class Displays(DisplayPublisher):
        """A display publisher that keeps what a cell displays, in order."""

        def __init__(self, outputs: list[dict]):
            super().__init__()
            self.outputs = outputs

        def publish(self, data: dict, metadata: dict | None = None, *args: Any, **kwargs: Any) -> None:
            self._is_publishing = True
            try:
                self.outputs.append({"output_type": "display_data", "data": data, "metadata": metadata or {}})
            finally:
                self._is_publishing = False

        def clear_output(self, wait: bool = False) -> None:
            self.outputs.clear()

    return Displays


def _displays(outputs: list[dict]) -> Any:
    return _publisher_class()(outputs)


def run_cell(shell: Any, source: str) -> dict:
    """One cell, as IPython runs it; its outputs as nbformat outputs."""
    shown: list[dict] = []
    streams = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    saved = shell.display_pub, sys.displayhook, sys.stdout, sys.stderr
    shell.display_pub = _displays(shown)
    # IPython's own hook does what a prompt needs (Out[n], `_`); a report needs the value shown.
    sys.displayhook = _Results(shell, shown)
    sys.stdout, sys.stderr = streams["stdout"], streams["stderr"]
    started = _now()
    try:
        result = shell.run_cell(source, store_history=False)
    finally:
        shell.display_pub, sys.displayhook, sys.stdout, sys.stderr = saved
    ended = _now()
    outputs = [{"output_type": "stream", "name": name, "text": s.getvalue()}
               for name, s in streams.items() if s.getvalue()] + shown
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        tb = shell.InteractiveTB.structured_traceback(type(error), error, error.__traceback__)
        outputs.append({"output_type": "error", "ename": type(error).__name__, "evalue": str(error),
                        "traceback": list(tb)})
    return {"outputs": outputs, "failed": error is not None, "start_time": started, "end_time": ended}


def _now() -> str:
    """UTC, as papermill writes a cell's start and end."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None).isoformat()


def run_cells(cells: str) -> None:
    """Run `cells` (JSON: [[index, source], ...]) in order, stop at the first
    that fails, and publish every cell's outputs as one `MIME` display."""
    from IPython import get_ipython
    from IPython.display import publish_display_data

    shell = get_ipython()
    done = []
    for count, (index, source) in enumerate(json.loads(cells), start=1):
        ran = run_cell(shell, source)
        done.append({"index": index, "execution_count": count, **ran})
        if ran["failed"]:
            break
    publish_display_data({MIME: done})
