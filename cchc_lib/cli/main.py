"""`cchc` command line: parses arguments and calls one function of `commands`.

The parser is built without importing the commands (`commands` and `year`
are imported when one runs): `cchc render --period P --unit U` starts its
report's kernel first thing, so that it starts while this process
imports and plans (`early_kernel`).

Everything the user reads is Vietnamese, argparse's own words too (usage,
option titles, its errors), and every command's help ends with examples
written with the command as the user can type it (`cchc`, or
`.venv/bin/cchc` when the environment is not activated).
"""
from __future__ import annotations

import argparse
import errno
import difflib
import os
import re
import sys
from contextlib import contextmanager
from typing import Any, Iterator, NoReturn, Sequence

from cchc_lib import project
from cchc_lib.cli.choices import DEMO_PERIOD, PROJECTION_FORMATS, SCORE_FORMATS
from cchc_lib.errors import CchcError, ProblemsError
from cchc_lib.render.jobs import NOTEBOOK_FORMATS, format_names

#: argparse's own texts (Python 3.10–3.12), in Vietnamese.
_ARGPARSE_VI = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "optional arguments": "tùy chọn",
    "show this help message and exit": "in hướng dẫn này rồi thoát",
    "show program's version number and exit": "in phiên bản rồi thoát",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "one of the arguments %s is required": "cần một trong các tham số: %s",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "chỉ nhận nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected %s argument": "cần %s giá trị",
    "expected %s arguments": "cần %s giá trị",
    "ambiguous option: %(option)s could match %(matches)s": "tùy chọn không rõ: %(option)s có thể là %(matches)s",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ: %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "không có lựa chọn %(value)r (chọn một trong: %(choices)s)",
    "not allowed with argument %s": "không dùng cùng với %s",
    "ignored explicit argument %r": "tùy chọn này không nhận giá trị %r",
    "unexpected option string: %s": "tùy chọn không mong đợi: %s",
}


@contextmanager
def _vietnamese() -> Iterator[None]:
    """argparse looks its texts up through its module's `_`/`ngettext` when
    it builds and when it prints: swap them for the time of one call only."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._ = lambda text: _ARGPARSE_VI.get(text, text)  # type: ignore[attr-defined]
    argparse.ngettext = lambda one, many, n: _ARGPARSE_VI.get(one if n == 1 else many, one if n == 1 else many)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


class Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one Vietnamese line, the usage,
    the command's example and where to read more; exit status 2."""

    example: str = ""

    def error(self, message: str) -> NoReturn:
        message = _suggest_command(message)
        self.print_usage(sys.stderr)
        lines = [f"lỗi: {message}"]
        if self.example:
            lines.append(f"Ví dụ: {self.example}")
        lines.append(f"Xem thêm: {self.prog} --help")
        self.exit(2, "\n".join(lines) + "\n")


_CHOICE = re.compile(r"không có lựa chọn '([^']*)' \(chọn một trong: (.*)\)$")


def _suggest_command(message: str) -> str:
    """An unknown command or choice: name the nearest ones ("Có phải score?")."""
    m = _CHOICE.search(message)
    if not m:
        return message
    choices = re.findall(r"'([^']*)'", m.group(2))
    near = difflib.get_close_matches(m.group(1).lower(), choices, n=2, cutoff=0.6)
    return message + (f". Có phải {' hoặc '.join(near)}?" if near else "")


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32, width=100)


def _help(p: argparse.ArgumentParser) -> None:
    p.add_argument("-h", "--help", action="help", help="in hướng dẫn này rồi thoát")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--catalogue", metavar="PATH", help="danh mục tiêu chí YAML (mặc định: năm 2023 kèm theo)")
    p.add_argument("--units", metavar="PATH", help="danh mục đơn vị (mặc định: params/units.yaml)")


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="PATH", help="cơ sở dữ liệu (mặc định: data/cchc.sqlite của dự án)")


def _commands():
    from cchc_lib.cli import commands

    return commands


def _year():
    from cchc_lib.cli import year

    return year


