"""The `cchc-warm` papermill engine: papermill's nbclient engine on a warm kernel.

papermill finds it through the `papermill.engine` entry point (pyproject.toml)
when `papermill.engines` is first imported; `WarmKernelRunner` then asks
papermill for it by name.  The engine executes the notebook on the
`WarmKernel` passed as `warm_kernel` and leaves that kernel running.

Import `papermill.engines` (or `render.engines`), not this module: papermill
loads the entry points of every installed package at its first import, so
this module imported first would be asked for its engine before defining it.
"""
from __future__ import annotations

from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine
from papermill.utils import merge_kwargs, remove_args

from cchc_lib.render.kernel import WarmKernel


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
