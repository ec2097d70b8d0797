"""Everything a report shows, as plain data.

`unit_report` and `department_report` compute the headline, the criteria
table, the monthly trends, the ranking, the heatmap, the commentary and the
published figures (`figures`: the numbers tests and the index read).  The
notebooks only lay these out (`views`), so a report's numbers are always the
scoring core's.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cchc_lib import project
from cchc_lib.core.catalogue import Catalogue, load_catalogue
from cchc_lib.core.deadlines import Cutoff, load_cutoff
from cchc_lib.core.organisation import DEFAULT_NAME, load_organisation
from cchc_lib.errors import UsageError
from cchc_lib.reports.commentary import Commentary, department_commentary, unit_commentary
from cchc_lib.fmt import acronyms, percent_vi, points_vi, sentence_case
from cchc_lib.core.dataset import Dataset
from cchc_lib.core.periods import Period, parse_period
from cchc_lib.core.rules import MISSING, NOT_APPLICABLE, SCORED, STATUS_VI, TRACKED, to_fraction
from cchc_lib.core.scoring import CriterionScore, Scorecard, ranking, score_department, score_unit
from cchc_lib.intake.sources import DB_SUFFIXES, open_dataset
from cchc_lib.reports.text import value_text
from cchc_lib.core.units import DEPARTMENT_NAME, Registry, Unit, load_registry
from cchc_lib.store.status import EMPTY, reporting_status as store_status

#: The rates that carry most points, shown month by month.
TREND_CODES = ("3.4.2", "7.4.2", "3.5")
#: Custom mimetype under which a notebook publishes its figures.
FIGURES_MIME = "application/vnd.cchc.figures+json"
NO_STATUS = "không có dữ liệu tình hình báo cáo"


@dataclass
class Context:
    """What every report of a batch reads: data, catalogue, registry."""

    data_path: Path
    catalogue: Catalogue
    registry: Registry
    dataset: Dataset
    cutoff: Cutoff = Cutoff()
    organisation: str = DEFAULT_NAME


def default_data(root: Path | None = None) -> Path:
    """The department's database (`data/cchc.sqlite`).  Never the demo's
    sample: invented figures must not pass for a department's."""
    return project.db_path(root or project.project_root())


def open_context(data: str | Path | None = "", catalogue: str | Path | None = "",
                 units: str | Path | None = "") -> Context:
    """Open the data (default: `default_data()`), catalogue and registry."""
    cat = load_catalogue(catalogue or None)
    reg_path = Path(units) if units else project.units_path()
    path = Path(data) if data else default_data()
    if not data and not path.is_file():
        raise UsageError(f"chưa có cơ sở dữ liệu {path}: tạo bằng cchc init, nạp biểu mẫu bằng cchc ingest "
                         f"(số liệu mẫu của make demo: data = \"data/sample.sqlite\", units = \"demo/units.yaml\")")
    key = (_file_key(path), _file_key(reg_path), cat.path, id(cat))
    if key not in _OPENED:
        # A warm kernel renders many reports from the same data: read it once.
        # The key changes whenever a file (or a database's WAL) does.
        _OPENED.clear()
        _RANKINGS.clear()
        reg = load_registry(reg_path, cat.unit_kinds)
        _OPENED[key] = (reg, open_dataset(path, cat, reg))
    reg, dataset = _OPENED[key]
    return Context(path, cat, reg, dataset, load_cutoff(), load_organisation().name)


_OPENED: dict[tuple, tuple[Registry, Dataset]] = {}


def _file_key(path: Path) -> tuple:
    out: list = [str(path.resolve())]
    for p in (path, Path(f"{path}-wal")):
        try:
            st = p.stat()
            out += [st.st_mtime_ns, st.st_size, st.st_ino]
        except OSError:
            out.append(None)
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


