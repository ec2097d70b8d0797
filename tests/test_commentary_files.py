"""Commentary where analysts write it: commentary/<period>/<unit>.md and
department.md, picked up by render and part of each report's fingerprint;
the batch-file form keeps working, with Vietnamese errors that name the
file, the line and what to fix."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cchc_lib.cli import main as cli
from cchc_lib.render import batch
from cchc_lib.render.preview import commentary_page

from reports_helpers import batch_doc, make_project

TWO_UNITS = """units:
  - {code: VP, name: "Văn phòng Sở", kind: van_phong}
  - {code: GDTRH, name: "Phòng Giáo dục Trung học", kind: phong}
"""


@pytest.fixture()
def proj(tmp_path):
    return make_project(tmp_path, TWO_UNITS)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _jobs(proj, **over) -> dict:
    spec = batch.parse_spec(batch_doc(proj, **over), "lo.yaml")
    return {j.name: j for j in batch.plan(spec, root=proj["root"]).jobs}


def test_markdown_files_are_picked_up_and_fingerprinted(proj):
    root = proj["root"]
    before = _jobs(proj)
    _write(root / "commentary" / "2023-Q3" / "GDTRH.md", "Tăng **cán bộ** Một cửa.\n")
    _write(root / "commentary" / "2023-Q3" / "department.md", "Toàn Sở cần cố gắng.\n")
    _write(root / "commentary" / "2023-Q1" / "VP.md", "Quý I, không dùng cho quý III.\n")
    after = _jobs(proj)
    assert after["GDTRH"].params["commentary"] == "Tăng **cán bộ** Một cửa.\n"
    assert after["department"].params["commentary"] == "Toàn Sở cần cố gắng.\n"
    assert after["VP"].params["commentary"] == ""
    assert [n for n in before if before[n].fingerprint != after[n].fingerprint] == ["department", "GDTRH"]
    _write(root / "commentary" / "2023-Q3" / "GDTRH.md", "Tăng cán bộ Một cửa (sửa).\n")
    again = _jobs(proj)
    assert again["GDTRH"].fingerprint != after["GDTRH"].fingerprint
    assert again["VP"].fingerprint == after["VP"].fingerprint == before["VP"].fingerprint


def test_unit_code_in_any_case_and_editor_backups_skipped(proj):
    root = proj["root"]
    _write(root / "commentary" / "2023-Q3" / "gdtrh.md", "chữ thường\n")
    _write(root / "commentary" / "2023-Q3" / "GDTRH.md~", "bản lưu tạm của trình soạn thảo\n")
    _write(root / "commentary" / "2023-Q3" / ".VP.md.swp", "tạm\n")
    assert _jobs(proj)["GDTRH"].params["commentary"] == "chữ thường\n"


@pytest.mark.parametrize("name, words", [
    ("GDTHR.md", ["commentary/2023-Q3/GDTHR.md", "'GDTHR' không phải mã đơn vị"]),
    ("VP.txt", ["commentary/2023-Q3/VP.txt", "tệp Markdown .md"]),
])
def test_a_file_for_nobody_is_refused(proj, name, words):
    _write(proj["root"] / "commentary" / "2023-Q3" / name, "Văn bản.\n")
    with pytest.raises(batch.BatchError) as e:
        _jobs(proj)
    for w in words:
        assert w in str(e.value)


def test_two_files_for_one_report_are_refused(proj):
    _write(proj["root"] / "commentary" / "2023-Q3" / "VP.md", "a\n")
    _write(proj["root"] / "commentary" / "2023-Q3" / "vp.md", "b\n")
    with pytest.raises(batch.BatchError, match="trùng với"):
        _jobs(proj)


def test_a_file_not_in_utf8_names_its_line(proj):
    path = proj["root"] / "commentary" / "2023-Q3" / "VP.md"
    path.parent.mkdir(parents=True)
    path.write_bytes("Dòng một.\nDòng hai ".encode("utf-8") + b"c\xf3 d\xe2u")  # Latin-1, not UTF-8
    with pytest.raises(batch.BatchError) as e:
        _jobs(proj)
    assert "commentary/2023-Q3/VP.md, dòng 2" in str(e.value) and "UTF-8" in str(e.value)


def test_the_batch_file_form_keeps_working_but_not_both(proj):
    jobs = _jobs(proj, commentary={"2023-Q3": {"VP": "Từ tệp lô."}})
    assert jobs["VP"].params["commentary"] == "Từ tệp lô."
    _write(proj["root"] / "commentary" / "2023-Q3" / "VP.md", "Từ tệp .md.\n")
    with pytest.raises(batch.BatchError) as e:
        _jobs(proj, commentary={"2023-Q3": {"VP": "Từ tệp lô."}})
    assert "commentary/2023-Q3/VP.md" in str(e.value) and "giữ một nơi" in str(e.value)


def _batch_file(proj, text: str) -> Path:
    notebooks = {k: str(v) for k, v in batch_doc(proj)["notebooks"].items()}
    # appended after the text, so that the line numbers below are those of the text
    return _write(proj["root"] / "params" / "lo.yaml", text + yaml.safe_dump({"notebooks": notebooks}))


@pytest.mark.parametrize("text, words", [
    ("period: 2023-Q3\ncommentary:\n  VP: Tốt: tăng 5%\n", ["lo.yaml, dòng 3", "dấu ':'", "khối"]),
    ("period: 2023-Q3\ncommentary:\n\tVP: Tốt\n", ["lo.yaml, dòng 3", "Tab"]),
    ("period: 2023-Q3\ncommentary:\n  VP: \"Tốt\n", ["lo.yaml", "dấu nháy"]),
    ("period: 2023-Q3\ncommentary:\n  2023-Q3:\n    VP: Tốt\n   GDTRH: Khá\n", ["lo.yaml, dòng", "thụt lề"]),
    ("period: 2023-Q3\ncommentary:\n  2023-Q3:\n    VP:\n      - một\n      - hai\n",
     ["lo.yaml, dòng 4", "commentary → 2023-Q3 → VP", "văn bản (Markdown)", "VP: |"]),
    ("period: 2023-Q3\ncommentary:\n  VPP: Tốt\n", ["lo.yaml, dòng 3", "'VPP' không phải mã đơn vị"]),
])
def test_batch_file_errors_name_file_line_and_fix_in_vietnamese(proj, capsys, text, words):
    path = _batch_file(proj, text)
    code = cli.main(["render", str(path), "--data", str(proj["data"]), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("lỗi: ")
    for w in words:
        assert w in err, (w, err)
    for english in ("mapping", "expected", "found", "scanner", "while"):
        assert english not in err, err
    assert not (proj["root"] / "output").exists()


def test_commentary_command_renders_that_section_alone(proj, capsys):
    root = proj["root"]
    _write(root / "commentary" / "2023-Q3" / "GDTRH.md", "**Đánh giá:** tốt <script>x</script>\n")
    path, line = commentary_page("2023-Q3", "GDTRH", root=root)
    html = path.read_text(encoding="utf-8")
    assert path == root / "output" / "2023-Q3" / "GDTRH.nhan-xet.html"
    assert "<strong>Đánh giá:</strong>" in html and "&lt;script&gt;" in html and "<script" not in html
    assert "Nhận xét của chuyên viên" in html and "Phòng Giáo dục Trung học" in html and ".cchc" in html
    assert "commentary/2023-Q3/GDTRH.md" in line and str(path) in line
    none, hint = commentary_page("2023-Q3", "VP", root=root)
    assert none is None and "commentary/2023-Q3/VP.md" in hint
    spec = {**batch_doc(proj), "commentary": {"department": "Từ tệp lô."}}
    lo = _batch_file(proj, yaml.safe_dump(spec, allow_unicode=True))
    dept, line = commentary_page("2023-Q3", "department", batch=str(lo), root=root)
    assert "Từ tệp lô." in dept.read_text(encoding="utf-8") and "lo.yaml" in line and "Toàn Sở GD&ĐT" in line
