"""Through the year, as report data: the task register, the year-end
projection and the city's official results (plain dicts for `views`, the
terminal and the published figures).

- `tasks_view`: the tasks on a day (a period's last day, or today while it
  runs), late first with their owners; per owner; what the last review
  meeting decided and how far each decision got ("đã làm gì sau kỳ trước").
- `projection_view`: every criterion at the year's cut-off at the pace of
  the complete months so far, the band, the risk and what it takes.
- `official_view`: past official points and rank, this year's projection
  against last year's, the department's own scores against the city's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable

from cchc_lib.core.catalogue import Catalogue
from cchc_lib.core.deadlines import format_date
from cchc_lib.core.official import Official, self_vs_city, versus_last_year
from cchc_lib.core.periods import Period
from cchc_lib.core.projection import Projection, pace_text
from cchc_lib.core.rules import MISSING, SCORED
from cchc_lib.core.tasks import (CANCELLED, DONE, DONE_LATE, DUE_TODAY, LATE, OPEN, STATE_VI, Register, TaskState,
                                 for_unit, last_meeting, period_dates, states_on)
from cchc_lib.core.units import Registry
from cchc_lib.fmt import count_vi, number_vi, percent_vi, points_vi
from cchc_lib.intake.official import load_official
from cchc_lib.intake.tasks import load_register

#: An open task whose deadline is this close is "sắp đến hạn" (listed with the late ones).
SOON_DAYS = 30
#: How many units an each-unit task names before "và N đơn vị khác".
NAMED_UNITS = 6
#: How many owners the per-owner table lists (most late tasks first).
OWNER_ROWS = 15
STATE_CSS = {LATE: "late", DUE_TODAY: "today", OPEN: "open", DONE: "done", DONE_LATE: "done-late",
             CANCELLED: "cancelled"}


# --- files, read once per warm kernel ---------------------------------------------------------------

_CACHE: dict[tuple, Any] = {}


def _key(path: Path) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


def read_register(path: str | Path | None, catalogue: Catalogue, registry: Registry) -> Register | None:
    """The register at `path` (None when there is no file); DataError if it is invalid."""
    if not path or not Path(path).is_file():
        return None
    key = ("tasks", *_key(Path(path)), id(catalogue), tuple(registry.units))
    if key not in _CACHE:
        _CACHE[key] = load_register(path, catalogue, registry)
    return _CACHE[key]


def read_official(path: str | Path | None, catalogue: Catalogue) -> Official | None:
    if not path or not Path(path).is_file():
        return None
    key = ("official", *_key(Path(path)), id(catalogue))
    if key not in _CACHE:
        _CACHE[key] = load_official(path, catalogue)
    return _CACHE[key]


# --- tasks ---------------------------------------------------------------------------------

def _names(codes: Iterable[str], registry: Registry) -> list[str]:
    return [registry.get(c).name if c in registry else c for c in codes]


def _list(names: list[str], limit: int = NAMED_UNITS) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" và {count_vi(len(names) - limit)} đơn vị khác"


def state_detail(s: TaskState, registry: Registry) -> str:
    """What a reader needs about one task's state, in a phrase."""
    t, day = s.task, s.day
    late, so_far, fin = s.late, s.due_so_far, s.finished
    if s.state == CANCELLED:
        return "đã hủy"
    if t.each_unit:
        total = len(s.dues)
        if late:
            return (f"{count_vi(len(late))}/{count_vi(total)} đơn vị chưa xong, quá {count_vi(s.days_late)} ngày: "
                    + _list(_names([d.owner for d in late], registry)))
        if s.state == DUE_TODAY:
            left = [d for d in s.dues if d.state(day) == DUE_TODAY]
            return f"hạn hôm nay; {count_vi(len(left))}/{count_vi(total)} đơn vị chưa xong"
        if s.state == OPEN:
            return f"{count_vi(len(fin))}/{count_vi(total)} đơn vị đã xong; còn {count_vi((s.deadline - day).days)} ngày"
        muon = sum(1 for d in s.dues if d.state(day) == DONE_LATE)
        return f"{count_vi(total)}/{count_vi(total)} đơn vị đã xong" + (f" ({count_vi(muon)} đơn vị muộn)" if muon else "")
    if t.repeated:
        muon = sum(1 for d in s.dues if d.state(day) == DONE_LATE)
        tail = f"; {count_vi(muon)} kỳ hoàn thành muộn" if muon else ""
        done_part = f"đã xong {count_vi(len(fin))}/{count_vi(len(so_far))} kỳ đến hạn" if so_far else "chưa có kỳ đến hạn"
        if late:
            labels = ", ".join(d.label for d in late)
            return f"quá hạn: {labels} (quá {count_vi(s.days_late)} ngày); {done_part}{tail}"
        if s.state == DUE_TODAY:
            return f"đến hạn hôm nay: {s.next.label if s.next else ''}; {done_part}{tail}"
        nxt = s.next
        if nxt is not None:
            return f"kỳ tới: {nxt.label}, hạn {format_date(nxt.deadline)}; {done_part}{tail}"
        return done_part + tail
    due = s.dues[0]
    if s.state == LATE:
        return f"quá hạn {count_vi(s.days_late)} ngày"
    if s.state == DUE_TODAY:
        return "chưa hoàn thành"
    if s.state == OPEN:
        return f"còn {count_vi((due.deadline - day).days)} ngày"
    return f"hoàn thành {format_date(due.done)}" + (" (muộn)" if s.state == DONE_LATE else "")  # type: ignore[arg-type]


