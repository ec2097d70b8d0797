"""Scoring rules: pure functions looked up by name from the catalogue.

Each rule compiles the `params` of a criterion once (validating them, turning
numbers into exact fractions) and then evaluates combined values into an
`Outcome`: points, status, the rate or value behind them and the `Gap` to the
next band.  Thresholds are compared with `fractions.Fraction`, so 57/60 is
exactly 95% and the band edges of the plan hold to the last digit.

A new rule is a subclass of `Rule` decorated with `@register`; the catalogue
names it by `name`.  Nothing in the catalogue is ever evaluated as code.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar, Mapping, Sequence

from cchc_lib.fmt import count_vi, number_vi, percent_vi, points_vi

SCORED, MISSING, NOT_APPLICABLE, TRACKED = "scored", "missing_data", "not_applicable", "tracked"
STATUSES = (SCORED, MISSING, NOT_APPLICABLE, TRACKED)
STATUS_VI = {
    SCORED: "Đã chấm",
    MISSING: "Thiếu số liệu",
    NOT_APPLICABLE: "Không áp dụng",
    TRACKED: "Theo dõi",
}


class SpecError(Exception):
    """Params of one criterion are invalid; carries every message found."""

    def __init__(self, messages: Sequence[str]):
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


@dataclass(frozen=True)
class Gap:
    """What it takes to reach the next band: in the user's own units."""

    text: str
    target_points: Fraction
    amount: int | None = None
    indicator: str | None = None


@dataclass(frozen=True)
class Outcome:
    status: str
    points: Fraction = Fraction(0)
    rate: Fraction | None = None
    value: Any = None
    detail: str = ""
    missing: tuple[str, ...] = ()
    gap: Gap | None = None


@dataclass(frozen=True)
class Band:
    op: str  # "gte", "gt" or "eq"
    threshold: Fraction
    points: Fraction | None = None
    factor: Fraction | None = None

    def holds(self, x: Fraction) -> bool:
        if self.op == "gte":
            return x >= self.threshold
        if self.op == "gt":
            return x > self.threshold
        return x == self.threshold

    def score(self, x: Fraction) -> Fraction:
        return self.points if self.points is not None else x * self.factor  # type: ignore[operator]

    def minimal_whole(self, scale: Fraction) -> int:
        """Smallest whole n with `holds(n / scale)`; scale > 0."""
        edge = self.threshold * scale
        if self.op == "gt":
            return math.floor(edge) + 1
        return math.ceil(edge)

    def describe(self, percent: bool = False) -> str:
        """`≥ 95%` for a rate band, `> 200` for a count band (Vietnamese style)."""
        sign = {"gte": "≥", "gt": ">", "eq": "="}[self.op]
        return f"{sign} {_plain(self.threshold * 100) + '%' if percent else _plain(self.threshold)}"


def _plain(x: Fraction) -> str:
    """A number without trailing zeros, decimal comma: 95 → `95`, 1/2 → `0,5`."""
    text = number_vi(x, 4)
    return text.rstrip("0").rstrip(",") if "," in text else text


def to_fraction(x: Any) -> Fraction:
    """YAML numbers → exact fractions (0.95 means 95/100, not the binary float)."""
    if isinstance(x, bool) or not isinstance(x, (int, float, str)):
        raise ValueError(f"không phải số: {x!r}")
    return Fraction(str(x))


@dataclass
class RuleContext:
    """What a rule may know besides its params: the catalogue's indicators."""

    indicators: Mapping[str, Any]  # id -> catalogue.Indicator

    def label(self, ind: str) -> str:
        return self.indicators[ind].label

    def short(self, ind: str) -> str:
        i = self.indicators[ind]
        return i.short or i.unit or i.label


