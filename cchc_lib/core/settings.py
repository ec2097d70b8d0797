"""The settings another department or another year changes as files, not code.

Two YAML files in the project's `params/` folder, both optional (every key
has a default, the Hai Phong Department of Education and Training's):

- `params/organisation.yaml` — who the reports are about, read by
  `core.organisation` (the one loader, shared with the forms and the Word
  report): the department's names, among them `whole` ("Toàn Sở GD&ĐT", the
  one name of the department as one body in every report, table and
  sentence), the header line, the agency block and the signer.
- `params/reports.yaml` — what the reports show: the criteria followed month
  by month (by default each report's rate criteria that lose the most
  points), the colour bands of the percentage, the groups of unit kinds
  ranked together, how many items the generated lists name, and the rate
  below which a criterion at its maximum is not called a strength.

`load_settings(params_dir)` reads both (cached while the files do not
change) and validates every key of reports.yaml: an unknown key, a wrong
type or a bad value is a `CatalogueError` naming the file and the line.
`check(settings, catalogue)` checks what needs the catalogue (criterion
codes, unit kinds).  `settings_dir(units)` is the folder a registry's
settings are read from: the registry's own, when it holds either file, else
the project's `params/`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import yaml

from cchc_lib import project
from cchc_lib.core.organisation import FILE_NAME as ORGANISATION_FILE, Organisation, load_organisation
from cchc_lib.core.yamltext import key_lines, line_of, yaml_problem
from cchc_lib.errors import CatalogueError, Problem
from cchc_lib.fmt import number_vi

REPORTS_FILE = "reports.yaml"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Band:
    """A colour for percentages from `lower` (inclusive) up to the next band."""

    lower: float  # percent, 0–100
    colour: str
    label: str = ""


@dataclass(frozen=True)
class RankGroup:
    """Unit kinds ranked together (a school is not ranked against an office)."""

    name: str
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Lists:
    """How many items the generated text names before "và N … khác"."""

    losses: int = 8  # criteria in the department's largest losses and remedies
    units_per_criterion: int = 4  # units named for one criterion
    units_missing: int = 6  # units named as having to send missing figures
    strengths: int = 5  # criteria named as strengths


DEFAULT_BANDS = (Band(90, "#2e8b57"), Band(75, "#1f5fa8"), Band(60, "#d98e04"), Band(0, "#c0392b"))
DEFAULT_GROUPS = (RankGroup("Văn phòng và Thanh tra Sở", ("van_phong", "thanh_tra")),
                  RankGroup("Các phòng Sở", ("phong",)),
                  RankGroup("Trường và trung tâm trực thuộc", ("truc_thuoc",)))


#: `trend_criteria: tự động` (the default): the rate criteria that lose the most points.
AUTOMATIC = ("tự động", "tu dong", "auto")


@dataclass(frozen=True)
class ReportSettings:
    #: The criteria followed month by month; empty: each report's rate
    #: criteria that lose the most points in its period (`trend_count` of them).
    trend_criteria: tuple[str, ...] = ()
    min_trend_months: int = 3
    bands: tuple[Band, ...] = DEFAULT_BANDS
    rank_groups: tuple[RankGroup, ...] = DEFAULT_GROUPS
    lists: Lists = field(default_factory=Lists)
    strength_min_rate: float = 0.8  # rate (0–1) below which a criterion at its maximum is not a strength
    trend_count: int = 3  # how many criteria a report follows when it picks them itself

    def band_label(self, band: Band) -> str:
        """"từ 75% đến dưới 90%" (or the band's own label)."""
        if band.label:
            return band.label
        i = self.bands.index(band)
        upper = self.bands[i - 1].lower if i > 0 else None
        low = number_vi(band.lower, 0 if float(band.lower).is_integer() else 1) + "%"
        if upper is None:
            return f"từ {low} trở lên"
        high = number_vi(upper, 0 if float(upper).is_integer() else 1) + "%"
        return f"dưới {high}" if band.lower == 0 else f"từ {low} đến dưới {high}"

    def band(self, percent: float | None) -> Band | None:
        """The band a percentage (0–100) falls in."""
        if percent is None:
            return None
        return next((b for b in self.bands if percent >= b.lower - 1e-9), self.bands[-1])


@dataclass(frozen=True)
class Settings:
    organisation: Organisation = field(default_factory=Organisation)
    reports: ReportSettings = field(default_factory=ReportSettings)
    files: tuple[str, ...] = ()  # the files read (absolute paths)
    lines: Mapping[str, Mapping[tuple, int]] = field(default_factory=dict, compare=False, repr=False)

    def where(self, file: str, *path: Any) -> dict[str, Any]:
        """`file=` and `row=` of a key, for a `Problem`."""
        full = next((f for f in self.files if Path(f).name == file), file)
        return {"file": _shown(Path(full)), "row": line_of(self.lines.get(file, {}), *path)}


DEFAULTS = Settings()


# --- loading ---------------------------------------------------------------------------

def settings_dir(units: str | Path | None = None) -> Path:
    """Where the settings of a unit registry are: its own folder when that
    holds organisation.yaml or reports.yaml (a project's params/), else the
    project's params/ (the demo's registry, in demo/, uses the department's
    names)."""
    if units:
        folder = Path(units).resolve().parent
        if (folder / ORGANISATION_FILE).is_file() or (folder / REPORTS_FILE).is_file():
            return folder
    return project.params_dir()


def load_settings(params_dir: str | Path | None = None) -> Settings:
    """The settings of the project whose `params/` folder is given (default:
    the current project's); defaults for a file that does not exist."""
    d = Path(params_dir) if params_dir else project.params_dir()
    key = tuple(_stat(d / name) for name in (ORGANISATION_FILE, REPORTS_FILE))
    if _CACHE.get(str(d), (None,))[0] != key:
        _CACHE[str(d)] = (key, _load(d))
    return _CACHE[str(d)][1]


_CACHE: dict[str, tuple[tuple, Settings]] = {}


def _stat(p: Path) -> tuple:
    try:
        st = p.stat()
        return (st.st_mtime_ns, st.st_size)
    except OSError:
        return (None,)


def _read(path: Path, problems: list[Problem]) -> tuple[dict, dict[tuple, int]]:
    if not path.is_file():
        return {}, {}
    text = path.read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        problems.append(yaml_problem(e, _shown(path)))
        return {}, {}
    if doc is None:
        return {}, {}
    if not isinstance(doc, Mapping):
        problems.append(Problem("tệp phải là một bảng khóa: giá trị", file=_shown(path), row=1))
        return {}, {}
    return dict(doc), key_lines(text)


def _shown(path: Path) -> str:
    """`params/reports.yaml`: the folder and the file, as the user knows them."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


class _Checker:
    """Collects problems located by key path."""

    def __init__(self, path: Path, lines: Mapping[tuple, int]):
        self.file, self.lines = _shown(path), lines
        self.problems: list[Problem] = []

    def bad(self, key_path: tuple, message: str) -> None:
        name = ".".join(str(k) if not isinstance(k, int) else f"[{k + 1}]" for k in key_path).replace(".[", "[")
        self.problems.append(Problem(f"{name}: {message}", file=self.file, row=line_of(self.lines, *key_path)))

    def unknown(self, doc: Mapping, known: Iterable[str], path: tuple = ()) -> None:
        known = list(known)
        for k in doc:
            if str(k) not in known:
                self.bad(path + (str(k),), f"khóa không có trong mẫu (các khóa: {', '.join(known)})")

    def text(self, doc: Mapping, key: str, default: str, path: tuple = ()) -> str:
        v = doc.get(key, default)
        if not isinstance(v, str) or not v.strip():
            self.bad(path + (key,), "cần một đoạn chữ, không để trống")
            return default
        return " ".join(v.split())

    def number(self, doc: Mapping, key: str, default: float, low: float, high: float, path: tuple = (),
               whole: bool = False) -> float:
        v = doc.get(key, default)
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and low <= v <= high
        if ok and whole and not float(v).is_integer():
            ok = False
        if not ok:
            kind = "số nguyên" if whole else "số"
            self.bad(path + (key,), f"cần một {kind} từ {low:g} đến {high:g}, không phải {v!r}")
            return default
        return v


def _reports(doc: dict, c: _Checker) -> ReportSettings:
    d = ReportSettings()
    c.unknown(doc, ("trend_criteria", "trend_count", "min_trend_months", "bands", "rank_groups", "lists",
                    "strength_min_rate"))
    raw = doc.get("trend_criteria", AUTOMATIC[0])
    automatic = isinstance(raw, str) and raw.strip().lower() in AUTOMATIC
    trend = () if automatic else _codes(raw, ("trend_criteria",), c, 'hoặc "tự động"')
    count = int(c.number(doc, "trend_count", d.trend_count, 1, 12, whole=True))
    months = int(c.number(doc, "min_trend_months", d.min_trend_months, 1, 12, whole=True))
    bands = _bands(doc["bands"], c) if "bands" in doc else d.bands
    groups = _groups(doc["rank_groups"], c) if "rank_groups" in doc else d.rank_groups
    lists = d.lists
    if "lists" in doc:
        raw = doc["lists"]
        if not isinstance(raw, Mapping):
            c.bad(("lists",), "cần một bảng, ví dụ {losses: 8, units_per_criterion: 4}")
        else:
            names = ("losses", "units_per_criterion", "units_missing", "strengths")
            c.unknown(raw, names, ("lists",))
            lists = Lists(**{n: int(c.number(raw, n, getattr(d.lists, n), 1, 500, ("lists",), whole=True))
                             for n in names})
    rate = c.number(doc, "strength_min_rate", d.strength_min_rate * 100, 0, 100) / 100
    return ReportSettings(trend, months, bands, groups, lists, rate, count)


def _codes(raw: Any, path: tuple, c: _Checker, alternative: str = "") -> tuple[str, ...]:
    if not isinstance(raw, list):
        c.bad(path, 'cần một danh sách mã tiêu chí, ví dụ ["3.4.2", "7.4.2"]' + (f" {alternative}" if alternative else ""))
        return ()
    out = []
    for i, code in enumerate(raw):
        if not isinstance(code, str):
            c.bad(path + (i,), f'viết mã tiêu chí trong dấu nháy: "{code}" (YAML đọc {code!r} là một số)')
            continue
        out.append(code.strip())
    return tuple(out)


def _bands(raw: Any, c: _Checker) -> tuple[Band, ...]:
    if not isinstance(raw, list) or not raw:
        c.bad(("bands",), 'cần một danh sách, ví dụ - {from: 90, colour: "#2e8b57"}')
        return DEFAULT_BANDS
    out: list[Band] = []
    for i, b in enumerate(raw):
        path = ("bands", i)
        if not isinstance(b, Mapping):
            c.bad(path, 'cần {from: <phần trăm>, colour: "#rrggbb"}')
            continue
        c.unknown(b, ("from", "colour", "label"), path)
        lower = c.number(b, "from", -1, 0, 100, path)
        colour = b.get("colour")
        if not isinstance(colour, str) or not _COLOUR.match(colour):
            c.bad(path + ("colour",), f'cần mã màu dạng "#1f5fa8", không phải {colour!r}')
            colour = "#888888"
        label = b.get("label", "")
        if not isinstance(label, str):
            c.bad(path + ("label",), "cần một đoạn chữ")
            label = ""
        if out and lower >= out[-1].lower:
            c.bad(path + ("from",), f"các mức phải giảm dần (mức trên: {out[-1].lower:g})")
        out.append(Band(float(lower), colour, label.strip()))
    if out and out[-1].lower != 0:
        c.bad(("bands", len(raw) - 1, "from"), "mức cuối cùng phải là from: 0 (mọi tỷ lệ đều có màu)")
    return tuple(out) or DEFAULT_BANDS


def _groups(raw: Any, c: _Checker) -> tuple[RankGroup, ...]:
    if not isinstance(raw, list) or not raw:
        c.bad(("rank_groups",), "cần một danh sách, ví dụ - {name: Các phòng Sở, kinds: [phong]}")
        return DEFAULT_GROUPS
    out, seen = [], set()
    for i, g in enumerate(raw):
        path = ("rank_groups", i)
        if not isinstance(g, Mapping):
            c.bad(path, "cần {name: <tên nhóm>, kinds: [<loại đơn vị>, ...]}")
            continue
        c.unknown(g, ("name", "kinds"), path)
        name = c.text(g, "name", f"Nhóm {i + 1}", path)
        kinds = g.get("kinds")
        if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
            c.bad(path + ("kinds",), "cần một danh sách loại đơn vị, ví dụ [van_phong, thanh_tra]")
            continue
        for k in kinds:
            if k in seen:
                c.bad(path + ("kinds",), f"loại {k!r} đã có trong một nhóm khác")
            seen.add(k)
        out.append(RankGroup(name, tuple(kinds)))
    return tuple(out) or DEFAULT_GROUPS


def _load(d: Path) -> Settings:
    problems: list[Problem] = []
    org_path, rep_path = d / ORGANISATION_FILE, d / REPORTS_FILE
    org = load_organisation(path=org_path) if org_path.is_file() else Organisation()
    rep_doc, rep_lines = _read(rep_path, problems)
    checker = _Checker(rep_path, rep_lines)
    rep = _reports(rep_doc, checker)
    problems += checker.problems
    if problems:
        raise CatalogueError(problems)
    files = tuple(str(p.resolve()) for p in (org_path, rep_path) if p.is_file())
    return Settings(org, rep, files, {REPORTS_FILE: rep_lines})


def check(settings: Settings, criterion_codes: Iterable[str], unit_kinds: Iterable[str]) -> None:
    """What needs the catalogue: the trend criteria exist, the rank groups
    name known unit kinds.  CatalogueError with every problem."""
    codes, kinds = set(criterion_codes), list(unit_kinds)
    problems = []
    for i, code in enumerate(settings.reports.trend_criteria):
        if code not in codes:
            problems.append(Problem(f"trend_criteria: không có tiêu chí {code!r} trong danh mục",
                                    **settings.where(REPORTS_FILE, "trend_criteria", i)))
    for i, g in enumerate(settings.reports.rank_groups):
        for k in g.kinds:
            if k not in kinds:
                problems.append(Problem(f"rank_groups[{i + 1}].kinds: loại đơn vị không có {k!r} "
                                        f"(các loại: {', '.join(kinds)})",
                                        **settings.where(REPORTS_FILE, "rank_groups", i, "kinds")))
    if problems:
        raise CatalogueError(problems)


def group_of(settings: Settings, kind: str, kind_labels: Mapping[str, str]) -> RankGroup:
    """The rank group of a unit kind; a kind no group names is a group of its own."""
    for g in settings.reports.rank_groups:
        if kind in g.kinds:
            return g
    return RankGroup(kind_labels.get(kind, kind), (kind,))


def groups_in_order(settings: Settings, kinds: Iterable[str], kind_labels: Mapping[str, str]) -> list[RankGroup]:
    """The rank groups that these kinds fall in, configured order first."""
    out: list[RankGroup] = []
    for k in kinds:
        g = group_of(settings, k, kind_labels)
        if g not in out:
            out.append(g)
    order: Callable[[RankGroup], int] = lambda g: next(
        (i for i, x in enumerate(settings.reports.rank_groups) if x == g), len(settings.reports.rank_groups))
    return sorted(out, key=order)