def task_row(s: TaskState, registry: Registry, catalogue: Catalogue) -> dict[str, Any]:
    t = s.task
    owners = s.owners
    criterion = None
    if t.criterion:
        try:
            criterion = catalogue.criterion(t.criterion).title
        except KeyError:
            criterion = None
    return {
        "id": t.id, "title": t.title, "criterion": t.criterion, "criterion_title": criterion,
        "section": t.section, "serves": f"tiêu chí {t.criterion}" if t.criterion else f"mục {t.section} Kế hoạch",
        "owner": t.owner, "owner_name": _names([t.owner], registry)[0],
        "acting": owners, "acting_names": _names(owners, registry),
        # who to name in a table: an each-unit task is followed up by its owner, done by every unit
        # (the late ones are named, a few at most, in `detail`)
        "who": (f"{_names([t.owner], registry)[0]} đôn đốc; từng đơn vị thực hiện" if t.each_unit
                else ", ".join(_names(owners, registry))),
        "co_owners": list(t.co_owners), "co_owner_names": _names(t.co_owners, registry),
        "deadline": s.deadline.isoformat() if s.deadline else None,
        "deadline_text": format_date(s.deadline) if s.deadline else "–",
        "state": s.state, "state_label": STATE_VI[s.state], "css": STATE_CSS[s.state],
        "days_late": s.days_late, "detail": state_detail(s, registry),
        "evidence": "; ".join(d.evidence for d in s.finished if d.evidence)[-300:]
        if s.state in (DONE, DONE_LATE) else "",
        "note": t.note, "meeting": t.meeting, "repeated": t.repeated,
    }


def _relevant(s: TaskState, first: date, last: date) -> bool:
    """Listed in a period's report: late or due today on its last day, due
    within SOON_DAYS of it, or finished within the period."""
    if s.state in (LATE, DUE_TODAY):
        return True
    if s.state == OPEN and s.deadline is not None and s.deadline <= s.day + timedelta(days=SOON_DAYS):
        return True
    return any(d.done is not None and first <= d.done <= last for d in s.dues)


