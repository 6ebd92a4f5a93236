"""Embedders and the disk cache: shapes, normalisation, only unseen texts embedded, damaged
shards skipped, the static model distilled once."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kmsynth.embed import CachedEmbedder, get_embedder
from kmsynth.errors import InputError


class Counting:
    model_id = "counting-v1"

    def __init__(self):
        self.seen = 0

    def fit(self, texts):
        return self

    def encode(self, texts, show_progress=False):
        self.seen += len(texts)
        return np.array([[len(t), sum(map(ord, t)) % 97, 1.0] for t in texts], dtype=np.float32)


def test_cache_embeds_only_unseen_texts(tmp_path: Path) -> None:
    inner = Counting()
    c = CachedEmbedder(inner, tmp_path)
    a = c.encode(["alpha", "beta", "alpha"])
    assert inner.seen == 2 and a.shape == (3, 3) and np.array_equal(a[0], a[2])
    c2 = CachedEmbedder(Counting(), tmp_path)  # a new process: reads the shards from disk
    b = c2.encode(["alpha", "beta", "gamma"])
    assert c2.inner.seen == 1 and c2.last_counts == {"new": 1, "cached": 2}
    assert np.array_equal(a[:2], b[:2])
    shards = list((tmp_path / "embeddings" / "counting-v1").glob("*.npy"))
    assert shards and all(p.stat().st_mode & 0o077 == 0 for p in shards)


def test_damaged_shard_is_skipped(tmp_path: Path, caplog) -> None:
    c = CachedEmbedder(Counting(), tmp_path)
    c.encode(["one", "two"])
    folder = tmp_path / "embeddings" / "counting-v1"
    next(folder.glob("*.npy")).write_bytes(b"not numpy")
    fresh = CachedEmbedder(Counting(), tmp_path)
    out = fresh.encode(["one", "two"])
    assert out.shape == (2, 3) and fresh.inner.seen == 2
    assert "damaged" in caplog.text


def test_tfidf_needs_no_model_and_is_normalised() -> None:
    e = get_embedder("tfidf")
    X = e.encode(["shelter beds for survivors", "school curriculum for pupils", "shelter staff and beds"])
    assert X.dtype == np.float32 and np.allclose(np.linalg.norm(X, axis=1), 1, atol=1e-5)
    assert X[0] @ X[2] > X[0] @ X[1]
    assert e.model_id.startswith("tfidf-")


def test_minilm_is_semantic_and_deterministic() -> None:
    e = get_embedder("minilm")
    X = e.encode(["Survivors need safe shelters.", "Women fleeing violence need a safe place to stay.",
                  "The football match ended in a draw."])
    assert X.shape == (3, 384) and np.allclose(np.linalg.norm(X, axis=1), 1, atol=1e-5)
    assert X[0] @ X[1] > X[0] @ X[2] + 0.2
    assert np.array_equal(X, e.encode(["Survivors need safe shelters.", "Women fleeing violence need a safe place to stay.",
                                       "The football match ended in a draw."]))


def test_unknown_model_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not on this machine"):
        get_embedder("sentence-transformers/not-here")


@pytest.mark.slow
def test_static_model_is_distilled_once_and_fast(tmp_path: Path) -> None:
    e = get_embedder("static", cache_dir=tmp_path)
    X = e.encode(["Survivors need safe shelters.", "Women fleeing violence need a safe place to stay.",
                  "The football match ended in a draw."])
    assert (tmp_path / "models" / e.model_id / "config.json").is_file()
    assert X[0] @ X[1] > X[0] @ X[2]
    again = get_embedder("static", cache_dir=tmp_path / "other-cache-for-vectors")
    again.inner.cache_dir = tmp_path  # same model folder: loads, no second distillation
    assert again.encode(["x"]).shape[1] == X.shape[1]
