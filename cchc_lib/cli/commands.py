"""What each `cchc` command does, as functions that return text.

The CLI parses arguments and calls exactly one of these; notebooks and tests
may call them too.  Scoring and reports first, then the monthly cycle
(template, ingest, history, export, status).
"""
from __future__ import annotations

import dataclasses
import os
from datetime import date, datetime
from pathlib import Path
from typing import Sequence

from cchc_lib import project
from cchc_lib.cli.choices import DEMO_PERIOD, SCORE_FORMATS, require_format
from cchc_lib.core.catalogue import DATA_DIR, Catalogue, load_catalogue
from cchc_lib.core.deadlines import Deadlines, load_cutoff, load_deadlines
from cchc_lib.core.organisation import load_organisation
from cchc_lib.core.periods import Period, parse_month_spoken, parse_period
from cchc_lib.core.scoring import ranking, score_all, score_department, score_unit
from cchc_lib.core.settings import load_settings, settings_dir
from cchc_lib.core.units import Registry, Unit, load_registry
from cchc_lib.errors import CchcError, UsageError
from cchc_lib.files import write_bytes, write_text
from cchc_lib.fmt import count_vi, points_vi
from cchc_lib.intake.forms import form_file_name, write_form
from cchc_lib.intake.ingest import EVIDENCE_COLUMN, IngestError, ingest as ingest_files
from cchc_lib.intake.long_table import write_long_table
from cchc_lib.intake.sample import sample_observations
from cchc_lib.intake.sample_db import build_sample_db
from cchc_lib.intake.sources import open_dataset
from cchc_lib.render.batch import ExitText, load_spec, parse_spec, run_batch, spec_from_options
from cchc_lib.render.pdf import INSTALL_HINT, find_browser
from cchc_lib.render.preview import commentary_page, preview as run_preview
from cchc_lib.render.jobs import DEPARTMENT, SUFFIXES
from cchc_lib.reports.data import has_data, open_context
from cchc_lib.reports.text import format_catalogue, format_ranking, format_table, to_csv, to_json
from cchc_lib.store.db import Store
from cchc_lib.store.history import format_history, history
from cchc_lib.store.status import format_status, reporting_status


def load_setup(catalogue: str | Path | None = None, units: str | Path | None = None) -> tuple[Catalogue, Registry]:
    """The catalogue and the unit registry (defaults: shipped 2023, params/units.yaml)."""
    cat = load_catalogue(catalogue)
    return cat, load_registry(units or project.units_path(), cat.unit_kinds)


def _whole(units: str | Path | None) -> str:
    """The department's one name (`whole` of params/organisation.yaml, the registry's settings)."""
    return load_settings(settings_dir(units)).organisation.whole


def criteria(catalogue: str | Path | None = None) -> str:
    return format_catalogue(load_catalogue(catalogue))


def _missing_db(path: Path) -> UsageError:
    """The error for a department database that does not exist yet, with the way out."""
    cmd = project.command_name()
    return UsageError(f"chưa có cơ sở dữ liệu {project.shown_path(path)}: tạo cơ sở dữ liệu trống bằng {cmd} init, "
                      f"rồi nạp biểu mẫu bằng {cmd} ingest (số liệu mẫu: {cmd} demo)")


