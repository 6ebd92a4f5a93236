"""Canonical values: pillars, lesson types, booleans, languages."""
from __future__ import annotations

import pytest

from kmsynth.lang import detect_languages
from kmsynth.schemas import parse_bool, parse_lesson_type, parse_pillar, pillars


def test_six_pillars_with_seed_words_in_four_languages() -> None:
    ps = pillars()
    assert [p.id for p in ps] == [1, 2, 3, 4, 5, 6]
    assert all(len(p.seed_words) >= 10 for p in ps)


@pytest.mark.parametrize("value,expected", [("Laws and policies", 1), ("pillar 4", 4), ("P5", 5),
                                            ("Services", 4), ("", None)])
def test_parse_pillar(value: str, expected) -> None:
    assert parse_pillar(value) == expected
    with pytest.raises(ValueError):
        parse_pillar("nonsense")


def test_lesson_types_and_booleans() -> None:
    assert parse_lesson_type("Good practice") == "good_practice"
    assert parse_lesson_type("Lesson learned") == "lesson_learned"
    assert parse_bool("yes") is True and parse_bool("Non") is False and parse_bool("") is None
    with pytest.raises(ValueError):
        parse_bool("maybe")


def test_languages_detected_offline() -> None:
    texts = ["We learned that survivors need safe shelters and legal aid in every district.",
             "Aprendimos que las sobrevivientes necesitan refugios seguros y asesoría legal.",
             "Nous avons appris que les survivantes ont besoin de refuges sûrs et d'aide juridique.",
             "Aprendemos que as sobreviventes precisam de abrigos seguros e apoio jurídico.",
             "ok 🙏"]
    assert detect_languages(texts) == ["en", "es", "fr", "pt", "und"]
