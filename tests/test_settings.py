"""Settings another department changes as files (params/organisation.yaml,
params/reports.yaml): defaults, effect on reports and index, located errors."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cchc_lib.core import settings as st
from cchc_lib.errors import CatalogueError, CchcError
from cchc_lib.reports import data as rd
from cchc_lib.reports import views
from cchc_lib.render.index_page import index_html

from reports_helpers import make_project

REPO = Path(__file__).resolve().parents[1]


def test_defaults_without_files_and_the_shipped_files_say_the_same(tmp_path):
    assert st.load_settings(tmp_path) == st.DEFAULTS
    shipped = st.load_settings(REPO / "params")
    assert dataclasses.replace(shipped.organisation, source="") == st.DEFAULTS.organisation
    assert shipped.reports == st.DEFAULTS.reports
    assert len(shipped.files) == 2


def test_another_department_changes_files_not_code(tmp_path):
    proj = make_project(tmp_path)
    (tmp_path / "params" / "organisation.yaml").write_text(
        'name: "Sở Y tế Hải Phòng"\nshort_name: "Sở Y tế"\nwhole: "Toàn Sở Y tế"\ntopic: "Chỉ số CCHC"\n',
        encoding="utf-8")
    (tmp_path / "params" / "reports.yaml").write_text(
        'trend_criteria: ["7.4.2"]\nbands:\n  - {from: 80, colour: "#00aa00", label: "tốt"}\n'
        '  - {from: 0, colour: "#aa0000"}\nrank_groups:\n  - {name: "Khối phòng", kinds: [phong, van_phong]}\n'
        'lists: {losses: 1}\nstrength_min_rate: 95\n', encoding="utf-8")
    ctx = rd.open_context(proj["data"], "", proj["units"])
    dept = rd.department_report(ctx, "2023-Q3")
    assert dept.title == "Báo cáo chỉ số CCHC — Toàn Sở Y tế — Quý III/2023"
    assert dept.commentary.summary.startswith("Toàn Sở Y tế đạt")
    assert len(dept.commentary.section("losses").remarks) == 1
    assert [t["code"] for t in dept.trends] == ["7.4.2"]
    assert [g["name"] for g in dept.groups] == ["Khối phòng"]
    assert "Sở Y tế Hải Phòng" in views.title(dept) and "Giáo dục" not in views.title(dept)
    legend = views.ranking_table(dept)
    assert "tốt" in legend and "dưới 80%" in legend and "#00aa00" in legend
    page = index_html([{**dept.figures, "period_dir": "2023-Q3", "name": "department", "links": {}}],
                      settings=ctx.settings)
    assert "Toàn Sở Y tế" in page and "Sở Y tế Hải Phòng" in page


@pytest.mark.parametrize("file, text, words", [
    ("reports.yaml", "trend_criteria: [3.5, \"7.4.2\"]\n", ["dòng 1", "dấu nháy", '"3.5"']),
    ("reports.yaml", "bands:\n  - {from: 60, colour: '#111111'}\n  - {from: 75, colour: '#222222'}\n"
                     "  - {from: 0, colour: '#333333'}\n", ["dòng 3", "bands[2].from", "giảm dần"]),
    ("reports.yaml", "bands:\n  - {from: 50, colour: red}\n", ["bands[1].colour", "#1f5fa8", "from: 0"]),
    ("reports.yaml", "lists: {losses: 0}\n", ["lists.losses", "số nguyên từ 1"]),
    ("reports.yaml", "rank_groups:\n  - {name: A, kinds: [phong]}\n  - {name: B, kinds: [phong]}\n",
     ["dòng 3", "đã có trong một nhóm khác"]),
    ("reports.yaml", "lists:\n\tlosses: 3\n", ["reports.yaml", "dòng 2", "Tab", "dấu cách"]),
    ("reports.yaml", "strength_min_rate: tám mươi\n", ["strength_min_rate", "cần một số"]),
])
def test_bad_settings_are_located_in_vietnamese(tmp_path, file, text, words):
    (tmp_path / file).write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as e:
        st.load_settings(tmp_path)
    msg = " | ".join(e.value.lines())
    for w in words:
        assert w in msg, (w, msg)


@pytest.mark.parametrize("text, words", [
    ("name: Sở A\ncolour: red\n", ["organisation.yaml", "colour", "khóa không hỗ trợ"]),
    ("whole: ''\n", ["organisation.yaml", "whole", "không được để trống"]),
    ("name: [Sở A]\n", ["organisation.yaml", "name", "chuỗi"]),
    ("name: Sở A\n  whole: B\n", ["organisation.yaml", "dòng 2", "YAML không hợp lệ"]),
])
def test_bad_organisation_file_is_named(tmp_path, text, words):
    (tmp_path / "organisation.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CchcError) as e:
        st.load_settings(tmp_path)
    for w in words:
        assert w in str(e.value), (w, str(e.value))
    assert not any(english in str(e.value) for english in ("mapping", "expected", "found"))


def test_settings_checked_against_the_catalogue(tmp_path):
    proj = make_project(tmp_path)
    (tmp_path / "params" / "reports.yaml").write_text(
        'trend_criteria: ["3.4.2", "9.9"]\nrank_groups:\n  - {name: A, kinds: [phong, truong]}\n', encoding="utf-8")
    with pytest.raises(CatalogueError) as e:
        rd.open_context(proj["data"], "", proj["units"])
    lines = e.value.lines()
    assert any("reports.yaml, dòng 1" in x and "'9.9'" in x for x in lines)
    assert any("dòng 3" in x and "'truong'" in x and "van_phong" in x for x in lines)


def test_band_labels():
    r = st.DEFAULTS.reports
    assert [r.band_label(b) for b in r.bands] == ["từ 90% trở lên", "từ 75% đến dưới 90%", "từ 60% đến dưới 75%",
                                                  "dưới 60%"]
    assert r.band(90).lower == 90 and r.band(89.99).lower == 75 and r.band(0).lower == 0 and r.band(None) is None