def score(data: str | Path | None, period: str, unit: str | None = None, fmt: str = "table",
          catalogue: str | Path | None = None, units: str | Path | None = None,
          output: str | Path | None = None) -> str:
    """`cchc score`: one scorecard as a table, the contract's JSON, CSV, or an
    Excel workbook for people (`xlsx`, needs `output`; the department's has the
    ranking of units too).  With `output` the text formats go to that file.
    `data` is a long table or a database (default: the project's database)."""
    require_format(fmt, SCORE_FORMATS)
    if fmt == "xlsx" and (output is None or Path(output).suffix.lower() != ".xlsx"):
        raise UsageError("--format xlsx cần -o TỆP.xlsx")
    p = parse_period(period)
    cat, reg = load_setup(catalogue, units)
    u = reg.resolve(unit) if unit is not None else None
    path = Path(data) if data else project.db_path()
    if not data and not path.is_file():
        raise _missing_db(path)
    ds = open_dataset(path, cat, reg)
    card = score_unit(ds, cat, u, p) if u else score_department(ds, cat, p, reg)
    if fmt == "xlsx":
        ranked = unsent = None
        if not u:
            sent = [x for x in reg if has_data(ds, x.code, p)]
            ranked = ranking(score_unit(ds, cat, x, p) for x in sent)
            unsent = [x for x in reg if x not in sent]
        from cchc_lib.reports.workbooks import scorecard_workbook  # openpyxl: only the commands that write Excel

        written = write_bytes(output, scorecard_workbook(card, cat, ranked, unsent or (), _whole(units)))
        what = f"phiếu điểm {card.unit.code if card.unit else 'toàn Sở'}" + ("" if u else " và xếp hạng đơn vị")
        return f"Đã ghi {what} {p.label_vi_lower} (Excel) vào {written}"
    text = to_json(card) if fmt == "json" else to_csv([card]) if fmt == "csv" else format_table(card, cat, _whole(units))
    if output is not None:
        # byte for byte what stdout gets: CSV and JSON are the machine formats
        written = write_text(output, text if text.endswith("\n") else text + "\n")
        return f"Đã ghi phiếu điểm ({fmt}) vào {written}"
    return text


def sample_data(out: str | Path, catalogue: str | Path | None = None, units: str | Path | None = None,
                year: int = 2023, db: str | Path | None = None) -> str:
    """`cchc sample-data`: the invented sample as a long table, or as a new
    database filled through ingestion (never into an existing one)."""
    cat, reg = load_setup(catalogue, units)
    if db is not None:  # a database filled through the real ingestion path
        return build_sample_db(db, cat, reg, load_deadlines(), year)
    obs = list(sample_observations(cat, reg, year))
    path = write_long_table(out, cat, obs)
    return f"Đã ghi {len(obs):,} dòng số liệu mẫu ({len(reg)} đơn vị × 12 tháng năm {year}) vào {path}".replace(",", ".")


