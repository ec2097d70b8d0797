"""The unit registry (`params/units.yaml`): code, Vietnamese name, kind."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import yaml

from cchc_lib.core.catalogue import yaml_problem
from cchc_lib.errors import CatalogueError, Problem, UsageError

# Codes become file names (output/<period>/<code>.html): keep them tame.
CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str


class Registry:
    """Units in registry order; look-up by code."""

    def __init__(self, units: Iterable[Unit], path: str = ""):
        self.units = tuple(units)
        self.path = path
        self._by_code = {u.code: u for u in self.units}

    def __iter__(self) -> Iterator[Unit]:
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Unit:
        """The unit, or KeyError with the known codes in Vietnamese."""
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"đơn vị không có trong danh mục: {code!r} (các mã: {', '.join(self._by_code)})") from None

    def resolve(self, code: str) -> Unit:
        """The unit a person means: the code in any case ('gdtrh' → GDTRH);
        an unknown code is a UsageError suggesting the nearest codes
        ("Có phải GDTRH?")."""
        text = (code or "").strip()
        found = self._by_code.get(text.upper())
        if found is not None:
            return found
        raise UsageError(unknown_unit_message(text, self.codes))

    @property
    def codes(self) -> list[str]:
        return [u.code for u in self.units]


def suggest(code: str, codes: list[str], n: int = 3) -> list[str]:
    """The known codes nearest to a mistyped one (difflib), best first: those
    about as near as the nearest (a clear best match is named alone)."""
    typed = code.upper()
    near = difflib.get_close_matches(typed, codes, n=n, cutoff=0.6)
    if not near:
        return []
    best = difflib.SequenceMatcher(None, typed, near[0]).ratio()
    return [c for c in near if difflib.SequenceMatcher(None, typed, c).ratio() >= best - 0.1]


def unknown_unit_message(code: str, codes: list[str]) -> str:
    """'đơn vị không có trong danh mục: 'GDTHR'. Có phải GDTRH?' (or the list of codes)."""
    near = suggest(code, codes)
    if near:
        hint = "Có phải " + (", ".join(near[:-1]) + " hoặc " if len(near) > 1 else "") + near[-1] + "?"
    else:
        shown = ", ".join(codes[:12]) + (f" và {len(codes) - 12} mã khác" if len(codes) > 12 else "")
        hint = f"Các mã trong danh mục: {shown}."
    return f"đơn vị không có trong danh mục: '{code}'. {hint}"


def is_valid_code(code: object) -> bool:
    return isinstance(code, str) and bool(CODE_RE.match(code))


def parse_registry(doc: object, path: str, kinds: Iterable[str]) -> Registry:
    """Validate a parsed registry; CatalogueError lists every problem."""
    kinds = list(kinds)
    errors: list[Problem] = []
    raw = doc.get("units") if isinstance(doc, dict) else None
    if not isinstance(raw, list) or not raw:
        raise CatalogueError([Problem("thiếu danh sách 'units'", file=path)])
    units, seen = [], set()
    for i, u in enumerate(raw, 1):
        if not isinstance(u, dict):
            errors.append(Problem(f"đơn vị thứ {i} không hợp lệ", file=path))
            continue
        code, name, kind = u.get("code"), u.get("name"), u.get("kind")
        where = f"đơn vị {code!r}: "
        if not is_valid_code(code):
            errors.append(Problem(where + "mã chỉ gồm chữ in hoa, số, '_', bắt đầu bằng chữ, tối đa 32 ký tự", file=path))
        elif code in seen:
            errors.append(Problem(where + "mã bị trùng", file=path))
        if not isinstance(name, str) or not name.strip():
            errors.append(Problem(where + "thiếu tên (name)", file=path))
        if kind not in kinds:
            errors.append(Problem(where + f"loại không hợp lệ {kind!r} (các loại: {', '.join(kinds)})", file=path))
        seen.add(code)
        units.append(Unit(str(code), str(name), str(kind)))
    if errors:
        raise CatalogueError(errors)
    return Registry(units, path)


def load_registry(path: str | Path, kinds: Iterable[str]) -> Registry:
    p = Path(path)
    if not p.is_file():
        raise CatalogueError([Problem("không tìm thấy danh mục đơn vị", file=str(p))])
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise CatalogueError([yaml_problem(e, str(p))]) from None
    return parse_registry(doc, p.name, kinds)
