"""The criteria catalogue: indicators, domains and criteria of one year (YAML).

`load_catalogue()` reads the shipped 2023 catalogue, or another file, with
PyYAML's safe loader (libyaml's when installed), validates it completely and raises `CatalogueError` with
every problem found (file and criterion named) before anything is scored.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from cchc_lib.errors import CatalogueError, Problem
from cchc_lib.project import PACKAGE_DIR
from cchc_lib.core.rules import Rule, RuleContext, SpecError, get_rule, to_fraction
from cchc_lib.core.yamltext import yaml_problem  # noqa: F401  (units and others import it from here)

KINDS = ("count", "bool", "level")
NOT_DUE = "kps"  # the same value as dataset.NOT_DUE (dataset imports this module)
#: Behaviour over time (contract v2, 3.1) → the value kinds it fits, and how
#: the monthly form describes such a figure to a unit.
BEHAVIOURS: dict[str, tuple[tuple[str, ...], str]] = {
    "flow": (("count",), "trong tháng"),
    "stock": (("count",), "tính đến ngày chốt số liệu"),
    "ytd": (("count",), "lũy kế từ đầu năm"),
    "state": (("bool", "level"), "tính đến ngày chốt số liệu"),
    "event": (("bool",), "đã thực hiện trong năm chưa"),
    "compliance": (("bool",), "trong tháng, khi có phát sinh (hoặc «không phát sinh»)"),
}
#: Department rule (contract v2, 3.4) → the value kinds it fits.
DEPARTMENT_RULES: dict[str, tuple[str, ...]] = {
    "vp": ("count", "bool", "level"),
    "any": ("bool",),
    "all": ("bool", "level"),
    "sum": ("count",),
}
WHEN_NONE = ("full", "n/a")
#: Upper bound of a count when the catalogue sets none (`count_max`, or an
#: indicator's `max`): a monthly figure above it is refused as an input error.
DEFAULT_COUNT_MAX = 1_000_000
COUNT_MAX_LIMIT = 10**15  # what a catalogue may set at most (SQLite integers end at 2**63)
DATA_DIR = PACKAGE_DIR / "data"


def fold(text: str) -> str:
    """Lower case without diacritics, for lenient matching (`Khá` → `kha`)."""
    text = text.strip().lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


@dataclass(frozen=True)
class Level:
    code: str
    label: str


@dataclass(frozen=True)
class Indicator:
    """A figure a unit reports each month."""

    id: str
    kind: str
    label: str
    unit: str | None = None
    short: str | None = None
    levels: tuple[Level, ...] = ()
    behaviour: str = "flow"
    department: str = "sum"
    max_value: int | None = None  # counts: the largest monthly value accepted

    @property
    def form_hint(self) -> str:
        """What kind of figure this is, in a unit's words ("trong tháng", ...)."""
        return BEHAVIOURS[self.behaviour][1]

    def level_label(self, code: str) -> str:
        return next((lv.label for lv in self.levels if lv.code == code), code)

    def display(self, value: Any) -> object:
        """How a value is written back to a table: có/không, level labels, counts."""
        if self.kind == "bool":
            return "không phát sinh" if value == NOT_DUE else ("có" if value else "không")
        if self.kind == "level":
            return self.level_label(value)
        return value

    def level_rank(self, code: str) -> int:
        """0 for the best level; larger is worse."""
        return [lv.code for lv in self.levels].index(code)

    def match_level(self, text: str) -> str | None:
        """The level code for a code or a Vietnamese label, any case or accents."""
        key = fold(text)
        for lv in self.levels:
            if key in (fold(lv.code), fold(lv.label), fold(lv.code.replace("_", " "))):
                return lv.code
        return None


@dataclass(frozen=True)
class Group:
    code: str
    title: str


@dataclass(frozen=True)
class Domain:
    code: str
    title: str
    groups: tuple[Group, ...] = ()