class _Checker:
    """Collects every problem of one params mapping before raising."""

    def __init__(self, params: Any, ctx: RuleContext):
        self.params = params if isinstance(params, Mapping) else {}
        self.ctx = ctx
        self.errors: list[str] = []
        if not isinstance(params, Mapping):
            self.errors.append("params phải là một bảng khóa: giá trị")

    def indicator(self, key: str, kind: str | tuple[str, ...], src: Mapping | None = None) -> str:
        src = self.params if src is None else src
        name = src.get(key)
        kinds = (kind,) if isinstance(kind, str) else kind
        if not isinstance(name, str):
            self.errors.append(f"thiếu tham số '{key}' (mã chỉ số)")
        elif name not in self.ctx.indicators:
            self.errors.append(f"chỉ số không tồn tại: '{name}'")
        elif self.ctx.indicators[name].kind not in kinds:
            self.errors.append(f"chỉ số '{name}' phải có kiểu {'/'.join(kinds)}, không phải {self.ctx.indicators[name].kind}")
        return name if isinstance(name, str) else ""

    def number(self, key: str, src: Mapping | None = None, minimum: Fraction = Fraction(0)) -> Fraction:
        src = self.params if src is None else src
        try:
            value = to_fraction(src.get(key))
        except ValueError:
            self.errors.append(f"tham số '{key}' phải là số")
            return Fraction(0)
        if value < minimum:
            self.errors.append(f"tham số '{key}' phải ≥ {minimum}")
        return value

    def items(self, key: str) -> list[Mapping]:
        val = self.params.get(key)
        if not isinstance(val, list) or not val or not all(isinstance(v, Mapping) for v in val):
            self.errors.append(f"tham số '{key}' phải là danh sách không rỗng")
            return []
        return val

    def bands(self, key: str = "bands", percent: bool = False) -> tuple[Band, ...]:
        out: list[Band] = []
        for i, raw in enumerate(self.items(key), 1):
            ops = [op for op in ("gte", "gt", "eq") if op in raw]
            pays = [k for k in ("points", "factor") if k in raw]
            if len(ops) != 1 or len(pays) != 1:
                self.errors.append(f"mức {i}: cần đúng một điều kiện (gte/gt/eq) và một trong points/factor")
                continue
            try:
                thr = to_fraction(raw[ops[0]])
                pay = to_fraction(raw[pays[0]])
            except ValueError:
                self.errors.append(f"mức {i}: ngưỡng và điểm phải là số")
                continue
            out.append(Band(ops[0], thr, pay if pays[0] == "points" else None, pay if pays[0] == "factor" else None))
        for hi, lo in zip(out, out[1:]):
            if lo.threshold > hi.threshold or (lo.threshold == hi.threshold and lo.op == hi.op):
                self.errors.append(
                    f"các mức phải xếp từ cao xuống thấp: mức '{lo.describe(percent)}' đứng sau '{hi.describe(percent)}'"
                )
        return tuple(out)

    def done(self) -> None:
        if self.errors:
            raise SpecError(self.errors)


class Rule:
    """Base class: `compile` checks params, `evaluate` scores combined values."""

    name: ClassVar[str]
    needs_when_none: ClassVar[bool] = False
    scores: ClassVar[bool] = True

    def compile(self, params: Any, ctx: RuleContext) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def indicators(self, spec: Any) -> tuple[str, ...]:  # pragma: no cover - abstract
        raise NotImplementedError

    def max_points(self, spec: Any) -> Fraction:  # pragma: no cover - abstract
        raise NotImplementedError

    def ceiling(self, spec: Any) -> tuple[Fraction, Fraction]:
        """(the most points some input gives, the least upper bound of the
        points): the catalogue's `max` must equal both."""
        m = self.max_points(spec)
        return m, m

    def limits(self, spec: Any) -> list[tuple[tuple[str, ...], str]]:
        """Input checks: (indicators whose sum, may not exceed indicator)."""
        return []

    def decides_alone(self, spec: Any, values: Mapping[str, Any]) -> bool:
        """True when these values settle the outcome even if other figures are
        missing (3.2: a review not done scores 0 whatever the rest says)."""
        return False

    def evaluate(self, spec: Any, values: Mapping[str, Any], months: int, when_none: str | None,
                 max_points: Fraction, ctx: RuleContext) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError


RULES: dict[str, Rule] = {}


def register(cls: type[Rule]) -> type[Rule]:
    RULES[cls.name] = cls()
    return cls


def get_rule(name: str) -> Rule:
    """The rule called `name`; KeyError lists the known ones."""
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"quy tắc không tồn tại: '{name}' (các quy tắc có: {', '.join(sorted(RULES))})") from None


def _missing(values: Mapping[str, Any], names: Sequence[str]) -> tuple[str, ...]:
    return tuple(n for n in names if values.get(n) is None)


