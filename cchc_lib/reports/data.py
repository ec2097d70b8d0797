"""Everything a report shows, as plain data.

`unit_report` and `department_report` compute the headline, the criteria
table, the monthly trends, the rankings (within each group of unit kinds,
then over all units), the heatmap, the commentary, where the numbers come
from, and the published figures (`figures`: the numbers tests and the index
read, in the versioned shape of `reports.figures`).  The notebooks only lay
these out (`views`), so a report's numbers are always the scoring core's.
What a department changes by file (names, trend criteria, colour bands,
groups, list lengths) comes from `params/` through `core.settings`.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from cchc_lib import project
from cchc_lib.core.catalogue import Catalogue, load_catalogue
from cchc_lib.core.dataset import Dataset
from cchc_lib.core.deadlines import Cutoff, load_cutoff
from cchc_lib.core.periods import Period, parse_period
from cchc_lib.core.rules import MISSING, NOT_APPLICABLE, SCORED, STATUS_VI, TRACKED, to_fraction
from cchc_lib.core.scoring import CriterionScore, Scorecard, ranking, score_department, score_unit
from cchc_lib.core.settings import (Settings, check as check_settings, group_of, groups_in_order, load_settings,
                                    settings_dir as _settings_dir)
from cchc_lib.core.units import Registry, Unit, load_registry
from cchc_lib.errors import PeriodError, UsageError
from cchc_lib.fmt import acronyms, count_vi, percent_vi, points_vi, sentence_case
from cchc_lib.intake.sources import DB_SUFFIXES, open_dataset
from cchc_lib.reports import figures as published
from cchc_lib.reports.commentary import (Commentary, Standing, department_commentary, department_vs_units,
                                         no_data_commentary, unit_commentary)
from cchc_lib.reports.text import value_text
from cchc_lib.core.projection import project as project_year
from cchc_lib.intake.official import OFFICIAL_FILE
from cchc_lib.intake.tasks import TASKS_FILE
from cchc_lib.reports import year as _year
from cchc_lib.store.status import EMPTY, reporting_status as store_status

NO_STATUS = "không có dữ liệu về tình hình nộp số liệu (số liệu không lấy từ cơ sở dữ liệu của Văn phòng)"
NO_DATA = "chưa gửi số liệu"
#: A unit whose only forms for the period had no figure at all.
BLANK_FORM = "nộp biểu trống"


@dataclass
class Context:
    """What every report of a batch reads: data, catalogue, registry, settings."""

    data_path: Path
    catalogue: Catalogue
    registry: Registry
    dataset: Dataset
    settings: Settings = field(default_factory=Settings)
    cutoff: Cutoff = Cutoff()  # the reporting cut-off (params/reporting.yaml): the dates a period covers
    #: The unit registry's folder: the task register and official results sit beside it
    #: (params/ for the department, demo/ for the demo).
    registry_dir: Path | None = None

    @property
    def whole(self) -> str:
        """How the department as one body is named (params/organisation.yaml)."""
        return self.settings.organisation.whole


def default_data(root: Path | None = None) -> Path:
    """The department's database (`data/cchc.sqlite`).  Never the demo's
    sample: invented figures must not pass for a department's."""
    return project.db_path(root or project.project_root())


def settings_dir(units: str | Path | None = "") -> Path:
    """The `params/` folder whose settings go with this unit registry
    (`core.settings.settings_dir`)."""
    return _settings_dir(units or None)


def open_context(data: str | Path | None = "", catalogue: str | Path | None = "",
                 units: str | Path | None = "") -> Context:
    """Open the data (default: `default_data()`), catalogue, registry and
    the settings beside the registry (`params/organisation.yaml`,
    `params/reports.yaml`)."""
    cat = load_catalogue(catalogue or None)
    reg_path = Path(units) if units else project.units_path()
    params = settings_dir(units)
    settings = load_settings(params)
    path = Path(data) if data else default_data()
    if not data and not path.is_file():
        raise UsageError(f"chưa có cơ sở dữ liệu {path}: tạo bằng cchc init, nạp biểu mẫu bằng cchc ingest "
                         f"(số liệu mẫu của make demo: data = \"data/sample.sqlite\", units = \"demo/units.yaml\")")
    key = (_file_key(path), _file_key(reg_path), cat.path, id(cat), id(settings))
    if key not in _OPENED:
        # A warm kernel renders many reports from the same data: read it once.
        # The key changes whenever a file (or a database's WAL) does.
        _OPENED.clear()
        _RANKINGS.clear()
        check_settings(settings, (c.code for c in cat.criteria), cat.unit_kinds)
        reg = load_registry(reg_path, cat.unit_kinds)
        _OPENED[key] = (reg, open_dataset(path, cat, reg))
    reg, dataset = _OPENED[key]
    return Context(path, cat, reg, dataset, settings, load_cutoff(params.parent), reg_path.resolve().parent)


