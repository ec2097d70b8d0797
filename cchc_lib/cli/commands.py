"""What each `cchc` command does, as functions that return text.

The CLI parses arguments and calls exactly one of these; notebooks and tests
may call them too.
"""
from __future__ import annotations

from pathlib import Path

from cchc_lib import project
from cchc_lib.core.catalogue import Catalogue, load_catalogue
from cchc_lib.core.deadlines import load_deadlines
from cchc_lib.core.periods import parse_period
from cchc_lib.core.scoring import ranking, score_all, score_department, score_unit
from cchc_lib.core.units import Registry, load_registry
from cchc_lib.errors import CchcError, UsageError
from cchc_lib.intake.long_table import write_long_table
from cchc_lib.intake.sample import sample_observations
from cchc_lib.intake.sample_db import build_sample_db
from cchc_lib.intake.sources import open_dataset
from cchc_lib.render.batch import ExitText, run_batch, spec_from_options
from cchc_lib.render.pdf import INSTALL_HINT, find_browser
from cchc_lib.reports.data import default_data
from cchc_lib.reports.text import format_catalogue, format_ranking, format_table, to_csv, to_json

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
        return build_sample_db(db, cat, reg, load_deadlines(), year)
    obs = list(sample_observations(cat, reg, year))
    path = write_long_table(out, cat, obs)
    return f"Đã ghi {len(obs):,} dòng số liệu mẫu ({len(reg)} đơn vị × 12 tháng năm {year}) vào {path}".replace(",", ".")


def demo(period: str = DEMO_PERIOD, root: Path | None = None, progress: bool = True) -> str:
    """The main job on the bundled sample: a sample database filled through
    ingestion (once), the department's scorecard and the ranking, then the
    sample batch rendered (department and every unit; PDF too when a browser
    is found) and the path of output/index.html."""
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
    spec = spec_from_options(batch, periods, units, formats, data)
    root = project.project_root(Path(batch).resolve().parent) if batch else project.project_root()
    if not spec.data and not default_data(root).is_file():  # fresh clone: make the sample first
        sample_data(default_data(root), units=project.units_path(root))
    report = run_batch(spec, root=root, output=output, workers=jobs, force=force, executor=executor,
                       chromium=chromium, progress=progress, scheduler=scheduler, kernel=kernel)
    return ExitText(report.text(), report.exit_code)
