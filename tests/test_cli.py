"""`cchc` run as a real subprocess (contract section 6)."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from cchc_lib.intake.long_table import load_table
from scoring_helpers import CAT, REG, ROOT, write_sample

pytestmark = pytest.mark.slow  # kernels, Chromium, Dask or the CLI as a subprocess


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return write_sample(tmp_path_factory.mktemp("sample") / "sample_2023.csv")


def cchc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cchc_lib", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=60)


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory):
    """GDTH in March: 97 of 100 on time (1.455 points), 193 of 200 digitised
    (96.5%); one line of another unit's data."""
    p = tmp_path_factory.mktemp("cli") / "thang3.csv"
    p.write_text("unit,period,indicator,value\n"
                 "GDTH,2023-03,dossiers_resolved,100\n"
                 "GDTH,2023-03,dossiers_resolved_on_time,97\n"
                 "GDTH,2023-04,dossiers_resolved,100\n"
                 "GDTH,2023-04,dossiers_resolved_on_time,100\n"
                 "GDTH,2023-03,dossiers_results_digitized,96\n"
                 "GDTH,2023-04,dossiers_results_digitized,97\n"
                 "GDTH,2023-03,service_quality_rating,Khá\n"
                 "VP,2023-03,hotline_posted,có\n", encoding="utf-8")
    return p


def test_score_json_department_shape(sample):
    r = cchc("score", "--data", sample, "--period", "2023-Q1", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    doc = json.loads(r.stdout)
    assert doc["unit"] is None and doc["period"] == "2023-Q1"
    assert isinstance(doc["points"], float) and isinstance(doc["max_points"], float)
    assert [c["code"] for c in doc["criteria"]] == [c.code for c in CAT.criteria]
    for c in doc["criteria"]:
        assert {"code", "points", "max_points", "status", "rate"} <= set(c)
        assert c["status"] in ("scored", "missing_data", "not_applicable", "tracked")
        if c["status"] != "scored":
            assert c["points"] == 0
        assert 0 <= c["points"] <= c["max_points"] + 1e-12
    assert doc["points"] == pytest.approx(sum(c["points"] for c in doc["criteria"]), abs=1e-9)
    assert doc["max_points"] == pytest.approx(sum(c["max_points"] for c in doc["criteria"]
                                                  if c["status"] in ("scored", "missing_data")), abs=1e-9)


def test_score_json_unit(small_csv):
    r = cchc("score", "--data", small_csv, "--period", "2023-03", "--unit", "GDTH", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["unit"] == "GDTH" and doc["period"] == "2023-03"
    codes = [c["code"] for c in doc["criteria"]]
    assert codes == [c.code for c in CAT.criteria if c.code in set(codes)]
    assert set(codes) == {c.code for c in CAT.criteria_for_kind("phong")}
    c342 = next(c for c in doc["criteria"] if c["code"] == "3.4.2")
    assert c342 == {**c342, "points": pytest.approx(1.455, abs=1e-12), "max_points": 1.5, "status": "scored",
                    "rate": pytest.approx(0.97, abs=1e-12)}
    missing = next(c for c in doc["criteria"] if c["code"] == "3.4.3")
    assert missing["status"] == "missing_data" and missing["points"] == 0


def test_score_csv(small_csv):
    r = cchc("score", "--data", small_csv, "--period", "2023-Q2", "--unit", "GDTH", "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows and {row["unit"] for row in rows} == {"GDTH"} and {row["period"] for row in rows} == {"2023-Q2"}
    by = {row["code"]: row for row in rows}
    assert float(by["3.4.2"]["points"]) == 1.5 and by["3.4.2"]["status"] == "scored"
    assert [row["code"] for row in rows] == [c.code for c in CAT.criteria if c.code in by]


def test_score_table_vietnamese_numbers(small_csv):
    r = cchc("score", "--data", small_csv, "--period", "2023-03", "--unit", "GDTH")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    line_342 = next(line for line in out.splitlines() if line.startswith("3.4.2"))
    assert "1,46" in line_342 and "97,0%" in line_342 and "1,50" in line_342
    line_35 = next(line for line in out.splitlines() if line.startswith("3.5 "))
    assert "96,0%" in line_35 and "0,96" in line_35
    assert "Tháng 3/2023" in out and "Phòng Giáo dục Tiểu học" in out
    assert "chuyển mức Khá → Tốt" in out


def test_score_table_quarter_rate(small_csv):
    r = cchc("score", "--data", small_csv, "--period", "2023-H1", "--unit", "GDTH")
    line_35 = next(line for line in r.stdout.splitlines() if line.startswith("3.5 "))
    assert "96,5%" in line_35 and "193/200" in line_35 and "0,97" in line_35


def test_bad_input_exit_2_one_line_on_stderr(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("unit,period,indicator,value\nGDTH,2023-01,dossiers_resolved,12.5\n"
                 "GDTH,2023-01,hotline_posted,maybe\n", encoding="utf-8")
    r = cchc("score", "--data", p, "--period", "2023-Q1")
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1
    assert "bad.csv" in lines[0] and "dòng 2" in lines[0] and "cột value" in lines[0] and "12.5" in lines[0]
    assert "1 lỗi khác" in lines[0]


@pytest.mark.parametrize("period", ["2023-Q5", "Q1-2023", "2023-13"])
def test_bad_period_exit_2(sample, period):
    r = cchc("score", "--data", sample, "--period", period)
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1 and period in r.stderr


def test_unknown_unit_exit_2(sample):
    r = cchc("score", "--data", sample, "--period", "2023-Q1", "--unit", "NOPE")
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1 and "NOPE" in r.stderr


def test_missing_data_file_exit_2(tmp_path):
    r = cchc("score", "--data", tmp_path / "none.csv", "--period", "2023")
    assert r.returncode == 2 and r.stdout == "" and len(r.stderr.splitlines()) == 1


def test_criteria_prints_the_tree_and_total():
    r = cchc("criteria")
    assert r.returncode == 0, r.stderr
    assert "TỔNG ĐIỂM TỐI ĐA: 24,55" in r.stdout
    assert "tối đa 8,75 điểm" in r.stdout and "tối đa 10,80 điểm" in r.stdout and "tối đa 5,00 điểm" in r.stdout
    assert "Kết quả giải quyết hồ sơ TTHC [1,50 điểm]" in r.stdout


def test_sample_data_deterministic_and_loads(tmp_path):
    a, b = tmp_path / "a" / "x.csv", tmp_path / "b" / "x.csv"
    for p in (a, b):
        r = cchc("sample-data", "-o", p)
        assert r.returncode == 0, r.stderr
    assert a.read_bytes() == b.read_bytes()
    ds = load_table(a, CAT, REG)
    assert len(ds) > 1000
    assert set(ds.units) == set(REG.codes)
    assert {str(m) for m in ds.months} == {f"2023-{m:02d}" for m in range(1, 13)}


def test_broken_unit_registry_exit_2_one_line(sample, tmp_path):
    p = tmp_path / "units.yaml"
    p.write_text("units:\n  - {code: VP, name: \"Văn phòng\n  kind: [\n", encoding="utf-8")
    r = cchc("score", "--data", sample, "--period", "2023", "--units", p)
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1 and "units.yaml" in r.stderr and "YAML" in r.stderr


def test_registry_with_unknown_kind_exit_2(sample, tmp_path):
    p = tmp_path / "units.yaml"
    p.write_text("units:\n  - {code: VP, name: Văn phòng Sở, kind: so}\n", encoding="utf-8")
    r = cchc("score", "--data", sample, "--period", "2023", "--units", p)
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1 and "'so'" in r.stderr