@register
class Boolean(Rule):
    """Có → points, Không → 0."""

    name = "boolean"

    @dataclass(frozen=True)
    class Spec:
        indicator: str
        points: Fraction

    def compile(self, params: Any, ctx: RuleContext) -> "Boolean.Spec":
        c = _Checker(params, ctx)
        spec = self.Spec(c.indicator("indicator", "bool"), c.number("points"))
        c.done()
        return spec

    def indicators(self, spec: "Boolean.Spec") -> tuple[str, ...]:
        return (spec.indicator,)

    def max_points(self, spec: "Boolean.Spec") -> Fraction:
        return spec.points

    def evaluate(self, spec, values, months, when_none, max_points, ctx):
        if (miss := _missing(values, [spec.indicator])):
            return Outcome(MISSING, missing=miss)
        v = bool(values[spec.indicator])
        gap = None if v else Gap(f"cần thực hiện: {ctx.label(spec.indicator)} (+{points_vi(spec.points)} điểm)", spec.points)
        return Outcome(SCORED, spec.points if v else Fraction(0), value=v, detail="Có" if v else "Không", gap=gap)


@register
class Levels(Rule):
    """A level indicator mapped to points (Xuất sắc → 1, Tốt → 0,5, ...)."""

    name = "levels"

    @dataclass(frozen=True)
    class Spec:
        indicator: str
        points: Mapping[str, Fraction]

    def compile(self, params: Any, ctx: RuleContext) -> "Levels.Spec":
        c = _Checker(params, ctx)
        ind = c.indicator("indicator", "level")
        raw = c.params.get("points")
        pts: dict[str, Fraction] = {}
        if not isinstance(raw, Mapping):
            c.errors.append("tham số 'points' phải là bảng mức: điểm")
        elif ind in ctx.indicators and ctx.indicators[ind].kind == "level":
            codes = [lv.code for lv in ctx.indicators[ind].levels]
            for code in raw:
                if code not in codes:
                    c.errors.append(f"mức không tồn tại: '{code}' (các mức của {ind}: {', '.join(codes)})")
            for code in codes:
                if code not in raw:
                    c.errors.append(f"thiếu điểm cho mức '{code}'")
                else:
                    pts[code] = c.number(code, raw)
        c.done()
        return self.Spec(ind, pts)

    def indicators(self, spec) -> tuple[str, ...]:
        return (spec.indicator,)

    def max_points(self, spec) -> Fraction:
        return max(spec.points.values())

    def evaluate(self, spec, values, months, when_none, max_points, ctx):
        if (miss := _missing(values, [spec.indicator])):
            return Outcome(MISSING, missing=miss)
        code = values[spec.indicator]
        ind = ctx.indicators[spec.indicator]
        pts = spec.points[code]
        gap = None
        better = [lv for lv in ind.levels if spec.points[lv.code] > pts]
        if better:
            nxt = min(better, key=lambda lv: spec.points[lv.code])
            gap = Gap(f"chuyển mức {ind.level_label(code)} → {nxt.label} (+{points_vi(spec.points[nxt.code] - pts)} điểm)",
                      spec.points[nxt.code])
        return Outcome(SCORED, pts, value=code, detail=ind.level_label(code), gap=gap)


class _RatioBase(Rule):
    needs_when_none = True

    def _when_none(self, when_none: str | None, max_points: Fraction, detail: str) -> Outcome:
        if when_none == "full":
            return Outcome(SCORED, max_points, detail=detail + " (không phát sinh: đạt tối đa)")
        return Outcome(NOT_APPLICABLE, detail=detail + " (không phát sinh)")


