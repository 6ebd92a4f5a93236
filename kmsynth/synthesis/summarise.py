"""Sentences of posts, and the small tools the brief builds on (lessons, practices, MMR).

Nothing is invented: every item is a sentence of a (redacted) post, verbatim, carrying its
post id and its character offsets in that post (``text[start:end] == sentence``). The one
summariser is `kmsynth.synthesis.keypoints.KeyPointSummariser`; the one quote gate is
`kmsynth.synthesis.quotes`. `Summariser` is the interface for plugging in a local or hosted
language model: such a model chooses among the sentences it is given, it never writes new ones.

Languages: sentence splitting, lesson cues and practice patterns cover English, Spanish, French
and Portuguese.
"""

from __future__ import annotations

import logging
import re
from typing import Callable, Iterable, Protocol, Sequence, runtime_checkable

import numpy as np
import pandas as pd

from kmsynth.synthesis.quotes import COURTESY, PLACEHOLDER, is_courtesy  # noqa: F401
from kmsynth.text import (
    Sentence,
    canonical_country,
    countries_in,
    split_sentences,
)

log = logging.getLogger(__name__)



def _text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


def sentences_of(
    table: pd.DataFrame, id_col: str = "post_id", text_col: str = "text"
) -> list[Sentence]:
    """All sentences of a prepared (redacted) posts table, each with its post id, the author's
    pseudonym, quotability, country, region, language and organisation (when present)."""
    out: list[Sentence] = []
    org_col = next((c for c in ("organisation", "organization", "org") if c in table.columns), None)
    cols = {
        "author_id": "author_id",
        "country": "country",
        "region": "region",
        "language": "language",
    }
    for r in table.to_dict("records"):
        meta = {k: _text(r.get(c)) for k, c in cols.items()}
        meta["organisation"] = _text(r.get(org_col)) if org_col else ""
        q = r.get("quotable", False)
        meta["quotable"] = (
            bool(q)
            if q is not None and q is not pd.NA and not (isinstance(q, float) and np.isnan(q))
            else False
        )
        out.extend(split_sentences(r.get(text_col), _text(r.get(id_col)), **meta))
    return out


# --------------------------------------------------------------------------------------------
# summarising


@runtime_checkable
class Summariser(Protocol):
    """Choose up to k sentences that stand for a set of sentences (one theme).

    Must return sentences taken from `sentences` (same objects or equal ones): briefs quote,
    they never paraphrase. `embeddings` is (len(sentences), dim), rows L2-normalised. An
    implementation backed by a language model ranks or selects; it does not write text.
    """

    def summarise(
        self, sentences: Sequence[Sentence], embeddings: np.ndarray, k: int
    ) -> list[Sentence]: ...


def mmr(
    embeddings: np.ndarray,
    relevance: np.ndarray,
    k: int,
    *,
    diversity: float = 0.3,
    groups: Sequence[str] | None = None,
    max_per_group: int | None = None,
    duplicate_at: float = 0.95,
) -> list[int]:
    """Maximal marginal relevance: indices of up to k rows, each maximising
    ``(1 - diversity) * relevance - diversity * (max cosine to those already chosen)``.

    Rows closer than `duplicate_at` to a chosen row are never chosen; with `groups`, at most
    `max_per_group` rows per group (e.g. one sentence per post). Ties go to the lower index, so
    the result is deterministic.
    """
    n = len(relevance)
    if n == 0 or k <= 0:
        return []
    X = np.asarray(embeddings, dtype=np.float64)
    rel = np.asarray(relevance, dtype=np.float64)
    chosen: list[int] = []
    red = np.zeros(n)
    blocked = np.zeros(n, dtype=bool)
    per_group: dict[str, int] = {}
    while len(chosen) < k:
        score = (1 - diversity) * rel - diversity * red if chosen else rel.copy()
        score[blocked] = -np.inf
        j = int(np.argmax(score))
        if not np.isfinite(score[j]):
            break
        chosen.append(j)
        blocked[j] = True
        sim = X @ X[j]
        red = sim if len(chosen) == 1 else np.maximum(red, sim)
        blocked |= sim >= duplicate_at
        if groups is not None and max_per_group is not None:
            g = groups[j]
            per_group[g] = per_group.get(g, 0) + 1
            if per_group[g] >= max_per_group:
                blocked |= np.array([x == g for x in groups])
    return chosen


def centroid(embeddings: np.ndarray, groups: Sequence[str] | None = None) -> np.ndarray:
    """Unit-length mean of the rows; with `groups` (post ids) each group weighs the same, so a
    long post does not pull the centre of a theme towards itself."""
    X = np.asarray(embeddings, dtype=np.float64)
    if len(X) == 0:
        return np.zeros(X.shape[1] if X.ndim == 2 else 0)
    if groups is not None:
        counts = pd.Series(list(groups)).map(pd.Series(list(groups)).value_counts()).to_numpy(float)
        c = (X / counts[:, None]).sum(axis=0)
    else:
        c = X.mean(axis=0)
    return c / (np.linalg.norm(c) or 1.0)


