"""Issue 10, rendering: a kernel that dies or hangs at start is retried with a
new kernel; kernel ports are chosen so that workers cannot collide
(jupyter/jupyter_client#154); the port selection has a timeout."""
from __future__ import annotations

import errno
import json
import os
import socket
import sys
import textwrap
import time
from contextlib import closing
from pathlib import Path

import pytest

from cchc_lib.render import kernels
from cchc_lib.render.engines import WarmKernelRunner
from cchc_lib.render.fresh import FreshKernelRunner
from cchc_lib.render.local import make_worker
from cchc_lib.render.worker import WorkerOptions

from reports_helpers import job, notebook

FLAKY = textwrap.dedent("""\
    # A kernel launcher that fails the first FLAKY_FAILS times it is started:
    # it exits at once ("die") or never answers ("hang"); then a real kernel.
    import os, sys, time
    counter = os.environ["FLAKY_COUNTER"]
    n = (int(open(counter).read() or 0) if os.path.exists(counter) else 0) + 1
    with open(counter, "w") as f:
        f.write(str(n))
    if n <= int(os.environ["FLAKY_FAILS"]):
        if os.environ["FLAKY_MODE"] == "die":
            sys.exit(3)
        time.sleep(600)
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *sys.argv[1:]])
""")


def flaky_kernel(tmp: Path, monkeypatch, fails: int, mode: str = "die") -> Path:
    """A kernelspec `cchc-flaky` (found through JUPYTER_PATH); returns its start counter."""
    home = tmp / "jupyter"
    spec = home / "kernels" / "cchc-flaky"
    spec.mkdir(parents=True)
    (home / "flaky.py").write_text(FLAKY, encoding="utf-8")
    counter = tmp / "starts.txt"
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(home / "flaky.py"), "-f", "{connection_file}"],
        "display_name": "flaky", "language": "python",
        "env": {"FLAKY_COUNTER": str(counter), "FLAKY_FAILS": str(fails), "FLAKY_MODE": mode}}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(home))
    return counter


def starts(counter: Path) -> int:
    return int(counter.read_text()) if counter.exists() else 0


# --- port selection (no kernel) ---------------------------------------------------------

def test_port_selection_gives_distinct_ports():
    ports = kernels.choose_ports("127.0.0.1", 5)
    assert len(set(ports)) == 5


def test_port_selection_gives_up_after_its_timeout(monkeypatch):
    """When no port can be had it says so within the timeout (jupyter_client's
    port cache spun at 100% CPU for 11 minutes)."""
    def no_port(self, address):
        raise OSError(errno.EADDRINUSE, "Address already in use")

    monkeypatch.setattr(socket.socket, "bind", no_port)
    start = time.monotonic()
    with pytest.raises(kernels.KernelStartError, match="không tìm được cổng TCP trống"):
        kernels.choose_ports("127.0.0.1", 5, timeout=0.5)
    assert time.monotonic() - start < 3


def test_kernel_managers_use_private_sockets_per_process():
    km = kernels.new_manager("python3")
    assert km.transport == "ipc"
    assert f"cchc-kernels-{os.getpid()}-" in km.ip
    assert kernels.new_manager("python3").ip != km.ip  # every kernel its own socket names
    assert len(km.ip) + 2 < 108


# --- kernels (slow) ---------------------------------------------------------------------

@pytest.mark.slow
def test_a_kernel_that_dies_at_start_is_retried_with_a_new_kernel(tmp_path, monkeypatch):
    counter = flaky_kernel(tmp_path, monkeypatch, fails=2, mode="die")
    with closing(WarmKernelRunner(WorkerOptions(kernel_name="cchc-flaky", timeout=30, start_timeout=30))) as runner:
        nb, failure = runner.run(job(notebook(tmp_path / "a.ipynb", "x = unit * 2"), tmp_path))
        assert failure is None, failure
        assert starts(counter) == 3  # two kernels died, the third served the report
        nb, failure = runner.run(job(notebook(tmp_path / "b.ipynb", "y = 1"), tmp_path, "GDTRH"))
        assert failure is None and starts(counter) == 3  # and it stays warm


