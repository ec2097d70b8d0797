"""The shipped 2023 catalogue against the plan and the contract, and the
validation of a bad catalogue (every error collected before raising)."""
from __future__ import annotations

import copy
from fractions import Fraction as F
from pathlib import Path

import pytest
import yaml

from cchc_lib.core.catalogue import default_catalogue_path, load_catalogue, parse_catalogue
from cchc_lib.errors import CatalogueError
from cchc_lib.core.rules import RULES
from scoring_helpers import CAT

# The contract's section 4: code → maximum, in catalogue order ("0" = tracked).
MAXIMA = [
    ("3.1", "0.25"), ("3.2", "0.5"), ("3.3.1", "0.5"), ("3.3.2", "0.5"), ("3.3.3", "0.25"), ("3.3.4", "0.25"),
    ("3.3.5", "0.25"), ("3.3.6", "0.25"), ("3.4.1", "0.5"), ("3.4.2", "1.5"), ("3.4.3", "0.5"), ("3.4.4", "1"),
    ("3.4.5", "0.5"), ("3.5", "1"), ("PC.1", "0.5"), ("PC.2", "0.5"),
    ("7.1.1", "0"), ("7.1.2", "0"), ("7.1.3", "1"), ("7.1.4", "1"), ("7.1.5", "0"), ("7.2", "0.9"), ("7.3", "0.5"),
    ("7.4.1", "0.1"), ("7.4.2", "2.5"), ("7.5.1", "0.1"), ("7.5.2", "0.2"), ("7.5.3", "0.5"), ("7.6.1", "0.4"),
    ("7.6.2", "0.3"), ("7.6.3", "1"), ("7.6.4", "0.3"), ("7.6.5", "0.5"), ("7.7.1", "0.5"), ("7.7.2", "1"),
    ("8.1", "2.5"), ("8.2", "2.5"),
]
VP, TTR, P, TT = "van_phong", "thanh_tra", "phong", "truc_thuoc"
# The plan's last column ("đơn vị liên quan" read as the units under the department).
RESPONSIBLE = {
    "3.1": {VP}, "3.2": {P, TT}, "3.3.1": {VP, P}, "3.3.2": {VP, P, TT}, "3.3.3": {VP, P, TT},
    "3.3.4": {VP, P, TT}, "3.3.5": {VP}, "3.3.6": {VP, P}, "3.4.1": {P, TT}, "3.4.2": {P, TT}, "3.4.3": {P, TT},
    "3.4.4": {P, TT}, "3.4.5": {VP, TTR, P}, "3.5": {P, TT}, "PC.1": {TTR}, "PC.2": {TTR},
    "7.1.1": {P}, "7.1.2": {P}, "7.1.3": {P, TT}, "7.1.4": {P, TT}, "7.1.5": {VP}, "7.2": {VP, P},
    "7.3": {VP, P, TT}, "7.4.1": {P, TT}, "7.4.2": {P, TT}, "7.5.1": {VP, P}, "7.5.2": {VP, P}, "7.5.3": {VP, P},
    "7.6.1": {VP, P}, "7.6.2": {VP, P}, "7.6.3": {VP, P}, "7.6.4": {VP, P}, "7.6.5": {VP, P}, "7.7.1": {VP, P},
    "7.7.2": {VP, P}, "8.1": {P, TT}, "8.2": {P, TT},
}


def test_shipped_catalogue_has_the_37_items_in_order():
    assert [c.code for c in CAT.criteria] == [code for code, _ in MAXIMA]
    assert len(CAT.criteria) == 37


@pytest.mark.parametrize("code,maximum", MAXIMA)
def test_shipped_maxima(code, maximum):
    assert CAT.criterion(code).max_points == F(maximum)


def test_domain_maxima_and_total():
    assert CAT.domain_max("3") == F("8.75")
    assert CAT.domain_max("7") == F("10.8")
    assert CAT.domain_max("8") == F("5.0")
    assert CAT.total_max == F("24.55")
    assert [d.code for d in CAT.domains] == ["3", "7", "8"]
    assert CAT.domain("3").title == "CẢI CÁCH THỦ TỤC HÀNH CHÍNH (TTHC)"
    assert CAT.domain("7").title == "XÂY DỰNG VÀ PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ, CHÍNH QUYỀN SỐ"


