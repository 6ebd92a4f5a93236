"""Evaluation linking: findings to the lessons-learned inventory, with evidence, gaps and a map.

Retrieval is hybrid: Okapi BM25 over snowball-stemmed words without stop words (language per
row: a law's name, a country or an acronym still counts) and cosine similarity of embeddings
(a mechanism said in other words is still found), fused by reciprocal rank. The same country,
region or pillar adds a small boost to the fused score: it reorders, it never filters.

Each candidate pair gets a calibrated score, P(link), from a logistic model of three features
(cosine, BM25 as a share of the best score the finding could reach, reciprocal-rank fusion),
fitted on the labelled set in `tests/data/` (`calibrate`, coefficients in
`resources/link_calibration.json`, one entry per embedder family). Pairs at or above the
threshold are links, each with its evidence: the key phrases both sides share (stems matched,
shown as the finding words them) and the best-matching sentence of each side.

Gaps are findings with no link (clustered into themes when there are enough of them) and
lessons no finding supports. The evidence map counts linked findings by pillar and lesson type.

Reviewers mark `decision` accept / reject in links.csv and pass it back (`--reviewed`):
accepted pairs always stay, rejected pairs never come back as links and are carried along in
links.csv (decision "reject", no rank) so the next round keeps them too.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from typing import Mapping as TMapping

import numpy as np
import pandas as pd

from kmsynth.errors import InputError, Problem
from kmsynth.text import sentence_texts
from kmsynth.text import stop_words as text_stop_words

log = logging.getLogger(__name__)

# words of two letters or more, and four-digit numbers (years, law numbers)
_WORD = re.compile(r"[^\W\d_]{2,}|\b\d{4}\b", re.UNICODE)
_PUNCT = re.compile(r"[.,;:!?()\[\]\"“”«»]")
# ISO 639-1 -> snowball algorithm (the hub's main languages first; others snowball knows)
_SNOWBALL = {"en": "english", "es": "spanish", "fr": "french", "pt": "portuguese",
             "ar": "arabic", "da": "danish", "nl": "dutch", "fi": "finnish", "de": "german",
             "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
             "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian",
             "nb": "norwegian", "ro": "romanian", "ru": "russian", "sr": "serbian",
             "sv": "swedish", "ta": "tamil", "tr": "turkish"}
# cues that a finding runs against a lesson: negation and contrast (a cue, never a verdict)
_NEGATION = re.compile(
    r"\b(not|no|never|none|nor|without|cannot|can't|didn't|doesn't|don't|isn't|wasn't|weren't|"
    r"failed|fails|fail|unchanged|neither|lack|lacks|lacked|nunca|sin|ningún|ninguna|pas|"
    r"jamais|aucun|aucune|sans|não|nenhum|nenhuma|sem)\b", re.I)
_CONTRAST = re.compile(r"\b(but|however|although|yet|despite|whereas|unlike|contrary|pero|sin embargo|"
                       r"aunque|mais|cependant|pourtant|mas|porém|contudo|embora)\b", re.I)
_NO_CHANGE = re.compile(r"\b(no|not|never)\b[^.;:]{0,40}\b(change|changed|differen\w*|effect\w*|"
                        r"increase\w*|decrease\w*|improve\w*|rise|rose|fall|fell|reduc\w*|associat\w*|"
                        r"impact\w*)\b|\b(stayed|remained|was|were|is|are) (the same|flat|unchanged|similar)\b", re.I)
DECISIONS = ("accept", "reject")
FEATURES = ("cosine", "bm25", "rrf")
LINK_COLUMNS = ["finding_id", "lesson_id", "rank", "score", "evidence", "relation",
                "finding_sentence", "lesson_sentence", "decision", "cosine", "bm25", "rrf"]
GAP_COLUMNS = ["kind", "id", "pillar", "country", "theme_id", "theme", "best_lesson_id",
               "best_score", "note"]


# --------------------------------------------------------------------------------------------
# words and sentences


@lru_cache(maxsize=None)
def _stemmer(lang: str):
    import snowballstemmer

    return snowballstemmer.stemmer(_SNOWBALL.get(lang, "english"))


def _stop_words(lang: str) -> frozenset[str]:
    """English and placeholders, plus the row's language (all listed ones when unknown).
    Unlike theme labels, country names are kept: they count here."""
    return text_stop_words(lang)


_STEMS: dict[str, dict[str, str]] = {}


def _norm_lang(lang: Any) -> str:
    text = str(lang or "").strip().lower()
    return text if text and text not in ("nan", "<na>", "none") else "und"


def analyse(text: str, lang: str = "en") -> list[tuple[str, str, int, int]]:
    """(surface word, stem, start, end) for each content word of `text`, in order (stop words
    dropped; start/end are character offsets in `text`)."""
    lang = _norm_lang(lang)
    sw = _stop_words(lang)
    cache = _STEMS.setdefault(lang, {})
    stem = _stemmer(lang).stemWord
    out = []
    for m in _WORD.finditer(str(text)):
        w = m.group()
        low = w.lower()
        if low in sw:
            continue
        s = cache.get(low)
        if s is None:
            s = cache[low] = stem(low)
        out.append((w, s, m.start(), m.end()))
    return out


def tokens(text: str, lang: str = "en") -> list[str]:
    """Lower-case stems without stop words (four-digit numbers kept: years, law numbers)."""
    return [a[1] for a in analyse(text, lang)]


def sentences(text: str) -> list[str]:
    """The sentences of a text (`kmsynth.text.sentence_texts`)."""
    return sentence_texts(text)


# --------------------------------------------------------------------------------------------
# BM25


class SparseBM25:
    """Okapi BM25 (k1=1.5, b=0.75, Lucene's non-negative idf) as one sparse matrix product.

    Same formula as rank_bm25's BM25Okapi with idf = ln(1 + (N - df + 0.5) / (df + 0.5)), which
    never goes negative for words in more than half the lessons; rank_bm25 scores one query at
    a time in Python loops, this scores all findings at once (tested equal in test_link.py).
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75):
        self.k1, self.b = k1, b

    def fit(self, docs: list[list[str]]) -> "SparseBM25":
        from sklearn.feature_extraction.text import CountVectorizer

        self.cv_ = CountVectorizer(analyzer=lambda x: x, lowercase=False)
        tf = self.cv_.fit_transform(docs).tocsr().astype(np.float64)
        n = tf.shape[0]
        dl = np.asarray(tf.sum(axis=1)).ravel()
        avg = dl.mean() if n and dl.mean() > 0 else 1.0
        df = np.bincount(tf.indices, minlength=tf.shape[1])
        self.n_docs_ = n
        self.idf_ = np.log(1 + (n - df + 0.5) / (df + 0.5))
        self.idf_unseen_ = float(np.log(1 + (n + 0.5) / 0.5))
        rows = np.repeat(np.arange(n), np.diff(tf.indptr))
        denom = tf.data + self.k1 * (1 - self.b + self.b * dl[rows] / avg)
        tf.data = self.idf_[tf.indices] * tf.data * (self.k1 + 1) / denom
        self.w_ = tf.T.tocsr()  # terms x docs
        self.vocab_ = self.cv_.vocabulary_
        return self

    def idf(self, stem: str) -> float:
        j = self.vocab_.get(stem)
        return float(self.idf_[j]) if j is not None else self.idf_unseen_

    def scores(self, queries: list[list[str]]) -> np.ndarray:
        """(n_queries, n_docs) BM25 scores, float32."""
        q = self.cv_.transform(queries)
        return np.asarray((q @ self.w_).todense(), dtype=np.float32)

    def max_scores(self, queries: list[list[str]]) -> np.ndarray:
        """Upper bound of each query's score: every query word matched with a very high tf,
        words no lesson has counted at the highest idf (so unmatched rare words weigh)."""
        return np.array([sum(self.idf(t) for t in q) * (self.k1 + 1) for q in queries], dtype=np.float32)


