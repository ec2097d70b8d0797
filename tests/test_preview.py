"""`cchc preview` re-renders on change on one warm kernel; notebook
parameters documented for `papermill --help-notebook`."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cchc_lib.render.preview import preview

from reports_helpers import NOTEBOOKS, make_project

pytestmark = pytest.mark.slow  # kernels and subprocesses

TWO_UNITS = """units:
  - {code: VP, name: "Văn phòng Sở", kind: van_phong}
  - {code: GDTRH, name: "Phòng Giáo dục Trung học", kind: phong}
"""


def test_preview_renders_again_when_the_commentary_changes(tmp_path):
    proj = make_project(tmp_path, TWO_UNITS)
    (tmp_path / "notebooks").mkdir()
    for name in ("unit_report.ipynb", "department_report.ipynb"):
        (tmp_path / "notebooks" / name).write_bytes((NOTEBOOKS / name).read_bytes())
    note = tmp_path / "commentary" / "2023-Q3" / "GDTRH.md"
    lines: list[str] = []
    stop = threading.Event()
    html = tmp_path / "output" / "2023-Q3" / "GDTRH.html"

    def edit():
        deadline = time.monotonic() + 120
        while not html.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        note.parent.mkdir(parents=True, exist_ok=True)
        note.write_text("Lần sửa **thứ nhất**.\n", encoding="utf-8")

    editor = threading.Thread(target=edit)
    editor.start()
    try:
        run = preview("2023-Q3", "GDTRH", data=str(proj["data"]), root=tmp_path, poll=0.1, out=lines.append,
                      stop=stop, max_renders=2)
    finally:
        stop.set()
        editor.join()
    assert [ok for _, ok in run.renders] == [True, True], lines
    assert run.path == html
    assert "<strong>thứ nhất</strong>" in html.read_text(encoding="utf-8")
    assert str(html) in lines[0] and "Ctrl+C" in lines[0]
    assert "commentary/2023-Q3" in lines[-1] and "Đã tạo" in lines[-1]
    # one warm kernel: the second render skips the kernel start
    assert run.renders[1][0] < run.renders[0][0]
    assert (tmp_path / "output" / "2023-Q3" / "GDTRH.freeze").is_file()  # a later batch does not redo it


def test_papermill_help_lists_parameters_with_types_and_vietnamese_help():
    papermill = Path(sys.executable).with_name("papermill")
    out = subprocess.run([str(papermill), "--help-notebook", str(NOTEBOOKS / "unit_report.ipynb")],
                         capture_output=True, text=True, check=True).stdout
    for name in ("unit", "period", "data", "commentary", "catalogue", "units"):
        assert f"  {name}: str" in out, out
    assert "Mã đơn vị trong danh mục" in out and "Kỳ báo cáo" in out and "Nhận xét của chuyên viên" in out
    dept = subprocess.run([str(papermill), "--help-notebook", str(NOTEBOOKS / "department_report.ipynb")],
                          capture_output=True, text=True, check=True).stdout
    assert "  period: str" in dept and "  unit:" not in dept
