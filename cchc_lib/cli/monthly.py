"""The monthly cycle's commands (template, ingest, history, export, status),
as functions that return text.  The CLI parses arguments and calls one."""
from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Sequence

from cchc_lib import project
from cchc_lib.cli.commands import load_setup
from cchc_lib.core.deadlines import load_deadlines
from cchc_lib.fmt import count_vi
from cchc_lib.errors import UsageError
from cchc_lib.intake.long_table import write_long_table
from cchc_lib.intake.forms import form_file_name, write_form
from cchc_lib.store.history import format_history, history
from cchc_lib.intake.ingest import EVIDENCE_COLUMN, IngestError, ingest as ingest_files
from cchc_lib.core.periods import parse_month, parse_period
from cchc_lib.store.status import format_status, reporting_status
from cchc_lib.store.db import Store
from cchc_lib.core.units import Registry, Unit


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
           catalogue: str | Path | None = None, units: str | Path | None = None, force: bool = False) -> str:
    """`cchc ingest`: per-file report; IngestError (exit 2) if any file was refused."""
    cat, reg = load_setup(catalogue, units)
    report = ingest_files(files, _db(db), by, catalogue=cat, registry=reg, received_at=_received(at), force=force)
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
