"""Scorecards as text for a terminal, and as CSV/JSON for other tools."""
from __future__ import annotations

import csv
import io
import json
import textwrap
import unicodedata
from typing import Iterable, Sequence

from cchc_lib.core.catalogue import Catalogue, Criterion, load_catalogue
from cchc_lib.core.periods import parse_month
from cchc_lib.errors import CatalogueError, CchcError
from cchc_lib.files import csv_text
from cchc_lib.fmt import count_vi, percent_vi, points_vi
from cchc_lib.core.rules import STATUS_VI
from cchc_lib.core.scoring import CriterionScore, Scorecard
from cchc_lib.core.settings import DEFAULTS

CSV_COLUMNS = ("unit", "period", "code", "title", "status", "points", "max_points", "rate", "detail", "gap")


def who(card: Scorecard, whole: str = DEFAULTS.organisation.whole) -> str:
    """The unit by name and code (a terminal is for the office), or the department's one name."""
    return f"{card.unit.name} ({card.unit.code})" if card.unit else whole


def indicator_names(ids: Iterable[str], catalogue: Catalogue | None = None) -> str:
    """Indicators as an analyst names them, by their catalogue labels (a short
    label — "tin bài" — says too little on its own).

    Without a catalogue the shipped one is asked; an id it does not know is
    counted ("2 chỉ số khác") rather than shown raw."""
    ids = list(ids)
    indicators = catalogue.indicators if catalogue is not None else _default_indicators()
    names = [indicators[i].label or indicators[i].short for i in ids if i in indicators]
    unknown = len(ids) - len(names)
    if unknown:
        names.append(f"{count_vi(unknown)} chỉ số" + (" khác" if names else ""))
    return "; ".join(names)


def _default_indicators() -> dict:
    try:
        return load_catalogue().indicators
    except CatalogueError:
        return {}


def responsible_text(catalogue: Catalogue, c: Criterion) -> str:
    """The plan's words for the units responsible, and how the tool reads them
    (an interpretation, shown as such): "Các phòng Sở, đơn vị liên quan (tính:
    Các phòng Sở, Đơn vị trực thuộc)"."""
    kinds = ", ".join(catalogue.unit_kinds[k] for k in c.responsible)
    if not c.responsible_text or c.responsible_text.lower() == kinds.lower():
        return c.responsible_text or kinds
    return f"{c.responsible_text} (tính: {kinds})"


def value_text(c: CriterionScore, catalogue: Catalogue | None = None) -> str:
    """Rate and counts behind the points: `96,5% (57/60)`; for missing data,
    the indicators that are missing, by name (`catalogue`: the one scored with;
    the shipped one when not given)."""
    o = c.outcome
    if o.missing and o.detail:  # the contract's reason: the month and the blank figures
        return "Thiếu số liệu: " + o.detail
    if o.missing:
        return "Thiếu số liệu: " + indicator_names(o.missing, catalogue)
    if o.rate is not None and c.criterion.rule_name not in ("review_handling",):
        if o.detail.startswith("("):  # a formula, (b + ½ × c)/a: not in brackets again
            return f"{percent_vi(o.rate)} = {o.detail}"
        return f"{percent_vi(o.rate)} ({o.detail})"
    return o.detail


def basis_text(c: CriterionScore) -> str:
    """What the figures cover (contract v2, 3.2): "11/12 tháng" for flows,
    "số liệu tháng 3/2023" for stocks and states; both when both."""
    parts = []
    if c.months is not None:
        parts.append(f"{c.months[0]}/{c.months[1]} tháng")
    if c.as_of is not None:
        parts.append(f"số liệu tháng {c.as_of.index}/{c.as_of.year}")
    return "; ".join(parts)


def _width(s: str) -> int:
    return sum(0 if unicodedata.combining(ch) else 1 for ch in s)


def _cell(s: str, width: int) -> str:
    s = unicodedata.normalize("NFC", s)
    if _width(s) > width:
        s = s[: width - 1] + "…"
    return s + " " * (width - _width(s))