_OPENED: dict[tuple, tuple[Registry, Dataset]] = {}


def _file_key(path: Path) -> tuple:
    """What changes when the file's content may have: its stat, and a
    database's write-ahead log when it holds pages.  An empty log says
    nothing: SQLite creates one for every reader and removes it when the last
    one closes, so with two kernels reading at once its mere presence would
    flip the key at every report."""
    out: list = [str(path.resolve())]
    for p in (path, Path(f"{path}-wal")):
        try:
            st = p.stat()
        except OSError:
            st = None
        out.append((st.st_mtime_ns, st.st_size, st.st_ino) if st is not None and st.st_size else None)
    return tuple(out)


# --- small helpers ----------------------------------------------------------------

def _series(ds: Dataset, unit: str | None):
    """The month → value maps of one unit (or of every unit)."""
    if unit is None:
        return ds.values.values()
    return (ds.values[(unit, i)] for i in ds.reported(unit))


def has_data(ds: Dataset, unit: str | None, period: Period) -> bool:
    months = set(period.months)
    return any(months.intersection(by) for by in _series(ds, unit))


def last_month(ds: Dataset, unit: str | None, period: Period) -> Period | None:
    months = set(period.months)
    found = [m for by in _series(ds, unit) for m in by if m in months]
    return max(found) if found else None


def status_class(c: CriterionScore) -> str:
    """full | partial | zero | missing | na | tracked: the row's colour."""
    if c.status == MISSING:
        return "missing"
    if c.status == NOT_APPLICABLE:
        return "na"
    if c.status == TRACKED:
        return "tracked"
    if c.points >= c.max_points:
        return "full"
    return "partial" if c.points > 0 else "zero"


def thresholds(c: CriterionScore | Any) -> list[float]:
    """The rate thresholds of a ratio criterion's bands (0.95; 0.4 and 0.8)."""
    crit = getattr(c, "criterion", c)
    out = []
    for band in crit.params.get("bands") or []:
        for key in ("gte", "gt"):
            if key in band:
                out.append(float(to_fraction(band[key])))
    return sorted(out)


_LEFT_OUT_NOTE = re.compile(r"\s*\(chưa tính (\d+) đơn vị thiếu số liệu: ([^)]*)\)")


def _names(registry: Registry | None, codes: Sequence[str]) -> list[str]:
    return [registry.get(c).name if registry is not None and c in registry else c for c in codes]


def _month_label(text: Any) -> str:
    try:
        return parse_period(str(text)).label_vi_lower
    except PeriodError:
        return str(text)


def criterion_row(c: CriterionScore, catalogue: Catalogue | None = None,
                  registry: Registry | None = None) -> dict[str, Any]:
    """One line of the criteria table, as text.  The contract v2 fields of
    `CriterionScore.to_dict()` are shown when present: the months a flow
    criterion was scored on ("11/12 tháng"), the as-of month ("số liệu tháng
    3/2023"), the units the department left out (by name) and the notes."""
    d = c.to_dict()
    value = value_text(c, catalogue)
    left_out = list(d.get("left_out") or [])
    m = _LEFT_OUT_NOTE.search(value)
    if m:  # the scoring core names left-out units by code inside the detail: name them instead
        value = value[:m.start()] + value[m.end():]
        left_out = left_out or [x.strip() for x in m.group(2).split(",") if x.strip()]
    months = d.get("months")
    sub = []
    if isinstance(months, (list, tuple)) and len(months) == 2:
        sub.append(f"{months[0]}/{months[1]} tháng")
    if d.get("as_of"):
        sub.append(f"số liệu {_month_label(d['as_of'])}")
    notes = [str(n) for n in d.get("notes") or []]
    if left_out:
        notes.insert(0, f"Chưa tính {count_vi(len(left_out))} đơn vị thiếu số liệu: "
                        f"{', '.join(_names(registry, left_out))}.")
    return {
        "code": c.code,
        "title": c.criterion.title,
        "domain": c.criterion.domain,
        "value": value,
        "value_sub": " · ".join(sub),
        "notes": notes,
        "points": points_vi(c.points) if c.status == SCORED else "–",
        "max_points": points_vi(c.max_points) if not c.criterion.tracked else "–",
        "status": c.status,
        "status_label": STATUS_VI[c.status],
        "css": status_class(c),
        "gap": c.gap.text if c.gap else ("cần nhập số liệu" if c.status == MISSING else ""),
    }


