"""Monthly report on the bundled sample: `kmsynth report` against the plain papermill + nbconvert
a user would otherwise run, and how soon each says that the configuration is wrong.

    python benchmarks/bench_report.py [--cold]

Figures, in one run, on the sample's latest month (all its posts, the sample config):
- `kmsynth report` warm (embeddings cached) and, with --cold, with an empty cache;
- the plain alternative: `papermill` on the same notebook and parameters, then
  `jupyter nbconvert --to html --no-input` (no check, no CSP, no atomic publish);
- a wrong embedder name in the config: seconds until `kmsynth report` exits 2 (the config is
  checked first) and until plain papermill fails;
- the cost of what kmsynth adds: the CSP hashes of the page and the atomic swap of the month.

Last run (2026-12-01, 2 shared cores, warm cache in ~/.cache/kmsynth, embedder auto):
kmsynth report 74.2 s (complete) vs plain papermill + nbconvert 65.3 s; a wrong embedder name:
kmsynth exit 2 after 7.3 s naming the setting vs plain papermill exit 1 after 18.3 s; CSP hashes
of the 5.3 MB page 169 ms; atomic swap 8.3 ms. Cold (empty cache, via the wheel test): 222 s.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


def timed(cmd: list[str], **kw) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return time.perf_counter() - t0, p


def last_line(p: subprocess.CompletedProcess) -> str:
    text = (p.stdout.strip() or p.stderr.strip()).splitlines()
    return f"exit {p.returncode}: " + (text[-1][:110] if text else "")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cold", action="store_true", help="also a run with an empty cache (+4 min)")
    args = ap.parse_args()
    if not (SAMPLE / "kmsynth.yml").is_file():
        print("skipped: no sample data (python data/make_sample.py)")
        return
    sys.path.insert(0, str(ROOT))
    from kmsynth.html import page_csp
    from kmsynth.report import NOTEBOOK
    from kmsynth.runs import latest_month, user_cache_dir
    from kmsynth.runs.report import demo_config

    month = latest_month(SAMPLE / "kmsynth.yml")
    km = [sys.executable, "-m", "kmsynth"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cfg = demo_config(tmp / "reports", user_cache_dir())
        n = sum(1 for _ in open(SAMPLE / "posts.csv", encoding="utf-8")) - 1
        print(f"sample: month {month}, {n:,} csv lines of posts; 2 cores shared")
        print(f"{'what':44} {'seconds':>8}  result")
        rows = []
        if args.cold:
            cold = demo_config(tmp / "cold", tmp / "empty-cache")
            rows.append(
                (
                    "kmsynth report, cold cache",
                    *timed(
                        [
                            *km,
                            "report",
                            "--month",
                            month,
                            "--config",
                            str(cold),
                            "--out",
                            str(tmp / "cold"),
                        ]
                    ),
                )
            )
        rows.append(
            (
                "kmsynth report, warm cache",
                *timed(
                    [
                        *km,
                        "report",
                        "--month",
                        month,
                        "--config",
                        str(cfg),
                        "--out",
                        str(tmp / "reports"),
                    ]
                ),
            )
        )
        plain_nb = tmp / "plain" / "report.ipynb"
        plain_nb.parent.mkdir()

        def papermill(config: Path) -> list[str]:
            return [
                sys.executable,
                "-m",
                "papermill",
                str(NOTEBOOK),
                str(plain_nb),
                "-p",
                "month",
                month,
                "-p",
                "config_path",
                str(config),
                "-p",
                "state_dir",
                str(tmp / "plain-state"),
                "--no-progress-bar",
                "-k",
                "python3",
            ]

        t_pm, p_pm = timed(papermill(cfg))
        t_nc, p_nc = timed(
            [
                sys.executable,
                "-m",
                "jupyter",
                "nbconvert",
                "--to",
                "html",
                "--no-input",
                str(plain_nb),
            ]
        )
        rows.append(("plain papermill + nbconvert (warm cache)", t_pm + t_nc, p_nc))
        bad = tmp / "bad.yml"
        raw = yaml.safe_load(cfg.read_text("utf-8"))
        raw["embedding"]["embedder"] = "no-such-model"
        bad.write_text(yaml.safe_dump(raw), "utf-8")
        rows.append(
            (
                "wrong embedder: kmsynth report says so",
                *timed(
                    [
                        *km,
                        "report",
                        "--month",
                        month,
                        "--config",
                        str(bad),
                        "--out",
                        str(tmp / "bad"),
                    ]
                ),
            )
        )
        rows.append(("wrong embedder: plain papermill fails", *timed(papermill(bad))))
        for what, seconds, proc in rows:
            print(f"{what:44} {seconds:8.1f}  {last_line(proc)}", flush=True)

        page = (tmp / "reports" / month / "index.html").read_text("utf-8")
        t0 = time.perf_counter()
        page_csp(page)
        t_csp = time.perf_counter() - t0
        target = tmp / "reports" / month
        swap = _swap_cost(tmp, target, month)
        print(
            f"CSP hashes of the {len(page) / 1e6:.1f} MB page: {1000 * t_csp:.1f} ms; atomic swap "
            f"of the month folder: {1000 * swap:.2f} ms each (20 swaps)"
        )


def _swap_cost(tmp: Path, target: Path, month: str) -> float:
    from kmsynth.report import publish

    total = 0.0
    for i in range(20):
        stage = tmp / "reports" / f".staging-{month}-swap{i}"
        shutil.copytree(target, stage)
        t0 = time.perf_counter()
        publish(stage, target)
        total += time.perf_counter() - t0
    return total / 20


if __name__ == "__main__":
    main()
