"""Generated Vietnamese commentary on scorecards, as data.

Pure functions of scorecards and the catalogue: they return `Commentary`
(sections of remarks) and never print or format HTML.  A remark quotes the
plan's own words (the criterion's `scoring_text`) where points were lost and
says what it takes to win them back (the rule's `Gap`).  The department's
commentary names the unit kinds the plan makes responsible and proposes
remedies, as the plan asks each review meeting to "đánh giá, đề xuất các
biện pháp khắc phục".
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Sequence

from cchc_lib.core.catalogue import Catalogue, Criterion
from cchc_lib.core.periods import Period, lower_first
from cchc_lib.core.rules import MISSING, NOT_APPLICABLE, SCORED
from cchc_lib.core.scoring import CriterionScore, Scorecard
from cchc_lib.core.settings import DEFAULTS, Settings
from cchc_lib.fmt import acronyms, count_vi, percent_vi, points_vi, sentence_case
from cchc_lib.reports.text import indicator_names, value_text


@dataclass(frozen=True)
class Standing:
    """A unit's place: within its group of unit kinds (the fair comparison:
    a school is not ranked against an office) and among all units."""

    group: str
    rank_in_group: int | None
    ranked_in_group: int
    rank: int | None
    ranked: int


@dataclass(frozen=True)
class Remark:
    """One sentence about one criterion (or the whole scorecard)."""

    text: str
    code: str | None = None
    title: str | None = None
    quote: str | None = None  # the plan's words (scoring_text)
    points: float | None = None  # points lost, or at stake


@dataclass(frozen=True)
class Section:
    key: str  # strengths | losses | remedies | missing | ...
    heading: str
    remarks: tuple[Remark, ...]
    empty: str = ""  # what to say when there is no remark


@dataclass(frozen=True)
class Commentary:
    summary: str
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def to_dict(self) -> dict:
        return {"summary": self.summary,
                "sections": [{"key": s.key, "heading": s.heading, "empty": s.empty,
                              "remarks": [r.__dict__ for r in s.remarks]} for s in self.sections]}


def who(card: Scorecard, settings: Settings = DEFAULTS) -> str:
    return card.unit.name if card.unit else settings.organisation.whole


def _pct(card: Scorecard) -> str:
    return percent_vi(card.percent / 100) if card.percent is not None else "–"


def _quote(c: Criterion) -> str | None:
    lines = [" ".join(line.split()) for line in c.scoring_text.splitlines()]
    return "; ".join(line.rstrip(";.") for line in lines if line) or None


def change_sentence(card: Scorecard, previous: Scorecard | None) -> str:
    """'tăng 0,45 điểm (từ 80,1% lên 82,0%) so với Quý IV/2022', or why there is no comparison."""
    prev_label = card.period.previous().label_vi_lower
    if previous is None or previous.percent is None or card.percent is None:
        return f"chưa có số liệu {prev_label} để so sánh"
    delta = card.points - previous.points
    verb = "giữ nguyên số điểm" if delta == 0 else f"{'tăng' if delta > 0 else 'giảm'} {points_vi(abs(delta))} điểm"
    direction = "lên" if card.percent > previous.percent else "xuống" if card.percent < previous.percent else "vẫn"
    move = f"từ {_pct(previous)} {direction} {_pct(card)}" if direction != "vẫn" else f"vẫn {_pct(card)}"
    return f"{verb} ({move}) so với {prev_label}"


def domain_name(code: str, title: str, keep: set[str] = frozenset()) -> str:
    """'Lĩnh vực 3 — Cải cách thủ tục hành chính (TTHC)': a domain named inside
    a sentence, its upper-case title in sentence case (the acronyms in `keep`
    stay as they are), never nested in brackets."""
    return f"Lĩnh vực {code} — {sentence_case(title, set(keep))}"


def _acronyms(card: Scorecard, catalogue: Catalogue | None) -> set[str]:
    """TTHC, UBND, …: from the catalogue's criteria titles (the card's when none is given)."""
    source = catalogue.criteria if catalogue is not None else [c.criterion for c in card.criteria]
    return acronyms(c.title for c in source)


def strengths(card: Scorecard, catalogue: Catalogue | None = None, settings: Settings = DEFAULTS) -> Section:
    """Criteria at their maximum.  The heaviest are named, except a rate below
    `strength_min_rate` (params/reports.yaml): 21% of dossiers by post earns
    7.5.2's maximum, but it is not what a reader calls a strength."""
    full = [c for c in card.criteria if c.status == SCORED and c.max_points > 0 and c.points == c.max_points]
    scored = [c for c in card.criteria if c.counts_toward_max and c.max_points > 0]
    remarks = []
    if full:
        remarks.append(Remark(f"Đạt điểm tối đa ở {count_vi(len(full))}/{count_vi(len(scored))} tiêu chí được chấm, "
                              f"tổng {points_vi(sum((c.points for c in full), Fraction(0)))} điểm."))
    keep = _acronyms(card, catalogue)
    for d in card.domains:
        if d.max_points and d.points == d.max_points:
            remarks.append(Remark(f"{domain_name(d.code, d.title, keep)}: đạt trọn {points_vi(d.max_points)} điểm."))
    low = settings.reports.strength_min_rate
    named = [c for c in full if c.outcome.rate is None or c.outcome.rate >= Fraction(low).limit_denominator(10**6)]
    heavy = sorted(named, key=lambda c: (-c.max_points, c.code))[:settings.reports.lists.strengths]
    for c in heavy:
        remarks.append(Remark(f"{c.code} {c.criterion.title}: {value_text(c, catalogue)}, đạt {points_vi(c.points)} điểm.",
                              c.code, c.criterion.title, points=float(c.points)))
    return Section("strengths", "Điểm mạnh", tuple(remarks), "Chưa có tiêu chí nào đạt điểm tối đa.")