def early_kernel(a: argparse.Namespace) -> Any:
    """`cchc render` of one report without a batch file, on this machine:
    its warm kernel, launched now, before this process imports and plans
    (`render.batch.run_batch` takes it over, or shuts it down when it does
    not render here); else None.  The PDF browser is not started this early:
    on two cores it slows the kernel's start more than it gains."""
    if (a.batch or a.kernel != "warm" or a.executor != "local" or len(a.period) != 1 or len(a.unit) != 1
            or not set(NOTEBOOK_FORMATS) & set(format_names(a.to or "html"))):
        return None
    from cchc_lib.render.kernel import WarmKernel

    try:
        return WarmKernel().launch(str(project.project_root()))
    except Exception:  # the report's own start will say what is wrong
        return None


def build_parser() -> argparse.ArgumentParser:
    cmd = project.command_name()
    parser = Parser(prog=cmd, add_help=False, formatter_class=_formatter,
                    description="Chỉ số CCHC: biểu mẫu, nạp số liệu, chấm điểm và báo cáo theo đơn vị và kỳ.",
                    epilog=f"Bắt đầu: {cmd} demo (chạy thử trên số liệu mẫu), {cmd} init (số liệu thật của Sở).\n"
                           f"Kỳ viết được: 2023-03, T3/2023, tháng 3/2023, 03/2023, 2023-Q1, Q1/2023, quý I/2023,\n"
                           f"2023-H1, 6 tháng đầu năm 2023, 2023, năm 2023.  Hướng dẫn từng lệnh: {cmd} LỆNH --help")
    parser.example = f"{cmd} status --period T3/2023"
    _help(parser)
    parser.add_argument("--version", action="version", version=f"cchc {project.VERSION}",
                        help="in phiên bản rồi thoát")
    sub = parser.add_subparsers(dest="command", required=True, metavar="LỆNH", title="các lệnh")

    def command(name: str, help: str, examples: Sequence[str]) -> Parser:
        p = sub.add_parser(name, help=help, description=help[:1].upper() + help[1:] + ".", add_help=False,
                           formatter_class=_formatter,
                           epilog="Ví dụ:\n" + "\n".join(f"  {cmd} {x}" for x in examples))
        p.example = f"{cmd} {examples[0]}"
        _help(p)
        return p

    p = command("init", "chuẩn bị dự án cho số liệu thật: các tệp params/ để sửa và cơ sở dữ liệu trống",
                ["init", "init ~/cchc_so_gddt"])
    p.add_argument("folder", nargs="?", metavar="THƯ_MỤC", help="thư mục dự án (mặc định: thư mục hiện tại)")
    p.set_defaults(run=lambda a: _commands().init(a.folder))

    p = command("criteria", "in cây tiêu chí và điểm tối đa", ["criteria"])
    p.add_argument("--catalogue", metavar="PATH", help="danh mục tiêu chí YAML (mặc định: năm 2023 kèm theo)")
    p.set_defaults(run=lambda a: _commands().criteria(a.catalogue))

    p = command("score", "phiếu điểm của một đơn vị hoặc toàn Sở cho một kỳ",
                ["score --period Q1/2023 --unit GDTRH", "score --period 2023 --format json",
                 "score --data so_lieu.csv --period quý I/2023", "score --period 2023 --format xlsx -o phieu_diem.xlsx"])
    p.add_argument("--data", "--db", dest="data", metavar="PATH",
                   help="bảng số liệu CSV/XLSX hoặc cơ sở dữ liệu (mặc định: data/cchc.sqlite của dự án)")
    p.add_argument("--period", required=True, metavar="KỲ", help="kỳ: 2023-03, Q1/2023, 2023-H1, năm 2023 ...")
    p.add_argument("--unit", metavar="MÃ", help="mã đơn vị, chữ hoa hay thường đều được (bỏ trống: toàn Sở)")
    p.add_argument("--format", default="table", choices=SCORE_FORMATS,
                   help="table (màn hình, mặc định), json/csv (định dạng máy của hợp đồng dữ liệu), "
                        "xlsx (bảng Excel để đọc, in, gửi; cần -o)")
    p.add_argument("-o", "--output", metavar="TỆP", help="ghi ra tệp (bắt buộc với --format xlsx)")
    _common(p)
    p.set_defaults(run=lambda a: _commands().score(a.data, a.period, a.unit, a.format, a.catalogue, a.units,
                                                   a.output))

    # Monthly cycle: template → units fill → ingest → status → score.
    p = command("template", "biểu mẫu Excel hằng tháng cho một đơn vị hoặc mọi đơn vị",
                ["template --all-units --month T3/2023 -o bieu_mau/2023-03/", "template --unit VP --month 2023-03"])
    p.add_argument("--unit", metavar="MÃ", help="mã đơn vị")
    p.add_argument("--all-units", action="store_true", help="mỗi đơn vị một biểu (cần -o THƯ_MỤC)")
    p.add_argument("--month", required=True, metavar="THÁNG", help="tháng báo cáo: 2023-03, T3/2023, 03/2023")
    p.add_argument("-o", "--output", metavar="PATH", help="tệp .xlsx (hoặc thư mục với --all-units)")
    _common(p)
    p.set_defaults(run=lambda a: _commands().template(a.month, a.unit, a.all_units, a.output, a.catalogue, a.units))

    p = command("ingest", "kiểm tra và nạp biểu mẫu, bảng số liệu vào cơ sở dữ liệu",
                ['ingest bieu_mau/2023-03/*.xlsx --by "Nguyễn Văn A"', "ingest so_lieu.csv --at 2023-04-03T09:30"])
    p.add_argument("files", nargs="+", metavar="TỆP", help="biểu mẫu .xlsx hoặc bảng số liệu .csv/.xlsx")
    _db(p)
    p.add_argument("--by", metavar="TÊN", help="người nạp (ghi vào lịch sử)")
    p.add_argument("--at", metavar="THỜI_ĐIỂM", help="thời điểm Sở nhận tệp, vd. 2023-04-03T09:30 (mặc định: bây giờ)")
    p.add_argument("--force", action="store_true", help="nạp cả số liệu của tháng chưa tới (sau tháng đang tổng hợp)")
    _common(p)
    p.set_defaults(run=lambda a: _commands().ingest(a.files, a.db, a.by, a.at, a.catalogue, a.units, force=a.force))

    p = command("history", "các lần gửi số liệu của một đơn vị, ngày gửi lại và số liệu đã thay đổi",
                ["history --unit VP --month T6/2023", "history --unit gdtrh"])
    p.add_argument("--unit", required=True, metavar="MÃ", help="mã đơn vị")
    p.add_argument("--month", metavar="THÁNG", help="chỉ một tháng: 2023-06, T6/2023")
    _db(p)
    _common(p)
    p.set_defaults(run=lambda a: _commands().show_history(a.unit, a.month, a.db, a.catalogue, a.units))

    p = command("export", "xuất bảng số liệu hiện hành của một kỳ (.csv hoặc .xlsx)",
                ["export --period Q1/2023 -o so_lieu_quy1.xlsx"])
    p.add_argument("--period", required=True, metavar="KỲ", help="kỳ: 2023-03, Q1/2023, năm 2023 ...")
    p.add_argument("-o", "--output", required=True, metavar="TỆP", help="tệp .csv hoặc .xlsx")
    _db(p)
    _common(p)
    p.set_defaults(run=lambda a: _commands().export(a.period, a.output, a.db, a.catalogue, a.units))

    p = command("status", "đơn vị nào đã gửi số liệu tháng nào: đúng hạn, muộn, biểu trống, chưa gửi",
                ["status --period Q1/2023", "status --period T3/2023", "status --period 2023 -o tinh_hinh.xlsx"])
    p.add_argument("--period", required=True, metavar="KỲ", help="kỳ: 2023-03, Q1/2023, năm 2023 ...")
    _db(p)
    p.add_argument("-o", "--output", metavar="TỆP.xlsx", help="ghi ra bảng Excel thay vì in ra màn hình")
    _common(p)
    p.set_defaults(run=lambda a: _commands().status(a.period, a.db, a.catalogue, a.units, output=a.output))

    # Through the year: the plan's tasks, the year-end projection.
    p = command("tasks", "sổ nhiệm vụ: việc quá hạn, đến hạn, đã xong theo đơn vị chủ trì; biểu Excel của sổ",
                ["tasks --period 2023-Q3", "tasks --period 2023-Q3 --late", "tasks --unit GDTRH",
                 "tasks --on 2023-10-05", "tasks --form so_nhiem_vu.xlsx", "tasks --import so_nhiem_vu.xlsx"])
    p.add_argument("--period", metavar="KỲ", help="kỳ: nhiệm vụ quá hạn, đến hạn, hoàn thành trong kỳ, tính đến "
                                                  "ngày cuối kỳ (bỏ trống: mọi nhiệm vụ của năm, đến hôm nay)")
    p.add_argument("--unit", metavar="MÃ", help="chỉ nhiệm vụ đơn vị chủ trì, phối hợp hoặc phải tự làm")
    p.add_argument("--late", action="store_true", help="chỉ nhiệm vụ quá hạn")
    p.add_argument("--on", metavar="YYYY-MM-DD", help="xem tình hình vào ngày này")
    p.add_argument("--tasks", metavar="PATH", help="sổ nhiệm vụ .yaml hoặc biểu .xlsx (mặc định: params/tasks.yaml)")
    p.add_argument("--form", metavar="TỆP.xlsx", help="ghi biểu Excel của sổ nhiệm vụ để sửa")
    p.add_argument("--import", dest="import_from", metavar="TỆP.xlsx",
                   help="đọc biểu Excel đã sửa, kiểm tra, ghi vào sổ nhiệm vụ YAML (--tasks)")
    _common(p)
    p.set_defaults(run=lambda a: _year().tasks(a.period, a.unit, a.late, a.on, a.tasks, a.form, a.import_from,
                                               a.catalogue, a.units))

    p = command("project", "dự báo điểm đến ngày chốt số liệu cuối năm theo nhịp các tháng đã qua",
                ["project --year 2023", "project --year 2023 --unit GDTRH", "project --year 2023 --through 2023-09",
                 "project --year 2023 --format json"])
    p.add_argument("--year", required=True, type=int, metavar="NĂM")
    p.add_argument("--unit", metavar="MÃ", help="mã đơn vị (bỏ trống: toàn Sở)")
    p.add_argument("--through", metavar="YYYY-MM", help="tháng cuối được dùng (mặc định: tháng mới nhất có số liệu)")
    p.add_argument("--format", default="table", choices=PROJECTION_FORMATS)
    p.add_argument("--data", "--db", dest="data", metavar="PATH",
                   help="cơ sở dữ liệu hoặc bảng số liệu (mặc định: data/cchc.sqlite của dự án)")
    p.add_argument("--official", metavar="PATH", help="kết quả chính thức (mặc định: params/official.yaml)")
    _common(p)
    p.set_defaults(run=lambda a: _year().project(a.year, a.unit, a.through, a.format, a.data, a.official, a.catalogue,
                                                 a.units))

    p = command("self-assessment", "bảng tự đánh giá, chấm điểm của Sở (Excel) kèm tài liệu kiểm chứng",
                ["self-assessment --period 2023", "self-assessment --period năm 2023 -o tu_danh_gia_2023.xlsx"])
    p.add_argument("--period", required=True, metavar="KỲ", help="thường là năm, ví dụ 2023")
    p.add_argument("-o", "--output", metavar="TỆP.xlsx",
                   help="tệp kết quả (mặc định: output/<kỳ>/department_tu_danh_gia.xlsx)")
    p.add_argument("--data", "--db", dest="data", metavar="PATH",
                   help="cơ sở dữ liệu hoặc bảng số liệu (mặc định: data/cchc.sqlite của dự án)")
    _common(p)
    p.set_defaults(run=lambda a: _commands().self_assessment(a.period, a.output, a.data, a.catalogue, a.units))

    p = command("render", "tạo báo cáo HTML/PDF/Word theo đơn vị và kỳ (tệp lô params/*.yaml hoặc --period)",
                ["render --period Q3/2023", "render --period 2023-Q3 --unit GDTRH --to html",
                 "render --period 2023 --unit department --to docx", "render params/2023-Q3.yaml"])
    p.add_argument("batch", nargs="?", metavar="TỆP_LÔ.yaml", help="tệp lô, ví dụ params/2023-Q3.yaml")
    p.add_argument("--period", action="append", default=[], metavar="KỲ", help="kỳ báo cáo (lặp lại được)")
    p.add_argument("--unit", action="append", default=[], metavar="MÃ",
                   help="chỉ các đơn vị này (lặp lại được; department: báo cáo toàn Sở)")
    p.add_argument("--to", metavar="ĐỊNH_DẠNG", help="định dạng, cách nhau bởi dấu phẩy: html, pdf, docx (báo cáo "
                   "Word theo Nghị định 30), self-assessment (bảng tự đánh giá của Sở)")
    p.add_argument("--template", metavar="PATH", help="mẫu báo cáo Word (.docx) cho định dạng docx "
                   "(mặc định: khóa docx_template của tệp lô, hoặc mẫu kèm theo)")
    p.add_argument("-j", "--jobs", type=int, metavar="N", help="số tiến trình song song (mặc định: số lõi CPU)")
    p.add_argument("--force", action="store_true", help="tạo lại mọi báo cáo, kể cả không thay đổi")
    p.add_argument("--data", "--db", dest="data", metavar="PATH",
                   help="cơ sở dữ liệu hoặc bảng số liệu (mặc định: data/cchc.sqlite của dự án)")
    p.add_argument("--output", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định: output/)")
    p.add_argument("--chromium", metavar="PATH", help="trình duyệt Chromium để xuất PDF (hoặc biến CCHC_CHROMIUM)")
    p.add_argument("--executor", default="local", metavar="TÊN",
                   help="bộ thực thi: local (mặc định, các tiến trình trên máy này), inline, dask")
    p.add_argument("--scheduler", metavar="tcp://HOST:8786", help="với --executor dask: địa chỉ Dask scheduler "
                   "(bỏ trống: cụm Dask cục bộ)")
    p.add_argument("--kernel", default="warm", choices=("warm", "fresh"),
                   help="warm (mặc định): mỗi tiến trình giữ một kernel, xóa trắng giữa hai báo cáo; fresh: kernel mới mỗi báo cáo")
    p.add_argument("--quiet", action="store_true", help="không hiện thanh tiến trình")
    p.set_defaults(run=lambda a: _commands().render(a.batch, a.period, a.unit, a.to, a.jobs, a.force, a.data, a.output,
                                                    a.chromium, a.executor, not a.quiet, a.scheduler, a.kernel,
                                                    a.template, warm=a.warm),
                   early=early_kernel)

    p = command("preview", "xem trước một báo cáo khi đang sửa: tạo lại mỗi khi notebook, nhận xét, danh mục, "
                           "cài đặt hoặc số liệu thay đổi (một kernel giữ sẵn; Ctrl+C để dừng)",
                ["preview --period 2023-Q3 --unit GDTRH", "preview --period Q3/2023 --unit department"])
    p.add_argument("batch", nargs="?", metavar="TỆP_LÔ.yaml", help="tệp lô (tùy chọn): số liệu, nhận xét lấy từ đó")
    p.add_argument("--period", required=True, metavar="KỲ", help="kỳ báo cáo, ví dụ 2023-Q3")
    p.add_argument("--unit", required=True, metavar="MÃ", help="mã đơn vị, hoặc department cho báo cáo toàn Sở")
    p.add_argument("--data", "--db", dest="data", metavar="PATH",
                   help="cơ sở dữ liệu hoặc bảng số liệu (mặc định: data/cchc.sqlite của dự án)")
    p.add_argument("--interval", type=float, default=0.2, metavar="GIÂY", help="kiểm tra thay đổi mỗi bao nhiêu giây")
    p.set_defaults(run=lambda a: _commands().preview(a.batch, a.period, a.unit, a.data, a.interval))

    p = command("commentary", "xem trước riêng phần nhận xét của chuyên viên (tệp commentary/<kỳ>/<mã>.md)",
                ["commentary --period 2023-Q3 --unit GDTRH", "commentary --period 2023-Q3 --unit department"])
    p.add_argument("batch", nargs="?", metavar="TỆP_LÔ.yaml", help="tệp lô (tùy chọn): nhận xét viết trong tệp lô")
    p.add_argument("--period", required=True, metavar="KỲ", help="kỳ báo cáo, ví dụ 2023-Q3")
    p.add_argument("--unit", required=True, metavar="MÃ", help="mã đơn vị, hoặc department cho báo cáo toàn Sở")
    p.set_defaults(run=lambda a: _commands().commentary(a.batch, a.period, a.unit))

    p = command("demo", "chạy thử trên số liệu mẫu, riêng khỏi số liệu của Sở (data/sample.sqlite, output/demo/)",
                ["demo", "demo --period 2023-Q2"])
    p.add_argument("--period", default=DEMO_PERIOD, metavar="KỲ", help="kỳ báo cáo (mặc định: 2023-Q3)")
    p.set_defaults(run=lambda a: _commands().demo(a.period))

    p = command("sample-data", "ghi bảng số liệu mẫu (bịa) của mọi đơn vị, 12 tháng",
                ["sample-data -o so_lieu_mau.csv", "sample-data --db /tmp/mau.sqlite"])
    p.add_argument("-o", "--output", default="data/sample_2023.csv", metavar="PATH",
                   help="tệp CSV/XLSX (mặc định: data/sample_2023.csv)")
    p.add_argument("--db", metavar="PATH", help="thay vì bảng: tạo cơ sở dữ liệu mẫu mới qua đường nạp số liệu")
    _common(p)
    p.set_defaults(run=lambda a: _commands().sample_data(a.output, a.catalogue, a.units, db=a.db))
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    with _vietnamese():
        return build_parser().parse_args(argv)


