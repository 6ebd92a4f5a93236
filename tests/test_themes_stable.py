"""Stable ids when the embedding model changes between runs (issue 13 item 11): a tfidf space
refitted on a second month has another vocabulary and dimension; matching must not crash with
`matmul 198 vs 256`, and must say whether ids were kept (re-embedded) or a new id space began."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from kmsynth.embed import TfidfEmbedder
from kmsynth.themes import (
    ThemeResult,
    apply_stable_ids,
    fit_themes,
    match_stable_ids,
    match_themes,
)

TOPICS = {
    "shelter": "survivors shelter safe house emergency accommodation beds counselling".split(),
    "school": "school teachers pupils curriculum classroom lessons students relationships".split(),
    "data": "administrative data survey prevalence statistics indicators registry femicide".split(),
    "law": "parliament bill legislation amendment penal code courts judges reform".split(),
}


def month(topics: list[str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.sample(TOPICS[t], 6)).capitalize() + "." for t in topics for _ in range(n)]


@pytest.fixture(scope="module")
def two_months(tmp_path_factory) -> tuple[ThemeResult, ThemeResult, TfidfEmbedder, list[str]]:
    m1 = month(["shelter", "school", "data"], 30, seed=1)
    m2 = month(["shelter", "data", "law"], 30, seed=2)
    e1 = TfidfEmbedder(n_components=256).fit(m1)
    r1 = fit_themes(
        m1, [f"a{i}" for i in range(len(m1))], embedder=e1, seed=1, languages=["en"] * len(m1)
    )
    folder = tmp_path_factory.mktemp("state") / "themes"
    r1.save(folder)
    e2 = TfidfEmbedder(n_components=256).fit(m1 + m2)  # next run: refitted on both months
    r2 = fit_themes(
        m2, [f"b{i}" for i in range(len(m2))], embedder=e2, seed=1, languages=["en"] * len(m2)
    )
    return ThemeResult.load(folder), r2, e2, m1


def test_a_refitted_tfidf_space_does_not_crash_matching(two_months) -> None:
    previous, current, _, _ = two_months
    assert previous.embedder_id != current.embedder_id  # the defect's precondition
    mapping = match_themes(previous, current)  # was: ValueError matmul dimension mismatch
    assert set(mapping) == set(current.centroids)
    assert min(mapping.values()) > max(previous.centroids)  # a new id space: no old id reused


def test_the_change_is_reported_and_a_new_id_space_starts(two_months) -> None:
    previous, current, _, _ = two_months
    match = match_stable_ids(previous, current)
    assert match.space == "new id space"
    assert "embedding model changed" in match.note and "new id space" in match.note


def test_re_embedding_the_previous_documents_keeps_ids(two_months) -> None:
    previous, current, e2, m1 = two_months
    vectors = dict(zip([f"a{i}" for i in range(len(m1))], e2.encode(m1), strict=True))
    match = match_stable_ids(previous, current, previous_vectors=vectors)
    assert match.space == "recomputed" and "re-embedded" in match.note
    stable = apply_stable_ids(current, match.mapping)
    kept = set(stable.themes["theme_id"]) & set(previous.themes["theme_id"])
    assert len(kept) >= 2  # shelter and data keep their ids, law is new
    assert max(stable.themes["theme_id"]) > max(previous.themes["theme_id"])


def test_same_model_matches_as_before(two_months, tmp_path: Path) -> None:
    _, current, _, _ = two_months
    match = match_stable_ids(current, current)
    assert match.space == "same model" and match.note == ""
    assert match.mapping == {t: t for t in current.centroids}
