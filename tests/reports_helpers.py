"""A small project in a temporary folder for report tests: registry, data."""
from __future__ import annotations

from pathlib import Path

import nbformat

from cchc_lib.core.catalogue import load_catalogue
from cchc_lib.intake.long_table import write_long_table
from cchc_lib.intake.sample import sample_observations
from cchc_lib.core.units import load_registry
from cchc_lib.core.periods import parse_period
from cchc_lib.render.worker import Job

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
XSS_NAME = 'Phòng <script>alert("x")</script> Thử nghiệm'

UNITS_YAML = f"""units:
  - {{code: VP, name: "Văn phòng Sở", kind: van_phong}}
  - {{code: GDTRH, name: "Phòng Giáo dục Trung học", kind: phong}}
  - {{code: XSS, name: '{XSS_NAME}', kind: phong}}
"""


def make_project(root: Path, units_yaml: str = UNITS_YAML) -> dict[str, Path]:
    """params/units.yaml and data/sample.csv (sample figures of those units)."""
    (root / "params").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    units = root / "params" / "units.yaml"
    units.write_text(units_yaml, encoding="utf-8")
    cat = load_catalogue()
    reg = load_registry(units, cat.unit_kinds)
    data = root / "data" / "sample.csv"
    write_long_table(data, cat, sample_observations(cat, reg, 2023))
    return {"root": root, "units": units, "data": data}


def batch_doc(project: dict[str, Path], **over) -> dict:
    doc = {"periods": ["2023-Q3"], "data": str(project["data"]), "formats": ["html"],
           "notebooks": {"department": str(NOTEBOOKS / "department_report.ipynb"),
                         "unit": str(NOTEBOOKS / "unit_report.ipynb")}}
    doc.update(over)
    return doc


def notebook(path: Path, *sources: str) -> str:
    """A notebook of a `unit` parameters cell and one code cell per source."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("unit = ''")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params] + [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return str(path)


def job(nb: str, tmp: Path, name: str = "VP") -> Job:
    """An HTML job of `nb` for unit `name`, quarter 2023-Q1, output in tmp/out."""
    return Job(name, "unit", parse_period("2023-Q1"), nb, (("unit", name),), ("html",), str(tmp / "out"), str(tmp))
