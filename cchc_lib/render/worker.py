"""Rendering one report: execute the notebook, export HTML/PDF, return bytes.

A `Job` says everything about one report (picklable, so any executor can
ship it to a worker process or a Dask worker).  A `Worker` renders jobs one
after the other and keeps what is worth keeping between them (the HTML
exporter; the PDF printer's browser).  `Worker.render(job)` returns a
`Result` with the files' bytes and writes nothing: the batch driver writes
them (through `files`), so results can come back from anywhere.

How a notebook is executed is the `NotebookRunner`'s business: here
`PapermillRunner` (a fresh kernel per report); a warm-kernel runner can be
swapped in without touching the notebooks or the batch logic.
"""
from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cchc_lib.core.periods import Period

FORMATS = ("html", "pdf", "docx", "self-assessment")
NOTEBOOK_FORMATS = ("html", "pdf")  # made from the executed notebook
DEPARTMENT_ONLY = ("self-assessment",)  # the department's self-assessment workbook
#: The file each format writes, after the report's name (output/<period>/<name><suffix>).
SUFFIXES = {"html": ".html", "pdf": ".pdf", "docx": ".docx", "self-assessment": "_tu_danh_gia.xlsx"}
DEPARTMENT = "department"  # never a unit code (codes are upper case)


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

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.format_failures


@dataclass(frozen=True)
class WorkerOptions:
    chromium: str | None = None  # explicit browser for PDFs
    kernel_name: str = "python3"
    timeout: int = 600  # seconds per cell
    start_timeout: int = 60
    kernel: str = "warm"  # "warm": one kernel per worker, reset between reports; "fresh": one per report


class NotebookRunner(Protocol):
    """Executes one job's notebook; returns (notebook, failure or None)."""

    def run(self, job: Job) -> tuple[Any, Failure | None]: ...

    def close(self) -> None: ...


def readable_parameters() -> None:
    """Have papermill write string parameters as Python literals that keep
    their letters ('Quý III là mùa tuyển sinh'), not `\\u1ef7` escapes, so
    the executed notebook kept for audit reads as the analyst wrote it."""
    from papermill.translators import PythonTranslator, papermill_translators

    class ReadablePythonTranslator(PythonTranslator):
        @classmethod
        def translate_escaped_str(cls, str_val):
            return repr(str_val) if isinstance(str_val, str) else f'"{str_val}"'

    if getattr(papermill_translators.find_translator("python3", "python"), "cchc", False) is not True:
        ReadablePythonTranslator.cchc = True  # type: ignore[attr-defined]
        papermill_translators.register("python", ReadablePythonTranslator)


class PapermillRunner:
    """A fresh kernel per report, through papermill's own engine.  Subclasses
    change the engine (`engine_name`, `engine_kwargs`) and what happens when
    the kernel itself fails (`recover`)."""

    engine_name: str | None = None

    def __init__(self, options: WorkerOptions):
        self.options = options
        readable_parameters()

    def engine_kwargs(self, job: Job) -> dict[str, Any]:
        return {}

    def recover(self, error: Exception) -> Failure:
        """A failure that is not a cell's error (kernel died, timeout)."""
        raise error

    def run(self, job: Job) -> tuple[Any, Failure | None]:
        import papermill as pm
        from papermill.engines import papermill_engines
        from papermill.exceptions import PapermillExecutionError
        from papermill.execute import raise_for_execution_errors
        from papermill.utils import chdir

        nb = pm.execute_notebook(job.notebook, None, parameters=job.params, prepare_only=True,
                                 kernel_name=self.options.kernel_name, progress_bar=False)
        for cell in nb.cells:  # papermill gives it a random id: keep reports reproducible
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell["id"] = "injected-parameters"
        try:
            with chdir(job.cwd):
                nb = papermill_engines.execute_notebook_with_engine(
                    self.engine_name, nb, input_path=job.notebook, output_path=None,
                    kernel_name=self.options.kernel_name, progress_bar=False, log_output=False,
                    start_timeout=self.options.start_timeout, execution_timeout=self.options.timeout,
                    **self.engine_kwargs(job))
            raise_for_execution_errors(nb, None)  # marks the failing cell in nb, then raises
        except PapermillExecutionError as e:
            return nb, Failure(e.ename, e.evalue, e.cell_index, e.exec_count)
        except Exception as e:
            return nb, self.recover(e)
        return nb, None

    def close(self) -> None:
        pass


