"""Extractive synthesis: theme summaries, lessons learned, promising practices and quotes.

Nothing is invented: every item is a sentence of a (redacted) post, verbatim, carrying its
post id and its character offsets in that post. The default summariser is offline and
extractive (centrality to the theme plus maximal marginal relevance); `Summariser` is the
interface for plugging in a local or hosted language model later.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, Sequence

import numpy as np
import pandas as pd

_ABBREV = r"(?<!\b[A-Z])(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bDr)(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bNo)(?<!\bSr)(?<!\bSra)(?<!\bcf)"
_BOUNDARY = re.compile(_ABBREV + r"[.!?…]+[\"”»)]?\s+(?=[\"“«¿¡(]?[A-ZÀ-ÖØ-ÞÁÉÍÓÚ0-9])")


@dataclass(frozen=True)
class Sentence:
    text: str
    post_id: str
    start: int
    end: int
    author_id: str = ""
    quotable: bool = False
    country: str = ""
    region: str = ""


def split_sentences(text: str, post_id: str = "", **meta) -> list[Sentence]:
    """Sentences of one text with their offsets (text[start:end] == sentence)."""
    out, pos = [], 0
    text = str(text)
    for m in _BOUNDARY.finditer(text):
        end = m.start() + len(m.group(0).rstrip())
        seg = text[pos:end].strip()
        if seg:
            s = text.index(seg, pos)
            out.append(Sentence(seg, post_id, s, s + len(seg), **meta))
        pos = m.end()
    seg = text[pos:].strip()
    if seg:
        s = text.index(seg, pos)
        out.append(Sentence(seg, post_id, s, s + len(seg), **meta))
    return out


def sentences_of(table: pd.DataFrame, id_col: str = "post_id") -> list[Sentence]:
    """All sentences of a prepared posts table, with author pseudonym, quotability and place."""
    out: list[Sentence] = []
    for r in table.itertuples(index=False):
        meta = {"author_id": str(getattr(r, "author_id", "") or ""),
                "quotable": bool(getattr(r, "quotable", False)),
                "country": str(getattr(r, "country", "") or ""), "region": str(getattr(r, "region", "") or "")}
        out.extend(split_sentences(getattr(r, "text"), str(getattr(r, id_col)), **meta))
    return out


class Summariser(Protocol):
    def summarise(self, sentences: Sequence[Sentence], embeddings: np.ndarray, k: int) -> list[Sentence]: ...


class ExtractiveSummariser:
    """Sentences nearest the centre of the theme, redundancy removed by MMR; deterministic."""

    def __init__(self, diversity: float = 0.4, min_words: int = 6, max_words: int = 60):
        self.diversity = diversity
        self.min_words = min_words
        self.max_words = max_words

    def summarise(self, sentences: Sequence[Sentence], embeddings: np.ndarray, k: int = 3) -> list[Sentence]:
        ok = [i for i, s in enumerate(sentences) if self.min_words <= len(s.text.split()) <= self.max_words
              and not s.text.rstrip().endswith("?")]
        if not ok:
            return []
        X = embeddings[ok]
        cent = X.mean(axis=0)
        cent = cent / (np.linalg.norm(cent) or 1)
        rel = X @ cent
        chosen: list[int] = []
        seen_text: set[str] = set()
        while len(chosen) < min(k, len(ok)):
            if chosen:
                red = (X @ X[chosen].T).max(axis=1)
                score = (1 - self.diversity) * rel - self.diversity * red
            else:
                score = rel.copy()
            score[chosen] = -np.inf
            for j in np.argsort(-score, kind="stable"):
                if j in chosen:
                    continue
                t = sentences[ok[j]].text.lower()
                if t in seen_text:
                    score[j] = -np.inf
                    continue
                chosen.append(int(j))
                seen_text.add(t)
                break
            else:
                break
        return [sentences[ok[j]] for j in chosen]


LESSON_CUES = re.compile(
    r"\b(we (have )?learn(ed|t)|lessons? (learned|learnt|from)|a key lesson|it is (essential|critical|crucial|key|important)|"
    r"key to (the )?success|(we )?recommend|should be|must (be|reach|include)|works? best when|only (works|changes)|"
    r"aprendimos|aprendizaje|lecci[oó]n|es (fundamental|esencial|clave|importante)|la clave (del [ée]xito)?|recomendamos|"
    r"nous avons appris|le[çc]on|il est (essentiel|crucial|important)|la cl[ée] du succ[eè]s|nous recommandons|"
    r"aprendemos|aprendizado|li[çc][ãa]o|[ée] (fundamental|essencial|importante)|recomendamos)\b", re.I)
PRACTICE_VERBS = re.compile(
    r"\b(established|launched|introduced|set up|created|expanded|piloted|trained|adopted|developed|opened|"
    r"estableci[óo]|lanz[óo]|impuls[óo]|cre[óo]|implement[óo]|ampli[óo]|"
    r"a mis en place|a lanc[ée]|a cr[ée]{1,2}|a introduit|"
    r"estabeleceu|lan[çc]ou|criou|implementou|ampliou)\b", re.I)


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """Country names in en/es/fr/pt (folded lower case) -> English name."""
    from babel import Locale

    en = Locale.parse("en").territories
    out: dict[str, str] = {}
    for loc in ("en", "es", "fr", "pt"):
        for code, name in Locale.parse(loc).territories.items():
            if code.isalpha() and len(code) == 2 and code in en:
                out[name.lower()] = en[code]
    return out


_PLACE_LEAD = re.compile(r"^(?:in|en|au|aux|em|no|na|à)\s+(?:the\s+|el\s+|la\s+|le\s+|les\s+|o\s+|a\s+)?"
                         r"([A-ZÀ-Þ][\w'’ -]{2,40}?)\s*,", re.I)


def country_in(sentence: str) -> str | None:
    """The country a practice sentence is set in ("In Jamaica, ...", "En México, ..."), if any."""
    m = _PLACE_LEAD.match(sentence.strip())
    names = _countries()
    if m and m.group(1).lower() in names:
        return names[m.group(1).lower()]
    low = sentence.lower()
    for name, en in names.items():
        if len(name) > 4 and re.search(rf"\b{re.escape(name)}\b", low):
            return en
    return None


def find_lessons(sentences: Sequence[Sentence]) -> list[Sentence]:
    """Sentences that state a lesson or a recommendation (en/es/fr/pt cues)."""
    return [s for s in sentences if LESSON_CUES.search(s.text) and not s.text.rstrip().endswith("?")]


def find_practices(sentences: Sequence[Sentence]) -> list[tuple[Sentence, str]]:
    """Sentences that describe something done in a named country: (sentence, country)."""
    out = []
    for s in sentences:
        if PRACTICE_VERBS.search(s.text):
            c = country_in(s.text) or (s.country if s.country else None)
            if c:
                out.append((s, c))
    return out


_PLACEHOLDER = re.compile(r"\[(NAME|PLACE|EMAIL|PHONE|URL|HANDLE|ID)\]")


def pick_quotes(sentences: Sequence[Sentence], *, used_authors: set[str], n: int = 2, min_words: int = 8,
                max_words: int = 40, excluded_posts: set[str] | None = None,
                rank: Sequence[int] | None = None) -> list[Sentence]:
    """Up to n quotes: quotable posts only, verbatim redacted sentences, short, no placeholder
    left by redaction (a quote around a removed name can still identify), one per author."""
    out = []
    order = rank if rank is not None else range(len(sentences))
    for i in order:
        s = sentences[i]
        if not s.quotable or (excluded_posts and s.post_id in excluded_posts):
            continue
        if s.author_id and s.author_id in used_authors:
            continue
        words = len(s.text.split())
        if not (min_words <= words <= max_words) or _PLACEHOLDER.search(s.text) or "<" in s.text:
            continue
        out.append(s)
        if s.author_id:
            used_authors.add(s.author_id)
        if len(out) >= n:
            break
    return out