def domain_rows(card: Scorecard, catalogue: Catalogue | None = None) -> list[dict[str, Any]]:
    keep = acronyms(c.title for c in catalogue.criteria) if catalogue else set()
    return [{"code": d.code, "title": d.title, "short_title": sentence_case(d.title, keep), "points": float(d.points),
             "max_points": float(d.max_points), "percent": d.percent} for d in card.domains]


def card_figures(card: Scorecard) -> dict[str, Any]:
    """The contract's numbers of one scorecard (same as `cchc score --format json`)."""
    return {
        "unit": card.unit_code,
        "period": str(card.period),
        "points": float(card.points),
        "max_points": float(card.max_points),
        "percent": card.percent,
        "domains": [{"code": d.code, "points": float(d.points), "max_points": float(d.max_points)}
                    for d in card.domains],
        "criteria": [{"code": c.code, "points": float(c.points), "max_points": float(c.max_points),
                      "status": c.status, "rate": float(c.outcome.rate) if c.outcome.rate is not None else None}
                     for c in card.criteria],
    }


def change_words(delta: Any) -> str:
    """'+0,45 điểm', '−1,20 điểm', or 'giữ nguyên' (never '±0,00')."""
    if delta == 0:
        return "giữ nguyên"
    return f"{'+' if delta > 0 else '−'}{points_vi(abs(delta))} điểm"


def headline(card: Scorecard, standing: Standing | None, previous: Scorecard | None,
             sent: bool = True, ranked: int = 0, no_data: str = NO_DATA) -> dict[str, Any]:
    """Points/max, percent, place, change from the previous period: text and
    numbers.  A unit's place is its rank in its group of unit kinds (the fair
    comparison), with the rank over all units beside it.  A unit that sent
    nothing for the period is "chưa gửi số liệu" (or `no_data`: "nộp biểu
    trống"), not 0%."""
    prev_period = card.period.previous()
    base: dict[str, Any] = {
        "points": float(card.points), "max_points": float(card.max_points), "percent": card.percent,
        "max_text": points_vi(card.max_points), "rank": None, "ranked": ranked, "rank_text": "–",
        "group": standing.group if standing else None, "rank_in_group": None,
        "ranked_in_group": standing.ranked_in_group if standing else 0,
        "overall_text": "", "previous_period": str(prev_period), "previous_label": prev_period.label_vi,
        "previous_points": None, "previous_percent": None, "change": None, "no_data": not sent,
    }
    if standing is not None:
        base["ranked"] = standing.ranked
    if not sent:
        return {**base, "points_text": "–", "percent_text": no_data, "change_text": no_data}
    h = {**base, "points_text": points_vi(card.points),
         "percent_text": percent_vi(card.percent / 100) if card.percent is not None else "–",
         "change_text": f"chưa có số liệu {prev_period.label_vi_lower}"}
    if standing is not None and standing.rank_in_group:
        h.update(rank=standing.rank, rank_in_group=standing.rank_in_group,
                 rank_text=f"{standing.rank_in_group}/{standing.ranked_in_group}",
                 overall_text=f"hạng chung {standing.rank}/{standing.ranked}")
    if previous is not None and previous.percent is not None:
        delta = card.points - previous.points
        h.update(previous_points=float(previous.points), previous_percent=previous.percent, change=float(delta),
                 change_text=f"{change_words(delta)} so với {prev_period.label_vi_lower} "
                             f"({percent_vi(previous.percent / 100)})")
    return h


def trend_months(period: Period) -> list[Period]:
    """From January of the period's year to the period's last month."""
    last = period.months[-1].index
    return [Period.month(period.year, m) for m in range(1, last + 1)]