def lost_criteria(card: Scorecard) -> list[CriterionScore]:
    """Scored criteria below their maximum, largest loss first."""
    return sorted((c for c in card.criteria if c.status == SCORED and c.lost > 0),
                  key=lambda c: (-c.lost, c.code))


def losses(card: Scorecard) -> Section:
    remarks = []
    for c in lost_criteria(card):
        text = (f"{c.code} {c.criterion.title}: mất {points_vi(c.lost)}/{points_vi(c.max_points)} điểm; "
                f"kết quả: {value_text(c)}.")
        remarks.append(Remark(text, c.code, c.criterion.title, _quote(c.criterion), float(c.lost)))
    return Section("losses", "Điểm bị mất và lý do", tuple(remarks), "Không mất điểm ở tiêu chí nào đã chấm.")


def remedies(card: Scorecard) -> Section:
    remarks = []
    for c in lost_criteria(card):
        how = c.gap.text if c.gap else "rà soát, thực hiện đầy đủ yêu cầu của tiêu chí theo Kế hoạch"
        remarks.append(Remark(f"{c.code}: {how[0].upper() + how[1:]}; có thể lấy lại tới {points_vi(c.lost)} điểm.",
                              c.code, c.criterion.title, points=float(c.lost)))
    return Section("remedies", "Cần làm để lấy lại điểm", tuple(remarks), "Không có điểm cần lấy lại.")


def _labels(catalogue: Catalogue, indicators: Iterable[str]) -> str:
    return indicator_names(indicators, catalogue)


def missing(card: Scorecard, catalogue: Catalogue) -> Section:
    remarks = []
    for c in card.by_status(MISSING):
        remarks.append(Remark(f"{c.code} {c.criterion.title}: thiếu số liệu ({_labels(catalogue, c.outcome.missing)}); "
                              f"{points_vi(c.max_points)} điểm chưa được chấm.",
                              c.code, c.criterion.title, points=float(c.max_points)))
    return Section("missing", "Tiêu chí thiếu số liệu", tuple(remarks), "Đủ số liệu cho mọi tiêu chí.")