# --------------------------------------------------------------------------------------------
# calibration


def _calibration_file() -> dict[str, Any]:
    return json.loads(resources.files("kmsynth.resources").joinpath("link_calibration.json").read_text("utf-8"))


def calibration_key(embedder) -> str:
    """Which calibration entry fits this embedder: minilm, static, tfidf, lexical or default."""
    if embedder is None:
        return "lexical"
    mid = str(getattr(embedder, "model_id", ""))
    for key in ("tfidf", "static", "minilm"):
        if mid.startswith(key):
            return key
    return "default"


def _resolve_calibration(embedder, given: TMapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    if given is not None:
        return "given", dict(given)
    raw = _calibration_file()
    key = calibration_key(embedder)
    if key == "default":
        log.warning("no link calibration for embedder %s: using the minilm one; scores and the "
                    "threshold may be off (fit one with kmsynth.link.linker.calibrate)",
                    getattr(embedder, "model_id", "?"))
        key = "minilm"
    return key, dict(raw[key])


def _apply_calibration(cal: TMapping[str, Any], feats: dict[str, np.ndarray]) -> np.ndarray:
    z = np.full_like(next(iter(feats.values())), float(cal["intercept"]), dtype=np.float64)
    for name, c in zip(cal["features"], cal["coef"]):
        z = z + float(c) * feats[name]
    return 1.0 / (1.0 + np.exp(-z))


# --------------------------------------------------------------------------------------------
# results


@dataclass
class LinkResult:
    """What `Linker.link` returns.

    links: finding_id, lesson_id, rank, score, evidence, relation, finding_sentence,
        lesson_sentence, decision, cosine, bm25, rrf (one row per link, rejected pairs excluded).
    gaps_findings: findings with no link (finding_id, pillar, country, best_lesson_id,
        best_score, theme_id, theme): candidates for new lessons.
    gaps_lessons: lessons with no linked finding (lesson_id, title, type, pillar, country).
    evidence_map: pillars (rows) by lesson type (columns), distinct linked findings.
    candidates: every top-k candidate with its features (for diagnostics and benchmarks).
    rejected: the reviewers' rejected pairs, carried to the next round.
    """

    links: pd.DataFrame
    gaps_findings: pd.DataFrame
    gaps_lessons: pd.DataFrame
    evidence_map: pd.DataFrame
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["finding_id", "lesson_id", "decision"]))
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def gaps(self) -> pd.DataFrame:
        """Both kinds of gap in one table (gaps.csv): kind is finding_without_lesson or
        lesson_without_finding."""
        f = self.gaps_findings
        rows_f = pd.DataFrame({
            "kind": "finding_without_lesson", "id": f["finding_id"], "pillar": f["pillar"],
            "country": f["country"], "theme_id": f["theme_id"], "theme": f["theme"],
            "best_lesson_id": f["best_lesson_id"], "best_score": f["best_score"],
            "note": "candidate for a new lesson"})
        g = self.gaps_lessons
        rows_l = pd.DataFrame({
            "kind": "lesson_without_finding", "id": g["lesson_id"], "pillar": g["pillar"],
            "country": g["country"], "theme_id": pd.NA, "theme": "", "best_lesson_id": "",
            "best_score": np.nan, "note": "no evaluation evidence yet"})
        parts = [p for p in (rows_f, rows_l) if len(p)]
        return pd.concat(parts, ignore_index=True)[GAP_COLUMNS] if parts else pd.DataFrame(columns=GAP_COLUMNS)

    def links_for_review(self) -> pd.DataFrame:
        """links.csv: the links, then the rejected pairs (decision reject, no rank) so that a
        reviewed file fed back keeps every decision."""
        if not len(self.rejected):
            return self.links
        rej = self.rejected.reindex(columns=LINK_COLUMNS)
        rej["decision"] = "reject"
        return pd.concat([self.links, rej], ignore_index=True)


