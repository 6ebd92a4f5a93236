"""The one summariser: key points backed by many voices (issue 14 items 1-2)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kmsynth.synthesis.keypoints import (
    KeyPointSummariser,
    describe_theme,
    is_first_person,
    points_text,
    theme_key_points,
)
from kmsynth.synthesis.summarise import Summariser
from kmsynth.text import Sentence, split_sentences

_STOP = {"the", "a", "an", "is", "are", "and", "of", "to", "for", "in", "it", "they", "very"}


class WordsEmbedder:
    """Bag of words (stop words out): sentences sharing words are close."""

    model_id = "words"

    def __init__(self, texts: list[str]) -> None:
        vocab = sorted({w for t in texts for w in self._words(t)})
        self.index = {w: i for i, w in enumerate(vocab)}

    @staticmethod
    def _words(t: str) -> list[str]:
        return [w for w in re.findall(r"[a-z]+", t.lower()) if w not in _STOP]

    def fit(self, texts):
        return self

    def encode(self, texts, show_progress: bool = False) -> np.ndarray:
        X = np.zeros((len(texts), len(self.index) + 1), np.float32)
        for r, t in enumerate(texts):
            for w in self._words(t):
                X[r, self.index.get(w, len(self.index))] += 1
        n = np.linalg.norm(X, axis=1, keepdims=True)
        return X / np.where(n > 0, n, 1)


def _corpus(posts: list[str], **kw) -> tuple[list[Sentence], np.ndarray]:
    sents = [
        s
        for i, t in enumerate(posts)
        for s in split_sentences(
            t, str(i), author_id=kw.get("author", {}).get(i, f"A{i}"), quotable=True, language="en"
        )
    ]
    emb = WordsEmbedder([s.text for s in sents])
    return sents, emb.encode([s.text for s in sents])


REVIEWS = [
    "The tights are good and warm. I wore them to my cousin's wedding last May.",
    "Good warm tights, good quality tights.",
    "These tights are good and warm and comfortable.",
    "Good tights, warm and good.",
    "The tights are good and warm for winter walks.",
    "The seams ripped after one wash, poor stitching on the seams.",
    "The seams ripped quickly, poor stitching.",
    "Seams ripped after a week: poor stitching.",
    "How long did shipping take for everyone?",
    "Thank you for the great post!",
    "We face the same challenge in Guyana.",
]


def test_support_minority_point_and_no_paraphrases() -> None:
    sents, X = _corpus(REVIEWS)
    points = KeyPointSummariser(gate="none", max_words=40).key_points(sents, X)
    texts = [p.text for p in points]
    # the main point once (no three sentences saying "good tights"), the complaint covered too
    assert sum("tights" in t for t in texts) == 1
    assert any("ripped" in t for t in texts)
    main = points[0]
    assert "tights" in main.text and main.posts >= 4 and main.authors == main.posts
    assert set(main.source_ids) >= {"1", "2", "3"} and main.source_ids[0] == main.sentence.post_id
    complaint = next(p for p in points if "ripped" in p.text)
    assert {"5", "6", "7"} <= set(complaint.source_ids) and complaint.posts == 3
    # questions, thanks and small talk are never chosen
    assert not any(t.endswith("?") or "Thank" in t or "same challenge" in t for t in texts)
    assert sum(len(t.split()) for t in texts) <= 40


def test_word_budget_and_determinism() -> None:
    sents, X = _corpus(REVIEWS)
    for budget in (8, 15, 30):
        s = KeyPointSummariser(gate="none", max_words=budget)
        got = s.key_points(sents, X)
        assert sum(p.sentence.words for p in got) <= budget
        assert [p.text for p in got] == [p.text for p in s.key_points(sents, X)]
    assert KeyPointSummariser(gate="none").key_points([], np.zeros((0, 3))) == []


def test_general_statement_preferred_to_anecdote() -> None:
    posts = [
        "I bought these tights for my trip and the tights kept me warm.",
        "These tights keep you warm in winter.",
        "Tights warm winter.",
        "Warm tights for winter.",
    ]
    sents, X = _corpus(posts)
    first = KeyPointSummariser(gate="none", max_points=1).key_points(sents, X)[0]
    assert not is_first_person(first.text)
    assert is_first_person("I bought them.") and is_first_person("Mi hija las usa.")
    assert not is_first_person("These keep you warm.")


def test_authors_weigh_once_and_support_counts_them() -> None:
    posts = ["Shelters need funding."] * 4 + ["Helplines need chat options for women."] * 3
    author = {0: "X", 1: "X", 2: "X", 3: "X"}  # one person posting the same thing four times
    sents, X = _corpus(posts, author=author)
    points = KeyPointSummariser(gate="none", min_words=3).key_points(sents, X)
    assert points[0].text.startswith("Helplines")  # three voices beat one voice four times
    shelters = next(p for p in points if p.text.startswith("Shelters"))
    assert shelters.posts == 4 and shelters.authors == 1


def test_gate_quote_and_consent() -> None:
    text = "Shelters need predictable public funding, not short project grants."
    s = [
        Sentence(text, "1", 0, len(text), author_id="A", quotable=False),
        Sentence(text.replace("public", "state"), "2", 0, len(text), author_id="B"),
    ]
    X = np.ones((2, 3)) / np.sqrt(3)
    assert KeyPointSummariser().key_points(s, X) == []  # nobody agreed: nothing verbatim
    assert KeyPointSummariser(gate="consent").key_points(s, X) == []
    assert len(KeyPointSummariser(gate="none").key_points(s, X)) == 1
    ok = [Sentence(text, "1", 0, len(text), author_id="A", quotable=True), s[1]]
    got = KeyPointSummariser().key_points(ok, X)
    assert [p.sentence.post_id for p in got] == ["1"] and got[0].posts == 2  # backed by both


def test_summariser_interface_and_table_helpers() -> None:
    assert isinstance(KeyPointSummariser(), Summariser)
    table = pd.DataFrame(
        {
            "post_id": [1, 2, 3, 4],
            "text": [
                "Shelters need predictable public funding every year.",
                "Shelters need predictable public funding, not grants.",
                "Helplines need chat options for women who cannot call.",
                "Thank you all.",
            ],
            "author_id": ["A", "B", "C", "D"],
            "quotable": [True, True, False, True],
        }
    )
    emb = WordsEmbedder(table["text"].tolist())
    got = theme_key_points(table, {0: ["1", "2"], 1: ["3", "4"], 2: []}, emb)
    assert [p.sentence.post_id for p in got[0]] == ["1"] and got[0][0].source_ids == ("1", "2")
    assert got[1] == [] and got[2] == []  # 3 did not agree, 4 is small talk
    assert points_text(got[0]) == "Shelters need predictable public funding every year."
    d = got[0][0].as_dict()
    assert d["support"] == 2 and d["source_ids"] == ["1", "2"] and d["authors"] == 2
    assert describe_theme("shelters, funding", None, "Services") == (
        "Key phrases: shelters, funding; pillar: Services."
    )


def test_theme_summaries_never_quote_a_small_theme_or_without_consent() -> None:
    from types import SimpleNamespace

    from kmsynth.synthesis.keypoints import theme_summaries

    texts = [
        f"Shelters need predictable public funding every year, partner {i} said." for i in range(12)
    ] + ["Helplines need chat options for women who cannot call."] * 3
    table = pd.DataFrame(
        {
            "post_id": [str(i) for i in range(15)],
            "text": texts,
            "author_id": [f"A{i}" for i in range(15)],
            "quotable": [True] * 15,
        }
    )
    result = SimpleNamespace(
        assignments=pd.DataFrame({"doc_id": table["post_id"], "theme_id": [0] * 12 + [1] * 3}),
        themes=pd.DataFrame(
            {
                "theme_id": [0, 1],
                "size": [12, 3],
                "keywords": ["shelters, funding", "helplines, chat"],
                "pillar_name": ["Services", "Services"],
            }
        ),
    )
    emb = WordsEmbedder(texts)
    out = theme_summaries(table, result, emb, k=10)
    assert out[0] in texts  # a key point, verbatim
    assert out[1] == "Key phrases: helplines, chat; pillar: Services."  # under k: no sentence
    denied = theme_summaries(table.assign(quotable=False), result, emb, k=10)
    assert denied[0] == "Key phrases: shelters, funding; 12 posts; pillar: Services."


def test_theme_summaries_allow_region_names() -> None:
    from types import SimpleNamespace

    from kmsynth.synthesis.keypoints import theme_summaries

    texts = [f"Across the Pacific, shelters need public funding every year {i}." for i in range(10)]
    table = pd.DataFrame(
        {
            "post_id": [str(i) for i in range(10)],
            "text": texts,
            "author_id": [f"A{i}" for i in range(10)],
            "quotable": True,
            "region": "Pacific",
        }
    )
    result = SimpleNamespace(
        assignments=pd.DataFrame({"doc_id": table["post_id"], "theme_id": 0}),
        themes=pd.DataFrame({"theme_id": [0], "size": [10], "keywords": ["shelters"]}),
    )
    assert theme_summaries(table, result, WordsEmbedder(texts), k=10)[0] in texts


def test_themes_nobody_may_quote_are_not_embedded() -> None:
    """With nobody quotable (deny, no consent column) no sentence is embedded: the summary is
    key phrases, size and pillar, and the cost of key points is not paid at scale."""
    from types import SimpleNamespace

    from kmsynth.embed.fake import FakeEmbedder
    from kmsynth.synthesis.keypoints import theme_summaries

    posts = pd.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(24)],
            "text": [
                f"Shelters need stable funding in district {i}. It helped a lot." for i in range(24)
            ],
            "author_id": [f"a{i}" for i in range(24)],
            "quotable": [False] * 12 + [True] * 12,
        }
    )
    result = SimpleNamespace(
        assignments=pd.DataFrame({"doc_id": posts["post_id"], "theme_id": [0] * 12 + [1] * 12}),
        themes=pd.DataFrame(
            {
                "theme_id": [0, 1],
                "size": [12, 12],
                "keywords": ["shelters, funding"] * 2,
                "pillar_name": ["Services"] * 2,
            }
        ),
    )
    emb = FakeEmbedder()
    out = theme_summaries(posts, result, emb, k=10)
    assert "shelters" in out[0].lower() and "Shelters need" not in out[0]
    assert emb.calls == 1, "only the quotable theme's sentences were embedded"
    emb2 = FakeEmbedder()
    theme_summaries(posts.assign(quotable=False), result, emb2, k=10)
    assert emb2.calls == 0
