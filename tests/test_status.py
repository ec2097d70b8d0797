"""Reporting status and deadlines; the sample database built through ingestion."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from cchc_lib.cli import commands
from cchc_lib.core.deadlines import Deadlines, load_deadlines, parse_deadlines
from cchc_lib.errors import CatalogueError, UsageError
from cchc_lib.store.history import history
from cchc_lib.core.periods import Period
from cchc_lib.store.status import LATE, NOT_SENT, ON_TIME, reporting_status
from cchc_lib.store.db import Store

from intake_helpers import CAT, REG, ROOT, _SAMPLE, month, run_ingest
from cchc_lib.intake.long_table import write_long_table

VN = timezone(timedelta(hours=7))


def _table(tmp_path, unit, m, drop=()):
    obs = [o for o in _SAMPLE if o.unit == unit and o.month == month(m) and o.indicator not in drop]
    return write_long_table(tmp_path / f"{unit}_{m}_{len(drop)}.csv", CAT, obs)


def test_deadlines_default_overrides_and_errors(tmp_path):
    d = Deadlines()
    assert d.monthly(month("2023-03")) == date(2023, 4, 5)
    assert d.monthly(month("2023-12")) == date(2024, 1, 5)
    assert d.annual(2023) == date(2023, 12, 15)
    shipped = load_deadlines(ROOT / "params" / "deadlines.yaml")
    assert shipped.monthly(month("2023-07")) == date(2023, 8, 5) and shipped.annual(2023) == date(2023, 12, 15)
    d = parse_deadlines({"monthly": {"day": 31, "months_after": 1}, "overrides": {"2023-01": "2023-02-20"}}, "x")
    assert d.monthly(month("2023-01")) == date(2023, 2, 20) and d.monthly(month("2023-01").previous()) == date(2023, 1, 31)
    assert d.monthly(month("2023-01").__class__(2023, "month", 3)) == date(2023, 4, 30)  # clipped to the month
    with pytest.raises(CatalogueError) as e:
        parse_deadlines({"monthly": {"day": 0}, "overrides": {"2023-13": "x"}}, "deadlines.yaml")
    assert len(e.value.problems) == 2


def test_on_time_late_missing_and_gaps(tmp_path):
    db = tmp_path / "cchc.sqlite"
    run_ingest([_table(tmp_path, "VP", "2023-01")], db, received_at=datetime(2023, 2, 5, 23, 59, tzinfo=VN))
    run_ingest([_table(tmp_path, "VP", "2023-02")], db, received_at=datetime(2023, 3, 6, 8, 0, tzinfo=VN))
    run_ingest([_table(tmp_path, "TTR", "2023-01", drop=CAT.indicators_for_kind("thanh_tra")[:1])], db,
               received_at=datetime(2023, 2, 1, tzinfo=VN))
    # a correction after the deadline does not make January late
    run_ingest([_table(tmp_path, "TTR", "2023-01")], db, received_at=datetime(2023, 3, 1, tzinfo=VN))
    report = reporting_status(db, REG, Period.parse("2023-Q1"), CAT)
    assert len(report.rows) == len(REG) * 3
    row = report.row("VP", month("2023-01"))
    assert (row.state, row.deadline, row.submitted_at) == (ON_TIME, date(2023, 2, 5),
                                                           datetime(2023, 2, 5, 23, 59, tzinfo=VN))
    assert row.missing_indicators == []
    assert report.row("VP", month("2023-02")).state == LATE
    miss = report.row("VP", month("2023-03"))
    assert (miss.state, miss.submitted_at, miss.missing_indicators) == (NOT_SENT, None, [])
    ttr = report.row("TTR", month("2023-01"))
    assert ttr.state == ON_TIME and ttr.versions == 2
    assert report.annual_deadline == date(2023, 12, 15)
    text = commands.status("2023-Q1", db)
    assert "! 06/03" in text and "Văn phòng Sở, tháng 2/2023: gửi 06/03/2023 08:00, hạn 05/03/2023 (muộn 1 ngày)" in text
    assert "Hạn báo cáo năm 2023: 15/12/2023" in text and "(trước ngày 15/12/2023)" in text
    assert "Số liệu từ 15/12/2022 đến 14/03/2023 (ngày chốt số liệu: ngày 14 hằng tháng)" in text
    # names, not codes, in the matrix; the correction with its date; a legend for every mark
    matrix = {line.split("  ")[0]: line for line in text.splitlines() if line.startswith(("Văn phòng Sở ", "Thanh tra Sở "))}
    assert "✓ 05/02" in matrix["Văn phòng Sở"] and "! 06/03" in matrix["Văn phòng Sở"]
    assert "✓ 01/02 ×2" in matrix["Thanh tra Sở"]
    assert not any(line.startswith(("VP ", "TTR ")) for line in text.splitlines())
    assert "Thanh tra Sở, tháng 1/2023: gửi lần đầu 01/02/2023, gửi lại gần nhất 01/03/2023 00:00 (2 lần gửi)" in text
    legend = text[text.index("Ký hiệu:"):text.index("Đơn vị ")]
    for mark in ("✓", "!", "×2", "∅", "✗", "·"):
        assert mark in legend


def test_missing_indicators_of_a_submitted_month(tmp_path):
    db = tmp_path / "cchc.sqlite"
    wanted = CAT.indicators_for_kind("thanh_tra")
    run_ingest([_table(tmp_path, "TTR", "2023-05", drop=wanted[:2])], db)
    row = reporting_status(db, REG, "2023-05", CAT).row("TTR", month("2023-05"))
    assert row.missing_indicators == wanted[:2]
    assert "Đã gửi nhưng còn thiếu số liệu" in commands.status("2023-05", db)


def test_no_database_everything_missing(tmp_path):
    report = reporting_status(tmp_path / "none.sqlite", REG, "2023-06", CAT)
    assert {r.state for r in report.rows} == {NOT_SENT}
    assert not (tmp_path / "none.sqlite").exists()


@pytest.mark.slow
def test_sample_database_through_ingestion(tmp_path):
    db = tmp_path / "sample.sqlite"
    text = commands.sample_data(tmp_path / "unused.csv", db=db)
    assert "muộn" in text and "gửi lại" in text
    report = reporting_status(db, REG, "2023", CAT)
    assert report.count(LATE) == 1 and report.row("GDTRH", month("2023-08")).state == LATE
    assert report.count(NOT_SENT) == 2 and report.row("TT_GDTX_HP", month("2023-12")).state == NOT_SENT
    assert report.row("THPT_NGOQUYEN", month("2023-04")).state == NOT_SENT  # the sample's silent month
    assert report.row("THPT_THAIPHIEN", month("2023-11")).missing_indicators == ["portal_news_posts"]
    assert report.row("KTKD", month("2023-03")).missing_indicators == ["dossiers_online_l34"]
    with Store(db, create=False) as s:
        versions = history(s, "VP", month("2023-06"))[month("2023-06")]
        assert len(versions) == 2 and [c.indicator for c in versions[1].changes] == ["portal_news_posts"]
        assert {f.kind for f in s.files()} == {"form", "table"}
    score = commands.score(db, "2023-Q3", None, "json")
    assert '"unit": null' in score
    with pytest.raises(UsageError):
        commands.sample_data(tmp_path / "unused.csv", db=db)  # never into an existing database


def test_status_command_refuses_a_missing_database(tmp_path):
    typo = tmp_path / "typo.sqlite"
    with pytest.raises(UsageError) as e:
        commands.status("2023-Q1", typo)
    assert str(e.value) == f"không tìm thấy cơ sở dữ liệu {typo}"
    assert not typo.exists()


def test_period_labels_in_messages_keep_the_roman_numeral(tmp_path):
    db = tmp_path / "cchc.sqlite"
    run_ingest([_table(tmp_path, "VP", "2023-04")], db)
    assert "hiện hành quý II/2023 vào" in commands.export("2023-Q2", tmp_path / "q.csv", db)
    assert "hiện hành 6 tháng đầu năm 2023 vào" in commands.export("2023-H1", tmp_path / "h.csv", db)
    assert "hiện hành năm 2023 vào" in commands.export("2023", tmp_path / "y.csv", db)
    assert "biểu mẫu tháng 4/2023" in commands.template("2023-04", all_units=True, out=tmp_path / "f")
    assert "Lịch sử số liệu: VP — " in commands.show_history("VP", "2023-04", db)
    assert ", tháng 4/2023" in commands.show_history("VP", "2023-04", db)