def demo(period: str = DEMO_PERIOD, root: Path | None = None, progress: bool = True) -> str:
    """The main job on invented data, apart from the department's: the demo's
    database `data/sample.sqlite` (filled through ingestion once, with the
    demo's units `demo/units.yaml`), the department's scorecard and the
    ranking, then the demo batch rendered into `output/demo/` (PDF too when a
    browser is found), the year's báo cáo (DOCX) and self-assessment workbook
    of the department with their paths, and commands to try, printed as they
    can be typed.  It never writes `data/cchc.sqlite` nor `params/`, and never
    reads the department's database or unit list (it does use the cut-off and
    the organisation's name)."""
    root = root or project.project_root()
    folder = project.demo_dir(root)
    units = folder / "units.yaml"
    db = project.demo_db_path(root)
    output = project.demo_output_dir(root)
    p = parse_period(period)
    cat, reg = load_setup(units=units)
    out = []
    if not db.is_file():
        # The demo's own deadlines (the defaults): its late and on-time cases must not move with the department's.
        out.append(build_sample_db(db, cat, reg, Deadlines(), 2023))
    dept, cards = score_all(open_dataset(db, cat, reg), cat, reg, p)
    out.append(format_table(dept, cat, _whole(units)))
    out.append(format_ranking(ranking(cards)))
    try:
        has_browser = bool(find_browser())
    except CchcError:
        has_browser = False
    formats = "html,pdf" if has_browser else "html"
    if not has_browser:
        out.append(f"PDF: {INSTALL_HINT}; chỉ tạo báo cáo HTML.")
    spec = spec_from_options(str(folder / "2023-Q3.yaml"), [str(p)], (), formats, str(db))
    spec = dataclasses.replace(spec, registry=str(units.resolve()), output=str(output.resolve()),
                               commentary_dir=str((folder / "commentary").resolve()))
    report = run_batch(spec, root=root, progress=progress)
    out.append(report.text())
    # The documents the department signs and sends: the year's báo cáo (Word)
    # and the self-assessment workbook with its evidence.
    year = str(p.year)
    signed = run_batch(parse_spec({"period": year, "units": [], "notebooks": ["department"],
                                   "formats": ["docx", "self-assessment"], "data": str(db),
                                   "registry": str(units.resolve()), "output": str(output.resolve())}, "demo"),
                       root=root, progress=progress)
    docs_dir = output / year
    out.append("\n".join([signed.text().replace(f"\nMục lục báo cáo: {signed.index}", ""),
                          f"Báo cáo năm {year} (Word, thể thức Nghị định 30): "
                          f"{project.shown_path(docs_dir / (DEPARTMENT + SUFFIXES['docx']))}",
                          f"Bảng tự đánh giá năm {year} (Excel): "
                          f"{project.shown_path(docs_dir / (DEPARTMENT + SUFFIXES['self-assessment']))}"]))
    cmd, shown_db, shown_units = project.command_name(), project.shown_path(db), project.shown_path(units)
    shown_batch = project.shown_path(folder / "2023-Q3.yaml")
    demo_args = f"--db {shown_db} --units {shown_units}"
    out.append("\n".join([
        f"Đây là số liệu bịa để chạy thử ({shown_db}, danh mục {shown_units}), tách khỏi số liệu của Sở.",
        "Thử:",
        f"  {cmd} status --period {p} {demo_args}",
        f"  {cmd} history --unit VP --month 2023-06 {demo_args}",
        f"  {cmd} score --period {p} --unit GDTRH {demo_args}",
        f"  {cmd} tasks --period {p} --late --tasks {project.shown_path(folder / 'tasks.yaml')} --units {shown_units}",
        f"  {cmd} project --year {p.year} --unit GDTRH {demo_args} "
        f"--official {project.shown_path(folder / 'official.yaml')}",
        f"  {cmd} commentary {shown_batch} --period {p} --unit GDTRH   # nhận xét lấy từ demo/commentary/",
        f"  {cmd} preview {shown_batch} --period {p} --unit GDTRH      # tạo lại báo cáo mỗi khi sửa (Ctrl+C dừng)",
        f"Bắt đầu với số liệu thật của Sở: {cmd} init (xem README, mục \"Bắt đầu với số liệu thật\").",
    ]))
    return ExitText("\n\n".join(out), max(report.exit_code, signed.exit_code))


def render(batch: str | None = None, periods: list[str] | tuple[str, ...] = (), units: list[str] | tuple[str, ...] = (),
           formats: str | None = None, jobs: int | None = None, force: bool = False, data: str | None = None,
           output: str | None = None, chromium: str | None = None, executor: str = "local",
           progress: bool = True, scheduler: str | None = None, kernel: str = "warm",
           template: str | None = None, warm=None) -> str:
    """`cchc render`: reports of a batch file or of --period/--unit; exit 1 if any report failed.
    Without `data` (nor in the batch file) it reads the department's database.
    `template`: the Word template of the docx format (default: the batch's, else the package's).
    `warm`: a kernel already launched for a one-report batch (see `cli.main.early_kernel`)."""
    root = project.project_root(Path(batch).resolve().parent) if batch else project.project_root()
    if units:  # codes as people type them: any case; a typo suggests the nearest code
        registry = load_spec(batch).registry if batch else ""
        _, reg = load_setup(units=(Path(registry) if Path(registry).is_absolute() else root / registry)
                            if registry else project.units_path(root))
        units = [DEPARTMENT if u.strip().lower() == DEPARTMENT else reg.resolve(u).code for u in units]
    spec = spec_from_options(batch, periods, units, formats, data, template)
    if not spec.data and not project.db_path(root).is_file():
        raise _missing_db(project.db_path(root))
    report = run_batch(spec, root=root, output=output, workers=jobs, force=force, executor=executor,
                       chromium=chromium, progress=progress, scheduler=scheduler, kernel=kernel, warm=warm)
    return ExitText(report.text(), report.exit_code)


