"""The learned ranker and the confident line (issue 17): a line that transfers to an unfamiliar
inventory, candidates below it shown rather than hidden, the line refitted from reviewed pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmsynth.link import Linker, link_probability
from kmsynth.link.calibrate import MIN_REVIEWED, shipped_model, threshold_from_reviewed

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    f = pd.read_csv(DATA / "links_findings.csv", dtype=str)
    les = pd.read_csv(DATA / "links_lessons.csv", dtype=str)
    return f, les, pd.read_csv(DATA / "links_labelled.csv", dtype=str)


def test_a_line_above_every_score_still_keeps_half_the_findings(tables) -> None:
    # defect: on an unfamiliar inventory the shipped line dropped most true links silently
    f, les, _ = tables
    strict = shipped_model(None) | {"threshold": 0.999}
    res = Linker(None, calibration=strict).fit(les).link(f)
    assert res.params["threshold_rule"] == "inventory median"
    assert res.params["threshold_used"] < 0.999
    assert res.links["finding_id"].nunique() >= len(f) / 2
    review = res.links_for_review()
    below = review[review["confident"] == "no"]
    assert len(below) and (below["score"] < res.params["threshold_used"]).all()


def test_an_unrelated_inventory_stays_unlinked(tables) -> None:
    # the median rule must not turn an unrelated inventory's best guesses into links
    f, _, _ = tables
    unrelated = pd.DataFrame(
        {
            "lesson_id": ["X1", "X2"],
            "text": [
                "Quarterly finance report templates.",
                "Office procurement rules for laptops.",
            ],
        }
    )
    res = Linker(None).fit(unrelated).link(f)
    assert res.params["threshold_used"] >= 0.5 * shipped_model(None)["threshold"]
    assert len(res.links) <= 2 and len(res.gaps_findings) >= len(f) - 2


def test_the_model_line_holds_where_scores_run_high(tables) -> None:
    f, les, _ = tables
    lax = shipped_model(None) | {"threshold": 0.01}
    res = Linker(None, calibration=lax).fit(les).link(f)
    assert res.params["threshold_rule"] == "model" and res.params["threshold_used"] == 0.01


def test_reviewed_pairs_move_the_line(tables) -> None:
    f, les, gold = tables
    lk = Linker(None, top_k=3).fit(les)
    top = lk.rank(f)
    truth = set(zip(gold.finding_id, gold.lesson_id, strict=True))
    ok = [p in truth for p in zip(top.finding_id, top.lesson_id, strict=True)]
    review = top.assign(decision=["accept" if x else "reject" for x in ok])
    res = lk.link(f, reviewed=review[["finding_id", "lesson_id", "decision"]])
    assert res.params["threshold_rule"] == "reviewed pairs"
    few = review.head(MIN_REVIEWED - 1)[["finding_id", "lesson_id", "decision"]]
    assert lk.link(f, reviewed=few).params["threshold_rule"] != "reviewed pairs"


def test_threshold_from_reviewed_separates_and_stays_near_the_prior() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.3, 0.2, 0.1, 0.05])
    accepted = np.array([True] * 4 + [False] * 4)
    assert threshold_from_reviewed(scores, accepted, prior=0.5) == 0.5  # already separates
    assert threshold_from_reviewed(scores, accepted, prior=0.95) == pytest.approx(0.6)
    assert threshold_from_reviewed(scores, accepted, prior=0.01) == pytest.approx(0.45)
    assert threshold_from_reviewed(scores[:6], accepted[:6], prior=0.5) is None  # too few


def test_link_probability_is_monotone_in_the_match(tables) -> None:
    _, les, _ = tables
    lk = Linker(None).fit(les)
    exact = pd.DataFrame({"finding_id": ["a"], "text": [les["text"].iat[0]]})
    cand = lk.candidates(exact)
    p = link_probability(lk.model_, cand)
    assert cand["lesson_id"].iat[int(np.argmax(p))] == les["lesson_id"].iat[0]
