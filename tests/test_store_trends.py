"""The monthly report's trends from the store's views (issue 19): every stored month counts, not
only those in this month's file, with the same small-cell rule as without a store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmsynth.store import Store
from kmsynth.synthesis import monthly_counts

MONTHS = ["2026-07", "2026-08", "2026-09"]


def month_posts(month: str, n: int, start: int) -> pd.DataFrame:
    """A prepared month of posts: three regions (one small) and two sources."""
    rng = np.random.default_rng(start)
    region = rng.choice(["Africa", "Asia", "Pacific"], n, p=[0.6, 0.34, 0.06])
    return pd.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(start, start + n)],
            "text": [f"Post {i} about shelters and services." for i in range(start, start + n)],
            "created_at": pd.Timestamp(f"{month}-12", tz="UTC"),
            "region": region,
            "country": "Fiji",
            "author_id": "P-x",
            "language": "en",
            "source": rng.choice(["hub", "webinar"], n),
            "quotable": False,
        }
    )


@pytest.fixture
def store_and_posts(tmp_path: Path):
    frames = [
        month_posts(m, n, s) for m, n, s in zip(MONTHS, (40, 25, 60), (0, 100, 200), strict=True)
    ]
    with Store.open(tmp_path / "k.duckdb") as s:
        for m, f in zip(MONTHS, frames, strict=True):  # each month's run adds its own file
            s.add_table("posts", f, run_id=f"report-{m}")
    return tmp_path / "k.duckdb", pd.concat(frames, ignore_index=True)


def test_store_trends_equal_the_posts_trends_over_every_stored_month(store_and_posts) -> None:
    path, posts = store_and_posts
    with Store.open(path, readonly=True) as s:
        got = s.trends(MONTHS, k=10)
    assert set(got) == {"total", "region", "source"}  # no pillar: no theme run stored
    want = {
        "total": monthly_counts(posts, by=None, months=MONTHS, k=10),
        "region": monthly_counts(posts, by="region", months=MONTHS, k=10),
        "source": monthly_counts(posts, by="source", months=MONTHS, k=10),
    }
    for key, table in want.items():
        pd.testing.assert_frame_equal(got[key], table, check_dtype=False)
    assert got["total"]["posts"].tolist() == [40, 25, 60]  # July and August from the store
    assert got["region"]["Pacific"].isna().all()  # 1-5 posts a month: hidden, and a second cell


def test_store_trends_refuse_a_k_below_the_floor(store_and_posts) -> None:
    path, _ = store_and_posts
    with Store.open(path, readonly=True) as s, pytest.raises(ValueError):
        s.trends(MONTHS, k=3)


@pytest.mark.slow
def test_the_report_reads_its_trends_from_the_store(tmp_path: Path) -> None:
    """Posts of an earlier export, no longer in this month's file, still count in the trends."""
    from kmsynth.config import load_config
    from kmsynth.report import build_monthly_report
    from tests.conftest import write_posts

    write_posts(tmp_path / "posts.csv", months=("2026-09", "2026-10"), per_month=60)
    (tmp_path / "kmsynth.yml").write_text(
        "data:\n  posts: posts.csv\n  store: k.duckdb\nembedding:\n  embedder: tfidf\n"
        "  cache_dir: cache\n",
        encoding="utf-8",
    )
    earlier = month_posts("2026-09", 30, 10_000)  # an earlier export's posts, same month
    with Store.open(tmp_path / "k.duckdb") as s:
        s.add_table("posts", earlier, run_id="report-2026-09")
    rep = build_monthly_report("2026-10", load_config(tmp_path / "kmsynth.yml"))
    total = rep.trends["total"]["posts"]
    assert total.loc["2026-09"] == 60 + 30 and total.loc["2026-10"] == 60
    assert "webinar" in rep.trends["source"].columns  # only the store's posts have it
