"""The learned ranker's coefficients and the confident line.

A logistic model over a candidate pair's signals (`RANK_FEATURES`) gives P(link); the shipped
coefficients (`resources/link_calibration.json`, plain numbers, one model with an embedder and
one lexical-only) were fitted on SciFact's train claims plus the hand-written EVAWG set in
tests/data (`benchmarks/bench_link.py --train`). The confident line is the model's F1-best
threshold, lowered on an inventory whose scores run lower (to the median finding's best score,
at most to half the model's line), or refitted from a reviewer's accept/reject decisions.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from kmsynth.embed.embedders import Embedder

log = logging.getLogger(__name__)

RANK_FEATURES = (
    "cosine",
    "cosine_gap",
    "log_rank_cosine",
    "bm25",
    "bm25_rel",
    "log_rank_bm25",
    "rrf",
    "sentence_cosine",
    "sentence_gap",
    "sentence_overlap",
    "phrase",
    "title",
    "same_country",
    "other_country",
    "same_region",
    "same_pillar",
)
SEMANTIC = ("cosine", "cosine_gap", "log_rank_cosine", "sentence_cosine", "sentence_gap")
LEXICAL_FEATURES = tuple(f for f in RANK_FEATURES if f not in SEMANTIC)
MIN_REVIEWED = 4  # accepted and rejected pairs each, to refit the line from a review
LOWEST_SHARE = 0.5  # the inventory line never drops below half the model's


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Any]:
    path = resources.files("kmsynth.resources").joinpath("link_calibration.json")
    return json.loads(path.read_text("utf-8"))


def calibration_key(embedder: Embedder | None) -> str:
    """Which shipped model fits this embedder: 'semantic' with one, 'lexical' without."""
    return "lexical" if embedder is None else "semantic"


def shipped_model(embedder: Embedder | None) -> dict[str, Any]:
    """The shipped ranker for this embedder (a copy)."""
    return dict(_shipped()[calibration_key(embedder)])


def link_probability(model: Mapping[str, Any], feats: pd.DataFrame) -> np.ndarray:
    """P(link) of each candidate row (columns: the model's features)."""
    if not len(feats):
        return np.zeros(0)
    x = feats[list(model["features"])].to_numpy(dtype=np.float64)
    x = (x - np.asarray(model["mean"])) / np.asarray(model["scale"])
    z = x @ np.asarray(model["coef"], dtype=np.float64) + float(model["intercept"])
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def best_f1_threshold(scores: np.ndarray, y: np.ndarray, n_true: int) -> tuple[float, float]:
    """(threshold, F1): the score cut that maximises F1 of pairs at or above it, counting
    `n_true` true links in all (some may never have become candidates)."""
    order = np.argsort(-scores, kind="stable")
    tp = np.cumsum(y[order])
    k = np.arange(1, len(order) + 1)
    f1 = 2 * tp / (k + max(1, n_true))
    best = int(np.argmax(f1))
    return float(scores[order][best]), float(f1[best])


def fit_ranker(
    cands: pd.DataFrame,
    y: np.ndarray,
    groups: Sequence[str],
    *,
    n_true: int,
    features: Sequence[str] = RANK_FEATURES,
    weights: np.ndarray | None = None,
    C: float = 1.0,
) -> dict[str, Any]:
    """Fit the logistic ranker on labelled candidate pairs (y = 1 for a true link).

    The threshold maximises F1 on 5-fold out-of-fold probabilities, folds by finding (`groups`);
    `weights` can weigh a small in-domain set up. Returns plain numbers (json-ready).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    x = cands[list(features)].to_numpy(dtype=np.float64)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    xs = (x - mean) / scale
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    oof = np.zeros(len(y))
    groups = np.asarray(groups)
    for tr, te in GroupKFold(n_splits=5).split(xs, y, groups):
        clf = LogisticRegression(C=C, max_iter=2000).fit(xs[tr], y[tr], sample_weight=w[tr])
        oof[te] = clf.predict_proba(xs[te])[:, 1]
    threshold, f1 = best_f1_threshold(oof, y, n_true)
    clf = LogisticRegression(C=C, max_iter=2000).fit(xs, y, sample_weight=w)
    return {
        "features": list(features),
        "mean": np.round(mean, 6).tolist(),
        "scale": np.round(scale, 6).tolist(),
        "coef": np.round(clf.coef_[0], 5).tolist(),
        "intercept": round(float(clf.intercept_[0]), 5),
        "threshold": round(threshold, 4),
        "cv_f1": round(f1, 3),
        "pairs": int(len(y)),
        "positives": int(y.sum()),
    }


def inventory_threshold(model_threshold: float, best_scores: np.ndarray) -> float:
    """The confident line for this inventory: the model's threshold, or the median of the
    findings' best scores when that is lower (so half the findings keep a link where scores run
    low), but never below LOWEST_SHARE x the model's (an unrelated inventory stays unlinked)."""
    if not len(best_scores):
        return float(model_threshold)
    low = min(model_threshold, float(np.median(best_scores)))
    return float(max(low, LOWEST_SHARE * model_threshold))


def threshold_from_reviewed(scores: np.ndarray, accepted: np.ndarray, prior: float) -> float | None:
    """The line that best separates reviewed pairs (accepted = True, rejected = False): the
    F1-best cut, and among equally good cuts the one nearest `prior` (the model's line). None
    when the review has fewer than MIN_REVIEWED accepted or rejected pairs."""
    accepted = np.asarray(accepted, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    if accepted.sum() < MIN_REVIEWED or (~accepted).sum() < MIN_REVIEWED:
        return None
    u = np.unique(scores)
    cuts = np.unique(np.r_[u, (u[1:] + u[:-1]) / 2, u[-1] + 1e-9, prior])
    pred = scores[None, :] >= cuts[:, None]
    tp = (pred & accepted).sum(axis=1)
    f1 = 2 * tp / (pred.sum(axis=1) + accepted.sum())
    good = np.flatnonzero(f1 >= f1.max() - 1e-12)
    lo, hi = cuts[good].min(), cuts[good].max()
    if lo <= prior <= hi and np.any(np.isclose(cuts[good], prior)):
        return float(prior)
    return float(cuts[good][np.argmin(np.abs(cuts[good] - prior))])


def calibrate(
    findings: pd.DataFrame,
    lessons: pd.DataFrame,
    gold: pd.DataFrame,
    embedder: Embedder | None = None,
    *,
    C: float = 1.0,
    **params: Any,
) -> dict[str, Any]:
    """Fit a ranker on a labelled set (gold: finding_id, lesson_id of the true links).

    Returns a model for `Linker(calibration=...)`; `params` go to the Linker that makes the
    candidates (e.g. pool).
    """
    from kmsynth.link.rank import Linker

    cands = Linker(embedder, **params).fit(lessons).candidates(findings)
    truth = set(zip(gold["finding_id"].astype(str), gold["lesson_id"].astype(str), strict=False))
    y = np.array(
        [(a, b) in truth for a, b in zip(cands["finding_id"], cands["lesson_id"], strict=False)],
        dtype=int,
    )
    feats = RANK_FEATURES if embedder is not None else LEXICAL_FEATURES
    return fit_ranker(
        cands, y, cands["finding_id"].tolist(), n_true=len(truth), features=feats, C=C
    )