_INIT_FILES = (
    ("units.yaml", "danh mục đơn vị: sửa thành các đơn vị của Sở (mã, tên, loại)"),
    ("organisation.yaml", "tên cơ quan in trên biểu mẫu và báo cáo"),
    ("deadlines.yaml", "hạn gửi số liệu hằng tháng, hạn báo cáo năm"),
    ("reporting.yaml", "ngày chốt số liệu (mặc định ngày 14, Nghị định 09/2019/NĐ-CP)"),
)


def init(folder: str | Path | None = None, today: date | None = None) -> str:
    """`cchc init`: make a folder ready for a department's real data: the
    editable `params/` files it fills in (units, organisation, deadlines,
    cut-off), from the templates in `cchc_lib/data/init/`, and an empty
    database `data/cchc.sqlite`.  Existing files are never overwritten; the
    files are checked and the next steps printed as commands to type."""
    root = Path(folder).expanduser().resolve() if folder else (project.find_project() or Path.cwd())
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} không phải thư mục")
    templates = DATA_DIR / "init"
    lines = [f"Dự án CCHC tại {root}:"]
    width = max(len(f"params/{n}") for n, _ in _INIT_FILES)
    for name, what in _INIT_FILES:
        target = root / "params" / name
        if target.exists():
            state = "đã có, giữ nguyên"
        else:
            write_text(target, (templates / name).read_text(encoding="utf-8"))
            state = "đã tạo"
        lines.append(f"  {'params/' + name:<{width}}  {state} — {what}")
    db = project.db_path(root)
    if db.exists():
        with Store(db, create=False) as store:
            n = store.counts()["files"]
        lines.append(f"  {'data/cchc.sqlite':<{width}}  đã có, giữ nguyên — cơ sở dữ liệu của Sở ({count_vi(n)} tệp đã nạp)")
    else:
        Store(db, create=True).close()
        lines.append(f"  {'data/cchc.sqlite':<{width}}  đã tạo — cơ sở dữ liệu trống của Sở "
                     "(số liệu mẫu của cchc demo ở riêng data/sample.sqlite)")
    # The files a department edits are checked now, not at the first form.
    cat, reg = load_setup(units=root / "params" / "units.yaml")
    load_deadlines(root=root)
    load_cutoff(root)
    load_organisation(root)
    today = today or date.today()
    last = Period.month(today.year, today.month).previous()
    cmd = project.command_name()
    go = [] if root == Path.cwd().resolve() else [f"  cd {project.shown_path(root)}"]
    lines += ["", f"Danh mục hiện có {len(reg)} đơn vị. Bước tiếp theo:",
              "  1. Sửa params/units.yaml (đơn vị của Sở), params/organisation.yaml (tên cơ quan),",
              "     params/reporting.yaml (ngày chốt số liệu) và params/deadlines.yaml (hạn gửi) nếu cần.",
              "  2. Phát biểu mẫu tháng, nạp biểu đã điền, theo dõi và lập báo cáo:",
              *(f"   {x}" for x in go),
              f"     {cmd} template --all-units --month {last} -o bieu_mau/{last}/",
              f"     {cmd} ingest bieu_mau/{last}/*.xlsx --by \"Họ và tên người nạp\"",
              f"     {cmd} status --period {last}",
              f"     {cmd} render --period {last}"]
    return "\n".join(lines)


# -- the monthly cycle: template → units fill → ingest → status → score ---------------

def _db(db: str | Path | None) -> Path:
    return Path(db) if db else project.db_path()


