"""Where the project's files are: registry, database, output, batches.

The project root is the nearest folder that has `params/units.yaml`, looking
up from the given folder (a batch file's), then from the working directory;
failing both, the checkout this package lives in.  `CCHC_PROJECT` overrides.
"""
from __future__ import annotations

import os
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
