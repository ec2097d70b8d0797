"""Scale-out without a shared SQLite file: a batch's inputs shipped as bytes.

On a cluster the workers must not read the project's database over a
network folder (SQLite's WAL does not work on a network file system and its
locking there is unreliable).  The client — `cchc render` — takes one
`Snapshot` per batch (`take(jobs)`): a read-only, consistent copy of what
the reports read, as a small project folder of bytes:

    data/<name>              the database (SQLite online backup) or the CSV/XLSX table
    params/units.yaml        the unit registry the batch uses
    params/*.yaml            the settings the reports read, if the project has them
                             (deadlines, reporting cut-off, organisation, reports)
    params/<catalogue>       a catalogue given by path (the bundled one ships with the package)
    params/<name>            the Word template and organisation file of DOCX jobs
    notebooks/<name>.ipynb   the report notebooks

The Dask executor scatters it to every worker once.  A worker writes it
once into a private temporary folder (`materialise`) and runs each report
there (`localise`): the notebook's `data`, `units` and `catalogue`
parameters (and a DOCX job's template and organisation file) point at the
local copies, and the kernel's working directory is
the folder, so the project's settings are found as usual.
The report's own files come back to the client as bytes and the client
writes them.  Workers need this package installed, nothing else.
"""
from __future__ import annotations

import hashlib
import shutil
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from cchc_lib.intake.sources import DB_SUFFIXES
from cchc_lib.render.lifeline import private_dir
from cchc_lib.render.jobs import Job

#: Job parameters that name an input file, and where it goes in the snapshot.
PATH_PARAMETERS = {"data": "data", "units": "params", "catalogue": "params"}
KEEP = 3  # snapshots a worker process keeps on disk (batches from several clients may overlap)
#: The project's settings files a report reads (`params/`), and those a registry's folder may have of its own.
SETTINGS = ("deadlines.yaml", "reporting.yaml", "organisation.yaml", "reports.yaml")
OWN_SETTINGS = ("organisation.yaml", "reports.yaml")


@dataclass(frozen=True)
class Snapshot:
    """Files as (relative path, bytes), and which client path each one stands for."""

    files: tuple[tuple[str, bytes], ...]
    paths: tuple[tuple[str, str], ...]  # client path → relative path
    digest: str

    @property
    def size(self) -> int:
        return sum(len(b) for _, b in self.files)


def _read(path: Path) -> bytes:
    if path.suffix.lower() in DB_SUFFIXES:
        from cchc_lib.store.snapshot import database_bytes

        return database_bytes(path)
    return path.read_bytes()


def take(jobs: Sequence[Job]) -> Snapshot:
    """One snapshot of every input file the jobs name (each read once)."""
    files: dict[str, bytes] = {}
    paths: dict[str, str] = {}

    def add(client_path: str, folder: str, name: str | None = None) -> None:
        if not client_path or client_path in paths:
            return
        p = Path(client_path)
        rel = f"{folder}/{name or p.name}"
        n = 1
        while rel in files:  # two inputs with one name: keep both
            n += 1
            rel = f"{folder}/{n}-{name or p.name}"
        files[rel] = _read(p)
        paths[client_path] = rel

    for job in jobs:
        params = job.params
        for key, folder in PATH_PARAMETERS.items():
            value = params.get(key)
            if isinstance(value, str) and value:
                add(value, folder, "units.yaml" if key == "units" else None)
        for _, value in job.documents:
            add(value, "params")
        if job.needs_notebook:
            add(job.notebook, "notebooks")
    # The settings a report reads where its kernel runs: beside the registry when
    # that folder has its own (`core.settings.settings_dir`), else the project's params/.
    folders = [Path(str(job.params["units"])).parent for job in jobs if job.params.get("units")]
    folders = [f for f in dict.fromkeys(folders) if any((f / n).is_file() for n in OWN_SETTINGS)]
    folders += [Path(root) / "params" for root in sorted({job.cwd for job in jobs})]
    for folder in folders:
        for name in SETTINGS:
            if (folder / name).is_file() and f"params/{name}" not in files:
                files[f"params/{name}"] = (folder / name).read_bytes()
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode("utf-8") + b"\0" + hashlib.sha256(files[rel]).digest())
    return Snapshot(tuple(sorted(files.items())), tuple(sorted(paths.items())), h.hexdigest())


# --- on the worker ---------------------------------------------------------------------

_LOCK = threading.Lock()
_ON_DISK: dict[str, Path] = {}  # digest → folder, oldest first


def materialise(snapshot: Snapshot) -> Path:
    """The snapshot as a folder of this process (written once per batch)."""
    with _LOCK:
        root = _ON_DISK.get(snapshot.digest)
        if root is not None and root.is_dir():
            return root
        root = private_dir("cchc-snapshots") / snapshot.digest[:16]
        tmp = root.with_name(root.name + ".part")
        shutil.rmtree(tmp, ignore_errors=True)
        for rel, data in snapshot.files:
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        shutil.rmtree(root, ignore_errors=True)
        tmp.rename(root)
        _ON_DISK.pop(snapshot.digest, None)
        _ON_DISK[snapshot.digest] = root
        while len(_ON_DISK) > KEEP:
            old = next(iter(_ON_DISK))
            shutil.rmtree(_ON_DISK.pop(old), ignore_errors=True)
        return root


def localise(job: Job, snapshot: Snapshot) -> Job:
    """The job as it runs on this worker: inputs from the local snapshot."""
    root = materialise(snapshot)
    where = dict(snapshot.paths)

    def local(value: object) -> object:
        if isinstance(value, str) and value in where:
            return str(root / where[value])
        return value

    params = tuple((k, local(v) if k in PATH_PARAMETERS else v) for k, v in job.parameters)
    documents = tuple((k, local(v)) for k, v in job.documents)
    return replace(job, parameters=params, notebook=str(local(job.notebook)), documents=documents, cwd=str(root))