def usable(s: Sentence, min_words: int = 6, max_words: int = 50) -> bool:
    """A sentence fit to stand in a brief: a statement of reasonable length, nothing redacted,
    not a courtesy."""
    t = s.text.rstrip()
    return (
        min_words <= s.words <= max_words
        and not t.endswith(("?", ":"))
        and not PLACEHOLDER.search(t)
        and not is_courtesy(t)
    )


def rank_by_centrality(sentences: Sequence[Sentence], embeddings: np.ndarray) -> list[int]:
    """Indices of `sentences`, most central first (cosine to the post-weighted centroid)."""
    if not len(sentences):
        return []
    emb = np.asarray(embeddings)
    rel = emb @ centroid(emb, [s.post_id for s in sentences])
    return [int(i) for i in np.argsort(-rel, kind="stable")]


# --------------------------------------------------------------------------------------------
# lessons learned

LESSON_CUES: dict[str, re.Pattern] = {
    "en": re.compile(
        r"^(?:lessons?|recommendations?)\b|\b(?:we (?:have |'ve )?(?:learned|learnt|realised|realized|found that)|(?:the|a|one|our|key|main|"
        r"important|big|biggest) lessons?\b|lessons? (?:learned|learnt|from)|it is (?:essential|critical|crucial|"
        r"key|vital|important|necessary|fundamental)|(?:is|are|was|were) (?:essential|critical|crucial|vital|key) "
        r"(?:to|for|in)|key to (?:the )?success|(?:a |the )?key (?:factor|ingredient|was|is)|success factor|"
        r"(?:we|i) (?:would )?(?:strongly )?recommend|our recommendation|works? best when|only works? when|"
        r"what worked|made the difference|should (?:always|never|be|start|include|involve|engage|ensure)|"
        r"must (?:be|reach|include|involve|start)|(?:takes|took) (?:at least|time|years))\b",
        re.I,
    ),
    "es": re.compile(
        r"^(?:lecciones|recomendaciones)\b|\b(?:aprendimos|hemos aprendido|nos dimos cuenta|(?:la|una|nuestra|principal) lecci[oó]n|"
        r"lecciones aprendidas|es (?:fundamental|esencial|clave|crucial|imprescindible|importante|necesario|vital)|"
        r"(?:son|fue|fueron) (?:fundamentales|esenciales|clave|cruciales)|la clave (?:del [ée]xito|fue|es|est[áa])|"
        r"(?:les |os )?recomendamos|se recomienda|funciona mejor cuando|solo funciona cuando|lo que funcion[óo]|"
        r"deber[íi]an? (?:ser|incluir|empezar|involucrar|garantizar))\b",
        re.I,
    ),
    "fr": re.compile(
        r"^(?:le[çc]ons|recommandations)\b|\b(?:nous avons (?:appris|compris|constat[ée])|(?:on|nous) a appris|(?:la|une|notre|principale) le[çc]on|"
        r"le[çc]ons apprises|il est (?:essentiel|crucial|important|indispensable|fondamental|n[ée]cessaire|vital)|"
        r"(?:est|sont|[ée]tait) (?:essentiel|essentielle|essentiels|cruciale?s?|indispensables?|fondamental)|"
        r"la cl[ée] (?:du succ[eè]s|de la r[ée]ussite|a [ée]t[ée]|est)|nous recommandons|(?:il est|on) recommand[ée]|"
        r"fonctionne mieux (?:quand|lorsque)|ce qui a (?:fonctionn[ée]|march[ée])|"
        r"(?:doit|doivent|devrait|devraient) (?:[êe]tre|inclure|commencer|impliquer|garantir))\b",
        re.I,
    ),
    "pt": re.compile(
        r"^(?:li[çc][õo]es|recomenda[çc][õo]es)\b|\b(?:aprendemos|(?:n[óo]s )?percebemos|(?:a|uma|nossa|principal) li[çc][ãa]o|li[çc][õo]es aprendidas|"
        r"[ée] (?:fundamental|essencial|crucial|imprescind[íi]vel|importante|necess[áa]rio|vital)|"
        r"(?:s[ãa]o|foi|foram) (?:fundamentais|essenciais|cruciais|chave)|a chave (?:do sucesso|foi|[ée]|est[áa])|"
        r"recomendamos|recomenda-se|funciona melhor quando|s[óo] funciona quando|o que funcionou|"
        r"(?:deve|devem|deveria|deveriam) (?:ser|incluir|come[çc]ar|envolver|garantir))\b",
        re.I,
    ),
}


