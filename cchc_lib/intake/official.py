"""The city's official results (`params/official.yaml`): reading and validating.

    department: Sở Giáo dục và Đào tạo Hải Phòng
    block: khối các sở, ban, ngành
    years:
      2022:
        source: Quyết định công bố Chỉ số CCHC năm 2022 của UBND thành phố
        rank: 7                       # in the block
        of: 20
        total: {points: 84.37, max: 100}
        domains: {"3": {points: 7.8, max: 8.75}, "7": ..., "8": ...}
        criteria: {"3.4.2": 1.43, ...}        # the city's appraisal (thẩm định), where published
        self_assessed: {"3.4.2": 1.5, ...}    # the department's own score sent to the city

Every problem is collected (line and key named) and raised as one DataError.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping

from cchc_lib import project
from cchc_lib.core.catalogue import Catalogue
from cchc_lib.core.official import DomainResult, Official, OfficialYear
from cchc_lib.core.rules import to_fraction
from cchc_lib.errors import DataError, Problem
from cchc_lib.fmt import number_vi
from cchc_lib.intake.tasks import safe_load_located, yaml_lines

YEAR_KEYS = {"source", "rank", "of", "total", "domains", "criteria", "self_assessed", "sample"}


def _n(x: Fraction) -> str:
    """A number as the office writes it: 1,7; 8,75; 20."""
    text = number_vi(x, 2)
    return text.rstrip("0").rstrip(",") if "," in text else text


OFFICIAL_FILE = "official.yaml"


def official_path(root: Path | None = None) -> Path:
    """The department's official results: `params/official.yaml` of the project."""
    return (root or project.project_root()) / "params" / OFFICIAL_FILE


