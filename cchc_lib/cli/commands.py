"""What each `cchc` command does, as functions that return text.

The CLI parses arguments and calls exactly one of these; notebooks and tests
may call them too.  Scoring and reports first, then the monthly cycle
(template, ingest, history, export, status).
"""
from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Sequence

from cchc_lib import project
from cchc_lib.core.catalogue import Catalogue, load_catalogue
from cchc_lib.core.deadlines import load_deadlines
from cchc_lib.errors import UsageError
from cchc_lib.fmt import count_vi
from cchc_lib.intake.forms import form_file_name, write_form
from cchc_lib.intake.ingest import EVIDENCE_COLUMN, IngestError, ingest as ingest_files
from cchc_lib.intake.long_table import write_long_table
from cchc_lib.core.periods import parse_month, parse_period
from cchc_lib.store.db import Store
from cchc_lib.store.history import format_history, history
from cchc_lib.store.status import format_status, reporting_status
from cchc_lib.intake.sample import sample_observations
from cchc_lib.core.scoring import ranking, score_all, score_department, score_unit
from cchc_lib.intake.sources import open_dataset
from cchc_lib.reports.text import format_catalogue, format_ranking, format_table, to_csv, to_json
from cchc_lib.core.units import Registry, Unit, load_registry

FORMATS = ("table", "json", "csv")
DEMO_PERIOD = "2023-Q3"


def load_setup(catalogue: str | Path | None = None, units: str | Path | None = None) -> tuple[Catalogue, Registry]:
    """The catalogue and the unit registry (defaults: shipped 2023, params/units.yaml)."""
    cat = load_catalogue(catalogue)
    return cat, load_registry(units or project.units_path(), cat.unit_kinds)


def criteria(catalogue: str | Path | None = None) -> str:
    return format_catalogue(load_catalogue(catalogue))


def score(data: str | Path, period: str, unit: str | None = None, fmt: str = "table",
          catalogue: str | Path | None = None, units: str | Path | None = None) -> str:
    """`cchc score`: one scorecard as a table, the contract's JSON, or CSV."""
    if fmt not in FORMATS:
        raise UsageError(f"định dạng không hỗ trợ: {fmt!r} (dùng: {', '.join(FORMATS)})")
    p = parse_period(period)
    cat, reg = load_setup(catalogue, units)
    if unit is not None and unit not in reg:
        raise UsageError(f"đơn vị không có trong danh mục: {unit!r}")
    ds = open_dataset(data, cat, reg)
    card = score_unit(ds, cat, reg.get(unit), p) if unit else score_department(ds, cat, p, reg)
    if fmt == "json":
        return to_json(card)
    if fmt == "csv":
        return to_csv([card])
    return format_table(card, cat)


def sample_data(out: str | Path, catalogue: str | Path | None = None, units: str | Path | None = None,
                year: int = 2023, db: str | Path | None = None) -> str:
    cat, reg = load_setup(catalogue, units)
    if db is not None:  # a database filled through the real ingestion path
        from cchc_lib.intake.sample_db import build_sample_db

        return build_sample_db(db, cat, reg, load_deadlines(), year)
    obs = list(sample_observations(cat, reg, year))
    path = write_long_table(out, cat, obs)
    return f"Đã ghi {len(obs):,} dòng số liệu mẫu ({len(reg)} đơn vị × 12 tháng năm {year}) vào {path}".replace(",", ".")