@register
class RatioBands(_RatioBase):
    """rate = numerator / denominator; the first band (highest first) that holds
    pays fixed points or rate × factor; none holds → 0."""

    name = "ratio_bands"

    @dataclass(frozen=True)
    class Spec:
        numerator: str
        denominator: str
        bands: tuple[Band, ...]

    def compile(self, params, ctx):
        c = _Checker(params, ctx)
        spec = self.Spec(c.indicator("numerator", "count"), c.indicator("denominator", "count"), c.bands(percent=True))
        for b in spec.bands:
            if b.threshold > 1 or b.threshold < 0:
                c.errors.append(f"ngưỡng tỷ lệ {b.describe(percent=True)} phải nằm trong 0%..100% (viết 0.95 cho 95%)")
        c.done()
        return spec

    def indicators(self, spec):
        return (spec.denominator, spec.numerator)

    def max_points(self, spec):
        return self.ceiling(spec)[0]

    def ceiling(self, spec):
        """Points are piecewise constant or linear between the band edges, so
        the best is at an edge (or 0 or 100%) and the least upper bound is the
        limit at the top of a rate × factor band (7.4.2: just below 80% gives
        almost 2,0)."""
        edges = sorted({Fraction(0), Fraction(1)} | {b.threshold for b in spec.bands if 0 <= b.threshold <= 1})
        best = max(self.points_at(spec, e) for e in edges)
        sup = best
        for lo, hi in zip(edges, edges[1:]):
            band = next((b for b in spec.bands if b.holds((lo + hi) / 2)), None)
            if band is not None:
                sup = max(sup, band.score(lo), band.score(hi))
        return best, sup

    def limits(self, spec):
        return [((spec.numerator,), spec.denominator)]

    def points_at(self, spec, rate: Fraction) -> Fraction:
        for band in spec.bands:
            if band.holds(rate):
                return band.score(rate)
        return Fraction(0)

    def evaluate(self, spec, values, months, when_none, max_points, ctx):
        if values.get(spec.denominator) == 0:
            return self._when_none(when_none, max_points, f"0 {ctx.short(spec.denominator)}")
        if (miss := _missing(values, [spec.denominator, spec.numerator])):
            return Outcome(MISSING, missing=miss)
        num, den = int(values[spec.numerator]), int(values[spec.denominator])
        rate = Fraction(num, den)
        pts = self.points_at(spec, rate)
        gap = None
        step = self._step(spec, num, den, pts) if pts < max_points else None
        if step is not None:
            n, target = step
            gap = Gap(
                f"thêm {count_vi(n - num)} {ctx.short(spec.numerator)} (trên cùng {count_vi(den)} "
                f"{ctx.short(spec.denominator)}) để đạt {percent_vi(Fraction(n, den))} → {points_vi(target)} điểm",
                target, n - num, spec.numerator)
        return Outcome(SCORED, pts, rate=rate, detail=f"{count_vi(num)}/{count_vi(den)}", gap=gap)

    def _step(self, spec, num: int, den: int, pts: Fraction) -> tuple[int, Fraction] | None:
        """Smallest numerator at the same denominator that reaches the next band
        edge; inside a rate × factor band the next edge is 100%."""
        edges = sorted({b.minimal_whole(Fraction(den)) for b in spec.bands} | {den})
        for n in edges:
            if num < n <= den and self.points_at(spec, Fraction(n, den)) > pts:
                return n, self.points_at(spec, Fraction(n, den))
        return None


@register
class WeightedRatioSum(_RatioBase):
    """Σ weight × numerator / denominator (7.1.3: (b/a)×1 + (c/a)×0,5)."""

    name = "weighted_ratio_sum"

    @dataclass(frozen=True)
    class Spec:
        denominator: str
        terms: tuple[tuple[str, Fraction], ...]

    def compile(self, params, ctx):
        c = _Checker(params, ctx)
        den = c.indicator("denominator", "count")
        terms = tuple((c.indicator("numerator", "count", t), c.number("weight", t)) for t in c.items("terms"))
        c.done()
        return self.Spec(den, terms)

    def indicators(self, spec):
        return (spec.denominator,) + tuple(t for t, _ in spec.terms)

    def max_points(self, spec):
        return max(w for _, w in spec.terms)

    def limits(self, spec):
        return [(tuple(t for t, _ in spec.terms), spec.denominator)]

    def evaluate(self, spec, values, months, when_none, max_points, ctx):
        if values.get(spec.denominator) == 0:
            return self._when_none(when_none, max_points, f"0 {ctx.short(spec.denominator)}")
        if (miss := _missing(values, self.indicators(spec))):
            return Outcome(MISSING, missing=miss)
        den = int(values[spec.denominator])
        pts = sum((w * Fraction(int(values[t]), den) for t, w in spec.terms), Fraction(0))
        best_ind, best_w = max(spec.terms, key=lambda tw: tw[1])
        rate = pts / best_w  # the weighted rate the points come from: (b + ½c)/a
        gap = None
        if pts < best_w:
            more = den - int(values[best_ind])
            gap = Gap(f"chuyển thêm {count_vi(more)} {ctx.short(best_ind)} (đạt 100%) → {points_vi(best_w)} điểm",
                      best_w, more, best_ind)
        # "(300 + ½ × 19)/344": bracketed, so it never reads as 300 + 19/344
        detail = "(" + " + ".join(_weighted(int(values[t]), w) for t, w in spec.terms) + f")/{count_vi(den)}"
        return Outcome(SCORED, pts, rate=rate, detail=detail, gap=gap)


def _weighted(count: int, weight: Fraction) -> str:
    if weight == 1:
        return count_vi(count)
    return f"{'½' if weight == Fraction(1, 2) else _plain(weight)} × {count_vi(count)}"


