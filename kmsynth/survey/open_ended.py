"""Open questions: themes in short redacted answers, each with its (suppressed) share of
respondents, typical answers and quotes from respondents who agreed to be quoted."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kmsynth.protect import suppress_small_cells

log = logging.getLogger(__name__)

MIN_OPEN_ANSWERS = 20  # the themes engine needs at least this many answers


@dataclass
class OpenTheme:
    """One theme of an open question. `n` and `share` are None when the theme is hidden
    (fewer than k respondents, or secondary suppression); a hidden theme has no text."""

    theme_id: int
    label: str
    keywords: str
    n: int | None
    share: float | None  # of respondents who answered the question
    summary: list[str] = field(default_factory=list)  # typical answers, verbatim, quotable only
    quotes: list[str] = field(default_factory=list)  # further answers, verbatim, quotable only

    @property
    def shown(self) -> bool:
        return self.n is not None


@dataclass
class OpenQuestion:
    question: str
    n_answered: int
    themes: list[OpenTheme] = field(default_factory=list)
    unthemed: int | None = None  # answers no theme took (None when hidden)
    outlier_share: float | None = None
    note: str = ""

    def table(self) -> pd.DataFrame:
        """Shown themes: theme, respondents, share (%)."""
        rows = [
            {"theme": t.label, "respondents": t.n, "share (%)": round(100 * t.share, 1)}
            for t in self.themes
            if t.shown
        ]
        return pd.DataFrame(rows, columns=["theme", "respondents", "share (%)"])

    @property
    def hidden_themes(self) -> int:
        return sum(not t.shown for t in self.themes)


def allowed_words(table: pd.DataFrame | None) -> list[str]:
    words = ["English", "French", "Spanish", "Portuguese", "Arabic", "Zoom", "Teams", "Q&A"]
    if table is not None:
        for col in ("region", "country", "respondent_group"):
            if col in table.columns:
                for v in table[col].dropna().astype(str).unique():
                    words.extend(re.findall(r"[\w'’-]+", v))
    return words


def fit_open_themes(
    texts: Sequence[str],
    ids: Sequence[str] | None = None,
    *,
    embedder=None,
    embeddings: np.ndarray | None = None,
    languages: Sequence[str] | None = None,
    k: int = 10,
    seed: int = 42,
    min_theme_size: int | None = None,
):
    """`themes.fit_themes` with the settings for short survey answers: no pillar guidance
    (feedback is about the event, not the six pillars), and themes at least k answers large
    (smaller ones could not be shown anyway) or the corpus default if larger."""
    from kmsynth.themes.model import default_min_theme_size, fit_themes

    size = min_theme_size or max(k, default_min_theme_size(len(texts)))
    return fit_themes(
        list(texts),
        list(ids) if ids is not None else None,
        embedder=embedder,
        embeddings=embeddings,
        languages=languages,
        seed=seed,
        min_theme_size=size,
        guided=False,
    )


def theme_open_question(
    answers: pd.Series,
    *,
    question: str = "",
    embedder=None,
    embeddings: np.ndarray | None = None,
    k: int = 10,
    quotable: pd.Series | None = None,
    ids: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    seed: int = 42,
    min_theme_size: int | None = None,
    n_summary: int = 2,
    n_quotes: int = 2,
    used: set[str] | None = None,
    allowed_words: Iterable[str] = (),
) -> OpenQuestion:
    """Themes in one open question's (redacted) answers, each with its share of respondents
    who answered (through `suppress_small_cells`, the unthemed answers included so that a
    hidden theme cannot be recovered from the total), up to `n_summary` typical answers and
    `n_quotes` quotes. Both are verbatim answers of respondents marked quotable, passing the
    quote rules of `summarise.quote_problem`, at most one per respondent across calls sharing
    `used`. Fewer than 20 answers are not themed (the note says so)."""
    from kmsynth.synthesis.summarise import (
        ExtractiveSummariser,
        pick_quotes,
        quote_problem,
        split_sentences,
    )

    text = answers.astype("string").fillna("").str.strip()
    ok = text.ne("").to_numpy()
    texts = text[ok].tolist()
    ids_all = [str(x) for x in (ids if ids is not None else range(1, len(answers) + 1))]
    rids = [i for i, keep in zip(ids_all, ok, strict=False) if keep]
    q_all = (
        quotable.reindex(answers.index).fillna(False).astype(bool).to_numpy()
        if quotable is not None
        else np.zeros(len(answers), bool)
    )
    quot = dict(zip(rids, q_all[ok], strict=False))
    langs = (
        [str(x) for x, keep in zip(languages, ok, strict=False) if keep]
        if languages is not None
        else None
    )
    n = len(texts)
    if n < max(MIN_OPEN_ANSWERS, k):
        return OpenQuestion(
            question,
            n,
            note=f"{n} answers: too few to find themes "
            f"(at least {max(MIN_OPEN_ANSWERS, k)} needed).",
        )
    if embeddings is None:
        if embedder is None:
            raise ValueError("theme_open_question needs an embedder or embeddings")
        if hasattr(embedder, "fit"):
            embedder.fit(texts)  # tfidf learns its space from these answers; others no-op
        X = embedder.encode(texts)
    else:
        X = (
            np.asarray(embeddings)[ok]
            if len(embeddings) == len(answers)
            else np.asarray(embeddings)
        )
    res = fit_open_themes(
        texts,
        rids,
        embedder=embedder,
        embeddings=X,
        languages=langs,
        k=k,
        seed=seed,
        min_theme_size=min_theme_size,
    )
    assign = res.assignments.set_index("doc_id")["theme_id"]
    counts = assign.value_counts()
    theme_ids = [int(t) for t in res.themes["theme_id"]]
    cells = pd.Series(
        [int(counts.get(t, 0)) for t in theme_ids] + [int(counts.get(-1, 0))],
        index=[str(t) for t in theme_ids] + ["unthemed"],
    )
    visible = suppress_small_cells(cells, k)
    used = used if used is not None else set()
    summariser = ExtractiveSummariser(diversity=0.3, min_words=3, max_words=40)
    allowed_words = list(allowed_words)
    by_id = dict(zip(rids, texts, strict=False))
    pos = {rid: i for i, rid in enumerate(rids)}
    themes: list[OpenTheme] = []
    for r in res.themes.itertuples(index=False):
        tid = int(r.theme_id)
        shown = pd.notna(visible[str(tid)])
        members = [d for d, t in assign.items() if int(t) == tid]
        th = OpenTheme(
            tid,
            str(r.label),
            str(r.keywords),
            int(cells[str(tid)]) if shown else None,
            cells[str(tid)] / n if shown else None,
        )
        if shown:
            sents = []
            for d in members:
                if not quot.get(d, False):
                    continue
                for s in split_sentences(by_id[d], d, author_id=d, quotable=True):
                    if not quote_problem(s, min_words=3, max_words=40, allowed_words=allowed_words):
                        sents.append(s)
            sents = [s for s in sents if s.author_id not in used]
            if sents:
                emb = (
                    embedder.encode([s.text for s in sents])
                    if embedder is not None
                    else X[[pos[s.post_id] for s in sents]]
                )
                summ = summariser.summarise(sents, emb, k=n_summary)
                for s in summ:
                    used.add(s.author_id)
                th.summary = [s.text for s in summ]
                cent = res.centroids.get(tid)
                rank = (
                    list(np.argsort(-(emb @ cent)))
                    if cent is not None and emb.shape[1] == len(cent)
                    else None
                )
                avoid = set(th.summary)
                for _ in range(
                    n_quotes
                ):  # one at a time: the same words from two people are one quote
                    got = pick_quotes(
                        sents,
                        used_authors=used,
                        n=1,
                        min_words=4,
                        max_words=40,
                        rank=rank,
                        allowed_words=allowed_words,
                        avoid=avoid,
                    )
                    if not got:
                        break
                    th.quotes.append(got[0].text)
                    avoid.add(got[0].text)
        themes.append(th)
    themes.sort(key=lambda t: (t.n is None, -(t.n or 0), t.theme_id))
    un = visible["unthemed"]
    log.info(
        "open question themed: %d answers, %d themes (%d hidden)",
        n,
        len(themes),
        sum(not t.shown for t in themes),
    )
    return OpenQuestion(
        question, n, themes, int(un) if pd.notna(un) else None, float(res.outlier_share_final)
    )
