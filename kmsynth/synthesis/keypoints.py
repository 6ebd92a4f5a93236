"""The one summariser: key points backed by many voices, within a word budget.

A summary is a short list of points, each a verbatim sentence of a (redacted) post, chosen
greedily for the posts and authors whose sentences say the same thing (support by meaning:
each post counts by its most similar sentence), so that a well-supported minority or contrary
point is covered once the main one is. Paraphrases are skipped by meaning and by shared words,
first-person anecdote weighs less than a general statement, questions and small talk are never
chosen, and the points fit `max_words`. Each point carries its source post ids and support.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from kmsynth.embed import Embedder
from kmsynth.synthesis.quotes import PLACEHOLDER, is_courtesy, is_question, quote_problem
from kmsynth.synthesis.summarise import sentences_of
from kmsynth.text import Sentence, fold, stop_words
from kmsynth.vectors import unit_rows

log = logging.getLogger(__name__)

__all__ = [
    "KeyPoint",
    "KeyPointSummariser",
    "is_first_person",
    "theme_key_points",
    "points_text",
    "describe_theme",
    "theme_summaries",
    "summarise_groups",
]

Gate = Literal["quote", "consent", "none"]

FIRST_PERSON = re.compile(
    r"(?<![\w'’])(?:i|i'm|i've|i'd|i'll|me|my|mine|myself|"  # en
    r"yo|mis?|conmigo|"  # es
    r"je|j['’]|moi|mon|mes|"  # fr
    r"eu|meu|minha|meus|minhas|comigo)(?![\w'’])",  # pt
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\W\d_]{2,}")


def is_first_person(text: str) -> bool:
    """Does the sentence speak in the first person singular (en/es/fr/pt: "I", "my", "yo",
    "je", "eu", ...)? Such sentences are usually one person's anecdote."""
    return bool(FIRST_PERSON.search(text))


@dataclass(frozen=True)
class KeyPoint:
    """A point of a summary: a verbatim sentence and who backs it.

    source_ids: posts with a sentence making this point (the sentence's own post first).
    posts, authors, countries: how many distinct posts, authors and countries back it.
    """

    sentence: Sentence
    source_ids: tuple[str, ...]
    posts: int
    authors: int
    countries: int
    gain: float = 0.0

    @property
    def text(self) -> str:
        return self.sentence.text

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: sentence, source_ids, support (posts), authors, countries."""
        return {
            "sentence": self.sentence.text,
            "source_ids": list(self.source_ids),
            "support": self.posts,
            "authors": self.authors,
            "countries": self.countries,
        }


_STEMMERS = {"en": "english", "es": "spanish", "fr": "french", "pt": "portuguese"}


@lru_cache(maxsize=8)
def _stemmer(lang: str) -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer(_STEMMERS[lang]) if lang in _STEMMERS else None


@lru_cache(maxsize=200_000)
def _stem(lang: str, word: str) -> str:
    stem = _stemmer(lang)
    return stem.stemWord(word) if stem else word


@lru_cache(maxsize=100_000)
def _content_words(text: str, lang: str, bigrams: bool = False) -> frozenset[str]:
    """Stems of the words that carry content (stop words out), in the sentence's language;
    with `bigrams`, also pairs of adjacent words of which one carries content."""
    stop = stop_words(lang or None)
    tokens = _TOKEN.findall(fold(text))
    stems = [_stem(lang, t) for t in tokens]
    out = {x for t, x in zip(tokens, stems, strict=True) if t not in stop}
    if bigrams:
        out.update(
            f"{stems[i]} {stems[i + 1]}"
            for i in range(len(tokens) - 1)
            if tokens[i] not in stop or tokens[i + 1] not in stop
        )
    return frozenset(out)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared content words over the smaller set (0 when either has fewer than 2)."""
    small = min(len(a), len(b))
    return len(a & b) / small if small >= 2 else 0.0