_OS_ERRORS = {
    errno.ENOSPC: "đĩa đầy, không ghi được; giải phóng chỗ trống rồi chạy lại",
    errno.EDQUOT: "hết hạn mức dung lượng đĩa, không ghi được",
    errno.EROFS: "ổ đĩa chỉ đọc, không ghi được",
    errno.EACCES: "không có quyền truy cập",
    errno.EPERM: "không được phép (tệp chỉ đọc hoặc bất biến?)",
    errno.EMFILE: "không mở thêm được tệp nào: giới hạn số tệp mở quá thấp (ulimit -n); tăng giới hạn rồi chạy lại",
    errno.ENFILE: "hệ thống hết chỗ mở tệp; chạy lại sau",
    errno.ENOENT: "không tìm thấy",
    errno.EISDIR: "là thư mục, không phải tệp",
    errno.ENOTDIR: "một phần của đường dẫn không phải thư mục",
}


def os_error_line(e: OSError) -> str:
    """An OS error as one line in Vietnamese: the file, then what is wrong."""
    what = _OS_ERRORS.get(e.errno or 0, f"lỗi hệ thống ({e.strerror or e})")
    return f"{e.filename}: {what}" if e.filename else what


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.warm = args.early(args) if getattr(args, "early", None) else None
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
    except OSError as e:  # the machine's, not the data's: a full disk, a read-only folder, no descriptors left
        print(f"lỗi: {os_error_line(e)}", file=sys.stderr)
        return 2
    finally:  # not taken over (an error before rendering): no kernel outlives the command
        if args.warm is not None:
            args.warm.shutdown()
    if text:
        try:
            print(text)
            sys.stdout.flush()
        except BrokenPipeError:  # `cchc ... | head`: the reader has gone; not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return getattr(text, "exit_code", 0)


if __name__ == "__main__":
    sys.exit(main())
