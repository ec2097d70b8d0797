"""`--kernel fresh`: papermill's own engine, a new kernel per report, started
like the warm one (`kernels`): private sockets, and a kernel that dies or
hangs at start replaced a few times before the report fails."""
from __future__ import annotations

from typing import Any

from cchc_lib.render.kernels import KernelStartError, StartPolicy, is_start_failure, manager_class, start_reason
from cchc_lib.render.worker import Failure, Job, PapermillRunner, WorkerOptions


class _StartFailed(Exception):
    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


class FreshKernelRunner(PapermillRunner):
    """papermill's nbclient engine on an `IsolatedKernelManager`, with retries."""

    def __init__(self, options: WorkerOptions, policy: StartPolicy | None = None):
        super().__init__(options)
        self.policy = policy or StartPolicy()

    def engine_kwargs(self, job: Job) -> dict[str, Any]:
        return {"kernel_manager_class": manager_class()}

    def recover(self, error: Exception) -> Failure:
        if is_start_failure(error):
            raise _StartFailed(error)
        raise error

    def run(self, job: Job) -> tuple[Any, Failure | None]:
        reasons: list[str] = []
        for attempt in range(1, self.policy.attempts + 1):
            try:
                return super().run(job)
            except _StartFailed as e:
                reasons.append(start_reason(e.error))
            if attempt < self.policy.attempts:
                self.policy.pause(attempt)
        return None, Failure("KernelStartError", str(KernelStartError(reasons)))