def months_read(period: Period) -> frozenset[Period]:
    """Every month a report of this period reads: the trend months and the
    previous period (for the change).  Its fingerprint covers these only."""
    return frozenset(trend_months(period)) | frozenset(period.previous().months) | frozenset(period.months)


#: Rules whose points follow a monthly rate, so that the rate's trend explains the points lost.
TREND_RULES = ("ratio_bands", "weighted_ratio_sum")


def trend_codes(card: Scorecard, count: int = 3) -> tuple[str, ...]:
    """The rate criteria of `card` that lose the most points, most first (ties
    in catalogue order); none when no rate criterion lost a point."""
    losing = [(-c.lost, i, c.code) for i, c in enumerate(card.criteria)
              if c.status == SCORED and c.outcome.rate is not None and c.lost > 0
              and c.criterion.rule_name in TREND_RULES]
    return tuple(code for _, _, code in sorted(losing)[:count])


def trend_choice(ctx: Context, card: Scorecard) -> tuple[str, ...]:
    """The criteria a report follows month by month: those `trend_criteria`
    names in params/reports.yaml, or by default (issue 13) the rate criteria
    that lose the most points in the report's period (`trend_count` of them)."""
    return ctx.settings.reports.trend_criteria or trend_codes(card, ctx.settings.reports.trend_count)


def trends(ctx: Context, unit: Unit | None, period: Period, codes: Sequence[str] | None = None) -> list[dict]:
    """Monthly rates of these criteria (default: `trend_choice` for the
    period's scorecard), with their thresholds."""
    if codes is None:
        card = score_unit(ctx.dataset, ctx.catalogue, unit, period) if unit else \
            score_department(ctx.dataset, ctx.catalogue, period, ctx.registry)
        codes = trend_choice(ctx, card)
    months = trend_months(period)
    cards = [score_unit(ctx.dataset, ctx.catalogue, unit, m) if unit else
             score_department(ctx.dataset, ctx.catalogue, m, ctx.registry) for m in months]
    in_period = set(period.months)
    out = []
    for code in codes:
        try:
            crit = ctx.catalogue.criterion(code)
        except KeyError:
            continue
        per_month = [next((c for c in card.criteria if c.code == code), None) for card in cards]
        if all(c is None for c in per_month):
            continue  # not this unit's criterion
        rates = [float(c.outcome.rate) if c is not None and c.outcome.rate is not None and c.status != MISSING
                 else None for c in per_month]
        out.append({"code": code, "title": crit.title, "months": [f"T{m.index}" for m in months],
                    "periods": [str(m) for m in months], "rates": rates, "thresholds": thresholds(crit),
                    "highlight": [i for i, m in enumerate(months) if m in in_period]})
    return out


# --- rankings ----------------------------------------------------------------------

@dataclass(frozen=True)
class Rankings:
    """Every unit with data in the period, ranked over all units and within
    its group of unit kinds (ties share a rank)."""

    overall: list[tuple[int, Scorecard]]
    groups: list[tuple[str, list[tuple[int, Scorecard]]]]  # group name → ranked cards
    standing: dict[str, Standing]

    @property
    def ranked(self) -> int:
        return sum(1 for r, _ in self.overall if r)


def rank_units(ctx: Context, period: Period) -> list[tuple[int, Scorecard]]:
    """Every registry unit with data in the period, ranked (ties share a rank)."""
    return rankings(ctx, period).overall


def rankings(ctx: Context, period: Period) -> Rankings:
    """Kept for the next report of the same batch (a warm kernel renders many)."""
    key = (id(ctx.dataset), len(ctx.dataset), id(ctx.catalogue), tuple(ctx.registry.units), period, id(ctx.settings))
    if key not in _RANKINGS:
        cards = [score_unit(ctx.dataset, ctx.catalogue, u, period) for u in ctx.registry
                 if has_data(ctx.dataset, u.code, period)]
        overall = ranking(cards)
        kinds = ctx.catalogue.unit_kinds
        order = groups_in_order(ctx.settings, [u.kind for u in ctx.registry], kinds)
        by_group: dict[str, list[Scorecard]] = {g.name: [] for g in order}
        for c in cards:
            by_group[group_of(ctx.settings, c.unit.kind, kinds).name].append(c)
        groups = [(name, ranking(members)) for name, members in by_group.items()]
        n = sum(1 for r, _ in overall if r)
        rank_of = {c.unit_code: r for r, c in overall}
        standing = {}
        for name, ranked in groups:
            n_group = sum(1 for r, _ in ranked if r)
            for r, c in ranked:
                standing[c.unit_code] = Standing(name, r or None, n_group, rank_of[c.unit_code] or None, n)
        if len(_RANKINGS) > 32:
            _RANKINGS.clear()
        _RANKINGS[key] = Rankings(overall, groups, standing)
    return _RANKINGS[key]