def tasks_view(register: Register | None, registry: Registry, catalogue: Catalogue, period: Period,
               unit: str | None = None, day: date | None = None, every: bool = False) -> dict[str, Any]:
    """The tasks of the period's year on `day` (default: the period's last day,
    or today while it runs), late first.  `unit`: only its own tasks and
    shares.  `every`: list every task, not only those that matter in the period."""
    first, last = period_dates(period)
    day = day or min(last, date.today())
    base = {"available": register is not None, "as_of": day.isoformat(), "as_of_text": format_date(day),
            "period": str(period), "period_label": period.label_vi, "period_label_lower": period.label_vi_lower,
            "rows": [], "counts": {}, "owners": [],
            "meeting": None, "earlier": [], "message": "", "year": period.year}
    if register is None:
        return {**base, "message": "chưa có sổ nhiệm vụ của Sở"}
    if register.year != period.year:
        return {**base, "available": False,
                "message": f"sổ nhiệm vụ là của năm {register.year}, không có nhiệm vụ năm {period.year}"}
    states = states_on(register, day, registry)
    if unit is not None:
        states = [x for x in (for_unit(s, unit) for s in states) if x is not None]
    counts = {k: sum(1 for s in states if s.state == k) for k in (LATE, DUE_TODAY, OPEN, DONE, DONE_LATE, CANCELLED)}
    listed = states if every else [s for s in states if _relevant(s, first, last)]
    rows = [task_row(s, registry, catalogue) for s in listed]
    owners: dict[str, dict[str, int]] = {}
    for s in states:
        for o in s.owners if s.state == LATE else [s.task.owner]:
            c = owners.setdefault(o, {LATE: 0, DUE_TODAY: 0, OPEN: 0, DONE: 0, DONE_LATE: 0, CANCELLED: 0})
            c[s.state] += 1
    owner_rows = sorted(({"unit": o, "name": _names([o], registry)[0], **c} for o, c in owners.items()),
                        key=lambda r: (-r[LATE], -r[DUE_TODAY], r["unit"]))
    view = {**base, "rows": rows, "counts": counts, "owners": owner_rows,
            "soon_days": SOON_DAYS, "total": len(states)}
    view.update(meeting_follow_up(register, registry, catalogue, day, unit))
    return view


def meeting_follow_up(register: Register, registry: Registry, catalogue: Catalogue, day: date,
                      unit: str | None = None) -> dict[str, Any]:
    """The last review meeting before `day` and where its decisions stand;
    the earlier meetings' decisions still not done."""
    m = last_meeting(register, day)
    if m is None:
        return {"meeting": None, "earlier": []}
    decided = [t for t in register.tasks if t.meeting is not None]
    states = {s.task.id: s for s in states_on(register, day, registry, decided)}

    def mine(s: TaskState) -> bool:
        return unit is None or s.task.concerns(unit)

    own = [task_row(states[t.id], registry, catalogue) for t in register.decisions(m.id) if mine(states[t.id])]
    earlier = [task_row(s, registry, catalogue) for s in states.values()
               if s.task.meeting != m.id and s.state in (LATE, DUE_TODAY, OPEN) and mine(s)
               and _meeting_date(register, s.task.meeting) < m.date]
    reviews = Period.parse(m.reviews)
    return {"meeting": {"id": m.id, "date": format_date(m.date), "reviews": m.reviews,
                        "reviews_label": reviews.label_vi_lower, "chair": m.chair,
                        "attendees": _names(m.attendees, registry), "minutes": m.minutes, "note": m.note,
                        "decisions": own},
            "earlier": earlier}


def _meeting_date(register: Register, meeting_id: str | None) -> date:
    return next((m.date for m in register.meetings if m.id == meeting_id), date.min)


def criterion_tasks(view: dict[str, Any], register: Register | None, registry: Registry, catalogue: Catalogue,
                    code: str, unit: str | None = None) -> list[dict[str, Any]]:
    """The open tasks (not done, not cancelled) that serve a criterion, on the view's day."""
    if register is None or not view.get("available"):
        return []
    day = date.fromisoformat(view["as_of"])
    serving = [t for t in register.tasks if t.criterion == code]
    states = states_on(register, day, registry, serving)
    if unit is not None:
        states = [x for x in (for_unit(s, unit) for s in states) if x is not None]
    return [task_row(s, registry, catalogue) for s in states if s.state in (LATE, DUE_TODAY, OPEN)]


def tasks_figures(view: dict[str, Any]) -> dict[str, Any]:
    """What a report publishes about the tasks (its JSON)."""
    return {"as_of": view["as_of"], "available": view["available"], "counts": view["counts"],
            "late": [{"id": r["id"], "owners": r["acting"], "days_late": r["days_late"]}
                     for r in view["rows"] if r["state"] == LATE],
            "due_today": [r["id"] for r in view["rows"] if r["state"] == DUE_TODAY],
            "meeting": view["meeting"]["id"] if view.get("meeting") else None}


# --- projection -----------------------------------------------------------------------------------

