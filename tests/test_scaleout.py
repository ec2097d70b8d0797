"""Issue 10, scale-out without a shared SQLite file: the client reads the data
once and ships a read-only snapshot with the notebooks; Dask workers that
run in another folder, with no access to the project, render the same
reports."""
from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from cchc_lib.core.catalogue import load_catalogue
from cchc_lib.core.deadlines import Deadlines, load_deadlines
from cchc_lib.fmt import count_vi
from cchc_lib.store.status import reporting_status
from cchc_lib.core.units import load_registry
from cchc_lib.intake.sample_db import build_sample_db
from cchc_lib.render import batch, snapshot
from cchc_lib.render.worker import WorkerOptions

from reports_helpers import NOTEBOOKS, batch_doc, make_project

DEADLINES = "monthly:\n  day: 2\n"  # not the default (5th): the snapshot must carry it


def _project_with_db(root: Path) -> dict[str, Path]:
    proj = make_project(root)
    cat = load_catalogue()
    reg = load_registry(proj["units"], cat.unit_kinds)
    db = root / "data" / "cchc.sqlite"
    build_sample_db(db, cat, reg, load_deadlines(), progress=False)
    for name in ("unit_report.ipynb", "department_report.ipynb"):
        (root / "notebooks").mkdir(exist_ok=True)
        shutil.copy(NOTEBOOKS / name, root / "notebooks" / name)
    return {**proj, "db": db}


def _doc(proj: dict[str, Path], **over) -> dict:
    doc = batch_doc(proj, data=str(proj["db"]), units=["VP", "GDTRH"], **over)
    doc["notebooks"] = {"department": str(proj["root"] / "notebooks" / "department_report.ipynb"),
                        "unit": str(proj["root"] / "notebooks" / "unit_report.ipynb")}
    return doc


def test_a_snapshot_is_a_small_project_folder_with_a_consistent_copy(tmp_path):
    proj = _project_with_db(tmp_path / "proj")
    plan = batch.plan(batch.parse_spec(_doc(proj), "t"), proj["root"], tmp_path / "out")
    snap = snapshot.take(plan.jobs)
    files = dict(snap.files)
    assert set(files) == {"data/cchc.sqlite", "params/units.yaml", "notebooks/unit_report.ipynb",
                          "notebooks/department_report.ipynb"}
    assert files["params/units.yaml"] == proj["units"].read_bytes()
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(files["data/cchc.sqlite"])
    with sqlite3.connect(copy) as c, sqlite3.connect(proj["db"]) as orig:
        q = "SELECT count(*), sum(length(indicator)) FROM submission_values"
        assert c.execute(q).fetchone() == orig.execute(q).fetchone()
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, no -wal needed
    assert snapshot.take(plan.jobs).digest == snap.digest  # the same inputs, the same snapshot
    # on a worker: every input from the local copy, the kernel in the copy's folder
    job = next(j for j in plan.jobs if j.name == "VP")
    local = snapshot.localise(job, snap)
    root = Path(local.cwd)
    assert root != proj["root"] and (root / "params" / "units.yaml").is_file()
    assert local.params["data"] == str(root / "data" / "cchc.sqlite")
    assert local.params["units"] == str(root / "params" / "units.yaml")
    assert local.notebook == str(root / "notebooks" / "unit_report.ipynb")
    assert (local.params["unit"], local.params["period"], local.out_dir) == ("VP", "2023-Q3", job.out_dir)
    assert snapshot.localise(job, snap).cwd == local.cwd  # written once per batch


def test_a_snapshot_carries_what_a_docx_job_reads(tmp_path):
    proj = _project_with_db(tmp_path / "proj")
    (proj["root"] / "params" / "organisation.yaml").write_text("agency: \"SỞ THỬ\"\n", encoding="utf-8")
    plan = batch.plan(batch.parse_spec(_doc(proj, formats=["docx"]), "t"), proj["root"], tmp_path / "out")
    job = next(j for j in plan.jobs if j.name == "VP")
    docs = dict(job.documents)
    assert docs["docx_template"] and docs["organisation"]
    snap = snapshot.take(plan.jobs)
    files = dict(snap.files)
    assert not any(r.startswith("notebooks/") for r in files)  # a DOCX needs no notebook
    local = dict(snapshot.localise(job, snap).documents)
    for key in ("docx_template", "organisation"):
        assert Path(local[key]).read_bytes() == Path(docs[key]).read_bytes()
        assert local[key].startswith(snapshot.localise(job, snap).cwd)


