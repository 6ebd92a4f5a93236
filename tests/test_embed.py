"""Embedders and the disk cache: shapes, normalisation, only unseen texts embedded, shards from
other processes picked up, damaged shards skipped, tfidf without torch, minilm semantics and
determinism, the static model distilled once."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kmsynth.config import Config, EmbeddingConfig
from kmsynth.embed import embedders as embed
from kmsynth.embed.embedders import (
    CachedEmbedder,
    Embedder,
    StaticEmbedder,
    TfidfEmbedder,
    embedder_from_config,
    get_embedder,
    text_key,
)
from kmsynth.errors import InputError

SECRET = "Amina told us about the shelter"  # must never appear in logs
SENTENCES = [
    "Survivors need safe shelters.",
    "Women fleeing violence need a safe place to stay.",
    "The football match ended in a draw.",
]
CORPUS = [
    "shelter beds for survivors",
    "school curriculum for pupils",
    "shelter staff and beds",
    "teachers and pupils discuss respectful relationships",
    "helpline referral for survivors",
    "parliament passed the domestic violence bill",
    "survey data disaggregated by age",
]


class Counting:
    """A fake inner model that counts the texts it is asked to embed."""

    model_id = "counting-v1"
    dim = 3

    def __init__(self):
        self.seen = 0
        self.calls = 0

    def fit(self, texts):
        return self

    def encode(self, texts, show_progress=False):
        self.seen += len(texts)
        self.calls += 1
        v = np.array([[len(t) + 1, sum(map(ord, t)) % 97, 1.0] for t in texts], dtype=np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def unit_rows(x: np.ndarray) -> bool:
    return bool(np.allclose(np.linalg.norm(x, axis=1), 1, atol=1e-5))


# -- cache -------------------------------------------------------------------------------------


def test_second_encode_calls_the_model_zero_times(tmp_path: Path, caplog) -> None:
    inner = Counting()
    c = CachedEmbedder(inner, tmp_path)
    caplog.set_level(logging.INFO, logger="kmsynth.embed.embedders")
    a = c.encode(["alpha", "beta", "alpha", SECRET])
    assert inner.seen == 3 and a.shape == (4, 3) and a.dtype == np.float32  # duplicates once
    assert np.array_equal(a[0], a[2])
    b = c.encode(["beta", SECRET, "alpha"])
    assert inner.calls == 1 and c.last_counts == {"new": 0, "cached": 3}
    assert np.array_equal(b, a[[1, 3, 0]])
    assert "embedded 3 new texts, 0 from cache" in caplog.text
    assert "embedded 0 new texts, 3 from cache" in caplog.text
    assert SECRET not in caplog.text and "Amina" not in caplog.text


def test_rerun_embeds_only_new_texts_with_private_files(tmp_path: Path) -> None:
    a = CachedEmbedder(Counting(), tmp_path).encode(["alpha", "beta"])
    again = CachedEmbedder(Counting(), tmp_path)  # as a new process would: reads the shards
    b = again.encode(["alpha", "beta", "gamma", "gamma"])
    assert again.inner.seen == 1 and again.last_counts == {"new": 1, "cached": 2}
    assert np.array_equal(a, b[:2])
    folder = tmp_path / "embeddings" / "counting-v1"
    files = list(folder.iterdir())
    assert len([p for p in files if p.suffix == ".npy"]) == 2 and len(files) == 4  # no temp files
    assert all(p.stat().st_mode & 0o077 == 0 for p in files)
    assert folder.stat().st_mode & 0o077 == 0
    keys = set()
    for k in folder.glob("*.keys"):
        keys |= set(k.read_text().split())
    assert keys == {text_key(t) for t in ("alpha", "beta", "gamma")}


def test_shards_written_by_another_process_are_picked_up(tmp_path: Path) -> None:
    first = CachedEmbedder(Counting(), tmp_path)
    first.encode(["alpha"])
    CachedEmbedder(Counting(), tmp_path).encode(["beta", "gamma"])  # the other process
    first.encode(["alpha", "beta", "gamma"])
    assert first.inner.seen == 1 and first.last_counts == {"new": 0, "cached": 3}


def test_long_runs_write_several_shards_with_a_progress_bar(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(embed, "SHARD_SIZE", 3)
    monkeypatch.setattr(embed, "PROGRESS_MIN", 2)
    c = CachedEmbedder(Counting(), tmp_path)
    out = c.encode([f"text {i}" for i in range(7)], show_progress=True)
    assert out.shape == (7, 3) and c.inner.calls == 3
    assert len(list((tmp_path / "embeddings" / "counting-v1").glob("*.keys"))) == 3
    assert "embedding" in capsys.readouterr().err  # the tqdm bar


@pytest.mark.parametrize("damage", ["garbage", "truncated", "short-keys", "no-vectors"])
def test_damaged_shard_is_skipped_with_a_warning(tmp_path: Path, caplog, damage: str) -> None:
    CachedEmbedder(Counting(), tmp_path).encode(["one", "two", SECRET])
    folder = tmp_path / "embeddings" / "counting-v1"
    npy, keys = next(folder.glob("*.npy")), next(folder.glob("*.keys"))
    if damage == "garbage":
        npy.write_bytes(b"not numpy")
    elif damage == "truncated":  # a half-written shard
        npy.write_bytes(npy.read_bytes()[:100])
    elif damage == "short-keys":
        keys.write_text(keys.read_text().splitlines()[0])
    else:
        npy.unlink()
    (folder / ".000009-dead.npy.tmp").write_bytes(b"half")  # a killed writer's temp file
    fresh = CachedEmbedder(Counting(), tmp_path)
    out = fresh.encode(["one", "two", SECRET])
    assert out.shape == (3, 3) and unit_rows(out) and fresh.inner.seen == 3
    assert "damaged embedding cache shard" in caplog.text and SECRET not in caplog.text
    assert CachedEmbedder(Counting(), tmp_path).encode(["one"]).shape == (1, 3)  # new shard works


def test_model_ids_get_separate_safe_folders(tmp_path: Path) -> None:
    a, b = Counting(), Counting()
    a.model_id, b.model_id = "../../etc/model", "/srv/models/my model"
    for inner in (a, b):
        CachedEmbedder(inner, tmp_path).encode(["x"])
    folders = [p for p in (tmp_path / "embeddings").iterdir()]
    assert len(folders) == 2 and all(p.parent == tmp_path / "embeddings" for p in folders)
    assert not (tmp_path.parent / "etc").exists()


# -- tfidf -------------------------------------------------------------------------------------


def test_tfidf_shapes_normalisation_and_space() -> None:
    e = get_embedder("tfidf")
    assert isinstance(e, TfidfEmbedder) and isinstance(e, Embedder) and e.model_id == "tfidf"
    X = e.encode(CORPUS)  # unfitted: fits on what it is given
    assert X.dtype == np.float32 and X.shape == (len(CORPUS), e.dim) and unit_rows(X)
    assert X[0] @ X[2] > X[0] @ X[1]
    mid = e.model_id
    assert mid.startswith("tfidf-") and mid.endswith(f"-{e.dim}")
    Y = e.encode(["beds in the shelter", "pupils"])  # the fitted space is kept
    assert e.model_id == mid and Y.shape == (2, e.dim) and (Y[0] @ X[0]) > (Y[0] @ X[1])
    again = TfidfEmbedder().fit(CORPUS)
    assert again.model_id == mid and np.array_equal(again.encode(CORPUS), X)  # deterministic
    assert TfidfEmbedder().fit(CORPUS[:-1]).model_id != mid  # another space, another id


def test_tfidf_small_and_wordless_inputs() -> None:
    assert get_embedder("tfidf").encode(["only one text here"]).shape[0] == 1
    one_word = get_embedder("tfidf").encode(["shelter", "shelter shelter"])
    assert one_word.shape == (2, 1) and unit_rows(one_word)
    e = TfidfEmbedder().fit(CORPUS)
    z = e.encode(["😀😀", ""])  # no known word: zero rows, not NaN
    assert np.isfinite(z).all() and not z.any()
    with pytest.raises(InputError, match="no words"):
        TfidfEmbedder().fit(["😀", "123 456", ""])


def test_tfidf_does_not_import_torch() -> None:
    code = (
        "import sys, kmsynth.embed.embedders as e\n"
        "x = e.get_embedder('tfidf').encode(['shelter beds', 'school pupils', 'shelter staff'])\n"
        "assert x.shape[0] == 3\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'model2vec')"
        " if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


# -- factory and config ------------------------------------------------------------------------


def test_unknown_model_is_an_input_error_with_a_hint() -> None:
    with pytest.raises(InputError, match="not on this machine") as err:
        get_embedder("sentence-transformers/not-here-at-all")
    assert "minilm, static or tfidf" in err.value.hint
    with pytest.raises(InputError):
        get_embedder("/no/such/model/folder", cache_dir=None)


def test_embedder_from_config(tmp_path: Path) -> None:
    e = embedder_from_config(
        Config(embedding=EmbeddingConfig(embedder="tfidf", cache_dir=tmp_path))
    )
    assert isinstance(e, TfidfEmbedder)  # never cached: its space depends on its fit
    s = embedder_from_config(
        Config(embedding=EmbeddingConfig(embedder="static", cache_dir=tmp_path))
    )
    assert isinstance(s, CachedEmbedder) and isinstance(s.inner, StaticEmbedder)
    assert s.inner.path == tmp_path / "models" / s.model_id and s.model_id.startswith("static")
    m = embedder_from_config(
        Config(embedding=EmbeddingConfig(embedder="minilm", cache_dir=tmp_path, batch_size=8))
    )
    assert m.model_id == "minilm" and m.inner.batch_size == 8 and m.cache_dir == tmp_path
    with pytest.raises(InputError):
        embedder_from_config(
            Config(embedding=EmbeddingConfig(embedder="minilm", model="org/missing-model"))
        )


# -- minilm ------------------------------------------------------------------------------------

DETERMINISM = (
    "import sys, numpy as np\n"
    "from kmsynth.embed.embedders import StaticEmbedder, get_embedder\n"
    "e = StaticEmbedder(sys.argv[2]) if sys.argv[1] == 'static' else get_embedder(sys.argv[1])\n"
    "x = e.encode({texts!r})\n"
    "sys.stdout.write(x.tobytes().hex())\n"
)


def _encode_in_new_process(name: str, cache: Path, texts: list[str]) -> bytes:
    """Encode without the vector cache in a fresh interpreter (static: model from `cache`)."""
    out = subprocess.run(
        [sys.executable, "-c", DETERMINISM.format(texts=texts), name, str(cache)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return bytes.fromhex(out.stdout)


@pytest.mark.slow
def test_minilm_semantics_cache_and_determinism(tmp_path: Path) -> None:
    e = get_embedder("minilm", cache_dir=tmp_path)
    X = e.encode(SENTENCES)
    assert e.model_id == "minilm" and X.shape == (3, 384) == (3, e.dim) and unit_rows(X)
    assert X[0] @ X[1] > X[0] @ X[2] + 0.2  # a paraphrase is closer than an unrelated text
    assert np.array_equal(get_embedder("minilm").encode(SENTENCES), X)  # same batch, same bytes
    other = _encode_in_new_process("minilm", tmp_path, SENTENCES)  # no cache, new process
    assert other == X.tobytes()
    assert (
        get_embedder("minilm", cache_dir=tmp_path).encode(SENTENCES[::-1]).tobytes()
        == X[::-1].tobytes()
    )


# -- static ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def static_cache(tmp_path_factory) -> Path:
    """Distils the static model once for the whole session, in a temporary cache folder."""
    cache = tmp_path_factory.mktemp("static-cache")
    get_embedder("static", cache_dir=cache).encode(["warm up"])
    return cache


@pytest.mark.slow
def test_static_is_distilled_once_then_loaded(static_cache: Path, monkeypatch) -> None:
    e = get_embedder("static", cache_dir=static_cache)
    assert (static_cache / "models" / e.model_id / "config.json").is_file()
    import model2vec.distill

    def boom(*a, **k):
        raise AssertionError("distilled twice")

    monkeypatch.setattr(model2vec.distill, "distill", boom)
    monkeypatch.setattr(embed, "_STATIC", {})  # as a new process: load from the folder
    X = get_embedder("static", cache_dir=static_cache).encode(SENTENCES)
    assert X.shape == (3, e.dim) and e.dim <= 256 and unit_rows(X)
    assert X[0] @ X[1] > X[0] @ X[2]
    alone = StaticEmbedder(static_cache).encode([SENTENCES[1]])
    assert alone.tobytes() == X[1:2].tobytes()  # a text's vector does not depend on its batch


@pytest.mark.slow
def test_static_same_bytes_in_a_new_process(static_cache: Path, tmp_path: Path) -> None:
    X = StaticEmbedder(static_cache).encode(SENTENCES)
    other = _encode_in_new_process("static", static_cache, SENTENCES)
    assert other == X.tobytes()


def test_no_environment_variable_is_set_at_import() -> None:
    code = (
        "import os\n"
        "before = dict(os.environ)\n"
        "import kmsynth.embed, kmsynth.themes\n"
        "keys = set(os.environ) | set(before)\n"
        "changed = {k for k in keys if os.environ.get(k) != before.get(k)}\n"
        "print(sorted(changed))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in embed.OFFLINE_ENV}
    out = (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert out == "[]"


def test_fake_embedder_is_deterministic_and_follows_synonyms() -> None:
    from kmsynth.embed import FakeEmbedder

    e = FakeEmbedder(dim=32, synonyms={"refugio": "shelter"})
    a, b = e.encode(["safe shelter"]), FakeEmbedder(dim=32).encode(["safe shelter"])
    assert a.shape == (1, 32) and unit_rows(a) and np.array_equal(a, b)
    es = e.encode(["safe refugio", "football match"])
    assert es[0] @ a[0] > 0.99 and es[1] @ a[0] < 0.5
    assert isinstance(e, Embedder)


@pytest.mark.slow
def test_loading_minilm_prints_no_progress_bar() -> None:
    """Notebook cells and cron logs showed transformers' "Loading weights" bar (issue 16)."""
    code = "from kmsynth.embed import get_embedder; get_embedder('minilm').encode(['hello'])"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-500:]
    assert "Loading weights" not in run.stderr + run.stdout