def lesson_language(text: str) -> str | None:
    """The language whose lesson cue `text` carries ('en', 'es', 'fr', 'pt'), or None."""
    for lang, pat in LESSON_CUES.items():
        if pat.search(text):
            return lang
    return None


def find_lessons(sentences: Sequence[Sentence], *, min_words: int = 5) -> list[Sentence]:
    """Sentences that state a lesson or a recommendation, in en/es/fr/pt ("we learned", "it is
    essential", "key to success", "we recommend", "aprendimos", "es fundamental", "nous avons
    appris", "il est essentiel", "aprendemos", "é fundamental", ...). A sentence introduced by
    a cue ending in a colon ("Lesson learned: ...") counts too. Questions do not."""
    out: list[Sentence] = []
    intro_post: str | None = None  # a post whose "Lessons learned:" heading we are under
    for s in sentences:
        t = s.text.rstrip()
        if intro_post != s.post_id:
            intro_post = None
        if t.endswith(":"):
            intro_post = s.post_id if lesson_language(t) else None
            continue
        if s.words >= min_words and not t.endswith("?") and (intro_post or lesson_language(t)):
            out.append(s)
    return out


# --------------------------------------------------------------------------------------------
# promising practices and places

PRACTICE_VERBS = re.compile(
    r"\b(?:established|launched|introduced|set up|created|expanded|piloted|trained|adopted|developed|opened|"
    r"rolled out|scaled up|started|built|institutionali[sz]ed|integrated|now (?:meets|publishes|runs|offers|uses)|"
    r"estableci[óo]|lanz[óo]|impuls[óo]|cre[óo]|implement[óo]|ampli[óo]|capacit[óo]|abri[óo]|desarroll[óo]|"
    r"inici[óo]|puso en marcha|(?:ha|han) (?:creado|establecido|lanzado|implementado|ampliado)|"
    r"a mis en place|a lanc[ée]|a cr[ée]{1,2}|a introduit|a form[ée]|a ouvert|a d[ée]velopp[ée]|a [ée]tendu|"
    r"ont (?:mis en place|lanc[ée]|cr[ée]{1,2}|form[ée])|"
    r"estabeleceu|lan[çc]ou|criou|implementou|ampliou|capacitou|abriu|desenvolveu|iniciou|"
    r"(?:tem|têm) (?:criado|implementado))\b",
    re.I,
)
_PLACE_LEAD = re.compile(
    r"^(?:in|en|au|aux|em|no|na|nos|nas|à|dans|across)\s+(?:the\s+|el\s+|la\s+|le\s+|les\s+|l'|o\s+|a\s+|os\s+|as\s+)?"
    r"(?P<place>[^\W\d_][\w'’. -]{1,60}?)\s*,",
    re.I,
)
_SUBJECT = re.compile(
    r"\b(?:we|our (?:team|programme|program|project|initiative|partners)|the (?:programme|program|project|"
    r"initiative|government|ministry)|el programa|el proyecto|la iniciativa|nuestro (?:equipo|programa)|"
    r"nous|notre (?:équipe|programme)|le programme|le projet|l'initiative|o programa|o projeto|a iniciativa|"
    r"nossa equipe|nosso programa)\b",
    re.I,
)




def country_in(sentence: str) -> str | None:
    """The country a practice sentence is set in: the place of a lead-in ("In Jamaica, ...",
    "En México, ...", "Au Sénégal, ...", "Em Moçambique, ..."), else the first country named."""
    m = _PLACE_LEAD.match(sentence.strip())
    if m:
        c = canonical_country(m.group("place"))
        if c:
            return c
    found = countries_in(sentence)
    return found[0] if found else None


def find_practices(sentences: Sequence[Sentence]) -> list[tuple[Sentence, str]]:
    """Sentences that describe something done in a country, with that country's English name.

    A practice states an action (established, launched, estableció, a mis en place, criou, ...)
    and is set in a country named in the sentence ("In Jamaica, the programme established ...");
    failing that, a first-person or programme sentence ("we launched ...", "el programa creó ...")
    takes the country of its post. Questions do not count."""
    out: list[tuple[Sentence, str]] = []
    for s in sentences:
        t = s.text.rstrip()
        if t.endswith("?") or not PRACTICE_VERBS.search(t):
            continue
        c = country_in(t)
        if c is None and s.country and _SUBJECT.search(t):
            c = canonical_country(s.country)
        if c:
            out.append((s, c))
    return out


def group_by(items: Iterable, key: str | Callable) -> dict[str, list]:
    """Items grouped by an attribute name or a function, groups in order of first appearance;
    items without a value go under ''."""
    out: dict[str, list] = {}
    get = key if callable(key) else (lambda x: getattr(x, key, "") or "")
    for it in items:
        out.setdefault(str(get(it) or ""), []).append(it)
    return out
