"""Themes: reproducible BERTopic themes on cached embeddings, tagged with the six pillars.

`fit_themes` is the one call most users need. It wraps BERTopic with what users of vanilla
BERTopic miss: fixed seeds (same input, same themes, in any process), a minimum theme size that
scales with the corpus, a documented outlier strategy, readable multilingual labels, pillar tags
with a confidence, a chosen number of representative documents that survive save/load, and
stable theme ids across monthly runs (`match_themes`).

Outlier strategy: HDBSCAN leaves documents it cannot place as outliers (-1). Each outlier is
reassigned to the theme whose centroid is most similar (cosine on the original embeddings) when
that similarity is at least `outlier_threshold`; the rest stay -1. The share of outliers before
and after reassignment is reported (`ThemeResult.outlier_share`, `.outlier_share_final`).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from kmsynth.errors import InputError
from kmsynth.text import sentence_texts
from kmsynth.text import stop_words as text_stop_words

log = logging.getLogger(__name__)

OUTLIER = -1
SMALL_CORPUS = 600  # below this, PCA replaces UMAP (UMAP's compile time buys nothing here)


# --------------------------------------------------------------------------------------------
# vocabulary


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Words never used in theme labels: every language's stop words and country names
    (`kmsynth.text.stop_words`), plus words a discussion hub uses everywhere."""
    return text_stop_words(None, countries=True) | {
        "thank", "thanks", "dear", "colleagues", "hello", "hi", "regards", "gracias", "merci",
        "obrigado", "obrigada", "saludos", "think", "like", "just", "really", "also", "would",
        "could", "one", "many", "us", "well", "new", "use", "used"}


_TOKEN = r"(?u)\b[^\W\d_][^\W\d_'’-]+\b"


def _vectorizer(n_docs: int, ngram_range: tuple[int, int] = (1, 2)):
    from sklearn.feature_extraction.text import CountVectorizer

    # c-TF-IDF fits this on one joined document per theme: min_df counts themes, so it stays 1
    # (a theme's own word must count); the vocabulary is capped for large corpora instead
    return CountVectorizer(stop_words=sorted(stop_words()), token_pattern=_TOKEN,
                           ngram_range=ngram_range, min_df=1, lowercase=True,
                           max_features=None if n_docs < 5000 else 100_000)


def _pillar_table():
    from kmsynth.ingest.schemas import pillars

    return pillars()


# --------------------------------------------------------------------------------------------
# result


