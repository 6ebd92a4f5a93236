"""Evaluation linking: findings to the lessons-learned inventory, with evidence, gaps and a map.

Retrieval is hybrid: BM25 over stemmed words (a law's name or a country still counts) and
cosine similarity of embeddings (a mechanism said in other words is still found), fused by
reciprocal rank. Same country or region and same pillar add a small boost that reorders but
never filters. Each candidate pair gets a calibrated score (a logistic model of the cosine and
the normalised BM25, fitted on a labelled set) and pairs at or above the threshold are links,
each with its evidence: the key words both sides share and the best-matching sentence of each.

Reviewers mark `decision` accept / reject in links.csv and pass it back with `--reviewed`:
accepted pairs stay, rejected pairs never return.
"""
from __future__ import annotations

import json
import logging
import math
import re
from functools import lru_cache
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .errors import InputError

log = logging.getLogger(__name__)
_TOKEN = re.compile(r"[^\W\d_]{2,}|\d{4}", re.UNICODE)
_SENT = re.compile(r"(?<=[.!?])\s+(?=[\"“«¿¡(]?[A-ZÀ-ÖØ-Þ0-9])")
_LANGS = {"en": "english", "es": "spanish", "fr": "french", "pt": "portuguese"}
# cue words for a finding that runs against a lesson (a cue, not a verdict)
_CONTRA = re.compile(r"\b(no evidence|did not|does not|do not|not associated|no effect|no significant|"
                     r"failed to|fails to|unlike|contrary|despite|however|no difference|not improve|"
                     r"no se|ne pas|n'a pas|não)\b", re.I)
DECISIONS = {"accept", "reject", ""}


@lru_cache(maxsize=8)
def _stemmer(lang: str):
    import snowballstemmer

    return snowballstemmer.stemmer(_LANGS.get(lang, "english"))


@lru_cache(maxsize=100_000)
def _tokens_cached(text: str, lang: str) -> tuple[str, ...]:
    from .themes import stop_words

    sw = stop_words()
    words = [w for w in _TOKEN.findall(text.lower()) if w not in sw]
    return tuple(_stemmer(lang).stemWords(words))


def tokens(text: str, lang: str = "en") -> list[str]:
    """Lower-case stems without stop words (numbers of four digits kept: years, law numbers)."""
    return list(_tokens_cached(str(text), str(lang)))


def sentences(text: str) -> list[str]:
    parts = [s.strip() for s in _SENT.split(str(text)) if s.strip()]
    return parts or [str(text).strip()]


def _calibration(model_id: str) -> dict[str, float]:
    raw = json.loads(resources.files("kmsynth.resources").joinpath("link_calibration.json").read_text("utf-8"))
    for key, coef in raw.items():
        if key.startswith("_"):
            continue
        if model_id.startswith(key):
            return coef
    return raw["default"]


@dataclass
class LinkResult:
    """links: finding_id, lesson_id, rank, score, evidence, relation, finding_sentence,
    lesson_sentence, decision. gaps: kind (finding_without_lesson | lesson_without_finding), id,
    pillar, note. evidence_map: pillar x lesson type, counting linked findings."""

    links: pd.DataFrame
    gaps: pd.DataFrame
    evidence_map: pd.DataFrame
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)


