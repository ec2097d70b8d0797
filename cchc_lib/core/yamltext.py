"""YAML files people edit by hand: errors in Vietnamese, and where a key is.

`yaml_problem(e, file)` turns a PyYAML syntax error into a `Problem` that
names the line and says what to fix, in Vietnamese (PyYAML's own messages
are English and name parser states).  `key_lines(text)` maps each key path
of a document to its line, so that a check made after loading ("not a unit
code") can name the line too.
"""
from __future__ import annotations

from typing import Any, Mapping

import yaml

from cchc_lib.errors import Problem

#: PyYAML's problem texts (start of) → what to tell the person editing the file.
_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("found character '\\t'", "có ký tự Tab: YAML chỉ thụt lề bằng dấu cách"),
    ("mapping values are not allowed", "dấu ':' không đặt được ở đây — văn bản có dấu ':' phải viết dạng khối "
                                       "(`khóa: |`, xuống dòng, thụt lề) hoặc đặt trong dấu nháy"),
    ("could not find expected ':'", "thiếu dấu ':' sau khóa, hoặc dòng này thụt lề không khớp với dòng trên"),
    ("did not find expected key", "thụt lề không khớp với các dòng cùng cấp phía trên"),
    ("did not find expected '-' indicator", "thụt lề không khớp với các mục '-' phía trên"),
    ("did not find expected node content", "thiếu giá trị sau dấu ':' hoặc '-'"),
    ("found unexpected end of stream", "chưa đóng dấu nháy (\" hoặc ') mở ở phía trên"),
    ("found unknown escape character", "ký tự '\\' trong dấu nháy kép: dùng dấu nháy đơn hoặc viết '\\\\'"),
    ("expected <block end>", "thụt lề không đúng: dòng này lùi vào hoặc lùi ra so với khối của nó"),
    ("found undefined alias", "dấu '*' ở đầu giá trị: đặt giá trị trong dấu nháy"),
    ("found character '@'", "dấu '@' hoặc '`' ở đầu giá trị: đặt giá trị trong dấu nháy"),
    ("found character '`'", "dấu '@' hoặc '`' ở đầu giá trị: đặt giá trị trong dấu nháy"),
    ("found duplicate anchor", "dấu '&' ở đầu giá trị: đặt giá trị trong dấu nháy"),
    ("could not determine a constructor", "thẻ YAML (!!…) không được dùng: ghi giá trị thường"),
    ("found unhashable key", "khóa không hợp lệ (một danh sách hoặc bảng đứng ở chỗ của khóa)"),
    ("expected a single document", "tệp có nhiều tài liệu YAML (dòng '---'): chỉ giữ một"),
)


def yaml_problem(e: yaml.YAMLError, file: str) -> Problem:
    """A YAML syntax error (or a refused `!!python` tag) as one located line
    in Vietnamese: the line (and column) where the parser stopped, and what
    to fix."""
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    raw = " ".join(str(getattr(e, "problem", None) or "").split())
    what = next((fix for start, fix in _PROBLEMS if raw.startswith(start)), None)
    if what is None:
        what = "cú pháp YAML sai" + (f" ở cột {mark.column + 1}" if mark else "")
        what += " — kiểm tra dấu ':', dấu nháy và thụt lề (chỉ dấu cách) của dòng này và dòng trên"
    return Problem(f"YAML không hợp lệ: {what}", file=file, row=mark.line + 1 if mark else None)


def key_lines(text: str) -> dict[tuple, int]:
    """Line (1-based) of every key and list item of a YAML document, by path
    (`("commentary", "2023-Q1", "VP")`, `("bands", 2)`).  Empty when the
    text does not parse (the loader reports that)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    out: dict[tuple, int] = {}

    def walk(node: Any, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = path + (str(k.value),)
                out[key] = k.start_mark.line + 1
                walk(v, key)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                out[path + (i,)] = v.start_mark.line + 1
                walk(v, path + (i,))

    if root is not None:
        walk(root, ())
    return out


def line_of(lines: Mapping[tuple, int], *path: Any) -> int | None:
    """The line of the longest known prefix of `path` (a bad value inside a
    key is reported on the key's line)."""
    p = tuple(path)
    while p:
        if p in lines:
            return lines[p]
        p = p[:-1]
    return None
