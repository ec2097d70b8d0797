"""Batches of reports: the batch file, the plan, the run.

A batch file (`params/*.yaml`) says which periods, units, notebooks and
formats to render, and may carry the analyst's commentary per unit:

    periods: [2023-Q1]            # or `period: 2023-Q1`
    units: all                    # all | [VP, GDTRH] | {kinds: [phong, truc_thuoc]}
    notebooks: [department, unit] # or {unit: path.ipynb, department: path.ipynb}
    formats: [html, pdf]          # also docx (the báo cáo), self-assessment (department's workbook)
    docx_template: my_report.docx # optional: another Word template (default: the package's)
    data: data/cchc.sqlite        # optional (default: the project database, else the sample)
    commentary:                   # optional: the files commentary/<period>/<unit>.md are the usual place
      department: |
        Markdown …
      GDTRH: |
        Markdown …

The analyst's commentary is read from `commentary/<period>/<unit>.md` and
`commentary/<period>/department.md` under the project root (`commentary_files`)
or from the batch file; one report's text in both places is refused, as is a
file or key that names no unit.

`plan()` turns a `BatchSpec` into `render.Job`s with their input
fingerprints, `run_batch()` skips the fresh ones, renders the rest with an
executor, writes each result atomically as it arrives, rewrites
`output/index.html` and returns a `BatchReport`.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import yaml

from cchc_lib.render import freeze

from cchc_lib import project
from cchc_lib.core.catalogue import default_catalogue_path
from cchc_lib.core.deadlines import load_cutoff
from cchc_lib.core.organisation import load_organisation, organisation_path
from cchc_lib.core.periods import Period, parse_period
from cchc_lib.core.settings import DEFAULTS, settings_dir
from cchc_lib.core.tasks import as_of_day
from cchc_lib.core.yamltext import key_lines, line_of, yaml_problem
from cchc_lib.errors import CchcError, UsageError
from cchc_lib.files import write_bytes, write_text
from cchc_lib.progress import progress
from cchc_lib.render.executors import make_executor, runs_here
from cchc_lib.render.index_page import FAILED, collect, index_html, mark_stale
from cchc_lib.render.jobs import (DEPARTMENT, DEPARTMENT_ONLY, FORMATS, NOTEBOOK_FORMATS, SUFFIXES, Job, Result,
                                  WorkerOptions, format_names)
from cchc_lib.render.kernel import WarmKernel
from cchc_lib.render.pdf import INSTALL_HINT, find_browser
from cchc_lib.reports.data import (blank_months, default_data, months_read, open_context, rank_units, reporting_status,
                                   year_paths)
from cchc_lib.reports.year import read_official, read_register

NOTEBOOKS = {"unit": Path("notebooks") / "unit_report.ipynb",
             "department": Path("notebooks") / "department_report.ipynb"}
KINDS_ORDER = ("department", "unit")


class BatchError(UsageError):
    """A batch file or render option that does not make sense."""


@dataclass(frozen=True)
class BatchSpec:
    periods: tuple[Period, ...]
    units: Any = "all"  # "all" | tuple of codes | {"kinds": (...), "codes": (...)}
    notebooks: tuple[tuple[str, str], ...] = (("department", ""), ("unit", ""))  # kind → path ("" = default)
    formats: tuple[str, ...] = ("html",)
    commentary: tuple[tuple[str, str], ...] = ()  # key ("VP", "department", "2023-Q1/VP") → Markdown
    data: str = ""
    catalogue: str = ""
    registry: str = ""
    output: str = ""
    source: str = ""
    docx_template: str = ""  # a Word template for the docx format ("" = the package's)
    commentary_dir: str = ""  # the analyst's Markdown files, <dir>/<period>/<unit>.md ("" = commentary/)
    lines: tuple[tuple[tuple, int], ...] = ()  # key path → line in the batch file, for located errors

    def line(self, *path: Any) -> int | None:
        return line_of(dict(self.lines), *path)


COMMENTARY_DIR = "commentary"


def _err(source: str, message: str, row: int | None = None) -> BatchError:
    where = f"{source}, dòng {row}" if source and row else source
    return BatchError(f"{where}: {message}" if where else message)


def parse_formats(value: Any, source: str = "") -> tuple[str, ...]:
    out = []
    for f in format_names(value):
        if f not in FORMATS:
            raise _err(source, f"định dạng không hỗ trợ {f!r} (dùng: {', '.join(FORMATS)})")
        if f not in out:
            out.append(f)
    if not out:
        raise _err(source, f"cần ít nhất một định dạng ({', '.join(FORMATS)})")
    return tuple(out)


def parse_spec(doc: Any, source: str = "", lines: Mapping[tuple, int] | None = None) -> BatchSpec:
    """Validate a parsed batch file (`lines`: where each key is, to name the line of a problem)."""
    lines = dict(lines or {})
    if not isinstance(doc, Mapping):
        raise _err(source, "tệp lô phải là một bảng khóa: giá trị (period: 2023-Q3, units: all, …)")
    known = {"period", "periods", "units", "notebooks", "formats", "commentary", "commentary_dir", "data", "catalogue",
             "registry", "output", "docx_template"}
    unknown = sorted(set(map(str, doc)) - known)
    if unknown:
        raise _err(source, f"khóa không hỗ trợ: {', '.join(unknown)} (các khóa: {', '.join(sorted(known))})")
    raw_periods = doc.get("periods", doc.get("period"))
    raw_periods = [raw_periods] if isinstance(raw_periods, (str, int)) else list(raw_periods or [])
    if not raw_periods:
        raise _err(source, "thiếu kỳ báo cáo (period hoặc periods)")
    periods = []
    for p in raw_periods:
        try:
            periods.append(parse_period(str(p)))
        except CchcError as e:
            raise _err(source, str(e)) from None
    units = doc.get("units", "all")
    if isinstance(units, str) and units.strip().lower() in ("all", "tất cả"):
        units = "all"
    elif isinstance(units, str):
        units = tuple(u.strip() for u in units.split(",") if u.strip())
    elif isinstance(units, list):
        units = tuple(str(u) for u in units)
    elif isinstance(units, Mapping):
        bad = set(units) - {"kinds", "codes"}
        if bad:
            raise _err(source, f"units: chỉ dùng 'kinds' và 'codes', không dùng {', '.join(map(str, bad))}")
        units = {"kinds": tuple(map(str, units.get("kinds") or ())), "codes": tuple(map(str, units.get("codes") or ()))}
    else:
        raise _err(source, "units phải là all, một danh sách mã, hoặc {kinds: [...]}")
    nbs = doc.get("notebooks", ["department", "unit"])
    if isinstance(nbs, str):
        nbs = [n.strip() for n in nbs.split(",")]
    if isinstance(nbs, list):
        pairs = [(str(n), "") for n in nbs]
    elif isinstance(nbs, Mapping):
        pairs = [(str(k), str(v or "")) for k, v in nbs.items()]
    else:
        raise _err(source, "notebooks phải là danh sách (unit, department) hoặc bảng loại: đường dẫn")
    for kind, _ in pairs:
        if kind not in NOTEBOOKS:
            raise _err(source, f"loại notebook không hỗ trợ {kind!r} (dùng: unit, department)")
    pairs.sort(key=lambda kv: KINDS_ORDER.index(kv[0]))
    comm = doc.get("commentary") or {}
    if not isinstance(comm, Mapping):
        raise _err(source, "commentary phải là bảng mã đơn vị: nhận xét (Markdown)", line_of(lines, "commentary"))
    flat: list[tuple[str, str]] = []
    where: dict[tuple, int] = {}
    for k, v in comm.items():
        if isinstance(v, Mapping):  # per period: {2023-Q1: {VP: "..."}}
            try:
                key_period = parse_period(str(k))
            except CchcError as e:
                raise _err(source, f"commentary: {e}", line_of(lines, "commentary", str(k))) from None
            for k2, v2 in v.items():
                row = line_of(lines, "commentary", str(k), str(k2))
                flat.append((f"{key_period}/{k2}", _text(v2, f"commentary → {k} → {k2}", source, row)))
                where[("commentary", f"{key_period}/{k2}")] = row or 0
        else:
            row = line_of(lines, "commentary", str(k))
            flat.append((str(k), _text(v, f"commentary → {k}", source, row)))
            where[("commentary", str(k))] = row or 0
    periods = list(dict.fromkeys(periods))  # the same report twice is once
    if isinstance(units, tuple):
        units = tuple(dict.fromkeys(units))
    return BatchSpec(tuple(periods), units, tuple(pairs), parse_formats(doc.get("formats", ["html"]), source),
                     tuple(flat), str(doc.get("data") or ""), str(doc.get("catalogue") or ""),
                     str(doc.get("registry") or ""), str(doc.get("output") or ""), source,
                     str(doc.get("docx_template") or ""), str(doc.get("commentary_dir") or ""),
                     tuple((k, v) for k, v in where.items() if v))


def _text(value: Any, key: str, source: str, row: int | None) -> str:
    """A commentary value: Markdown text (empty when left blank)."""
    if value is None:
        return ""
    if isinstance(value, (list, Mapping)) or isinstance(value, bool):
        raise _err(source, f"{key}: nhận xét phải là một đoạn văn bản (Markdown), không phải danh sách hay bảng — "
                           f"viết `{key.rpartition(' → ')[2]}: |`, xuống dòng rồi thụt lề đoạn văn", row)
    return str(value)


def load_spec(path: str | Path) -> BatchSpec:
    p = Path(path)
    if not p.is_file():
        raise BatchError(f"không tìm thấy tệp lô: {p}")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise BatchError(f"{p.name}: tệp lô phải lưu dạng UTF-8") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise BatchError(str(yaml_problem(e, p.name))) from None
    return parse_spec(doc, p.name, key_lines(text))


# --- plan ----------------------------------------------------------------------------

@dataclass
class Plan:
    jobs: list[Job]
    output: Path
    root: Path
    settings: Any = None  # core.settings.Settings of the registry's params/ folder


def _resolve(root: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (root / p)


def commentary_for(spec: BatchSpec, period: Period | str, name: str) -> str:
    """The batch file's commentary for one report (by period, else for every period)."""
    c = dict(spec.commentary)
    return c.get(f"{period}/{name}", c.get(name, ""))


