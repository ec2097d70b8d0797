"""Rendering one report: execute the notebook, export HTML/PDF, return bytes.

A `Job` (`render.jobs`) says everything about one report (picklable, so any
executor can ship it to a worker process or a Dask worker).  A `Worker`
renders jobs one after the other and keeps what is worth keeping between them (the HTML
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
from pathlib import Path
from typing import Any, Protocol

import nbformat
import papermill as pm
from papermill.engines import papermill_engines
from papermill.exceptions import PapermillExecutionError
from papermill.execute import raise_for_execution_errors
from papermill.translators import PythonTranslator, papermill_translators
from papermill.utils import chdir

from cchc_lib.core.organisation import load_organisation
from cchc_lib.errors import CchcError
from cchc_lib.project import VERSION
from cchc_lib.render.htmlexport import exporter, figures_of, to_html
from cchc_lib.render.jobs import (DEPARTMENT, DEPARTMENT_ONLY, FORMATS, NOTEBOOK_FORMATS, SUFFIXES, Failure, Job,
                                  Result, WorkerOptions)
from cchc_lib.render.pdf import PdfPrinter
from cchc_lib.reports.data import department_report, open_context, unit_report

# The job types live in render.jobs (light to import); they are here too for their callers.
__all__ = ["DEPARTMENT", "DEPARTMENT_ONLY", "FORMATS", "NOTEBOOK_FORMATS", "SUFFIXES", "Failure", "Job", "Result",
           "WorkerOptions", "NotebookRunner", "PapermillRunner", "Worker", "documents", "readable_parameters"]


class NotebookRunner(Protocol):
    """Executes one job's notebook; returns (notebook, failure or None)."""

    def run(self, job: Job) -> tuple[Any, Failure | None]: ...

    def close(self) -> None: ...


class ReadablePythonTranslator(PythonTranslator):
    """String parameters as Python literals that keep their letters."""

    cchc = True

    @classmethod
    def translate_escaped_str(cls, str_val):
        return repr(str_val) if isinstance(str_val, str) else f'"{str_val}"'


def readable_parameters() -> None:
    """Have papermill write string parameters as Python literals that keep
    their letters ('Quý III là mùa tuyển sinh'), not `\\u1ef7` escapes, so
    the executed notebook kept for audit reads as the analyst wrote it."""
    if getattr(papermill_translators.find_translator("python3", "python"), "cchc", False) is not True:
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

    def parameterized(self, job: Job) -> Any:
        """The job's notebook with its parameters injected by papermill."""
        nb = pm.execute_notebook(job.notebook, None, parameters=job.params, prepare_only=True,
                                 kernel_name=self.options.kernel_name, progress_bar=False)
        for cell in nb.cells:  # papermill gives it a random id: keep reports reproducible
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell["id"] = "injected-parameters"
        return nb

    def run(self, job: Job) -> tuple[Any, Failure | None]:
        nb = self.parameterized(job)
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
    """Renders jobs one after another; one PDF browser for all of them,
    started in the background while the first notebook runs."""

    def __init__(self, options: WorkerOptions | None = None, runner: NotebookRunner | None = None):
        self.options = options or WorkerOptions()
        self.runner = runner or PapermillRunner(self.options)
        self._printer: PdfPrinter | None = None
        self._printer_error: str | None = None

    def prepare(self) -> None:
        """Start what the first report needs before it comes: the kernel (a
        runner that keeps one launches it now) and the HTML exporter."""
        start = getattr(self.runner, "start", None)
        if start is not None:
            start()
        exporter()

    def start_printer(self) -> None:
        """Launch the PDF browser now, in its own thread (about a second)."""
        if self._printer is None and self._printer_error is None:
            self._printer = PdfPrinter(self.options.chromium)
            self._printer.start_soon()

    def printer(self) -> PdfPrinter | None:
        self.start_printer()
        if self._printer is not None:
            try:
                self._printer.start()
            except CchcError as e:
                self._printer_error = str(e)
                self._printer.close()
                self._printer = None
        return self._printer

    def render(self, job: Job) -> Result:
        start = time.perf_counter()
        result = Result(job)
        if not job.needs_notebook:
            self._documents_only(job, result)
            result.seconds = time.perf_counter() - start
            return result
        if "pdf" in job.formats:
            self.start_printer()
        try:
            nb, failure = self.runner.run(job)
        except Exception as e:  # kernel died, notebook unreadable, ...
            result.failure = Failure(type(e).__name__, str(e) or traceback.format_exc(limit=1))
            result.seconds = time.perf_counter() - start
            return result
        ran = time.perf_counter()
        kernel = getattr(self.runner, "kernel", None)
        started = kernel.timings if kernel is not None else {}
        waited = started.get("wait", 0.0)
        if started:  # the report that waited for the kernel: how long it took to start and warm up
            result.timings.update(kernel_start=started.get("start", 0.0), warmup=started.get("warmup", 0.0))
            kernel.timings = {}
        result.timings.update(kernel=waited, cells=ran - start - waited)
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
            html, _ = to_html(nb, figures.get("title", job.label), VERSION)
            if "html" in job.formats or "pdf" in job.formats:
                result.files[".html"] = html.encode("utf-8")
            exported = time.perf_counter()
            result.timings["export"] = exported - ran
            if "pdf" in job.formats:
                self._pdf(result, html)
                result.timings["pdf"] = time.perf_counter() - exported
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

    def _pdf(self, result: Result, html: str) -> None:
        waited = time.perf_counter()
        printer = self.printer()
        result.timings["pdf_start"] = time.perf_counter() - waited
        if printer is None:
            result.format_failures["pdf"] = self._printer_error or "không tạo được PDF"
            return
        try:
            result.files[".pdf"] = printer.to_pdf(html)
        except Exception as e:
            result.format_failures["pdf"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            printer.close()
            self._printer = None

    def close(self) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            printer.close_soon()  # the browser closes while the kernel shuts down
        self.runner.close()
        if printer is not None:
            printer.close()


def documents(job: Job) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The report's published figures and its DOCX / self-assessment bytes,
    from the same report data the notebooks use (`cchc_lib.reports`)."""
    params, options = job.params, dict(job.documents)
    ctx = open_context(params.get("data", ""), params.get("catalogue", ""), params.get("units", ""))
    period = job.period
    rep = (department_report(ctx, period, params.get("commentary", "")) if job.kind == "department"
           else unit_report(ctx, params["unit"], period, params.get("commentary", "")))
    org = load_organisation(Path(job.cwd), path=options.get("organisation") or None)
    files: dict[str, bytes] = {}
    if "docx" in job.formats:
        # docxtpl and openpyxl are heavy and needed only for these formats:
        # a worker that only makes HTML never loads them.
        from cchc_lib.reports.word import word_report

        files[SUFFIXES["docx"]] = word_report(ctx, rep, org, options.get("docx_template") or None).data
    if "self-assessment" in job.formats and job.kind == "department":
        from cchc_lib.reports.workbooks import self_assessment, self_assessment_workbook  # (see above)

        files[SUFFIXES["self-assessment"]] = self_assessment_workbook(self_assessment(ctx, period), org,
                                                                      ctx.catalogue)
    return rep.figures, files
