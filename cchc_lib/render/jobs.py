"""What a report to render is, and what rendering it gave: plain data.

A `Job` says everything about one report; a `Result` carries its files'
bytes (or its `Failure`) back from wherever it was rendered.  Both are
picklable, so any executor can ship them to a worker process or a Dask
worker.  This module imports nothing heavy: the batch driver plans jobs
(and launches a kernel) before the renderer itself is imported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cchc_lib.core.periods import Period

FORMATS = ("html", "pdf", "docx", "self-assessment")
NOTEBOOK_FORMATS = ("html", "pdf")  # made from the executed notebook
DEPARTMENT_ONLY = ("self-assessment",)  # the department's self-assessment workbook
#: The file each format writes, after the report's name (output/<period>/<name><suffix>).
SUFFIXES = {"html": ".html", "pdf": ".pdf", "docx": ".docx", "self-assessment": "_tu_danh_gia.xlsx"}
DEPARTMENT = "department"  # never a unit code (codes are upper case)


def format_names(value: Any) -> list[str]:
    """The formats `--to html,PDF` or a batch file's list names, as written:
    lower case, blanks dropped (`render.batch.parse_formats` checks them)."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [f for f in (str(x).strip().lower() for x in items) if f]


@dataclass(frozen=True)
class Job:
    """One report: a notebook, its parameters, where its files go."""

    name: str  # unit code, or "department"
    kind: str  # "unit" | "department"
    period: Period
    notebook: str  # absolute path
    parameters: tuple[tuple[str, Any], ...]  # papermill parameters, in order
    formats: tuple[str, ...]
    out_dir: str  # output/<period>
    cwd: str  # the kernel's working directory (project root)
    fingerprint: str = ""
    label: str = ""
    documents: tuple[tuple[str, str], ...] = ()  # docx_template, organisation: paths ("" = defaults)

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.parameters)

    @property
    def needs_notebook(self) -> bool:
        """HTML and PDF come from the executed notebook; DOCX and the
        self-assessment straight from the report data."""
        return any(f in NOTEBOOK_FORMATS for f in self.formats)

    def path(self, suffix: str) -> Path:
        return Path(self.out_dir) / f"{self.name}{suffix}"


@dataclass(frozen=True)
class Failure:
    """Why a report failed: the failing cell's error, or an error around it."""

    ename: str
    evalue: str
    cell_index: int | None = None
    exec_count: int | None = None

    def one_line(self) -> str:
        where = (f"ô số {self.cell_index} (In [{self.exec_count}])" if self.cell_index is not None
                 else "ngoài notebook")
        value = " ".join(str(self.evalue).split())
        return f"{where}: {self.ename}: {value[:300]}"


@dataclass
class Result:
    job: Job
    files: dict[str, bytes] = field(default_factory=dict)  # suffix (".html") → bytes
    failure: Failure | None = None
    format_failures: dict[str, str] = field(default_factory=dict)  # "pdf" → message
    seconds: float = 0.0
    figures: dict | None = None
    worker: str = ""
    #: Where the seconds went: "kernel" (waiting for the kernel), "cells"
    #: (papermill: parameters, reset, the notebook's cells), "export" (HTML),
    #: "pdf" (of which "pdf_start": waiting for the browser); the report that
    #: started a kernel also has "kernel_start" (process up) and "warmup"
    #: (imports and data loaded in the kernel), which may overlap other work.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.format_failures


@dataclass(frozen=True)
class WorkerOptions:
    chromium: str | None = None  # explicit browser for PDFs
    kernel_name: str = "python3"
    timeout: int = 600  # seconds per report on a warm kernel (its cells run in one request), per cell on a fresh one
    start_timeout: int = 60
    kernel: str = "warm"  # "warm": one kernel per worker, reset between reports; "fresh": one per report