def _blank(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or str(v).strip() in ("", "nan", "<NA>", "None")


def _column(df: pd.DataFrame, name: str, default: str = "") -> pd.Series:
    if name in df.columns:
        return df[name].map(lambda v: default if _blank(v) else str(v).strip())
    return pd.Series(default, index=df.index, dtype=object)


def _check_table(df: pd.DataFrame | None, kind: str, id_col: str) -> pd.DataFrame:
    what = "lessons inventory" if kind == "lessons" else "findings table"
    if df is None or len(df) == 0:
        raise InputError(f"the {what} is empty", hint="check the file and its column mapping "
                         f"(run: kmsynth validate {kind} FILE)")
    for col in (id_col, "text"):
        if col not in df.columns:
            raise InputError(f"the {what} has no {col} column", column=col,
                             hint=f"name the column in the mapping's {kind} section")
    ids = df[id_col].astype(str).str.strip()
    blank_text = df["text"].map(_blank)
    problems = [Problem(kind, "missing_id", "the id is empty", row=i + 1, column=id_col)
                for i in np.flatnonzero(ids.isin(["", "nan", "<NA>", "None"]).to_numpy())]
    problems += [Problem(kind, "duplicate_id", "the id appears more than once", row=i + 1, column=id_col)
                 for i in np.flatnonzero(ids.duplicated().to_numpy())]
    problems += [Problem(kind, "empty_text", "the text is empty", row=i + 1, column="text")
                 for i in np.flatnonzero(blank_text.to_numpy())]
    if problems:
        p = problems[0]
        raise InputError(f"the {what} has {len(problems)} bad row(s)", row=p.row, column=p.column,
                         hint="load it with kmsynth.ingest.prepare.prepare, which excludes such rows with a reason",
                         problems=problems)
    out = df.reset_index(drop=True).copy()
    out[id_col] = ids.to_numpy()
    return out


def _pillar_label(v: Any, blank: str = "(no pillar)") -> str:
    """A pillar id, number-like text or name -> the pillar's name; anything else -> `blank`."""
    from kmsynth.ingest.schemas import parse_pillar, pillar_name

    if _blank(v):
        return blank
    try:
        p = int(v) if not isinstance(v, str) else parse_pillar(v)
    except (TypeError, ValueError):
        return blank
    return pillar_name(p) if p else blank


def _decisions(reviewed: pd.DataFrame | TMapping[tuple[str, str], str] | None) -> dict[tuple[str, str], str]:
    if reviewed is None:
        return {}
    if isinstance(reviewed, pd.DataFrame):
        if not len(reviewed):
            return {}
        items = zip(reviewed["finding_id"], reviewed["lesson_id"], reviewed["decision"])
    else:
        items = ((a, b, d) for (a, b), d in reviewed.items())
    out = {}
    for a, b, d in items:
        d = "" if _blank(d) else str(d).strip().lower()
        if d:
            if d not in DECISIONS:
                raise InputError("a reviewer decision is not accept, reject or blank", column="decision",
                                 hint="use read_reviewed() to check a reviewed file")
            out[(str(a).strip(), str(b).strip())] = d
    return out


# --------------------------------------------------------------------------------------------
# the linker


class Linker:
    """Link findings to lessons. Parameters are stored as given; `fit` learns the inventory.

    embedder: a kmsynth Embedder (None: lexical only). top_k: candidates per finding.
    rrf_k: reciprocal-rank constant. lexical_weight, semantic_weight: weights of the two ranked
    lists in the fusion (0 switches one off). same_country_boost, same_region_boost,
    same_pillar_boost: added to the fused score when both sides name the same one (pillars
    compared by id or name): they reorder, never filter. Fused scores are sums of
    1/(rrf_k + rank), ~0.00026 apart at the top, so the defaults move a lesson up about two
    places for the same country or pillar and one for the same region.
    threshold: calibrated score a pair needs to be a link (None: the calibration's).
    calibration: a dict like `calibrate` returns (None: the shipped one for this embedder).
    with_title: index a lesson's title with its text. sentence_lexical_weight: share of stem
    overlap added to sentence cosine when picking evidence sentences. gap_themes_min: fewest
    unlinked findings to cluster into themes (themes need 20). seed: for the gap themes.
    """

    def __init__(self, embedder=None, *, top_k: int = 5, rrf_k: int = 60, lexical_weight: float = 1.0,
                 semantic_weight: float = 1.0, same_country_boost: float = 0.0005,
                 same_region_boost: float = 0.00025, same_pillar_boost: float = 0.0005,
                 threshold: float | None = None, calibration: TMapping[str, Any] | None = None,
                 with_title: bool = True, sentence_lexical_weight: float = 0.3,
                 gap_themes_min: int = 20, seed: int = 42):
        self.embedder = embedder
        self.top_k = top_k
        self.rrf_k = rrf_k
        self.lexical_weight = lexical_weight
        self.semantic_weight = semantic_weight
        self.same_country_boost = same_country_boost
        self.same_region_boost = same_region_boost
        self.same_pillar_boost = same_pillar_boost
        self.threshold = threshold
        self.calibration = calibration
        self.with_title = with_title
        self.sentence_lexical_weight = sentence_lexical_weight
        self.gap_themes_min = gap_themes_min
        self.seed = seed

    def get_params(self) -> dict[str, Any]:
        return {"embedder": getattr(self.embedder, "model_id", None), "top_k": self.top_k,
                "rrf_k": self.rrf_k, "lexical_weight": self.lexical_weight,
                "semantic_weight": self.semantic_weight, "same_country_boost": self.same_country_boost,
                "same_region_boost": self.same_region_boost, "same_pillar_boost": self.same_pillar_boost,
                "threshold": self.threshold, "with_title": self.with_title,
                "sentence_lexical_weight": self.sentence_lexical_weight,
                "gap_themes_min": self.gap_themes_min, "seed": self.seed}

    # -- fit -------------------------------------------------------------------------------

    def fit(self, lessons: pd.DataFrame) -> "Linker":
        """Index the inventory (lesson_id, text; title, type, country, region, pillar, language)."""
        if self.top_k < 1:
            raise InputError("top_k must be at least 1")
        L = _check_table(lessons, "lessons", "lesson_id")
        self.lessons_ = L
        lang = _column(L, "language", "und")
        text = L["text"].astype(str)
        if self.with_title and "title" in L.columns:
            title = _column(L, "title")
            text = (title + ". " + text).where(title != "", text)
        self.index_texts_ = text.tolist()
        self.lesson_tokens_ = [tokens(t, g) for t, g in zip(self.index_texts_, lang)]
        self.bm25_ = SparseBM25().fit([t or ["\x00"] for t in self.lesson_tokens_])
        self.lesson_vecs_ = self.embedder.encode(self.index_texts_) if self.embedder is not None else None
        self.calibration_key_, self.calibration_ = _resolve_calibration(self.embedder, self.calibration)
        self.threshold_ = float(self.threshold if self.threshold is not None else self.calibration_["threshold"])
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "lessons_"):
            raise RuntimeError("call fit(lessons) first")

    # -- scoring ---------------------------------------------------------------------------

    def _matrices(self, f: pd.DataFrame) -> dict[str, np.ndarray]:
        """Full (n_findings, n_lessons) matrices: bm25 (normalised), cosine, rrf, fused."""
        lang = _column(f, "language", "und")
        q = [tokens(t, g) for t, g in zip(f["text"].astype(str), lang)]
        bm = self.bm25_.scores(q)
        bm_norm = bm / np.maximum(self.bm25_.max_scores(q), 1e-9)[:, None]
        k = float(self.rrf_k)
        rr_b = 1.0 / (k + _ranks(bm))
        if self.embedder is not None:
            fv = self.embedder.encode(f["text"].astype(str).tolist())
            self.finding_vecs_ = fv
            cos = (fv @ self.lesson_vecs_.T).astype(np.float32)
            rr_c = 1.0 / (k + _ranks(cos))
            rrf = (rr_b + rr_c) / (2.0 / (k + 1))
        else:
            self.finding_vecs_ = None
            cos = np.zeros_like(bm)
            rr_c = np.zeros_like(bm)
            rrf = rr_b / (1.0 / (k + 1))
        fused = self.lexical_weight * rr_b + (self.semantic_weight * rr_c if self.embedder is not None else 0.0)
        # RRF ties (rank 1 + rank 2 against rank 2 + rank 1) go to the higher raw similarity;
        # 1e-8 x (cosine + bm25) stays below the RRF step between adjacent ranks up to ~3,000
        fused = fused.astype(np.float64) + 1e-8 * (np.clip(cos, 0, 1) + bm_norm)
        L = self.lessons_
        for col, boost in (("country", self.same_country_boost), ("region", self.same_region_boost),
                           ("pillar", self.same_pillar_boost)):
            if boost and col in f.columns and col in L.columns:
                norm = (lambda s: s.map(lambda v: _pillar_label(v, blank=""))) if col == "pillar" else \
                    (lambda s: s.str.lower())
                fv_ = norm(_column(f, col)).to_numpy()[:, None]
                lv_ = norm(_column(L, col)).to_numpy()[None, :]
                fused += boost * ((fv_ == lv_) & (fv_ != ""))
        return {"bm25": bm_norm, "cosine": cos, "rrf": rrf.astype(np.float32), "fused": fused}

    def rank(self, findings: pd.DataFrame, reviewed=None) -> pd.DataFrame:
        """The top-k candidates of every finding, with features, rank and calibrated score.

        Rejected pairs are skipped (the next candidate takes the place); accepted pairs outside
        the top k are added with their true rank. Columns: finding_id, lesson_id, rank, score,
        cosine, bm25, rrf, fused, decision, _fi, _lj.
        """
        self._check_fitted()
        f = _check_table(findings, "findings", "finding_id")
        decisions = _decisions(reviewed)
        m = self._matrices(f)
        fused = m["fused"]
        fid = f["finding_id"].tolist()
        lid = self.lessons_["lesson_id"].tolist()
        fi_of = {v: i for i, v in enumerate(fid)}
        lj_of = {v: j for j, v in enumerate(lid)}
        for (a, b), d in decisions.items():
            if d == "reject" and a in fi_of and b in lj_of:
                fused[fi_of[a], lj_of[b]] = -np.inf
        k = min(self.top_k, len(lid))
        order = _top(fused, k)
        pairs = [(i, int(j), r) for i in range(len(fid)) for r, j in enumerate(order[i], start=1)
                 if np.isfinite(fused[i, j])]
        have = {(i, j) for i, j, _ in pairs}
        for (a, b), d in decisions.items():
            if d == "accept" and a in fi_of and b in lj_of and (fi_of[a], lj_of[b]) not in have:
                i, j = fi_of[a], lj_of[b]
                pairs.append((i, j, int((fused[i] > fused[i, j]).sum()) + 1))
        fi = np.array([p[0] for p in pairs], dtype=int)
        lj = np.array([p[1] for p in pairs], dtype=int)
        feats = {name: m[name][fi, lj].astype(np.float64) for name in FEATURES}
        score = _apply_calibration(self.calibration_, feats) if len(pairs) else np.zeros(0)
        cand = pd.DataFrame({
            "finding_id": [fid[i] for i in fi], "lesson_id": [lid[j] for j in lj],
            "rank": [p[2] for p in pairs], "score": score, **feats,
            "fused": fused[fi, lj] if len(pairs) else np.zeros(0),
            "decision": [decisions.get((fid[i], lid[j]), "") for i, j in zip(fi, lj)],
            "_fi": fi, "_lj": lj})
        return cand.sort_values(["_fi", "rank"], kind="stable").reset_index(drop=True)

    # -- evidence --------------------------------------------------------------------------

    def key_phrases(self, finding: str, lesson: str, f_lang: str = "und", l_lang: str = "und",
                    max_items: int = 6) -> str:
        """What both texts say: the longest runs of words whose stem pairs the lesson also has
        ("Prevention of Domestic Violence Act 2006"), then single shared words, rarest (highest
        idf) first; shown as the finding words them, joined by '; '."""
        fa, la = analyse(finding, f_lang), analyse(lesson, l_lang)
        l_stems = {a[1] for a in la}
        l_pairs = {(a[1], b[1]) for a, b in zip(la, la[1:])}
        items: list[tuple[float, str]] = []
        in_phrase: set[int] = set()
        i = 0
        while i < len(fa) - 1:
            j = i
            while (j < len(fa) - 1 and (fa[j][1], fa[j + 1][1]) in l_pairs
                   and not _PUNCT.search(finding[fa[j][3]:fa[j + 1][2]])):
                j += 1
            if j > i:
                words = fa[i:j + 1]
                items.append((100.0 + sum(self.bm25_.idf(w[1]) for w in words),
                              finding[words[0][2]:words[-1][3]]))
                in_phrase.update(range(i, j + 1))
                i = j + 1
            else:
                i += 1
        used = {fa[k][1] for k in in_phrase}
        for k, (w, s, _, _) in enumerate(fa):
            if s in l_stems and s not in used:
                used.add(s)
                items.append((self.bm25_.idf(s), w))
        items.sort(key=lambda x: -x[0])
        return "; ".join(p for _, p in items[:max_items])

    def _best_sentences(self, pairs: list[tuple[str, str, str, str]]) -> list[tuple[str, str]]:
        """Best-matching (finding sentence, lesson sentence) per pair: cosine of sentence
        embeddings plus 0.3 x the idf-weighted share of the finding sentence's stems the lesson
        sentence has (the overlap alone without an embedder)."""
        texts = list(dict.fromkeys([p[0] for p in pairs] + [p[1] for p in pairs]))
        split = {t: sentences(t) for t in texts}
        multi = {p[0] for p in pairs if len(split[p[1]]) > 1 or len(split[p[0]]) > 1} | \
                {p[1] for p in pairs if len(split[p[1]]) > 1 or len(split[p[0]]) > 1}
        vecs: dict[str, np.ndarray] = {}
        if self.embedder is not None:
            flat = list(dict.fromkeys(s for t in texts if t in multi for s in split[t]))
            if flat:
                vecs = dict(zip(flat, self.embedder.encode(flat)))
        out = []
        for ftext, ltext, fl, ll in pairs:
            fs, ls = split[ftext], split[ltext]
            if len(fs) == 1 and len(ls) == 1:
                out.append((fs[0], ls[0]))
                continue
            fst = [set(tokens(s, fl)) for s in fs]
            lst = [set(tokens(s, ll)) for s in ls]
            lex = np.array([[sum(self.bm25_.idf(t) for t in a & b) / max(1.0, sum(self.bm25_.idf(t) for t in a))
                             for b in lst] for a in fst], dtype=np.float64)
            sim = self.sentence_lexical_weight * lex
            if vecs:
                sim = sim + np.vstack([vecs[s] for s in fs]) @ np.vstack([vecs[s] for s in ls]).T
            i, j = np.unravel_index(int(np.argmax(sim)), sim.shape)
            out.append((fs[i], ls[j]))
        return out

    @staticmethod
    def relation(finding: str, lesson: str) -> str:
        """'contradicts?' when the finding carries a negation or no-change cue (or a contrast
        followed by a negation) that the lesson does not; 'supports' otherwise. A cue for the
        reviewer, not a verdict."""
        f_neg = bool(_NO_CHANGE.search(finding)) or (bool(_CONTRAST.search(finding)) and bool(_NEGATION.search(finding)))
        l_neg = bool(_NO_CHANGE.search(lesson))
        return "contradicts?" if f_neg and not l_neg else "supports"

    # -- link ------------------------------------------------------------------------------

    def link(self, findings: pd.DataFrame, reviewed=None) -> LinkResult:
        """Links above the threshold plus accepted pairs, minus rejected ones; gaps; the map."""
        self._check_fitted()
        f = _check_table(findings, "findings", "finding_id")
        decisions = _decisions(reviewed)
        cand = self.rank(f, reviewed=decisions)
        keep = ((cand["score"] >= self.threshold_) & (cand["decision"] != "reject")) | (cand["decision"] == "accept")
        links = cand[keep].copy()
        f_lang = _column(f, "language", "und").tolist()
        l_lang = _column(self.lessons_, "language", "und").tolist()
        ftexts = f["text"].astype(str).tolist()
        ltexts = self.lessons_["text"].astype(str).tolist()
        pairs = [(ftexts[i], ltexts[j], f_lang[i], l_lang[j]) for i, j in zip(links["_fi"], links["_lj"])]
        best = self._best_sentences(pairs) if pairs else []
        links["evidence"] = [self.key_phrases(a, b, c, d) for a, b, c, d in pairs]
        links["finding_sentence"] = [b[0] for b in best]
        links["lesson_sentence"] = [b[1] for b in best]
        links["relation"] = [self.relation(fs, ls) for fs, ls in best]
        links["score"] = links["score"].round(4)
        for c in ("cosine", "bm25", "rrf"):
            links[c] = links[c].round(4)
        links = links.sort_values(["_fi", "rank"], kind="stable").reset_index(drop=True)
        gaps_f = self._gaps_findings(f, cand, links)
        gaps_l = self._gaps_lessons(links)
        emap = evidence_map(links, self.lessons_)
        lid = set(self.lessons_["lesson_id"])
        rejected = pd.DataFrame([(a, b, "reject") for (a, b), d in decisions.items() if d == "reject"],
                                columns=["finding_id", "lesson_id", "decision"])
        lost = sum(1 for (a, b), d in decisions.items()
                   if d == "accept" and (a not in set(f["finding_id"]) or b not in lid))
        if lost:
            log.warning("%d accepted pair(s) name a finding or lesson no longer in the inputs: dropped", lost)
        return LinkResult(links[LINK_COLUMNS], gaps_f, gaps_l, emap, cand, rejected,
                          params=self.get_params() | {"threshold_used": self.threshold_,
                                                      "calibration": self.calibration_key_})

    def _gaps_findings(self, f: pd.DataFrame, cand: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
        linked = set(links["finding_id"])
        idx = [i for i, v in enumerate(f["finding_id"]) if v not in linked]
        top = cand[cand["decision"] != "reject"].sort_values(["_fi", "score"], ascending=[True, False])
        top = top.drop_duplicates("_fi").set_index("_fi")
        out = pd.DataFrame({
            "finding_id": f["finding_id"].iloc[idx].to_numpy(),
            "pillar": [_pillar_label(v, blank="") for v in _column(f, "pillar").iloc[idx]],
            "country": _column(f, "country").iloc[idx].to_numpy(),
            "best_lesson_id": [top["lesson_id"].get(i, "") for i in idx],
            "best_score": [round(float(top["score"].get(i, np.nan)), 4) for i in idx],
            "theme_id": pd.array([pd.NA] * len(idx), dtype="Int64"), "theme": ""})
        if len(idx) >= max(20, self.gap_themes_min) and self.embedder is not None:
            from kmsynth.themes.model import fit_themes

            texts = f["text"].astype(str).iloc[idx].tolist()
            res = fit_themes(texts, out["finding_id"].tolist(), embedder=self.embedder,
                             embeddings=self.finding_vecs_[idx],
                             languages=_column(f, "language", "und").iloc[idx].tolist(), seed=self.seed)
            labels = dict(zip(res.themes["theme_id"], res.themes["label"]))
            tid = res.assignments["theme_id"].astype(int).to_numpy()
            out["theme_id"] = pd.array(tid, dtype="Int64")
            out["theme"] = [labels.get(t, "(no theme)") for t in tid]
        return out

    def _gaps_lessons(self, links: pd.DataFrame) -> pd.DataFrame:
        L = self.lessons_
        mask = ~L["lesson_id"].isin(set(links["lesson_id"]))
        return pd.DataFrame({"lesson_id": L.loc[mask, "lesson_id"].to_numpy(),
                             "title": _column(L, "title")[mask].to_numpy(),
                             "type": _column(L, "type")[mask].to_numpy(),
                             "pillar": [_pillar_label(v, blank="") for v in _column(L, "pillar")[mask]],
                             "country": _column(L, "country")[mask].to_numpy()})


def _ranks(x: np.ndarray) -> np.ndarray:
    """1-based rank of every column within its row (highest value = 1, ties by position)."""
    order = np.argsort(-x, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, x.shape[1] + 1)[None, :].repeat(x.shape[0], 0), axis=1)
    return ranks.astype(np.float64)


