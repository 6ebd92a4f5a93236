"""Shared fixtures: small synthetic data written by the tests themselves."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

TOPIC_WORDS = {
    "Services": (
        "survivors shelter safe house emergency accommodation beds counselling helpline referral"
    ).split(),
    "Prevention": (
        "school programme teachers pupils curriculum respectful relationships students norms"
    ).split(),
    "Data": (
        "administrative data survey prevalence statistics indicators disaggregated observatory "
        "registry"
    ).split(),
    "Laws and policies": (
        "domestic violence law reform parliament bill legislation amendment courts"
    ).split(),
}
FILLER = "our team in the district shared how partners worked with women this year".split()


def write_posts(
    path: Path,
    *,
    months=("2026-08", "2026-09", "2026-10"),
    per_month: int = 80,
    seed: int = 0,
    extra_rows: list[dict] | None = None,
) -> Path:
    """A canonical posts CSV: several topics, regions and authors, one small region (3 posts)."""
    rng = random.Random(seed)
    rows = []
    regions = ["Africa", "Latin America", "Caribbean", "Asia"]
    n = 0
    for month in months:
        for i in range(per_month):
            n += 1
            topic = rng.choice(list(TOPIC_WORDS))
            words = rng.sample(TOPIC_WORDS[topic], 6) + rng.sample(FILLER, 4)
            rng.shuffle(words)
            region = "Pacific" if i < 1 else rng.choice(regions)
            rows.append(
                {
                    "post_id": f"p{n}",
                    "thread_id": f"t{n // 4}",
                    "text": " ".join(words).capitalize()
                    + ". We learned that "
                    + " ".join(rng.sample(TOPIC_WORDS[topic], 5))
                    + " matters.",
                    "created_at": f"{month}-{rng.randint(1, 28):02d}T10:00:00Z",
                    "author": f"Member {rng.randint(1, 40)}",
                    "region": region,
                    "country": "Kenya",
                    "language": "en",
                    "source": "hub",
                    "consent_to_quote": "yes" if rng.random() < 0.7 else "no",
                }
            )
    rows.extend(extra_rows or [])
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture
def posts_factory(tmp_path: Path):
    def make(name: str = "posts.csv", **kw) -> Path:
        return write_posts(tmp_path / name, **kw)

    return make


@pytest.fixture
def report_config(tmp_path: Path, posts_factory):
    """A kmsynth.yml pointing at small posts, with the fast tfidf embedder and a private cache."""
    xss = [
        {
            "post_id": "x1",
            "thread_id": "tx",
            "created_at": "2026-10-05T10:00:00Z",
            "text": "Shelter survivors helpline <script>alert('xss')</script> referral "
            "counselling beds.",
            "author": "Member 1",
            "region": "Africa",
            "country": "Kenya",
            "language": "en",
            "source": "hub",
            "consent_to_quote": "yes",
        },
        {
            "post_id": "x2",
            "thread_id": "tx",
            "created_at": "2026-10-06T10:00:00Z",
            "text": "School pupils <img src=x onerror=alert(1)> teachers curriculum norms "
            "students.",
            "author": "Member 2",
            "region": "Africa",
            "country": "Kenya",
            "language": "en",
            "source": "hub",
            "consent_to_quote": "yes",
        },
    ]
    posts = posts_factory(extra_rows=xss)
    cfg = tmp_path / "kmsynth.yml"
    cfg.write_text(
        f"data:\n  posts: {posts.name}\nembedding:\n  embedder: tfidf\n  cache_dir: cache\n"
        f"report:\n  title: Test hub report\n",
        encoding="utf-8",
    )
    return cfg
