"""The published figures: one contract for what a report notebook publishes.

A report notebook displays its key numbers as data under `MIME` (as
scrapbook does); the renderer extracts them to `output/<period>/<name>.json`,
which the index page and the tests read.  This module is that contract: the
mimetype, a versioned schema, and a validator that every writer
(`views.publish`) and every reader (`render.htmlexport.figures_of`,
`render.index_page.collect`, the tests) goes through.  A document that does
not match is refused with the path of the first bad key and what was
expected.

Version 1 (the first with a version): every document has `schema`
("cchc.figures"), `version`, `kind` ("unit" or "department"), `title`,
`unit`, `unit_name`, `period`, `points`, `max_points`, `percent`, `domains`,
`criteria`, `previous_points`, `change`; a unit's also `unit_kind`, `rank`,
`ranked` (over every unit), `rank_group`, `rank_in_group`,
`ranked_in_group`, `no_data` and `blank_form` (only forms with no figure
sent); the department's `ranking` (each unit's
rank overall and in its group) and `status` (submissions on time, late,
missing; null without a database).  Other keys are allowed (the renderer
adds `name` and `formats`).  A reader refuses another version: the reports
are then rendered again by a library that knows it.
"""
from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from cchc_lib.core.periods import parse_period
from cchc_lib.core.rules import STATUSES
from cchc_lib.errors import CchcError, PeriodError

MIME = "application/vnd.cchc.figures+json"
SCHEMA = "cchc.figures"
VERSION = 1


class FiguresError(CchcError):
    """Published figures that do not match the contract."""


Check = Callable[[Any], "str | None"]  # None when the value is fine, else what was expected


def _num(v: Any) -> str | None:
    return None if isinstance(v, (int, float)) and not isinstance(v, bool) else "một số"


def _int(v: Any) -> str | None:
    return None if isinstance(v, int) and not isinstance(v, bool) else "một số nguyên"


def _str(v: Any) -> str | None:
    return None if isinstance(v, str) else "một chuỗi"


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "true hoặc false"


def _opt(check: Check) -> Check:
    return lambda v: None if v is None else check(v)


def _one_of(*values: Any) -> Check:
    return lambda v: None if v in values else "một trong " + ", ".join(map(repr, values))


def _period(v: Any) -> str | None:
    if not isinstance(v, str):
        return "một kỳ (2023-Q3)"
    try:
        parse_period(v)
    except PeriodError:
        return "một kỳ (2023-Q3)"
    return None


def _obj(fields: Mapping[str, Check]) -> Check:
    def check(v: Any) -> str | None:
        return None if isinstance(v, Mapping) else "một bảng khóa: giá trị"
    check.fields = fields  # type: ignore[attr-defined]
    return check


def _list(item: Check) -> Check:
    def check(v: Any) -> str | None:
        return None if isinstance(v, list) else "một danh sách"
    check.item = item  # type: ignore[attr-defined]
    return check


_DOMAIN = _obj({"code": _str, "points": _num, "max_points": _num})
_CRITERION = _obj({"code": _str, "points": _num, "max_points": _num, "status": _one_of(*STATUSES),
                   "rate": _opt(_num)})
_RANKED = _obj({"rank": _opt(_int), "unit": _str, "points": _num, "max_points": _num, "percent": _opt(_num),
                "group": _str, "rank_in_group": _opt(_int)})
_STATUS = _obj({"on_time": _int, "late": _int, "missing": _int})

COMMON: dict[str, Check] = {
    "schema": _one_of(SCHEMA), "version": _one_of(VERSION), "kind": _one_of("unit", "department"),
    "title": _str, "unit": _opt(_str), "unit_name": _opt(_str), "period": _period,
    "points": _num, "max_points": _num, "percent": _opt(_num),
    "domains": _list(_DOMAIN), "criteria": _list(_CRITERION),
    "previous_points": _opt(_num), "change": _opt(_num),
}
UNIT: dict[str, Check] = {
    "unit": _str, "unit_name": _str, "unit_kind": _str, "rank": _opt(_int), "ranked": _int,
    "rank_group": _str, "rank_in_group": _opt(_int), "ranked_in_group": _int, "no_data": _bool, "blank_form": _bool,
}
DEPARTMENT: dict[str, Check] = {"ranking": _list(_RANKED), "status": _opt(_STATUS)}


def _problems(value: Any, check: Check, path: str) -> Iterable[str]:
    what = check(value)
    if what is not None:
        yield f"{path or 'tài liệu'}: cần {what}, không phải {json.dumps(value, ensure_ascii=False)[:60]}"
        return
    fields = getattr(check, "fields", None)
    if fields is not None:
        for key, sub in fields.items():
            if key not in value:
                yield f"{path + '.' if path else ''}{key}: thiếu"
            else:
                yield from _problems(value[key], sub, f"{path + '.' if path else ''}{key}")
    item = getattr(check, "item", None)
    if item is not None:
        for i, v in enumerate(value):
            yield from _problems(v, item, f"{path}[{i}]")


def problems(doc: Any) -> list[str]:
    """Every way `doc` departs from the contract (empty: it matches)."""
    if not isinstance(doc, Mapping):
        return ["tài liệu: cần một bảng khóa: giá trị"]
    if doc.get("schema") != SCHEMA or doc.get("version") != VERSION:
        return list(_problems(doc, _obj({"schema": COMMON["schema"], "version": COMMON["version"]}), ""))
    kind = UNIT if doc.get("kind") == "unit" else DEPARTMENT if doc.get("kind") == "department" else {}
    return list(_problems(doc, _obj({**COMMON, **kind}), ""))


def validate(doc: Any, source: str = "") -> dict:
    """The document, if it matches the contract; FiguresError otherwise."""
    found = problems(doc)
    if found:
        more = f" (và {len(found) - 1} lỗi khác)" if len(found) > 1 else ""
        where = f"{source}: " if source else ""
        raise FiguresError(f"{where}số liệu công bố không đúng mẫu phiên bản {VERSION}: {found[0]}{more}")
    return dict(doc)


def stamped(doc: Mapping[str, Any]) -> dict:
    """The document with this contract's name and version, validated (for writers)."""
    return validate({"schema": SCHEMA, "version": VERSION, **doc})


def loads(value: Any, source: str = "") -> dict:
    """Figures from an output's data (a dict, or JSON text as nbformat may keep it)."""
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError as e:
            raise FiguresError(f"{source + ': ' if source else ''}số liệu công bố không phải JSON "
                               f"(dòng {e.lineno if hasattr(e, 'lineno') else '?'})") from None
    return validate(value, source)


def read(path: str | Path) -> dict:
    """A `<name>.json` file written by the renderer, validated."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError:
        raise FiguresError(f"{p}: không đọc được tệp") from None
    return loads(text, str(p))


def from_notebook(nb: Any) -> dict | None:
    """The figures a notebook published (validated), or None if it published none."""
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = out.get("data") or {}
            if MIME in data:
                return loads(data[MIME], "notebook")
    return None


def bundle(doc: Mapping[str, Any]) -> dict:
    """What `IPython.display.display(..., raw=True)` shows: the validated
    figures under `MIME`, a line of text for terminals, and an HTML comment
    so that JupyterLab (which does not know `MIME`) shows nothing."""
    doc = stamped(doc)
    line = f"Số liệu công bố ({SCHEMA} phiên bản {VERSION}): {doc['title']}"
    return {MIME: doc, "text/html": f"<!-- {escape(line).replace('--', '—')} -->", "text/plain": line}