def projection_view(pr: Projection, catalogue: Catalogue) -> dict[str, Any]:
    """Rows for every scored criterion (tracked ones left out), largest
    points still at stake first; the totals and the criteria at risk."""
    rows = []
    for c in pr.criteria:
        if c.criterion.tracked:
            continue
        at_stake = c.max_points - c.points if c.counts_toward_max else Fraction(0)
        risk = "; ".join(r.text for r in c.risks)
        rows.append({
            "code": c.code, "title": c.criterion.title, "domain": c.criterion.domain,
            "now": points_vi(c.now_points) if c.now.status == SCORED else "–",
            "points": points_vi(c.points) if c.status == SCORED else "–",
            "points_value": float(c.points), "max_points": points_vi(c.max_points),
            "status": c.status, "pace": pace_text(c), "band": c.band,
            "months": c.figures.months, "as_of": c.figures.as_of.label_vi_lower if c.figures.as_of else None,
            "risk": c.risk, "risk_text": risk, "need": c.need.text if c.need else "",
            "reachable": c.need.reachable if c.need else True, "at_stake": float(at_stake),
            "full": c.status == SCORED and c.points >= c.max_points,
            "css": "missing" if c.status == MISSING else "full" if c.points >= c.max_points and c.status == SCORED
            else "partial" if c.points > 0 else "zero"})
    order = sorted(rows, key=lambda r: (r["full"] and not r["risk"], -r["at_stake"], r["code"]))
    months = sorted({c.figures.months for c in pr.criteria if c.figures.months})
    pct = pr.percent
    return {
        "year": pr.year, "through": str(pr.through), "through_label": pr.through.label_vi_lower,
        "cutoff": pr.cutoff.isoformat(), "cutoff_text": format_date(pr.cutoff),
        "cutoff_short": f"{pr.cutoff.day:02d}/{pr.cutoff.month:02d}", "remaining": pr.remaining,
        "points": float(pr.points), "max_points": float(pr.max_points), "percent": pct,
        "points_text": points_vi(pr.points), "max_text": points_vi(pr.max_points),
        "percent_text": percent_vi(pct / 100) if pct is not None else "–",
        "now_text": points_vi(pr.now_points),
        "months_text": (f"{count_vi(months[-1])} tháng" if len(months) == 1 else
                        f"{count_vi(months[0])}–{count_vi(months[-1])} tháng") if months else "0 tháng",
        "rows": order, "at_risk": [r["code"] for r in rows if r["risk"]],
        "full": sum(1 for r in rows if r["full"]),
        "domains": [{"code": d, "title": t, "points": float(pr.domain_points(d)[0]),
                     "max_points": float(pr.domain_points(d)[1])} for d, t in pr.domains],
    }


def projection_figures(pr: Projection) -> dict[str, Any]:
    return {"through": str(pr.through), "cutoff": pr.cutoff.isoformat(), "points": float(pr.points),
            "max_points": float(pr.max_points), "now_points": float(pr.now_points),
            "criteria": [{"code": c.code, "status": c.status, "points": float(c.points),
                          "now_points": float(c.now_points), "band": c.band, "risk": c.risk,
                          "need": c.need.text if c.need else None,
                          "per_month": c.need.per_month if c.need else None}
                         for c in pr.criteria if not c.criterion.tracked]}


# --- the city's official results --------------------------------------------------------------------