class Worker:
    """Renders jobs one after another; one PDF browser for all of them."""

    def __init__(self, options: WorkerOptions | None = None, runner: NotebookRunner | None = None):
        self.options = options or WorkerOptions()
        self.runner = runner or PapermillRunner(self.options)
        self._printer = None
        self._printer_error: str | None = None

    def printer(self):
        if self._printer is None and self._printer_error is None:
            from cchc_lib.errors import CchcError
            from cchc_lib.render.pdf import PdfPrinter

            try:
                self._printer = PdfPrinter(self.options.chromium).start()
            except CchcError as e:
                self._printer_error = str(e)
        return self._printer

    def render(self, job: Job) -> Result:
        import nbformat

        from cchc_lib.project import VERSION as __version__
        from cchc_lib.render.htmlexport import figures_of, to_html

        start = time.perf_counter()
        result = Result(job)
        if not job.needs_notebook:
            self._documents_only(job, result)
            result.seconds = time.perf_counter() - start
            return result
        try:
            nb, failure = self.runner.run(job)
        except Exception as e:  # kernel died, notebook unreadable, ...
            result.failure = Failure(type(e).__name__, str(e) or traceback.format_exc(limit=1))
            result.seconds = time.perf_counter() - start
            return result
        if nb is not None:
            result.files[".ipynb"] = nbformat.writes(nb).encode("utf-8")
        if failure is not None:
            result.failure = failure
            result.seconds = time.perf_counter() - start
            return result
        try:
            figures = figures_of(nb)
            if figures is None:
                raise ValueError("notebook không công bố số liệu (views.publish)")
            result.figures = {**figures, "name": job.name, "formats": list(job.formats)}
            result.files[".json"] = json.dumps(result.figures, ensure_ascii=False, indent=1).encode("utf-8")
            html, _ = to_html(nb, figures.get("title", job.label), __version__)
            if "html" in job.formats or "pdf" in job.formats:
                result.files[".html"] = html.encode("utf-8")
            if "pdf" in job.formats:
                printer = self.printer()
                if printer is None:
                    result.format_failures["pdf"] = self._printer_error or "không tạo được PDF"
                else:
                    try:
                        result.files[".pdf"] = printer.to_pdf(html)
                    except Exception as e:
                        result.format_failures["pdf"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                        printer.close()
                        self._printer = None
        except Exception as e:
            result.failure = Failure(type(e).__name__, str(e))
        if result.failure is None and any(f not in NOTEBOOK_FORMATS for f in job.formats):
            try:
                _, files = documents(job)
                result.files.update(files)
            except Exception as e:  # that format fails; the HTML and PDF stand
                for f in job.formats:
                    if f not in NOTEBOOK_FORMATS:
                        result.format_failures[f] = f"{type(e).__name__}: {' '.join(str(e).split())[:300]}"
        result.seconds = time.perf_counter() - start
        return result

    def _documents_only(self, job: Job, result: Result) -> None:
        """DOCX / self-assessment without a notebook: the figures come from the same report data."""
        try:
            figures, files = documents(job)
        except Exception as e:
            result.failure = Failure(type(e).__name__, str(e) or traceback.format_exc(limit=1))
            return
        result.figures = {**figures, "name": job.name, "formats": list(job.formats)}
        result.files[".json"] = json.dumps(result.figures, ensure_ascii=False, indent=1).encode("utf-8")
        result.files.update(files)

    def close(self) -> None:
        if self._printer is not None:
            self._printer.close()
            self._printer = None
        self.runner.close()


def documents(job: Job) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The report's published figures and its DOCX / self-assessment bytes,
    from the same report data the notebooks use (`cchc_lib.reports`)."""
    # Imported when used, like papermill above: a worker that only makes HTML never loads docxtpl or openpyxl.
    from cchc_lib.reports.data import department_report, open_context, unit_report
    from cchc_lib.core.organisation import load_organisation

    params, options = job.params, dict(job.documents)
    ctx = open_context(params.get("data", ""), params.get("catalogue", ""), params.get("units", ""))
    period = job.period
    rep = (department_report(ctx, period, params.get("commentary", "")) if job.kind == "department"
           else unit_report(ctx, params["unit"], period, params.get("commentary", "")))
    org = load_organisation(Path(job.cwd), path=options.get("organisation") or None)
    files: dict[str, bytes] = {}
    if "docx" in job.formats:
        from cchc_lib.reports.word import word_report

        files[SUFFIXES["docx"]] = word_report(ctx, rep, org, options.get("docx_template") or None).data
    if "self-assessment" in job.formats and job.kind == "department":
        from cchc_lib.reports.workbooks import self_assessment, self_assessment_workbook

        files[SUFFIXES["self-assessment"]] = self_assessment_workbook(self_assessment(ctx, period), org,
                                                                      ctx.catalogue)
    return rep.figures, files
