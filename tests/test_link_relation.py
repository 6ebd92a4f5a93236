"""Supports or contradicts (issue 17): the classifier reads negation and its scope, failure and
scarcity words, directions of change and expectations a lesson states; `kmsynth link` shows the
two sentences that conflict. Pairs are written here (not the sample's own texts)."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from kmsynth.link import Linker, classify_relation, contradiction_probability, fit_relation
from kmsynth.link.relation import FEATURES, macro_f1, relation_features

LESSON = "Village by-laws signed by chiefs led to fewer early marriages in the district."
PAIRS = [
    # the old cue called these 'supports' (defect: F007 in the sample, 0.914)
    (
        "The by-laws were rarely enforced, and early marriages in the district did not decline.",
        LESSON,
        "contradicts",
    ),
    (
        "Early marriages declined in the district after chiefs signed the by-laws.",
        LESSON,
        "supports",
    ),
    (
        "Most community groups had stopped meeting within a year, lacking any other funds.",
        "Small grants to community groups were expected to build groups that last.",
        "contradicts",
    ),
    (
        "Community groups kept meeting two years after the small grants ended.",
        "Small grants to community groups were expected to build groups that last.",
        "supports",
    ),
    (
        "Police stations failed to staff the desks, and women were turned away.",
        "A desk in each police station receives complaints from women.",
        "contradicts",
    ),
    (
        "The hotline received more calls from rural areas each year.",
        "A free hotline increased reporting from rural areas.",
        "supports",
    ),
]


def test_negation_scope_and_failure_words_are_contradictions() -> None:
    p = contradiction_probability([(a, b) for a, b, _ in PAIRS])
    t = json.loads(resources.files("kmsynth.resources").joinpath("link_relation.json").read_text())[
        "threshold"
    ]
    got = ["contradicts" if x >= t else "supports" for x in p]
    assert got == [r for _, _, r in PAIRS], list(zip(got, np.round(p, 2), strict=True))


def test_direction_under_negation() -> None:
    declined = relation_features("Reports declined.", "Reports declined after training.")
    not_declined = relation_features("Reports did not decline.", "Reports declined after training.")
    i = FEATURES.index("dir_conflict")
    assert declined[i] == 0 and not_declined[i] == 1  # "did not decline" runs against "declined"
    assert relation_features("Prices rose.", "Prices fell.")[FEATURES.index("antonyms")] >= 1


def test_the_conflicting_sentences_are_the_ones_shown() -> None:
    finding = (
        "The evaluation covered four districts. Coaches rarely held the planned "
        "discussions, and attitudes showed no change at endline."
    )
    lesson = (
        "Sports clubs run weekly sessions for young men. After training, young men "
        "discussed respect and changed attitudes towards violence."
    )
    rel, p, i, j = classify_relation(finding.split(". "), lesson.split(". "))
    assert rel == "contradicts" and i == 1 and p > 0.5
    lessons = pd.DataFrame({"lesson_id": ["L1"], "text": [lesson]})
    res = (
        Linker(None, threshold=0)
        .fit(lessons)
        .link(pd.DataFrame({"finding_id": ["F1"], "text": [finding]}))
    )
    row = res.links.iloc[0]
    assert row["relation"] == "contradicts"
    assert row["finding_sentence"].startswith("Coaches rarely")  # not the scope sentence


def test_fit_relation_writes_plain_numbers_and_learns_the_cues() -> None:
    pairs = [(a, b) for a, b, _ in PAIRS] * 4
    labels = [r for _, _, r in PAIRS] * 4
    model = fit_relation(pairs, labels)
    json.dumps(model)  # plain numbers: no pickle
    assert model["features"] == list(FEATURES) and model["contradicts"] == 12
    p = contradiction_probability(pairs, model)
    y = np.array([lab == "contradicts" for lab in labels])
    assert macro_f1(y, p >= model["threshold"]) == pytest.approx(1.0)
