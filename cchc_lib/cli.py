"""`cchc` command line: parses arguments and calls one function of `commands`."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import commands
from .errors import CchcError, ProblemsError


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
    _common(p)
    p.set_defaults(run=lambda a: commands.sample_data(a.output, a.catalogue, a.units))

    p = sub.add_parser("demo", help="việc chính trên số liệu mẫu")
    p.add_argument("--period", default=commands.DEMO_PERIOD)
    p.set_defaults(run=lambda a: commands.demo(a.period))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        text = args.run(args)
    except ProblemsError as e:
        print(f"lỗi: {e.one_line()}", file=sys.stderr)
        return 2
    except CchcError as e:
        print(f"lỗi: {e}", file=sys.stderr)
        return 2
    if text:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
