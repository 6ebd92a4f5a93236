"""Curation: decisions made on one month still hold on the next; stale ones are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmsynth.config import load_config
from kmsynth.errors import InputError
from kmsynth.report.sections import build_monthly_report
from kmsynth.themes.curation import Curation, apply_curation


@pytest.fixture(scope="module")
def two_months(tmp_path_factory):
    from tests.conftest import write_posts

    d = tmp_path_factory.mktemp("cur")
    write_posts(d / "posts.csv", months=("2026-09", "2026-10"), per_month=120, seed=4)
    cfg_file = d / "kmsynth.yml"
    cfg_file.write_text(
        "data:\n  posts: posts.csv\nembedding:\n  embedder: tfidf\n  cache_dir: cache\n"
    )
    return d, cfg_file


def test_rename_and_merge_hold_next_month(two_months) -> None:
    d, cfg_file = two_months
    state = d / "state"
    sep = build_monthly_report("2026-09", load_config(cfg_file), state_dir=state)
    ids = sep.themes["theme_id"].tolist()
    assert len(ids) >= 3
    cur = Curation(d / "curation.yml")
    cur.rename(ids[0], "Shelters and safe accommodation", by="analyst", why="clearer")
    cur.merge([ids[1], ids[2]], into=ids[1], by="analyst", why="near duplicates")
    assert Curation.load(d / "curation.yml").decisions == cur.decisions  # round trip

    octo = build_monthly_report(
        "2026-10", load_config(cfg_file), state_dir=state, curation=d / "curation.yml"
    )
    labels = dict(zip(octo.themes["theme_id"], octo.themes["label"], strict=False))
    assert labels.get(ids[0]) == "Shelters and safe accommodation"
    assert ids[2] not in labels and ids[1] in labels
    assert "Shelters and safe accommodation" in octo.section_themes()  # the report shows it
    assert octo.method["curation_sha256"] == cur.sha256()


def test_split_is_reproducible_and_stale_decisions_are_reported(two_months) -> None:
    d, cfg_file = two_months
    rep = build_monthly_report("2026-10", load_config(cfg_file), state_dir=d / "state2")
    # a fitted result with embeddings, from the same posts
    import pandas as pd

    from kmsynth.embed.embedders import get_embedder
    from kmsynth.themes import fit_themes

    posts = pd.read_csv(d / "posts.csv")
    e = get_embedder("tfidf")
    e.fit(posts["text"].tolist())
    res = fit_themes(posts["text"].tolist(), posts["post_id"].tolist(), embedder=e, seed=1)
    big = int(res.themes.iloc[0]["theme_id"])
    cur = Curation(None)
    cur.split(big, 2)
    cur.rename(999, "Gone theme")
    one, out1 = apply_curation(res, cur, seed=3)
    two, _ = apply_curation(res, cur, seed=3)
    assert one.assignments.equals(two.assignments)
    assert len(one.themes) == len(res.themes) + 1
    assert one.themes["size"].sum() == res.themes["size"].sum()
    assert len(out1.stale) == 1 and "999" in out1.messages()[0]
    assert rep is not None


def test_bad_curation_files_are_input_errors(tmp_path: Path) -> None:
    p = tmp_path / "c.yml"
    p.write_text("decisions:\n  - action: rename\n    theme: 1\n")
    with pytest.raises(InputError, match="lacks label"):
        Curation.load(p)
    p.write_text("decisions:\n  - action: explode\n")
    with pytest.raises(InputError, match="no known action"):
        Curation.load(p)
    assert Curation.load(tmp_path / "absent.yml").decisions == []
