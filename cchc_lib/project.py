"""Where the project's files are: registry, database, output, batches.

The project root is the nearest folder that has `params/units.yaml`, looking
up from the given folder (a batch file's), then from the working directory;
failing both, the checkout this package lives in.  `CCHC_PROJECT` overrides.

The department's own data is `data/cchc.sqlite` (created empty by `cchc
init`); the demo's is `data/sample.sqlite`, with its own unit registry
(`demo/units.yaml`) and output folder (`output/demo/`), so that invented
figures never mix with real ones.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
VERSION = "0.2.0"


def find_project(start: str | Path | None = None) -> Path | None:
    """The nearest folder from `start` (default: the working directory) up
    that has params/units.yaml, or None."""
    here = Path(start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "params" / "units.yaml").is_file():
            return d
    return None


def project_root(start: str | Path | None = None) -> Path:
    env = os.environ.get("CCHC_PROJECT")
    if env:
        return Path(env).resolve()
    return find_project(start) or find_project() or PACKAGE_DIR.parent


def params_dir(root: Path | None = None) -> Path:
    """The project's editable settings: units, deadlines, organisation, reports."""
    return (root or project_root()) / "params"


def units_path(root: Path | None = None) -> Path:
    return params_dir(root) / "units.yaml"


def sample_path(root: Path | None = None) -> Path:
    """The bundled sample long table (`cchc sample-data` writes it)."""
    return (root or project_root()) / "data" / "sample_2023.csv"


def db_path(root: Path | None = None) -> Path:
    return (root or project_root()) / "data" / "cchc.sqlite"


def output_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "output"


def demo_db_path(root: Path | None = None) -> Path:
    """The demo's own database (never the department's)."""
    return (root or project_root()) / "data" / "sample.sqlite"


def demo_output_dir(root: Path | None = None) -> Path:
    return output_dir(root) / "demo"


def demo_dir(root: Path | None = None) -> Path:
    """The demo's inputs (unit registry, batch file): `demo/` of the project,
    else of the checkout this package lives in."""
    here = (root or project_root()) / "demo"
    return here if here.is_dir() else PACKAGE_DIR.parent / "demo"


def notebooks_dir(root: Path | None = None) -> Path:
    """The report notebooks: the project's `notebooks/`, else the checkout's
    (a project made by `cchc init` in another folder uses the shipped ones)."""
    here = (root or project_root()) / "notebooks"
    return here if here.is_dir() else PACKAGE_DIR.parent / "notebooks"


def command_name() -> str:
    """How the user can type `cchc` in this shell, for hints printed as
    commands to copy: `cchc` when that name on PATH is this installation,
    otherwise the script's path (`.venv/bin/cchc` after `make demo`)."""
    script = Path(sys.executable).parent / "cchc"
    found = shutil.which("cchc")
    if found and script.is_file() and Path(found).resolve() == script.resolve():
        return "cchc"
    if not script.is_file():
        return "cchc"
    return shown_path(script)


def shown_path(path: str | Path) -> str:
    """A path as a user types it from the working directory: relative when
    it is inside it, else absolute."""
    p = Path(path).absolute()
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)
