"""Knowledge store: incremental ingest, versions, embeddings only for new texts, views, migration,
lock, export and backup."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmsynth.errors import AlreadyRunning
from kmsynth.store import SCHEMA_VERSION, Store, StoreEmbeddingCache


def posts(n: int, start: int = 0, month: str = "2026-09") -> pd.DataFrame:
    return pd.DataFrame({"post_id": [f"p{i}" for i in range(start, start + n)],
                         "text": [f"Post number {i} about shelters." for i in range(start, start + n)],
                         "created_at": pd.Timestamp(f"{month}-10", tz="UTC"),
                         "region": ["Africa" if i % 4 else "Pacific" for i in range(start, start + n)],
                         "author_id": "P-x", "_file": "f.csv", "_row": range(n)})


class CountingEmbedder:
    model_id = "fake"

    def __init__(self):
        self.calls = 0

    def fit(self, texts):
        return self

    def encode(self, texts, show_progress=False):
        self.calls += len(texts)
        return np.array([[len(t), t.count("1"), 1.0] for t in texts], dtype=np.float32)


def test_incremental_ingest_and_versions(tmp_path: Path) -> None:
    with Store.open(tmp_path / "k.duckdb") as s:
        c1 = s.add_table("posts", posts(40))
        assert (c1.new, c1.unchanged, c1.new_version) == (40, 0, 0)
        month2 = pd.concat([posts(40), posts(10, start=40, month="2026-10")])
        month2.loc[3, "text"] = "Post number 3, edited."
        c2 = s.add_table("posts", month2)
        assert (c2.new, c2.unchanged, c2.new_version) == (10, 39, 1)
        recs = s.records("posts")
        assert len(recs) == 50 and recs.set_index("record_id").loc["p3", "text"] == "Post number 3, edited."
        assert s.query("SELECT count(*) AS n FROM records WHERE record_id = 'p3'")["n"][0] == 2  # old kept
    assert (tmp_path / "k.duckdb").stat().st_mode & 0o077 == 0


def test_only_new_texts_are_embedded(tmp_path: Path) -> None:
    fake = CountingEmbedder()
    with Store.open(tmp_path / "k.duckdb") as s:
        cache = StoreEmbeddingCache(fake, s)
        a = cache.encode([f"text {i}" for i in range(30)])
        assert fake.calls == 30
        b = cache.encode([f"text {i}" for i in range(35)])
        assert fake.calls == 35 and cache.last_counts == {"new": 5, "cached": 30}
        assert np.array_equal(a, b[:30])


def test_views_suppress_small_counts(tmp_path: Path) -> None:
    with Store.open(tmp_path / "k.duckdb") as s:
        s.add_table("posts", posts(36))  # 9 Pacific, 27 Africa
        shared = s.query("SELECT * FROM v_monthly_counts_shared ORDER BY region")
        assert shared[shared.region == "Pacific"]["posts"].isna().all()  # 9 < k = 10
        assert shared[shared.region == "Africa"]["posts"].iloc[0] == 27
        full = s.shared_breakdown(by=["region"], k=11)
        vis = full.stack().dropna()
        assert (vis >= 11).all()


def test_migration_from_version_1(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    old = Store(path, upto=1)
    assert old.schema_version() == 1
    old.con.execute("INSERT INTO records (kind, record_id, version, content_sha256, text) "
                    "VALUES ('posts', 'p1', 1, 'abc', 'an old post')")
    old.close()
    with Store.open(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
        assert s.records("posts")["text"].tolist() == ["an old post"]
        assert "pillar" in s.records("posts").columns


def test_single_writer_lock_and_readers(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    with Store.open(path) as s:
        s.add_table("posts", posts(5))
        with pytest.raises(AlreadyRunning):
            Store.open(path)
    with Store.open(path, readonly=True) as r:
        assert len(r.records("posts")) == 5


def test_export_and_backup(tmp_path: Path) -> None:
    with Store.open(tmp_path / "k.duckdb") as s:
        s.add_table("posts", posts(12))
        out = s.export("v_posts", tmp_path / "posts.parquet")
        assert len(pd.read_parquet(out)) == 12
        folder = s.backup(tmp_path / "backup")
        assert (folder / "schema.sql").is_file()


def test_second_month_embeds_only_new_texts(tmp_path: Path) -> None:
    from kmsynth.config import load_config
    from kmsynth.monthly import build_monthly_report
    from tests.conftest import write_posts

    write_posts(tmp_path / "posts.csv", months=("2026-09", "2026-10"), per_month=60, seed=2)
    cfg_file = tmp_path / "kmsynth.yml"
    cfg_file.write_text("data:\n  posts: posts.csv\n  store: k.duckdb\nembedding:\n  embedder: tfidf\n")
    cfg = load_config(cfg_file)
    from kmsynth.embed import get_embedder
    import pandas as pd

    emb = get_embedder("tfidf").fit(pd.read_csv(tmp_path / "posts.csv")["text"].tolist())
    sep = build_monthly_report("2026-09", cfg, embedder=emb)
    assert any("Store: 60 new posts" in n for n in sep.notes)
    octo = build_monthly_report("2026-10", cfg, embedder=emb)
    assert any("Store: 60 new posts" in n and "60 already stored" in n for n in octo.notes), octo.notes
    assert any(n.startswith("Embeddings: 60 new texts embedded, 60 read") for n in octo.notes), octo.notes
    with Store.open(tmp_path / "k.duckdb", readonly=True) as s:
        hist = s.query("SELECT DISTINCT month FROM v_theme_history ORDER BY month")["month"].tolist()
        assert hist == ["2026-09", "2026-10"]
