"""Reading the cell values of an XLSX workbook, safely and in bounded memory.

Every XLSX the project reads (the monthly forms and long tables) goes
through this module; openpyxl is used only to write.  It reads the
workbook's XML parts directly (zipfile + the C XML parser), streaming each
sheet row by row, and is written for hostile files:

- a workbook that would inflate beyond `MAX_INFLATED` bytes, or more than
  `MAX_RATIO` times its own size, is refused before any part is read
  (a "zip bomb"); zipfile itself never inflates a part beyond the size it
  declares, so the check cannot be lied to;
- a part with a DOCTYPE is refused (OOXML has none; entity tricks need one);
- a cell whose content cannot be a value (a number that does not parse, a
  shared-string index out of range, a formula with no computed value, NaN,
  an unknown type) becomes an `Unreadable` value that names what is wrong,
  so the caller reports it at its cell instead of dropping it or failing;
- merged ranges are reported (`merged`): a merge hides every cell but its
  first, which would silently drop a figure.

python-calamine (the Rust reader) was weighed against this reader (issue
10): it is faster per file (≈ 0,9 ms against ≈ 3 ms for a form; ingestion is
bounded by validation and SQLite, not by this), but it reads a formula
without a computed value as an empty cell, returns ``<v>abc</v>`` in a
number cell as text without saying so, fails the whole workbook without a
location on a bad shared-string index, and loads a whole sheet into memory;
so the project keeps this reader.
"""
from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Iterator
from xml.etree import ElementTree as ET

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")
_INT = re.compile(r"^-?\d+$")

MAX_INFLATED = 200 * 1024 * 1024  # bytes, all parts together
MAX_RATIO = 50  # inflated size / file size
CHUNK = 1 << 16


class XlsxError(Exception):
    """The file is not a readable XLSX workbook (message in Vietnamese)."""


@dataclass(frozen=True)
class Unreadable:
    """A cell whose content is not a value; `reason` says why (Vietnamese)."""

    reason: str

    def __str__(self) -> str:
        return self.reason


def column_index(letters: str) -> int:
    """1 for A, 27 for AA."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(index: int) -> str:
    out = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _short(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f}".replace(",", " ").replace(".", ",")


class Workbook:
    """Sheet names and per-sheet cell values of an XLSX file."""

    def __init__(self, path: str | Path):
        p = Path(path)
        try:  # an OSError (no such file, no descriptors left) is the caller's to report
            self.zip = zipfile.ZipFile(p)
        except (zipfile.BadZipFile, ValueError) as e:
            raise XlsxError(f"không phải tệp Excel .xlsx hợp lệ ({e})") from None
        try:
            self._check_size(p.stat().st_size)
            book = self._tree("xl/workbook.xml")
            rels = self._tree("xl/_rels/workbook.xml.rels")
        except BaseException:
            self.zip.close()
            raise
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{PKG_REL}Relationship")}
        self.sheets: dict[str, str] = {}
        for s in book.iter(f"{NS}sheet"):
            target = targets.get(s.get(f"{REL_NS}id"), "")
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            self.sheets[s.get("name", "")] = part
        self._strings: list[str] | None = None
        self._merged: dict[str, list[str]] = {}

    def _check_size(self, size: int) -> None:
        total = sum(i.file_size for i in self.zip.infolist())
        if total > MAX_INFLATED or total > MAX_RATIO * max(size, 1):
            raise XlsxError(f"tệp giải nén ra {_mb(total)} MB, gấp {total / max(size, 1):,.0f} lần kích thước tệp "
                            f"(giới hạn: {MAX_RATIO} lần và {MAX_INFLATED // 1_000_000} MB): có thể là tệp nén độc hại, "
                            "không đọc")

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- XML parts ------------------------------------------------------------
    def _tree(self, part: str) -> ET.Element:
        """A small part (workbook, relationships) as a tree."""
        root = None
        for event, elem in self._events(part, ("end",)):
            root = elem
        if root is None:
            raise XlsxError(f"phần {part} rỗng")
        return root

    def _events(self, part: str, events: tuple[str, ...]) -> Iterator[tuple[str, ET.Element]]:
        """Parse events of one part, streamed from the zip (bounded memory)."""
        try:
            stream = self.zip.open(part)
        except KeyError:
            raise XlsxError(f"thiếu phần {part} của tệp Excel") from None
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as e:
            raise XlsxError(f"không đọc được phần {part}: {e}") from None
        parser = ET.XMLPullParser(events)
        first = True
        try:
            with stream:
                while True:
                    try:
                        chunk = stream.read(CHUNK)
                    except (zipfile.BadZipFile, OSError, EOFError) as e:
                        raise XlsxError(f"phần {part} hỏng: {e}") from None
                    if first and b"<!DOCTYPE" in chunk:
                        raise XlsxError(f"phần {part} có khai báo DOCTYPE: không phải tệp Excel bình thường")
                    first = False
                    if not chunk:
                        parser.close()
                        yield from parser.read_events()
                        return
                    parser.feed(chunk)
                    yield from parser.read_events()
        except ET.ParseError as e:
            raise XlsxError(f"phần {part} không phải XML hợp lệ ({e})") from None

    def _shared(self) -> list[str]:
        if self._strings is None:
            strings: list[str] = []
            if "xl/sharedStrings.xml" in self.zip.NameToInfo:
                root: ET.Element | None = None
                for event, elem in self._events("xl/sharedStrings.xml", ("start", "end")):
                    if root is None:
                        root = elem
                    if event == "end" and elem.tag == f"{NS}si":
                        strings.append(_rich_text(elem))
                        root.clear()  # keep nothing of strings already read
            self._strings = strings
        return self._strings

    # -- cells ----------------------------------------------------------------
    def rows(self, sheet: str) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number, column letter → value) for each row with a cell, in
        order, streamed.  Values: str, int, float, bool, datetime or
        `Unreadable`.  Merged ranges are known (`merged`) once it is done."""
        if sheet not in self.sheets:
            raise XlsxError(f"không có sheet '{sheet}'")
        strings: list[str] | None = None
        merged: list[str] = []
        self._merged[sheet] = merged
        sheet_data: ET.Element | None = None
        row_no = 0
        col_no = 0
        row: dict[str, Any] = {}
        for event, elem in self._events(self.sheets[sheet], ("start", "end")):
            tag = elem.tag
            if event == "start":
                if tag == f"{NS}row":
                    r = elem.get("r")
                    row_no = int(r) if r and r.isdigit() else row_no + 1
                    col_no = 0
                    row = {}
                elif tag == f"{NS}sheetData":
                    sheet_data = elem
                continue
            if tag == f"{NS}c":
                m = _REF.match(elem.get("r", ""))
                if m and int(m.group(2)) == row_no:
                    col_no = column_index(m.group(1))
                else:  # a cell without (or with a foreign) reference is the next one
                    col_no += 1
                t = elem.get("t", "n")
                if t == "s" and strings is None:
                    strings = self._shared()
                row[column_letters(col_no)] = _value(elem, t, strings or [])
                elem.clear()
            elif tag == f"{NS}row":
                if row:
                    yield row_no, row
                elem.clear()
                if sheet_data is not None:
                    sheet_data.clear()  # keep nothing of rows already read
            elif tag == f"{NS}mergeCell":
                merged.append(elem.get("ref", ""))

    def cells(self, sheet: str, max_rows: int | None = None) -> dict[int, dict[str, Any]]:
        """Row number → column letter → value; XlsxError past `max_rows`."""
        out: dict[int, dict[str, Any]] = {}
        for n, row in self.rows(sheet):
            if max_rows is not None and n > max_rows:
                raise XlsxError(f"sheet '{sheet}' có dữ liệu ở dòng {n}, quá {max_rows} dòng")
            out[n] = row
        return out

    def merged(self, sheet: str) -> list[str]:
        """Merged ranges ("D45:D46") of a sheet read by `rows` or `cells`."""
        return list(self._merged.get(sheet, ()))


