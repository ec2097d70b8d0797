"""The `cchc-warm` papermill engine: papermill's nbclient engine on a warm kernel.

papermill finds it through the `papermill.engine` entry point (pyproject.toml)
when `papermill.engines` is first imported; `WarmKernelRunner` then asks
papermill for it by name.  The engine executes the notebook on the
`WarmKernel` passed as `warm_kernel` and leaves that kernel running.

A report's code cells go to the kernel in one request (`render.incell`
runs them there one by one and sends every cell's outputs back at once),
not one request a cell: papermill still records each cell (start, end,
status, the failing cell and its traceback) and stops at the first error;
the timeout is the report's, and a kernel that dies is noticed within a
second.

Import `papermill.engines` (or `render.engines`), not this module: papermill
loads the entry points of every installed package at its first import, so
this module imported first would be asked for its engine before defining it.
"""
from __future__ import annotations

import json
import time
from datetime import datetime
from queue import Empty
from typing import Any

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine
from papermill.utils import merge_kwargs, remove_args

from cchc_lib.render.incell import MIME
from cchc_lib.render.kernel import WarmKernel

#: The request that runs a report's code cells in the kernel (`render.incell`).
RUN_CELLS = '__import__("cchc_lib.render.incell", fromlist=["run_cells"]).run_cells({cells!r})'


class WarmKernelClient(PapermillNotebookClient):
    """papermill's client on a warm kernel: the kernel's `language_info` is
    asked once per kernel, not after every report (a round trip each)."""

    warm: WarmKernel | None = None

    def execute(self, **kwargs: Any) -> Any:
        if self.warm is None or self.warm.language_info is None:
            nb = super().execute(**kwargs)
            if self.warm is not None:
                self.warm.language_info = nb.metadata.get("language_info")
            return nb
        self.reset_execution_trackers()
        with self.setup_kernel(**kwargs):
            self.papermill_execute_cells()
            self.nb.metadata["language_info"] = self.warm.language_info
            self.set_widgets_metadata()
        return self.nb

    def papermill_execute_cells(self) -> None:
        """Every code cell in one request; then each cell's outputs and
        papermill's record of it, in order, up to the first that failed."""
        code = [(i, c.source) for i, c in enumerate(self.nb.cells) if c.cell_type == "code" and c.source.strip()]
        ran = {r["index"]: r for r in run_sync(self._run_in_kernel)(code)} if code else {}
        for index, cell in enumerate(self.nb.cells):
            self.nb_man.cell_start(cell, index)
            done = ran.get(index)
            try:
                if done is None:
                    if cell.cell_type == "code" and cell.source.strip():
                        break  # after the cell that failed: not run, as papermill leaves them
                    continue
                cell.outputs = [cell_output(o, done["execution_count"]) for o in done["outputs"]]
                cell.execution_count = done["execution_count"]
                if done["failed"]:
                    error = next(o for o in done["outputs"] if o["output_type"] == "error")
                    self.nb_man.cell_exception(cell, cell_index=index,
                                               exception=CellExecutionError.from_cell_and_msg(cell, error))
                    break
            finally:
                self.nb_man.cell_complete(cell, cell_index=index)
                if done is not None:  # when the cell ran in the kernel, not when it was recorded here
                    _ran_at(cell, done)

    async def _run_in_kernel(self, code: list[tuple[int, str]]) -> list[dict]:
        """Send the cells, wait for the kernel to be idle again; what `incell`
        sent back.  A dead kernel or the report's timeout raises nbclient's
        errors (the runner then replaces the kernel)."""
        msg_id = self.kc.execute(RUN_CELLS.format(cells=json.dumps(code)), store_history=False, allow_stdin=False)
        deadline = time.monotonic() + self.timeout if self.timeout else None
        cells: list[dict] | None = None
        while True:
            if deadline is not None and time.monotonic() > deadline:
                raise CellTimeoutError(f"báo cáo chạy quá {self.timeout} giây")
            try:
                msg = await self.kc.get_iopub_msg(timeout=1)
            except Empty:
                if not await self.km.is_alive():
                    raise DeadKernelError("Kernel died") from None
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            content = msg["content"]
            if msg["msg_type"] == "display_data" and MIME in content.get("data", {}):
                cells = content["data"][MIME]
            elif msg["msg_type"] == "status" and content.get("execution_state") == "idle":
                break
        while True:  # the request's reply, so that it does not wait for the next request to read it
            try:
                reply = await self.kc.get_shell_msg(timeout=5)
            except Empty:
                break
            if reply["parent_header"].get("msg_id") == msg_id:
                if reply["content"].get("status") != "ok" and cells is None:
                    c = reply["content"]
                    raise CellExecutionError("\n".join(c.get("traceback", [])), c.get("ename", ""),
                                             c.get("evalue", ""))
                break
        if cells is None:
            raise DeadKernelError("the kernel sent no outputs back")
        return cells


class WarmKernelEngine(NBClientEngine):
    """papermill's nbclient engine, on the kernel passed as `warm_kernel`."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, **kwargs) -> Any:
        warm: WarmKernel = kwargs.pop("warm_kernel")
        cwd = kwargs.pop("cwd", None)
        km, kc = warm.ensure(cwd)
        warm.reset(cwd or ".")
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                             kernel_name=kernel_name, log_output=log_output, stdout_file=stdout_file,
                             stderr_file=stderr_file)
        client = WarmKernelClient(nb_man, km=km, **final)
        client.kc = kc  # not owned by the client: it is not shut down after the report
        client.warm = warm
        return client.execute()


def cell_output(o: dict, count: int) -> Any:
    """One output sent back by `incell`, as nbformat has it."""
    o = dict(o)
    if o["output_type"] == "execute_result":
        o["execution_count"] = count
    return nbformat.from_dict(o)


def _ran_at(cell: Any, done: dict) -> None:
    record = cell.metadata.papermill
    record["start_time"], record["end_time"] = done["start_time"], done["end_time"]
    record["duration"] = (datetime.fromisoformat(done["end_time"])
                          - datetime.fromisoformat(done["start_time"])).total_seconds()
