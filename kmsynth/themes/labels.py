"""Theme names, keywords and language mix.

A theme's name is a phrase people would write (issue 14): 2-5 words found in at least
`MIN_POSTS` of the theme's posts, inside one clause (no punctuation crossed), no stop word at
either end, no word repeated, in the language of most of the theme's posts, chosen for how many
of the theme's posts use it and how few other themes do. When an embedder is given, the name
must pick out its own theme: embedding it, its nearest theme centroid is its own. A theme with no
such phrase is named by its keywords (`label_kind` says which). Keywords stay beside the name,
the majority language's first, other languages' in `keywords_other`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

from kmsynth.embed import Embedder
from kmsynth.text import sentence_texts
from kmsynth.text import stop_words as text_stop_words

MIN_POSTS = 3  # a name is a phrase found in at least this many of the theme's posts
MAX_NAME_DOCS = 400  # posts per theme scanned for names (those nearest the centroid)
HUB_WORDS = frozenset(
    {
        "thank",
        "thanks",
        "dear",
        "colleagues",
        "hello",
        "hi",
        "regards",
        "gracias",
        "merci",
        "obrigado",
        "obrigada",
        "saludos",
        "think",
        "like",
        "just",
        "really",
        "also",
        "would",
        "could",
        "one",
        "many",
        "us",
        "well",
        "new",
        "use",
        "used",
        "re",
        "subject",
        "writes",
        "wrote",
        "article",
        "don",
        "doesn",
        "didn",
        "isn",
        "ve",
        "ll",
        "im",
    }
)
# content words in scikit-learn's English stop list: a name may end with them
# ("domestic violence bill", "referral system")
NAME_CONTENT_WORDS = frozenset(
    "bill fire system interest detail amount part side top bottom front back name".split()
)
TOKEN = r"(?u)\b[^\W\d_][^\W\d_'’-]+\b"
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_CLAUSE = re.compile(r"[,;:()\[\]{}\"“”«»!?…/|<>=*_#~]+|\s[-–—]\s|\.\s|\.$|\n")


@lru_cache(maxsize=64)
def theme_stop_words(languages: tuple[str, ...] | None = None) -> frozenset[str]:
    """Words never used at the ends of names or as keywords: the stop words of every language
    given (all known languages for None), country names, and words a hub uses everywhere."""
    langs = [None] if not languages else sorted(set(languages) | {"en"})
    words: set[str] = set(HUB_WORDS)
    for lang in langs:
        words |= text_stop_words(None if lang in ("und", "other") else lang, countries=True)
    return frozenset(words)


def keyword_vectorizer(n_docs: int, languages: Iterable[str] | None = None):
    """The CountVectorizer c-TF-IDF uses: 1-2 grams, the stop words of the languages present."""
    from sklearn.feature_extraction.text import CountVectorizer

    present = tuple(sorted({str(x) for x in languages})) if languages is not None else None
    # c-TF-IDF fits this on one joined document per theme: min_df counts themes, so it stays 1
    return CountVectorizer(
        stop_words=sorted(theme_stop_words(present)),
        token_pattern=TOKEN,
        ngram_range=(1, 2),
        min_df=1,
        lowercase=True,
        max_features=None if n_docs < 5000 else 100_000,
    )


def make_label(words: Sequence[str], n: int = 3) -> str:
    """A label from keywords: up to n distinct words, no word repeated inside a phrase."""
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


# --------------------------------------------------------------------------------------------
# languages


def majority_language(languages: Sequence[str]) -> str:
    """The most common language code ('und' when none is known); ties go to the first seen."""
    known = [x for x in languages if x and x != "und"]
    return Counter(known).most_common(1)[0][0] if known else "und"


def language_mix(languages: Sequence[str]) -> str:
    """'en 12, es 4': documents per language, most first (the analyst's view, not suppressed)."""
    counts = Counter(x or "und" for x in languages)
    return ", ".join(
        f"{lang} {n}" for lang, n in sorted(counts.items(), key=lambda t: (-t[1], t[0]))
    )


def shared_language_mix(mix: str, k: int) -> str:
    """A `language_mix` string safe to share: languages under k documents are pooled into
    "other", and a pool under k takes the smallest shown language too, so no count below k
    shows and none follows from the theme's size."""
    pairs = [(p.rsplit(" ", 1)[0], int(p.rsplit(" ", 1)[1])) for p in mix.split(", ") if p]
    shown = [(lang, n) for lang, n in pairs if n >= k and lang != "und"]
    rest = sum(n for _, n in pairs) - sum(n for _, n in shown)
    while shown and 0 < rest < k:
        rest += shown.pop()[1]
    parts = [f"{lang} {n}" for lang, n in shown]
    if rest:
        parts.append(f"other {rest}" if rest >= k or not shown else "other")
    return (
        ", ".join(parts) if shown else "mixed" if len(pairs) > 1 else (pairs[0][0] if pairs else "")
    )


# --------------------------------------------------------------------------------------------
# keywords per language


def keywords_by_language(
    texts: Sequence[str],
    languages: Sequence[str],
    labels: np.ndarray,
    theme: int,
    *,
    top_n: int = 5,
    min_docs: int = MIN_POSTS,
) -> dict[str, list[str]]:
    """language -> the theme's most distinctive words written in it (in >= 2 of its posts),
    for each language with at least `min_docs` posts in the theme."""
    langs = np.asarray([x or "und" for x in languages])
    out: dict[str, list[str]] = {}
    members = labels == theme
    for lang in sorted(set(langs[members])):
        here = np.flatnonzero(members & (langs == lang))
        if len(here) < min_docs or lang == "und":
            continue
        stop = theme_stop_words((lang,))
        inside = Counter(w for i in here for w in {w.lower() for w in _WORD.findall(texts[i])})
        same = np.flatnonzero(langs == lang)
        outside = Counter(
            w
            for i in same
            if labels[i] != theme
            for w in {w.lower() for w in _WORD.findall(texts[i])}
        )
        n_out = max(1, len(same) - len(here))
        score = {
            w: (c / len(here)) * np.log(1 + (c / len(here)) / ((outside[w] + 1) / n_out))
            for w, c in inside.items()
            if c >= 2 and w not in stop and len(w) > 2
        }
        out[lang] = sorted(score, key=lambda w: (-score[w], w))[:top_n]
    return out


def majority_only(words: Sequence[str], texts: Iterable[str]) -> list[str]:
    """The `words` written in `texts` (the majority language's posts); all of them when none
    is (the other languages' keywords are kept apart, in `keywords_by_language`)."""
    vocab = {w.lower() for t in texts for w in _WORD.findall(t)}
    return [w for w in words if set(w.lower().split()) <= vocab] or list(words)


# --------------------------------------------------------------------------------------------
# names


def _clauses(text: str) -> Iterable[list[str]]:
    """Runs of plain words inside one clause: a token that is not a plain word (an address,
    a number, a placeholder) ends the run, so no phrase spans it."""
    for sentence in sentence_texts(text):
        for clause in _CLAUSE.split(sentence):
            run: list[str] = []
            for token in clause.split() + [""]:
                word = token.strip(".'’")
                if word and _WORD.fullmatch(word):
                    run.append(word)
                    continue
                if len(run) >= 2:
                    yield run
                run = []


def phrase_counts(
    texts: Sequence[str], stop: frozenset[str], max_words: int = 5
) -> tuple[dict[str, set[int]], dict[str, Counter]]:
    """Candidate names in `texts`: lower-cased phrase -> indices of the texts holding it, and
    phrase -> its surface forms. A phrase is 2-`max_words` words inside one clause, with no stop
    word at either end and no word twice."""
    docs: dict[str, set[int]] = defaultdict(set)
    forms: dict[str, Counter] = defaultdict(Counter)
    for i, text in enumerate(texts):
        for words in _clauses(text):
            low = [w.lower() for w in words]
            for a in range(len(low)):
                if low[a] in stop or len(low[a]) < 2:
                    continue
                for b in range(a + 2, min(a + max_words, len(low)) + 1):
                    span = low[a:b]
                    if span[-1] in stop or len(span[-1]) < 2 or len(set(span)) < len(span):
                        continue
                    key = " ".join(span)
                    docs[key].add(i)
                    forms[key][" ".join(words[a:b])] += 1
    return docs, forms


def _display(forms: Counter) -> str:
    """The most common surface form, capitalised; a word in odd case ("vIsIt") lower-cased
    (acronyms and capitalised words stay)."""
    words = forms.most_common(1)[0][0].split()
    words = [w.lower() if not (w.isupper() or w[1:].islower() or len(w) < 2) else w for w in words]
    form = " ".join(words)
    return form[:1].upper() + form[1:]


def name_candidates(
    texts: Sequence[str],
    labels: np.ndarray,
    languages: Sequence[str],
    themes: Sequence[int],
    keywords: dict[int, list[str]],
    *,
    order: dict[int, np.ndarray] | None = None,
    top: int = 20,
) -> dict[int, list[tuple[str, float, int]]]:
    """theme -> up to `top` candidate names (display form, score, posts holding it), best
    first. Score: share of the theme's posts using the phrase x the share of all its uses that
    fall in this theme (squared), a little more for longer phrases and for keyword words."""
    langs = [x or "und" for x in languages]
    per_theme: dict[int, tuple[dict[str, set[int]], dict[str, Counter], int, str]] = {}
    for t in themes:
        members = order[t] if order is not None else np.flatnonzero(labels == t)
        lang = majority_language([langs[i] for i in members])
        pick = [i for i in members if langs[i] == lang or lang == "und"][:MAX_NAME_DOCS]
        stop = theme_stop_words(None if lang == "und" else (lang,)) - NAME_CONTENT_WORDS
        docs, forms = phrase_counts([texts[i] for i in pick], stop)
        per_theme[t] = (
            {p: d for p, d in docs.items() if len(d) >= MIN_POSTS},
            forms,
            len(pick),
            lang,
        )
    uses: Counter = Counter()
    for docs, _, _, _ in per_theme.values():
        for p, d in docs.items():
            uses[p] += len(d)
    out = {}
    for t, (docs, forms, n, _) in per_theme.items():
        kw = {w for k in keywords.get(t, []) for w in k.lower().split()}
        scored = []
        for p, d in docs.items():
            words = p.split()
            score = (len(d) / max(n, 1)) * (len(d) / uses[p]) ** 2
            score *= (1 + 0.1 * (len(words) - 2)) * (1 + 0.2 * len(kw & set(words)))
            scored.append((_display(forms[p]), score, len(d)))
        out[t] = sorted(scored, key=lambda s: (-s[1], s[0]))[:top]
    return out


def choose_names(
    candidates: dict[int, list[tuple[str, float, int]]],
    centroids: dict[int, np.ndarray],
    embedder: Embedder | None = None,
) -> dict[int, str]:
    """theme -> its best candidate whose embedding's nearest centroid is its own theme and that
    no earlier (larger) theme took; else its best candidate no other theme took; absent when
    it has none. Themes are served in id order (largest first)."""
    ids = sorted(centroids)
    passes: set[tuple[int, str]] = set()
    if embedder is not None and len(ids) > 1:
        flat = [(t, c[0]) for t, cs in candidates.items() for c in cs if t in centroids]
        if flat:
            vecs = np.asarray(embedder.encode([n for _, n in flat]), dtype=np.float32)
            sims = vecs @ np.vstack([centroids[i] for i in ids]).T
            nearest = np.asarray(ids)[sims.argmax(axis=1)]
            passes = {pair for pair, near in zip(flat, nearest, strict=True) if near == pair[0]}
    names: dict[int, str] = {}
    taken: set[str] = set()
    for t in sorted(candidates):
        options = [c[0] for c in candidates[t] if c[0].lower() not in taken]
        good = [n for n in options if (t, n) in passes] if passes else options
        pick = (good or options or [None])[0]
        if pick is not None:
            names[t] = pick
            taken.add(pick.lower())
    return names