class KeyPointSummariser:
    """Key points of a set of sentences (one theme, one product, one question's answers).

    max_words: word budget of the whole summary; max_points: at most this many points.
    support_at: cosine at which another post's sentence backs a point (shown as support).
    floor: cosine below which a post gives no support at all when choosing (soft above it).
    duplicate_at, overlap_at: a candidate this close in meaning, or sharing this share of its
        content words, with a chosen point says the same thing and is skipped.
    first_person: weight of a first-person (anecdotal) sentence against a general one.
    length_power: support is divided by words ** length_power (short points fit more).
    lexical: share of the choice given to content words many authors use (0: meaning only);
        bigrams: word pairs count as such units too.
    gate: 'quote' (shared outputs: `quote_problem` must pass), 'consent' (the author agreed),
        'none' (analyst's own view, benchmarks).
    """

    def __init__(
        self,
        *,
        max_words: int = 60,
        max_points: int | None = None,
        support_at: float = 0.6,
        floor: float = 0.4,
        duplicate_at: float = 0.8,
        overlap_at: float = 0.6,
        first_person: float = 0.7,
        length_power: float = 0.1,
        min_words: int = 4,
        max_sentence_words: int = 40,
        max_per_post: int = 1,
        gate: Gate = "quote",
        allowed_words: Sequence[str] = (),
        max_candidates: int = 2000,
        lexical: float = 0.3,
        bigrams: bool = True,
    ) -> None:
        self.max_words = max_words
        self.max_points = max_points
        self.support_at = support_at
        self.floor = floor
        self.duplicate_at = duplicate_at
        self.overlap_at = overlap_at
        self.first_person = first_person
        self.length_power = length_power
        self.min_words = min_words
        self.max_sentence_words = max_sentence_words
        self.max_per_post = max_per_post
        self.gate = gate
        self.allowed_words = tuple(allowed_words)
        self.max_candidates = max_candidates
        self.lexical = lexical
        self.bigrams = bigrams

    # -- which sentences take part ---------------------------------------------------------

    def _says_something(self, s: Sentence) -> bool:
        t = s.text.strip()
        return s.words >= 3 and not is_question(t) and not is_courtesy(t) and not t.endswith(":")

    def _may_show(self, s: Sentence) -> bool:
        if not (self.min_words <= s.words <= self.max_sentence_words):
            return False
        if PLACEHOLDER.search(s.text):
            return False
        if self.gate == "quote":
            return (
                quote_problem(
                    s,
                    min_words=self.min_words,
                    max_words=self.max_sentence_words,
                    allowed_words=self.allowed_words,
                )
                is None
            )
        return s.quotable if self.gate == "consent" else True

    # -- the summary -----------------------------------------------------------------------

    def summarise(
        self, sentences: Sequence[Sentence], embeddings: np.ndarray, k: int = 3
    ) -> list[Sentence]:
        """The `Summariser` interface: up to k key points' sentences, most important first."""
        return [p.sentence for p in self.key_points(sentences, embeddings, max_points=k)]

    def key_points(
        self,
        sentences: Sequence[Sentence],
        embeddings: np.ndarray,
        *,
        max_points: int | None = None,
    ) -> list[KeyPoint]:
        """Key points of `sentences` (rows of `embeddings`, shape (n, dim)), most important
        first, their words within `max_words`."""
        sup = [i for i, s in enumerate(sentences) if self._says_something(s)]
        cand = [i for i in sup if self._may_show(sentences[i])]
        if not cand:
            return []
        X = unit_rows(embeddings)
        post_ids = list(dict.fromkeys(sentences[i].post_id for i in sup))
        post_no = {p: n for n, p in enumerate(post_ids)}
        sup.sort(key=lambda i: post_no[sentences[i].post_id])  # each post's rows contiguous
        if len(cand) > self.max_candidates:  # the most central ones
            centre = X[sup].mean(axis=0)
            keep = np.argsort(-(X[cand] @ centre), kind="stable")[: self.max_candidates]
            cand = [cand[j] for j in sorted(keep)]
        P = self._post_similarity(X, sentences, cand, sup, post_no)
        post_words: list[set[str]] = [set() for _ in post_ids]
        for i in sup:
            s = sentences[i]
            post_words[post_no[s.post_id]] |= _content_words(s.text, s.language, self.bigrams)
        return self._select(
            sentences, X, cand, P, post_ids, post_words, max_points or self.max_points
        )

    def _post_similarity(
        self,
        X: np.ndarray,
        sentences: Sequence[Sentence],
        cand: list[int],
        sup: list[int],
        post_no: dict[str, int],
    ) -> np.ndarray:
        """(len(cand), posts): each post's best cosine to each candidate."""
        starts = [0] + [
            j
            for j in range(1, len(sup))
            if sentences[sup[j]].post_id != sentences[sup[j - 1]].post_id
        ]
        P = np.empty((len(cand), len(starts)), dtype=np.float32)
        for a in range(0, len(cand), 512):
            sims = X[cand[a : a + 512]] @ X[sup].T
            P[a : a + 512] = np.maximum.reduceat(sims, starts, axis=1)
        for r, i in enumerate(cand):
            P[r, post_no[sentences[i].post_id]] = 1.0
        return P

    def _select(
        self,
        sentences: Sequence[Sentence],
        X: np.ndarray,
        cand: list[int],
        P: np.ndarray,
        post_ids: list[str],
        post_words: list[set[str]],
        max_points: int | None,
    ) -> list[KeyPoint]:
        meta = {s.post_id: s for s in sentences}
        authors = [meta[p].author_id or f"post:{p}" for p in post_ids]
        per_author = pd.Series(authors).value_counts()
        w = np.array([1.0 / per_author[a] for a in authors])  # each author weighs one
        G = np.clip((P - self.floor) / (1.0 - self.floor), 0.0, 1.0)
        bag = [_content_words(sentences[i].text, sentences[i].language) for i in cand]
        concepts = (
            [_content_words(sentences[i].text, sentences[i].language, True) for i in cand]
            if self.bigrams
            else bag
        )
        concept = self._concept_weights(post_words, authors)
        total = sum(concept.values()) or 1.0
        seen: set[str] = set()
        words = np.array([sentences[i].words for i in cand], dtype=float)
        quality = np.array(
            [self.first_person if is_first_person(sentences[i].text) else 1.0 for i in cand]
        )
        cost = words**self.length_power
        Xc = X[cand]
        cover = np.zeros(len(post_ids), dtype=np.float32)
        blocked = np.zeros(len(cand), dtype=bool)
        per_post: dict[str, int] = {}
        chosen: list[tuple[int, float]] = []
        left = float(self.max_words)
        while not max_points or len(chosen) < max_points:
            gain = (np.maximum(G, cover) - cover) @ w
            if self.lexical:  # content words many authors use, not yet covered
                lex = np.array([sum(concept.get(x, 0.0) for x in b - seen) for b in concepts])
                gain = (1 - self.lexical) * gain + self.lexical * lex * (w.sum() / total)
            score = np.where(blocked | (words > left), -np.inf, gain * quality / cost)
            j = int(np.argmax(score))
            if not np.isfinite(score[j]) or gain[j] <= 1e-9:
                break
            chosen.append((j, float(gain[j])))
            cover = np.maximum(cover, G[j])
            seen |= concepts[j]
            left -= words[j]
            blocked[j] = True
            blocked |= Xc @ Xc[j] >= self.duplicate_at
            blocked |= np.array([_overlap(b, bag[j]) >= self.overlap_at for b in bag])
            pid = sentences[cand[j]].post_id
            per_post[pid] = per_post.get(pid, 0) + 1
            if per_post[pid] >= self.max_per_post:
                blocked |= np.array([sentences[i].post_id == pid for i in cand])
        return [
            self._point(sentences[cand[j]], P[j], post_ids, authors, meta, g) for j, g in chosen
        ]

    @staticmethod
    def _concept_weights(post_words: list[set[str]], authors: list[str]) -> dict[str, float]:
        """Content word -> authors using it beyond the first (a word one person uses weighs 0)."""
        by_author: dict[str, set[str]] = {}
        for words, a in zip(post_words, authors, strict=True):
            by_author.setdefault(a, set()).update(words)
        df: dict[str, int] = {}
        for words in by_author.values():
            for x in words:
                df[x] = df.get(x, 0) + 1
        return {x: float(n - 1) for x, n in df.items() if n > 1}

    def _point(
        self,
        s: Sentence,
        row: np.ndarray,
        post_ids: list[str],
        authors: list[str],
        meta: dict[str, Sentence],
        gain: float,
    ) -> KeyPoint:
        near = np.flatnonzero(row >= self.support_at)
        near = near[np.argsort(-row[near], kind="stable")]
        ids = tuple(dict.fromkeys([s.post_id, *(post_ids[n] for n in near)]))
        who = {authors[post_ids.index(p)] for p in ids}
        where = {meta[p].country for p in ids if meta[p].country}
        return KeyPoint(s, ids, len(ids), len(who), len(where), round(gain, 4))


