"""For analysts extending a notebook: the report's numbers as a tidy table,
a chart in the report's style (the README's worked example), and notebooks
that use the public API only."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from cchc_lib import reports
from cchc_lib.reports import views

from reports_helpers import NOTEBOOKS, make_project

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    proj = make_project(tmp_path_factory.mktemp("an"))
    return reports.open_context(proj["data"], "", proj["units"])


def test_tidy_table_holds_numbers(ctx):
    rep = reports.department_report(ctx, "2023-Q3")
    t = reports.table(rep)
    assert {"unit", "unit_name", "code", "points", "max_points", "rate", "status"} <= set(t.columns)
    assert str(t["points"].dtype) == "float64" and str(t["rate"].dtype) == "float64"
    whole = t[t.unit.isna()]
    assert len(whole) == len(rep.card.criteria) and set(whole.unit_name) == {"Toàn Sở GD&ĐT"}
    assert whole.points.sum() == pytest.approx(float(rep.card.points))
    units = t[t.unit.notna()]
    assert set(units.unit) == {c.unit_code for c in rep.cards}
    gdtrh = units[(units.unit == "GDTRH") & (units.code == "3.4.2")].iloc[0]
    card = next(c for c in rep.cards if c.unit_code == "GDTRH").get("3.4.2")
    assert gdtrh.rate == pytest.approx(float(card.outcome.rate)) and gdtrh.points == pytest.approx(float(card.points))
    unit_only = reports.table(reports.unit_report(ctx, "VP", "2023-Q3"))
    assert set(unit_only.unit) == {"VP"}


def _readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    m = re.search(r"<!-- example: chart of 7\.4\.2 by unit -->\s*```python\n(.*?)```", text, re.S)
    assert m, "the README shows the worked example"
    return m.group(1)


def test_the_readme_worked_example_runs(ctx):
    rep = reports.department_report(ctx, "2023-Q3")
    shown: list = []
    namespace = {"reports": reports, "views": views, "rep": rep, "display": shown.append}
    exec(compile(_readme_example(), "README.md", "exec"), namespace)
    html = namespace["chart"]
    assert isinstance(html, views.Html) and 'src="data:image/svg+xml;base64,' in html
    fig = namespace["fig"]
    texts = [t.get_text() for ax in fig.axes for t in ax.texts + ax.get_yticklabels() + ax.get_xticklabels()]
    assert any(re.fullmatch(r" ?\d{1,3},\d%", t) for t in texts), texts  # 84,2% — the Vietnamese way
    assert not any(re.search(r"\d\.\d", t) for t in texts), texts
    assert any("Phòng Giáo dục Trung học" in t for t in texts)


def test_notebooks_use_the_public_api_only():
    public = set(reports.__all__)
    for name in ("unit_report.ipynb", "department_report.ipynb"):
        nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
        code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        tree = ast.parse(code)
        imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        for imp in imports:
            if isinstance(imp, ast.ImportFrom):
                assert imp.module in ("cchc_lib", "cchc_lib.reports"), imp.module
                assert all(a.name in (["reports"] if imp.module == "cchc_lib" else public) for a in imp.names)
            else:
                assert False, f"{name}: import {', '.join(a.name for a in imp.names)}"
        used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name) and n.value.id == "reports"}
        assert used <= public, used - public