@pytest.mark.slow
def test_a_kernel_that_hangs_at_start_is_retried(tmp_path, monkeypatch):
    counter = flaky_kernel(tmp_path, monkeypatch, fails=1, mode="hang")
    with closing(WarmKernelRunner(WorkerOptions(kernel_name="cchc-flaky", timeout=30, start_timeout=4))) as runner:
        start = time.monotonic()
        nb, failure = runner.run(job(notebook(tmp_path / "a.ipynb", "x = 1"), tmp_path))
        assert failure is None, failure
        assert starts(counter) == 2
        assert time.monotonic() - start < 40


@pytest.mark.slow
def test_a_kernel_that_never_starts_fails_the_report_with_every_reason(tmp_path, monkeypatch):
    counter = flaky_kernel(tmp_path, monkeypatch, fails=99, mode="die")
    with closing(make_worker(WorkerOptions(kernel_name="cchc-flaky", timeout=30, start_timeout=30))) as worker:
        result = worker.render(job(notebook(tmp_path / "a.ipynb", "x = 1"), tmp_path))
        assert result.failure is not None
        text = result.failure.one_line()
        assert "không khởi động được kernel sau 3 lần thử" in text
        assert "lần 3: kernel dừng khi đang khởi động" in text
        assert starts(counter) == 3


@pytest.mark.slow
def test_the_fresh_kernel_runner_retries_a_kernel_that_dies_at_start(tmp_path, monkeypatch):
    counter = flaky_kernel(tmp_path, monkeypatch, fails=1, mode="die")
    runner = FreshKernelRunner(WorkerOptions(kernel_name="cchc-flaky", kernel="fresh", timeout=30,
                                                     start_timeout=30))
    nb, failure = runner.run(job(notebook(tmp_path / "a.ipynb", "x = unit * 2"), tmp_path))
    assert failure is None, failure
    assert starts(counter) == 2
    nb, failure = runner.run(job(notebook(tmp_path / "b.ipynb", "raise ValueError('ô hỏng')"), tmp_path))
    assert failure is not None and failure.ename == "ValueError"  # a cell's error is not retried
    assert starts(counter) == 3  # a new kernel per report, as papermill does


def _steal_every_port(monkeypatch) -> socket.socket:
    """What another worker's kernel does in jupyter/jupyter_client#154: it takes
    the port jupyter_client chose, between the choice and the kernel's bind."""
    from jupyter_client.connect import LocalPortCache

    thief = socket.socket()
    thief.bind(("127.0.0.1", 0))
    thief.listen()
    taken = thief.getsockname()[1]
    monkeypatch.setattr(LocalPortCache, "find_available_port", lambda self, ip: taken)
    return thief


@pytest.mark.slow
def test_a_port_taken_by_another_worker_does_not_stop_the_kernel(tmp_path, monkeypatch):
    with _steal_every_port(monkeypatch), closing(WarmKernelRunner(WorkerOptions(timeout=30,
                                                                                start_timeout=20))) as runner:
        nb, failure = runner.run(job(notebook(tmp_path / "a.ipynb", "x = 1"), tmp_path))
        assert failure is None, failure
        info = runner.kernel.km.get_connection_info()
        assert info["transport"] == "ipc" and f"cchc-kernels-{os.getpid()}-" in info["ip"]


@pytest.mark.slow
def test_over_tcp_the_ports_are_chosen_without_the_shared_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(kernels.TRANSPORT_ENV, "tcp")
    with _steal_every_port(monkeypatch) as thief, closing(WarmKernelRunner(WorkerOptions(timeout=30,
                                                                                         start_timeout=20))) as runner:
        nb, failure = runner.run(job(notebook(tmp_path / "a.ipynb", "x = 1"), tmp_path))
        assert failure is None, failure
        info = runner.kernel.km.get_connection_info()
        ports = {info[k] for k in ("shell_port", "iopub_port", "stdin_port", "hb_port", "control_port")}
        assert info["transport"] == "tcp" and len(ports) == 5 and thief.getsockname()[1] not in ports