@pytest.mark.parametrize("code", sorted(RESPONSIBLE))
def test_units_responsible_as_in_the_plan(code):
    assert set(CAT.criterion(code).responsible) == RESPONSIBLE[code]


@pytest.mark.parametrize("code,title", [
    ("3.4.2", "Kết quả giải quyết hồ sơ TTHC"),
    ("3.5", "Số hóa kết quả giải quyết thủ tục hành chính"),
    ("7.1.4", "Tỷ lệ văn bản điện tử ký số cá nhân"),
    ("7.6.5", "Thực hiện việc nhận diện bối cảnh và xác định rủi ro"),
    ("7.7.2", "Hồ sơ giải quyết TTHC đúng quy trình ISO"),
])
def test_titles_in_vietnamese_as_in_the_plan(code, title):
    assert CAT.criterion(code).title == title


def test_every_criterion_has_scoring_text_and_kinds():
    for c in CAT.criteria:
        assert c.scoring_text, c.code
        assert c.responsible and set(c.responsible) <= set(CAT.unit_kinds)


def test_indicator_kinds_and_level_labels():
    assert CAT.indicators["dossiers_resolved"].kind == "count"
    assert CAT.indicators["hotline_posted"].kind == "bool"
    lv = CAT.indicators["service_quality_rating"]
    assert [(x.code, x.label) for x in lv.levels] == [("xuat_sac", "Xuất sắc"), ("tot", "Tốt"), ("kha", "Khá"),
                                                     ("trung_binh", "Trung bình"), ("yeu", "Yếu")]
    assert [(x.code, x.label) for x in CAT.indicators["iso_risk_assessment"].levels] == [
        ("day_du", "Đầy đủ"), ("chua_day_du", "Chưa đầy đủ"), ("khong", "Không thực hiện")]


def test_limits_include_the_contracts_checks():
    pairs = {(lim.parts, lim.whole) for lim in CAT.limits}
    for pair in [(("dossiers_resolved_on_time",), "dossiers_resolved"),
                 (("city_tasks_done",), "city_tasks_assigned"), (("city_tasks_done_on_time",), "city_tasks_done"),
                 (("docs_out_electronic_only", "docs_out_electronic_and_paper"), "docs_out_total"),
                 (("procedures_with_e_workflow",), "procedures_in_system"),
                 (("procedures_with_bcci_dossiers",), "procedures_with_dossiers")]:
        assert pair in pairs
    # v2, 3.3: the carry-over pairs are never input errors
    for handled, received in [("feedback_handled", "feedback_received"),
                              ("tthc_review_issues_handled", "tthc_review_issues_found"),
                              ("decentralization_issues_handled", "decentralization_issues_found")]:
        assert ((handled,), received) not in pairs


# ---------------------------------------------------------------- validation

def shipped_doc() -> dict:
    return yaml.safe_load(default_catalogue_path().read_text(encoding="utf-8"))


def crit(doc, code):
    return next(c for c in doc["criteria"] if c["code"] == code)