@dataclass(frozen=True)
class Criterion:
    """One scored (or tracked) item of the plan."""

    code: str
    domain: str
    title: str
    max_points: Fraction
    rule_name: str
    spec: Any
    params: Mapping[str, Any]
    responsible: tuple[str, ...]
    scoring_text: str = ""
    when_none: str | None = None
    group: str | None = None
    responsible_text: str = ""  # the plan's own words for the units responsible

    @property
    def rule(self) -> Rule:
        return get_rule(self.rule_name)

    @cached_property
    def indicators(self) -> tuple[str, ...]:
        return self.rule.indicators(self.spec)

    @property
    def tracked(self) -> bool:
        return not self.rule.scores


@dataclass(frozen=True)
class Limit:
    """Input check: the sum of `parts` may not exceed `whole` (same unit, month)."""

    parts: tuple[str, ...]
    whole: str


@dataclass(frozen=True)
class CarryOver:
    """A handled/received pair whose handling may fall in a later month (3.3)."""

    handled: str
    received: str


@dataclass(frozen=True)
class PeriodNote:
    """`below` < `minus[0]` − `minus[1]` over a period is noted on `criterion`."""

    criterion: str
    below: str
    minus: tuple[str, str]
    text: str


@dataclass
class Catalogue:
    year: int
    title: str
    source: str
    unit_kinds: dict[str, str]
    indicators: dict[str, Indicator]
    domains: tuple[Domain, ...]
    criteria: tuple[Criterion, ...]
    limits: tuple[Limit, ...]
    path: str = ""
    carry_over: tuple[CarryOver, ...] = ()
    period_notes: tuple[PeriodNote, ...] = ()
    office_kind: str = "van_phong"  # the Văn phòng Sở: whose figures are the department's `vp` ones
    context: RuleContext = field(init=False)

    def __post_init__(self) -> None:
        self.context = RuleContext(self.indicators)
        self._by_code = {c.code: c for c in self.criteria}

    def criterion(self, code: str) -> Criterion:
        return self._by_code[code]

    def domain(self, code: str) -> Domain:
        return next(d for d in self.domains if d.code == code)

    def criteria_of(self, domain: str) -> list[Criterion]:
        return [c for c in self.criteria if c.domain == domain]

    def domain_max(self, domain: str) -> Fraction:
        return sum((c.max_points for c in self.criteria_of(domain)), Fraction(0))

    @property
    def total_max(self) -> Fraction:
        return sum((c.max_points for c in self.criteria), Fraction(0))

    def criteria_for_kind(self, kind: str) -> list[Criterion]:
        """The criteria the plan makes this kind of unit responsible for."""
        return [c for c in self.criteria if kind in c.responsible]

    def criteria_on_form(self, kind: str) -> list[Criterion]:
        """The criteria a unit of this kind reports on its monthly form: its own,
        and those whose every indicator it reports (the office's `vp` facts)."""
        wanted = set(self.indicators_for_kind(kind))
        return [c for c in self.criteria if kind in c.responsible or set(c.indicators) <= wanted]

    def indicators_for_kind(self, kind: str) -> list[str]:
        """Indicators a unit of this kind reports, in catalogue order: those of
        its criteria, and for the office every `vp` indicator (the department's
        own facts, contract v2 3.4)."""
        seen: dict[str, None] = {}
        for c in self.criteria_for_kind(kind):
            for i in c.indicators:
                seen.setdefault(i, None)
        if kind == self.office_kind:
            for i, ind in self.indicators.items():
                if ind.department == "vp":
                    seen.setdefault(i, None)
        order = list(self.indicators)
        return sorted(seen, key=order.index)


def _problem(path: str, message: str) -> Problem:
    return Problem(message, file=path)


def _count_bound(raw: Any, where: str, path: str, errors: list[Problem]) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= COUNT_MAX_LIMIT:
        errors.append(_problem(path, f"{where} phải là số nguyên từ 1 đến 10^15, không phải {raw!r}"))
        return None
    return raw


