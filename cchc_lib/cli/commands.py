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
from cchc_lib.files import write_bytes, write_text
from cchc_lib.fmt import count_vi, points_vi
from cchc_lib.intake.long_table import write_long_table
from cchc_lib.intake.sample import sample_observations
from cchc_lib.intake.sample_db import build_sample_db
from cchc_lib.intake.sources import open_dataset
from cchc_lib.render.batch import ExitText, parse_spec, run_batch, spec_from_options
from cchc_lib.render.pdf import INSTALL_HINT, find_browser
from cchc_lib.render.worker import DEPARTMENT, SUFFIXES
from cchc_lib.reports.data import default_data, has_data, open_context
from cchc_lib.reports.organisation import load_organisation
from cchc_lib.reports.text import format_catalogue, format_ranking, format_table, to_csv, to_json
from cchc_lib.reports.workbooks import scorecard_workbook, self_assessment as assess, self_assessment_workbook

FORMATS = ("table", "json", "csv", "xlsx")
DEMO_PERIOD = "2023-Q3"


def load_setup(catalogue: str | Path | None = None, units: str | Path | None = None) -> tuple[Catalogue, Registry]:
    """The catalogue and the unit registry (defaults: shipped 2023, params/units.yaml)."""
    cat = load_catalogue(catalogue)
    return cat, load_registry(units or project.units_path(), cat.unit_kinds)


def criteria(catalogue: str | Path | None = None) -> str:
    return format_catalogue(load_catalogue(catalogue))


def score(data: str | Path, period: str, unit: str | None = None, fmt: str = "table",
          catalogue: str | Path | None = None, units: str | Path | None = None,
          output: str | Path | None = None) -> str:
    """`cchc score`: one scorecard as a table, the contract's JSON, CSV, or an
    Excel workbook for people (`xlsx`, needs `output`; the department's has the
    ranking of units too).  With `output` the text formats go to that file."""
    if fmt not in FORMATS:
        raise UsageError(f"định dạng không hỗ trợ: {fmt!r} (dùng: {', '.join(FORMATS)})")
    if fmt == "xlsx" and (output is None or Path(output).suffix.lower() != ".xlsx"):
        raise UsageError("--format xlsx cần -o TỆP.xlsx")
    p = parse_period(period)
    cat, reg = load_setup(catalogue, units)
    if unit is not None and unit not in reg:
        raise UsageError(f"đơn vị không có trong danh mục: {unit!r}")
    ds = open_dataset(data, cat, reg)
    card = score_unit(ds, cat, reg.get(unit), p) if unit else score_department(ds, cat, p, reg)
    if fmt == "xlsx":
        ranked = unsent = None
        if not unit:
            sent = [u for u in reg if has_data(ds, u.code, p)]
            ranked = ranking(score_unit(ds, cat, u, p) for u in sent)
            unsent = [u for u in reg if u not in sent]
        path = write_bytes(output, scorecard_workbook(card, cat, ranked, unsent or ()))
        what = f"phiếu điểm {card.unit.code if card.unit else 'toàn Sở'}" + ("" if unit else " và xếp hạng đơn vị")
        return f"Đã ghi {what} {p.label_vi_lower} (Excel) vào {path}"
    text = to_json(card) if fmt == "json" else to_csv([card]) if fmt == "csv" else format_table(card, cat)
    if output is not None:
        # byte for byte what stdout gets: CSV and JSON are the machine formats
        path = write_text(output, text if text.endswith("\n") else text + "\n")
        return f"Đã ghi phiếu điểm ({fmt}) vào {path}"
    return text


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
    is found) and the path of output/index.html; then the year's báo cáo
    (DOCX) and self-assessment workbook of the department, and their paths."""
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
    # The documents the department signs and sends: the year's báo cáo (Word)
    # and the self-assessment workbook with its evidence.
    year = str(parse_period(period).year)
    signed = run_batch(parse_spec({"period": year, "units": [], "notebooks": ["department"],
                                   "formats": ["docx", "self-assessment"], "data": str(db)}, "demo"),
                       root=root, progress=progress)
    folder = project.output_dir(root) / year
    docs = [f"Báo cáo năm {year} (Word, thể thức Nghị định 30): {folder / (DEPARTMENT + SUFFIXES['docx'])}",
            f"Bảng tự đánh giá năm {year} (Excel): {folder / (DEPARTMENT + SUFFIXES['self-assessment'])}"]
    out.append("\n".join([signed.text().replace(f"\nMục lục báo cáo: {signed.index}", "")] + docs))
    return ExitText("\n\n".join(out), max(report.exit_code, signed.exit_code))


def render(batch: str | None = None, periods: list[str] | tuple[str, ...] = (), units: list[str] | tuple[str, ...] = (),
           formats: str | None = None, jobs: int | None = None, force: bool = False, data: str | None = None,
           output: str | None = None, chromium: str | None = None, executor: str = "local",
           progress: bool = True, scheduler: str | None = None, kernel: str = "warm",
           template: str | None = None) -> str:
    """`cchc render`: reports of a batch file or of --period/--unit; exit 1 if any report failed.
    `template`: the Word template of the docx format (default: the batch's, else the package's)."""
    spec = spec_from_options(batch, periods, units, formats, data, template)
    root = project.project_root(Path(batch).resolve().parent) if batch else project.project_root()
    if not spec.data and not default_data(root).is_file():  # fresh clone: make the sample first
        sample_data(default_data(root), units=project.units_path(root))
    report = run_batch(spec, root=root, output=output, workers=jobs, force=force, executor=executor,
                       chromium=chromium, progress=progress, scheduler=scheduler, kernel=kernel)
    return ExitText(report.text(), report.exit_code)


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
    org = load_organisation(root=root)
    ctx = open_context(data or default_data(root), catalogue or "", units or project.units_path(root))
    sa = assess(ctx, p)
    path = write_bytes(target, self_assessment_workbook(sa, org, ctx.catalogue))
    flagged = [r.code for r in sa.criteria if r.flagged]
    text = (f"Đã ghi bảng tự đánh giá {p.label_vi_lower} vào {path}: {count_vi(len(sa.evidence))} tài liệu kiểm chứng "
            f"theo tiêu chí, tổng {points_vi(sa.card.points)}/{points_vi(sa.card.max_points)} điểm.")
    if flagged:
        text += (f"\n{count_vi(len(flagged))} tiêu chí có điểm nhưng chưa có tài liệu kiểm chứng (tô màu trong bảng): "
                 f"{', '.join(flagged)}.")
    return text
