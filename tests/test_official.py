"""The city's official results (params/official.yaml): the sample, located
errors, this year against last year, self-assessment against appraisal."""
from __future__ import annotations

from fractions import Fraction as F

import pytest

from cchc_lib.core.official import Official, OfficialYear, DomainResult, self_vs_city, versus_last_year
from cchc_lib.errors import DataError
from cchc_lib.intake.official import load_official, parse_official_yaml
from scoring_helpers import CAT, ROOT


def test_the_sample_is_marked_as_sample_and_loads():
    text = (ROOT / "params" / "official.yaml").read_text(encoding="utf-8")
    assert "SỐ LIỆU MẪU" in text and "SAMPLE" in text
    off = load_official(ROOT / "params" / "official.yaml", CAT)
    assert [y.year for y in off.years] == [2021, 2022]
    assert all(y.sample for y in off.years) and off.any_sample
    assert off.year(2022).rank == 9 and off.year(2022).of == 20
    assert off.before(2023).year == 2022 and off.before(2021) is None


def test_this_year_against_last_years_official_points():
    off = Official("Sở", "khối các sở, ban, ngành", (OfficialYear(2022, 9, 20, None, {
        "3": DomainResult(F(67, 10), F(35, 4)), "7": DomainResult(F(137, 20), F(54, 5)),
        "8": DomainResult(F(19, 5), F(5))}),))
    v = versus_last_year(off, 2023, {"3": (F(7), F(35, 4)), "7": (F(7), F(54, 5)), "8": (F(4), F(5))})
    assert v.year == 2022 and v.official_points == F(347, 20) and v.projected == 18
    assert v.change == F(13, 20)  # 18 − 17,35
    assert v.official_max == v.projected_max == F(491, 20)
    assert versus_last_year(off, 2022, {"3": (F(1), F(1))}) is None  # nothing before 2022


def test_self_assessment_against_appraisal_generous_first():
    off = Official(years=(OfficialYear(2022, criteria={"7.6.3": F(1, 2), "3.5": F(4, 5), "7.3": F(3, 10)},
                                       self_assessed={"7.6.3": F(1), "3.5": F(4, 5), "7.3": F(1, 2)}),))
    got = [(a.code, a.difference) for a in self_vs_city(off)]
    assert got == [("7.6.3", F(1, 2)), ("7.3", F(1, 5)), ("3.5", 0)]


BAD = """department: Sở
years:
  2022:
    rank: 25
    of: 20
    domains:
      "3": {points: 9.5, max: 8.75}
      "9": 1
    criteria:
      "3.4.2": 1.7
      "9.9": 1
    colour: red
"""


def test_bad_official_file_is_refused_with_lines():
    with pytest.raises(DataError) as e:
        parse_official_yaml(BAD, "official.yaml", CAT)
    lines = e.value.lines()
    assert any("dòng 4" in x and "hạng 25 lớn hơn số đơn vị trong khối (20)" in x for x in lines)
    assert any("dòng 7" in x and "lớn hơn điểm tối đa" in x for x in lines)
    assert any("dòng 8" in x and "lĩnh vực không có trong danh mục: '9'" in x for x in lines)
    assert any("dòng 10" in x and "1,7 lớn hơn điểm tối đa 1,5" in x for x in lines)
    assert any("dòng 11" in x and "'9.9'" in x for x in lines)
    assert any("dòng 12" in x and "khóa không hỗ trợ 'colour'" in x for x in lines)
