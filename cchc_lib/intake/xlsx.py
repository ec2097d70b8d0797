"""Fast read-only access to the cell values of one XLSX sheet.

openpyxl (even read-only) spends most of its time on styles and object
construction; a form is a few hundred cells, and ingesting a year of forms
for a large department must run at dozens of files a second.  This reads
the workbook's XML parts directly (zipfile + ElementTree, C parser): sheet
names, shared strings, and each cell's value with its reference.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree as ET

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"^([A-Z]+)(\d+)$")


class XlsxError(Exception):
    """The file is not a readable XLSX workbook."""


class Workbook:
    """Sheet names and per-sheet cell values of an XLSX file."""

    def __init__(self, path: str | Path):
        try:
            self.zip = zipfile.ZipFile(path)
            book = ET.fromstring(self.zip.read("xl/workbook.xml"))
            rels = ET.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        except (zipfile.BadZipFile, KeyError, ET.ParseError, OSError) as e:
            raise XlsxError(str(e)) from None
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{PKG_REL}Relationship")}
        self.sheets: dict[str, str] = {}
        for s in book.iter(f"{NS}sheet"):
            target = targets.get(s.get(f"{REL_NS}id"), "")
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            self.sheets[s.get("name", "")] = part
        self._strings: list[str] | None = None

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _shared(self) -> list[str]:
        if self._strings is None:
            try:
                root = ET.fromstring(self.zip.read("xl/sharedStrings.xml"))
            except KeyError:
                root = None
            self._strings = [] if root is None else [
                "".join(t.text or "" for t in si.iter(f"{NS}t") if not _in_phonetic(si, t))
                for si in root.iter(f"{NS}si")]
        return self._strings

    def cells(self, sheet: str) -> dict[int, dict[str, Any]]:
        """Row number → column letter → value (str, int, float or bool)."""
        try:
            root = ET.fromstring(self.zip.read(self.sheets[sheet]))
        except (KeyError, ET.ParseError) as e:
            raise XlsxError(str(e)) from None
        strings = None
        out: dict[int, dict[str, Any]] = {}
        for c in root.iter(f"{NS}c"):
            m = _REF.match(c.get("r", ""))
            if not m:
                continue
            t = c.get("t", "n")
            if t == "inlineStr":
                value: Any = "".join(x.text or "" for x in c.iter(f"{NS}t"))
            else:
                v = c.find(f"{NS}v")
                if v is None or v.text is None:
                    continue
                text = v.text
                if t == "s":
                    strings = strings if strings is not None else self._shared()
                    value = strings[int(text)]
                elif t == "b":
                    value = text == "1"
                elif t in ("str", "e"):
                    value = text
                else:
                    value = int(text) if text.lstrip("-").isdigit() else float(text)
            out.setdefault(int(m.group(2)), {})[m.group(1)] = value
        return out


def _in_phonetic(si: ET.Element, t: ET.Element) -> bool:
    return any(t in list(rph.iter()) for rph in si.iter(f"{NS}rPh"))