def _commentary_key(spec: BatchSpec, period: str, name: str) -> str | None:
    c = dict(spec.commentary)
    return f"{period}/{name}" if f"{period}/{name}" in c else name if name in c else None


def check_commentary(spec: BatchSpec, registry) -> None:
    """Every commentary key names the department or a unit of the registry:
    a typo must not drop a text.  Commentary kept under another period is
    simply not used (`--period` may pick other periods of a batch file)."""
    for key, _ in spec.commentary:
        name = key.rpartition("/")[2]
        if name != DEPARTMENT and name not in registry:
            raise _err(spec.source, f"commentary: {name!r} không phải mã đơn vị trong danh mục "
                                    f"hoặc '{DEPARTMENT}'", spec.line("commentary", key))


def _shown_path(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def commentary_folder(spec: BatchSpec, root: Path, period: Period | str) -> Path:
    """`commentary/<period>/` under the project root (or the batch file's `commentary_dir`)."""
    return (_resolve(root, spec.commentary_dir) if spec.commentary_dir else root / COMMENTARY_DIR) / str(period)


def commentary_files(root: Path, period: str, registry, folder: Path | None = None) -> dict[str, Path]:
    """The analyst's Markdown files of one period: `commentary/<period>/<UNIT>.md`
    and `commentary/<period>/department.md` (name → file; a unit's code in any
    case; `folder`: another `<dir>/<period>/`).  A file that names no unit, or
    is not Markdown, is refused: a typo must not drop a text.  Editors'
    backups (`VP.md~`) and hidden files are skipped."""
    folder = folder or root / COMMENTARY_DIR / period
    if not folder.is_dir():
        return {}
    codes = {c.upper(): c for c in registry.codes}
    out: dict[str, Path] = {}
    for f in sorted(folder.iterdir()):
        if not f.is_file() or f.name.startswith((".", "#", "~")) or f.name.endswith("~"):
            continue
        shown = _shown_path(f, root)
        if f.suffix.lower() != ".md":
            raise BatchError(f"{shown}: nhận xét phải là tệp Markdown .md, tên tệp là mã đơn vị "
                             f"(ví dụ VP.md) hoặc {DEPARTMENT}.md")
        name = DEPARTMENT if f.stem.lower() == DEPARTMENT else codes.get(f.stem.upper())
        if name is None:
            raise BatchError(f"{shown}: {f.stem!r} không phải mã đơn vị trong danh mục hoặc '{DEPARTMENT}' — "
                             f"đổi tên tệp thành mã đơn vị, ví dụ {next(iter(codes.values()), 'VP')}.md")
        if name in out:
            raise BatchError(f"{shown}: trùng với {_shown_path(out[name], root)} (cùng một báo cáo): giữ một tệp")
        out[name] = f
    return out


def read_commentary(path: Path, root: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        text = path.read_bytes()[:e.start].decode("utf-8", "replace")
        raise BatchError(f"{_shown_path(path, root)}, dòng {text.count(chr(10)) + 1}: tệp phải lưu dạng UTF-8 "
                         f"(trong trình soạn thảo: Lưu với mã hóa UTF-8)") from None


def commentary_of(spec: BatchSpec, root: Path, period: str, name: str,
                  files: dict[str, Path] | None = None) -> tuple[str, str]:
    """(text, where it comes from) of one report's commentary: its Markdown
    file, or the batch file.  Both for the same report is refused."""
    path = (files or {}).get(name)
    key = _commentary_key(spec, period, name)
    in_batch = commentary_for(spec, period, name)
    if path is not None:
        text = read_commentary(path, root)
        if in_batch.strip() and text.strip():
            row = spec.line("commentary", key) if key else None
            where = f"{spec.source}" + (f", dòng {row}" if row else "")
            raise BatchError(f"{_shown_path(path, root)}: nhận xét của báo cáo này cũng có trong tệp lô ({where}) — "
                             f"giữ một nơi (xóa khóa trong tệp lô hoặc tệp .md)")
        if text.strip():
            return text, _shown_path(path, root)
    if in_batch.strip():
        row = spec.line("commentary", key) if key else None
        return in_batch, spec.source + (f", dòng {row}" if row else "") if spec.source else "tệp lô"
    return "", ""


def select_units(spec: BatchSpec, registry) -> list:
    if spec.units == "all":
        return list(registry)
    if isinstance(spec.units, dict):
        unknown_kinds = [k for k in spec.units["kinds"] if k not in {u.kind for u in registry}]
        codes = set(spec.units["codes"])
        chosen = [u for u in registry if u.kind in spec.units["kinds"] or u.code in codes]
        if unknown_kinds and not chosen:
            raise _err(spec.source, f"không có đơn vị thuộc loại: {', '.join(unknown_kinds)}")
        missing = sorted(codes - {u.code for u in registry})
    else:
        chosen = [u for u in registry if u.code in spec.units]
        missing = [c for c in spec.units if c not in registry]
    if missing:
        raise _err(spec.source, f"đơn vị không có trong danh mục: {', '.join(missing)}")
    return chosen


def inputs(spec: BatchSpec, root: Path) -> tuple[Path, Path | None, Path]:
    """The data, catalogue (None: the shipped one) and registry a batch reads."""
    data = _resolve(root, spec.data) if spec.data else default_data(root)
    catalogue = _resolve(root, spec.catalogue) if spec.catalogue else None
    registry = _resolve(root, spec.registry) if spec.registry else project.units_path(root)
    return data, catalogue, registry


def plan(spec: BatchSpec, root: Path | None = None, output: str | Path | None = None) -> Plan:
    """The jobs of a batch, each with the fingerprint of its inputs."""
    root = Path(root or project.project_root()).resolve()
    data, catalogue, registry = inputs(spec, root)
    out = Path(output) if output else (_resolve(root, spec.output) if spec.output else project.output_dir(root))
    ctx = open_context(data, catalogue or "", registry)
    notebooks = {kind: (_resolve(root, path) if path else project.notebooks_dir(root) / NOTEBOOKS[kind].name)
                 for kind, path in spec.notebooks}
    for kind, nb in notebooks.items():
        if not nb.is_file() and any(f in NOTEBOOK_FORMATS for f in spec.formats):  # DOCX needs no notebook
            raise _err(spec.source, f"không tìm thấy notebook {kind}: {nb}")
    units = select_units(spec, ctx.registry)
    check_commentary(spec, ctx.registry)
    # Refuse an organisation file (every report shows the agency's name) or a
    # Word template that cannot be used before any report is made.
    load_organisation(root)
    org_file = organisation_path(root)
    # The settings beside the registry (names, trend criteria, colours, groups) shape every report.
    params = settings_dir(registry)
    common = {"library": freeze.library_digest(),
              "catalogue": freeze.file_digest(catalogue or default_catalogue_path()),
              "cutoff": str(load_cutoff(params.parent)),  # the reports show the dates a period's figures cover
              "organisation": freeze.file_digest(org_file),
              "settings": [freeze.file_digest(params / n) for n in ("organisation.yaml", "reports.yaml")]}
    documents: tuple[tuple[str, str], ...] = ()
    if any(f not in NOTEBOOK_FORMATS for f in spec.formats):
        # The Word writer (docxtpl) is heavy and needed only when a document is asked for.
        from cchc_lib.reports.word import DEFAULT_TEMPLATE, check_template

        template = _resolve(root, spec.docx_template) if spec.docx_template else DEFAULT_TEMPLATE
        if "docx" in spec.formats:
            check_template(template)
        documents = (("docx_template", str(template)), ("organisation", str(org_file) if org_file.is_file() else ""))
        common |= {"docx_template": freeze.file_digest(template) if "docx" in spec.formats else ""}
    unit_formats = tuple(f for f in spec.formats if f not in DEPARTMENT_ONLY)
    base_params = {"data": str(data.resolve()), "catalogue": str(catalogue.resolve()) if catalogue else "",
                   "units": str(registry.resolve())}
    base_params.update(year_inputs(ctx))
    # the year's tasks and official results show in every report (the cut-off is above)
    common["year"] = [freeze.file_digest(base_params["tasks"]), freeze.file_digest(base_params["official"])]
    jobs: list[Job] = []
    for period in spec.periods:
        ranks = None
        files = commentary_files(root, str(period), ctx.registry, commentary_folder(spec, root, period))
        window = months_read(period)
        # The department report also shows who reported late or not at all.
        all_data = freeze.digest([freeze.data_digest(ctx.dataset, None, window),
                                  reporting_status(ctx, period)])
        for kind, nb in notebooks.items():
            formats = spec.formats if kind == "department" else unit_formats
            if not formats:  # only the department's self-assessment asked for
                continue
            nb_digest = freeze.file_digest(nb) if any(f in NOTEBOOK_FORMATS for f in formats) else ""
            targets = [None] if kind == "department" else units
            if kind == "unit" and ranks is None:
                ranked = rank_units(ctx, period)
                n = sum(1 for r, _ in ranked if r)
                ranks = {c.unit_code: (r, n) for r, c in ranked}
            for u in targets:
                name = DEPARTMENT if u is None else u.code
                text, _ = commentary_of(spec, root, str(period), name, files)
                # strings only here, at the papermill boundary
                params = ({"unit": u.code} if u else {}) | {"period": str(period)} | base_params | {"commentary": text}
                parts = {**common, "notebook": nb_digest, "params": params,
                         "tasks_day": str(as_of_day(period)),
                         "registry": freeze.registry_digest(ctx.registry, None if u is None else u.code),
                         "data": all_data if u is None else freeze.data_digest(ctx.dataset, u.code, window),
                         "rank": None if u is None else ranks.get(u.code),
                         # a blank form ("nộp biểu trống") adds no value but changes the unit's report
                         "blank": None if u is None else [str(m) for m in blank_months(ctx, u.code, period)]}
                if u is None and "self-assessment" in formats:  # the workbook shows the units' evidence
                    parts["evidence"] = freeze.evidence_digest(ctx.dataset, period.months)
                fp = freeze.fingerprint(parts)
                jobs.append(Job(name, kind, period, str(nb), tuple(params.items()), formats,
                                str(out / str(period)), str(root), fp, f"{name} {period}", documents))
    return Plan(jobs, out, root, ctx.settings)


def year_inputs(ctx) -> dict[str, str]:
    """The task register and the official results beside the unit registry
    (paths, "" when absent), checked before anything renders: a bad row stops
    the batch with its location, as bad data does."""
    tasks, official = year_paths(ctx)
    read_register(tasks, ctx.catalogue, ctx.registry)
    read_official(official, ctx.catalogue)
    return {"tasks": str(tasks.resolve()) if tasks.is_file() else "",
            "official": str(official.resolve()) if official.is_file() else ""}


# --- run -----------------------------------------------------------------------------

def outputs_of(job: Job) -> list[Path]:
    notebook = [job.path(".ipynb")] if job.needs_notebook else []
    return notebook + [job.path(".json")] + [job.path(SUFFIXES[f]) for f in job.formats]


def is_fresh(job: Job) -> bool:
    return freeze.is_fresh(job.path(freeze.STAMP_SUFFIX), job.fingerprint, job.formats, outputs_of(job))


def failure_path(job: Job) -> Path:
    """Why the last run of this report failed (absent when it succeeded)."""
    return job.path(f"{FAILED}.json")


def partial_path(job: Job) -> Path:
    """The failed run's partial notebook, beside the last good one, not over it."""
    return job.path(f"{FAILED}.ipynb")


def write_result(result: Result) -> list[Path]:
    """Write one result's files atomically, the stamp last and only when
    every asked format was made (so an interrupted or failed report is redone).

    A failed report keeps its last good files (notebook, figures, HTML, PDF),
    marked out of date: the reason goes to `<name>.failed.json` (which the
    index reads) and on top of the kept HTML; its partial notebook goes to
    `<name>.failed.ipynb`.  A format that failed (PDF) keeps its older file the
    same way.  The next successful run removes the marks."""
    job = result.job
    job.path(freeze.STAMP_SUFFIX).unlink(missing_ok=True)  # first: a run killed below is redone
    if result.failure is not None:
        return _keep_last_good(result)
    written = []
    for suffix in (".ipynb", ".json", *SUFFIXES.values()):
        if suffix not in result.files:
            continue
        if suffix == ".html" and "html" not in job.formats:
            continue
        written.append(write_bytes(job.path(suffix), result.files[suffix]))
    # A format not asked for this time must not pass for this run's result.
    for f in FORMATS:
        if f not in job.formats:
            job.path(SUFFIXES[f]).unlink(missing_ok=True)
    failed = [f for f in job.formats if f in result.format_failures or SUFFIXES[f] not in result.files]
    partial_path(job).unlink(missing_ok=True)
    if not failed:
        failure_path(job).unlink(missing_ok=True)
        write_bytes(job.path(freeze.STAMP_SUFFIX), freeze.stamp(job.fingerprint, list(job.formats),
                                                                {"label": job.label}))
    else:
        reason = "; ".join(result.format_failures.get(f, "không tạo được") for f in failed)
        _write_failure(job, "format", reason, [f for f in failed if job.path(SUFFIXES[f]).is_file()], failed)
    return written


def _keep_last_good(result: Result) -> list[Path]:
    job = result.job
    written = []
    if ".ipynb" in result.files:
        written.append(write_bytes(partial_path(job), result.files[".ipynb"]))
    else:  # an older partial notebook is not this failure's
        partial_path(job).unlink(missing_ok=True)
    kept = [f for f in FORMATS if job.path(SUFFIXES[f]).is_file()]
    record = _write_failure(job, "report", result.failure.one_line() if result.failure else "", kept,
                            list(job.formats))
    html = job.path(".html")
    if html.is_file():
        try:
            text = html.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = None
        if text is not None:
            write_text(html, mark_stale(text, record))
    return written


def _write_failure(job: Job, scope: str, reason: str, kept: list[str], failed: list[str]) -> dict:
    """The record of a failed run: `scope` "report" (the notebook or its HTML
    failed) or "format" (only `failed` formats); `formats`: the older files
    kept, now out of date."""
    record = {"name": job.name, "kind": job.kind, "period": str(job.period), "label": job.label, "scope": scope,
              "at": _dt.datetime.now().isoformat(timespec="seconds"), "reason": reason, "formats": kept,
              "failed": failed, "fingerprint": job.fingerprint}
    write_text(failure_path(job), json.dumps(record, ensure_ascii=False, indent=1))
    return record


# --- one batch at a time per output folder; what a killed one left -------------------

LOCK_NAME = ".cchc-render.lock"
_PARTIAL_WRITE = re.compile(r"^\..+\.(html|pdf|json|ipynb|freeze)\.[A-Za-z0-9_]+\.part$")


@contextmanager
def output_lock(output: Path) -> Iterator[None]:
    """Hold the output folder for this batch.  The system releases the lock
    when the process ends, however it ends, so a killed batch never blocks
    the next; a second batch on the same folder at the same time is refused."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    output.mkdir(parents=True, exist_ok=True)
    fd = os.open(output / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise BatchError(f"một lệnh cchc render khác (pid {holder}) đang ghi vào {output}; "
                             f"chờ lệnh đó xong rồi chạy lại") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        os.close(fd)


def sweep_partial_writes(output: Path) -> int:
    """Remove the temporary files of writes a killed batch did not finish
    (only ours, and only while this batch holds the folder)."""
    n = 0
    for p in [*output.glob(".*.part"), *output.glob("*/.*.part")]:
        if _PARTIAL_WRITE.match(p.name):
            p.unlink(missing_ok=True)
            n += 1
    return n


@dataclass
class BatchReport:
    planned: int = 0
    skipped: int = 0
    rendered: list[Result] = field(default_factory=list)
    failed: list[Result] = field(default_factory=list)
    index: Path | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def text(self) -> str:
        ok = len(self.rendered) - len(self.failed)
        seconds = f"{self.seconds:.1f}".replace(".", ",")
        if self.rendered:
            head = f"Đã tạo {ok}/{len(self.rendered)} báo cáo trong {seconds} giây"
            only_html = sum(1 for r in self.failed
                            if r.failure is None and ".html" in r.files and "pdf" in r.format_failures)
            if only_html:
                head += f" ({only_html} báo cáo chỉ có HTML, thiếu PDF)"
        else:
            head = "Không có báo cáo nào cần tạo lại"
        if self.skipped:
            head += f"; bỏ qua {self.skipped} báo cáo không thay đổi (dùng --force để tạo lại)"
        lines = [head + "."]
        lines.extend(self.notes)
        if self.failed:
            lines.append(f"{len(self.failed)} báo cáo lỗi:")
            for r in self.failed:
                if r.failure is not None:
                    kept = f" — notebook dở dang: {partial_path(r.job)}" if ".ipynb" in r.files else ""
                    if any(r.job.path(SUFFIXES[f]).is_file() for f in FORMATS):
                        kept += " — giữ báo cáo cũ, đánh dấu là bản cũ"
                    lines.append(f"  ✗ {r.job.label}: {r.failure.one_line()}{kept}")
                for fmt, msg in r.format_failures.items():
                    lines.append(f"  ✗ {r.job.label} ({fmt.upper()}): {msg}")
        if self.index:
            lines.append(f"Mục lục báo cáo: {self.index}")
        return "\n".join(lines)


class ExitText(str):
    """Text for the CLI to print, with the exit status it asks for."""

    exit_code = 0

    def __new__(cls, text: str, exit_code: int = 0) -> "ExitText":
        s = super().__new__(cls, text)
        s.exit_code = exit_code
        return s


def write_index(output: Path, settings: Any = None, problems: list[str] | None = None) -> Path:
    """output/index.html from every report's published figures (those that
    do not match the figures contract are left out and described in `problems`)."""
    return write_text(output / "index.html", index_html(collect(output, problems), settings=settings or DEFAULTS))


def run_batch(spec: BatchSpec, *, root: Path | None = None, output: str | Path | None = None, workers: int | None = None,
              force: bool = False, executor: str = "local", chromium: str | None = None, progress: bool = True,
              timeout: int = 600, scheduler: str | None = None, kernel: str = "warm",
              warm: WarmKernel | None = None) -> BatchReport:
    """Render a batch: skip fresh reports, never stop at a failure.
    `warm`: a kernel the caller launched for a one-report batch (the command
    line does, before its imports); taken over, or shut down if not used."""
    start = time.perf_counter()
    options = WorkerOptions(chromium=chromium, timeout=timeout, kernel=kernel)
    if kernel == "warm" and _one_report(spec) and runs_here(executor, 1):
        # One report, rendered here: its kernel starts now and loads the data
        # while this process plans, builds its exporter and its PDF browser.
        home = Path(root or project.project_root()).resolve()
        data, catalogue, registry = inputs(spec, home)
        prime = {"data": str(data), "catalogue": str(catalogue or ""), "units": str(registry),
                 "period": str(spec.periods[0])}
        if warm is None:
            warm = WarmKernel(options.kernel_name, options.start_timeout).launch(str(home), prime)
        else:
            warm.prime(prime)
    elif warm is not None:
        warm.shutdown()
        warm = None
    held = ExitStack()  # the output folder, once planned: one batch at a time writes it
    try:
        p = plan(spec, root, output)
        held.enter_context(output_lock(p.output))
        sweep_partial_writes(p.output)
        report = BatchReport(planned=len(p.jobs))
        todo = [j for j in p.jobs if force or not is_fresh(j)]
        report.skipped = len(p.jobs) - len(todo)
        if "pdf" in spec.formats and todo:
            try:
                found = find_browser(chromium)
            except CchcError as e:
                found, msg = None, str(e)
            else:
                msg = INSTALL_HINT
            if not found:
                # Fail that format only: HTML is still made when asked, each PDF is reported.
                also = "; báo cáo HTML vẫn được tạo" if "html" in spec.formats else ""
                report.notes.append(f"PDF: {msg}{also}")
        n = min(workers or os.cpu_count() or 1, len(todo) or 1)
        here = kernel == "warm" and runs_here(executor, n) and any(j.needs_notebook for j in todo)
        if warm is not None and not here:
            warm.shutdown()
            warm = None
        if warm is None and here:
            # Rendered here: the kernel starts now, while this process builds its
            # exporter and its PDF browser, and loads the batch's data meanwhile.
            first = next(j for j in todo if j.needs_notebook)
            warm = WarmKernel(options.kernel_name, options.start_timeout).launch(
                first.cwd, {**first.params, "period": str(first.period)})
    except BaseException:
        held.close()
        if warm is not None:
            warm.shutdown()
        raise
    with held:
        if todo:
            bar = _progress(len(todo), progress)
            try:
                with make_executor(executor, n, options, scheduler, warm) as ex:  # the executor owns the kernel now
                    for result in ex.run(todo):
                        write_result(result)
                        report.rendered.append(result)
                        if not result.ok:
                            report.failed.append(result)
                        bar.update(1)
                        bar.set_postfix_str(result.job.label, refresh=False)
            finally:
                bar.close()
        left_out: list[str] = []
        report.index = write_index(p.output, p.settings, left_out)
        report.notes.extend(f"Mục lục bỏ qua: {x}" for x in left_out)
    report.seconds = time.perf_counter() - start
    return report


def _one_report(spec: BatchSpec) -> bool:
    """Whether the batch is one notebook report, as known before planning
    (one period, and the department's report or one named unit's)."""
    if len(spec.periods) != 1 or not any(f in NOTEBOOK_FORMATS for f in spec.formats):
        return False
    kinds = [kind for kind, _ in spec.notebooks]
    if kinds == ["department"]:
        return True
    return kinds == ["unit"] and isinstance(spec.units, tuple) and len(spec.units) == 1


def _progress(total: int, enabled: bool):
    return progress(total=total, desc="Tạo báo cáo", unit="bc", enabled=enabled, leave=True)


def spec_from_options(batch: str | None, periods: Sequence[str] = (), units: Sequence[str] = (),
                      formats: str | None = None, data: str | None = None, template: str | None = None) -> BatchSpec:
    """A batch file, overridden by command-line options (or options alone)."""
    if batch:
        spec = load_spec(batch)
    elif periods:
        spec = parse_spec({"periods": list(periods)}, "")
    else:
        raise BatchError("cần một tệp lô (params/*.yaml) hoặc --period")
    changes: dict[str, Any] = {}
    if periods:
        changes["periods"] = tuple(dict.fromkeys(parse_period(x) for x in periods))
    if units:
        # `--unit VP` renders VP's reports only; `--unit department` asks for
        # the department's (so one unit's re-render does not silently redo the
        # department report without the batch file's commentary).
        codes = tuple(dict.fromkeys(u for u in units if u != DEPARTMENT))
        kinds = (["department"] if DEPARTMENT in units else []) + (["unit"] if codes else [])
        changes["notebooks"] = tuple((k, p) for k, p in spec.notebooks if k in kinds)
        if codes:
            changes["units"] = codes
    if formats:
        changes["formats"] = parse_formats(formats)
    if data:
        changes["data"] = str(Path(data).resolve())
    if template:
        changes["docx_template"] = str(Path(template).resolve())
    if changes:
        spec = replace(spec, **changes)
    return spec


__all__ = ["BatchSpec", "BatchError", "parse_spec", "load_spec", "plan", "run_batch", "BatchReport", "ExitText",
           "spec_from_options", "write_index", "json"]