def _existing_db(db: str | Path | None) -> Path:
    """The database a reading command needs: refused if there is none (a typo
    must not read as "every unit has sent nothing")."""
    path = _db(db)
    if not path.is_file():
        if db:
            raise UsageError(f"không tìm thấy cơ sở dữ liệu {path}")
        raise _missing_db(path)
    return path


def _unit(registry: Registry, code: str) -> Unit:
    """The unit a person means (any case); a typo suggests the nearest codes."""
    return registry.resolve(code)


def template(month: str, unit: str | None = None, all_units: bool = False, out: str | Path | None = None,
             catalogue: str | Path | None = None, units: str | Path | None = None) -> str:
    """`cchc template`: one unit's form (to a file) or every unit's (to a folder)."""
    m = parse_month_spoken(month)
    cat, reg = load_setup(catalogue, units)
    deadlines = load_deadlines()
    if all_units == (unit is not None):
        raise UsageError("chọn một trong hai: --unit MÃ hoặc --all-units")
    if all_units:
        if out is None:
            raise UsageError("--all-units cần -o THƯ_MỤC")
        folder = Path(out)
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"{folder} không phải thư mục")
        paths = [write_form(folder / form_file_name(u, m), cat, u, m, deadlines) for u in reg]
        return f"Đã ghi {len(paths)} biểu mẫu {m.label_vi_lower} vào {folder}"
    u = _unit(reg, unit or "")
    path = Path(out) if out else Path(form_file_name(u, m))
    if out is not None and (str(out).endswith(("/", os.sep)) or path.is_dir()):
        if path.exists() and not path.is_dir():
            raise UsageError(f"{path} không phải thư mục")
        path = path / form_file_name(u, m)  # a folder: the usual file name inside it
    elif path.suffix.lower() != ".xlsx":
        raise UsageError(f"tệp biểu mẫu phải có đuôi .xlsx: {path} (hoặc chỉ một thư mục, kết thúc bằng '/')")
    write_form(path, cat, u, m, deadlines)
    return f"Đã ghi biểu mẫu {u.code} {m.label_vi_lower} (hạn gửi {deadlines.monthly(m):%d/%m/%Y}) vào {path}"


def _received(at: str | None) -> datetime | None:
    if not at:
        return None
    try:
        return datetime.fromisoformat(at.strip())
    except ValueError:
        raise UsageError(f"thời điểm nhận không hợp lệ: {at!r} (dạng: 2023-04-03 hoặc 2023-04-03T09:30)") from None


def ingest(files: Sequence[str | Path], db: str | Path | None = None, by: str | None = None, at: str | None = None,
           catalogue: str | Path | None = None, units: str | Path | None = None, force: bool = False) -> str:
    """`cchc ingest`: per-file report; IngestError (exit 2) if any file was refused.
    Months after the one being gathered (by the project's cut-off) need `force`."""
    cat, reg = load_setup(catalogue, units)
    report = ingest_files(files, _db(db), by, catalogue=cat, registry=reg, received_at=_received(at), force=force,
                          cutoff_day=load_cutoff().day)
    if not report.ok:
        raise IngestError(report)
    return report.summary()


def show_history(unit: str, month: str | None = None, db: str | Path | None = None,
                 catalogue: str | Path | None = None, units: str | Path | None = None) -> str:
    cat, reg = load_setup(catalogue, units)
    m = parse_month_spoken(month) if month else None
    code = _unit(reg, unit).code
    path = _existing_db(db)
    with Store(path, create=False) as store:
        return format_history(history(store, code, m), cat, reg, code, m)


