"""Multilingual themes (issue 15, themes side): one theme per topic whatever the language, named
in the theme's majority language with the other languages' keywords beside it, stop words of
every language present, the language mix per theme (suppressed where shared) and a per-language
coverage table with a fairness flag."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from kmsynth.embed import FakeEmbedder
from kmsynth.themes import (
    OUTLIER,
    ThemeResult,
    fairness_notes,
    fit_themes,
    language_coverage,
    shared_language_mix,
    write_theme_outputs,
)

EN = {
    "shelter": "survivors need safe shelter beds and emergency accommodation with counselling",
    "school": "teachers bring respectful relationships lessons into the school curriculum",
    "law": "parliament passed the domestic violence bill after the penal code reform",
}
ES = {
    "shelter": "las sobrevivientes necesitan refugio seguro camas y alojamiento de emergencia",
    "school": "los docentes llevan lecciones de relaciones respetuosas al currículo escolar",
    "law": "el parlamento aprobó la ley de violencia doméstica tras la reforma del código penal",
}
SYNONYMS = {
    "sobrevivientes": "survivors",
    "refugio": "shelter",
    "seguro": "safe",
    "camas": "beds",
    "alojamiento": "accommodation",
    "emergencia": "emergency",
    "docentes": "teachers",
    "lecciones": "lessons",
    "relaciones": "relationships",
    "respetuosas": "respectful",
    "currículo": "curriculum",
    "escolar": "school",
    "parlamento": "parliament",
    "aprobó": "passed",
    "ley": "bill",
    "violencia": "violence",
    "doméstica": "domestic",
    "reforma": "reform",
    "código": "code",
    "penal": "penal",
    # a multilingual model places function words alike too
    "las": "the",
    "los": "the",
    "la": "the",
    "el": "the",
    "y": "and",
    "de": "of",
    "al": "into",
    "del": "of",
    "tras": "after",
    "necesitan": "need",
    "llevan": "bring",
}


def corpus(seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(seed)
    texts, langs, topics = [], [], []
    for topic in EN:
        for lang, source, n in (("en", EN, 24), ("es", ES, 10)):
            for _ in range(n):
                words = source[topic].split()
                extra = rng.sample(words, 3)
                texts.append(f"{source[topic].capitalize()}. {' '.join(extra).capitalize()}.")
                langs.append(lang)
                topics.append(topic)
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], [langs[i] for i in order], [topics[i] for i in order]


@pytest.fixture(scope="module")
def fitted() -> tuple[ThemeResult, list[str], list[str], list[str]]:
    texts, langs, topics = corpus()
    emb = FakeEmbedder(synonyms=SYNONYMS)
    res = fit_themes(
        texts,
        embedder=emb,
        languages=langs,
        seed=3,
        min_theme_size=5,
        n_themes=3,
        representation="ctfidf",
    )
    return res, texts, langs, topics


def test_themes_follow_topic_not_language(fitted) -> None:
    res, _, langs, topics = fitted
    a = res.assignments.assign(lang=langs, topic=topics)
    a = a[a.theme_id != OUTLIER]
    assert a.groupby("theme_id")["lang"].nunique().eq(2).all()  # every theme mixes en and es
    assert a.groupby("theme_id")["topic"].nunique().eq(1).all()


def test_names_in_the_majority_language_other_keywords_beside(fitted) -> None:
    res, _, _, _ = fitted
    spanish = {w for t in ES.values() for w in t.split()}
    for row in res.themes.itertuples():
        words = row.label.lower().split()
        assert not set(words) & spanish, row.label  # English is each theme's majority
        assert row.keywords_other.startswith("es: ")
        assert set(row.keywords_other[4:].split(", ")) <= spanish
        assert row.languages.startswith("en ") and ", es " in row.languages


def test_spanish_stop_words_never_end_a_name_or_make_a_keyword(fitted) -> None:
    res, _, _, _ = fitted
    stop = {"las", "los", "la", "el", "de", "y", "al", "del", "tras"}
    for row in res.themes.itertuples():
        assert not set(row.keywords_other[4:].split(", ")) & stop
        assert not {w.strip(",;") for w in row.keywords.split("; ")} & stop


def test_shared_language_mix_hides_small_counts() -> None:
    assert shared_language_mix("en 24, es 10", 10) == "en 24, es 10"
    # es 4 alone would follow from the size (28): pooled with the smallest shown language
    assert shared_language_mix("en 24, es 4", 10) == "mixed"
    assert shared_language_mix("en 30, fr 12, es 4", 10) == "en 30, other 16"
    assert shared_language_mix("en 30, fr 12, es 4, pt 7", 10) == "en 30, fr 12, other 11"
    assert shared_language_mix("en 12", 10) == "en 12"


def test_themes_csv_shares_the_suppressed_mix(fitted, tmp_path) -> None:
    res, _, _, _ = fitted
    write_theme_outputs(res, tmp_path, summaries={}, k=11)
    t = pd.read_csv(tmp_path / "themes.csv")
    assert "languages" in t and not t["languages"].str.contains(r"\bes 10\b").any()


def _result(theme_ids: list[int]) -> ThemeResult:
    a = pd.DataFrame(
        {
            "doc_id": [str(i) for i in range(len(theme_ids))],
            "theme_id": theme_ids,
            "probability": 1.0,
        }
    )
    return ThemeResult(
        themes=pd.DataFrame(),
        assignments=a,
        embeddings=np.zeros((0, 0)),
        centroids={},
        outlier_share=0.0,
        outlier_share_final=0.0,
        params={},
    )


def test_fairness_flag_when_a_language_is_left_out_more_often() -> None:
    # en: 100 documents, 10 outliers (10 %); es: 40 documents, 12 outliers (30 % > 1.5 x 10 %)
    ids = [0] * 90 + [OUTLIER] * 10 + [1] * 28 + [OUTLIER] * 12 + [0] * 25 + [OUTLIER] * 3
    langs = ["en"] * 100 + ["es"] * 40 + ["fr"] * 28
    cov = language_coverage(_result(ids), langs, k=10).set_index("language")
    assert cov.loc["es", "flag"] and not cov.loc["en", "flag"] and not cov.loc["fr", "flag"]
    assert cov.loc["es", "outlier_share"] == pytest.approx(0.3)
    assert np.isnan(cov.loc["fr", "outlier_share"])  # 3 outliers: a count below k, hidden
    notes = fairness_notes(cov.reset_index())
    assert len(notes) == 1 and notes[0].startswith("Language es:")
