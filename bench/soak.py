"""Soak: ingest and render for minutes with random kills, then check.

Not a test and not in CI (it runs for minutes; `make bench` does not run it):

    .venv/bin/python bench/soak.py [--minutes 10] [--seed N] [--keep]

In a temporary project (the demo's registry and batch `demo/2023-Q3.yaml`,
the demo database built through ingestion) it runs, for the given time:

- two ingesters: each loop writes a random long table — a unit-month of the
  sample generator with another seed (every indicator), or a random part of
  one — and runs `cchc ingest` on it; one run in four is killed with SIGKILL
  at a random moment;
- one renderer: `cchc render demo/2023-Q3.yaml -j 2` (HTML, and PDF when a
  browser is found), killed with SIGKILL at a random moment in half the runs.
  After each kill, every process the render started (found by an
  environment tag they inherit) must be gone within 20 seconds.

Then one last render that is not killed, and the checks:

- every stored value is scorable: every unit and the department, for every
  month, quarter, half-year and the year, score without error; the database
  passes `PRAGMA integrity_check`;
- nothing lost: the file of every ingest that succeeded is in the database;
  a killed ingest stored all of its file or none of it;
- every report the index lists is complete: no failure mark, its figures
  parse, its HTML is whole and carries the Content-Security-Policy, its PDF
  opens and has pages; no half-written file (`.part`) is left;
- no process of any render is left.

Prints what it did and what it found; exits 1 when a check failed.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import procs  # noqa: E402  (tests/procs.py)
from cchc_lib.core.catalogue import load_catalogue  # noqa: E402
from cchc_lib.core.periods import Period, parse_period  # noqa: E402
from cchc_lib.core.units import load_registry  # noqa: E402

CCHC = str(Path(sys.executable).with_name("cchc"))
TAG = "CCHC_SOAK_TAG"
YEAR = 2023


def tagged(tag: str) -> list[tuple[int, str]]:
    """Live processes whose environment carries TAG=tag (zombies excepted)."""
    return procs.tagged(TAG, tag)


class Soak:
    def __init__(self, root: Path, minutes: float, seed: int):
        self.root = root
        self.deadline = time.monotonic() + minutes * 60
        self.rnd = random.Random(seed)
        self.lock = threading.Lock()
        self.stats: Counter[str] = Counter()
        self.problems: list[str] = []
        self.ingested: list[tuple[Path, str, bool]] = []  # (file, sha256, killed)
        self.cat = load_catalogue()
        self.reg = load_registry(ROOT / "demo" / "units.yaml", self.cat.unit_kinds)
        self.db = root / "data" / "sample.sqlite"  # the demo batch's data
        self.pdf = False

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)
        print(f"  ✗ {text}", flush=True)

    # -- set-up ----------------------------------------------------------------------
    def setup(self) -> None:
        for part in ("params", "demo", "notebooks"):
            shutil.copytree(ROOT / part, self.root / part)
        (self.root / "data").mkdir()
        (self.root / "forms").mkdir()
        subprocess.run([CCHC, "sample-data", "--db", str(self.db), "--units", "demo/units.yaml"], cwd=self.root,
                       check=True, stdout=subprocess.DEVNULL)
        from cchc_lib.render.pdf import find_browser

        try:
            self.pdf = bool(find_browser())
        except Exception:
            self.pdf = False

    # -- ingest ------------------------------------------------------------------------
    def random_table(self, n: int) -> Path:
        from cchc_lib.intake.long_table import write_long_table
        from cchc_lib.intake.sample import sample_observations

        obs: list = []
        while not obs:  # the generator leaves a unit-month out now and then, as units do
            unit = self.rnd.choice(list(self.reg))
            month = Period.month(YEAR, self.rnd.randint(1, 12))
            seed = self.rnd.randint(1, 10**6)
            obs = [o for o in sample_observations(self.cat, self.reg, YEAR, seed=seed)
                   if o.unit == unit.code and o.month == month]
        if self.rnd.random() < 0.4:  # a correction: part of the indicators only
            obs = self.rnd.sample(obs, self.rnd.randint(1, max(1, len(obs) // 2)))
            self.stats["ingest: một phần"] += 1
        path = self.root / "forms" / f"soak_{n:05d}_{unit.code}_{month}.csv"
        write_long_table(path, self.cat, obs)
        return path

    def ingester(self, who: int) -> None:
        n = 0
        while time.monotonic() < self.deadline:
            n += 1
            path = self.random_table(who * 100000 + n)
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            kill = self.rnd.random() < 0.25
            proc = subprocess.Popen([CCHC, "ingest", str(path), "--db", str(self.db), "--units", "demo/units.yaml",
                                     "--by", f"soak {who}"],
                                    cwd=self.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if kill:
                time.sleep(self.rnd.uniform(0.2, 2.5))
                proc.send_signal(signal.SIGKILL)
            out, err = proc.communicate()
            code = proc.returncode
            with self.lock:
                if code == -signal.SIGKILL:
                    self.stats["ingest: bị dừng (kill -9)"] += 1
                    self.ingested.append((path, sha, True))
                elif code == 0 and "không lưu gì" in out:  # every value already the current one
                    self.stats["ingest: không có gì mới"] += 1
                elif code == 0:
                    self.stats["ingest: nạp"] += 1
                    self.ingested.append((path, sha, False))
                elif code == 2:
                    self.stats["ingest: từ chối (lỗi có vị trí)"] += 1
                else:
                    self.stats["ingest: lỗi khác"] += 1
                    self.problems.append(f"ingest {path.name}: mã thoát {code}: {err.strip()[-300:]}")

    # -- render ------------------------------------------------------------------------
    def render(self, kill: bool) -> None:
        tag = uuid.uuid4().hex
        fmt = "html,pdf" if self.pdf else "html"
        cmd = [CCHC, "render", "demo/2023-Q3.yaml", "-j", "2", "--to", fmt, "--quiet"]
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=self.root, env={**os.environ, TAG: tag},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if kill:
            time.sleep(self.rnd.uniform(2, 25))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        seconds = time.monotonic() - start
        if proc.returncode == -signal.SIGKILL:
            self.stats["render: bị dừng (kill -9)"] += 1
            limit = time.monotonic() + 20
            while tagged(tag) and time.monotonic() < limit:
                time.sleep(0.25)
            left = tagged(tag)
            if left:
                self.problem(f"render bị dừng để lại {len(left)} tiến trình: {left[:5]}")
                for pid, _ in left:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            return
        time.sleep(1)
        if tagged(tag):
            self.problem(f"render xong vẫn còn tiến trình: {tagged(tag)[:5]}")
        if proc.returncode == 0:
            self.stats["render: xong"] += 1
        else:
            self.stats[f"render: mã thoát {proc.returncode}"] += 1
            print("    " + "\n    ".join(out.strip().splitlines()[-6:]), flush=True)
        print(f"  render {'xong' if proc.returncode == 0 else 'lỗi'} trong {seconds:.0f} s", flush=True)

    def renderer(self) -> None:
        while time.monotonic() < self.deadline:
            self.render(kill=self.rnd.random() < 0.5)

    # -- checks ------------------------------------------------------------------------
    def check_scorable(self) -> None:
        from cchc_lib.core.scoring import score_all
        from cchc_lib.errors import CchcError
        from cchc_lib.intake.sources import open_dataset
        from cchc_lib.store.db import Store

        with Store(self.db, create=False) as store:
            if not store.integrity_ok():
                self.problem("cơ sở dữ liệu không qua integrity_check")
        ds = open_dataset(self.db, self.cat, self.reg)
        periods = [parse_period(p) for p in [f"{YEAR}-{m:02d}" for m in range(1, 13)]
                   + [f"{YEAR}-Q{q}" for q in range(1, 5)] + [f"{YEAR}-H1", f"{YEAR}-H2", str(YEAR)]]
        bad = 0
        for p in periods:
            try:
                score_all(ds, self.cat, self.reg, p)
            except CchcError as e:
                bad += 1
                self.problem(f"không chấm được {p}: {str(e)[:200]}")
        self.stats["kỳ chấm được"] = len(periods) - bad

    def check_nothing_lost(self) -> None:
        from cchc_lib.intake.long_table import load_table
        from cchc_lib.store.db import Store

        with Store(self.db, create=False) as store:
            by_file: dict[int, list[int]] = {}
            for sub in store.submissions():
                by_file.setdefault(sub.file.id, []).append(sub.id)
            for path, sha, killed in self.ingested:
                rec = store.file_by_sha(sha)
                if rec is None:
                    if not killed:
                        self.problem(f"{path.name}: nạp thành công nhưng không có trong cơ sở dữ liệu")
                    continue
                stored = sum(len(store.values_of(s)) for s in by_file.get(rec.id, []))
                expected = len(load_table(path, self.cat, self.reg))
                if stored != expected:
                    self.problem(f"{path.name}: lưu {stored}/{expected} giá trị")
                elif killed:
                    self.stats["ingest bị dừng nhưng đã lưu trọn tệp"] += 1

    def check_reports(self) -> None:
        from pypdf import PdfReader

        from cchc_lib.render.csp import POLICY
        from cchc_lib.render.index_page import collect

        out = self.root / "output" / "demo"
        entries = collect(out)
        if len(entries) != len(self.reg) + 1:
            self.problem(f"mục lục có {len(entries)} báo cáo, cần {len(self.reg) + 1}")
        for e in entries:
            name = f"{e['period_dir']}/{e['name']}"
            if e.get("failure") or "points" not in e:
                self.problem(f"{name}: lần tạo cuối bị lỗi: {(e.get('failure') or {}).get('reason')}")
                continue
            for fmt in e.get("formats", []):
                f = out / e["period_dir"] / f"{e['name']}.{fmt}"
                try:
                    if fmt == "html":
                        text = f.read_text(encoding="utf-8")
                        if not text.rstrip().endswith("</html>") or POLICY not in unescape(text):
                            self.problem(f"{name}.html không trọn vẹn")
                    else:
                        if len(PdfReader(str(f)).pages) < 1:
                            self.problem(f"{name}.pdf không có trang")
                except Exception as ex:
                    self.problem(f"{name}.{fmt}: {type(ex).__name__}: {ex}")
        self.stats["báo cáo trọn vẹn trong mục lục"] = len(entries)
        left = list(out.rglob("*.part"))
        if left:
            self.problem(f"còn {len(left)} tệp ghi dở: {left[:3]}")

    def guarded(self, target, *args) -> None:
        """A loop of the soak; its own crash is a problem too, not a silent stop."""
        try:
            target(*args)
        except Exception as e:
            self.problem(f"{target.__name__} dừng: {type(e).__name__}: {e}")

    def run(self) -> int:
        self.setup()
        print(f"Soak trong {self.root} (PDF: {'có' if self.pdf else 'không'})", flush=True)
        threads = [threading.Thread(target=self.guarded, args=(self.ingester, i)) for i in (1, 2)]
        threads.append(threading.Thread(target=self.guarded, args=(self.renderer,)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print("Lần tạo cuối (không dừng) và kiểm tra…", flush=True)
        self.render(kill=False)
        self.check_scorable()
        self.check_nothing_lost()
        self.check_reports()
        print("\nKết quả:")
        for k, v in sorted(self.stats.items()):
            print(f"  {k}: {v}")
        if self.problems:
            print(f"\n{len(self.problems)} vấn đề:")
            for p in self.problems:
                print(f"  ✗ {p}")
            return 1
        print("\nKhông có vấn đề: mọi giá trị đã lưu đều chấm được, mọi báo cáo trong mục lục đều trọn vẹn.")
        return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--keep", action="store_true", help="keep the temporary project")
    a = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cchc-soak-"))
    print(f"seed {a.seed}", flush=True)
    try:
        return Soak(root, a.minutes, a.seed).run()
    finally:
        if a.keep:
            print(f"Dự án giữ lại: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
