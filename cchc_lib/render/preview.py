"""One report while the analyst edits it: `cchc preview` and `cchc commentary`.

`preview()` keeps one render worker with a warm kernel (the batch workers'
`render.Worker` and warm runner, so what it shows is what `cchc render`
makes), renders the report once, then watches what the report is made of —
the notebook, the commentary file, the batch file, the catalogue, the unit
registry and the settings beside it, the data, and the report templates —
by polling their modification times, and renders it again when one changes.
Each render is written where `cchc render` writes it (with its freeze
stamp, so a later batch does not redo it) and its path is printed, for a
browser tab kept open beside JupyterLab.  Python code of the library is not
reloaded by the warm kernel: restart the preview after changing it.

`commentary_page()` renders the analyst's commentary section alone, as the
report will show it, without a kernel.
"""
from __future__ import annotations

import datetime as _dt
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from markupsafe import Markup

from cchc_lib import project
from cchc_lib.core.catalogue import default_catalogue_path, load_catalogue
from cchc_lib.core.periods import parse_period
from cchc_lib.core.settings import load_settings, settings_dir
from cchc_lib.core.units import load_registry
from cchc_lib.errors import CchcError
from cchc_lib.files import write_text
from cchc_lib.reports.data import default_data
from cchc_lib.reports.templating import render, source
from cchc_lib.render.executors import make_worker
from cchc_lib.render.batch import (NOTEBOOKS, BatchSpec, _resolve, commentary_files, commentary_folder, commentary_of,
                                   plan, spec_from_options, write_result)
from cchc_lib.render.jobs import DEPARTMENT, Job, Result, WorkerOptions

Snapshot = dict[str, tuple]


@dataclass
class PreviewRun:
    """What a preview did: one entry per render (seconds, ok)."""

    renders: list[tuple[float, bool]] = field(default_factory=list)
    path: Path | None = None


def watched_paths(spec: BatchSpec, root: Path, period: str, batch: str | Path | None) -> list[Path]:
    """Every file (or folder) whose change means the report must be made again."""
    kind = "department" if spec.notebooks and spec.notebooks[0][0] == "department" else "unit"
    nb = dict(spec.notebooks).get(kind) or ""
    notebook = _resolve(root, nb) if nb else root / NOTEBOOKS[kind]
    data = _resolve(root, spec.data) if spec.data else default_data(root)
    registry = _resolve(root, spec.registry) if spec.registry else project.units_path(root)
    catalogue = _resolve(root, spec.catalogue) if spec.catalogue else default_catalogue_path()
    params = settings_dir(registry)
    folder = commentary_folder(spec, root, period)
    paths = [notebook, data, Path(f"{data}-wal"), registry, catalogue, params / "organisation.yaml",
             params / "reports.yaml", params / "deadlines.yaml", params / "reporting.yaml", folder]
    if folder.is_dir():
        paths += sorted(p for p in folder.iterdir() if p.is_file())
    if batch:
        paths.append(Path(batch))
    templates = project.PACKAGE_DIR / "templates"
    paths += sorted(p for p in templates.rglob("*") if p.is_file())
    return paths


