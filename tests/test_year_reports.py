"""The three questions in the reports: tasks, the year-end projection and the
official results, in the department and unit reports of a period (rendered
for real with papermill), their published figures, and the batch's
fingerprints and checks of the two files."""
from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from cchc_lib.cli import year as cli_year
from cchc_lib.errors import DataError
from cchc_lib.render import batch
from reports_helpers import NOTEBOOKS, batch_doc
from scoring_helpers import ROOT, write_sample


def make_year_project(root: Path) -> dict[str, Path]:
    """The shipped registry (13 units), task register and official results, and the sample data."""
    (root / "params").mkdir(parents=True, exist_ok=True)
    for name in ("units.yaml", "tasks.yaml", "official.yaml"):
        shutil.copy(ROOT / "params" / name, root / "params" / name)
    data = write_sample(root / "data" / "sample.csv")
    return {"root": root, "units": root / "params" / "units.yaml", "data": data}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("year")
    proj = make_year_project(root)
    spec = batch.parse_spec(batch_doc(proj, units=["GDTRH"]), "lo.yaml")
    report = batch.run_batch(spec, root=root, workers=2, progress=False)
    assert report.exit_code == 0, report.text()
    out = root / "output" / "2023-Q3"
    return {**proj, "out": out,
            "dept": json.loads((out / "department.json").read_text(encoding="utf-8")),
            "unit": json.loads((out / "GDTRH.json").read_text(encoding="utf-8")),
            "dept_html": (out / "department.html").read_text(encoding="utf-8"),
            "unit_html": (out / "GDTRH.html").read_text(encoding="utf-8")}


@pytest.mark.slow
def test_department_publishes_late_tasks_with_owners(rendered):
    t = rendered["dept"]["tasks"]
    assert t["as_of"] == "2023-09-30" and t["counts"]["late"] == 12 and t["counts"]["due_today"] == 2
    late = {x["id"]: x for x in t["late"]}
    assert late["ISO-DGNB"]["owners"] == ["VP"] and late["ISO-DGNB"]["days_late"] == 30
    assert late["KH-DONVI"]["owners"] == ["GDTX", "THPT_THAIPHIEN"]
    assert set(t["due_today"]) == {"SK-2023-08/1", "TUYENTRUYEN"}
    assert t["meeting"] == "SK-2023-09"


@pytest.mark.slow
def test_department_html_answers_the_three_questions(rendered):
    html = rendered["dept_html"]
    for heading in ("Nhiệm vụ", "Sau kỳ họp trước", "Dự báo cuối năm", "Kết quả chính thức qua các năm"):
        assert re.search(rf"<h2[^>]*>{heading}", html), heading
    assert "Nhiệm vụ nào quá hạn, của đơn vị nào?" in html and "Đến ngày 30/09/2023: 12 nhiệm vụ quá hạn" in html
    body = html[html.index('class="tasks"'):]
    assert body.index("NIEMYET-CCVC") < body.index("SK-2023-08/1") < body.index("QTNB")  # late, due today, done
    assert "số liệu mẫu" in html and "dự báo" in html
    assert html.count('src="data:image/svg+xml;base64,') >= 7  # the official-results chart too
    assert "Kết luận của các cuộc họp trước chưa hoàn thành" in html


@pytest.mark.slow
def test_a_criterion_that_lost_points_lists_its_open_tasks(rendered):
    html = rendered["dept_html"]
    table = html[html.index('<table class="criteria">'):]
    row = table[table.index('<td class="code">7.7.1</td>'):]
    row = row[:row.index("</tr>")]
    assert "ISO-100" in row and "SK-2023-08/2" in row and "quá hạn" in row


@pytest.mark.slow
def test_published_projection_equals_cchc_project(rendered):
    doc = json.loads(cli_year.project(2023, through="2023-09", fmt="json", data=str(rendered["data"]),
                                      official=str(rendered["root"] / "params" / "official.yaml"),
                                      units=str(rendered["units"])))
    pub = rendered["dept"]["projection"]
    assert pub["through"] == "2023-09" and pub["cutoff"] == "2023-12-14"
    assert pub["points"] == pytest.approx(doc["points"], abs=1e-12)
    assert {c["code"]: c["points"] for c in pub["criteria"]} == pytest.approx(
        {c["code"]: c["points"] for c in doc["criteria"] if c["code"] in {x["code"] for x in pub["criteria"]}})
    v = rendered["dept"]["official"]["versus"]
    assert v["year"] == 2022 and v["official"] == pytest.approx(17.35) and v["rank"] == 9 and v["of"] == 20
    assert v["change"] == pytest.approx(pub["points"] - 17.35)
    assert doc["official"]["versus"]["change"] == pytest.approx(v["change"])