def _top(x: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's k highest values, best first (ties by position)."""
    if k <= 0:
        return np.zeros((x.shape[0], 0), dtype=int)
    if k < x.shape[1]:
        part = np.argpartition(-x, k - 1, axis=1)[:, :k]
        # ties at the boundary: argpartition's pick is arbitrary; re-rank candidates stably
        rows = np.arange(x.shape[0])[:, None]
        part = np.sort(part, axis=1)
        o = np.argsort(-x[rows, part], axis=1, kind="stable")
        return part[rows, o]
    return np.argsort(-x, axis=1, kind="stable")[:, :k]


# --------------------------------------------------------------------------------------------
# evidence map, reviewed files, one-call API


def evidence_map(links: pd.DataFrame, lessons: pd.DataFrame, *, k: int | None = None) -> pd.DataFrame:
    """Pillars (rows, all six) by lesson type (columns): distinct findings linked to lessons there.

    These are counts of evaluation findings, not of people, so they are exact by default; pass
    `k` (e.g. the config's privacy.min_cell) to hide cells below k with secondary suppression.
    """
    from kmsynth.ingest.schemas import LESSON_TYPES, pillars

    L = lessons.drop_duplicates("lesson_id").set_index("lesson_id")
    meta = pd.DataFrame({"pillar": [_pillar_label(v) for v in (L["pillar"] if "pillar" in L else [""] * len(L))],
                         "type": _column(L, "type").replace("", "(no type)").to_numpy()}, index=L.index)
    ok = links[links["decision"] != "reject"] if "decision" in links else links
    joined = ok[["finding_id", "lesson_id"]].join(meta, on="lesson_id")
    table = joined.groupby(["pillar", "type"])["finding_id"].nunique().unstack(fill_value=0)
    rows = [p.name for p in pillars()] + (["(no pillar)"] if (meta["pillar"] == "(no pillar)").any() else [])
    cols = [t for t in LESSON_TYPES if t in set(meta["type"])] + sorted(set(meta["type"]) - set(LESSON_TYPES))
    out = table.reindex(index=rows, columns=cols, fill_value=0).fillna(0).astype(int)
    out.index.name, out.columns.name = "pillar", "lesson type"
    if k is not None:
        from kmsynth.protect.privacy import suppress_small_cells

        out = suppress_small_cells(out, k)
    return out


def read_reviewed(path: str | Path) -> pd.DataFrame:
    """A links.csv (or .xlsx) a reviewer edited: every decision must be accept, reject or blank.

    Returns finding_id, lesson_id, decision (lower case) for the rows with a decision. All bad
    rows are reported at once (row = 1-based data row, as in the ledger); cell text never is.
    """
    from kmsynth.ingest.read import read_raw
    from kmsynth.ingest.schemas import normalise_header

    raw = read_raw(path)
    name = raw.file
    df = raw.frame
    df.columns = [normalise_header(c) for c in df.columns]
    for col in ("finding_id", "lesson_id", "decision"):
        if col not in df.columns:
            raise InputError(f"the reviewed file has no {col} column", file=name, column=col,
                             hint="pass the links.csv that `kmsynth link` wrote, with decisions filled in")
    lines = raw.lines if raw.lines is not None else [None] * len(df)
    dec = df["decision"].astype(str).str.strip().str.lower()
    fid = df["finding_id"].astype(str).str.strip()
    lid = df["lesson_id"].astype(str).str.strip()
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    for i in range(len(df)):
        where = dict(file=name, row=i + 1, line=int(lines[i]) if lines[i] is not None else None)
        if dec.iat[i] not in ("",) + DECISIONS:
            problems.append(Problem(rule="decision_value", column="decision",
                                    message="the decision is not accept, reject or blank",
                                    hint="write accept or reject, or leave the cell empty", **where))
            continue
        if not dec.iat[i]:
            continue
        for col, v in (("finding_id", fid.iat[i]), ("lesson_id", lid.iat[i])):
            if not v:
                problems.append(Problem(rule="missing_id", column=col, message=f"a decision without a {col}",
                                        hint="keep the ids of the row you decided on", **where))
        key = (fid.iat[i], lid.iat[i])
        if key in seen and seen[key] != dec.iat[i]:
            problems.append(Problem(rule="conflicting_decision", column="decision",
                                    message="the same pair is both accepted and rejected",
                                    hint="keep one decision per finding and lesson pair", **where))
        seen[key] = dec.iat[i]
    if problems:
        p = problems[0]
        raise InputError(f"{len(problems)} problem(s) in the reviewed links file", file=name, row=p.row,
                         column=p.column, hint=p.hint, problems=problems)
    keep = dec != ""
    return pd.DataFrame({"finding_id": fid[keep], "lesson_id": lid[keep],
                         "decision": dec[keep]}).drop_duplicates().reset_index(drop=True)


def link_findings_to_lessons(findings: pd.DataFrame, lessons: pd.DataFrame, *, embedder=None,
                             top_k: int = 5, reviewed=None, **params: Any) -> LinkResult:
    """One call: fit the inventory, link the findings (see Linker for `params`)."""
    return Linker(embedder, top_k=top_k, **params).fit(lessons).link(findings, reviewed=reviewed)


# --------------------------------------------------------------------------------------------
# calibration on a labelled set


def calibrate(findings: pd.DataFrame, lessons: pd.DataFrame, gold: pd.DataFrame, embedder=None, *,
              top_k: int = 10, n_splits: int = 5, C: float = 10.0, **params: Any) -> dict[str, Any]:
    """Fit the logistic calibration of (cosine, bm25, rrf) on a labelled set and pick the
    threshold that maximises F1 on out-of-fold predictions (folds by finding).

    gold: finding_id, lesson_id (the true links). Returns a dict for `Linker(calibration=...)`
    or resources/link_calibration.json.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    lk = Linker(embedder, top_k=top_k, calibration={"features": [], "coef": [], "intercept": 0.0,
                                                     "threshold": 0.5}, **params).fit(lessons)
    cand = lk.rank(findings)
    truth = set(zip(gold["finding_id"].astype(str), gold["lesson_id"].astype(str)))
    y = np.array([(a, b) in truth for a, b in zip(cand["finding_id"], cand["lesson_id"])], dtype=int)
    feats = [c for c in FEATURES if embedder is not None or c != "cosine"]
    X = cand[feats].to_numpy(dtype=float)
    groups = cand["finding_id"].to_numpy()
    oof = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=min(n_splits, len(set(groups)))).split(X, y, groups):
        oof[te] = LogisticRegression(C=C).fit(X[tr], y[tr]).predict_proba(X[te])[:, 1]
    model = LogisticRegression(C=C).fit(X, y)
    n_true = len(truth)
    best_t, best_f1 = 0.5, -1.0
    for t in np.unique(np.round(oof, 3)):
        pred = oof >= t
        tp = int((pred & (y == 1)).sum())
        prec = tp / max(1, pred.sum())
        rec = tp / max(1, n_true)
        f1 = 2 * prec * rec / max(1e-9, prec + rec)
        if f1 > best_f1 + 1e-9:
            best_t, best_f1 = float(t), f1
    return {"features": feats, "coef": [round(float(c), 4) for c in model.coef_[0]],
            "intercept": round(float(model.intercept_[0]), 4), "threshold": round(best_t, 3),
            "cv_f1": round(float(best_f1), 3), "pairs": int(len(y)), "positives": int(y.sum()),
            "embedder": getattr(embedder, "model_id", None)}


# --------------------------------------------------------------------------------------------
# presentation helpers (notebook and monthly report)


def evidence_heatmap(emap: pd.DataFrame):
    """A plotly heatmap of the evidence map (hidden cells, if suppressed, stay blank)."""
    import plotly.graph_objects as go

    z = emap.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    text = [["" if np.isnan(v) else f"{int(v)}" for v in row] for row in z]
    label = lambda v: re.sub(r"[<>&]", "", str(v)).replace("_", " ")  # plotly reads tags in labels
    fig = go.Figure(go.Heatmap(z=z, x=[label(c) for c in emap.columns], y=[label(i) for i in emap.index], colorscale="Purples", text=text,
                               texttemplate="%{text}", hovertemplate="%{y} / %{x}: %{z} findings<extra></extra>",
                               colorbar=dict(title="findings")))
    fig.update_layout(title="Evidence map: linked findings by pillar and lesson type",
                      template="plotly_white", height=420, margin=dict(l=40, r=20, t=50, b=40),
                      yaxis=dict(autorange="reversed"))
    return fig


def links_section_html(findings_path: str | Path, lessons_path: str | Path, config) -> str:
    """The monthly report's evaluation-links section (escaped HTML)."""
    from kmsynth import html as h
    from kmsynth.embed.embedders import embedder_from_config
    from kmsynth.ingest.prepare import prepare

    f = prepare("findings", findings_path, config).table
    l_ = prepare("lessons", lessons_path, config).table
    emb = embedder_from_config(config)
    if calibration_key(emb) == "tfidf":
        emb.fit(list(f["text"]) + list(l_["text"]))
    res = link_findings_to_lessons(f, l_, embedder=emb)
    cards = h.cards_html([("Findings", int(len(f)), ""), ("Lessons", int(len(l_)), ""),
                          ("Links", int(len(res.links)), ""),
                          ("Findings without a lesson", int(len(res.gaps_findings)), ""),
                          ("Lessons without evidence", int(len(res.gaps_lessons)), "")])
    top = res.links.sort_values("score", ascending=False).head(8)[
        ["finding_id", "lesson_id", "score", "evidence", "relation"]]
    return h.section("Evaluation findings and lessons",
                     cards + h.figure_html(evidence_heatmap(res.evidence_map), name="evidence-map")
                     + h.table_html(top, caption="Strongest links (review them in links.csv)"),
                     intro="Findings from programme evaluations linked to the lessons-learned inventory "
                           "(hybrid lexical and semantic retrieval, calibrated score). The map counts "
                           "evaluation findings, not people, so small counts are shown.")