def snapshot(paths: Iterable[Path]) -> Snapshot:
    out: Snapshot = {}
    for p in paths:
        try:
            st = p.stat()
            out[str(p)] = (st.st_mtime_ns, st.st_size)
        except OSError:
            out[str(p)] = (None,)
    return out


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _shown(path: str | Path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return str(path)


def _seconds(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


def preview(period: str, unit: str, *, batch: str | None = None, data: str | None = None,
            root: Path | None = None, poll: float = 0.2, options: WorkerOptions | None = None,
            out: Callable[[str], None] = print, stop: threading.Event | None = None,
            max_renders: int | None = None, worker=None) -> PreviewRun:
    """Render one report now and again whenever one of its inputs changes,
    until `stop` is set, `max_renders` renders are done, or Ctrl+C."""
    p = str(parse_period(period))
    root = Path(root or (project.project_root(Path(batch).resolve().parent) if batch else project.project_root()))
    root = root.resolve()
    own = worker is None
    worker = worker or make_worker(options or WorkerOptions(kernel="warm"))
    if own:
        worker.prepare()  # the kernel starts (and the exporter is built) while the report is planned
    run = PreviewRun()
    stop = stop or threading.Event()
    seen: Snapshot | None = None
    paths: list[Path] = []
    first = True
    try:
        while not stop.is_set():
            now = snapshot(paths) if paths else None
            if seen is not None and now == seen:
                stop.wait(poll)
                continue
            why = changed(seen, now) if seen is not None and now is not None else []
            try:
                spec = spec_from_options(batch, [p], [unit], "html", data)
                paths = watched_paths(spec, root, p, batch)
                seen = snapshot(paths)  # taken before rendering: a save during the render renders again
                job = _one_job(plan(spec, root), unit)
            except CchcError as e:
                out(f"lỗi: {e} — sửa rồi lưu, bản xem trước sẽ tự tạo lại")
                if not paths:
                    raise
                seen = snapshot(paths)
                continue
            if first:
                out(f"Xem trước {job.label}: {job.path('.html')}\n"
                    f"Tự tạo lại khi notebook, nhận xét, danh mục, cài đặt hoặc số liệu thay đổi; Ctrl+C để dừng.")
                first = False
            result = worker.render(job)
            write_result(result)
            run.path = job.path(".html")
            run.renders.append((result.seconds, result.ok))
            out(_message(result, root, why))
            if max_renders is not None and len(run.renders) >= max_renders:
                break
    except KeyboardInterrupt:
        out("Đã dừng xem trước.")
    finally:
        if own:
            worker.close()
    return run


def _one_job(p, unit: str) -> Job:
    name = DEPARTMENT if unit.strip().lower() == DEPARTMENT else unit.strip().upper()
    jobs = [j for j in p.jobs if j.name.upper() == name.upper()]
    if not jobs:
        raise CchcError(f"không có báo cáo {name} trong lô")
    return jobs[0]


def _message(result: Result, root: Path, why: list[str]) -> str:
    at = _dt.datetime.now().strftime("%H:%M:%S")
    cause = f" (thay đổi: {', '.join(_shown(w, root) for w in why[:3])}{' …' if len(why) > 3 else ''})" if why else ""
    if result.failure is not None:
        kept = f" — notebook dở dang: {result.job.path('.ipynb')}" if ".ipynb" in result.files else ""
        return f"[{at}] ✗ {result.job.label}: {result.failure.one_line()}{kept}{cause}"
    return f"[{at}] Đã tạo {result.job.path('.html')} trong {_seconds(result.seconds)} giây{cause}"


# --- commentary alone ----------------------------------------------------------------

def commentary_page(period: str, unit: str, *, batch: str | None = None, root: Path | None = None,
                    output: str | Path | None = None) -> tuple[Path | None, str]:
    """The analyst's commentary of one report rendered alone (as the report
    shows it), written to `output/<period>/<name>.nhan-xet.html`.  Returns
    (path or None when there is no commentary, a line for the terminal)."""
    from cchc_lib.reports import views  # matplotlib (~0.5 s): only this command pays for it, not every cchc

    p = parse_period(period)
    root = Path(root or (project.project_root(Path(batch).resolve().parent) if batch else project.project_root()))
    root = root.resolve()
    spec = spec_from_options(batch, [str(p)], [unit])
    registry_path = _resolve(root, spec.registry) if spec.registry else project.units_path(root)
    catalogue = load_catalogue(_resolve(root, spec.catalogue) if spec.catalogue else None)
    registry = load_registry(registry_path, catalogue.unit_kinds)
    settings = load_settings(settings_dir(registry_path))
    name = DEPARTMENT if unit.strip().lower() == DEPARTMENT else registry.resolve(unit).code
    who = settings.organisation.whole if name == DEPARTMENT else registry.get(name).name
    folder = commentary_folder(spec, root, p)
    files = commentary_files(root, str(p), registry, folder)
    text, where = commentary_of(spec, root, str(p), name, files)
    if not text.strip():
        hint = _shown(folder / f"{name}.md", root)
        return None, (f"Chưa có nhận xét cho {who}, {p.label_vi_lower}: viết vào {hint} (Markdown), "
                      f"rồi chạy lại lệnh này hoặc cchc preview.")
    section = Markup(views.section("analyst", body=views.markdown_html(text)))
    page = render("sections/commentary_page.html.j2", who=who, period_label=p.label_vi, source=where,
                  section=section, css=source("cchc_report/report.css"), page_css=source("cchc_report/page.css"))
    out_dir = Path(output) if output else (_resolve(root, spec.output) if spec.output else project.output_dir(root))
    path = write_text(out_dir / str(p) / f"{name}.nhan-xet.html", page + "\n")
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    return path, f"Nhận xét của {who}, {p.label_vi_lower} ({where}, {lines} dòng): {path}"
