"""Open-question granularity (issue 14): a question with 100+ answers gets about as many themes
as a careful coder would use, not 2; the analyst can set the number."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from kmsynth.embed.embedders import get_embedder
from kmsynth.survey import MAX_OPEN_THEMES, fit_open_themes, open_theme_count, theme_open_question

TOPICS = {
    "time": ["more time for questions", "longer discussion time", "extra time for the questions"],
    "slides": [
        "share the slides in advance",
        "send slides before the session",
        "slides ahead of time",
    ],
    "interpretation": [
        "interpretation into French",
        "live interpretation in Portuguese",
        "interpretation for all languages",
    ],
    "sound": ["the audio was poor", "bad sound and echo", "microphone sound quality"],
    "speakers": [
        "more speakers from the regions",
        "invite local speakers",
        "speakers from grassroots groups",
    ],
    "recording": [
        "share the recording afterwards",
        "post the recording online",
        "send the recording link",
    ],
    "timezone": [
        "a better time zone for Asia",
        "schedule for the Pacific time zone",
        "time zone friendly sessions",
    ],
    "breakout": [
        "small breakout rooms",
        "more group work in breakout rooms",
        "breakout discussions in groups",
    ],
}


def answers(n: int = 124) -> list[str]:
    """n answers, 8 planted topics in turn (about 15 answers each at n = 124)."""
    rng = random.Random(1)
    names = list(TOPICS)
    return [
        rng.choice(TOPICS[names[i % 8]]) + rng.choice(["", " please", " next time"])
        for i in range(n)
    ]


def test_theme_count_rule() -> None:
    assert open_theme_count(124, 10) == 6 and open_theme_count(300, 10) == MAX_OPEN_THEMES
    assert open_theme_count(30, 10) == 2 and open_theme_count(5000, 5) == MAX_OPEN_THEMES


@pytest.mark.slow
def test_124_answers_on_8_topics_get_more_than_a_few_themes() -> None:
    texts = answers()
    e = get_embedder("tfidf")
    e.fit(texts)
    res = fit_open_themes(texts, embedder=e, embeddings=e.encode(texts), k=10)
    assert len(res.themes) >= 6  # the size rule it replaced gave 5 here (2 on FFT samples)
    assert "answers / (2k)" in res.params["n_themes_rule"]
    q = theme_open_question(
        pd.Series(texts), question="Improve?", embedder=get_embedder("tfidf"), k=10
    )
    assert sum(t.shown for t in q.themes) >= 5
    set_by_hand = fit_open_themes(texts, embedder=e, embeddings=e.encode(texts), k=10, n_themes=8)
    assert len(set_by_hand.themes) == 8
    assert set_by_hand.params["n_themes_rule"] == "set by the analyst"