@register
class Checklist(Rule):
    """Sum of the points of the items that are true (7.2, 7.6.3)."""

    name = "checklist"

    @dataclass(frozen=True)
    class Spec:
        items: tuple[tuple[str, Fraction], ...]

    def compile(self, params, ctx):
        c = _Checker(params, ctx)
        items = tuple((c.indicator("indicator", "bool", i), c.number("points", i)) for i in c.items("items"))
        c.done()
        return self.Spec(items)

    def indicators(self, spec):
        return tuple(i for i, _ in spec.items)

    def max_points(self, spec):
        return sum((p for _, p in spec.items), Fraction(0))

    def evaluate(self, spec, values, months, when_none, max_points, ctx):
        if (miss := _missing(values, self.indicators(spec))):
            return Outcome(MISSING, missing=miss)
        done = [(i, p) for i, p in spec.items if values[i]]
        todo = [(i, p) for i, p in spec.items if not values[i]]
        pts = sum((p for _, p in done), Fraction(0))
        gap = None
        if todo:
            gap = Gap("cần thực hiện: " + "; ".join(f"{ctx.label(i)} (+{points_vi(p)})" for i, p in todo),
                      max_points)
        return Outcome(SCORED, pts, value=len(done), detail=f"{len(done)}/{len(spec.items)} nội dung", gap=gap)


@register
class CountBands(Rule):
    """Bands on a count, annualised (count × 12 / months) when asked (7.3)."""

    name = "count_bands"

    @dataclass(frozen=True)
    class Spec:
        indicator: str
        annualise: bool
        bands: tuple[Band, ...]

    def compile(self, params, ctx):
        c = _Checker(params, ctx)
        ind = c.indicator("indicator", "count")
        bands = c.bands()
        for b in bands:
            if b.factor is not None:
                c.errors.append("count_bands chỉ nhận điểm cố định (points), không nhận factor")
        c.done()
        return self.Spec(ind, bool(c.params.get("annualise", False)), bands)

    def indicators(self, spec):
        return (spec.indicator,)

    def max_points(self, spec):
        return max(b.points for b in spec.bands)  # type: ignore[type-var]

    def _points(self, spec, n: Fraction) -> Fraction:
        for band in spec.bands:
            if band.holds(n):
                return band.score(n)
        return Fraction(0)

    def evaluate(self, spec, values, months, when_none, max_points, ctx):
        if (miss := _missing(values, [spec.indicator])):
            return Outcome(MISSING, missing=miss)
        count = int(values[spec.indicator])
        scale = Fraction(months, 12) if spec.annualise else Fraction(1)
        n = Fraction(count) / scale
        pts = self._points(spec, n)
        gap = None
        for band in reversed(spec.bands):
            need = band.minimal_whole(scale)
            if band.points > pts and need > count:  # type: ignore[operator]
                per_year = f" (tương đương {band.describe()} {ctx.short(spec.indicator)}/năm)" if spec.annualise else ""
                gap = Gap(f"thêm {count_vi(need - count)} {ctx.short(spec.indicator)} trong kỳ → "
                          f"{points_vi(band.points)} điểm{per_year}", band.points, need - count, spec.indicator)  # type: ignore[arg-type]
                break
        detail = f"{count_vi(count)} {ctx.short(spec.indicator)}"
        if spec.annualise and months != 12:
            detail += f" (≈ {count_vi(round(n))}/năm)"
        return Outcome(SCORED, pts, value=n, detail=detail, gap=gap)