_RANKINGS: dict[tuple, Rankings] = {}


def prime(data: str | Path | None = "", catalogue: str | Path | None = "", units: str | Path | None = "",
          period: str | Period | None = None) -> None:
    """Read the data, catalogue, registry and settings, and rank the units of
    `period`, into this process's caches: a warm kernel does it while it
    starts, so that its first report does not."""
    ctx = open_context(data, catalogue, units)
    if period:
        rankings(ctx, period if isinstance(period, Period) else parse_period(period))


def group_name(ctx: Context, unit: Unit) -> str:
    return group_of(ctx.settings, unit.kind, ctx.catalogue.unit_kinds).name


def provenance(ctx: Context, unit: str | None, period: Period) -> dict[str, Any]:
    """Where the numbers come from.  `through_words`, `source_words`, `dates`
    are what a reader outside the office understands (no file names, no
    codes); `source` (the data file's name) and `through` ("Tháng 9/2023")
    are for the Word report and tools."""
    last = last_month(ctx.dataset, unit, period)
    office = ctx.catalogue.unit_kinds.get("van_phong", "Văn phòng")
    from_db = ctx.data_path.suffix.lower() in DB_SUFFIXES
    words = (f"biểu mẫu số liệu hằng tháng các đơn vị gửi {office}, đã được kiểm tra và lưu lại"
             if from_db else f"bảng số liệu hằng tháng của các đơn vị do {office} tổng hợp")
    return {"source": ctx.data_path.name, "through": last.label_vi if last else "",
            "source_words": words, "through_words": last.label_vi_lower if last else "",
            "dates": ctx.cutoff.label(period), "period": period.label_vi_lower, "catalogue": ctx.catalogue.title,
            "made": _dt.date.today().strftime("%d/%m/%Y"), "organisation": ctx.settings.organisation.name}


def blank_months(ctx: Context, unit: str, period: Period) -> list[Period]:
    """The months of the period for which the unit sent only forms with no
    figure at all ("nộp biểu trống"), from the database's submissions."""
    if ctx.data_path.suffix.lower() not in DB_SUFFIXES:
        return []
    key = (_file_key(ctx.data_path), tuple(ctx.registry.codes), period)
    if key not in _BLANKS:
        if len(_BLANKS) > 32:
            _BLANKS.clear()
        report = store_status(ctx.data_path, ctx.registry, period, ctx.catalogue)
        _BLANKS[key] = frozenset((r.unit, r.month) for r in report.rows if r.state == EMPTY)
    return sorted(m for u, m in _BLANKS[key] if u == unit)


_BLANKS: dict[tuple, frozenset] = {}


# --- the two reports -----------------------------------------------------------------

@dataclass
class _Report:
    """What both reports show; `figures` are the numbers they publish."""

    period: Period
    card: Scorecard
    previous: Scorecard | None
    headline: dict[str, Any]
    domains: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    trends: list[dict[str, Any]]
    commentary: Commentary
    analyst: str
    note: dict[str, Any]
    settings: Settings

    @property
    def data_dates(self) -> str:
        """The dates the period's figures cover ("số liệu từ 15/06/2023 đến 14/09/2023", the cut-off setting)."""
        return self.note.get("dates", "")
    # Through the year (reports.year): the tasks, the projection, the city's results, the three answers.
    tasks: dict[str, Any] = field(default_factory=dict)
    projection: dict[str, Any] | None = None
    official: dict[str, Any] = field(default_factory=dict)
    answers: _year.Answers | None = None


@dataclass
class UnitReport(_Report):
    unit: Unit = None  # type: ignore[assignment]  (always given)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"Báo cáo chỉ số CCHC — {self.unit.name} — {self.period.label_vi}"

    @property
    def who(self) -> str:
        return self.unit.name