def format_table(card: Scorecard, catalogue: Catalogue, whole: str = DEFAULTS.organisation.whole) -> str:
    """A scorecard as an aligned table, in Vietnamese (`whole`: the department's name)."""
    lines = [
        f"PHIẾU ĐIỂM CCHC — {who(card, whole)} — {card.period.label_vi}",
        f"Tổng điểm: {points_vi(card.points)} / {points_vi(card.max_points)} điểm áp dụng "
        f"({percent_vi(card.percent / 100 if card.percent is not None else None)})",
        "",
        f"{_cell('Mã', 6)} {_cell('Tiêu chí', 46)} {_cell('Kết quả', 22)} {'Điểm':>6} {'Tối đa':>6}  "
        f"{_cell('Trạng thái', 14)} Số liệu",
    ]
    for d in card.domains:
        lines.append(f"— Lĩnh vực {d.code}: {d.title} — {points_vi(d.points)}/{points_vi(d.max_points)}")
        for c in card.criteria:
            if c.criterion.domain != d.code:
                continue
            # The indicators missing are too long for the column: on their own line, like a gap.
            value = "–" if c.outcome.missing else value_text(c, catalogue)
            lines.append(f"{_cell(c.code, 6)} {_cell(c.criterion.title, 46)} {_cell(value, 22)} "
                         f"{points_vi(c.points) if c.status == 'scored' else '–':>6} "
                         f"{points_vi(c.max_points) if not c.criterion.tracked else '–':>6}  "
                         f"{_cell(STATUS_VI[c.status], 14)} {basis_text(c)}".rstrip())
            if c.outcome.missing:
                for part in textwrap.wrap(value_text(c, catalogue), 100):
                    lines.append(f"{'':6}   ↳ {part}")
            for note in c.notes:
                for part in textwrap.wrap("Ghi chú: " + note, 100):
                    lines.append(f"{'':6}   ↳ {part}")
            if c.gap:
                for part in textwrap.wrap(c.gap.text, 100):
                    lines.append(f"{'':6}   ↳ {part}")
    return "\n".join(lines)


def format_ranking(ranked: Sequence[tuple[int, Scorecard]]) -> str:
    lines = ["XẾP HẠNG ĐƠN VỊ (theo % điểm áp dụng)"]
    for rank, card in ranked:
        pct = percent_vi(card.percent / 100) if card.percent is not None else "–"
        lines.append(f"{rank if rank else '–':>3}. {_cell(who(card), 60)} {points_vi(card.points):>6}/"
                     f"{points_vi(card.max_points):<6} {pct:>7}")
    return "\n".join(lines)


def to_csv(cards: Iterable[Scorecard]) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for card in cards:
        for c in card.criteria:
            d = c.to_dict()
            w.writerow([csv_text(v) for v in (  # no cell a spreadsheet would run as a formula
                card.unit_code or "", str(card.period), c.code, c.criterion.title, c.status,
                d["points"], d["max_points"], "" if d["rate"] is None else d["rate"], c.outcome.detail, d["gap"] or "")])
    return buf.getvalue()


def to_json(card: Scorecard) -> str:
    return json.dumps(card.to_dict(), ensure_ascii=False, indent=1)


def format_catalogue(catalogue: Catalogue) -> str:
    """The criteria tree with maxima per domain and the total."""
    lines = [catalogue.title, ""]
    for d in catalogue.domains:
        lines.append(f"{d.code}. {d.title} — tối đa {points_vi(catalogue.domain_max(d.code))} điểm")
        groups = {g.code: g for g in d.groups}
        shown: set[str] = set()
        for c in catalogue.criteria_of(d.code):
            if c.group and c.group not in shown:
                shown.add(c.group)
                lines.append(f"  {c.group}  {groups[c.group].title}")
            indent = "    " if c.group else "  "
            pts = "theo dõi" if c.tracked else f"{points_vi(c.max_points)} điểm"
            lines.append(f"{indent}{_cell(c.code, 6)} {c.title} [{pts}] — {responsible_text(catalogue, c)}")
        lines.append("")
    lines.append(f"TỔNG ĐIỂM TỐI ĐA: {points_vi(catalogue.total_max)}")
    return "\n".join(lines)


def criterion_notes(d: dict) -> list[str]:
    """The contract v2 fields of a criterion's `to_dict()`, in words: "11/12 tháng"
    (`months`: complete months used / months of the period), "số liệu tháng 3/2023"
    (`as_of`), the units left out of a department value (`left_out`) and the
    scorecard's `notes`.  Absent fields say nothing."""
    out: list[str] = []
    months = d.get("months")
    if isinstance(months, dict):
        months = [months.get("used"), months.get("in_period")]
    if isinstance(months, (list, tuple)) and len(months) == 2 and all(isinstance(m, int) for m in months):
        out.append(f"{months[0]}/{months[1]} tháng")
    as_of = d.get("as_of")
    if as_of:
        try:
            out.append(f"số liệu {parse_month(str(as_of)).label_vi_lower}")
        except CchcError:
            out.append(f"số liệu {as_of}")
    left_out = [str(u) for u in d.get("left_out") or ()]
    if left_out and "chưa tính" not in str(d.get("detail") or ""):
        out.append(f"chưa tính {count_vi(len(left_out))} đơn vị thiếu số liệu: {', '.join(left_out)}")
    notes = d.get("notes") or ()
    out.extend(str(n) for n in ([notes] if isinstance(notes, str) else notes) if str(n).strip())
    return out