@register
class ReviewHandling(Rule):
    """3.2: not reviewed → 0; reviewed, report on time and every issue handled
    → full; reviewed otherwise → partial.  No issue found counts as all handled."""

    name = "review_handling"

    @dataclass(frozen=True)
    class Spec:
        done: str
        report_on_time: str
        found: str
        handled: str
        points_full: Fraction
        points_partial: Fraction

    def compile(self, params, ctx):
        c = _Checker(params, ctx)
        spec = self.Spec(c.indicator("done", "bool"), c.indicator("report_on_time", "bool"),
                         c.indicator("found", "count"), c.indicator("handled", "count"),
                         c.number("points_full"), c.number("points_partial"))
        if spec.points_partial > spec.points_full:
            c.errors.append("points_partial phải ≤ points_full")
        c.done()
        return spec

    def indicators(self, spec):
        return (spec.done, spec.report_on_time, spec.found, spec.handled)

    def max_points(self, spec):
        return spec.points_full

    def limits(self, spec):
        return [((spec.handled,), spec.found)]

    def decides_alone(self, spec, values):
        return values.get(spec.done) is False

    def evaluate(self, spec, values, months, when_none, max_points, ctx):
        if (miss := _missing(values, [spec.done])):
            return Outcome(MISSING, missing=miss)
        if not values[spec.done]:
            return Outcome(SCORED, Fraction(0), value=False, detail="Chưa rà soát",
                           gap=Gap(f"cần thực hiện: {ctx.label(spec.done)} và báo cáo đúng hạn "
                                   f"(+{points_vi(spec.points_full)} điểm)", spec.points_full))
        # No issue found counts as all handled: `handled` is not needed then.
        needed = [spec.report_on_time, spec.found] + ([] if values.get(spec.found) == 0 else [spec.handled])
        if (miss := _missing(values, needed)):
            return Outcome(MISSING, missing=miss)
        found = int(values[spec.found])
        handled = int(values[spec.handled]) if values.get(spec.handled) is not None else 0
        rate = Fraction(handled, found) if found else None
        lacking = []
        if not values[spec.report_on_time]:
            lacking.append("báo cáo rà soát đúng hạn")
        if handled < found:
            lacking.append(f"xử lý thêm {count_vi(found - handled)} {ctx.short(spec.handled)}")
        pts = spec.points_partial if lacking else spec.points_full
        gap = Gap("cần " + " và ".join(lacking) + f" → {points_vi(spec.points_full)} điểm",
                  spec.points_full, found - handled or None, spec.handled) if lacking else None
        return Outcome(SCORED, pts, rate=rate, value=True,
                       detail=f"Đã rà soát, xử lý {count_vi(handled)}/{count_vi(found)}", gap=gap)


@register
class CompleteOnTime(Rule):
    """3.3.1: complete and on time → full; complete but late → partial; else 0."""

    name = "complete_on_time"

    @dataclass(frozen=True)
    class Spec:
        complete: str
        on_time: str
        points_full: Fraction
        points_late: Fraction

    def compile(self, params, ctx):
        c = _Checker(params, ctx)
        spec = self.Spec(c.indicator("complete", "bool"), c.indicator("on_time", "bool"),
                         c.number("points_full"), c.number("points_late"))
        if spec.points_late > spec.points_full:
            c.errors.append("points_late phải ≤ points_full")
        c.done()
        return spec

    def indicators(self, spec):
        return (spec.complete, spec.on_time)

    def max_points(self, spec):
        return spec.points_full

    def evaluate(self, spec, values, months, when_none, max_points, ctx):
        if (miss := _missing(values, [spec.complete])):
            return Outcome(MISSING, missing=miss)
        if not values[spec.complete]:
            return Outcome(SCORED, Fraction(0), value=False, detail="Chưa đầy đủ",
                           gap=Gap(f"cần: {ctx.label(spec.complete)}, kịp thời "
                                   f"(+{points_vi(spec.points_full)} điểm)", spec.points_full))
        if (miss := _missing(values, [spec.on_time])):
            return Outcome(MISSING, missing=miss)
        if values[spec.on_time]:
            return Outcome(SCORED, spec.points_full, value=True, detail="Đầy đủ, kịp thời")
        return Outcome(SCORED, spec.points_late, value=True, detail="Đầy đủ, chưa kịp thời",
                       gap=Gap(f"cần: {ctx.label(spec.on_time)} (+{points_vi(spec.points_full - spec.points_late)} điểm)",
                               spec.points_full))


@register
class Tracked(_RatioBase):
    """A rate shown without points (the plan gives no scale)."""

    name = "tracked"
    scores = False

    @dataclass(frozen=True)
    class Spec:
        numerator: str
        denominator: str

    def compile(self, params, ctx):
        c = _Checker(params, ctx)
        spec = self.Spec(c.indicator("numerator", "count"), c.indicator("denominator", "count"))
        c.done()
        return spec

    def indicators(self, spec):
        return (spec.denominator, spec.numerator)

    def max_points(self, spec):
        return Fraction(0)

    def limits(self, spec):
        return [((spec.numerator,), spec.denominator)]

    def evaluate(self, spec, values, months, when_none, max_points, ctx):
        if values.get(spec.denominator) == 0:
            return self._when_none("n/a", max_points, f"0 {ctx.short(spec.denominator)}")
        if (miss := _missing(values, [spec.denominator, spec.numerator])):
            return Outcome(MISSING, missing=miss)
        num, den = int(values[spec.numerator]), int(values[spec.denominator])
        return Outcome(TRACKED, rate=Fraction(num, den), detail=f"{count_vi(num)}/{count_vi(den)}")
