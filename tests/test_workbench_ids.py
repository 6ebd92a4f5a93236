"""One id space (issue 16): a theme renamed in the workbench is the same theme (same keywords)
in the report, with or without the report's saved state; and decisions are checked when made."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from kmsynth.config import load_config
from kmsynth.errors import InputError
from kmsynth.report import build_monthly_report
from kmsynth.themes import Curation
from kmsynth.workbench import Workbench

WORDS = {
    "services": "survivors shelter safe house emergency accommodation beds counselling".split(),
    "prevention": "school teachers pupils curriculum respectful relationships students".split(),
    "data": "administrative survey prevalence statistics indicators disaggregated registry".split(),
    "laws": "domestic violence law reform parliament bill legislation amendment courts".split(),
    "movement": "feminist movement activists organisations funding grassroots networks".split(),
}
# topics drift from month to month, so chaining ids over months differs from one step back
MONTHS = {"2026-08": ("services", "prevention", "movement"),
          "2026-09": ("prevention", "data", "movement"),
          "2026-10": ("data", "laws", "services")}


def _posts(path: Path, per_topic: int = 30) -> Path:
    rng = random.Random(1)
    rows, n = [], 0
    for month, topics in MONTHS.items():
        for topic in topics:
            for _ in range(per_topic):
                n += 1
                words = rng.sample(WORDS[topic], 6)
                rows.append({"post_id": f"p{n}", "created_at": f"{month}-{rng.randint(1, 28):02d}",
                             "text": " ".join(words).capitalize() + ".",
                             "author": f"Member {rng.randint(1, 30)}", "region": "Africa",
                             "language": "en", "consent_to_quote": "yes"})
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture
def drift_config(tmp_path: Path) -> Path:
    _posts(tmp_path / "posts.csv")
    cfg = tmp_path / "kmsynth.yml"
    cfg.write_text("data:\n  posts: posts.csv\n  curation: curation.yml\n"
                   "embedding:\n  embedder: tfidf\n  cache_dir: cache\n", encoding="utf-8")
    return cfg


def _theme_with(table, word: str):
    rows = table[table["keywords"].str.contains(word)]
    assert len(rows) == 1, table[["theme", "label", "keywords"]]
    return rows.iloc[0]


def _report_themes(cfg: Path, month: str, state_dir: Path | None = None):
    config = load_config(cfg)
    rep = build_monthly_report(month, config, state_dir=state_dir, curation=config.data.curation)
    return rep.themes


@pytest.mark.parametrize("with_state", [False, True])
def test_a_rename_in_the_workbench_lands_on_the_same_theme_in_the_report(
    drift_config: Path, tmp_path: Path, with_state: bool
) -> None:
    state = tmp_path / "state" if with_state else None
    if state is not None:  # last month's report saved its themes
        _report_themes(drift_config, "2026-09", state)
    wb = Workbench(drift_config, state_dir=state)
    law = _theme_with(wb.theme_table("2026-10"), "parliament")
    wb.rename(int(law["theme"]), "Law reform in parliament", month="2026-10", by="tester")
    assert Curation.load(drift_config.parent / "curation.yml").decisions[-1]["theme"] == int(
        law["theme"])
    report = _report_themes(drift_config, "2026-10", state)
    renamed = report[report["label"] == "Law reform in parliament"]
    assert len(renamed) == 1
    assert renamed.iloc[0]["keywords"] == law["keywords"]
    assert int(renamed.iloc[0]["theme_id"]) == int(law["theme"])
    # every other theme carries the same id in both
    assert dict(zip(report["theme_id"], report["keywords"], strict=True)) == dict(
        zip(wb.theme_table("2026-10")["theme"], wb.theme_table("2026-10")["keywords"],
            strict=True))


def test_decisions_are_checked_when_made(drift_config: Path) -> None:
    wb = Workbench(drift_config)
    ids = [int(t) for t in wb.theme_table("2026-10")["theme"]]
    a, b = ids[0], ids[1]
    with pytest.raises(InputError, match="no theme '999'") as e:
        wb.rename(999, "x")
    assert str(a) in str(e.value)  # says which themes exist
    with pytest.raises(InputError, match="not a pillar") as e:
        wb.set_pillar(a, 9)
    assert "4 Services" in str(e.value)
    with pytest.raises(InputError, match="two different themes"):
        wb.merge([a], into=a)
    with pytest.raises(InputError, match="1 to 120 characters"):
        wb.rename(a, "   ")
    with pytest.raises(InputError, match="cannot be split"):
        wb.split(a, k=1)
    with pytest.raises(InputError, match="no post"):
        wb.exclude_quote("nope")
    assert Curation.load(wb.curation.path).decisions == []  # nothing refused was written
    assert wb.set_pillar(a, "Services")["pillar"] == 4
    assert wb.set_pillar(b, "pillar 1")["pillar"] == 1
    assert wb.merge([a, b], into=a)["themes"] == [b]
    assert b not in set(wb.theme_table("2026-10")["theme"])
    assert wb.undo()["action"] == "merge"
    assert b in set(wb.theme_table("2026-10")["theme"])
    assert len(Curation.load(wb.curation.path).decisions) == 2
    with pytest.raises(InputError, match="too few posts"):
        wb.theme_table("2026-07")
