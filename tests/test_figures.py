"""The published-figures contract: the writer's documents match it, readers
refuse what does not (missing keys, wrong types, another version)."""
from __future__ import annotations

import copy
import json

import nbformat
import pytest

from cchc_lib.reports import data as rd
from cchc_lib.reports import figures
from cchc_lib.render.htmlexport import figures_of
from cchc_lib.render.index_page import collect

from reports_helpers import make_project


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    proj = make_project(tmp_path_factory.mktemp("fig"))
    ctx = rd.open_context(proj["data"], "", proj["units"])
    return rd.unit_report(ctx, "GDTRH", "2023-Q3").figures, rd.department_report(ctx, "2023-Q3").figures


def test_what_reports_publish_matches_the_contract(docs):
    unit, dept = docs
    for doc in docs:
        assert figures.problems(doc) == []
        assert doc["schema"] == figures.SCHEMA and doc["version"] == figures.VERSION
        assert json.loads(json.dumps(doc)) == doc  # plain JSON
    assert unit["kind"] == "unit" and unit["rank_group"] == "Các phòng Sở"
    assert dept["kind"] == "department" and all("group" in r for r in dept["ranking"])
    assert figures.MIME in figures.bundle(unit) and "text/plain" in figures.bundle(unit)


def _without(doc, *path):
    d = copy.deepcopy(doc)
    target = d
    for k in path[:-1]:
        target = target[k]
    del target[path[-1]]
    return d


def _with(doc, value, *path):
    d = copy.deepcopy(doc)
    target = d
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = value
    return d


@pytest.mark.parametrize("change, words", [
    (lambda u: _without(u, "points"), "points: thiếu"),
    (lambda u: _with(u, "12", "points"), "points: cần một số"),
    (lambda u: _with(u, True, "points"), "points: cần một số"),
    (lambda u: _with(u, 2, "version"), "version: cần một trong 1"),
    (lambda u: _without(u, "schema"), "schema"),
    (lambda u: _with(u, "2023-Q5", "period"), "period: cần một kỳ"),
    (lambda u: _with(u, "xong", "criteria", 3, "status"), "criteria[3].status"),
    (lambda u: _without(u, "criteria", 0, "code"), "criteria[0].code: thiếu"),
    (lambda u: _with(u, {"a": 1}, "domains"), "domains: cần một danh sách"),
    (lambda u: _with(u, "school", "kind"), "kind: cần một trong"),
    (lambda u: _without(u, "rank_group"), "rank_group: thiếu"),
    (lambda u: _with(u, 1.5, "rank"), "rank: cần một số nguyên"),
    (lambda u: [u], "tài liệu"),
])
def test_a_bad_figures_document_is_refused(docs, change, words):
    bad = change(docs[0])
    assert figures.problems(bad)
    with pytest.raises(figures.FiguresError) as e:
        figures.validate(bad, "VP.json")
    assert words in str(e.value) and "VP.json" in str(e.value)


def test_department_document_checks_its_ranking(docs):
    bad = _with(docs[1], "một", "ranking", 0, "rank_in_group")
    assert any("ranking[0].rank_in_group" in p for p in figures.problems(bad))


def test_reading_a_notebook_validates(docs):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("views.publish(rep)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={figures.MIME: docs[0], "text/plain": "x"})]
    nb.cells = [cell]
    assert figures_of(nb)["unit"] == "GDTRH"
    cell.outputs[0]["data"][figures.MIME] = json.dumps(docs[0])  # as nbformat may keep it
    assert figures_of(nb)["points"] == docs[0]["points"]
    cell.outputs[0]["data"][figures.MIME] = _without(docs[0], "max_points")
    with pytest.raises(figures.FiguresError, match="max_points: thiếu"):
        figures_of(nb)
    cell.outputs = []
    assert figures_of(nb) is None


def test_the_index_leaves_out_a_bad_figures_file_and_says_so(tmp_path, docs):
    period = tmp_path / "2023-Q3"
    period.mkdir()
    (period / "GDTRH.json").write_text(json.dumps(docs[0], ensure_ascii=False), encoding="utf-8")
    (period / "OLD.json").write_text(json.dumps(_without(docs[0], "version")), encoding="utf-8")
    (period / "BROKEN.json").write_text("{not json", encoding="utf-8")
    problems: list[str] = []
    entries = collect(tmp_path, problems)
    assert [e["name"] for e in entries] == ["GDTRH"]
    assert len(problems) == 2 and any("OLD.json" in p and "version" in p for p in problems)
    assert any("BROKEN.json" in p and "không phải JSON" in p for p in problems)
