"""Monthly report on the bundled sample: cold (empty embedding cache, new process) and warm
(cache filled by the cold run), wall time for `kmsynth report`, the job `make demo` runs.

    python benchmarks/bench_report.py

The plain alternative a user would otherwise run is the same notebook without kmsynth's cache:
that is the cold figure; warm shows what the cache saves on the next month's run.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


def main() -> None:
    if not (SAMPLE / "kmsynth.yml").is_file():
        print("skipped: no sample data (python data/make_sample.py)")
        return
    sys.path.insert(0, str(ROOT))
    from kmsynth.cli.commands import latest_month

    month = latest_month(SAMPLE / "kmsynth.yml")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "sample"
        shutil.copytree(SAMPLE, data)
        cfg = data / "kmsynth.yml"
        text = cfg.read_text("utf-8")
        text = re.sub(r"cache_dir:.*", f"cache_dir: {Path(tmp) / 'cache'}", text)
        cfg.write_text(text, "utf-8")
        print(f"{'run':6} {'seconds':>8}  (month {month}, {sum(1 for _ in open(data / 'posts.csv', encoding='utf-8')) - 1:,} csv lines)")
        times = {}
        for run in ("cold", "warm"):
            t0 = time.perf_counter()
            p = subprocess.run([sys.executable, "-m", "kmsynth", "report", "--month", month, "--config", str(cfg),
                                "--out", str(Path(tmp) / "reports")], capture_output=True, text=True)
            times[run] = time.perf_counter() - t0
            status = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else p.stderr.strip()[-300:]
            print(f"{run:6} {times[run]:8.1f}  {status}", flush=True)
        print(f"warm/cold speed-up: {times['cold'] / times['warm']:.2f}x")


if __name__ == "__main__":
    main()