def unit_summary(card: Scorecard, rank: int | None, ranked: int, previous: Scorecard | None,
                 standing: Standing | None = None) -> str:
    parts = [f"{who(card)} đạt {points_vi(card.points)}/{points_vi(card.max_points)} điểm áp dụng ({_pct(card)}) "
             f"trong {card.period.label_vi_lower}"]
    if standing is not None and standing.rank_in_group:
        place = (f"xếp thứ {count_vi(standing.rank_in_group)}/{count_vi(standing.ranked_in_group)} "
                 f"trong nhóm {lower_first(standing.group)}")
        if standing.rank and standing.ranked > standing.ranked_in_group:
            place += f" (thứ {count_vi(standing.rank)}/{count_vi(standing.ranked)} trong mọi đơn vị)"
        parts.append(place)
    elif rank:
        parts.append(f"xếp thứ {count_vi(rank)}/{count_vi(ranked)} đơn vị")
    parts.append(change_sentence(card, previous))
    lost = lost_criteria(card)
    total_lost = sum((c.lost for c in lost), Fraction(0))
    text = ", ".join(parts) + "."
    if lost:
        text += (f" Mất {points_vi(total_lost)} điểm ở {count_vi(len(lost))} tiêu chí, nhiều nhất ở "
                 f"{lost[0].code} ({points_vi(lost[0].lost)} điểm).")
    n_missing = len(card.by_status(MISSING))
    if n_missing:
        text += f" Còn {count_vi(n_missing)} tiêu chí thiếu số liệu."
    return text


def unit_commentary(card: Scorecard, catalogue: Catalogue, rank: int | None = None, ranked: int = 0,
                    previous: Scorecard | None = None, *, standing: Standing | None = None,
                    settings: Settings = DEFAULTS) -> Commentary:
    """Strengths, points lost and why, what wins them back, missing data."""
    return Commentary(unit_summary(card, rank, ranked, previous, standing),
                      (strengths(card, catalogue, settings), losses(card), remedies(card), missing(card, catalogue)))


def no_data_commentary(name: str, period: Period, blank: bool = False) -> Commentary:
    """A unit that sent no figure for the period (`blank`: only forms with no
    figure in them): one plain sentence, nothing to praise or regret."""
    months = ", ".join(str(m.index) for m in period.months)
    ask = (f"số liệu tháng {months}/{period.year}" if period.length > 1 else f"số liệu {period.label_vi_lower}")
    if blank:
        return Commentary(f"{name} nộp biểu trống (biểu không có số liệu nào) cho {period.label_vi_lower}, nên chưa "
                          f"được chấm điểm và xếp hạng. Đề nghị đơn vị gửi lại biểu có {ask} để được chấm điểm.", ())
    return Commentary(f"{name} chưa gửi số liệu của {period.label_vi_lower}, nên chưa được chấm điểm và xếp hạng. "
                      f"Đề nghị đơn vị gửi {ask} để được chấm điểm.", ())


# --- department -------------------------------------------------------------

#: First words of a unit kind's label that make it a common noun ("Các phòng Sở",
#: "Đơn vị trực thuộc"), lowered mid-sentence; a name ("Văn phòng Sở") keeps its capital.
_COMMON = ("Các ", "Những ", "Đơn vị ")


def responsible_kinds(catalogue: Catalogue, criterion: Criterion) -> str:
    """'Văn phòng Sở, các phòng Sở, đơn vị trực thuộc': the kinds the plan makes responsible, mid-sentence."""
    labels = [catalogue.unit_kinds.get(k, k) for k in criterion.responsible]
    return ", ".join(lower_first(x) if x.startswith(_COMMON) else x for x in labels)


def units_losing(code: str, cards: Sequence[Scorecard]) -> list[tuple[Scorecard, CriterionScore]]:
    """Units that lost points (or lack data) on one criterion, worst first."""
    out = []
    for card in cards:
        c = next((x for x in card.criteria if x.code == code), None)
        if c is not None and c.counts_toward_max and c.lost > 0:
            out.append((card, c))
    return sorted(out, key=lambda t: (-t[1].lost, t[1].status != MISSING, t[0].unit_code or ""))


def _unit_list(pairs: Sequence[tuple[Scorecard, CriterionScore]], top: int) -> str:
    shown = [f"{card.unit.name} ({'thiếu số liệu' if c.status == MISSING else '−' + points_vi(c.lost)})"
             for card, c in pairs[:top] if card.unit]
    more = len(pairs) - top
    return "; ".join(shown) + (f" và {count_vi(more)} đơn vị khác" if more > 0 else "")


