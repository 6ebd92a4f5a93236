"""Sample-and-assign (kmsynth.themes.large): one path for every size, in-process and on Dask."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kmsynth.config import load_config
from kmsynth.embed.embedders import get_embedder
from kmsynth.themes import large
from kmsynth.themes.large import assign_to_centroids, fit_themes_large, seeded_sample
from tests.test_themes import make_corpus


def test_in_process_run_samples_and_assigns_a_corpus_above_the_sample_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect: `kmsynth themes` without --dask fitted every text (UMAP on all of them), so a
    large corpus never took the sample-and-assign path."""
    from kmsynth.runs import run_themes
    from tests.conftest import write_posts

    write_posts(tmp_path / "posts.csv", months=("2026-10",), per_month=200, seed=3)
    monkeypatch.setattr(large, "SAMPLE_SIZE", 120)
    cfg = load_config(None).with_overrides(
        {"embedding.cache_dir": tmp_path / "cache", "embedding.embedder": "tfidf"}
    )
    run = run_themes(tmp_path / "posts.csv", tmp_path / "out", cfg, id_col="post_id")
    params = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))["parameters"]
    assert params["strategy"] == "sample+assign" and params["sample_size"] == 120
    assert len(run.result.assignments) == run.n_docs > 120


def test_sample_is_proportional_per_stratum_and_keeps_a_rare_one() -> None:
    strata = ["en"] * 900 + ["fr"] * 95 + ["sw"] * 5
    pick = seeded_sample(1000, 100, strata, seed=1)
    got = {s: sum(strata[i] == s for i in pick) for s in ("en", "fr", "sw")}
    assert got["en"] == 90 and got["fr"] == 10 and got["sw"] == 1
    assert np.array_equal(pick, seeded_sample(1000, 100, strata, seed=1))  # seeded
    assert list(pick) == sorted(set(pick.tolist()))


def test_blocked_assignment_equals_the_fit_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every text outside the sample goes where ThemeResult.transform (the fit's own outlier
    rule and threshold) sends it; the sample keeps its fitted themes; blocks change nothing."""
    texts, labels = make_corpus(60, seed=4)
    emb = get_embedder("tfidf").fit(texts)
    X = emb.encode(texts)
    monkeypatch.setattr(large, "ASSIGN_BLOCK", 7)
    res = fit_themes_large(texts, embeddings=X, embedder=emb, sample_size=150, strata=labels)
    sample = seeded_sample(len(texts), 150, labels, 42)
    rest = np.setdiff1d(np.arange(len(texts)), sample)
    expect, _ = res.transform(X[rest])
    got = res.assignments["theme_id"].to_numpy()
    assert np.array_equal(got[rest], expect)
    tid, _ = assign_to_centroids(X, res.centroids, 0.3)
    monkeypatch.setattr(large, "ASSIGN_BLOCK", 10_000)
    assert np.array_equal(tid, assign_to_centroids(X, res.centroids, 0.3)[0])
    assert res.themes["size"].sum() == (got != -1).sum()


def test_languages_given_are_used_not_detected_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defect: the sample fit detected languages again although the run had them."""
    import kmsynth.protect as protect

    texts, labels = make_corpus(60, seed=5)
    emb = get_embedder("tfidf").fit(texts)

    def refuse(*_a, **_k):
        raise AssertionError("languages detected again")

    monkeypatch.setattr(protect, "detect_languages", refuse)
    res = fit_themes_large(
        texts, embedder=emb, sample_size=150, languages=["en"] * len(texts), seed=2
    )
    assert res.params["strategy"] == "sample+assign" and len(res.assignments) == len(texts)