def _rich_text(si: ET.Element) -> str:
    """The text of a shared or inline string: plain or rich runs, without
    the phonetic guides (rPh)."""
    parts = []
    for child in si:
        if child.tag == f"{NS}t":
            parts.append(child.text or "")
        elif child.tag == f"{NS}r":
            parts.extend(t.text or "" for t in child.iter(f"{NS}t"))
    return "".join(parts)


def _value(c: ET.Element, t: str, strings: list[str]) -> Any:
    if t == "inlineStr":
        inline = c.find(f"{NS}is")
        return _rich_text(inline) if inline is not None else ""
    v = c.find(f"{NS}v")
    text = v.text if v is not None else None
    if text is None or text == "":
        if c.find(f"{NS}f") is not None:
            return Unreadable("ô có công thức nhưng không có giá trị đã tính: nhập số liệu trực tiếp "
                              "(không dùng công thức) hoặc mở và lưu lại tệp bằng Excel")
        return None
    if t == "s":
        if not _INT.match(text) or not 0 <= int(text) < len(strings):
            return Unreadable(f"ô trỏ tới chuỗi dùng chung số {_short(text)!r} không tồn tại (tệp đã bị sửa hỏng)")
        return strings[int(text)]
    if t == "b":
        if text not in ("0", "1"):
            return Unreadable(f"ô kiểu đúng/sai có giá trị {_short(text)!r}")
        return text == "1"
    if t == "str":
        return text
    if t == "e":
        return Unreadable(f"ô báo lỗi công thức {_short(text)}")
    if t == "d":
        try:
            return datetime.fromisoformat(text.strip().rstrip("Z"))
        except ValueError:
            return Unreadable(f"ô kiểu ngày có giá trị {_short(text)!r} không phải ngày")
    if t != "n":
        return Unreadable(f"ô có kiểu không hỗ trợ {_short(t)!r}")
    text = text.strip()
    if _INT.match(text):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return Unreadable(f"ô kiểu số có giá trị {_short(text)!r} không phải số")
    if not math.isfinite(number):
        return Unreadable(f"ô kiểu số có giá trị {_short(text)!r} (không phải số hữu hạn)")
    return number