def official_view(official: Official | None, pr: Projection | None, catalogue: Catalogue,
                  department: bool = True) -> dict[str, Any]:
    """Past years' official points (the plan's domains) and rank; this year's
    projection against last year's; self-assessment against appraisal."""
    if official is None:
        return {"available": False, "message": "chưa có kết quả chính thức của thành phố", "history": [],
                "appraisals": [], "versus": None, "sample": False, "criteria": []}
    domain_codes = tuple(d.code for d in catalogue.domains)
    history = []
    for y in official.years:
        plan = y.plan_points(domain_codes)
        history.append({
            "year": y.year, "points": float(plan[0]) if plan else None,
            "max_points": float(plan[1]) if plan and plan[1] else None,
            "percent": float(plan[0] / plan[1] * 100) if plan and plan[1] else None,
            "points_text": points_vi(plan[0]) if plan else "–",
            "max_text": points_vi(plan[1]) if plan and plan[1] else "–",
            "rank": y.rank, "of": y.of, "rank_text": f"{y.rank}/{y.of}" if y.rank and y.of else (str(y.rank or "–")),
            "total_text": (f"{points_vi(y.total.points)}/{points_vi(y.total.max_points)}" if y.total and
                           y.total.max_points else points_vi(y.total.points) if y.total else "–"),
            "source": y.source, "sample": y.sample, "projected": False})
    versus = None
    if pr is not None and department:
        dom = {d: pr.domain_points(d) for d, _ in pr.domains}
        v = versus_last_year(official, pr.year, dom)
        done = pr.remaining == 0  # December is in: the year's own result, as the department scores it
        history.append({"year": pr.year, "points": float(pr.points), "max_points": float(pr.max_points),
                        "percent": pr.percent, "points_text": points_vi(pr.points), "max_text": points_vi(pr.max_points),
                        "rank": None, "of": None, "rank_text": "chưa có", "total_text": "–",
                        "source": (f"Sở tự chấm, số liệu đến {pr.through.label_vi_lower}" if done else
                                   f"dự báo đến {format_date(pr.cutoff)} theo số liệu đến {pr.through.label_vi_lower}"),
                        "sample": False, "projected": True, "label": "tự chấm" if done else "dự báo"})
        if v is not None:
            versus = {"year": v.year, "projected": float(v.projected), "projected_max": float(v.projected_max),
                      "official": float(v.official_points) if v.official_points is not None else None,
                      "official_max": float(v.official_max) if v.official_max else None,
                      "change": float(v.change) if v.change is not None else None,
                      "share_change": v.share_change, "rank": v.official.rank, "of": v.official.of,
                      "sample": v.official.sample, "text": versus_text(v, official, pr),
                      "domains": [{"code": d, "projected": float(p), "max": float(m),
                                   "official": float(o.points) if o else None,
                                   "official_max": float(o.max_points) if o and o.max_points else None}
                                  for d, p, m, o in v.per_domain]}
    appraisals = [{"year": a.year, "code": a.code, "title": _title(catalogue, a.code),
                   "self": points_vi(a.self_points), "city": points_vi(a.city_points),
                   "difference": float(a.difference), "difference_text": _signed(a.difference),
                   "generous": a.difference > 0} for a in self_vs_city(official)]
    criteria = []
    last = official.before(pr.year) if pr is not None else None
    if pr is not None and last is not None:
        for c in pr.criteria:
            if c.code in last.criteria and not c.criterion.tracked:
                criteria.append({"code": c.code, "title": c.criterion.title, "year": last.year,
                                 "city": points_vi(last.criteria[c.code]),
                                 "projected": points_vi(c.points) if c.status == SCORED else "–",
                                 "max": points_vi(c.max_points),
                                 "change_text": _signed(c.points - last.criteria[c.code]) if c.status == SCORED else "–"})
    return {"available": True, "message": "", "block": official.block, "history": history, "versus": versus,
            "appraisals": appraisals, "generous": [a for a in appraisals if a["generous"]],
            "sample": official.any_sample, "criteria": criteria, "last_year": last.year if last else None}


def _title(catalogue: Catalogue, code: str) -> str:
    try:
        return catalogue.criterion(code).title
    except KeyError:
        return code


def _signed(x: Fraction) -> str:
    return ("+" if x > 0 else "−" if x < 0 else "±") + points_vi(abs(x))


def versus_text(v, official: Official, pr: Projection) -> str:
    """"Dự báo năm 2023 (lĩnh vực 3, 7, 8): 17,80/24,55 điểm; năm 2022 thành phố chấm 17,35/24,55 điểm
    (hạng 9/20 khối các sở, ban, ngành): cao hơn 0,45 điểm"."""
    doms = ", ".join(v.domains)
    done = pr.remaining == 0
    what = "dự báo" if not done else "kết quả tự chấm"
    head = (f"Kết quả tự chấm năm {pr.year} (lĩnh vực {doms}): " if done else
            f"Dự báo năm {pr.year} (lĩnh vực {doms}) đến {format_date(pr.cutoff)}: ") + \
        f"{points_vi(v.projected)}/{points_vi(v.projected_max)} điểm"
    if v.official_points is None:
        return head + f"; năm {v.year} chưa có điểm thành phố chấm cho đủ các lĩnh vực này"
    mx = f"/{points_vi(v.official_max)}" if v.official_max else ""
    rank = (f", hạng {v.official.rank}/{v.official.of} {official.block}" if v.official.rank and v.official.of
            else f", hạng {v.official.rank}" if v.official.rank else "")
    change = v.change
    verb = ("bằng" if change == 0 else f"cao hơn {points_vi(abs(change))} điểm" if change > 0
            else f"thấp hơn {points_vi(abs(change))} điểm")  # type: ignore[operator]
    if v.official_max and v.projected_max and v.official_max != v.projected_max and v.share_change is not None:
        verb += f" ({'+' if v.share_change >= 0 else '−'}{number_vi(abs(v.share_change), 1)} điểm phần trăm của tối đa)"
    sample = " (số liệu mẫu)" if v.official.sample else ""
    return (f"{head}; năm {v.year} thành phố chấm {points_vi(v.official_points)}{mx} điểm{rank}{sample}: "
            f"{what} {verb} so với năm {v.year}. Thứ hạng năm {pr.year} phụ thuộc kết quả các đơn vị khác "
            f"trong khối, chưa dự báo được.")


