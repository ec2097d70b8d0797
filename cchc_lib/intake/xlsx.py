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

import functools
import math
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator
from xml.etree import ElementTree as ET

from cchc_lib.fmt import count_vi, number_vi

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")
_INT = re.compile(r"^-?\d+$")

MAX_INFLATED = 200_000_000  # bytes, all parts together
MAX_RATIO = 50  # inflated size / file size
CHUNK = 1 << 16
SMALL_PART = 4_000_000  # a sheet up to this size (inflated) is parsed whole; larger ones are streamed


class XlsxError(Exception):
    """The file is not a readable XLSX workbook (message in Vietnamese)."""


@dataclass(frozen=True)
class Unreadable:
    """A cell whose content is not a value; `reason` says why (Vietnamese)."""

    reason: str

    def __str__(self) -> str:
        return self.reason


@functools.lru_cache(maxsize=1024)
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
    return number_vi(n / 1e6, 1)


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
            raise XlsxError(f"tệp giải nén ra {_mb(total)} MB, gấp {count_vi(round(total / max(size, 1)))} lần kích thước tệp "
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
        """A small part (workbook, relationships, a form's sheet) as a tree."""
        try:
            return ET.fromstring(b"".join(self._chunks(part)))
        except ET.ParseError as e:
            raise XlsxError(f"phần {part} không phải XML hợp lệ ({e})") from None

    def _shared(self) -> list[str]:
        if self._strings is None:
            target = _StringsTarget()
            if "xl/sharedStrings.xml" in self.zip.NameToInfo:
                parser = ET.XMLParser(target=target)
                try:
                    for chunk in self._chunks("xl/sharedStrings.xml"):
                        parser.feed(chunk) if chunk else parser.close()
                except ET.ParseError as e:
                    raise XlsxError(f"phần xl/sharedStrings.xml không phải XML hợp lệ ({e})") from None
            self._strings = target.strings
        return self._strings

    # -- cells ----------------------------------------------------------------
    def rows(self, sheet: str) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number, column letter → value) for each row with a cell, in
        order, streamed.  Values: str, int, float, bool, datetime or
        `Unreadable`.  Merged ranges are known (`merged`) once it is done."""
        if sheet not in self.sheets:
            raise XlsxError(f"không có sheet '{sheet}'")
        part = self.sheets[sheet]
        info = self.zip.NameToInfo.get(part)
        if info is not None and info.file_size <= SMALL_PART:  # a form: one tree, built in C, is faster
            yield from self._small_rows(sheet, part)
            return
        target = _SheetTarget(self._shared)
        self._merged[sheet] = target.merged
        parser = ET.XMLParser(target=target)  # builds no tree: memory stays that of one chunk's rows
        for chunk in self._chunks(self.sheets[sheet]):
            try:
                if chunk:
                    parser.feed(chunk)
                else:
                    parser.close()
            except ET.ParseError as e:
                raise XlsxError(f"phần {self.sheets[sheet]} không phải XML hợp lệ ({e})") from None
            if target.done:
                yield from target.done
                target.done = []

    def _small_rows(self, sheet: str, part: str) -> Iterator[tuple[int, dict[str, Any]]]:
        root = self._tree(part)
        strings: list[str] | None = None
        row_no = 0
        for row_el in root.iter(_ROW):
            r = row_el.get("r")
            row_no = int(r) if r and r.isdigit() else row_no + 1
            col_no = 0
            row: dict[str, Any] = {}
            for c in row_el.iter(_C):
                m = _REF.match(c.get("r", ""))
                if m and int(m.group(2)) == row_no:
                    letters = m.group(1)
                    col_no = column_index(letters)
                else:  # a cell without (or with a foreign) reference is the next one
                    col_no += 1
                    letters = column_letters(col_no)
                t = c.get("t", "n")
                if t == "s" and strings is None:
                    strings = self._shared()
                v = c.find(_V)
                inline = c.find(_IS)
                row[letters] = _value(t, v.text or "" if v is not None else None, c.find(_F) is not None,
                                      None if inline is None else _inline_text(inline), strings or [])
            if row:
                yield row_no, row
        self._merged[sheet] = [m.get("ref", "") for m in root.iter(_MERGE)]

    def _chunks(self, part: str) -> Iterator[bytes]:
        """A part's bytes in chunks, then b"" (zipfile never inflates past the declared size)."""
        try:
            stream = self.zip.open(part)
        except KeyError:
            raise XlsxError(f"thiếu phần {part} của tệp Excel") from None
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as e:
            raise XlsxError(f"không đọc được phần {part}: {e}") from None
        with stream:
            first = True
            while True:
                try:
                    chunk = stream.read(CHUNK)
                except (zipfile.BadZipFile, OSError, EOFError) as e:
                    raise XlsxError(f"phần {part} hỏng: {e}") from None
                if first and b"<!DOCTYPE" in chunk:
                    raise XlsxError(f"phần {part} có khai báo DOCTYPE: không phải tệp Excel bình thường")
                first = False
                yield chunk
                if not chunk:
                    return

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


