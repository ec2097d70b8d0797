"""The department's own identity: `params/organisation.yaml`.

Its name heads the monthly form (in capitals) and the reports' titles;
`whole` is the one name of the department as one body (all its units
together) in every report, table, sentence and the index; `short_name` and
`topic` (the reports' header line) go with it; the
agency block (cơ quan chủ quản, cơ quan ban hành, ký hiệu), the place
of the date line, the signer and the "Nơi nhận" list of a Word report
(Nghị định 30/2020/NĐ-CP, Phụ lục I).  A missing file, or a missing key,
takes the default below (the Hai Phong Department of Education and
Training); an unknown key or a value of the wrong type is refused with
the file and the key named.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from cchc_lib import project
from cchc_lib.core.yamltext import yaml_problem
from cchc_lib.errors import UsageError

FILE_NAME = "organisation.yaml"
DEFAULT_NAME = "Sở Giáo dục và Đào tạo Hải Phòng"


@dataclass(frozen=True)
class Signer:
    authority: str = "KT. GIÁM ĐỐC"  # "KT. GIÁM ĐỐC", "TL. GIÁM ĐỐC"; "" when the director signs
    position: str = "PHÓ GIÁM ĐỐC"
    name: str = ""


@dataclass(frozen=True)
class Organisation:
    parent: str = "UBND THÀNH PHỐ HẢI PHÒNG"
    agency: str = "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
    name: str = DEFAULT_NAME  # the agency inside a sentence
    short_name: str = "Sở GD&ĐT"
    whole: str = "Toàn Sở GD&ĐT"  # the department as one body, everywhere a report names it
    topic: str = "Chỉ số cải cách hành chính"  # the HTML/PDF report's header line, after the name
    plan: str = "Kế hoạch nâng cao ứng dụng CNTT trong thực hiện TTHC năm {year}"  # {year}: the period's year
    symbol: str = "SGDĐT"
    place: str = "Hải Phòng"
    signer: Signer = field(default_factory=Signer)
    recipients: tuple[str, ...] = ("Ban Chỉ đạo CCHC thành phố (để b/c)", "Sở Nội vụ (để t/h)",
                                   "Giám đốc, các PGĐ Sở (để b/c)", "Các phòng, đơn vị thuộc Sở (để t/h)",
                                   "Lưu: VT, VP")
    source: str = ""  # the file read ("" = defaults)

    @property
    def header(self) -> str:
        """The monthly form's first line: the name in capitals, as on official forms."""
        return self.name.upper()

    def plan_of(self, year: int) -> str:
        """The plan's name for a year (`{year}` replaced; no other formatting of user text)."""
        return self.plan.replace("{year}", str(year))


def organisation_path(root: Path | None = None) -> Path:
    return (root or project.project_root()) / "params" / FILE_NAME


def load_organisation(root: str | Path | None = None, *, path: str | Path | None = None) -> Organisation:
    """The organisation settings (`path`, else the project's params/organisation.yaml);
    the defaults for whatever the file does not give."""
    p = Path(path) if path else organisation_path(Path(root) if root else None)
    if not p.is_file():
        if path:
            raise UsageError(f"không tìm thấy tệp thông tin cơ quan: {p}")
        return Organisation()
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise UsageError(str(yaml_problem(e, p.name))) from None
    return parse_organisation(doc, p.name)


def _text(doc: dict, key: str, where: str) -> str | None:
    v = doc.get(key)
    if v is None:
        return None
    if not isinstance(v, (str, int)) or isinstance(v, bool):
        raise UsageError(f"{where}: khóa {key!r} phải là một chuỗi")
    return " ".join(str(v).split())


def parse_organisation(doc: Any, source: str = FILE_NAME) -> Organisation:
    if doc is None:
        return Organisation(source=source)
    if not isinstance(doc, dict):
        raise UsageError(f"{source}: phải là một bảng YAML (parent, agency, name, short_name, whole, topic, plan, "
                         f"symbol, place, signer, recipients)")
    known = {"parent", "agency", "name", "short_name", "whole", "topic", "plan", "symbol", "place", "signer",
             "recipients"}
    unknown = sorted(set(map(str, doc)) - known)
    if unknown:
        raise UsageError(f"{source}: khóa không hỗ trợ: {', '.join(unknown)} (các khóa: {', '.join(sorted(known))})")
    org = Organisation(source=source)
    changes = {k: v for k in ("parent", "agency", "name", "short_name", "whole", "topic", "plan", "symbol", "place")
               if (v := _text(doc, k, source)) is not None}
    empty = sorted(k for k, v in changes.items() if not v and k in ("name", "short_name", "whole", "topic"))
    if empty:
        raise UsageError(f"{source}: khóa {', '.join(empty)} không được để trống")
    signer = doc.get("signer")
    if signer is not None:
        if not isinstance(signer, dict):
            raise UsageError(f"{source}: signer phải là bảng authority, position, name")
        bad = sorted(set(map(str, signer)) - {"authority", "position", "name"})
        if bad:
            raise UsageError(f"{source}: signer: khóa không hỗ trợ: {', '.join(bad)} (dùng authority, position, name)")
        changes["signer"] = replace(org.signer, **{k: v for k in ("authority", "position", "name")
                                                   if (v := _text(signer, k, f"{source}, signer")) is not None})
    recipients = doc.get("recipients")
    if recipients is not None:
        if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
            raise UsageError(f"{source}: recipients phải là danh sách các dòng \"Nơi nhận\"")
        changes["recipients"] = tuple(" ".join(r.split()) for r in recipients if r.strip())
    return replace(org, **changes)


__all__ = ["DEFAULT_NAME", "Organisation", "Signer", "load_organisation", "parse_organisation", "organisation_path"]
