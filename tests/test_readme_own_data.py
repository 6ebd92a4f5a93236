"""README's "Your own data" steps, followed as written on a small forum export (issue 16): the
files it tells a new user to write, the commands it shows, and a report at the end."""

from __future__ import annotations

import csv
import random
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KMSYNTH = Path(sys.executable).parent / "kmsynth"
TOPICS = {
    "services": "survivors shelter safe house emergency accommodation beds counselling helpline",
    "prevention": "school teachers pupils curriculum respectful relationships students norms",
    "laws": "domestic violence law reform parliament bill legislation amendment courts",
}


def _section() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    return text.split("## Your own data", 1)[1].split("\n## ", 1)[0]


def _export(path: Path) -> None:
    """A forum export with the README's column names and day-first dates."""
    rng = random.Random(3)
    rows = []
    for n in range(1, 121):
        words = TOPICS[rng.choice(list(TOPICS))].split()
        month = "09" if n <= 50 else "10"
        rows.append({"Post ID": f"F-{n:04d}", "Body": " ".join(rng.sample(words, 7)).capitalize()
                     + ", as our partners learned this year.",
                     "Posted": f"{rng.randint(1, 28):02d}/{month}/2026 10:{n % 60:02d}",
                     "Member": f"Member {rng.randint(1, 25)}", "Region": "Africa",
                     "Country": "Kenya", "May quote": rng.choice(["yes", "no"])})
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_readme_own_data_steps_give_a_report(tmp_path: Path) -> None:
    section = _section()
    blocks = [textwrap.dedent(b) for b in re.findall(r"```yaml\n(.*?)```", section, re.S)]
    assert len(blocks) == 2, "the section shows mapping.yml then kmsynth.yml"
    _export(tmp_path / "export.csv")
    (tmp_path / "mapping.yml").write_text(blocks[0], encoding="utf-8")
    (tmp_path / "kmsynth.yml").write_text(blocks[1], encoding="utf-8")
    commands = re.findall(r"`(kmsynth [^`]+)`", section)
    assert [c.split()[1] for c in commands] == ["validate", "check", "report"]
    for command in commands:
        args = shlex.split(command)
        run = subprocess.run([str(KMSYNTH), *args[1:]], cwd=tmp_path, capture_output=True,
                             text=True, timeout=500)
        assert run.returncode == 0, f"{command}: {run.stderr[-1500:]}"
        assert "Traceback" not in run.stderr
    page = (tmp_path / "reports" / "2026-10" / "index.html").read_text("utf-8")
    assert "Themes of the month" in page and "70 posts in 2026-10" in page
    assert not (tmp_path / "curation.yml").exists()  # a missing curation file: no decisions yet
