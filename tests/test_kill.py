"""Issue 10, rendering: `kill -9` of `cchc render` leaves no worker, kernel,
Playwright driver or Chromium behind, and a rerun completes; one batch at a
time writes an output folder, and what a killed one left half-written is
swept."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml

from cchc_lib.render import batch
from cchc_lib.render.index_page import collect
from cchc_lib.render.pdf import find_browser

import procs
from reports_helpers import REPO, batch_doc, make_project

TAG = "CCHC_TEST_TAG"
CCHC = str(Path(sys.executable).with_name("cchc"))


def tagged(tag: str) -> list[tuple[int, str]]:
    return procs.tagged(TAG, tag)


def _kill_all(tag: str) -> None:
    for pid, _ in tagged(tag):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _project(tmp_path: Path, formats: list[str]) -> Path:
    units = (REPO / "demo" / "units.yaml").read_text(encoding="utf-8")  # 13 units: a batch that lasts
    proj = make_project(tmp_path, units)
    doc = batch_doc(proj, formats=formats)
    path = tmp_path / "params" / "batch.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _complete(output: Path) -> list[str]:
    """What is wrong with the reports the index lists (nothing: [])."""
    problems = []
    entries = collect(output)
    if not entries:
        problems.append("mục lục trống")
    for e in entries:
        if e.get("failure") or "points" not in e:
            problems.append(f"{e['name']}: lỗi {e.get('failure')}")
        for fmt in e.get("formats", []):
            f = output / e["period_dir"] / f"{e['name']}.{fmt}"
            data = f.read_bytes() if f.is_file() else b""
            ok = data.rstrip().endswith(b"</html>") if fmt == "html" else (
                data.startswith(b"%PDF") and b"%%EOF" in data[-1024:])
            if not ok:
                problems.append(f"{f.name} thiếu hoặc không trọn vẹn")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["local", "dask"])
def test_kill_9_of_render_leaves_no_process_behind_and_a_rerun_completes(tmp_path, executor):
    pdf = bool(find_browser())
    formats = ["html", "pdf"] if pdf else ["html"]
    spec = _project(tmp_path, formats)
    tag = uuid.uuid4().hex
    env = {**os.environ, TAG: tag}
    cmd = [CCHC, "render", str(spec), "-j", "2", "--quiet", "--executor", executor]
    try:
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:  # wait for kernels (and a browser)
            cmds = [c for _, c in tagged(tag)]
            if (sum("ipykernel_launcher" in c for c in cmds) >= 2
                    and (not pdf or any("chromium" in c for c in cmds))):
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the batch ended before it could be killed"
        before = tagged(tag)
        assert len(before) >= 4, before
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 20
        while tagged(tag) and time.monotonic() < deadline:
            time.sleep(0.25)
        left = tagged(tag)
        assert not left, f"{len(left)} of {len(before)} processes outlived `cchc render`: {left}"
        # and a rerun completes, with nothing half-written left over
        rerun = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        output = tmp_path / "output"
        assert _complete(output) == []
        assert len(collect(output)) == 14  # the department and 13 units
        assert not list(output.rglob("*.part"))
        time.sleep(1)
        assert not tagged(tag)  # a finished batch leaves nothing either
    finally:
        _kill_all(tag)


@pytest.mark.slow
def test_one_report_renders_on_the_kernel_the_command_line_started_and_an_error_leaves_none(tmp_path):
    """`cchc render --period P --unit U` launches its kernel before importing
    the renderer: the report is made on it (one kernel for the command), and
    a command that fails before rendering (an unknown unit) leaves no kernel."""
    units = (REPO / "demo" / "units.yaml").read_text(encoding="utf-8")
    proj = make_project(tmp_path, units)
    tag = uuid.uuid4().hex
    env = {**os.environ, TAG: tag}
    base = [CCHC, "render", "--period", "2023-Q3", "--data", str(proj["data"]), "--quiet", "--force"]
    try:
        bad = subprocess.run(base + ["--unit", "KHONGCO"], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=120)
        assert bad.returncode == 2 and "KHONGCO" in bad.stderr, bad.stderr
        assert not tagged(tag), "an early kernel outlived the failed command"
        kernels: list[int] = []
        proc = subprocess.Popen(base + ["--unit", "gdtrh", "--to", "html"], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while proc.poll() is None:
            kernels += [pid for pid, c in tagged(tag) if "ipykernel_launcher" in c and pid not in kernels]
            time.sleep(0.05)
        out, err = proc.communicate()
        assert proc.returncode == 0, out + err
        # the early kernel rendered the report: no second one was started
        assert len(kernels) == 1, (kernels, err[-2000:])
        assert (tmp_path / "output" / "2023-Q3" / "GDTRH.html").is_file()
        time.sleep(0.5)
        assert not tagged(tag)
    finally:
        _kill_all(tag)


def test_partial_writes_of_a_killed_batch_are_swept(tmp_path):
    out = tmp_path / "output"
    (out / "2023-Q3").mkdir(parents=True)
    leftovers = [out / ".index.html.k2j4_9x.part", out / "2023-Q3" / ".VP.html.a1b2c3d4.part",
                 out / "2023-Q3" / ".department.pdf.zz_top1.part"]
    for p in leftovers:
        p.write_bytes(b"half")
    mine = out / "2023-Q3" / ".notes.txt.part"  # not one of ours: left alone
    mine.write_bytes(b"x")
    with batch.output_lock(out):
        assert batch.sweep_partial_writes(out) == 3
    assert not any(p.exists() for p in leftovers) and mine.exists()


def test_a_second_batch_on_the_same_output_is_refused_while_the_first_runs(tmp_path):
    out = tmp_path / "output"
    code = ("import sys, time; sys.path.insert(0, %r)\n"
            "from pathlib import Path\nfrom cchc_lib.render.batch import output_lock\n"
            "with output_lock(Path(%r)):\n    print('held', flush=True); time.sleep(60)\n") % (str(REPO), str(out))
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(batch.BatchError, match=rf"pid {holder.pid}\) đang ghi vào"):
            with batch.output_lock(out):
                pass
        holder.kill()  # killed, it releases the folder at once
        holder.wait()
        with batch.output_lock(out):
            pass
    finally:
        holder.kill()
        holder.wait()
