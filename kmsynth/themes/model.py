"""The theme estimator: reproducible BERTopic themes on cached embeddings (a scikit-learn
estimator), and `fit_themes`, the one call most users need.

What users of vanilla BERTopic miss: fixed seeds (same input, same themes, in any process), a
stated choice of the number of themes (topic coherence over a range of sizes, `cluster.py`, or
set by the analyst), a documented outlier strategy, names people would write in the theme's
language (`labels.py`), pillar tags with a confidence, a chosen number of representative
documents that survive save/load, and stable theme ids across months (`stable.py`).

Outlier strategy: documents the clustering cannot place (-1: HDBSCAN's noise, or clusters
smaller than the minimum theme size) are reassigned to the theme whose centroid is most similar
(cosine on the original embeddings) when that similarity is at least `outlier_threshold`; the
rest stay -1. The share before and after reassignment is reported
(`ThemeResult.outlier_share`, `.outlier_share_final`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from kmsynth.embed import Embedder
from kmsynth.errors import InputError
from kmsynth.themes.cluster import (
    ThemeClusterer,
    default_min_theme_size,
    make_reducer,
    reduce_embeddings,
)
from kmsynth.themes.labels import (
    MAX_NAME_DOCS,
    choose_names,
    keyword_vectorizer,
    keywords_by_language,
    language_mix,
    majority_language,
    majority_only,
    make_label,
    name_candidates,
)
from kmsynth.themes.pillars import pillar_label, seed_words, theme_pillars
from kmsynth.themes.result import OUTLIER, ThemeResult, theme_centroids

log = logging.getLogger(__name__)

MIN_DOCS = 20  # fewer documents than this are too few to find themes
GRANULARITIES = ("coherence", "density")


def _backend(embedder: Embedder):
    """A BERTopic embedding backend around a kmsynth Embedder (for keyword representations)."""
    from bertopic.backend import BaseEmbedder

    return type(
        "KmsynthBackend",
        (BaseEmbedder,),
        {
            "embed": lambda _self, documents, verbose=False: embedder.encode(list(documents)),
        },
    )()


class ThemeModel(BaseEstimator):
    """BERTopic with kmsynth's defaults, as a scikit-learn estimator: parameters are stored as
    given, `fit` does the work and keeps `result_` (a ThemeResult) and `bertopic_`.

    embedder: needed for keyword representations, name checks and when `fit` gets no
        embeddings. n_themes: the number of themes (None: chosen by `granularity`, "coherence"
        over a range of sizes or "density" = HDBSCAN's own choice, as vanilla BERTopic).
    min_theme_size: None scales with the corpus. guided: nudge themes towards the pillars'
        seed words. outlier_threshold: cosine needed to reassign an outlier. reduce: "auto",
        "pca" or "umap"; umap_cache: folder caching UMAP output.
    """

    def __init__(
        self,
        *,
        embedder: Embedder | None = None,
        seed: int = 42,
        n_themes: int | None = None,
        granularity: str = "coherence",
        min_theme_size: int | None = None,
        n_representative_docs: int = 5,
        guided: bool = True,
        outlier_threshold: float = 0.3,
        top_n_words: int = 10,
        representation: str = "keybert+mmr",
        reduce: str = "auto",
        umap_cache: str | Path | None = None,
    ) -> None:
        self.embedder = embedder
        self.seed = seed
        self.n_themes = n_themes
        self.granularity = granularity
        self.min_theme_size = min_theme_size
        self.n_representative_docs = n_representative_docs
        self.guided = guided
        self.outlier_threshold = outlier_threshold
        self.top_n_words = top_n_words
        self.representation = representation
        self.reduce = reduce
        self.umap_cache = umap_cache

    # -- parts -------------------------------------------------------------------------------

    def _clusterer(self, texts: list[str], present: list[str], size: int, reducer_name: str) -> Any:
        if self.granularity not in GRANULARITIES:
            raise InputError(
                f"unknown theme granularity {self.granularity!r}",
                hint=f"use one of {', '.join(GRANULARITIES)}",
            )
        if self.granularity == "density" and self.n_themes is None and reducer_name == "umap":
            from hdbscan import HDBSCAN

            return HDBSCAN(
                min_cluster_size=size,
                min_samples=max(1, min(size, 10) // 2),
                metric="euclidean",
                cluster_selection_method="eom",
                prediction_data=False,
            )
        doc_terms = None
        if self.n_themes is None:  # word counts for the coherence criterion
            vec = keyword_vectorizer(len(texts), present or None)
            vec.set_params(ngram_range=(1, 1), min_df=2 if len(texts) >= 50 else 1)
            try:
                doc_terms = vec.fit_transform(texts).tocsr()
            except ValueError:  # no word left: the criterion cannot speak, one theme
                return ThemeClusterer(min_size=size, n_clusters=1, seed=self.seed)
        return ThemeClusterer(
            min_size=size, n_clusters=self.n_themes, seed=self.seed, doc_terms=doc_terms
        )

    def _representation(self) -> list | None:
        if self.representation == "ctfidf" or self.embedder is None:
            return None
        from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance

        parts: list = []
        if "keybert" in self.representation:
            parts.append(
                KeyBERTInspired(
                    top_n_words=self.top_n_words,
                    nr_repr_docs=self.n_representative_docs,
                    random_state=self.seed,
                )
            )
        if "mmr" in self.representation:
            parts.append(MaximalMarginalRelevance(diversity=0.3, top_n_words=self.top_n_words))
        return parts or None

    def _reassign(
        self, embeddings: np.ndarray, topics: np.ndarray, probs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The documented outlier strategy: nearest centroid when close enough."""
        cents = theme_centroids(embeddings, topics)
        new, probs = topics.copy(), probs.copy()
        if not cents or not (topics == OUTLIER).any():
            return new, probs
        cid = np.array(sorted(cents))
        out_idx = np.flatnonzero(topics == OUTLIER)
        s = embeddings[out_idx] @ np.vstack([cents[c] for c in cid]).T
        best = s.argmax(axis=1)
        score = s[np.arange(len(out_idx)), best]
        take = score >= self.outlier_threshold
        new[out_idx[take]] = cid[best[take]]
        probs[out_idx] = np.where(take, np.clip(score, 0, 1), 0.0)
        return new, probs

    def _ctfidf(self) -> Any:
        """c-TF-IDF, guided towards the pillars' seed words when `guided`."""
        from bertopic.vectorizers import ClassTfidfTransformer

        return ClassTfidfTransformer(
            reduce_frequent_words=True,
            seed_words=seed_words() if self.guided else None,
            seed_multiplier=1.5,
        )

    def _topics(
        self, texts: list[str], embeddings: np.ndarray, langs: list[str], timings: dict[str, float]
    ) -> tuple[Any, np.ndarray, np.ndarray, dict]:
        """Reduce, cluster, represent: (BERTopic model, topics, probabilities, parameters)."""
        from bertopic import BERTopic
        from bertopic.dimensionality import BaseDimensionalityReduction

        n = len(texts)
        size = self.min_theme_size or default_min_theme_size(n)
        t = time.perf_counter()
        reducer, reducer_name = make_reducer(self.reduce, n, embeddings.shape[1], self.seed)
        reduced = reduce_embeddings(reducer, reducer_name, embeddings, self.umap_cache)
        timings["reduce_s"] = time.perf_counter() - t
        present = sorted(set(langs) - {"und"})
        clusterer = self._clusterer(texts, present, size, reducer_name)
        ctfidf = self._ctfidf()
        model = BERTopic(
            embedding_model=_backend(self.embedder) if self.embedder else None,
            umap_model=BaseDimensionalityReduction(),
            hdbscan_model=clusterer,
            vectorizer_model=keyword_vectorizer(n, present or None),
            ctfidf_model=ctfidf,
            representation_model=None,
            top_n_words=self.top_n_words,
            calculate_probabilities=False,
            verbose=False,
        )
        t = time.perf_counter()
        topics, probs = model.fit_transform(texts, embeddings=reduced)
        topics = np.asarray(topics)
        probs = np.asarray(probs, dtype=float) if probs is not None else np.ones(n)
        timings["cluster_s"] = time.perf_counter() - t
        new, probs = self._reassign(embeddings, topics, probs)
        t = time.perf_counter()
        rep = self._representation()
        if (new != topics).any() or rep is not None:
            # BERTopic warns about custom assignments on every update: expected here
            logging.getLogger("BERTopic").setLevel(logging.ERROR)
            model.update_topics(
                texts,
                topics=new.tolist(),
                top_n_words=self.top_n_words,
                vectorizer_model=keyword_vectorizer(n, present or None),
                ctfidf_model=ctfidf,
                representation_model=rep,
            )
        timings["represent_s"] = time.perf_counter() - t
        granularity = getattr(
            clusterer, "granularity_", {"criterion": "density (HDBSCAN's own choice)"}
        )
        params = {
            "min_theme_size_used": size,
            "reducer": reducer_name,
            "granularity_choice": granularity,
            "outlier_share_clustering": float((topics == OUTLIER).mean()),
        }
        return model, new, probs, params

    def _theme_rows(
        self,
        texts: list[str],
        ids: list[str],
        langs: list[str],
        embeddings: np.ndarray,
        final: np.ndarray,
        words: dict[int, list[str]],
        centroids: dict[int, np.ndarray],
    ) -> pd.DataFrame:
        """One row per theme: name, keywords (the majority language's first), languages,
        pillar, representative documents."""
        order = {
            t: (m := np.flatnonzero(final == t))[
                np.argsort(-(embeddings[m] @ centroids[t]), kind="stable")
            ]
            for t in centroids
        }
        names = choose_names(
            name_candidates(texts, final, langs, list(centroids), words, order=order),
            centroids,
            self.embedder,
        )
        pillars = theme_pillars(self.embedder, texts, final, centroids)
        rows = []
        for t in sorted(centroids):
            members = order[t]
            mlangs = [langs[i] for i in members]
            major = majority_language(mlangs)
            by_lang = keywords_by_language(texts, langs, final, t)
            kw = majority_only(
                words.get(t, []), (texts[i] for i in members[:MAX_NAME_DOCS] if langs[i] == major)
            )
            pillar, conf = pillars.get(t, (None, 0.0))
            rows.append(
                {
                    "theme_id": t,
                    "label": names.get(t) or make_label(kw),
                    "size": int(len(members)),
                    "keywords": "; ".join(kw),
                    "keywords_other": "; ".join(
                        f"{lang}: {', '.join(w)}" for lang, w in by_lang.items() if lang != major
                    ),
                    "languages": language_mix(mlangs),
                    "label_kind": "phrase" if t in names else "keywords",
                    "pillar": pillar,
                    "pillar_name": pillar_label(pillar),
                    "pillar_confidence": round(conf, 3),
                    "representative_ids": [ids[i] for i in members[: self.n_representative_docs]],
                }
            )
        themes = pd.DataFrame(rows)
        themes["pillar"] = themes["pillar"].astype("Int64") if len(themes) else []
        return themes

    # -- fit ---------------------------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[str],
        ids: Sequence[str] | None = None,
        *,
        embeddings: np.ndarray | None = None,
        languages: Sequence[str] | None = None,
        show_progress: bool = False,
    ) -> ThemeModel:
        """Fit themes on redacted `texts` (precomputed `embeddings` optional; `languages`:
        one code per text, detected when None). Keeps the result as `result_`; returns self."""
        texts = [str(t) for t in texts]
        n = len(texts)
        ids = self._ids(ids, n)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        if embeddings is None:
            if self.embedder is None:
                raise ValueError("fit needs embeddings or an embedder")
            embeddings = self.embedder.encode(texts, show_progress=show_progress)
        embeddings = np.asarray(embeddings, dtype=np.float32)
        timings["embed_s"] = time.perf_counter() - t0
        langs = self._languages(texts, languages)
        model, topics, probs, fit_params = self._topics(texts, embeddings, langs, timings)
        final, centroids, words = self._by_size(model, topics, embeddings)
        t = time.perf_counter()
        themes = self._theme_rows(texts, ids, langs, embeddings, final, words, centroids)
        timings["label_s"] = time.perf_counter() - t
        assignments = pd.DataFrame(
            {"doc_id": ids, "theme_id": final, "probability": np.round(np.clip(probs, 0, 1), 4)}
        )
        params = (
            self.get_params()
            | fit_params
            | {"embedder": getattr(self.embedder, "model_id", None), "n_docs": n}
        )
        timings["total_s"] = time.perf_counter() - t0
        self.result_ = ThemeResult(
            themes=themes,
            assignments=assignments,
            embeddings=embeddings,
            centroids=centroids,
            outlier_share=fit_params["outlier_share_clustering"],
            outlier_share_final=float((final == OUTLIER).mean()),
            params=params,
            timings=timings,
            embedder_id=getattr(self.embedder, "model_id", "") or "",
        )
        self.bertopic_ = model
        log.info(
            "themes: %d themes on %d documents; outliers %.1f%% after reassignment",
            len(themes),
            n,
            100 * self.result_.outlier_share_final,
        )
        return self

    @staticmethod
    def _ids(ids: Sequence[str] | None, n: int) -> list[str]:
        out = [str(i) for i in (ids if ids is not None else range(1, n + 1))]
        if len(out) != n:
            raise ValueError("ids and texts differ in length")
        if n < MIN_DOCS:
            raise InputError(
                f"{n} documents are too few to find themes",
                hint=f"themes need at least {MIN_DOCS} documents; widen the period or add data",
            )
        return out

    def _by_size(
        self, model: Any, topics: np.ndarray, embeddings: np.ndarray
    ) -> tuple[np.ndarray, dict[int, np.ndarray], dict[int, list[str]]]:
        """Themes renumbered by size (largest first; ties by first member): (labels,
        centroids, keywords)."""
        cents = theme_centroids(embeddings, topics)
        order = sorted(
            cents, key=lambda c: (-(topics == c).sum(), int(np.flatnonzero(topics == c)[0]))
        )
        renum = {old: new for new, old in enumerate(order)}
        final = np.array([renum.get(int(t), OUTLIER) for t in topics])
        words = {
            renum[c]: [w for w, _ in (model.get_topic(c) or []) if w][: self.top_n_words]
            for c in order
        }
        return final, {renum[c]: v for c, v in cents.items()}, words

    @staticmethod
    def _languages(texts: list[str], languages: Sequence[str] | None) -> list[str]:
        if languages is not None:
            if len(languages) != len(texts):
                raise ValueError("languages and texts differ in length")
            return [str(x).strip().lower() if x and str(x).strip() else "und" for x in languages]
        from kmsynth.protect import detect_languages

        return detect_languages(texts)

    def transform(self, embeddings: np.ndarray) -> np.ndarray:
        """Theme of each new document: the nearest centroid, or -1 below `outlier_threshold`."""
        check_is_fitted(self, "result_")
        return self.result_.transform(np.asarray(embeddings, np.float32))[0]


def fit_themes(
    texts: Sequence[str],
    ids: Sequence[str] | None = None,
    *,
    embedder: Embedder | None = None,
    embeddings: np.ndarray | None = None,
    languages: Sequence[str] | None = None,
    seed: int = 42,
    n_themes: int | None = None,
    min_theme_size: int | None = None,
    n_representative_docs: int = 5,
    guided: bool = True,
    cache_dir: str | Path | None = None,
    show_progress: bool = False,
    **kwargs: Any,
) -> ThemeResult:
    """Fit themes on redacted texts and return the ThemeResult; see ThemeModel's parameters
    (`cache_dir` is its `umap_cache`)."""
    model = ThemeModel(
        embedder=embedder,
        seed=seed,
        n_themes=n_themes,
        min_theme_size=min_theme_size,
        n_representative_docs=n_representative_docs,
        guided=guided,
        umap_cache=cache_dir,
        **kwargs,
    )
    return model.fit(
        texts, ids, embeddings=embeddings, languages=languages, show_progress=show_progress
    ).result_