@dataclass
class DepartmentReport(_Report):
    ranking: list[dict[str, Any]] = field(default_factory=list)  # every ranked unit, overall order
    groups: list[dict[str, Any]] = field(default_factory=list)  # per group of unit kinds: rows, units not sent
    bands: list[dict[str, Any]] = field(default_factory=list)  # the colour bands, with their labels
    explain: dict[str, Any] = field(default_factory=dict)  # why the department's percent differs from its units'
    cards: list[Scorecard] = field(default_factory=list)  # the units' scorecards (ranked order)
    heatmap: dict[str, Any] = field(default_factory=dict)
    status: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"Báo cáo chỉ số CCHC — {self.settings.organisation.whole} — {self.period.label_vi}"

    @property
    def who(self) -> str:
        return self.settings.organisation.whole


def year_paths(ctx: Context, tasks: str | Path | None = "", official: str | Path | None = "") -> tuple[Path, Path]:
    """The task register and the official results: given, or beside the unit
    registry (`params/tasks.yaml`, `params/official.yaml` for the department;
    `demo/…` for the demo, whose invented figures never mix with the department's)."""
    folder = ctx.registry_dir if ctx.registry_dir is not None else project.units_path().parent
    return (Path(tasks) if tasks else folder / TASKS_FILE), (Path(official) if official else folder / OFFICIAL_FILE)


def add_year(rep: "_Report", ctx: Context, unit: Unit | None, tasks: str | Path | None = "",
             official: str | Path | None = "", day: _dt.date | None = None) -> None:
    """The tasks, the year-end projection and the official results of the
    report's year; every criterion that lost points gets its open tasks."""
    tasks_file, official_file = year_paths(ctx, tasks, official)
    register = _year.read_register(tasks_file, ctx.catalogue, ctx.registry)
    off = _year.read_official(official_file, ctx.catalogue)
    code = unit.code if unit else None
    rep.tasks = _year.tasks_view(register, ctx.registry, ctx.catalogue, rep.period, code, day)
    pr = None
    if has_data(ctx.dataset, code, Period(rep.period.year, "year")):
        pr = project_year(ctx.dataset, ctx.catalogue, ctx.registry, rep.period.months[-1], unit, ctx.cutoff)
    rep.projection = _year.projection_view(pr, ctx.catalogue) if pr is not None else None
    rep.official = _year.official_view(off, pr, ctx.catalogue, department=unit is None)
    rep.answers = _year.answers(rep.tasks, rep.projection, rep.official)
    for row, c in zip(rep.rows, rep.card.criteria):
        lost = c.status == MISSING or (c.status == SCORED and c.points < c.max_points)
        row["tasks"] = _year.criterion_tasks(rep.tasks, register, ctx.registry, ctx.catalogue, c.code, code) \
            if lost else []
    rep.figures["tasks"] = _year.tasks_figures(rep.tasks)
    rep.figures["projection"] = _year.projection_figures(pr) if pr is not None else None
    rep.figures["official"] = _year.official_figures(rep.official)


def unit_report(ctx: Context, unit: str, period: str | Period, analyst: str = "", tasks: str | Path | None = "",
                official: str | Path | None = "") -> UnitReport:
    p = period if isinstance(period, Period) else parse_period(period)
    u = ctx.registry.get(unit)
    card = score_unit(ctx.dataset, ctx.catalogue, u, p)
    prev_p = p.previous()
    previous = score_unit(ctx.dataset, ctx.catalogue, u, prev_p) if has_data(ctx.dataset, u.code, prev_p) else None
    ranks = rankings(ctx, p)
    sent = has_data(ctx.dataset, u.code, p)
    blank = not sent and bool(blank_months(ctx, u.code, p))
    standing = ranks.standing.get(u.code) or Standing(group_name(ctx, u), None, _group_size(ranks, group_name(ctx, u)),
                                                       None, ranks.ranked)
    head = headline(card, standing, previous, sent, ranks.ranked, BLANK_FORM if blank else NO_DATA)
    if sent:
        comment = unit_commentary(card, ctx.catalogue, standing.rank, standing.ranked, previous,
                                  standing=standing, settings=ctx.settings)
    else:  # nothing to praise or regret: the unit has to send its figures first
        comment = no_data_commentary(u.name, p, blank)
    rep = UnitReport(p, card, previous, head, domain_rows(card, ctx.catalogue),
                     [criterion_row(c, ctx.catalogue, ctx.registry) for c in card.criteria],
                     trends(ctx, u, p, trend_choice(ctx, card)) if sent else [], comment, analyst or "", provenance(ctx, u.code, p),
                     ctx.settings, unit=u)
    rep.figures = published.stamped({
        "kind": "unit", "title": rep.title, "unit_name": u.name, "unit_kind": u.kind, **card_figures(card),
        "rank": head["rank"], "ranked": ranks.ranked, "rank_group": standing.group,
        "rank_in_group": head["rank_in_group"], "ranked_in_group": standing.ranked_in_group,
        "previous_points": head["previous_points"], "change": head["change"], "no_data": not sent,
        "blank_form": blank})
    add_year(rep, ctx, u, tasks, official)
    return rep