# --------------------------------------------------------------------------------------------
# for callers with a table and themes


def points_text(points: Sequence[KeyPoint]) -> str:
    """The points of a summary as one line of text (themes.csv, the report)."""
    return " ".join(p.text.strip() for p in points)


def describe_theme(keywords: str, size: int | None, pillar: str = "") -> str:
    """A theme described without anyone's sentence: its key phrases, size and pillar (used when
    no sentence may be shown verbatim). `size` None: fewer posts than may be shown."""
    kw = ", ".join(k.strip() for k in str(keywords or "").split(",")[:6] if k.strip())
    parts = [f"Key phrases: {kw}" if kw else "No key phrases"]
    if size is not None:
        parts.append(f"{size} posts")
    if pillar and pillar not in ("Unassigned", "nan"):
        parts.append(f"pillar: {pillar}")
    return "; ".join(parts) + "."


def theme_key_points(
    table: pd.DataFrame,
    members: dict[int, Sequence[str]],
    embedder: Embedder,
    *,
    id_col: str = "post_id",
    text_col: str = "text",
    summariser: KeyPointSummariser | None = None,
) -> dict[int, list[KeyPoint]]:
    """Key points of each theme: `members` maps a theme id to its post ids in `table` (with
    `quotable` set by `quotes.with_consent` for shared outputs). Sentences are embedded once."""
    summariser = summariser or KeyPointSummariser()
    frame = table.assign(**{id_col: table[id_col].astype(str)})
    wanted = {str(x) for ids in members.values() for x in ids}
    frame = frame[frame[id_col].isin(wanted)]  # only the members' sentences are embedded
    sents = sentences_of(frame, id_col, text_col)
    if not sents:
        return {int(t): [] for t in members}
    X = unit_rows(embedder.encode([s.text for s in sents]))
    rows: dict[str, list[int]] = {}
    for i, s in enumerate(sents):
        rows.setdefault(s.post_id, []).append(i)
    out: dict[int, list[KeyPoint]] = {}
    for tid, ids in members.items():
        idx = [i for p in dict.fromkeys(str(x) for x in ids) for i in rows.get(p, [])]
        out[int(tid)] = summariser.key_points([sents[i] for i in idx], X[idx]) if idx else []
    return out