def export(period: str, out: str | Path, db: str | Path | None = None,
           catalogue: str | Path | None = None, units: str | Path | None = None) -> str:
    """`cchc export`: the current long table of the period (CSV or XLSX)."""
    p = parse_period(period)
    target = Path(out)
    if target.suffix.lower() not in (".csv", ".xlsx"):
        raise UsageError(f"tệp xuất phải là .csv hoặc .xlsx: {target}")
    cat, reg = load_setup(catalogue, units)
    path = _existing_db(db)
    with Store(path, create=False) as store:
        ds = store.dataset(cat, reg, p)
    order = {c: i for i, c in enumerate(reg.codes)}
    ind_order = {c: i for i, c in enumerate(cat.indicators)}
    obs = sorted(ds.observations, key=lambda o: (order[o.unit], o.month, ind_order[o.indicator]))
    # the evidence and every other kept column, so that `ingest` reads back all that was stored
    others = sorted({k for o in obs for k, _ in o.extra} - {EVIDENCE_COLUMN})
    write_long_table(target, cat, obs, [EVIDENCE_COLUMN, *others])
    return f"Đã xuất {count_vi(len(obs))} dòng số liệu hiện hành {p.label_vi_lower} vào {target}"


def status(period: str, db: str | Path | None = None, catalogue: str | Path | None = None,
           units: str | Path | None = None, today: date | None = None, output: str | Path | None = None) -> str:
    """`cchc status`: the text matrix, or with `output` (.xlsx) the Excel workbook."""
    p = parse_period(period)
    if output is not None and Path(output).suffix.lower() != ".xlsx":
        raise UsageError(f"tệp tình hình gửi số liệu phải là .xlsx: {output}")
    cat, reg = load_setup(catalogue, units)
    path = _existing_db(db)
    report = reporting_status(path, reg, p, cat)
    if output is not None:
        from cchc_lib.reports.workbooks import status_workbook

        written = write_bytes(output, status_workbook(report, reg, cat, today))
        return f"Đã ghi tình hình gửi số liệu {p.label_vi_lower} (Excel) vào {written}"
    return format_status(report, cat, reg, today)


def self_assessment(period: str, output: str | Path | None = None, data: str | Path | None = None,
                    catalogue: str | Path | None = None, units: str | Path | None = None,
                    root: Path | None = None) -> str:
    """`cchc self-assessment`: the department's self-assessment workbook of a
    period, with the units' evidence per criterion (default file:
    output/<period>/department_tu_danh_gia.xlsx, as `cchc render --to self-assessment`)."""
    p = parse_period(period)
    root = root or project.project_root()
    target = Path(output) if output else project.output_dir(root) / str(p) / (DEPARTMENT + SUFFIXES["self-assessment"])
    if target.suffix.lower() != ".xlsx":
        raise UsageError(f"bảng tự đánh giá phải là tệp .xlsx: {target}")
    org = load_organisation(root)
    path = Path(data) if data else project.db_path(root)
    if not data and not path.is_file():
        raise _missing_db(path)
    ctx = open_context(path, catalogue or "", units or project.units_path(root))
    from cchc_lib.reports.workbooks import self_assessment, self_assessment_workbook

    sa = self_assessment(ctx, p)
    path = write_bytes(target, self_assessment_workbook(sa, org, ctx.catalogue))
    flagged = [r.code for r in sa.criteria if r.flagged]
    text = (f"Đã ghi bảng tự đánh giá {p.label_vi_lower} vào {path}: {count_vi(len(sa.evidence))} tài liệu kiểm chứng "
            f"theo tiêu chí, tổng {points_vi(sa.card.points)}/{points_vi(sa.card.max_points)} điểm.")
    if flagged:
        text += (f"\n{count_vi(len(flagged))} tiêu chí có điểm nhưng chưa có tài liệu kiểm chứng (tô màu trong bảng): "
                 f"{', '.join(flagged)}.")
    return text


def preview(batch: str | None, period: str, unit: str, data: str | None = None, interval: float = 0.2) -> str:
    """`cchc preview`: one report, rendered again whenever one of its files changes (until Ctrl+C)."""
    run = run_preview(period, unit, batch=batch, data=data, poll=interval)
    return "" if run.renders else "Không tạo được báo cáo nào."


def commentary(batch: str | None, period: str, unit: str) -> str:
    """`cchc commentary`: the analyst's commentary of one report, alone, as an HTML page."""
    _path, line = commentary_page(period, unit, batch=batch)
    return line