def demo(period: str = DEMO_PERIOD, root: Path | None = None, progress: bool = True) -> str:
    """The main job on the bundled sample: a sample database filled through
    ingestion (once), the department's scorecard and the ranking, then the
    sample batch rendered (department and every unit; PDF too when a browser
    is found) and the path of output/index.html."""
    from cchc_lib.render.batch import ExitText, run_batch, spec_from_options
    from cchc_lib.errors import CchcError
    from cchc_lib.render.pdf import INSTALL_HINT, find_browser

    root = root or project.project_root()
    db = project.db_path(root)
    out = []
    if not db.is_file():
        out.append(sample_data(project.sample_path(root), units=project.units_path(root), db=db))
    cat, reg = load_setup(units=project.units_path(root))
    dept, cards = score_all(open_dataset(db, cat, reg), cat, reg, parse_period(period))
    out.append(format_table(dept, cat))
    out.append(format_ranking(ranking(cards)))
    try:
        has_browser = bool(find_browser())
    except CchcError:
        has_browser = False
    formats = "html,pdf" if has_browser else "html"
    if not has_browser:
        out.append(f"PDF: {INSTALL_HINT}; chỉ tạo báo cáo HTML.")
    spec = spec_from_options(str(root / "params" / "2023-Q3.yaml"), [period], (), formats, str(db))
    report = run_batch(spec, root=root, progress=progress)
    out.append(report.text())
    return ExitText("\n\n".join(out), report.exit_code)


def render(batch: str | None = None, periods: list[str] | tuple[str, ...] = (), units: list[str] | tuple[str, ...] = (),
           formats: str | None = None, jobs: int | None = None, force: bool = False, data: str | None = None,
           output: str | None = None, chromium: str | None = None, executor: str = "local",
           progress: bool = True, scheduler: str | None = None, kernel: str = "warm") -> str:
    """`cchc render`: reports of a batch file or of --period/--unit; exit 1 if any report failed."""
    from cchc_lib.render.batch import ExitText, run_batch, spec_from_options

    spec = spec_from_options(batch, periods, units, formats, data)
    root = project.project_root(Path(batch).resolve().parent) if batch else project.project_root()
    from cchc_lib.reports.data import default_data

    if not spec.data and not default_data(root).is_file():  # fresh clone: make the sample first
        sample_data(default_data(root), units=project.units_path(root))
    report = run_batch(spec, root=root, output=output, workers=jobs, force=force, executor=executor,
                       chromium=chromium, progress=progress, scheduler=scheduler, kernel=kernel)
    return ExitText(report.text(), report.exit_code)


# -- the monthly cycle: template → units fill → ingest → status → score ---------------

def _db(db: str | Path | None) -> Path:
    return Path(db) if db else project.db_path()


def _existing_db(db: str | Path | None) -> Path:
    """The database a reading command needs: refused if there is none (a typo
    must not read as "every unit has sent nothing")."""
    path = _db(db)
    if not path.is_file():
        raise UsageError(f"chưa có cơ sở dữ liệu {path} (dùng cchc ingest trước)")
    return path


def _unit(registry: Registry, code: str) -> Unit:
    if code not in registry:
        raise UsageError(f"đơn vị không có trong danh mục: {code!r} (các mã: {', '.join(registry.codes)})")
    return registry.get(code)


def template(month: str, unit: str | None = None, all_units: bool = False, out: str | Path | None = None,
             catalogue: str | Path | None = None, units: str | Path | None = None) -> str:
    """`cchc template`: one unit's form (to a file) or every unit's (to a folder)."""
    m = parse_month(month)
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
           catalogue: str | Path | None = None, units: str | Path | None = None) -> str:
    """`cchc ingest`: per-file report; IngestError (exit 2) if any file was refused."""
    cat, reg = load_setup(catalogue, units)
    report = ingest_files(files, _db(db), by, catalogue=cat, registry=reg, received_at=_received(at))
    if not report.ok:
        raise IngestError(report)
    return report.summary()


def show_history(unit: str, month: str | None = None, db: str | Path | None = None,
                 catalogue: str | Path | None = None, units: str | Path | None = None) -> str:
    cat, reg = load_setup(catalogue, units)
    m = parse_month(month) if month else None
    _unit(reg, unit)
    path = _existing_db(db)
    with Store(path, create=False) as store:
        return format_history(history(store, unit, m), cat, reg, unit, m)


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
           units: str | Path | None = None, today: date | None = None) -> str:
    p = parse_period(period)
    cat, reg = load_setup(catalogue, units)
    path = _existing_db(db)
    report = reporting_status(path, reg, p, cat)
    return format_status(report, cat, reg, today)
