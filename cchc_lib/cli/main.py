"""`cchc` command line: parses arguments and calls one function of `commands`."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from cchc_lib.cli import commands

from cchc_lib.cli import monthly
from cchc_lib.errors import CchcError, ProblemsError


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--catalogue", metavar="PATH", help="danh mục tiêu chí YAML (mặc định: năm 2023 kèm theo)")
    p.add_argument("--units", metavar="PATH", help="danh mục đơn vị (mặc định: params/units.yaml)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cchc", description="Chỉ số CCHC: chấm điểm, báo cáo theo đơn vị và kỳ.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("criteria", help="in cây tiêu chí và điểm tối đa")
    p.add_argument("--catalogue", metavar="PATH")
    p.set_defaults(run=lambda a: commands.criteria(a.catalogue))

    p = sub.add_parser("score", help="phiếu điểm của một đơn vị hoặc toàn Sở cho một kỳ")
    p.add_argument("--data", required=True, metavar="PATH", help="bảng số liệu CSV/XLSX hoặc cơ sở dữ liệu")
    p.add_argument("--period", required=True, metavar="PERIOD", help="2023-03, 2023-Q1, 2023-H1 hoặc 2023")
    p.add_argument("--unit", metavar="CODE", help="mã đơn vị (bỏ trống: toàn Sở)")
    p.add_argument("--format", default="table", choices=commands.FORMATS)
    _common(p)
    p.set_defaults(run=lambda a: commands.score(a.data, a.period, a.unit, a.format, a.catalogue, a.units))

    p = sub.add_parser("sample-data", help="ghi bảng số liệu mẫu của mọi đơn vị, 12 tháng")
    p.add_argument("-o", "--output", default="data/sample_2023.csv", metavar="PATH")
    p.add_argument("--db", metavar="PATH", help="thay vì bảng: tạo cơ sở dữ liệu mẫu qua đường nạp số liệu")
    _common(p)
    p.set_defaults(run=lambda a: commands.sample_data(a.output, a.catalogue, a.units, db=a.db))

    # Monthly cycle: template → units fill → ingest → status → score.
    p = sub.add_parser("template", help="biểu mẫu Excel hằng tháng cho một đơn vị hoặc mọi đơn vị")
    p.add_argument("--unit", metavar="CODE", help="mã đơn vị")
    p.add_argument("--all-units", action="store_true", help="mỗi đơn vị một biểu (cần -o THƯ_MỤC)")
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    p.add_argument("-o", "--output", metavar="PATH", help="tệp .xlsx (hoặc thư mục với --all-units)")
    _common(p)
    p.set_defaults(run=lambda a: monthly.template(a.month, a.unit, a.all_units, a.output, a.catalogue, a.units))

    p = sub.add_parser("ingest", help="kiểm tra và nạp biểu mẫu, bảng số liệu vào cơ sở dữ liệu")
    p.add_argument("files", nargs="+", metavar="FILE", help="biểu mẫu .xlsx hoặc bảng số liệu .csv/.xlsx")
    p.add_argument("--db", metavar="PATH", help="cơ sở dữ liệu (mặc định: data/cchc.sqlite)")
    p.add_argument("--by", metavar="NAME", help="người nạp (ghi vào lịch sử)")
    p.add_argument("--at", metavar="DATETIME", help="thời điểm Sở nhận tệp, vd. 2023-04-03T09:30 (mặc định: bây giờ)")
    _common(p)
    p.set_defaults(run=lambda a: monthly.ingest(a.files, a.db, a.by, a.at, a.catalogue, a.units))

    p = sub.add_parser("history", help="các lần gửi số liệu của một đơn vị và giá trị đã thay đổi")
    p.add_argument("--unit", required=True, metavar="CODE")
    p.add_argument("--month", metavar="YYYY-MM")
    p.add_argument("--db", metavar="PATH")
    _common(p)
    p.set_defaults(run=lambda a: monthly.show_history(a.unit, a.month, a.db, a.catalogue, a.units))

    p = sub.add_parser("export", help="xuất bảng số liệu hiện hành của một kỳ (.csv hoặc .xlsx)")
    p.add_argument("--period", required=True, metavar="PERIOD")
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.add_argument("--db", metavar="PATH")
    _common(p)
    p.set_defaults(run=lambda a: monthly.export(a.period, a.output, a.db, a.catalogue, a.units))

    p = sub.add_parser("status", help="đơn vị nào đã gửi số liệu tháng nào: đúng hạn, muộn, chưa gửi")
    p.add_argument("--period", required=True, metavar="PERIOD")
    p.add_argument("--db", metavar="PATH")
    _common(p)
    p.set_defaults(run=lambda a: monthly.status(a.period, a.db, a.catalogue, a.units))

    p = sub.add_parser("render", help="tạo báo cáo HTML/PDF theo đơn vị và kỳ (tệp lô params/*.yaml hoặc --period)")
    p.add_argument("batch", nargs="?", metavar="BATCH.yaml", help="tệp lô, ví dụ params/2023-Q1.yaml")
    p.add_argument("--period", action="append", default=[], metavar="PERIOD", help="kỳ báo cáo (lặp lại được)")
    p.add_argument("--unit", action="append", default=[], metavar="CODE", help="chỉ các đơn vị này (lặp lại được)")
    p.add_argument("--to", metavar="FORMATS", help="định dạng: html, pdf hoặc html,pdf")
    p.add_argument("-j", "--jobs", type=int, metavar="N", help="số tiến trình song song (mặc định: số lõi CPU)")
    p.add_argument("--force", action="store_true", help="tạo lại mọi báo cáo, kể cả không thay đổi")
    p.add_argument("--data", metavar="PATH", help="cơ sở dữ liệu hoặc bảng số liệu (mặc định: của dự án)")
    p.add_argument("--output", metavar="DIR", help="thư mục kết quả (mặc định: output/)")
    p.add_argument("--chromium", metavar="PATH", help="trình duyệt Chromium để xuất PDF (hoặc biến CCHC_CHROMIUM)")
    p.add_argument("--executor", default="local", metavar="NAME",
                   help="bộ thực thi: local (mặc định, các tiến trình trên máy này), inline, dask")
    p.add_argument("--scheduler", metavar="tcp://HOST:8786", help="với --executor dask: địa chỉ Dask scheduler "
                   "(bỏ trống: cụm Dask cục bộ)")
    p.add_argument("--kernel", default="warm", choices=("warm", "fresh"),
                   help="warm (mặc định): mỗi tiến trình giữ một kernel, xóa trắng giữa hai báo cáo; fresh: kernel mới mỗi báo cáo")
    p.add_argument("--quiet", action="store_true", help="không hiện thanh tiến trình")
    p.set_defaults(run=lambda a: commands.render(a.batch, a.period, a.unit, a.to, a.jobs, a.force, a.data, a.output,
                                                 a.chromium, a.executor, not a.quiet, a.scheduler, a.kernel))

    p = sub.add_parser("preview", help="xem trước một báo cáo khi đang sửa: tự tạo lại khi notebook, nhận xét, "
                                       "danh mục, cài đặt hoặc số liệu thay đổi",
                       description="Giữ một kernel sẵn sàng, tạo báo cáo HTML của một đơn vị (hoặc toàn Sở), rồi "
                                   "tạo lại mỗi khi tệp của báo cáo thay đổi. Ví dụ: cchc preview --period 2023-Q3 "
                                   "--unit GDTRH (toàn Sở: --unit department). Ctrl+C để dừng.")
    p.add_argument("batch", nargs="?", metavar="BATCH.yaml", help="tệp lô (tùy chọn): lấy số liệu, nhận xét từ đó")
    p.add_argument("--period", required=True, metavar="PERIOD", help="kỳ báo cáo, ví dụ 2023-Q3")
    p.add_argument("--unit", required=True, metavar="CODE", help="mã đơn vị, hoặc department cho báo cáo toàn Sở")
    p.add_argument("--data", metavar="PATH", help="cơ sở dữ liệu hoặc bảng số liệu (mặc định: của dự án)")
    p.add_argument("--interval", type=float, default=0.5, metavar="GIÂY", help="kiểm tra thay đổi mỗi bao nhiêu giây")
    p.set_defaults(run=lambda a: commands.preview(a.batch, a.period, a.unit, a.data, a.interval))

    p = sub.add_parser("commentary", help="xem trước riêng phần nhận xét của chuyên viên (commentary/<kỳ>/<mã>.md)",
                       description="Tạo trang HTML chỉ có phần nhận xét của chuyên viên cho một báo cáo, như sẽ hiện "
                                   "trong báo cáo. Ví dụ: cchc commentary --period 2023-Q3 --unit GDTRH")
    p.add_argument("batch", nargs="?", metavar="BATCH.yaml", help="tệp lô (tùy chọn): nhận xét viết trong tệp lô")
    p.add_argument("--period", required=True, metavar="PERIOD", help="kỳ báo cáo, ví dụ 2023-Q3")
    p.add_argument("--unit", required=True, metavar="CODE", help="mã đơn vị, hoặc department cho báo cáo toàn Sở")
    p.set_defaults(run=lambda a: commands.commentary(a.batch, a.period, a.unit))

    p = sub.add_parser("demo", help="việc chính trên số liệu mẫu")
    p.add_argument("--period", default=commands.DEMO_PERIOD)
    p.set_defaults(run=lambda a: commands.demo(a.period))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        text = args.run(args)
    except ProblemsError as e:
        if getattr(e, "summary", ""):  # ingest: the per-file report, then every bad cell
            print(e.summary)
        for line in e.lines() if getattr(e, "every_line", False) else [e.one_line()]:
            print(f"lỗi: {line}", file=sys.stderr)
        return 2
    except CchcError as e:
        print(f"lỗi: {e}", file=sys.stderr)
        return 2
    if text:
        try:
            print(text)
            sys.stdout.flush()
        except BrokenPipeError:  # `cchc ... | head`: the reader has gone; not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return getattr(text, "exit_code", 0)


if __name__ == "__main__":
    sys.exit(main())