def official_figures(view: dict[str, Any]) -> dict[str, Any]:
    v = view.get("versus")
    return {"available": view["available"], "sample": view.get("sample", False),
            "years": [{"year": h["year"], "points": h["points"], "rank": h["rank"], "of": h["of"],
                       "projected": h["projected"]} for h in view.get("history", [])],
            "versus": None if v is None else {k: v[k] for k in ("year", "projected", "official", "change", "rank", "of")}}


# --- the three questions ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Answers:
    tasks: str
    projection: str
    official: str


def answers(tasks: dict[str, Any], projection: dict[str, Any] | None, official: dict[str, Any]) -> Answers:
    """One sentence each: which tasks are late and whose; where the year lands
    at this pace; better than last year or not."""
    if not tasks.get("available"):
        t = tasks.get("message") or "chưa có sổ nhiệm vụ"
        t = t[0].upper() + t[1:] + "."
    else:
        c = tasks["counts"]
        late = [o for o in tasks["owners"] if o[LATE]]
        whose = "; ".join(f"{o['name']}: {count_vi(o[LATE])}" for o in late[:5])
        more = f" và {count_vi(len(late) - 5)} đơn vị khác" if len(late) > 5 else ""
        t = (f"Đến ngày {tasks['as_of_text']}: {count_vi(c.get(LATE, 0))} nhiệm vụ quá hạn"
             + (f" ({whose}{more})" if late else "")
             + f", {count_vi(c.get(DUE_TODAY, 0))} đến hạn hôm nay, "
             f"{count_vi(c.get(DONE, 0) + c.get(DONE_LATE, 0))} đã hoàn thành.")
    if projection is None:
        p = "Chưa có số liệu để dự báo."
    else:
        risk = projection["at_risk"]
        if projection["remaining"] == 0:
            p = (f"Số liệu đã đủ đến ngày chốt {projection['cutoff_text']}: cả năm đạt "
                 f"{projection['points_text']}/{projection['max_text']} điểm ({projection['percent_text']}).")
        else:
            p = (f"Theo nhịp các tháng đủ số liệu đến {projection['through_label']}, đến ngày chốt "
                 f"{projection['cutoff_text']} đạt khoảng {projection['points_text']}/{projection['max_text']} điểm "
                 f"({projection['percent_text']})"
                 + (f"; {count_vi(len(risk))} tiêu chí sát ngưỡng: {', '.join(risk)}." if risk else "."))
    if official.get("versus"):
        o = official["versus"]["text"]
    elif official.get("criteria"):
        rows = official["criteria"]
        up = sum(1 for r in rows if r["change_text"].startswith("+"))
        down = sum(1 for r in rows if r["change_text"].startswith("−"))
        o = (f"Ở {count_vi(len(rows))} tiêu chí của đơn vị có điểm thành phố thẩm định năm {official['last_year']} "
             f"(cho toàn Sở), dự báo của đơn vị cao hơn ở {count_vi(up)}, thấp hơn ở {count_vi(down)} tiêu chí"
             + (" (số liệu mẫu)." if official.get("sample") else "."))
    elif official.get("available"):
        o = "Chưa có kết quả chính thức của năm trước để so sánh."
    else:
        o = "Chưa có kết quả chính thức của thành phố."
    return Answers(t, p, o)
