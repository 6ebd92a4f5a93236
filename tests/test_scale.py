"""Dask path: same prepared table and same themes as in-process; the sample+assign strategy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmsynth.config import load_config
from kmsynth.embed.embedders import get_embedder
from kmsynth.ingest.prepare import prepare
from kmsynth.themes import fit_themes


@pytest.fixture(scope="module")
def client():
    from kmsynth.ingest import client_for

    c = client_for("local", n_workers=2)
    yield c
    c.close()
    c.cluster.close()


@pytest.mark.slow
def test_dask_path_gives_the_same_table_and_assignments(client, tmp_path: Path) -> None:
    from kmsynth.themes.large import embed_distributed
    from tests.conftest import write_posts

    extra = [
        {
            "post_id": "z1",
            "thread_id": "t",
            "created_at": "2026-10-01T00:00:00Z",
            "text": "Member 7 wrote to amina@example.org about the shelter beds and survivors.",
            "author": "Member 3",
            "region": "Asia",
            "country": "Nepal",
            "language": "en",
            "source": "hub",
            "consent_to_quote": "yes",
        }
    ]
    write_posts(
        tmp_path / "posts.csv", months=("2026-10",), per_month=200, seed=8, extra_rows=extra
    )
    cfg = load_config(None)
    cfg = cfg.with_overrides({"embedding.cache_dir": tmp_path / "cache"})
    local = prepare("posts", tmp_path / "posts.csv", cfg)
    dist = prepare("posts", tmp_path / "posts.csv", cfg, client=client, npartitions=4)
    cols = ["post_id", "text", "author_id", "language", "quotable"]
    pd.testing.assert_frame_equal(
        local.table[cols].reset_index(drop=True), dist.table[cols].reset_index(drop=True)
    )
    assert "amina@example.org" not in " ".join(dist.table["text"])
    assert (
        "Member 7" not in dist.table.set_index("post_id").loc["z1", "text"]
    )  # author from another partition
    emb = get_embedder("tfidf").fit(local.table["text"].tolist())
    a = emb.encode(local.table["text"].tolist())
    b = embed_distributed(dist.table["text"].tolist(), emb, client, partition_size=50)
    assert np.allclose(a, b, atol=1e-6)
    ra = fit_themes(
        local.table["text"].tolist(), local.table["post_id"].tolist(), embedder=emb, embeddings=a
    )
    rb = fit_themes(
        dist.table["text"].tolist(), dist.table["post_id"].tolist(), embedder=emb, embeddings=b
    )
    assert ra.assignments["theme_id"].tolist() == rb.assignments["theme_id"].tolist()


def test_sample_and_assign_covers_every_document() -> None:
    from kmsynth.themes.large import fit_themes_large
    from tests.test_themes import make_corpus

    texts, labels = make_corpus(60, seed=4)
    emb = get_embedder("tfidf").fit(texts)
    X = emb.encode(texts)
    res = fit_themes_large(
        texts, embeddings=X, embedder=emb, sample_size=120, strata=labels, seed=1
    )
    assert len(res.assignments) == len(texts) and res.params["strategy"] == "sample+assign"
    assert res.themes["size"].sum() == (res.assignments["theme_id"] != -1).sum()
    from sklearn.metrics import normalized_mutual_info_score

    assert normalized_mutual_info_score(labels, res.assignments["theme_id"]) > 0.7