def parse_official_yaml(text: str, file: str, catalogue: Catalogue) -> Official:
    doc = safe_load_located(text, file)
    lines = yaml_lines(text)
    problems: list[Problem] = []

    def bad(path: tuple, message: str) -> None:
        column = next((str(p) for p in reversed(path) if isinstance(p, str)), None)
        while path and path not in lines:
            path = path[:-1]
        problems.append(Problem(message, file=file, row=lines.get(path), column=column))

    if not isinstance(doc, Mapping):
        raise DataError([Problem("kết quả chính thức phải là một bảng YAML (department, block, years)", file=file,
                                 row=1)])
    for k in doc:
        if k not in ("department", "block", "years"):
            bad((k,), f"khóa không hỗ trợ '{k}' (các khóa: department, block, years)")
    years_raw = doc.get("years") or {}
    if not isinstance(years_raw, Mapping):
        bad(("years",), "years phải là bảng năm: kết quả")
        years_raw = {}
    maxima = {c.code: c.max_points for c in catalogue.criteria}
    domain_codes = {d.code for d in catalogue.domains}

    def number(path: tuple, v: Any, what: str) -> Fraction | None:
        try:
            x = to_fraction(v)
        except ValueError:
            bad(path, f"{what} phải là số, không phải {v!r}")
            return None
        if x < 0:
            bad(path, f"{what} phải ≥ 0")
            return None
        return x

    def result(path: tuple, v: Any, what: str) -> DomainResult | None:
        if not isinstance(v, Mapping):
            v = {"points": v}
        unknown = set(v) - {"points", "max"}
        if unknown:
            bad(path, f"{what}: chỉ dùng points và max, không dùng {', '.join(map(str, unknown))}")
            return None
        pts = number(path + ("points",), v.get("points"), f"{what}: điểm")
        mx = number(path + ("max",), v["max"], f"{what}: điểm tối đa") if v.get("max") is not None else None
        if pts is not None and mx is not None and pts > mx:
            bad(path, f"{what}: điểm {_n(pts)} lớn hơn điểm tối đa {_n(mx)}")
            return None
        return None if pts is None else DomainResult(pts, mx)

    years = []
    for y, raw in years_raw.items():
        path = ("years", str(y))  # the YAML key as written
        if isinstance(y, bool) or not isinstance(y, int) or not 2000 <= y <= 2100:
            bad(path, f"năm không hợp lệ: {y!r}")
            continue
        if not isinstance(raw, Mapping):
            bad(path, f"năm {y}: phải là bảng khóa: giá trị")
            continue
        for k in raw:
            if k not in YEAR_KEYS:
                bad(path + (k,), f"năm {y}: khóa không hỗ trợ '{k}' (các khóa: {', '.join(sorted(YEAR_KEYS))})")
        rank, of = raw.get("rank"), raw.get("of")
        for key, v in (("rank", rank), ("of", of)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                bad(path + (key,), f"năm {y}: {key} phải là số nguyên ≥ 1")
        if isinstance(rank, int) and isinstance(of, int) and not isinstance(rank, bool) and rank > of:
            bad(path + ("rank",), f"năm {y}: hạng {rank} lớn hơn số đơn vị trong khối ({of})")
        total = result(path + ("total",), raw["total"], f"năm {y}, tổng điểm") if raw.get("total") is not None else None
        domains: dict[str, DomainResult] = {}
        for code, v in (raw.get("domains") or {}).items():
            code = str(code)
            if code not in domain_codes:
                bad(path + ("domains", code), f"năm {y}: lĩnh vực không có trong danh mục: '{code}'")
                continue
            r = result(path + ("domains", code), v, f"năm {y}, lĩnh vực {code}")
            if r is not None:
                domains[code] = r
        scores: dict[str, dict[str, Fraction]] = {}
        for key, what in (("criteria", "thẩm định"), ("self_assessed", "tự đánh giá")):
            scores[key] = {}
            block = raw.get(key) or {}
            if not isinstance(block, Mapping):
                bad(path + (key,), f"năm {y}: {key} phải là bảng mã tiêu chí: điểm")
                continue
            for code, v in block.items():
                code = str(code)
                if code not in maxima:
                    bad(path + (key, code), f"năm {y}, {what}: tiêu chí không có trong danh mục: '{code}'")
                    continue
                x = number(path + (key, code), v, f"năm {y}, {what} tiêu chí {code}")
                if x is None:
                    continue
                if maxima[code] and x > maxima[code]:
                    bad(path + (key, code), f"năm {y}, {what} tiêu chí {code}: {_n(x)} lớn hơn điểm tối đa "
                                            f"{_n(maxima[code])}")
                    continue
                scores[key][code] = x
        for d, r in domains.items():
            codes = [c.code for c in catalogue.criteria_of(d) if not c.tracked]
            if codes and all(c in scores["criteria"] for c in codes):
                total_c = sum((scores["criteria"][c] for c in codes), Fraction(0))
                if abs(total_c - r.points) > Fraction(1, 200):
                    bad(path + ("domains", d), f"năm {y}, lĩnh vực {d}: {_n(r.points)} điểm nhưng các tiêu "
                                               f"chí cộng lại {_n(total_c)}")
        sample = raw.get("sample", False)
        if not isinstance(sample, bool):
            bad(path + ("sample",), f"năm {y}: sample phải là true hoặc false")
            sample = False
        years.append(OfficialYear(y, rank if isinstance(rank, int) else None, of if isinstance(of, int) else None,
                                  total, domains, scores["criteria"], scores["self_assessed"],
                                  str(raw.get("source") or ""), sample))
    if problems:
        raise DataError(problems)
    return Official(str(doc.get("department") or ""), str(doc.get("block") or ""),
                    tuple(sorted(years, key=lambda y: y.year)), file)


def load_official(path: str | Path, catalogue: Catalogue) -> Official:
    p = Path(path)
    if not p.is_file():
        raise DataError([Problem("không tìm thấy tệp kết quả chính thức", file=str(p))])
    off = parse_official_yaml(p.read_text(encoding="utf-8"), p.name, catalogue)
    return Official(off.department, off.block, off.years, str(p))