@pytest.mark.slow
def test_unit_report_lists_its_own_tasks_projection_and_comparison(rendered):
    u = rendered["unit"]
    ids = {x["id"] for x in u["tasks"]["late"]}
    assert "SK-2023-07/2" in ids and "XINLOI" in ids  # its decision; a task it works on
    assert "ISO-100" not in ids and "NIEMYET-CCVC" not in ids  # the office's own
    assert u["projection"]["through"] == "2023-09"
    doc = json.loads(cli_year.project(2023, "GDTRH", "2023-09", "json", str(rendered["data"]),
                                      units=str(rendered["units"])))
    want = {c["code"]: (c["points"], c["risk"], c["need"]["text"] if c["need"] else None) for c in doc["criteria"]}
    got = {c["code"]: (c["points"], c["risk"], c["need"]) for c in u["projection"]["criteria"]}
    assert got == {k: v for k, v in want.items() if k in got}
    html = rendered["unit_html"]
    assert "So với kết quả chính thức" in html and "Thẩm định 2022 (toàn Sở)" in html
    needs = [v[2] for v in got.values() if v[2] and "mỗi tháng đến 14/12" in v[2]]
    assert needs and all(n in html for n in needs)  # "thêm N … mỗi tháng đến 14/12", in the unit's own terms


def test_batch_fingerprints_follow_the_register_and_refuse_a_bad_one(tmp_path):
    proj = make_year_project(tmp_path)
    spec = batch.parse_spec(batch_doc(proj, units=["VP"], notebooks={
        "department": str(NOTEBOOKS / "department_report.ipynb"), "unit": str(NOTEBOOKS / "unit_report.ipynb")}))
    first = {j.name: j.fingerprint for j in batch.plan(spec, tmp_path).jobs}
    params = dict(batch.plan(spec, tmp_path).jobs[0].params)
    assert params["tasks"].endswith("tasks.yaml") and params["official"].endswith("official.yaml")
    tasks = tmp_path / "params" / "tasks.yaml"
    tasks.write_text(tasks.read_text(encoding="utf-8").replace("done: 2023-03-24", "done: 2023-03-25"),
                     encoding="utf-8")
    second = {j.name: j.fingerprint for j in batch.plan(spec, tmp_path).jobs}
    assert all(first[k] != second[k] for k in first)
    tasks.write_text(tasks.read_text(encoding="utf-8").replace("owner: KHTC", "owner: KHONGCO"), encoding="utf-8")
    with pytest.raises(DataError, match=r"tasks.yaml, dòng \d+, cột owner: đơn vị không có trong danh mục: 'KHONGCO'"):
        batch.plan(spec, tmp_path)


def test_reports_without_register_or_official_results_say_so(tmp_path):
    from cchc_lib.reports import data as rd

    proj = make_year_project(tmp_path)
    (tmp_path / "params" / "tasks.yaml").unlink()
    (tmp_path / "params" / "official.yaml").unlink()
    ctx = rd.open_context(proj["data"], "", proj["units"])
    rep = rd.department_report(ctx, "2023-Q3")
    assert not rep.tasks["available"] and rep.answers.tasks == "Chưa có sổ nhiệm vụ của Sở."
    assert not rep.official["available"] and rep.projection is not None
    assert rep.figures["tasks"]["counts"] == {} and rep.figures["official"]["versus"] is None
    assert all(r["tasks"] == [] for r in rep.rows)


def test_tasks_are_judged_on_the_periods_last_day(tmp_path):
    from cchc_lib.reports import data as rd

    proj = make_year_project(tmp_path)
    ctx = rd.open_context(proj["data"], "", proj["units"])
    q2 = rd.department_report(ctx, "2023-Q2")
    assert q2.tasks["as_of"] == date(2023, 6, 30).isoformat()
    states = {r["id"]: r["state"] for r in q2.tasks["rows"]}
    assert states["HOP-SK-QUY"] == "open"  # the Q2 meeting is due 15/07: not late at the end of June
    assert states["NIEMYET-CCVC"] == "late"
    assert "ISO-DGNB" not in states  # due 31/08, more than 30 days ahead: not listed yet
    assert q2.tasks["counts"]["late"] < 12
    assert q2.projection["through"] == "2023-06" and q2.projection["remaining"] == 6


def test_the_bao_cao_carries_the_years_three_answers(tmp_path):
    """The Word báo cáo (section I: against last year's official result; II: the tasks
    still late; III: where the year lands) from the same report data."""
    from cchc_lib.core.organisation import load_organisation
    from cchc_lib.reports import data as rd
    from cchc_lib.reports.word import docx_context

    proj = make_year_project(tmp_path)
    ctx = rd.open_context(proj["data"], "", proj["units"])
    q3 = rd.department_report(ctx, "2023-Q3")
    doc = docx_context(ctx, q3, load_organisation(root=ROOT))
    assert doc["results"][-1] == q3.answers.official and "năm 2022 thành phố chấm 17,35" in doc["results"][-1]
    assert doc["problems"][-1].startswith("Việc thực hiện nhiệm vụ theo Kế hoạch: đến ngày 30/09/2023: 12 nhiệm vụ")
    assert doc["proposals"][-1] == q3.answers.projection
    year = rd.department_report(ctx, "2023")
    doc = docx_context(ctx, year, load_organisation(root=ROOT))
    assert doc["results"][-1].startswith("Kết quả tự chấm năm 2023 (lĩnh vực 3, 7, 8): ")
    assert year.answers.projection not in doc["proposals"]  # a year's own figures are its result
    assert year.official["history"][-1]["label"] == "tự chấm"