class _SheetTarget:
    """An XML parser target for a worksheet: keeps the finished rows
    (`done`) and merged ranges, and builds no element tree."""

    def __init__(self, shared: Callable[[], list[str]]):
        self.shared = shared
        self.strings: list[str] | None = None
        self.done: list[tuple[int, dict[str, Any]]] = []
        self.merged: list[str] = []
        self.row_no = self.col_no = 0
        self.row: dict[str, Any] = {}
        self.ref, self.type, self.formula = "", "n", False
        self.v: str | None = None
        self.inline: list[str] | None = None
        self.buf: list[str] | None = None  # collecting the text of a <v> or an inline <t>
        self.phonetic = False

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if tag == _C:
            self.ref, self.type = attrib.get("r", ""), attrib.get("t", "n")
            self.formula, self.v, self.inline = False, None, None
        elif tag == _V:
            self.buf = []
        elif tag == _T:
            if self.inline is not None and not self.phonetic:
                self.buf = []
        elif tag == _IS:
            self.inline = []
        elif tag == _F:
            self.formula = True
        elif tag == _RPH:
            self.phonetic = True
        elif tag == _ROW:
            r = attrib.get("r")
            self.row_no = int(r) if r and r.isdigit() else self.row_no + 1
            self.col_no = 0
            self.row = {}
        elif tag == _MERGE:
            self.merged.append(attrib.get("ref", ""))

    def data(self, text: str) -> None:
        if self.buf is not None:
            self.buf.append(text)

    def end(self, tag: str) -> None:
        if tag == _V:
            self.v = "".join(self.buf or ())
            self.buf = None
        elif tag == _T:
            if self.buf is not None and self.inline is not None:
                self.inline.append("".join(self.buf))
            self.buf = None
        elif tag == _RPH:
            self.phonetic = False
        elif tag == _C:
            m = _REF.match(self.ref)
            if m and int(m.group(2)) == self.row_no:
                letters = m.group(1)
                self.col_no = column_index(letters)
            else:  # a cell without (or with a foreign) reference is the next one
                self.col_no += 1
                letters = column_letters(self.col_no)
            if self.type == "s" and self.strings is None:
                self.strings = self.shared()
            self.row[letters] = _value(self.type, self.v, self.formula, self.inline, self.strings or [])
        elif tag == _ROW:
            if self.row:
                self.done.append((self.row_no, self.row))
            self.row = {}

    def close(self) -> None:
        return None


def _inline_text(inline: ET.Element) -> list[str]:
    """The runs of an inline string, without the phonetic guides (rPh)."""
    out = []
    for child in inline:
        if child.tag == _T:
            out.append(child.text or "")
        elif child.tag == _R:
            out.extend(t.text or "" for t in child.iter(_T))
    return out


class _StringsTarget:
    """An XML parser target for the shared strings: each <si>'s text, plain
    or in rich runs, without the phonetic guides (rPh)."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.parts: list[str] = []
        self.buf: list[str] | None = None
        self.phonetic = False

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if tag == _T and not self.phonetic:
            self.buf = []
        elif tag == _RPH:
            self.phonetic = True
        elif tag == _SI:
            self.parts = []

    def data(self, text: str) -> None:
        if self.buf is not None:
            self.buf.append(text)

    def end(self, tag: str) -> None:
        if tag == _T:
            if self.buf is not None:
                self.parts.append("".join(self.buf))
            self.buf = None
        elif tag == _RPH:
            self.phonetic = False
        elif tag == _SI:
            self.strings.append("".join(self.parts))

    def close(self) -> None:
        return None


_C, _V, _T, _IS, _F, _RPH, _ROW, _MERGE, _SI, _R = (
    f"{NS}{t}" for t in ("c", "v", "t", "is", "f", "rPh", "row", "mergeCell", "si", "r"))


def _value(t: str, text: str | None, formula: bool, inline: list[str] | None, strings: list[str]) -> Any:
    if t == "inlineStr":
        return "".join(inline or ())
    if text is None or text == "":
        if formula:
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
