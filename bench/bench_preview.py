"""Benchmark: `cchc preview`'s re-render time (one warm kernel, HTML only).

Renders one unit report of the sample project, then edits its commentary
file N times; each edit makes the preview render the report again.  Prints
the first render (kernel start included), the re-renders (median, min,
max), and what an analyst waits for after saving a file: from the save to
the HTML written (change noticed, report planned, rendered, written).

Not a test: prints figures measured in this run.
Run: `.venv/bin/python bench/bench_preview.py [--unit GDTRH] [--period 2023-Q3] [--edits 5]`.
"""
from __future__ import annotations

import argparse
import compileall
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cchc_lib.render.engines import skip_slow_imports  # noqa: E402

skip_slow_imports()

from cchc_lib.core.catalogue import load_catalogue  # noqa: E402
from cchc_lib.core.units import load_registry  # noqa: E402
from cchc_lib.intake.long_table import write_long_table  # noqa: E402
from cchc_lib.intake.sample import sample_observations  # noqa: E402
from cchc_lib.render.preview import preview  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--unit", default="GDTRH")
    ap.add_argument("--period", default="2023-Q3")
    ap.add_argument("--edits", type=int, default=5)
    args = ap.parse_args()
    # As an installed package: byte-code compiled (`make bytecode`), not the sources at every start.
    compileall.compile_dir(ROOT / "cchc_lib", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "params").mkdir()
        (root / "params" / "units.yaml").write_bytes((ROOT / "params" / "units.yaml").read_bytes())
        (root / "notebooks").mkdir()
        for nb in ("unit_report.ipynb", "department_report.ipynb"):
            (root / "notebooks" / nb).write_bytes((ROOT / "notebooks" / nb).read_bytes())
        cat = load_catalogue()
        reg = load_registry(root / "params" / "units.yaml", cat.unit_kinds)
        data = write_long_table(root / "data" / "sample.csv", cat, sample_observations(cat, reg, 2023))
        note = root / "commentary" / args.period / f"{args.unit}.md"
        note.parent.mkdir(parents=True)
        edits = iter(range(args.edits))
        saved: list[float] = []  # when each edit was written
        waited: list[float] = []  # from that save to the report's line (the HTML written)

        def on_line(line: str) -> None:
            if "Đã tạo" in line or "✗" in line:
                if saved:
                    waited.append(time.perf_counter() - saved[-1])
                n = next(edits, None)
                if n is not None:
                    note.write_text(f"Lần sửa thứ {n + 1}.\n", encoding="utf-8")
                    saved.append(time.perf_counter())

        run = preview(args.period, args.unit, data=str(data), root=root, poll=0.05, out=on_line,
                      max_renders=args.edits + 1)
    first, rest = run.renders[0][0], [s for s, _ in run.renders[1:]]
    ok = all(good for _, good in run.renders)
    print(f"Xem trước {args.unit} {args.period}: lần đầu {first:.2f} s (gồm khởi động kernel)")
    if rest:
        print(f"Tạo lại sau mỗi lần sửa ({len(rest)} lần), báo cáo: trung vị {statistics.median(rest):.2f} s, "
              f"nhanh nhất {min(rest):.2f} s, chậm nhất {max(rest):.2f} s" + ("" if ok else " — CÓ LỖI"))
        print(f"Từ lúc lưu tệp đến khi HTML đã ghi (gồm phát hiện thay đổi, lập kế hoạch, ghi tệp): trung vị "
              f"{statistics.median(waited):.2f} s, chậm nhất {max(waited):.2f} s — mục tiêu < 1 s (issue 13)")


if __name__ == "__main__":
    main()