def _parse_indicators(raw: Any, path: str, errors: list[Problem], count_max: int = DEFAULT_COUNT_MAX
                      ) -> dict[str, Indicator]:
    out: dict[str, Indicator] = {}
    if not isinstance(raw, Mapping) or not raw:
        errors.append(_problem(path, "thiếu mục 'indicators'"))
        return out
    for iid, spec in raw.items():
        where = f"chỉ số {iid}: "
        if not isinstance(spec, Mapping):
            errors.append(_problem(path, where + "phải là bảng khóa: giá trị"))
            continue
        kind = spec.get("kind")
        if kind not in KINDS:
            errors.append(_problem(path, where + f"kiểu không hợp lệ '{kind}' (các kiểu: {', '.join(KINDS)})"))
            continue
        levels: tuple[Level, ...] = ()
        if kind == "level":
            raw_levels = spec.get("levels") or []
            levels = tuple(Level(str(lv.get("code")), str(lv.get("label"))) for lv in raw_levels if isinstance(lv, Mapping))
            codes = [lv.code for lv in levels]
            if len(levels) < 2 or len(set(codes)) != len(codes):
                errors.append(_problem(path, where + "cần ít nhất hai mức, mã không trùng nhau"))
        if not isinstance(spec.get("label"), str):
            errors.append(_problem(path, where + "thiếu nhãn (label)"))
        behaviour = spec.get("behaviour")
        if behaviour not in BEHAVIOURS:
            errors.append(_problem(path, where + f"thiếu hoặc sai 'behaviour' ({behaviour!r}; các loại: "
                                   f"{', '.join(BEHAVIOURS)})"))
        elif kind not in BEHAVIOURS[behaviour][0]:
            fits = [b for b, (kinds, _) in BEHAVIOURS.items() if kind in kinds]
            errors.append(_problem(path, where + f"behaviour '{behaviour}' không dùng cho kiểu {kind} "
                                   f"(kiểu {kind} dùng: {', '.join(fits)})"))
        department = spec.get("department")
        if department not in DEPARTMENT_RULES:
            errors.append(_problem(path, where + f"thiếu hoặc sai 'department' ({department!r}; các quy tắc: "
                                   f"{', '.join(DEPARTMENT_RULES)})"))
        elif kind not in DEPARTMENT_RULES[department]:
            fits = [d for d, kinds in DEPARTMENT_RULES.items() if kind in kinds]
            errors.append(_problem(path, where + f"department '{department}' không dùng cho kiểu {kind} "
                                   f"(kiểu {kind} dùng: {', '.join(fits)})"))
        bound = None
        if "max" in spec:
            if kind != "count":
                errors.append(_problem(path, where + f"'max' chỉ dùng cho chỉ số kiểu count (kiểu: {kind})"))
            else:
                bound = _count_bound(spec["max"], where + "max", path, errors)
        if kind == "count" and bound is None:
            bound = count_max
        out[str(iid)] = Indicator(str(iid), kind, str(spec.get("label", iid)), spec.get("unit"), spec.get("short"),
                                  levels, str(behaviour), str(department), bound)
    return out


def _parse_domains(raw: Any, path: str, errors: list[Problem]) -> tuple[Domain, ...]:
    if not isinstance(raw, list) or not raw:
        errors.append(_problem(path, "thiếu mục 'domains'"))
        return ()
    out = []
    for d in raw:
        if not isinstance(d, Mapping) or "code" not in d or "title" not in d:
            errors.append(_problem(path, f"lĩnh vực không hợp lệ: {d!r}"))
            continue
        groups = tuple(Group(str(g["code"]), str(g["title"])) for g in d.get("groups") or [])
        out.append(Domain(str(d["code"]), str(d["title"]), groups))
    return tuple(out)


