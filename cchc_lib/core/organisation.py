"""The department's own name (`params/organisation.yaml`), shown in the
monthly form's header and in the reports' titles."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from cchc_lib import project
from cchc_lib.core.catalogue import yaml_problem
from cchc_lib.errors import CatalogueError, Problem

ORGANISATION_FILE = "organisation.yaml"
DEFAULT_NAME = "Sở Giáo dục và Đào tạo Hải Phòng"


@dataclass(frozen=True)
class Organisation:
    name: str = DEFAULT_NAME

    @property
    def header(self) -> str:
        """The form's first line: the name in capitals, as on official forms."""
        return self.name.upper()


def parse_organisation(doc: Any, path: str) -> Organisation:
    if doc is None:
        return Organisation()
    if not isinstance(doc, Mapping):
        raise CatalogueError([Problem("tệp thông tin cơ quan phải là một bảng YAML (name: ...)", file=path)])
    unknown = sorted(set(map(str, doc)) - {"name"})
    if unknown:
        raise CatalogueError([Problem(f"khóa không hỗ trợ: {', '.join(unknown)} (chỉ có: name)", file=path)])
    name = doc.get("name", DEFAULT_NAME)
    if not isinstance(name, str) or not name.strip():
        raise CatalogueError([Problem("name phải là tên cơ quan, ví dụ: Sở Giáo dục và Đào tạo Hải Phòng", file=path)])
    return Organisation(" ".join(name.split()))


def organisation_path(root: Path | None = None) -> Path:
    return (root or project.project_root()) / "params" / ORGANISATION_FILE


def load_organisation(root: str | Path | None = None) -> Organisation:
    """The project's organisation; the Hai Phong department without a file."""
    p = organisation_path(Path(root) if root else None)
    if not p.is_file():
        return Organisation()
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise CatalogueError([yaml_problem(e, p.name)]) from None
    return parse_organisation(doc, p.name)