def _group_size(ranks: Rankings, name: str) -> int:
    return next((sum(1 for r, _ in rows if r) for g, rows in ranks.groups if g == name), 0)


def heatmap_data(cards: list[Scorecard], catalogue: Catalogue, settings: Settings | None = None) -> dict[str, Any]:
    """Units × scored criteria, percent of maximum (None: not applicable),
    with the criteria's titles and domains and each unit's rank group (the
    chart splits a large department by group)."""
    crits = [c for c in catalogue.criteria if not c.tracked]
    codes = [c.code for c in crits]
    matrix = []
    for card in cards:
        by = {c.code: c for c in card.criteria}
        row: list[float | None] = []
        for code in codes:
            c = by.get(code)
            row.append(float(c.points / c.max_points * 100) if c is not None and c.counts_toward_max and c.max_points
                       else None)
        matrix.append(row)
    kinds = catalogue.unit_kinds
    groups = [group_of(settings, c.unit.kind, kinds).name if settings and c.unit else "" for c in cards]
    order = ([g.name for g in groups_in_order(settings, [c.unit.kind for c in cards if c.unit], kinds)]
             if settings else [])
    return {"units": [c.unit.name if c.unit else "" for c in cards], "codes": codes, "matrix": matrix,
            "titles": [c.title for c in crits], "domains": [c.domain for c in crits], "groups": groups,
            "group_order": order}


def reporting_status(ctx: Context, period: Period) -> dict[str, Any]:
    """Who sent late or not at all, from the store, one row per unit that
    did (a year of 150 schools stays readable); `available` False otherwise."""
    empty = {"available": False, "message": NO_STATUS, "rows": [], "counts": {}}
    if ctx.data_path.suffix.lower() not in DB_SUFFIXES:
        return empty
    try:
        report = store_status(ctx.data_path, ctx.registry, period, ctx.catalogue)
    except Exception as e:  # the status is a side panel: never fail the report for it
        return {**empty, "message": f"{NO_STATUS} ({e})"}
    counts = {"on_time": 0, "late": 0, "missing": 0, "not_due": 0, "empty": 0}
    by_unit: dict[str, dict[str, Any]] = {}
    for r in getattr(report, "rows", []):
        state = getattr(r, "state", "")
        if state == "missing" and not getattr(r, "overdue", True):
            state = "not_due"
        counts[state] = counts.get(state, 0) + 1
        code = getattr(r, "unit", "")
        row = by_unit.setdefault(code, {"unit": ctx.registry.get(code).name if code in ctx.registry else str(code),
                                        "late": [], "missing": [], "empty": [], "incomplete": 0})
        month = getattr(r, "month", None)
        label = f"tháng {month.index}" if isinstance(month, Period) else str(month)
        if state == "late":
            row["late"].append(f"{label} (nộp {_when(getattr(r, 'submitted_at', None), short=True)}, "
                               f"hạn {_when(getattr(r, 'deadline', None), short=True)})")
        elif state == "missing":
            row["missing"].append(label)
        elif state == EMPTY:
            row["empty"].append(label)
        if state in ("on_time", "late"):
            row["incomplete"] += len(getattr(r, "missing_indicators", ()) or ())
    rows = [{**r, "late": "; ".join(r["late"]) or "–", "missing": ", ".join(r["missing"]) or "–",
             "empty": ", ".join(r["empty"]) or "–"}
            for r in by_unit.values() if r["late"] or r["missing"] or r["empty"]]
    # units that sent nothing first, then blank forms (stable: registry order)
    rows.sort(key=lambda r: (r["missing"] == "–", r["empty"] == "–"))
    return {"available": True, "message": "", "rows": rows, "counts": counts}


