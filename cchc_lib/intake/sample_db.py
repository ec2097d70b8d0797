"""A sample database, filled through the real ingestion path.

One file per unit and month (a long table; forms for the Văn phòng's June),
received on time by the 5th of the next month, except these real cases:

- LATE: GDTRH sends August on 11 September;
- CORRECTED: VP's June form has the portal posts with the digits swapped,
  and a corrected form follows a week later (history shows the change);
- NOT_SENT: TT_GDTX_HP has not sent December;
- INCOMPLETE: THPT_THAIPHIEN's November leaves the portal posts empty.

The figures are those of `cchc sample-data` (same seed).
"""
from __future__ import annotations

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.core.deadlines import Deadlines
from cchc_lib.errors import UsageError
from cchc_lib.progress import progress as progress_bar
from cchc_lib.intake.long_table import write_long_table
from cchc_lib.intake.forms import form_file_name, write_form
from cchc_lib.intake.ingest import REFUSED, ingest
from cchc_lib.core.dataset import Observation
from cchc_lib.core.periods import Period
from cchc_lib.intake.sample import sample_observations
from cchc_lib.core.units import Registry

VIETNAM = timezone(timedelta(hours=7))
BY = "Văn phòng Sở (số liệu mẫu)"
LATE = ("GDTRH", 8)
CORRECTED = ("VP", 6, "portal_news_posts")
NOT_SENT = ("TT_GDTX_HP", 12)
INCOMPLETE = ("THPT_THAIPHIEN", 11, "portal_news_posts")
#: Evidence ("tài liệu kiểm chứng", column E of the form) the sample's units type
#: beside some figures, so the self-assessment has something to gather; the
#: other criteria are left without, as in real life, and get flagged.
EVIDENCE = {
    "tthc_control_plan_done": "Kế hoạch số {n}/KH-{code} ngày 12/01/{year} về kiểm soát TTHC",
    "tthc_review_done": "Báo cáo số {n}/BC-{code} ngày 25/{mm}/{year} kết quả rà soát, đánh giá TTHC",
    "hotline_posted": "Thông báo số {n}/TB-{code} niêm yết số điện thoại đường dây nóng",
    "dossiers_resolved_on_time": "Báo cáo tình hình giải quyết hồ sơ tháng {m}/{year} (Hệ thống thông tin giải "
                                 "quyết TTHC thành phố)",
    "portal_news_posts": "Báo cáo thống kê tin bài Cổng TTĐT tháng {m}/{year}",
    "iso_training_done": "Quyết định số {n}/QĐ-{code} cử cán bộ dự lớp bồi dưỡng ISO 9001:2015",
}


def sample_evidence(obs: list[Observation]) -> list[Observation]:
    """The same observations, those listed in EVIDENCE with a reference (when the figure is there)."""
    out = []
    for o in obs:
        template = EVIDENCE.get(o.indicator)
        if template and o.value not in (False, None):
            # a yearly document keeps its number all year; a monthly one changes each month
            monthly = "{m}" in template or "{mm}" in template
            n = 10 + (sum(map(ord, o.unit)) * 7 + (o.month.index * 13 if monthly else 0)) % 90
            ref = (template.replace("{n}", str(n)).replace("{code}", o.unit.replace("_", ""))
                   .replace("{m}", str(o.month.index)).replace("{mm}", f"{o.month.index:02d}")
                   .replace("{year}", str(o.month.year)))
            o = Observation(o.unit, o.month, o.indicator, o.value, o.row, (*o.extra, ("evidence", ref)))
        out.append(o)
    return out


def _typo(value: int) -> int:
    """The figure with its digits swapped (25 → 52), or +10 if that changes nothing."""
    swapped = int(str(value)[::-1])
    return swapped if swapped != value else value + 10


def build_sample_db(db: str | Path, catalogue: Catalogue, registry: Registry, deadlines: Deadlines,
                    year: int = 2023, progress: bool | None = None) -> str:
    db = Path(db)
    if db.exists():
        raise UsageError(f"{db} đã có; số liệu mẫu chỉ ghi vào cơ sở dữ liệu mới (xóa tệp hoặc chọn tên khác)")
    by_key: dict[tuple[str, int], list[Observation]] = {}
    for o in sample_observations(catalogue, registry, year):
        by_key.setdefault((o.unit, o.month.index), []).append(o)
    position = {c: i for i, c in enumerate(registry.codes)}
    notes: list[str] = []
    jobs: list[tuple[Path, datetime]] = []
    with tempfile.TemporaryDirectory(prefix="cchc-sample-") as tmp:
        folder = Path(tmp)
        for (code, month), obs in by_key.items():
            m = Period.month(year, month)
            i = position[code]
            due = deadlines.monthly(m)
            received = datetime(due.year, due.month, due.day, 8 + i % 9, 5 * (i % 12), tzinfo=VIETNAM) \
                - timedelta(days=1 + i % 4)
            if (code, month) == NOT_SENT[:2]:
                notes.append(f"{code} chưa gửi {m}")
                continue
            if (code, month) == LATE:
                received = datetime(due.year, due.month, due.day, 10, 20, tzinfo=VIETNAM) + timedelta(days=6)
                notes.append(f"{code} gửi {m} muộn ({received:%d/%m/%Y})")
            if (code, month) == INCOMPLETE[:2]:
                obs = [o for o in obs if o.indicator != INCOMPLETE[2]]
                notes.append(f"{code} {m} để trống {INCOMPLETE[2]}")
            if (code, month) == CORRECTED[:2] and any(o.indicator == CORRECTED[2] for o in obs):
                unit = registry.get(code)
                values: dict[str, Any] = {o.indicator: o.value for o in obs}
                evidence = {CORRECTED[2]: "Báo cáo thống kê Cổng TTĐT Sở tháng 6/2023"}
                right = values[CORRECTED[2]]
                wrong = dict(values, **{CORRECTED[2]: _typo(right)})
                first = write_form(folder / form_file_name(unit, m), catalogue, unit, m, deadlines, wrong, evidence)
                fixed = write_form(folder / form_file_name(unit, m).replace(".xlsx", "_sua.xlsx"), catalogue, unit, m,
                                   deadlines, values, evidence)
                jobs.append((first, received))
                jobs.append((fixed, received + timedelta(days=8, hours=3)))
                notes.append(f"{code} gửi lại {m}: {CORRECTED[2]} {_typo(right)} → {right}")
                continue
            path = folder / f"{code}_{m}.csv"
            write_long_table(path, catalogue, sample_evidence(obs), ["evidence"])
            jobs.append((path, received))
        jobs.sort(key=lambda j: j[1])
        iterator: Any = jobs if progress is False else \
            progress_bar(jobs, desc="Nạp số liệu mẫu", unit="tệp", enabled=progress)
        stored = 0
        for path, received in iterator:
            report = ingest([path], db, BY, catalogue=catalogue, registry=registry, received_at=received, progress=False)
            result = report.results[0]
            if result.state == REFUSED:  # the sample must pass the real checks
                raise RuntimeError(f"số liệu mẫu bị từ chối: {result.message}: {[str(p) for p in result.problems]}")
            stored += result.state == "stored"
    return (f"Đã tạo cơ sở dữ liệu mẫu {db}: {stored} lần nạp ({len(registry)} đơn vị × 12 tháng năm {year}), "
            f"qua đúng đường nạp của cchc ingest.\nCác tình huống thật: " + "; ".join(notes) + ".")