def criterion_row(c: CriterionScore, catalogue: Catalogue | None = None) -> dict[str, Any]:
    return {
        "code": c.code,
        "title": c.criterion.title,
        "domain": c.criterion.domain,
        "value": value_text(c, catalogue),
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


NO_DATA = "chưa gửi số liệu"
#: A unit whose only forms for the period had no figure at all.
BLANK_FORM = "nộp biểu trống"


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


def headline(card: Scorecard, rank: int | None, ranked: int, previous: Scorecard | None,
             sent: bool = True, no_data: str = NO_DATA) -> dict[str, Any]:
    """Points/max, percent, rank, change from the previous period: text and numbers.
    A unit that sent nothing for the period is "chưa gửi số liệu" (or `no_data`:
    "nộp biểu trống"), not 0%."""
    prev_period = card.period.previous()
    if not sent:
        return {"points": float(card.points), "max_points": float(card.max_points), "percent": card.percent,
                "points_text": "–", "max_text": points_vi(card.max_points), "percent_text": no_data,
                "rank": None, "ranked": ranked, "rank_text": "–", "previous_period": str(prev_period),
                "previous_label": prev_period.label_vi, "previous_points": None, "change": None,
                "change_text": no_data, "no_data": True}
    h: dict[str, Any] = {
        "points": float(card.points), "max_points": float(card.max_points), "percent": card.percent,
        "points_text": points_vi(card.points), "max_text": points_vi(card.max_points),
        "percent_text": percent_vi(card.percent / 100) if card.percent is not None else "–",
        "rank": rank, "ranked": ranked,
        "rank_text": f"{rank}/{ranked}" if rank else "–",
        "previous_period": str(prev_period), "previous_label": prev_period.label_vi,
        "previous_points": None, "change": None, "change_text": f"chưa có số liệu {prev_period.label_vi_lower}",
    }
    if previous is not None and previous.percent is not None:
        delta = card.points - previous.points
        sign = "+" if delta > 0 else "−" if delta < 0 else "±"
        h.update(previous_points=float(previous.points), previous_percent=previous.percent, change=float(delta),
                 change_text=f"{sign}{points_vi(abs(delta))} điểm so với {prev_period.label_vi_lower} "
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


def trends(ctx: Context, unit: Unit | None, period: Period, codes: tuple[str, ...] = TREND_CODES) -> list[dict]:
    """Monthly rates of the key criteria, with their thresholds."""
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


def rank_units(ctx: Context, period: Period) -> list[tuple[int, Scorecard]]:
    """Every registry unit with data in the period, ranked (ties share a rank).
    Kept for the next report of the same batch (a warm kernel renders many)."""
    key = (id(ctx.dataset), len(ctx.dataset), id(ctx.catalogue), tuple(ctx.registry.units), period)
    if key not in _RANKINGS:
        cards = [score_unit(ctx.dataset, ctx.catalogue, u, period) for u in ctx.registry
                 if has_data(ctx.dataset, u.code, period)]
        if len(_RANKINGS) > 32:
            _RANKINGS.clear()
        _RANKINGS[key] = ranking(cards)
    return _RANKINGS[key]


_RANKINGS: dict[tuple, list[tuple[int, Scorecard]]] = {}


def data_note(ctx: Context, unit: str | None, period: Period) -> dict[str, str]:
    last = last_month(ctx.dataset, unit, period)
    return {"source": ctx.data_path.name,
            "through": last.label_vi if last else "không có số liệu trong kỳ",
            "made": _dt.date.today().strftime("%d/%m/%Y")}


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
    note: dict[str, str]
    #: The dates the period's figures cover ("số liệu từ 15/06/2023 đến 14/09/2023", the cut-off setting).
    data_dates: str = ""
    #: The department's name (`params/organisation.yaml`), for the title.
    organisation: str = DEFAULT_NAME


@dataclass
class UnitReport(_Report):
    unit: Unit = None  # type: ignore[assignment]  (always given)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"Báo cáo chỉ số CCHC — {self.unit.name} — {self.period.label_vi}"


@dataclass
class DepartmentReport(_Report):
    ranking: list[dict[str, Any]] = field(default_factory=list)
    heatmap: dict[str, Any] = field(default_factory=dict)
    status: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"Báo cáo chỉ số CCHC — {DEPARTMENT_NAME} — {self.period.label_vi}"


def unit_report(ctx: Context, unit: str, period: str | Period, analyst: str = "") -> UnitReport:
    p = period if isinstance(period, Period) else parse_period(period)
    u = ctx.registry.get(unit)
    card = score_unit(ctx.dataset, ctx.catalogue, u, p)
    prev_p = p.previous()
    previous = score_unit(ctx.dataset, ctx.catalogue, u, prev_p) if has_data(ctx.dataset, u.code, prev_p) else None
    ranked = rank_units(ctx, p)
    rank = next((r for r, c in ranked if c.unit_code == u.code), None) or None
    n_ranked = sum(1 for r, _ in ranked if r)
    sent = has_data(ctx.dataset, u.code, p)
    blank = not sent and bool(blank_months(ctx, u.code, p))
    head = headline(card, rank, n_ranked, previous, sent, BLANK_FORM if blank else NO_DATA)
    comment = unit_commentary(card, ctx.catalogue, rank, n_ranked, previous)
    if blank:  # it sent forms, with no figure in them
        comment = Commentary(f"{u.name} {BLANK_FORM} (biểu không có số liệu nào) cho {p.label_vi_lower}: mọi tiêu chí "
                             f"đều thiếu số liệu. Đề nghị đơn vị gửi lại biểu có số liệu để được chấm điểm.", ())
    elif not sent:  # nothing to praise or regret: the unit has to send its figures first
        comment = Commentary(f"{u.name} {NO_DATA} của {p.label_vi_lower}: mọi tiêu chí đều thiếu số liệu. "
                             f"Đề nghị đơn vị gửi số liệu để được chấm điểm.", ())
    rep = UnitReport(p, card, previous, head, domain_rows(card, ctx.catalogue),
                     [criterion_row(c, ctx.catalogue) for c in card.criteria], trends(ctx, u, p) if sent else [],
                     comment, analyst or "", data_note(ctx, u.code, p), ctx.cutoff.label(p), ctx.organisation, unit=u)
    rep.figures = {"kind": "unit", "title": rep.title, "unit_name": u.name, **card_figures(card),
                   "rank": rank, "ranked": n_ranked, "previous_points": head["previous_points"],
                   "change": head["change"], "no_data": not sent, "blank_form": blank}
    return rep


def heatmap_data(cards: list[Scorecard], catalogue: Catalogue) -> dict[str, Any]:
    codes = [c.code for c in catalogue.criteria if not c.tracked]
    matrix = []
    for card in cards:
        by = {c.code: c for c in card.criteria}
        row: list[float | None] = []
        for code in codes:
            c = by.get(code)
            row.append(float(c.points / c.max_points * 100) if c is not None and c.counts_toward_max and c.max_points
                       else None)
        matrix.append(row)
    return {"units": [c.unit.name if c.unit else "" for c in cards], "codes": codes, "matrix": matrix}


def reporting_status(ctx: Context, period: Period) -> dict[str, Any]:
    """Who is late or missing, from the store; `available` False otherwise."""
    empty = {"available": False, "message": NO_STATUS, "rows": [], "counts": {}}
    if ctx.data_path.suffix.lower() not in DB_SUFFIXES:
        return empty
    try:
        report = store_status(ctx.data_path, ctx.registry, period, ctx.catalogue)
    except Exception as e:  # the status is a side panel: never fail the report for it
        return {**empty, "message": f"{NO_STATUS} ({e})"}
    rows, counts = [], {"on_time": 0, "late": 0, "missing": 0, "empty": 0}
    for r in getattr(report, "rows", []):
        state = getattr(r, "state", "")
        counts[state] = counts.get(state, 0) + 1
        if state in ("late", "missing", "empty"):
            unit = getattr(r, "unit", "")
            code = getattr(unit, "code", unit)
            name = ctx.registry.get(code).name if code in ctx.registry else str(code)
            month = getattr(r, "month", "")
            rows.append({"unit": name, "month": month.label_vi if isinstance(month, Period) else str(month),
                         "state": {"late": "Nộp muộn", "empty": "Nộp biểu trống"}.get(state, "Chưa nộp"),
                         "submitted_at": _when(getattr(r, "submitted_at", None)),
                         "deadline": _when(getattr(r, "deadline", None)),
                         "missing": len(getattr(r, "missing_indicators", ()) or ())})
    return {"available": True, "message": "", "rows": rows, "counts": counts}


def _when(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, (_dt.datetime, _dt.date)):
        return x.strftime("%d/%m/%Y")
    return str(x)


def department_report(ctx: Context, period: str | Period, analyst: str = "") -> DepartmentReport:
    p = period if isinstance(period, Period) else parse_period(period)
    card = score_department(ctx.dataset, ctx.catalogue, p, ctx.registry)
    prev_p = p.previous()
    previous = score_department(ctx.dataset, ctx.catalogue, prev_p, ctx.registry) \
        if has_data(ctx.dataset, None, prev_p) else None
    ranked = rank_units(ctx, p)
    cards = [c for _, c in ranked]
    rank_rows = [{"rank": r, "unit": c.unit_code, "name": c.unit.name if c.unit else "", "code": c.unit_code,
                  "points": float(c.points), "max_points": float(c.max_points), "percent": c.percent,
                  "points_text": points_vi(c.points), "max_text": points_vi(c.max_points),
                  "percent_text": percent_vi(c.percent / 100) if c.percent is not None else "–"}
                 for r, c in ranked]
    head = headline(card, None, len(cards), previous)
    rep = DepartmentReport(p, card, previous, head, domain_rows(card, ctx.catalogue),
                           [criterion_row(c, ctx.catalogue) for c in card.criteria], trends(ctx, None, p),
                           department_commentary(card, cards, ctx.catalogue, previous), analyst or "",
                           data_note(ctx, None, p), ctx.cutoff.label(p), ctx.organisation, ranking=rank_rows, heatmap=heatmap_data(cards, ctx.catalogue),
                           status=reporting_status(ctx, p))
    rep.figures = {"kind": "department", "title": rep.title, "unit_name": None, **card_figures(card),
                   "previous_points": head["previous_points"], "change": head["change"],
                   "ranking": [{k: r[k] for k in ("rank", "unit", "points", "max_points", "percent")}
                               for r in rank_rows]}
    return rep

