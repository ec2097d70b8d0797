"""History of a unit's figures: every accepted version, who sent it and when,
and what each version changed compared with the values current before it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.core.periods import Period
from cchc_lib.store.db import Store, StoredValue, SubmissionRecord, decode
from cchc_lib.core.units import Registry

KIND_LABEL = {"form": "biểu mẫu", "table": "bảng số liệu"}



@dataclass(frozen=True)
class Change:
    indicator: str
    old: StoredValue | None  # None: the first value of this indicator
    new: StoredValue


@dataclass
class Version:
    submission: SubmissionRecord
    values: int
    changes: list[Change] = field(default_factory=list)


def history(store: Store, unit: str, month: Period | None = None) -> dict[Period, list[Version]]:
    """Month → versions in ingestion order, each with its changes."""
    out: dict[Period, list[Version]] = {}
    state: dict[Period, dict[str, StoredValue]] = {}
    for sub in store.submissions(unit=unit, months=[month] if month else None):
        before = state.setdefault(sub.month, {})
        values = store.values_of(sub.id)
        changes = [Change(ind, before.get(ind), v) for ind, v in values.items()
                   if before.get(ind) is None or before[ind].value != v.value or before[ind].evidence != v.evidence]
        before.update(values)
        out.setdefault(sub.month, []).append(Version(sub, len(values), changes))
    return dict(sorted(out.items()))


def _show(catalogue: Catalogue, unit: str, month: Period, ind: str, sv: StoredValue | None) -> str:
    if sv is None:
        return "(trống)"
    indicator = catalogue.indicators.get(ind)
    value: Any = sv.value
    if indicator is not None:
        value = indicator.display(decode(indicator.kind, sv.value))
    return str(value)


def format_history(versions: dict[Period, list[Version]], catalogue: Catalogue, registry: Registry, unit: str,
                   month: Period | None = None) -> str:
    """Every version of each month: when it was received (the first sending,
    then each correction with its date), by whom, from which file, and what
    it changed, with indicator names."""
    name = registry.get(unit).name if unit in registry else unit
    title = f"Lịch sử số liệu: {unit} — {name}" + (f", {month.label_vi_lower}" if month else "")
    if not versions:
        return title + "\nChưa có số liệu nào được nạp."
    out = [title, "Lần 1 là lần gửi đầu; các lần sau là gửi lại (sửa số liệu), ghi ngày gửi lại và số liệu đã thay đổi."]
    for m, vs in versions.items():
        out.append("")
        fixes = len(vs) - 1
        out.append(f"{m.label_vi} — {len(vs)} phiên bản" + (f" (gửi lại {fixes} lần)" if fixes else ""))
        for i, v in enumerate(vs, 1):
            f = v.submission.file
            who = f.submitted_by or "không rõ"
            when = f"gửi {f.received_at:%d/%m/%Y %H:%M}" if i == 1 else f"gửi lại (sửa) ngày {f.received_at:%d/%m/%Y %H:%M}"
            what = f"{v.values} số liệu" if v.values else "nộp biểu trống, không có số liệu nào"
            out.append(f"  Lần {i}: {when}, người nạp: {who}, {KIND_LABEL.get(f.kind, f.kind)} '{f.name}', {what}")
            if i == 1:
                continue
            if not v.changes:
                out.append("      không thay đổi số liệu nào")
            for c in v.changes:
                label = catalogue.indicators[c.indicator].label if c.indicator in catalogue.indicators else c.indicator
                old = _show(catalogue, unit, m, c.indicator, c.old)
                new = _show(catalogue, unit, m, c.indicator, c.new)
                if c.old is not None and c.old.value == c.new.value:
                    out.append(f"      {label}: tài liệu kiểm chứng '{c.old.evidence or ''}' → "
                               f"'{c.new.evidence or ''}'")
                else:
                    out.append(f"      {label}: {old} → {new}")
    return "\n".join(out)