class SparseBM25:
    """Okapi BM25 (k1=1.5, b=0.75, Lucene's idf) as one sparse matrix product: all queries at once.

    rank_bm25 scores one query at a time in Python loops; this gives the same ranking in a
    fraction of the time for thousands of findings.
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75):
        self.k1, self.b = k1, b

    def fit(self, docs: list[list[str]]) -> "SparseBM25":
        from sklearn.feature_extraction.text import CountVectorizer

        self.cv_ = CountVectorizer(analyzer=lambda x: x, lowercase=False)
        tf = self.cv_.fit_transform(docs).tocsr().astype(np.float64)
        n = tf.shape[0]
        dl = np.asarray(tf.sum(axis=1)).ravel()
        avg = dl.mean() if n else 1.0
        df = np.bincount(tf.indices, minlength=tf.shape[1])
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        rows = np.repeat(np.arange(n), np.diff(tf.indptr))
        denom = tf.data + self.k1 * (1 - self.b + self.b * dl[rows] / avg)
        tf.data = idf[tf.indices] * tf.data * (self.k1 + 1) / denom
        self.w_ = tf.T.tocsr()  # terms x docs
        return self

    def scores(self, queries: list[list[str]]) -> np.ndarray:
        """(n_queries, n_docs) BM25 scores."""
        q = self.cv_.transform(queries)
        return np.asarray((q @ self.w_).todense())


class Linker:
    """Link findings to lessons. Parameters are stored as given; `fit` learns the inventory.

    top_k: candidates kept per finding. rrf_k: reciprocal-rank constant. country_boost,
    pillar_boost: added to the fused score for the same country/region or pillar.
    threshold: calibrated score a pair needs to be a link (None: the calibration's).
    """

    def __init__(self, embedder=None, *, top_k: int = 5, rrf_k: int = 60, country_boost: float = 0.002,
                 pillar_boost: float = 0.002, threshold: float | None = None, mode: str = "hybrid"):
        self.embedder = embedder
        self.top_k = top_k
        self.rrf_k = rrf_k
        self.country_boost = country_boost
        self.pillar_boost = pillar_boost
        self.threshold = threshold
        self.mode = mode

    def fit(self, lessons: pd.DataFrame) -> "Linker":
        if lessons is None or len(lessons) == 0:
            raise InputError("the lessons inventory is empty", hint="check the file and its column mapping")
        if "text" not in lessons.columns or "lesson_id" not in lessons.columns:
            raise InputError("the lessons table needs lesson_id and text columns")
        self.lessons_ = lessons.reset_index(drop=True)
        lang = self.lessons_.get("language", pd.Series(["en"] * len(self.lessons_)))
        docs = [tokens(t, l) or ["_"] for t, l in zip(self.lessons_["text"], lang)]
        self.bm25_ = SparseBM25().fit(docs)
        self.lesson_tokens_ = docs
        if self.embedder is not None and self.mode != "lexical":
            self.lesson_vecs_ = self.embedder.encode(self.lessons_["text"].tolist())
        return self

    def _scores(self, findings: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        lang = findings.get("language", pd.Series(["en"] * len(findings), index=findings.index))
        bm = self.bm25_.scores([tokens(t, l) for t, l in zip(findings["text"], lang)])
        if self.embedder is not None and self.mode != "lexical":
            cos = self.embedder.encode(findings["text"].tolist()) @ self.lesson_vecs_.T
        else:
            cos = np.zeros_like(bm)
        return bm, cos

    def rank(self, findings: pd.DataFrame) -> pd.DataFrame:
        """All top-k candidates per finding with features, fused rank and calibrated score."""
        if not hasattr(self, "lessons_"):
            raise RuntimeError("call fit(lessons) first")
        f = findings.reset_index(drop=True)
        bm, cos = self._scores(f)
        n_l = bm.shape[1]
        rr_b = np.argsort(np.argsort(-bm, axis=1, kind="stable"), axis=1, kind="stable") + 1
        rr_c = np.argsort(np.argsort(-cos, axis=1, kind="stable"), axis=1, kind="stable") + 1
        if self.mode == "lexical":
            fused = 1.0 / (self.rrf_k + rr_b)
        elif self.mode == "semantic":
            fused = 1.0 / (self.rrf_k + rr_c)
        else:
            fused = 1.0 / (self.rrf_k + rr_b) + 1.0 / (self.rrf_k + rr_c)
        L = self.lessons_
        for col, boost in (("country", self.country_boost), ("region", self.country_boost / 2),
                           ("pillar", self.pillar_boost)):
            if col in f.columns and col in L.columns and boost:
                fv = f[col].astype(str).str.lower().to_numpy()[:, None]
                lv = L[col].astype(str).str.lower().to_numpy()[None, :]
                fused = fused + boost * ((fv == lv) & (fv != "") & (fv != "nan") & (fv != "<na>"))
        bm_norm = bm / np.maximum(bm.max(axis=1, keepdims=True), 1e-9)
        cal = _calibration(getattr(self.embedder, "model_id", "none") if self.mode != "lexical" else "lexical")
        z = cal["a_cos"] * cos + cal["b_bm25"] * bm_norm + cal["c"]
        score = 1 / (1 + np.exp(-z))
        k = min(self.top_k, n_l)
        top = np.argsort(-fused, axis=1, kind="stable")[:, :k]
        rows = []
        for i in range(len(f)):
            for r, j in enumerate(top[i], start=1):
                rows.append((f["finding_id"].iat[i], L["lesson_id"].iat[j], r, float(score[i, j]),
                             float(cos[i, j]), float(bm_norm[i, j]), float(fused[i, j]), i, j))
        self.threshold_ = self.threshold if self.threshold is not None else cal["threshold"]
        return pd.DataFrame(rows, columns=["finding_id", "lesson_id", "rank", "score", "cosine", "bm25",
                                           "fused", "_fi", "_lj"])

    def _sentence_vectors(self, texts: list[str]) -> dict[str, tuple[list[str], np.ndarray | None]]:
        """Sentences of each distinct text and their embeddings, computed in one batch."""
        uniq = list(dict.fromkeys(texts))
        split = {t: sentences(t) for t in uniq}
        if self.embedder is None or self.mode == "lexical":
            return {t: (ss, None) for t, ss in split.items()}
        flat = [s for t in uniq for s in split[t]]
        vecs = self.embedder.encode(flat) if flat else np.zeros((0, 1), np.float32)
        out, i = {}, 0
        for t in uniq:
            n = len(split[t])
            out[t] = (split[t], vecs[i:i + n])
            i += n
        return out

    def evidence(self, finding: str, lesson: str, f_lang: str = "en", l_lang: str = "en",
                 vectors: dict | None = None) -> tuple[str, str, str]:
        """(shared key words, best finding sentence, best lesson sentence)."""
        ft = dict(zip(tokens(finding, f_lang), _TOKEN.findall(str(finding).lower())))
        lt = set(tokens(lesson, l_lang))
        shared = []
        for stem, word in ft.items():
            if stem in lt and word not in shared:
                shared.append(word)
        fs, ls = sentences(finding), sentences(lesson)
        if vectors is not None and vectors.get(finding, (None, None))[1] is not None:
            fs, fv = vectors[finding]
            ls, lv = vectors[lesson]
            sim = fv @ lv.T
        elif self.embedder is not None and self.mode != "lexical" and (len(fs) > 1 or len(ls) > 1):
            sim = self.embedder.encode(fs) @ self.embedder.encode(ls).T
        else:
            sim = np.array([[len(set(tokens(a, f_lang)) & set(tokens(b, l_lang))) for b in ls] for a in fs], float)
        i, j = np.unravel_index(int(np.argmax(sim)), sim.shape)
        return "; ".join(shared[:8]), fs[i], ls[j]

    def link(self, findings: pd.DataFrame, reviewed: pd.DataFrame | None = None) -> LinkResult:
        """Links above the threshold (plus reviewer-accepted pairs, minus rejected ones), gaps, map."""
        if findings is None or len(findings) == 0:
            raise InputError("the findings table is empty", hint="check the file and its column mapping")
        f = findings.reset_index(drop=True)
        cand = self.rank(f)
        decisions: dict[tuple[str, str], str] = {}
        if reviewed is not None and len(reviewed):
            decisions = {(str(a), str(b)): str(d) for a, b, d in
                         zip(reviewed["finding_id"], reviewed["lesson_id"], reviewed["decision"]) if str(d)}
        cand["decision"] = [decisions.get((str(a), str(b)), "") for a, b in zip(cand["finding_id"], cand["lesson_id"])]
        keep = (cand["score"] >= self.threshold_) & (cand["decision"] != "reject")
        keep |= cand["decision"] == "accept"
        links = cand[keep].copy()
        # accepted pairs that fell out of the top k still stay
        have = set(zip(links["finding_id"].astype(str), links["lesson_id"].astype(str)))
        extra = [(fid, lid) for (fid, lid), d in decisions.items() if d == "accept" and (fid, lid) not in have]
        if extra:
            fi = {str(v): i for i, v in enumerate(f["finding_id"])}
            lj = {str(v): j for j, v in enumerate(self.lessons_["lesson_id"])}
            rows = [(fid, lid, 0, float("nan"), float("nan"), float("nan"), 0.0, fi[fid], lj[lid], "accept")
                    for fid, lid in extra if fid in fi and lid in lj]
            links = pd.concat([links, pd.DataFrame(rows, columns=links.columns)], ignore_index=True)
        f_lang = f.get("language", pd.Series(["en"] * len(f)))
        l_lang = self.lessons_.get("language", pd.Series(["en"] * len(self.lessons_)))
        vectors = self._sentence_vectors([f["text"].iat[i] for i in links["_fi"]]
                                         + [self.lessons_["text"].iat[j] for j in links["_lj"]])
        ev = [self.evidence(f["text"].iat[i], self.lessons_["text"].iat[j], str(f_lang.iat[i]), str(l_lang.iat[j]),
                            vectors=vectors)
              for i, j in zip(links["_fi"], links["_lj"])]
        links["evidence"] = [e[0] for e in ev]
        links["finding_sentence"] = [e[1] for e in ev]
        links["lesson_sentence"] = [e[2] for e in ev]
        links["relation"] = ["contradicts?" if _CONTRA.search(str(f["text"].iat[i])) else "supports"
                             for i in links["_fi"]]
        links = links.sort_values(["finding_id", "rank"], kind="stable").reset_index(drop=True)
        gaps = self._gaps(f, links)
        emap = evidence_map(links, self.lessons_)
        cols = ["finding_id", "lesson_id", "rank", "score", "evidence", "relation", "finding_sentence",
                "lesson_sentence", "decision", "cosine", "bm25"]
        links["score"] = links["score"].round(4)
        return LinkResult(links[cols], gaps, emap, cand)

    def _gaps(self, f: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
        linked_f = set(links["finding_id"].astype(str))
        linked_l = set(links["lesson_id"].astype(str))
        rows = []
        for r in f.itertuples(index=False):
            if str(r.finding_id) not in linked_f:
                rows.append({"kind": "finding_without_lesson", "id": r.finding_id,
                             "pillar": getattr(r, "pillar", ""), "note": "candidate for a new lesson"})
        for r in self.lessons_.itertuples(index=False):
            if str(r.lesson_id) not in linked_l:
                rows.append({"kind": "lesson_without_finding", "id": r.lesson_id,
                             "pillar": getattr(r, "pillar", ""), "note": "no evaluation evidence yet"})
        return pd.DataFrame(rows, columns=["kind", "id", "pillar", "note"])


def evidence_map(links: pd.DataFrame, lessons: pd.DataFrame) -> pd.DataFrame:
    """Pillars (rows) by lesson type (columns): how many distinct findings support lessons there."""
    from .schemas import pillar_name

    L = lessons.set_index("lesson_id")
    pillars = [pillar_name(int(p)) if str(p).strip() not in ("", "nan", "<NA>", "None") else "(no pillar)"
               for p in L.get("pillar", pd.Series("", index=L.index))]
    lt = L.get("type", pd.Series("", index=L.index)).fillna("").replace("", "(no type)")
    meta = pd.DataFrame({"pillar": pillars, "type": lt.to_numpy()}, index=L.index)
    ok = links[links["decision"] != "reject"]
    joined = ok.join(meta, on="lesson_id")
    table = joined.groupby(["pillar", "type"])["finding_id"].nunique().unstack(fill_value=0)
    all_p = sorted(set(meta["pillar"]))
    all_t = sorted(set(meta["type"]))
    return table.reindex(index=all_p, columns=all_t, fill_value=0)


def read_reviewed(path: str | Path) -> pd.DataFrame:
    """A links.csv a reviewer edited: decisions must be accept, reject or blank."""
    p = Path(path)
    if not p.is_file():
        raise InputError("the reviewed links file does not exist", file=str(p))
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    for col in ("finding_id", "lesson_id", "decision"):
        if col not in df.columns:
            raise InputError(f"the reviewed file has no {col} column", file=str(p), column=col,
                             hint="pass the links.csv that `kmsynth link` wrote, with decisions filled in")
    df["decision"] = df["decision"].str.strip().str.lower()
    bad = df.index[~df["decision"].isin(DECISIONS)]
    if len(bad):
        i = int(bad[0])
        raise InputError(f"decision {df['decision'].iat[i]!r} is not accept, reject or blank",
                         file=str(p), row=i + 1, column="decision", hint="use accept, reject or leave it empty")
    return df


def link_findings_to_lessons(findings: pd.DataFrame, lessons: pd.DataFrame, *, embedder=None,
                             top_k: int = 5, reviewed: pd.DataFrame | None = None, **kw: Any) -> LinkResult:
    """One call: fit the inventory, link the findings."""
    return Linker(embedder, top_k=top_k, **kw).fit(lessons).link(findings, reviewed=reviewed)


def evidence_heatmap(emap: pd.DataFrame):
    import plotly.graph_objects as go

    fig = go.Figure(go.Heatmap(z=emap.to_numpy(), x=list(emap.columns), y=list(emap.index),
                               colorscale="Purples", text=emap.to_numpy(), texttemplate="%{text}",
                               hovertemplate="%{y} / %{x}: %{z} findings<extra></extra>"))
    fig.update_layout(title="Evidence map: findings linked to lessons, by pillar and lesson type",
                      template="plotly_white", height=380, margin=dict(l=40, r=20, t=50, b=40))
    return fig


def links_section_html(findings_path: str | Path, lessons_path: str | Path, config) -> str:
    """The monthly report's evaluation-links section (escaped HTML)."""
    from . import html as h
    from .embed import embedder_from_config
    from .prepare import prepare

    f = prepare("findings", findings_path, config).table
    l_ = prepare("lessons", lessons_path, config).table
    res = link_findings_to_lessons(f, l_, embedder=embedder_from_config(config))
    n_f, n_l = f["finding_id"].nunique(), l_["lesson_id"].nunique()
    g = res.gaps["kind"].value_counts()
    cards = h.cards_html([("Findings", int(n_f), ""), ("Lessons", int(n_l), ""),
                          ("Links", int(len(res.links)), ""),
                          ("Findings without a lesson", int(g.get("finding_without_lesson", 0)), ""),
                          ("Lessons without evidence", int(g.get("lesson_without_finding", 0)), "")])
    top = res.links.sort_values("score", ascending=False).head(8)[["finding_id", "lesson_id", "score", "evidence", "relation"]]
    return h.section("Evaluation findings and lessons", cards + h.figure_html(evidence_heatmap(res.evidence_map), name="evidence-map")
                     + h.table_html(top, caption="Strongest links (review them in links.csv)"),
                     intro="Findings from programme evaluations linked to the lessons-learned inventory "
                           "(hybrid lexical and semantic retrieval, calibrated score).")