def department_losses(dept: Scorecard, cards: Sequence[Scorecard], catalogue: Catalogue,
                      settings: Settings = DEFAULTS) -> Section:
    lists, whole = settings.reports.lists, settings.organisation.whole
    remarks = []
    for c in lost_criteria(dept)[:lists.losses]:
        text = (f"{c.code} {c.criterion.title}: mất {points_vi(c.lost)}/{points_vi(c.max_points)} điểm; "
                f"kết quả {whole}: {value_text(c, catalogue)}. Đơn vị chịu trách nhiệm theo Kế hoạch: "
                f"{responsible_kinds(catalogue, c.criterion)}.")
        losing = units_losing(c.code, cards)
        if losing:
            text += f" Đơn vị chưa đạt: {_unit_list(losing, lists.units_per_criterion)}."
        remarks.append(Remark(text, c.code, c.criterion.title, _quote(c.criterion), float(c.lost)))
    return Section("losses", "Những tiêu chí mất nhiều điểm nhất", tuple(remarks),
                   f"{whole} không mất điểm ở tiêu chí nào đã chấm.")


def department_remedies(dept: Scorecard, cards: Sequence[Scorecard], catalogue: Catalogue,
                        settings: Settings = DEFAULTS, not_sent: Sequence[str] = ()) -> Section:
    lists = settings.reports.lists
    remarks = []
    for c in lost_criteria(dept)[:lists.losses]:
        how = c.gap.text if c.gap else "rà soát, thực hiện đầy đủ yêu cầu của tiêu chí"
        losing = [card.unit.name for card, _ in units_losing(c.code, cards) if card.unit][:lists.units_per_criterion]
        text = f"{c.code}: {how[0].upper() + how[1:]}. Giao: {responsible_kinds(catalogue, c.criterion)}"
        if losing:
            text += f"; tập trung đôn đốc: {', '.join(losing)}"
        remarks.append(Remark(text + f". Có thể lấy lại tới {points_vi(c.lost)} điểm.", c.code,
                              c.criterion.title, points=float(c.lost)))
    if not_sent:
        remarks.append(Remark(f"Đôn đốc {count_vi(len(not_sent))} đơn vị chưa gửi số liệu của "
                              f"{dept.period.label_vi_lower} gửi ngay: {_names(not_sent, lists.units_missing)}."))
    missing_units = [card for card in cards if card.by_status(MISSING)]
    if missing_units:
        top = lists.units_missing
        names = ", ".join(card.unit.name for card in missing_units[:top] if card.unit)
        more = len(missing_units) - top
        remarks.append(Remark(f"Đôn đốc {count_vi(len(missing_units))} đơn vị nộp đủ số liệu trước khi tổng hợp: "
                              f"{names}" + (f" và {count_vi(more)} đơn vị khác" if more > 0 else "") + "."))
    return Section("remedies", "Đề xuất các biện pháp khắc phục", tuple(remarks),
                   "Duy trì kết quả; không có tiêu chí cần khắc phục.")


def department_missing(dept: Scorecard, cards: Sequence[Scorecard], catalogue: Catalogue,
                       settings: Settings = DEFAULTS, not_sent: Sequence[str] = ()) -> Section:
    """Criteria the department lacks, the units that sent nothing, then each
    unit's criteria without figures (the first few units by name)."""
    whole = settings.organisation.whole
    remarks = [Remark(f"{c.code} {c.criterion.title}: {whole} thiếu số liệu ({_labels(catalogue, c.outcome.missing)}).",
                      c.code, c.criterion.title, points=float(c.max_points)) for c in dept.by_status(MISSING)]
    if not_sent:
        remarks.append(Remark(f"Chưa gửi số liệu của {dept.period.label_vi_lower} ({count_vi(len(not_sent))} đơn vị, "
                              f"chưa được chấm điểm và xếp hạng): {_names(not_sent, settings.reports.lists.units_missing)}."))
    gaps = [(card, card.by_status(MISSING)) for card in cards if card.unit and card.by_status(MISSING)]
    top = 3 * settings.reports.lists.units_missing
    for card, missing_here in gaps[:top]:
        remarks.append(Remark(f"{card.unit.name}: thiếu số liệu {count_vi(len(missing_here))} tiêu chí "
                              f"({', '.join(c.code for c in missing_here)}).", None, card.unit.name))
    if len(gaps) > top:
        remarks.append(Remark(f"Và {count_vi(len(gaps) - top)} đơn vị khác thiếu số liệu (xem báo cáo từng đơn vị)."))
    return Section("missing", "Số liệu còn thiếu", tuple(remarks), "Mọi đơn vị đã có đủ số liệu.")


