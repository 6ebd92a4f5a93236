"""The Linker: a scikit-learn style estimator that ranks lessons for each finding.

`fit(lessons)` indexes the inventory (BM25 over stems of each row's language, embeddings,
sentences); `candidates(findings)` pools each finding's best lessons by plain reciprocal-rank
fusion and computes their signals; `rank` orders them by the learned ranker's P(link); `link`
draws the confident line, adds evidence and the relation, and returns links, gaps and the map.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from kmsynth.errors import InputError
from kmsynth.link.calibrate import (
    calibration_key,
    inventory_threshold,
    link_probability,
    shipped_model,
    threshold_from_reviewed,
)
from kmsynth.link.evidence import SentenceIndex
from kmsynth.link.retrieve import SparseBM25, norm_lang, tokens, top_indices
from kmsynth.link.signals import (
    Matrices,
    attribute_agreement,
    country_sets,
    lexical_pair_features,
    sentence_cosines,
    whole_text_features,
)
from kmsynth.link.tables import check_table, column_values, decisions_of

if TYPE_CHECKING:
    from kmsynth.embed.embedders import Embedder
    from kmsynth.link.outputs import LinkResult

log = logging.getLogger(__name__)
RANKINGS = ("learned", "rrf", "bm25", "cosine")
Reviewed = pd.DataFrame | Mapping[tuple[str, str], str] | None


class Linker(BaseEstimator):
    """Link evaluation findings to a lessons inventory.

    Parameters
    ----------
    embedder : a kmsynth Embedder (None: lexical only).
    top_k : candidates kept per finding. pool : candidates scored per finding (plain RRF's
        best; on SciFact the top 10 hold 96% of the true links, the top 30 99%).
    ranking : 'learned' (default) orders by P(link); 'rrf', 'bm25', 'cosine' are the plain
        orders (baselines; the score stays P(link)).
    rrf_k : reciprocal-rank constant. threshold : P(link) a pair needs to be a confident link
        (None: the model's line, adapted to the inventory or refitted from reviewed pairs).
    calibration : a ranker dict like `calibrate` returns (None: the shipped one).
    relation_model : a dict like `fit_relation` returns (None: the shipped one).
    with_title : index a lesson's title with its text. sentence_lexical_weight : share of stem
        overlap added to sentence cosine when picking evidence sentences. gap_themes_min : fewest
        unlinked findings clustered into themes. seed : for the gap themes.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        top_k: int = 5,
        pool: int = 10,
        ranking: str = "learned",
        rrf_k: int = 60,
        threshold: float | None = None,
        calibration: Mapping[str, Any] | None = None,
        relation_model: Mapping[str, Any] | None = None,
        with_title: bool = True,
        sentence_lexical_weight: float = 0.3,
        gap_themes_min: int = 20,
        seed: int = 42,
    ):
        self.embedder = embedder
        self.top_k = top_k
        self.pool = pool
        self.ranking = ranking
        self.rrf_k = rrf_k
        self.threshold = threshold
        self.calibration = calibration
        self.relation_model = relation_model
        self.with_title = with_title
        self.sentence_lexical_weight = sentence_lexical_weight
        self.gap_themes_min = gap_themes_min
        self.seed = seed

    # -- fit ---------------------------------------------------------------------------------

    def fit(self, lessons: pd.DataFrame, embeddings: np.ndarray | None = None) -> Linker:
        """Index the inventory (lesson_id, text; title, type, country, region, pillar, language).

        `embeddings`: precomputed (n_lessons, dim) unit vectors of the indexed texts (title. text).
        """
        if self.top_k < 1:
            raise InputError("top_k must be at least 1")
        if self.ranking not in RANKINGS:
            raise InputError(f"ranking must be one of {', '.join(RANKINGS)}")
        L = check_table(lessons, "lessons", "lesson_id")
        self.lessons_ = L
        langs = column_values(L, "language", "und").tolist()
        text = L["text"].astype(str)
        title = column_values(L, "title")
        if self.with_title and "title" in L.columns:
            text = (title + ". " + text).where(title != "", text)
        self.index_texts_ = text.tolist()
        self.lesson_tokens_ = [tokens(t, g) for t, g in zip(self.index_texts_, langs, strict=False)]
        self.lesson_pairs_ = [set(zip(t, t[1:], strict=False)) for t in self.lesson_tokens_]
        self.title_tokens_ = [tokens(t, g) for t, g in zip(title, langs, strict=False)]
        self.lesson_countries_ = country_sets(L)
        self.bm25_ = SparseBM25().fit([t or ["\x00"] for t in self.lesson_tokens_])
        if self.embedder is None:
            self.lesson_vecs_ = None
        elif embeddings is not None:
            self.lesson_vecs_ = np.asarray(embeddings, dtype=np.float32)
        else:
            self.lesson_vecs_ = self.embedder.encode(self.index_texts_)
        self.sentences_ = SentenceIndex(self.embedder)
        self.model_ = dict(self.calibration) if self.calibration else shipped_model(self.embedder)
        self.calibration_key_ = "given" if self.calibration else calibration_key(self.embedder)
        self.threshold_ = float(
            self.threshold if self.threshold is not None else self.model_["threshold"]
        )
        return self

    # -- candidates ----------------------------------------------------------------------------

    def _matrices(
        self, f: pd.DataFrame, q: list[list[str]], embeddings: np.ndarray | None
    ) -> tuple[Matrices, np.ndarray | None]:
        bm = self.bm25_.scores(q)
        fv = None
        if self.embedder is not None:
            fv = (
                np.asarray(embeddings, dtype=np.float32)
                if embeddings is not None
                else self.embedder.encode(f["text"].astype(str).tolist())
            )
        cos = None if fv is None else (fv @ self.lesson_vecs_.T).astype(np.float32)
        return Matrices.build(bm, self.bm25_.max_scores(q), cos, self.rrf_k), fv

    def _pool_pairs(
        self, m: Matrices, decisions: dict[tuple[str, str], str], fid: list[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The pool (plain RRF's best, ties to the higher cosine + BM25) plus accepted pairs."""
        order_by = m.rrf + 1e-6 * (np.clip(m.cosine, 0, 1) + m.bm25)
        k = min(max(self.pool, self.top_k), order_by.shape[1])
        top = top_indices(order_by, k)
        pairs = {(i, int(j)) for i in range(len(fid)) for j in top[i]}
        fi_of = {v: i for i, v in enumerate(fid)}
        lj_of = {v: j for j, v in enumerate(self.lessons_["lesson_id"])}
        pairs |= {
            (fi_of[a], lj_of[b])
            for (a, b), d in decisions.items()
            if d == "accept" and a in fi_of and b in lj_of
        }
        ordered = sorted(pairs)
        return (
            np.array([p[0] for p in ordered], dtype=int),
            np.array([p[1] for p in ordered], dtype=int),
        )

    def _sentence_signals(
        self, f: pd.DataFrame, fi: np.ndarray, lj: np.ndarray
    ) -> dict[str, np.ndarray]:
        ftexts = f["text"].astype(str).tolist()
        ltexts = self.lessons_["text"].astype(str).tolist()
        used_l = sorted(set(lj.tolist()))
        self.sentences_.add(
            [ftexts[i] for i in sorted(set(fi.tolist()))] + [ltexts[j] for j in used_l]
        )
        langs = column_values(self.lessons_, "language", "und").tolist()
        stems: list[list[set[str]]] = [[] for _ in ltexts]
        for j in used_l:
            stems[j] = [set(tokens(s, langs[j])) for s in self.sentences_.split[ltexts[j]]]
        l_mats: list[np.ndarray | None] = [None] * len(ltexts)
        for j in used_l:
            l_mats[j] = self.sentences_.matrix(ltexts[j])
        f_mats = [self.sentences_.matrix(t) for t in ftexts]
        return {"stems": stems, **sentence_cosines(f_mats, l_mats, fi, lj)}

    def candidates(
        self,
        findings: pd.DataFrame,
        reviewed: Reviewed = None,
        embeddings: np.ndarray | None = None,
    ) -> pd.DataFrame:
        """Every pooled (finding, lesson) pair with its signals (RANK_FEATURES), not yet scored.

        Columns: finding_id, lesson_id, the features, decision, _fi, _lj (row positions).
        """
        check_is_fitted(self, "lessons_")
        f = check_table(findings, "findings", "finding_id")
        decisions = decisions_of(reviewed)
        langs = column_values(f, "language", "und").map(norm_lang).tolist()
        q = [tokens(t, g) for t, g in zip(f["text"].astype(str), langs, strict=False)]
        m, _ = self._matrices(f, q, embeddings)
        fid = f["finding_id"].tolist()
        fi, lj = self._pool_pairs(m, decisions, fid)
        sent = self._sentence_signals(f, fi, lj)
        feats = {
            **whole_text_features(m, fi, lj),
            **lexical_pair_features(
                q, self.lesson_pairs_, self.title_tokens_, sent["stems"], fi, lj, self.bm25_
            ),
            "sentence_cosine": sent["sentence_cosine"],
            "sentence_gap": sent["sentence_gap"],
            **attribute_agreement(f, self.lessons_, fi, lj, self.lesson_countries_),
        }
        lid = self.lessons_["lesson_id"].tolist()
        return pd.DataFrame(
            {
                "finding_id": [fid[i] for i in fi],
                "lesson_id": [lid[j] for j in lj],
                **feats,
                "decision": [
                    decisions.get((fid[i], lid[j]), "") for i, j in zip(fi, lj, strict=False)
                ],
                "_fi": fi,
                "_lj": lj,
            }
        )

    # -- rank ----------------------------------------------------------------------------------

    def scored(
        self,
        findings: pd.DataFrame,
        reviewed: Reviewed = None,
        embeddings: np.ndarray | None = None,
    ) -> pd.DataFrame:
        """Every pooled pair with score = P(link), rejected pairs included (`candidates`)."""
        cand = self.candidates(findings, reviewed, embeddings)
        cand["score"] = link_probability(self.model_, cand)
        return cand

    def top(self, scored: pd.DataFrame) -> pd.DataFrame:
        """The top-k of each finding from `scored`, by the `ranking` order, rank 1 first;
        rejected pairs skipped, accepted pairs kept at their rank among the pool."""
        key = {
            "learned": scored["score"],
            "rrf": scored["rrf"] + 1e-6 * scored["score"],
            "bm25": scored["bm25"] + 1e-6 * scored["score"],
            "cosine": scored["cosine"] + 1e-6 * scored["score"],
        }[self.ranking]
        cand = scored.assign(_key=key.to_numpy())
        cand = cand[cand["decision"] != "reject"]
        cand = cand.sort_values(["_fi", "_key"], ascending=[True, False], kind="stable")
        cand["rank"] = cand.groupby("_fi").cumcount() + 1
        keep = (cand["rank"] <= self.top_k) | (cand["decision"] == "accept")
        return cand[keep].drop(columns="_key").reset_index(drop=True)

    def rank(
        self,
        findings: pd.DataFrame,
        reviewed: Reviewed = None,
        embeddings: np.ndarray | None = None,
    ) -> pd.DataFrame:
        """The top-k lessons of every finding, best first, with rank and score = P(link)."""
        return self.top(self.scored(findings, reviewed, embeddings))

    def confident_line(self, cand: pd.DataFrame) -> tuple[float, str]:
        """(P(link) a pair needs to be a confident link, how it was set): given; else the
        model's line, lowered to this inventory's median best score when that is lower; then
        moved to separate the reviewed pairs when a review has enough of them."""
        if self.threshold is not None:
            return float(self.threshold), "given"
        best = cand[cand["decision"] != "reject"].groupby("_fi")["score"].max().to_numpy()
        line = inventory_threshold(self.model_["threshold"], best)
        rule = "model" if line >= self.model_["threshold"] else "inventory median"
        reviewed = cand[cand["decision"] != ""]
        t = threshold_from_reviewed(
            reviewed["score"].to_numpy(), (reviewed["decision"] == "accept").to_numpy(), line
        )
        return (t, "reviewed pairs") if t is not None else (line, rule)

    def link(
        self,
        findings: pd.DataFrame,
        reviewed: Reviewed = None,
        embeddings: np.ndarray | None = None,
    ) -> LinkResult:
        """Confident links plus accepted pairs, minus rejected ones; candidates below the line
        (shown, marked); gaps; the evidence map."""
        from kmsynth.link.outputs import build_result

        check_is_fitted(self, "lessons_")
        f = check_table(findings, "findings", "finding_id")
        decisions = decisions_of(reviewed)
        scored = self.scored(f, decisions, embeddings)
        line, rule = self.confident_line(scored)
        return build_result(self, f, self.top(scored), line, rule, decisions)

    def manifest_params(self) -> dict[str, Any]:
        """The parameters as plain values (the embedder by its model id) for a manifest."""
        params = self.get_params()
        params["embedder"] = getattr(self.embedder, "model_id", None)
        params["calibration"] = getattr(self, "calibration_key_", None)
        params.pop("relation_model", None)
        return params


def link_findings_to_lessons(
    findings: pd.DataFrame,
    lessons: pd.DataFrame,
    *,
    embedder: Embedder | None = None,
    top_k: int = 5,
    reviewed: Reviewed = None,
    **params: Any,
) -> LinkResult:
    """One call: fit the inventory, link the findings (see Linker for `params`)."""
    return Linker(embedder, top_k=top_k, **params).fit(lessons).link(findings, reviewed=reviewed)
