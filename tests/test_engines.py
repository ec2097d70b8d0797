"""Warm-kernel workers and the Dask executor (issue 5): isolation between
reports, a crashed or hung kernel fails one report only, and Dask renders the
same files as the local pool."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cchc_lib.render.batch import parse_spec, run_batch
from cchc_lib.render.engines import WarmKernelRunner
from cchc_lib.render.executors import make_executor
from cchc_lib.render.kernel import WarmKernel
from cchc_lib.render.pdf import find_browser
from cchc_lib.render.worker import WorkerOptions

from reports_helpers import batch_doc, job, make_project, notebook

pytestmark = pytest.mark.slow  # kernels, Chromium, Dask or the CLI as a subprocess


@pytest.fixture(scope="module")
def runner():
    r = WarmKernelRunner(WorkerOptions(timeout=3, start_timeout=60))
    yield r
    r.close()


def test_a_report_never_sees_the_previous_reports_state(runner, tmp_path):
    setter = notebook(tmp_path / "a.ipynb", "leak = unit * 2\nimport matplotlib\nmatplotlib.rcParams['lines.linewidth'] = 9",
                      "leak")
    checker = notebook(tmp_path / "b.ipynb",
                       "assert 'leak' not in globals(), 'leak survived'\n"
                       "assert all('leak' not in repr(v) for v in Out.values()), 'output cache survived'\n"
                       "import matplotlib\nassert matplotlib.rcParams['lines.linewidth'] != 9, 'rcParams survived'\n"
                       "import os\nprint(os.getpid())")
    nb, failure = runner.run(job(setter, tmp_path))
    assert failure is None
    pid_first = runner.kernel.km.provisioner.pid
    nb, failure = runner.run(job(checker, tmp_path, "GDTRH"))
    assert failure is None, failure
    assert runner.kernel.km.provisioner.pid == pid_first  # the same warm kernel served both
    # papermill injected the parameters: the report is still the parameterized notebook
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "GDTRH" in injected[0].source


def test_a_cell_error_is_reported_with_its_cell_and_the_kernel_kept(runner, tmp_path):
    bad = notebook(tmp_path / "bad.ipynb", "x = 1", "raise ValueError('số liệu hỏng')")
    restarts = runner.kernel.restarts
    nb, failure = runner.run(job(bad, tmp_path))
    assert failure is not None and failure.ename == "ValueError" and "số liệu hỏng" in failure.evalue
    assert failure.cell_index == 3  # parameters, injected parameters, x = 1, the raise
    assert runner.kernel.restarts == restarts


def test_the_cells_sent_in_one_request_come_back_as_cell_by_cell_execution_leaves_them(runner, tmp_path):
    """The warm engine runs a report's code cells in one request: each cell
    still gets its own outputs (printed text, displays, its value), count and
    papermill record, and nothing runs after the cell that failed."""
    nb_path = notebook(tmp_path / "cells.ipynb",
                       "print('một'); 1 + 1",
                       "from IPython.display import HTML, display\ndisplay(HTML('<b>hai</b>'))\nimport sys\n"
                       "print('lỗi nhẹ', file=sys.stderr)",
                       "%time x = 3",
                       "raise KeyError('ba')",
                       "x = 4")
    nb, failure = runner.run(job(nb_path, tmp_path))
    assert failure is not None and failure.ename == "KeyError" and failure.cell_index == 5
    code = [c for c in nb.cells if c.cell_type == "code"]  # papermill adds its error marks as other cells
    first = code[2]
    assert [o.output_type for o in first.outputs] == ["stream", "execute_result"]
    assert first.outputs[0].text == "một\n" and first.outputs[1].data["text/plain"] == "2"
    assert first.outputs[1].execution_count == first.execution_count
    second = code[3]
    assert [(o.output_type, o.get("name")) for o in second.outputs] == [("stream", "stderr"), ("display_data", None)]
    assert second.outputs[1].data["text/html"] == "<b>hai</b>"
    assert "Wall time" in "".join(o.get("text", "") for o in code[4].outputs)  # magics run as in a cell
    failed = code[5]
    assert failed.outputs[-1].output_type == "error" and failed.metadata.papermill["status"] == "failed"
    assert [c.execution_count for c in code[:6]] == [1, 2, 3, 4, 5, 6]
    assert code[6].outputs == [] and code[6].metadata.papermill["status"] != "completed"  # not run
    assert all(c.metadata.papermill["duration"] >= 0 for c in code[:6])


def test_a_cell_asking_for_input_fails_at_once_instead_of_waiting(runner, tmp_path):
    asks = notebook(tmp_path / "asks.ipynb", "input('Mã đơn vị?')")
    nb, failure = runner.run(job(asks, tmp_path))
    assert failure is not None and failure.ename == "StdinNotImplementedError", failure


def test_a_hung_kernel_fails_that_report_only(runner, tmp_path):
    hung = notebook(tmp_path / "hung.ipynb", "import time\ntime.sleep(60)")
    fine = notebook(tmp_path / "fine.ipynb", "y = 2")
    restarts = runner.kernel.restarts
    nb, failure = runner.run(job(hung, tmp_path))
    assert failure is not None and "quá thời gian" in failure.evalue
    assert runner.kernel.restarts == restarts + 1
    nb, failure = runner.run(job(fine, tmp_path))
    assert failure is None


def test_a_crashed_kernel_fails_that_report_only(runner, tmp_path):
    crash = notebook(tmp_path / "crash.ipynb", "import os\nos._exit(1)")
    fine = notebook(tmp_path / "fine.ipynb", "y = 2")
    runner.run(job(fine, tmp_path))
    pid_before, restarts = runner.kernel.km.provisioner.pid, runner.kernel.restarts
    nb, failure = runner.run(job(crash, tmp_path))
    assert failure is not None
    assert runner.kernel.restarts == restarts + 1  # the dead kernel was given up ...
    nb, failure = runner.run(job(fine, tmp_path))
    assert failure is None
    assert runner.kernel.km.provisioner.pid != pid_before  # ... and the next report ran on a new one


def test_unknown_executor_and_stray_scheduler_are_refused():
    from cchc_lib.errors import UsageError

    with pytest.raises(UsageError, match="dask"):
        make_executor("cluster")
    with pytest.raises(UsageError, match="scheduler"):
        make_executor("local", 2, None, "tcp://127.0.0.1:8786")


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "2023-Q3").iterdir())
            if p.suffix in (".html", ".json")}


def test_dask_local_cluster_renders_the_same_files_as_the_local_pool(tmp_path):
    project = make_project(tmp_path / "proj")
    spec = parse_spec(batch_doc(project, units=["VP", "GDTRH"]), "test")
    local = run_batch(spec, root=project["root"], output=tmp_path / "local", workers=2, progress=False)
    dask = run_batch(spec, root=project["root"], output=tmp_path / "dask", workers=2, progress=False,
                     executor="dask")
    assert not local.failed and not dask.failed
    assert len(dask.rendered) == 3
    assert all(r.worker.startswith("dask pid") for r in dask.rendered)
    a, b = _files(tmp_path / "local"), _files(tmp_path / "dask")
    assert set(a) == {"VP.html", "VP.json", "GDTRH.html", "GDTRH.json", "department.html", "department.json"}
    assert a == b
    assert json.loads(b["VP.json"])["unit"] == "VP"


def test_dask_reports_a_failing_report_like_the_local_pool(tmp_path):
    project = make_project(tmp_path / "proj")
    broken = notebook(tmp_path / "broken.ipynb", "raise RuntimeError('hỏng')")
    doc = batch_doc(project, units=["VP"])
    doc["notebooks"] = {"unit": broken}
    report = run_batch(parse_spec(doc, "test"), root=project["root"], output=tmp_path / "out", workers=1,
                       progress=False, executor="dask")
    assert report.exit_code == 1
    assert [r.failure.ename for r in report.failed] == ["RuntimeError"]
    assert (tmp_path / "out" / "2023-Q3" / "VP.failed.ipynb").is_file()  # the partial notebook is kept


def test_the_warm_engine_is_registered_through_papermills_entry_point():
    """A process that imports nothing of cchc asks papermill for the engine by name."""
    code = ("from papermill.engines import papermill_engines\n"
            "e = papermill_engines.get_engine('cchc-warm')\n"
            "print(e.__module__, e.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["cchc_lib.render.warm_engine", "WarmKernelEngine"]
    from cchc_lib.render.engines import ENGINE_NAME

    assert ENGINE_NAME == "cchc-warm"


def test_warm_kernel_starts_in_the_background_without_pandas_and_with_the_data(tmp_path):
    """`launch` returns before the kernel is up; the warm-up imports no pandas and
    loads the data of the reports to come; a report then finds it cached."""
    project = make_project(tmp_path / "proj")
    kernel = WarmKernel(start_timeout=60).launch(str(tmp_path), {"data": str(project["data"]), "units":
                                                                 str(project["units"]), "period": "2023-Q3"})
    runner = WarmKernelRunner(WorkerOptions(timeout=30), kernel)
    try:
        assert kernel._warming is not None  # queued, not awaited
        check = notebook(tmp_path / "check.ipynb",
                         "import sys\n"
                         "assert 'pandas' not in sys.modules, 'pandas imported'\n"
                         "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
                         "from cchc_lib.reports import data\n"
                         "assert data._OPENED and data._RANKINGS, 'data not loaded while the kernel started'")
        nb, failure = runner.run(job(check, tmp_path))
        assert failure is None, failure
        assert kernel.timings["warmup"] > 0 and kernel.timings["start"] > 0
    finally:
        runner.close()


def test_reset_leaves_the_garbage_collector_as_it_was(runner, tmp_path):
    first = notebook(tmp_path / "a.ipynb", "import matplotlib.pyplot as plt\nplt.figure()\nx = [1]")
    second = notebook(tmp_path / "b.ipynb",
                      "import gc, sys\n"
                      "assert type(gc.collect).__name__ == 'builtin_function_or_method', 'gc.collect not restored'\n"
                      "assert not sys.modules['matplotlib.pyplot'].get_fignums(), 'figure survived'\n"
                      "assert 'x' not in globals()")
    assert runner.run(job(first, tmp_path))[1] is None
    nb, failure = runner.run(job(second, tmp_path, "GDTRH"))
    assert failure is None, failure


def test_a_kernel_launched_for_a_pool_is_shut_down(tmp_path):
    kernel = WarmKernel().launch(str(tmp_path))
    with make_executor("local", 2, WorkerOptions(), kernel=kernel):
        pass
    assert kernel.km is None


@pytest.mark.skipif(find_browser(include_playwright=False) is None, reason="không có Chromium: bỏ qua kiểm thử PDF")
def test_pool_workers_close_their_browser_and_kernel_cleanly(tmp_path):
    """A process-pool batch with PDFs: each worker closes its browser (from
    its exit handler) and its kernel without an error on the way out."""
    project = make_project(tmp_path / "proj")
    doc = batch_doc(project, units=["VP", "GDTRH"], formats=["html", "pdf"])
    code = ("import json, sys\nfrom cchc_lib.render.batch import parse_spec, run_batch\n"
            "r = run_batch(parse_spec(json.loads(sys.argv[1]), 't'), root=sys.argv[2], output=sys.argv[3], workers=2,"
            " progress=False)\nsys.exit(r.exit_code)")
    done = subprocess.run([sys.executable, "-c", code, json.dumps(doc), str(project["root"]), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path / "out" / "2023-Q3").glob("*.pdf")) == ["GDTRH.pdf", "VP.pdf",
                                                                                  "department.pdf"]