def _names(names: Sequence[str], top: int) -> str:
    more = len(names) - top
    return ", ".join(names[:top]) + (f" và {count_vi(more)} đơn vị khác" if more > 0 else "")


def department_summary(dept: Scorecard, previous: Scorecard | None, cards: Sequence[Scorecard],
                       settings: Settings = DEFAULTS) -> str:
    domains = "; ".join(f"lĩnh vực {d.code}: {points_vi(d.points)}/{points_vi(d.max_points)}" for d in dept.domains)
    text = (f"{settings.organisation.whole} đạt {points_vi(dept.points)}/{points_vi(dept.max_points)} điểm áp dụng ({_pct(dept)}) "
            f"trong {dept.period.label_vi_lower} ({domains}), {change_sentence(dept, previous)}.")
    lost = lost_criteria(dept)
    if lost:
        text += (f" Mất {points_vi(sum((c.lost for c in lost), Fraction(0)))} điểm ở {count_vi(len(lost))} "
                 f"tiêu chí; {count_vi(len(cards))} đơn vị được chấm.")
    return text


def department_commentary(dept: Scorecard, cards: Sequence[Scorecard], catalogue: Catalogue,
                          previous: Scorecard | None = None, *, settings: Settings = DEFAULTS,
                          not_sent: Sequence[str] = ()) -> Commentary:
    """Largest losses with the responsible unit kinds, remedies, missing data
    (`not_sent`: names of the units that sent nothing for the period)."""
    return Commentary(department_summary(dept, previous, cards, settings),
                      (strengths(dept, catalogue, settings), department_losses(dept, cards, catalogue, settings),
                       department_remedies(dept, cards, catalogue, settings, not_sent),
                       department_missing(dept, cards, catalogue, settings, not_sent)))


def department_vs_units(dept: Scorecard, cards: Sequence[Scorecard], catalogue: Catalogue,
                        settings: Settings = DEFAULTS, examples: int = 3) -> dict:
    """Why the department's percentage is not the average of its units' (and
    can be below most of them): each criterion is scored once, on the units'
    figures added up, over every criterion of the plan.  `examples`: the
    criteria where most units concerned reached the maximum and the
    department did not, largest loss first."""
    whole = settings.organisation.whole
    rated = [c for c in cards if c.percent is not None]
    above = sum(1 for c in rated if dept.percent is not None and c.percent > dept.percent + 1e-9)
    text = (f"Tỷ lệ của {whole} ({_pct(dept)}) không phải trung bình tỷ lệ của các đơn vị. Mỗi tiêu chí được chấm "
            f"một lần trên số liệu cộng dồn của mọi đơn vị (hồ sơ cộng lại rồi mới tính tỷ lệ; tiêu chí Có/Không chỉ "
            f"đạt khi mọi đơn vị liên quan đều đạt), và {whole} được chấm trên mọi tiêu chí của Kế hoạch "
            f"(tối đa {points_vi(dept.max_points)} điểm áp dụng), còn mỗi đơn vị chỉ trên các tiêu chí của mình.")
    if rated:
        text += f" Trong kỳ này {count_vi(above)}/{count_vi(len(rated))} đơn vị có tỷ lệ cao hơn {whole}."
    found = []
    for c in lost_criteria(dept):
        concerned = [x for card in cards for x in card.criteria if x.code == c.code and x.counts_toward_max]
        full = sum(1 for x in concerned if x.lost == 0)
        if concerned and full * 2 > len(concerned):
            found.append(Remark(f"{c.code} {c.criterion.title}: {count_vi(full)}/{count_vi(len(concerned))} đơn vị "
                                f"đạt tối đa, nhưng kết quả tính chung là {value_text(c, catalogue)}, nên {whole} "
                                f"mất {points_vi(c.lost)} điểm.", c.code, c.criterion.title, points=float(c.lost)))
    return {"text": text, "above": above, "rated": len(rated), "examples": found[:examples]}


__all__ = ["Remark", "Section", "Commentary", "Standing", "unit_commentary", "department_commentary",
           "no_data_commentary", "department_vs_units", "lost_criteria", "units_losing", "change_sentence",
           "NOT_APPLICABLE"]