def write(tmp_path: Path, doc, name="bad_catalogue.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def test_a_valid_copy_loads(tmp_path):
    cat = load_catalogue(write(tmp_path, shipped_doc(), "copy.yaml"))
    assert cat.total_max == F("24.55")


def test_every_error_collected_naming_file_and_criterion(tmp_path):
    doc = shipped_doc()
    crit(doc, "3.1")["max"] = 0.5                                            # cannot reach
    crit(doc, "3.3.5")["params"]["indicator"] = "hotline"                    # unknown indicator
    crit(doc, "3.4.2")["rule"] = "ratio_band"                                # unknown rule
    crit(doc, "7.1.4")["params"]["bands"].reverse()                          # bands out of order
    crit(doc, "7.4.2")["params"]["bands"][1]["factor"] = 5                   # 79% × 5 > 2.5: can exceed
    crit(doc, "7.3")["responsible"] = ["phong", "so_gd"]                     # unknown unit kind
    dup = copy.deepcopy(crit(doc, "7.2"))
    doc["criteria"].append(dup)                                              # duplicate code
    path = write(tmp_path, doc)
    with pytest.raises(CatalogueError) as e:
        load_catalogue(path)
    probs = e.value.problems
    assert all(p.file == "bad_catalogue.yaml" for p in probs)
    text = "\n".join(e.value.lines())
    assert all(line.startswith("bad_catalogue.yaml: ") for line in e.value.lines())

    def one(code: str, *words: str) -> str:
        hits = [p.message for p in probs if p.message.startswith(f"tiêu chí {code}:") and all(w in p.message for w in words)]
        assert hits, (code, words, text)
        return hits[0]

    one("3.1", "0.5", "0.25")
    one("3.3.5", "hotline")
    msg = one("3.4.2", "ratio_band")
    assert all(name in msg for name in RULES)  # lists the known rules
    one("7.1.4", "cao xuống thấp", "≥ 60%", "≥ 40%")  # 40% → 60% → 80%: two pairs out of order
    msg = one("7.4.2", "2.5")
    assert "4" in msg  # the rule can give up to 0.8 × 5
    one("7.3", "so_gd")
    one("7.2", "trùng")
    assert len(probs) == 8, text


@pytest.mark.parametrize("bands,maximum,ok", [
    ([{"gte": 0.95, "factor": 1.5}], 1.5, True),
    ([{"gte": 0.95, "factor": 1.5}], 1.4, False),                             # exceeds
    ([{"gte": 0.95, "factor": 1.5}], 2, False),                               # cannot reach
    ([{"eq": 1, "points": 0.5}, {"gte": 0.9, "factor": 1}], 0.5, False),      # 99% × 1 > 0.5
    ([{"gte": 0.8, "points": 2.5}, {"gte": 0.4, "factor": 2.5}], 2.5, True),  # 7.4.2 as shipped
    ([{"gte": 0.8, "points": 1}, {"gte": 0.4, "factor": 2.5}], 1, False),     # 79% × 2.5 > 1
    ([{"gt": 1, "points": 1}], 1, False),                                     # a rate never exceeds 100%
])
def test_max_reach_and_exceed(tmp_path, bands, maximum, ok):
    doc = shipped_doc()
    c = crit(doc, "3.4.2")
    c["params"]["bands"], c["max"] = bands, maximum
    path = write(tmp_path, doc)
    if ok:
        assert load_catalogue(path).criterion("3.4.2").max_points == F(str(maximum))
    else:
        with pytest.raises(CatalogueError) as e:
            load_catalogue(path)
        assert any(p.message.startswith("tiêu chí 3.4.2:") for p in e.value.problems), e.value.lines()


def test_unknown_indicator_kind_and_bad_when_none(tmp_path):
    doc = shipped_doc()
    doc["indicators"]["hotline_posted"]["kind"] = "boolean"
    crit(doc, "3.4.3")["when_none"] = "zero"
    with pytest.raises(CatalogueError) as e:
        load_catalogue(write(tmp_path, doc))
    text = "\n".join(e.value.lines())
    assert "hotline_posted" in text and "boolean" in text
    assert "tiêu chí 3.4.3" in text and "when_none" in text


def test_python_tags_are_refused(tmp_path):
    marker = tmp_path / "pwned"
    p = tmp_path / "evil.yaml"
    p.write_text(f'year: 2023\nx: !!python/object/apply:pathlib.Path.touch ["{marker}"]\n', encoding="utf-8")
    with pytest.raises(CatalogueError) as e:
        load_catalogue(p)
    assert "YAML" in str(e.value)
    assert not marker.exists()
    p.write_text("year: !!python/object:cchc_lib.core.catalogue.Level {code: a, label: b}\n", encoding="utf-8")
    with pytest.raises(CatalogueError):
        load_catalogue(p)


def test_not_a_mapping_and_missing_sections():
    with pytest.raises(CatalogueError):
        parse_catalogue(["a"], "x.yaml")
    with pytest.raises(CatalogueError) as e:
        parse_catalogue({"year": 2023}, "x.yaml")
    text = "\n".join(e.value.lines())
    for section in ("unit_kinds", "indicators", "domains", "criteria"):
        assert section in text


def test_missing_file():
    with pytest.raises(CatalogueError, match="không tìm thấy"):
        load_catalogue("/nonexistent/catalogue.yaml")