def _when(x: Any, short: bool = False) -> str:
    if x is None:
        return "–"
    if isinstance(x, (_dt.datetime, _dt.date)):
        return x.strftime("%d/%m" if short else "%d/%m/%Y")
    return str(x)


def _rank_row(ctx: Context, card: Scorecard, rank: int, rank_in_group: int | None, group: str) -> dict[str, Any]:
    band = ctx.settings.reports.band(card.percent)
    return {"rank": rank or None, "rank_in_group": rank_in_group or None, "group": group,
            "unit": card.unit_code, "code": card.unit_code, "name": card.unit.name if card.unit else "",
            "kind": card.unit.kind if card.unit else "",
            "points": float(card.points), "max_points": float(card.max_points), "percent": card.percent,
            "points_text": points_vi(card.points), "max_text": points_vi(card.max_points),
            "percent_text": percent_vi(card.percent / 100) if card.percent is not None else "–",
            "colour": band.colour if band else "", "band": ctx.settings.reports.band_label(band) if band else "",
            "no_data": False}


def department_report(ctx: Context, period: str | Period, analyst: str = "", tasks: str | Path | None = "",
                      official: str | Path | None = "") -> DepartmentReport:
    p = period if isinstance(period, Period) else parse_period(period)
    card = score_department(ctx.dataset, ctx.catalogue, p, ctx.registry)
    prev_p = p.previous()
    previous = score_department(ctx.dataset, ctx.catalogue, prev_p, ctx.registry) \
        if has_data(ctx.dataset, None, prev_p) else None
    ranks = rankings(ctx, p)
    cards = [c for _, c in ranks.overall]
    rank_of = {c.unit_code: r for r, c in ranks.overall}
    groups, flat = [], {}
    sent = {c.unit_code for c in cards}
    for name, ranked in ranks.groups:
        rows = [_rank_row(ctx, c, rank_of[c.unit_code], r, name) for r, c in ranked]
        for row in rows:
            flat[row["unit"]] = row
        silent = [{"unit": u.code, "name": u.name, "no_data": True} for u in ctx.registry
                  if u.code not in sent and group_name(ctx, u) == name]
        groups.append({"name": name, "rows": rows, "not_sent": silent, "ranked": sum(1 for r in rows if r["rank"])})
    rank_rows = [flat[c.unit_code] for _, c in ranks.overall]
    head = headline(card, None, previous, True, ranks.ranked)
    band = ctx.settings.reports.band(card.percent)
    head["colour"] = band.colour if band else ""
    status = reporting_status(ctx, p)
    explain = department_vs_units(card, cards, ctx.catalogue, ctx.settings)
    rep = DepartmentReport(p, card, previous, head, domain_rows(card, ctx.catalogue),
                           [criterion_row(c, ctx.catalogue, ctx.registry) for c in card.criteria],
                           trends(ctx, None, p, trend_choice(ctx, card)),
                           department_commentary(card, cards, ctx.catalogue, previous, settings=ctx.settings,
                                                 not_sent=[u["name"] for g in groups for u in g["not_sent"]]),
                           analyst or "", provenance(ctx, None, p), ctx.settings, ranking=rank_rows, groups=groups,
                           bands=[{"colour": b.colour, "label": ctx.settings.reports.band_label(b)}
                                  for b in ctx.settings.reports.bands],
                           explain=explain, cards=cards, heatmap=heatmap_data(cards, ctx.catalogue, ctx.settings), status=status)
    counts = status.get("counts") or {}
    rep.figures = published.stamped({
        "kind": "department", "title": rep.title, "unit_name": None, **card_figures(card),
        "previous_points": head["previous_points"], "change": head["change"],
        "ranking": [{k: r[k] for k in ("rank", "unit", "points", "max_points", "percent", "group", "rank_in_group")}
                    for r in rank_rows],
        "status": ({k: int(counts.get(k, 0)) for k in ("on_time", "late", "missing")}
                   if status.get("available") else None)})
    add_year(rep, ctx, None, tasks, official)
    return rep