def theme_summaries(
    table: pd.DataFrame,
    result: Any,
    embedder: Embedder,
    *,
    k: int = 10,
    id_col: str = "post_id",
    text_col: str = "text",
    summariser: KeyPointSummariser | None = None,
) -> dict[int, str]:
    """theme id -> its summary for shared outputs (themes.csv, the report): its key points,
    verbatim, when they pass the quote gate and the theme has at least k posts; otherwise its
    key phrases, size and pillar (`describe_theme`), never anyone's sentence. `result` is a
    ThemeResult (assignments: doc_id, theme_id); `table` has `quotable` from `with_consent`."""
    a = result.assignments
    members: dict[int, list[str]] = {}
    for d, t in zip(a["doc_id"].astype(str), a["theme_id"], strict=True):
        members.setdefault(int(t), []).append(d)
    rows = list(result.themes.itertuples(index=False))
    big = {int(r.theme_id): members.get(int(r.theme_id), []) for r in rows if int(r.size) >= k}
    if "quotable" in table:  # a theme nobody in it agreed to be quoted has no key points to
        # show: skip embedding its sentences (with deny and no consent column: every theme)
        ok = set(table.loc[table["quotable"].fillna(False).astype(bool), id_col].astype(str))
        big = {t: ids for t, ids in big.items() if ok.intersection(ids)}
    if summariser is None:  # region names are shared categories, not someone's name
        regions = table["region"].dropna().astype(str) if "region" in table else []
        summariser = KeyPointSummariser(
            allowed_words=sorted({w for r in regions for w in r.split()})
        )
    points = theme_key_points(
        table, big, embedder, id_col=id_col, text_col=text_col, summariser=summariser
    )
    out: dict[int, str] = {}
    for r in rows:
        tid = int(r.theme_id)
        size = int(r.size) if int(r.size) >= k else None
        pillar = str(getattr(r, "pillar_name", "") or "")
        out[tid] = points_text(points.get(tid, [])) or describe_theme(
            str(getattr(r, "keywords", "") or ""), size, pillar
        )
    return out


def summarise_groups(
    table: pd.DataFrame,
    embedder: Embedder,
    *,
    group_col: str | None = None,
    id_col: str = "doc_id",
    text_col: str = "text",
    summariser: KeyPointSummariser | None = None,
) -> list[dict[str, Any]]:
    """One summary per value of `group_col` (the whole table when None), groups in order of
    first appearance: ``{"group": value or None, "summary": [KeyPoint.as_dict(), ...]}``."""
    if group_col is None:
        groups: dict[Any, list[str]] = {None: table[id_col].astype(str).tolist()}
    else:
        keys = table[group_col].astype("string").fillna("").tolist()
        groups = {}
        for key, pid in zip(keys, table[id_col].astype(str), strict=True):
            groups.setdefault(key, []).append(pid)
    numbered = {n: ids for n, ids in enumerate(groups.values())}
    points = theme_key_points(
        table, numbered, embedder, id_col=id_col, text_col=text_col, summariser=summariser
    )
    return [
        {"group": key, "summary": [p.as_dict() for p in points[n]]} for n, key in enumerate(groups)
    ]