@pytest.mark.slow
def test_dask_workers_in_another_folder_without_the_project_render_the_same_reports(tmp_path, monkeypatch):
    from cchc_lib.render.dask import DaskExecutor

    proj = _project_with_db(tmp_path / "proj")
    (proj["root"] / "params" / "deadlines.yaml").write_text(DEADLINES, encoding="utf-8")
    spec = batch.parse_spec(_doc(proj), "t")
    # the reference: the local pool, reading the project's files
    local = batch.run_batch(spec, root=proj["root"], output=tmp_path / "local", workers=1, progress=False)
    assert local.exit_code == 0
    # the project's deadlines (the 10th, not the default 5th) change who was late in the quarter
    cat = load_catalogue()
    reg = load_registry(proj["units"], cat.unit_kinds)
    late = {name: reporting_status(proj["db"], reg, "2023-Q3", cat, deadlines=dl).count("late")
            for name, dl in (("project", load_deadlines(root=proj["root"])), ("default", Deadlines()))}
    assert late["project"] != late["default"]
    # the client plans and takes its snapshot; then the project is gone from this machine
    plan = batch.plan(spec, proj["root"], tmp_path / "dask")
    snap = snapshot.take(plan.jobs)
    shutil.rmtree(proj["root"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the workers start here
    with DaskExecutor(2, WorkerOptions()) as ex:
        client = ex._ensure_client()
        cwds = set(client.run(os.getcwd).values())
        assert cwds == {str(elsewhere)}
        results = list(ex.run(plan.jobs, snap))
    assert [r.failure for r in results if not r.ok] == []
    assert all(r.worker.startswith("dask pid") for r in results)
    for r in results:
        batch.write_result(r)
    a, b = tmp_path / "local" / "2023-Q3", tmp_path / "dask" / "2023-Q3"
    names = sorted(p.name for p in a.iterdir() if p.suffix in (".html", ".json"))
    assert names == ["GDTRH.html", "GDTRH.json", "VP.html", "VP.json", "department.html", "department.json"]
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    dept = (b / "department.html").read_text(encoding="utf-8")
    # the status panel, from the database and the project's deadlines
    assert f"Nộp muộn: {count_vi(late['project'])} ·" in dept
    figures = json.loads((b / "VP.json").read_text(encoding="utf-8"))
    assert figures["unit"] == "VP" and figures["points"] > 0
    assert not list(elsewhere.iterdir())  # the workers wrote nothing where they run


def _can_hide(folder: Path) -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs none {folder}"], capture_output=True)
    return probe.returncode == 0


def _wait_for(path: Path, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file() and text in path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in {path}: {path.read_text(errors='replace')[-2000:]}")


@pytest.mark.slow
def test_dask_scheduler_and_workers_that_cannot_see_the_project(tmp_path):
    """The documented set-up: `dask scheduler`, `dask worker` in another folder
    of a machine where the project does not exist (hidden from the workers by
    a mount namespace), `cchc render --executor dask --scheduler`."""
    proj = _project_with_db(tmp_path / "proj")
    if not _can_hide(proj["root"]):
        pytest.skip("needs root and unshare to hide the project from the workers")
    batch_file = proj["root"] / "params" / "batch.yaml"
    batch_file.write_text(yaml.safe_dump(_doc(proj), allow_unicode=True), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    bin_dir = Path(sys.executable).parent
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    logs = {n: open(tmp_path / f"{n}.log", "w") for n in ("scheduler", "worker")}
    scheduler = subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], cwd=elsewhere, stdout=logs["scheduler"], stderr=subprocess.STDOUT)
    worker = None
    try:
        _wait_for(tmp_path / "scheduler.log", "Scheduler at")
        hide = f"mount -t tmpfs none {proj['root']} && ls -A {proj['root']} | wc -l && exec \"$@\""
        worker = subprocess.Popen(["unshare", "-m", "sh", "-c", hide, "sh", str(bin_dir / "dask"), "worker", address,
                                   "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
                                  cwd=elsewhere, stdout=logs["worker"], stderr=subprocess.STDOUT)
        _wait_for(tmp_path / "worker.log", "Registered to")
        assert (tmp_path / "worker.log").read_text().splitlines()[0].strip() == "0"  # the workers see no project
        run = subprocess.run([str(bin_dir / "cchc"), "render", str(batch_file), "--executor", "dask",
                              "--scheduler", address, "--quiet"], cwd=proj["root"], capture_output=True, text=True,
                             timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
        out = proj["root"] / "output" / "2023-Q3"
        assert sorted(p.name for p in out.glob("*.html")) == ["GDTRH.html", "VP.html", "department.html"]
        assert "Nộp muộn" in (out / "department.html").read_text(encoding="utf-8")  # status, from the database
        assert not list(elsewhere.iterdir())
    finally:
        for p in (worker, scheduler):
            if p is not None:
                p.terminate()
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for f in logs.values():
            f.close()