def _parse_criterion(raw: Any, cat: dict[str, Any], path: str, errors: list[Problem]) -> Criterion | None:
    if not isinstance(raw, Mapping) or "code" not in raw:
        errors.append(_problem(path, f"tiêu chí không có mã: {raw!r}"))
        return None
    code = str(raw["code"])
    where = f"tiêu chí {code}: "
    before = len(errors)

    def err(msg: str) -> None:
        errors.append(_problem(path, where + msg))

    domains = {d.code: d for d in cat["domains"]}
    domain = str(raw.get("domain"))
    if domain not in domains:
        err(f"lĩnh vực không tồn tại '{domain}'")
    group = raw.get("group")
    if group is not None and domain in domains and str(group) not in {g.code for g in domains[domain].groups}:
        err(f"nhóm không tồn tại '{group}' trong lĩnh vực {domain}")
    if not isinstance(raw.get("title"), str):
        err("thiếu tên tiêu chí (title)")
    try:
        max_points = to_fraction(raw.get("max"))
        if max_points < 0:
            raise ValueError
    except ValueError:
        err("điểm tối đa (max) phải là số ≥ 0")
        max_points = Fraction(0)
    responsible = raw.get("responsible") or []
    for kind in responsible:
        if kind not in cat["unit_kinds"]:
            err(f"loại đơn vị không tồn tại '{kind}' (các loại: {', '.join(cat['unit_kinds'])})")
    rule_name = str(raw.get("rule"))
    try:
        rule = get_rule(rule_name)
    except KeyError as e:
        err(e.args[0])
        return None
    try:
        spec = rule.compile(raw.get("params") or {}, RuleContext(cat["indicators"]))
    except SpecError as e:
        for m in e.messages:
            err(m)
        return None
    when_none = raw.get("when_none")
    if rule.needs_when_none:
        if rule.scores and when_none not in WHEN_NONE:
            err(f"cần 'when_none' là một trong: {', '.join(WHEN_NONE)}")
    elif when_none is not None:
        err(f"quy tắc {rule_name} không dùng 'when_none'")
    reach, bound = rule.ceiling(spec)
    if bound > max_points:
        err(f"điểm tối đa {float(max_points):g} nhưng quy tắc {rule_name} có thể cho tới {float(bound):g} (vượt tối đa)")
    elif reach != max_points:
        err(f"điểm tối đa {float(max_points):g} nhưng quy tắc {rule_name} cho tối đa {float(reach):g} (không đạt được)")
    if len(errors) > before:
        return None
    return Criterion(code, domain, str(raw["title"]), max_points, rule_name, spec, dict(raw.get("params") or {}),
                     tuple(responsible), str(raw.get("scoring_text", "")).strip(),
                     str(when_none) if when_none is not None else None, str(group) if group is not None else None,
                     str(raw.get("responsible_text") or ""))


def parse_catalogue(doc: Any, path: str = "<catalogue>") -> Catalogue:
    """Validate a parsed YAML document; raise CatalogueError with every problem."""
    errors: list[Problem] = []
    if not isinstance(doc, Mapping):
        raise CatalogueError([_problem(path, "tệp danh mục phải là một bảng YAML")])
    unit_kinds = doc.get("unit_kinds") or {}
    if not isinstance(unit_kinds, Mapping) or not unit_kinds:
        errors.append(_problem(path, "thiếu mục 'unit_kinds'"))
        unit_kinds = {}
    cat: dict[str, Any] = {
        "unit_kinds": {str(k): str(v) for k, v in unit_kinds.items()},
        "indicators": _parse_indicators(doc.get("indicators"), path, errors,
                                        _count_bound(doc.get("count_max", DEFAULT_COUNT_MAX), "count_max", path, errors)
                                        or DEFAULT_COUNT_MAX),
        "domains": _parse_domains(doc.get("domains"), path, errors),
    }
    criteria: list[Criterion] = []
    seen: set[str] = set()
    raw_criteria = doc.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        errors.append(_problem(path, "thiếu mục 'criteria'"))
        raw_criteria = []
    for raw in raw_criteria:
        code = str(raw.get("code")) if isinstance(raw, Mapping) else None
        if code in seen:
            errors.append(_problem(path, f"tiêu chí {code}: mã bị trùng"))
            continue
        if code:
            seen.add(code)
        crit = _parse_criterion(raw, cat, path, errors)
        if crit:
            criteria.append(crit)
    limits = []
    for raw in doc.get("constraints") or []:
        parts, whole = raw.get("indicators") if isinstance(raw, Mapping) else None, raw.get("at_most") if isinstance(raw, Mapping) else None
        names = list(parts or []) + [whole]
        unknown = [n for n in names if n not in cat["indicators"] or cat["indicators"][n].kind != "count"]
        if not parts or unknown:
            errors.append(_problem(path, f"ràng buộc không hợp lệ {raw!r}: chỉ số không tồn tại hoặc không phải count: {unknown}"))
            continue
        limits.append(Limit(tuple(parts), str(whole)))
    office = str(doc.get("office_kind", "van_phong"))
    if cat["unit_kinds"] and office not in cat["unit_kinds"]:
        errors.append(_problem(path, f"office_kind '{office}' không có trong unit_kinds ({', '.join(cat['unit_kinds'])})"))
    carry = _parse_carry_over(doc.get("carry_over"), cat["indicators"], path, errors)
    notes = _parse_period_notes(doc.get("period_notes"), cat["indicators"], {c.code for c in criteria}, path, errors)
    if errors:
        raise CatalogueError(errors)
    carried = {(c.handled, c.received) for c in carry}
    for c in criteria:
        for parts, whole in c.rule.limits(c.spec):
            if not (len(parts) == 1 and (parts[0], whole) in carried):
                limits.append(Limit(tuple(parts), whole))
    unique = tuple(dict.fromkeys(limits))
    return Catalogue(int(doc.get("year", 0)), str(doc.get("title", "")), str(doc.get("source", "")),
                     cat["unit_kinds"], cat["indicators"], cat["domains"], tuple(criteria), unique, path,
                     carry, notes, office)