@dataclass
class ThemeResult:
    """A fitted set of themes.

    themes: one row per theme (theme_id, label, size, keywords, pillar, pillar_name,
        pillar_confidence, representative_ids), outliers excluded, sorted by size.
    assignments: one row per input document, in input order (doc_id, theme_id, probability);
        theme_id -1 marks a document no theme could take.
    embeddings: (n_docs, dim) document embeddings used for the fit.
    centroids: theme_id -> unit-length mean embedding of the theme's documents.
    """

    themes: pd.DataFrame
    assignments: pd.DataFrame
    embeddings: np.ndarray
    centroids: dict[int, np.ndarray]
    outlier_share: float
    outlier_share_final: float
    params: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    embedder_id: str = ""

    def theme_of(self) -> pd.Series:
        """doc_id -> theme_id."""
        return self.assignments.set_index("doc_id")["theme_id"]

    def save(self, folder: str | Path) -> Path:
        """Write themes.csv, assignments.csv, centroids.npz and params.json into `folder`."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        t = self.themes.copy()
        t["representative_ids"] = t["representative_ids"].map(json.dumps)
        t.to_csv(out / "themes_full.csv", index=False)
        self.assignments.to_csv(out / "assignments_full.csv", index=False)
        ids = sorted(self.centroids)
        np.savez(out / "centroids.npz", ids=np.array(ids, dtype=np.int64),
                 vectors=np.vstack([self.centroids[i] for i in ids]) if ids else np.zeros((0, 0)))
        meta = {"params": self.params, "embedder_id": self.embedder_id,
                "outlier_share": self.outlier_share, "outlier_share_final": self.outlier_share_final,
                "timings": self.timings}
        (out / "theme_model.json").write_text(json.dumps(meta, indent=2, default=str), "utf-8")
        return out

    @classmethod
    def load(cls, folder: str | Path) -> "ThemeResult":
        """Read what `save` wrote; representative documents come back too (unlike BERTopic#1457)."""
        src = Path(folder)
        if not (src / "theme_model.json").is_file():
            raise InputError("no saved theme model here", file=str(src),
                             hint="point to a folder written by `kmsynth themes` or ThemeResult.save")
        meta = json.loads((src / "theme_model.json").read_text("utf-8"))
        t = pd.read_csv(src / "themes_full.csv", keep_default_na=False,
                        dtype={"label": str, "keywords": str, "pillar_name": str})
        t["representative_ids"] = t["representative_ids"].map(json.loads)
        t["pillar"] = pd.to_numeric(t["pillar"], errors="coerce").astype("Int64")
        a = pd.read_csv(src / "assignments_full.csv", dtype={"doc_id": str}, keep_default_na=False)
        z = np.load(src / "centroids.npz")
        cents = {int(i): v for i, v in zip(z["ids"], z["vectors"])}
        return cls(themes=t, assignments=a, embeddings=np.zeros((0, 0), np.float32),
                   centroids=cents, outlier_share=meta["outlier_share"],
                   outlier_share_final=meta["outlier_share_final"], params=meta["params"],
                   timings=meta.get("timings", {}), embedder_id=meta.get("embedder_id", ""))

    def transform(self, embeddings: np.ndarray, threshold: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Assign new documents to the nearest theme centroid: (theme_ids, similarities)."""
        thr = self.params.get("outlier_threshold", 0.3) if threshold is None else threshold
        ids = np.array(sorted(self.centroids))
        if len(ids) == 0 or len(embeddings) == 0:
            return np.full(len(embeddings), OUTLIER), np.zeros(len(embeddings))
        sims = embeddings @ np.vstack([self.centroids[i] for i in ids]).T
        best = sims.argmax(axis=1)
        score = sims[np.arange(len(best)), best]
        return np.where(score >= thr, ids[best], OUTLIER), score


# --------------------------------------------------------------------------------------------
# fitting


def default_min_theme_size(n_docs: int) -> int:
    """Minimum theme size for a corpus of n_docs: 5 for 50 texts, ~19 for 1,500, ~158 for 100k."""
    return int(max(5, round(0.5 * np.sqrt(max(n_docs, 1)))))


class _Backend:
    """Adapts a kmsynth Embedder to BERTopic's embedding backend (used for keywords and labels)."""

    def __init__(self, embedder):
        from bertopic.backend import BaseEmbedder

        self._impl = type("KmsynthBackend", (BaseEmbedder,), {
            "embed": lambda _self, documents, verbose=False: embedder.encode(list(documents)),
        })()

    def get(self):
        return self._impl


class ThemeModel:
    """BERTopic with kmsynth's defaults. Parameters are stored as given; work happens in `fit`.

    embedder: a kmsynth Embedder (needed for keyword representations and when `fit` gets no
        embeddings). seed: seeds UMAP and PCA. min_theme_size: None scales with the corpus.
    n_representative_docs: documents kept per theme. guided: nudge themes towards the pillars'
        seed words (c-TF-IDF seed words). outlier_threshold: cosine needed to reassign an outlier.
    """

    def __init__(self, embedder=None, *, seed: int = 42, min_theme_size: int | None = None,
                 n_representative_docs: int = 5, guided: bool = True,
                 outlier_threshold: float = 0.3, top_n_words: int = 10,
                 representation: str = "keybert+mmr", reduce: str = "auto",
                 umap_cache: str | Path | None = None):
        self.embedder = embedder
        self.seed = seed
        self.min_theme_size = min_theme_size
        self.n_representative_docs = n_representative_docs
        self.guided = guided
        self.outlier_threshold = outlier_threshold
        self.top_n_words = top_n_words
        self.representation = representation
        self.reduce = reduce
        self.umap_cache = umap_cache

    def get_params(self) -> dict[str, Any]:
        return {"seed": self.seed, "min_theme_size": self.min_theme_size,
                "n_representative_docs": self.n_representative_docs, "guided": self.guided,
                "outlier_threshold": self.outlier_threshold, "top_n_words": self.top_n_words,
                "representation": self.representation, "reduce": self.reduce,
                "embedder": getattr(self.embedder, "model_id", None)}

    # -- parts -----------------------------------------------------------------------------

    def _reducer(self, n: int, dim: int = 10_000):
        method = self.reduce
        if method == "auto":
            method = "pca" if n < SMALL_CORPUS else "umap"
        if method == "pca":
            from sklearn.decomposition import PCA

            return PCA(n_components=max(1, min(48, n - 2, dim)), random_state=self.seed), "pca"
        from umap import UMAP

        return UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                    random_state=self.seed, low_memory=n > 50_000, n_jobs=1), "umap"

    def _representation(self, backend_available: bool):
        if self.representation == "ctfidf" or not backend_available:
            return None
        from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance

        parts = []
        if "keybert" in self.representation:
            parts.append(KeyBERTInspired(top_n_words=self.top_n_words,
                                         nr_repr_docs=self.n_representative_docs, random_state=self.seed))
        if "mmr" in self.representation:
            parts.append(MaximalMarginalRelevance(diversity=0.3, top_n_words=self.top_n_words))
        return parts or None

    def _seed_words(self) -> list[str]:
        words: list[str] = []
        for p in _pillar_table():
            words.extend(p.seed_words)
        return sorted(set(words))

    # -- fit -------------------------------------------------------------------------------

    def fit(self, texts: Sequence[str], ids: Sequence[str] | None = None,
            embeddings: np.ndarray | None = None, languages: Sequence[str] | None = None,
            show_progress: bool = False) -> ThemeResult:
        """Fit themes on `texts` (redacted). Returns a ThemeResult; the model keeps it as `result_`."""
        from bertopic import BERTopic
        from bertopic.vectorizers import ClassTfidfTransformer
        from hdbscan import HDBSCAN

        texts = [str(t) for t in texts]
        n = len(texts)
        ids = [str(i) for i in (ids if ids is not None else range(1, n + 1))]
        if len(ids) != n:
            raise ValueError("ids and texts differ in length")
        if n < 20:
            raise InputError(f"{n} documents are too few to find themes",
                             hint="themes need at least 20 documents; widen the period or add data")
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        if embeddings is None:
            if self.embedder is None:
                raise ValueError("fit needs embeddings or an embedder")
            embeddings = self.embedder.encode(texts, show_progress=show_progress)
        embeddings = np.asarray(embeddings, dtype=np.float32)
        timings["embed_s"] = time.perf_counter() - t0

        size = self.min_theme_size or default_min_theme_size(n)
        reducer, reducer_name = self._reducer(n, embeddings.shape[1])
        t1 = time.perf_counter()
        reduced = self._reduce(reducer, reducer_name, embeddings)
        timings["reduce_s"] = time.perf_counter() - t1

        from bertopic.dimensionality import BaseDimensionalityReduction

        if reducer_name == "pca":
            hdb = SmallCorpusClusterer(min_size=size)
        else:
            hdb = HDBSCAN(min_cluster_size=size, min_samples=max(1, min(size, 10) // 2),
                          metric="euclidean", cluster_selection_method="eom", prediction_data=False)
        backend = _Backend(self.embedder).get() if self.embedder is not None else None
        ctfidf = ClassTfidfTransformer(reduce_frequent_words=True,
                                       seed_words=self._seed_words() if self.guided else None,
                                       seed_multiplier=1.5)
        model = BERTopic(embedding_model=backend, umap_model=BaseDimensionalityReduction(),
                         hdbscan_model=hdb, vectorizer_model=_vectorizer(n),
                         ctfidf_model=ctfidf, representation_model=None,
                         top_n_words=self.top_n_words, calculate_probabilities=False,
                         verbose=False)
        t2 = time.perf_counter()
        topics, probs = model.fit_transform(texts, embeddings=reduced)
        topics = np.asarray(topics)
        probs = np.asarray(probs, dtype=float) if probs is not None else np.ones(n)
        outlier_share = float((topics == OUTLIER).mean())
        timings["cluster_s"] = time.perf_counter() - t2

        # documented outlier strategy: nearest centroid on the original embeddings, if close enough
        cents = _centroids(embeddings, topics)
        new_topics, sims = topics.copy(), np.zeros(n)
        if cents and (topics == OUTLIER).any():
            cid = np.array(sorted(cents))
            mat = np.vstack([cents[c] for c in cid])
            out_idx = np.flatnonzero(topics == OUTLIER)
            s = embeddings[out_idx] @ mat.T
            best = s.argmax(axis=1)
            score = s[np.arange(len(out_idx)), best]
            take = score >= self.outlier_threshold
            new_topics[out_idx[take]] = cid[best[take]]
            sims[out_idx] = score
            probs = probs.copy()
            probs[out_idx] = np.where(take, np.clip(score, 0, 1), 0.0)
        t3 = time.perf_counter()
        rep_model = self._representation(backend is not None)
        if (new_topics != topics).any() or rep_model is not None:
            # BERTopic warns about custom assignments on every update: expected here, not for users
            logging.getLogger("BERTopic").setLevel(logging.ERROR)
            model.update_topics(texts, topics=new_topics.tolist(), top_n_words=self.top_n_words,
                                vectorizer_model=_vectorizer(n), ctfidf_model=ctfidf,
                                representation_model=rep_model)
        timings["represent_s"] = time.perf_counter() - t3
        topics = new_topics
        cents = _centroids(embeddings, topics)

        # renumber by size (largest first), deterministic tie-break on first member
        order = sorted(cents, key=lambda c: (-(topics == c).sum(), int(np.flatnonzero(topics == c)[0])))
        renum = {old: new for new, old in enumerate(order)}
        final = np.array([renum.get(int(t), OUTLIER) for t in topics])

        rows = []
        pillar_scores = _pillar_scores(self.embedder, texts, final, cents, renum)
        for old in order:
            new = renum[old]
            members = np.flatnonzero(final == new)
            words = [w for w, _ in (model.get_topic(old) or []) if w][: self.top_n_words]
            cent = cents[old]
            rep = members[np.argsort(-(embeddings[members] @ cent), kind="stable")][: self.n_representative_docs]
            pillar, conf = pillar_scores.get(new, (None, 0.0))
            rows.append({"theme_id": new, "label": make_label(words), "size": int(len(members)),
                         "keywords": "; ".join(words), "pillar": pillar,
                         "pillar_name": pillar_label(pillar), "pillar_confidence": round(conf, 3),
                         "representative_ids": [ids[i] for i in rep]})
        themes = pd.DataFrame(rows, columns=["theme_id", "label", "size", "keywords", "pillar",
                                             "pillar_name", "pillar_confidence", "representative_ids"])
        themes["pillar"] = themes["pillar"].astype("Int64")
        assignments = pd.DataFrame({"doc_id": ids, "theme_id": final,
                                    "probability": np.round(np.clip(probs, 0, 1), 4)})
        centroids = {renum[c]: v for c, v in cents.items()}
        params = self.get_params() | {"min_theme_size_used": size, "reducer": reducer_name,
                                      "n_docs": n}
        timings["total_s"] = time.perf_counter() - t0
        self.result_ = ThemeResult(themes=themes, assignments=assignments, embeddings=embeddings,
                                   centroids=centroids, outlier_share=outlier_share,
                                   outlier_share_final=float((final == OUTLIER).mean()),
                                   params=params, timings=timings,
                                   embedder_id=getattr(self.embedder, "model_id", ""))
        self.bertopic_ = model
        log.info("themes: %d themes on %d documents; outliers %.1f%% before, %.1f%% after reassignment",
                 len(themes), n, 100 * outlier_share, 100 * self.result_.outlier_share_final)
        return self.result_

    def _reduce(self, reducer, name: str, embeddings: np.ndarray) -> np.ndarray:
        """Reduce dimensions; UMAP output is cached by (input hash, params) when a cache is set."""
        if name != "umap" or self.umap_cache is None:
            return np.asarray(reducer.fit_transform(embeddings), dtype=np.float32)
        key = hashlib.sha256(embeddings.tobytes() + json.dumps(reducer.get_params(), sort_keys=True,
                                                                  default=str).encode()).hexdigest()[:32]
        path = Path(self.umap_cache) / "umap" / f"{key}.npy"
        if path.is_file():
            try:
                return np.load(path)
            except (OSError, ValueError):
                log.warning("reduced-embedding cache %s unreadable; recomputing", path.name)
        out = np.asarray(reducer.fit_transform(embeddings), dtype=np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, out)
        tmp.replace(path)
        return out


class SmallCorpusClusterer:
    """Clustering for small corpora (under SMALL_CORPUS texts), where UMAP + HDBSCAN finds few themes.

    Ward agglomerative clustering on the PCA-reduced embeddings, the number of clusters chosen
    by the best cosine silhouette between 2 and n / min_size; clusters smaller than `min_size`
    become outliers. Deterministic (no random state involved).
    """

    def __init__(self, min_size: int = 5):
        self.min_size = min_size

    def fit(self, X: np.ndarray, y=None) -> "SmallCorpusClusterer":
        from scipy.cluster.hierarchy import fcluster, linkage
        from sklearn.metrics import silhouette_score

        n = len(X)
        Xn = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
        tree = linkage(Xn.astype(np.float64), method="ward")
        best_k, best_s, best_labels = 1, -1.0, np.zeros(n, dtype=int)
        for k in range(2, max(3, min(40, n // max(self.min_size, 2))) + 1):
            labels = fcluster(tree, k, criterion="maxclust") - 1
            if len(set(labels)) < 2:
                continue
            s = silhouette_score(Xn, labels, metric="cosine")
            if s > best_s + 1e-9:
                best_k, best_s, best_labels = k, s, labels
        sizes = np.bincount(best_labels)
        keep = {c for c, m in enumerate(sizes) if m >= self.min_size}
        order = {c: i for i, c in enumerate(sorted(keep))}
        self.labels_ = np.array([order.get(int(c), OUTLIER) for c in best_labels])
        self.n_clusters_ = best_k
        return self

    def fit_predict(self, X: np.ndarray, y=None) -> np.ndarray:
        return self.fit(X).labels_


def fit_themes(texts: Sequence[str], ids: Sequence[str] | None = None, *, embedder=None,
               embeddings: np.ndarray | None = None, languages: Sequence[str] | None = None,
               seed: int = 42, min_theme_size: int | None = None, n_representative_docs: int = 5,
               guided: bool = True, cache_dir: str | Path | None = None,
               show_progress: bool = False, **kwargs: Any) -> ThemeResult:
    """Fit themes on redacted texts; see ThemeModel for the parameters."""
    model = ThemeModel(embedder, seed=seed, min_theme_size=min_theme_size,
                       n_representative_docs=n_representative_docs, guided=guided,
                       umap_cache=cache_dir, **kwargs)
    return model.fit(texts, ids, embeddings=embeddings, languages=languages,
                     show_progress=show_progress)


# --------------------------------------------------------------------------------------------
# helpers


def _centroids(embeddings: np.ndarray, topics: np.ndarray) -> dict[int, np.ndarray]:
    out = {}
    for t in sorted(set(int(x) for x in topics) - {OUTLIER}):
        v = embeddings[topics == t].mean(axis=0)
        out[t] = (v / (np.linalg.norm(v) or 1.0)).astype(np.float32)
    return out


def make_label(words: Sequence[str], n: int = 3) -> str:
    """A readable label from keywords: up to n distinct words, no word repeated inside a phrase."""
    picked: list[str] = []
    seen: set[str] = set()
    for w in words:
        parts = w.split()
        if any(p in seen for p in parts):
            continue
        picked.append(w)
        seen.update(parts)
        if len(picked) == n:
            break
    if not picked:
        return "(no clear label)"
    label = ", ".join(picked)
    return label[0].upper() + label[1:]


def pillar_label(pillar: int | None) -> str:
    from kmsynth.ingest.schemas import pillar_name

    return "" if pillar is None else pillar_name(int(pillar))


_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _pillar_scores(embedder, texts: Sequence[str], final: np.ndarray, cents: dict[int, np.ndarray],
                   renum: dict[int, int]) -> dict[int, tuple[int | None, float]]:
    """theme -> (most likely pillar id, confidence in [0, 1]).

    Combines two signals, half each: the share of the theme's seed-word hits that belong to
    each pillar (language-independent: seed words exist in en/es/fr/pt), and a softmax over the
    cosine between the theme centroid and each pillar's description embedding.
    """
    table = _pillar_table()
    pids = [p.id for p in table]
    seed_sets = [set(p.seed_words) for p in table]
    sem = None
    if embedder is not None:
        try:
            desc = [f"{p.name}: " + ", ".join(p.seed_words[:20]) for p in table]
            pe = embedder.encode(desc)
            sem = pe
        except Exception:  # pragma: no cover - an embedder that cannot embed labels
            log.debug("pillar descriptions could not be embedded", exc_info=True)
    out: dict[int, tuple[int | None, float]] = {}
    for old, new in renum.items():
        members = np.flatnonzero(final == new)
        counts = np.zeros(len(table))
        for i in members:
            toks = _WORD.findall(texts[i].lower())
            for j, s in enumerate(seed_sets):
                counts[j] += sum(1 for tok in toks if tok in s)
        lex = counts / counts.sum() if counts.sum() else np.full(len(table), 1 / len(table))
        if sem is not None:
            cos = sem @ cents[old]
            z = np.exp((cos - cos.max()) / 0.05)
            soft = z / z.sum()
            score = 0.5 * lex + 0.5 * soft
        else:
            score = lex
        best = int(np.argmax(score))
        out[new] = (pids[best], float(score[best])) if counts.sum() or sem is not None else (None, 0.0)
    return out


# --------------------------------------------------------------------------------------------
# stable ids across runs


def match_themes(previous: ThemeResult | dict[int, np.ndarray], current: ThemeResult,
                 threshold: float = 0.7) -> dict[int, int]:
    """Map each current theme id to a stable id: the previous run's id when the centroids match.

    Matching is one-to-one (Hungarian assignment on cosine similarity); a pair below
    `threshold` does not match, and an unmatched current theme gets a fresh id above all the
    previous ones.
    """
    from scipy.optimize import linear_sum_assignment

    prev = previous.centroids if isinstance(previous, ThemeResult) else previous
    cur = current.centroids
    cur_ids, prev_ids = sorted(cur), sorted(prev)
    mapping: dict[int, int] = {}
    if cur_ids and prev_ids:
        sim = np.vstack([cur[c] for c in cur_ids]) @ np.vstack([prev[p] for p in prev_ids]).T
        rows, cols = linear_sum_assignment(-sim)
        for r, c in zip(rows, cols):
            if sim[r, c] >= threshold:
                mapping[cur_ids[r]] = prev_ids[c]
    nxt = (max(prev_ids) + 1) if prev_ids else 0
    for c in cur_ids:
        if c not in mapping:
            mapping[c] = nxt
            nxt += 1
    return mapping


def apply_stable_ids(result: ThemeResult, mapping: dict[int, int]) -> ThemeResult:
    """Return a copy of `result` with theme ids replaced by stable ids (outliers stay -1)."""
    themes = result.themes.copy()
    themes["theme_id"] = themes["theme_id"].map(mapping)
    assignments = result.assignments.copy()
    assignments["theme_id"] = assignments["theme_id"].map(lambda t: mapping.get(int(t), OUTLIER))
    cents = {mapping[k]: v for k, v in result.centroids.items()}
    return ThemeResult(themes=themes, assignments=assignments, embeddings=result.embeddings,
                       centroids=cents, outlier_share=result.outlier_share,
                       outlier_share_final=result.outlier_share_final, params=result.params,
                       timings=result.timings, embedder_id=result.embedder_id)


def theme_changes(previous: ThemeResult | None, current: ThemeResult, *, prev_total: int | None = None,
                  cur_total: int | None = None, change: float = 0.25) -> pd.DataFrame:
    """Status of every theme against the previous run (ids must already be stable).

    A theme is new (no previous match), gone (no current match), growing or shrinking when its
    share of documents changed by more than `change` (relative), otherwise steady.
    """
    cur = current.themes.set_index("theme_id")
    cur_total = cur_total or int(current.assignments.shape[0]) or 1
    rows = []
    if previous is None:
        for tid, r in cur.iterrows():
            rows.append({"theme_id": tid, "label": r["label"], "size": int(r["size"]),
                         "previous_size": np.nan, "status": "new"})
        return pd.DataFrame(rows)
    prev = previous.themes.set_index("theme_id")
    prev_total = prev_total or int(previous.assignments.shape[0]) or 1
    for tid, r in cur.iterrows():
        if tid not in prev.index:
            status, psize = "new", np.nan
        else:
            psize = int(prev.loc[tid, "size"])
            a, b = psize / prev_total, int(r["size"]) / cur_total
            status = "growing" if b > a * (1 + change) else "shrinking" if b < a * (1 - change) else "steady"
        rows.append({"theme_id": tid, "label": r["label"], "size": int(r["size"]),
                     "previous_size": psize, "status": status})
    for tid, r in prev.iterrows():
        if tid not in cur.index:
            rows.append({"theme_id": tid, "label": r["label"], "size": 0,
                         "previous_size": int(r["size"]), "status": "gone"})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# breakdowns (always through small-cell suppression)


def themes_over_time(assignments: pd.DataFrame, dates: pd.Series, *, k: int,
                     freq: str = "M") -> pd.DataFrame:
    """Documents per theme per period (rows: period 'YYYY-MM', columns: theme_id), suppressed."""
    from kmsynth.protect.privacy import suppress_small_cells

    d = pd.to_datetime(dates.values, utc=True)
    period = pd.Series(d.tz_convert(None).to_period(freq).astype(str), index=assignments.index)
    table = pd.crosstab(period, assignments["theme_id"])
    table = table.drop(columns=[OUTLIER], errors="ignore")
    return suppress_small_cells(table, k)


def themes_by_group(assignments: pd.DataFrame, groups: pd.Series, *, k: int) -> pd.DataFrame:
    """Documents per theme (rows) per group value (columns: region, country, source...), suppressed."""
    from kmsynth.protect.privacy import suppress_small_cells

    g = pd.Series(groups.values, index=assignments.index).fillna("(not stated)").replace("", "(not stated)")
    table = pd.crosstab(assignments["theme_id"], g)
    table = table.drop(index=[OUTLIER], errors="ignore")
    return suppress_small_cells(table, k)


def language_coverage(result: ThemeResult, languages: Sequence[str], *, k: int,
                      before: np.ndarray | None = None) -> pd.DataFrame:
    """Per language: documents, share left as outliers, and how many themes it appears in.

    So a smaller language community is not silently dropped: a language whose outlier share is
    much higher than the corpus's is flagged. Languages with fewer than k documents are pooled
    into "other" so no small group is shown.
    """
    a = result.assignments
    lang = pd.Series(list(languages), index=a.index).fillna("und")
    counts = lang.value_counts()
    small = counts[counts < k].index
    lang = lang.where(~lang.isin(small), "other")
    overall = float((a["theme_id"] == OUTLIER).mean())
    rows = []
    for code, idx in lang.groupby(lang).groups.items():
        sub = a.loc[idx]
        share = float((sub["theme_id"] == OUTLIER).mean())
        n = int(len(sub))
        rows.append({"language": code, "documents": n if n >= k else np.nan,
                     "outlier_share": round(share, 3),
                     "themes": int(sub.loc[sub["theme_id"] != OUTLIER, "theme_id"].nunique()),
                     "flag": "outliers above twice the corpus share" if n >= k and share > max(0.1, 2 * overall) else ""})
    return pd.DataFrame(rows).sort_values("documents", ascending=False, na_position="last").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# outputs of `kmsynth themes`


def assignments_for_ledger(result: ThemeResult, ledger_frame: pd.DataFrame) -> pd.DataFrame:
    """One row per input row (DESIGN.md contract): kept rows carry their theme, merged duplicates
    their twin's theme, excluded rows theme -1 with probability 0 and the reason in `note`."""
    by_id = result.assignments.set_index("doc_id")
    rows = []
    for r in ledger_frame.itertuples(index=False):
        rid = str(r.record_id)
        target = str(r.merged_into) if r.status == "merged" and r.merged_into else rid
        if r.status in ("kept", "merged") and target in by_id.index:
            hit = by_id.loc[target]
            if isinstance(hit, pd.DataFrame):
                hit = hit.iloc[0]
            rows.append((rid, int(hit["theme_id"]), float(hit["probability"]),
                         "" if r.status == "kept" else f"duplicate of {target}"))
        else:
            rows.append((rid, OUTLIER, 0.0, f"{r.status}: {r.reason}" if r.reason else str(r.status)))
    return pd.DataFrame(rows, columns=["doc_id", "theme_id", "probability", "note"])


def write_theme_outputs(result: ThemeResult, out: str | Path, *, summaries: dict[int, str],
                        ledger_frame: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write DIR/themes.csv and DIR/assignments.csv in the DESIGN.md columns (plus extras after)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t = result.themes.copy()
    t["summary"] = t["theme_id"].map(lambda i: summaries.get(int(i), ""))
    cols = ["theme_id", "label", "size", "keywords", "summary", "pillar", "pillar_name",
            "pillar_confidence"]
    t[cols].to_csv(out / "themes.csv", index=False)
    a = (assignments_for_ledger(result, ledger_frame) if ledger_frame is not None
         else result.assignments.assign(note=""))
    a.to_csv(out / "assignments.csv", index=False)
    os.chmod(out / "assignments.csv", 0o600)
    return {"themes": out / "themes.csv", "assignments": out / "assignments.csv"}




def simple_summaries(result: ThemeResult, texts_by_id: pd.Series, embedder=None,
                     max_chars: int = 280) -> dict[int, str]:
    """theme -> one sentence from its three most representative documents.

    With an embedder, the sentence nearest to the theme centroid; without, the first one. The
    sentence is verbatim (redacted) text of a document, never invented. Used for themes.csv.
    """
    out: dict[int, str] = {}
    for r in result.themes.itertuples(index=False):
        cands = []
        for did in r.representative_ids[:3]:
            text = str(texts_by_id.get(did, ""))
            cands.extend(s for s in sentence_texts(text) if 20 <= len(s) <= max_chars)
        if not cands:
            out[int(r.theme_id)] = ""
            continue
        best = 0
        cent = result.centroids.get(int(r.theme_id))
        if embedder is not None and cent is not None and len(cands) > 1:
            best = int(np.argmax(embedder.encode(cands) @ cent))
        out[int(r.theme_id)] = cands[best]
    return out


def classify_pillars(texts: Sequence[str], embeddings: np.ndarray | None = None,
                     embedder=None) -> pd.DataFrame:
    """Most likely pillar of each text: (pillar id, pillar name, confidence).

    Half the score is the share of the text's seed-word hits per pillar (seed words in
    en/es/fr/pt from the framework file), half a softmax of the cosine between the text's
    embedding and each pillar's description, when embeddings and an embedder are given.
    """
    table = _pillar_table()
    seed_sets = [set(p.seed_words) for p in table]
    n = len(texts)
    lex = np.zeros((n, len(table)))
    for i, t in enumerate(texts):
        toks = _WORD.findall(str(t).lower())
        for j, s in enumerate(seed_sets):
            lex[i, j] = sum(1 for tok in toks if tok in s)
    sums = lex.sum(axis=1, keepdims=True)
    lex = np.where(sums > 0, lex / np.maximum(sums, 1), 1 / len(table))
    score = lex
    if embeddings is not None and embedder is not None and n:
        desc = [f"{p.name}: " + ", ".join(p.seed_words[:20]) for p in table]
        cos = embeddings @ embedder.encode(desc).T
        z = np.exp((cos - cos.max(axis=1, keepdims=True)) / 0.05)
        score = 0.5 * lex + 0.5 * z / z.sum(axis=1, keepdims=True)
    best = score.argmax(axis=1) if n else np.zeros(0, int)
    return pd.DataFrame({"pillar": [table[b].id for b in best],
                         "pillar_name": [table[b].name for b in best],
                         "pillar_confidence": np.round(score[np.arange(n), best], 3) if n else []})
