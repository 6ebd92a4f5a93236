"""Open questions: themes in short redacted answers, each with its (suppressed) share of
respondents, typical answers and quotes from respondents who agreed to be quoted."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kmsynth.survey.stats import suppress_parts

if TYPE_CHECKING:
    from kmsynth.embed.embedders import Embedder
    from kmsynth.text import Sentence
    from kmsynth.themes.model import ThemeResult

log = logging.getLogger(__name__)

MIN_OPEN_ANSWERS = 20  # the themes engine needs at least this many answers
MAX_OPEN_THEMES = 12  # themes of one open question by default at most (a coder's codebook)


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


def quote_allowed_words(table: pd.DataFrame | None) -> list[str]:
    """Capitalised words a quote may contain (languages, tools, the survey's regions, countries
    and groups): not taken for a person's name by the quote gate."""
    words = ["English", "French", "Spanish", "Portuguese", "Arabic", "Zoom", "Teams", "Q&A"]
    if table is not None:
        for col in ("region", "country", "respondent_group"):
            if col in table.columns:
                for v in table[col].dropna().astype(str).unique():
                    words.extend(re.findall(r"[\w'’-]+", v))
    return words


def open_theme_count(n_answers: int, k: int) -> int:
    """How many themes an open question gets unless the analyst says: as many as could each be
    shown, answers / (2k), from 2 to MAX_OPEN_THEMES (a careful coder's codebook size). On FFT
    samples of 124 and 300 answers (8-9 human codes) this gave 6 and 12 themes, ARI 0.081 and
    0.084, where the themes engine's stability choice gave 5.3 and 4 (0.059, 0.059)."""
    return max(2, min(MAX_OPEN_THEMES, n_answers // (2 * k)))


def fit_open_themes(
    texts: Sequence[str],
    ids: Sequence[str] | None = None,
    *,
    embedder: Embedder | None = None,
    embeddings: np.ndarray | None = None,
    languages: Sequence[str] | None = None,
    k: int = 10,
    seed: int = 42,
    min_theme_size: int | None = None,
    n_themes: int | None = None,
) -> ThemeResult:
    """`themes.fit_themes` for short survey answers: no pillar guidance (feedback is about the
    event, not the six pillars); `n_themes` themes, by default `open_theme_count` (the rule is
    recorded in `result.params["n_themes_rule"]`). Themes under k answers are fitted all the
    same: the section hides them (with secondary suppression)."""
    from kmsynth.themes.model import fit_themes

    rule = "set by the analyst"
    if n_themes is None:
        n_themes = open_theme_count(len(texts), k)
        rule = f"answers / (2k), k = {k}, from 2 to {MAX_OPEN_THEMES}"
    res = fit_themes(
        list(texts),
        list(ids) if ids is not None else None,
        embedder=embedder,
        embeddings=embeddings,
        languages=languages,
        seed=seed,
        n_themes=n_themes,
        min_theme_size=min_theme_size,
        guided=False,
    )
    res.params["n_themes_rule"] = rule
    return res


@dataclass
class _Answers:
    """The non-blank answers of one question with their respondent ids, consent and language."""

    texts: list[str]
    ids: list[str]
    quotable: dict[str, bool]
    languages: list[str] | None
    kept: np.ndarray  # which input rows answered


def _answers(
    answers: pd.Series,
    ids: Sequence[str] | None,
    quotable: pd.Series | None,
    languages: Sequence[str] | None,
) -> _Answers:
    text = answers.astype("string").fillna("").str.strip()
    ok = text.ne("").to_numpy()
    ids_all = [str(x) for x in (ids if ids is not None else range(1, len(answers) + 1))]
    rids = [i for i, keep in zip(ids_all, ok, strict=True) if keep]
    q_all = (
        quotable.reindex(answers.index).fillna(False).astype(bool).to_numpy()
        if quotable is not None
        else np.zeros(len(answers), bool)
    )
    langs = None
    if languages is not None:
        langs = [str(x) for x, keep in zip(languages, ok, strict=True) if keep]
    return _Answers(text[ok].tolist(), rids, dict(zip(rids, q_all[ok], strict=True)), langs, ok)


def _vectors(a: _Answers, embedder: Embedder | None, embeddings: np.ndarray | None) -> np.ndarray:
    if embeddings is not None:
        x = np.asarray(embeddings)
        return x[a.kept] if len(x) == len(a.kept) else x
    if embedder is None:
        raise ValueError("theme_open_question needs an embedder or embeddings")
    if hasattr(embedder, "fit"):
        embedder.fit(a.texts)  # tfidf learns its space from these answers; others no-op
    return embedder.encode(a.texts)


def theme_cells(assignments: pd.DataFrame, theme_ids: Sequence[int], k: int) -> pd.DataFrame:
    """Respondents per theme and unthemed ('unthemed' row): `count`, and `shown` (the count
    after `suppress_parts`: under k hidden, a second one with it, and any theme whose rest of
    the answers is under k), <NA> when hidden."""
    counts = assignments["theme_id"].astype(int).value_counts()
    index = [str(t) for t in theme_ids] + ["unthemed"]
    cells = pd.Series(
        [int(counts.get(t, 0)) for t in theme_ids] + [int(counts.get(-1, 0))], index=index
    )
    return pd.DataFrame({"count": cells, "shown": suppress_parts(cells, k)})


def _typical_answers(
    sents: list[Sentence],
    vectors: np.ndarray,
    centroid: np.ndarray | None,
    *,
    n_summary: int,
    n_quotes: int,
    used: set[str],
    allowed: list[str],
) -> tuple[list[str], list[str]]:
    """Up to `n_summary` typical answers (the key points most respondents back, every member
    counting) and `n_quotes` further quotes: sentences that pass the one quote gate, from
    respondents who agreed, one per respondent (across calls sharing `used`)."""
    from kmsynth.synthesis import KeyPointSummariser, pick_quotes

    summariser = KeyPointSummariser(
        min_words=3, max_sentence_words=40, gate="quote", allowed_words=allowed
    )
    summ = summariser.summarise(sents, vectors, k=n_summary)
    used.update(s.author_id for s in summ)
    summary = [s.text for s in summ]
    rank = None
    if centroid is not None and vectors.shape[1] == len(centroid):
        rank = list(np.argsort(-(vectors @ centroid)))
    quotes: list[str] = []
    avoid = set(summary)
    for _ in range(n_quotes):  # one at a time: the same words from two people are one quote
        got = pick_quotes(
            sents,
            used_authors=used,
            n=1,
            min_words=4,
            max_words=40,
            rank=rank,
            allowed_words=allowed,
            avoid=avoid,
        )
        if not got:
            break
        quotes.append(got[0].text)
        avoid.add(got[0].text)
    return summary, quotes


def _member_sentences(members: list[str], a: _Answers, used: set[str]) -> list[Sentence]:
    """Sentences of the members' answers; quotable only where the respondent agreed and has
    not been quoted yet in this section (the others still count as support)."""
    from kmsynth.text import split_sentences

    by_id = dict(zip(a.ids, a.texts, strict=True))
    lang = dict(zip(a.ids, a.languages, strict=True)) if a.languages is not None else {}
    out: list[Sentence] = []
    for d in members:
        ok = bool(a.quotable.get(d, False)) and d not in used
        out += split_sentences(by_id[d], d, author_id=d, quotable=ok, language=lang.get(d, ""))
    return out


@dataclass
class _Quoting:
    """What choosing a question's typical answers and quotes needs."""

    answers: _Answers
    vectors: np.ndarray
    embedder: Embedder | None
    n_summary: int
    n_quotes: int
    used: set[str]
    allowed: list[str]

    def fill(self, th: OpenTheme, members: list[str], centroid: np.ndarray | None) -> None:
        """Fill a shown theme's typical answers and quotes from its quotable members."""
        sents = _member_sentences(members, self.answers, self.used)
        if not any(x.quotable for x in sents):
            return
        if self.embedder is not None:
            vec = self.embedder.encode([s.text for s in sents])
        else:
            pos = {rid: i for i, rid in enumerate(self.answers.ids)}
            vec = self.vectors[[pos[s.post_id] for s in sents]]
        th.summary, th.quotes = _typical_answers(
            sents,
            vec,
            centroid,
            n_summary=self.n_summary,
            n_quotes=self.n_quotes,
            used=self.used,
            allowed=self.allowed,
        )


def _open_themes(res: ThemeResult, cells: pd.DataFrame, n: int, q: _Quoting) -> list[OpenTheme]:
    """The question's themes, largest first, hidden ones without counts or texts."""
    doc_theme = res.assignments["theme_id"].astype(int).to_numpy()
    doc_ids = res.assignments["doc_id"].astype(str)
    themes: list[OpenTheme] = []
    for r in res.themes.itertuples(index=False):
        tid = int(r.theme_id)
        c, shown = int(cells.at[str(tid), "count"]), pd.notna(cells.at[str(tid), "shown"])
        th = OpenTheme(
            tid, str(r.label), str(r.keywords), c if shown else None, c / n if shown else None
        )
        if shown:
            q.fill(th, doc_ids[doc_theme == tid].tolist(), res.centroids.get(tid))
        themes.append(th)
    themes.sort(key=lambda t: (t.n is None, -(t.n or 0), t.theme_id))
    return themes


def theme_open_question(
    answers: pd.Series,
    *,
    question: str = "",
    embedder: Embedder | None = None,
    embeddings: np.ndarray | None = None,
    k: int = 10,
    quotable: pd.Series | None = None,
    ids: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    seed: int = 42,
    min_theme_size: int | None = None,
    n_themes: int | None = None,
    n_summary: int = 2,
    n_quotes: int = 2,
    used: set[str] | None = None,
    allowed_words: Iterable[str] = (),
) -> OpenQuestion:
    """Themes in one open question's (redacted) answers, each with its share of respondents
    who answered (suppressed with the unthemed answers, see `theme_cells`), up to `n_summary`
    typical answers and `n_quotes` quotes: verbatim answers of respondents marked quotable that
    pass the quote gate, one per respondent across calls sharing `used`. Fewer than 20 answers
    are not themed (the note says so)."""
    a = _answers(answers, ids, quotable, languages)
    n = len(a.texts)
    if n < max(MIN_OPEN_ANSWERS, k):
        need = max(MIN_OPEN_ANSWERS, k)
        said = f"{n} answers" if n == 0 or n >= k else f"Fewer than {k} answers"
        return OpenQuestion(
            question, n, note=f"{said}: too few to find themes (at least {need} needed)."
        )
    x = _vectors(a, embedder, embeddings)
    res = fit_open_themes(
        a.texts,
        a.ids,
        embedder=embedder,
        embeddings=x,
        languages=a.languages,
        k=k,
        seed=seed,
        min_theme_size=min_theme_size,
        n_themes=n_themes,
    )
    cells = theme_cells(res.assignments, [int(t) for t in res.themes["theme_id"]], k)
    used = used if used is not None else set()
    quoting = _Quoting(a, x, embedder, n_summary, n_quotes, used, list(allowed_words))
    themes = _open_themes(res, cells, n, quoting)
    un = cells.at["unthemed", "shown"]
    log.info(
        "open question themed: %d answers, %d themes (%d hidden)",
        n,
        len(themes),
        sum(not t.shown for t in themes),
    )
    return OpenQuestion(
        question, n, themes, int(un) if pd.notna(un) else None, float(res.outlier_share_final)
    )