def _count_flows(names: Iterable[Any], indicators: Mapping[str, Indicator]) -> list[str]:
    """The names that are not count indicators with behaviour flow."""
    return [str(n) for n in names
            if n not in indicators or indicators[n].kind != "count" or indicators[n].behaviour != "flow"]


def _parse_carry_over(raw: Any, indicators: Mapping[str, Indicator], path: str,
                      errors: list[Problem]) -> tuple[CarryOver, ...]:
    out = []
    for item in raw or []:
        if not isinstance(item, Mapping) or _count_flows([item.get("handled"), item.get("received")], indicators):
            errors.append(_problem(path, f"carry_over không hợp lệ {item!r}: cần 'handled' và 'received' là "
                                         "chỉ số count có behaviour flow"))
            continue
        out.append(CarryOver(str(item["handled"]), str(item["received"])))
    return tuple(out)


def _parse_period_notes(raw: Any, indicators: Mapping[str, Indicator], codes: set[str], path: str,
                        errors: list[Problem]) -> tuple[PeriodNote, ...]:
    out = []
    for item in raw or []:
        ok = (isinstance(item, Mapping) and str(item.get("criterion")) in codes and isinstance(item.get("text"), str)
              and isinstance(item.get("minus"), list) and len(item["minus"]) == 2
              and not _count_flows([item.get("below"), *item["minus"]], indicators))
        if not ok:
            errors.append(_problem(path, f"period_notes không hợp lệ {item!r}: cần criterion (mã tiêu chí), below, "
                                         "minus (hai chỉ số count flow) và text"))
            continue
        out.append(PeriodNote(str(item["criterion"]), str(item["below"]), (str(item["minus"][0]), str(item["minus"][1])),
                              item["text"]))
    return tuple(out)


#: The safe loader, in C when available: both build plain data only (no tags, no objects).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def default_catalogue_path(year: int = 2023) -> Path:
    return DATA_DIR / f"catalogue_{year}.yaml"


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Catalogue:
    text = Path(path).read_text(encoding="utf-8")
    try:
        # yaml.safe_load's loader, with libyaml's parser when PyYAML has it
        # (83 → 12 ms for the shipped catalogue); still only plain data.
        doc = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as e:
        raise CatalogueError([yaml_problem(e, path)]) from None
    return parse_catalogue(doc, Path(path).name)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate a catalogue (default: the shipped 2023 one)."""
    p = Path(path) if path else default_catalogue_path()
    if not p.is_file():
        raise CatalogueError([Problem("không tìm thấy tệp danh mục", file=str(p))])
    return _load_cached(str(p.resolve()), p.stat().st_mtime)
