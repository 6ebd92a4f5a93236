"""Canonical values: pillars, lesson types, booleans, languages."""

from __future__ import annotations

import pytest

from kmsynth.ingest.schemas import parse_bool, parse_lesson_type, parse_pillar, pillars
from kmsynth.protect.languages import detect_languages


def test_six_pillars_with_seed_words_in_four_languages() -> None:
    ps = pillars()
    assert [p.id for p in ps] == [1, 2, 3, 4, 5, 6]
    assert all(len(p.seed_words) >= 10 for p in ps)


@pytest.mark.parametrize(
    "value,expected",
    [("Laws and policies", 1), ("pillar 4", 4), ("P5", 5), ("Services", 4), ("", None)],
)
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
    texts = [
        "We learned that survivors need safe shelters and legal aid in every district.",
        "Aprendimos que las sobrevivientes necesitan refugios seguros y asesoría legal.",
        "Nous avons appris que les survivantes ont besoin de refuges sûrs et d'aide juridique.",
        "Aprendemos que as sobreviventes precisam de abrigos seguros e apoio jurídico.",
        "ok 🙏",
    ]
    assert detect_languages(texts) == ["en", "es", "fr", "pt", "und"]


def _check(kind: str, frame: dict):
    import numpy as np
    import pandas as pd

    from kmsynth.ingest.schemas import SPECS, check_rows

    df = pd.DataFrame(frame, dtype=object)
    reason, probs = check_rows(
        df,
        SPECS[kind],
        file="f.csv",
        rows=np.arange(1, len(df) + 1),
        lines=None,
        max_text_chars=1000,
    )
    return df, reason.tolist(), probs


def test_row_rules_for_findings_and_lessons() -> None:
    df, reason, probs = _check(
        "findings",
        {
            "finding_id": ["F1", "", "F3"],
            "text": ["Police and shelters coordinated better", "x y z", "Judges trained"],
            "pillar": ["Services", "2", "Pillar 9"],
            "year": ["2025", "", "n/a"],
        },
    )
    assert reason == ["", "empty_id", ""]
    assert df["pillar"].tolist()[0] == 4 and df["pillar"].isna().tolist() == [False, False, True]
    warn = [p for p in probs if p.rule == "unknown_pillar"]
    assert len(warn) == 1 and warn[0].severity == "warning" and warn[0].row == 3
    assert df["year"].tolist()[0] == 2025 and df["year"].isna().tolist()[1:] == [True, True]
    df, reason, probs = _check(
        "lessons",
        {
            "lesson_id": ["L1", "L2"],
            "text": ["A", "B text"],
            "type": ["Promising practice", "anecdote"],
        },
    )
    assert df["type"].iloc[0] == "promising_practice" and df["type"].isna().tolist() == [
        False,
        True,
    ]
    assert [p.rule for p in probs] == ["unknown_type"]


def test_bad_consent_is_no_consent() -> None:
    df, reason, probs = _check(
        "posts",
        {
            "post_id": ["1", "2", "3"],
            "text": ["a text"] * 3,
            "created_at": ["2026-05-03"] * 3,
            "consent_to_quote": ["Sí", "perhaps", ""],
        },
    )
    assert reason == ["", "", ""]
    assert df["consent_to_quote"].tolist()[0] is True
    assert df["consent_to_quote"].isna().tolist() == [False, True, True]
    assert [(p.rule, p.row, p.severity) for p in probs] == [("bad_consent", 2, "warning")]


def test_survey_has_no_text_rule() -> None:
    _, reason, probs = _check(
        "survey", {"response_id": ["R1", "R2"], "submitted_at": ["2026-05-03", ""]}
    )
    assert reason == ["", "missing_date"] and probs[0].column == "submitted_at"
