"""The one quote gate: what verbatim text may appear in anything shared.

A summary sentence is a quote too (RELIABILITY.md 4). A sentence may be shown only when its
author agreed (the `quotable` flag, or the config's rule where the export has no consent
column), it names nobody, nothing was redacted from it, and it is a statement, not a question
or small talk. `quote_problem` says why not; `pick_quotes` picks quotes one per author.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from kmsynth.config import Config
from kmsynth.text import OPENERS, Sentence, country_words, fold

__all__ = [
    "PLACEHOLDER",
    "COURTESY",
    "is_courtesy",
    "is_question",
    "quote_problem",
    "shareable",
    "pick_quotes",
    "quotes_from_posts",
    "consent_rule",
    "with_consent",
    "CONSENT_RULE_TEXT",
]

PLACEHOLDER = re.compile(r"\[(?:NAME|PLACE|EMAIL|PHONE|URL|HANDLE|ID)\]")

COURTESY = re.compile(
    r"^[\"'“«¡(]*(?:"
    r"thanks?(?! to\b)|thank you|many thanks|congratulations|congrats|greetings|hello|hi\b|dear\b|"
    r"good (?:morning|afternoon|evening)|following (?:this|the) (?:thread|discussion)|well done|"
    r"great (?:post|point|question|work|initiative)|(?:i|we) (?:fully )?agree|"
    r"(?:we|i) (?:face|have|see) the same|"
    r"(?:muchas )?gracias(?! a\b)|felicidades|felicitaciones|saludos|hola|"
    r"buen(?:os|as) (?:d[íi]as|tardes)|"
    r"seguimos (?:esta|este|con)|estimad[oa]s|de acuerdo|"
    r"(?:enfrentamos|tenemos) (?:el mismo|los mismos)|"
    r"merci|f[ée]licitations|bravo|bonjour|salutations|chers|ch[èe]res|nous suivons|"
    r"je suis d'accord|(?:nous avons|nous faisons face) (?:au |aux )?m[êe]mes?|"
    r"(?:muito )?obrigad[oa]s?|parab[ée]ns|ol[áa]|sauda[çc][õo]es|bom dia|boa tarde|acompanhamos|"
    r"concordo|(?:enfrentamos|temos) (?:o mesmo|os mesmos|a mesma)|"
    # reactions, offers and plans about the thread rather than the topic
    r"this (?:really )?resonates|(?:this|that|it) (?:is|was) (?:so |really |very )?"
    r"(?:helpful|useful|inspiring|interesting|great)(?=\s*(?:[.!,;]|$|for (?:us|our|me|my)\b))|"
    r"very (?:helpful|useful|inspiring|interesting)|"
    r"great (?:discussion|thread|idea|example)s?|adding to (?:this|the) (?:thread|discussion)|"
    r"happy to share|(?:i|we) would (?:love|like) to hear|comments are welcome|"
    r"(?:we|i) will (?:post|share|upload)|(?:we are|we're|i am|i'm) (?:starting|beginning|planning|"
    r"designing) (?:similar|the same|this)|"
    r"our team (?:in [\w' -]{1,40}? )?is (?:designing|planning) this|"
    r"this is a live question|(?:could|can) you (?:please )?share|sharing (?:an|our) experience|"
    r"looking forward|same here|it would (?:help|be (?:great|useful|helpful|good))|"
    r"(?:we are|we're|i am|i'm) (?:looking|searching) for (?:examples|ideas|advice|experiences)|"
    r"any (?:ideas|examples|advice|suggestions|thoughts)|"
    r"coincido|muy [úu]til|buscamos (?:ejemplos|experiencias|ideas)|"
    r"nous cherchons des (?:exemples|exp[ée]riences)|procuramos (?:exemplos|experi[êe]ncias)|"
    r"(?:esto es|es) muy [úu]til|compartimos (?:una|nuestra) experiencia|"
    r"con gusto compartimos|estamos (?:empezando|comenzando|iniciando|dise[ñn]ando)|"
    r"tr[èe]s utile|nous pouvons partager|nous partageons (?:une|notre) exp[ée]rience|"
    r"muito [úu]til|estamos (?:come[çc]ando|iniciando)|compartilhamos|partilhamos|"
    # welcomes and self-introductions: about a person, not the topic (and they can identify)
    r"welcome|bienvenid[oa]s?|bienvenue|bem-vind[oa]s?|my name is|mi nombre es|je m'appelle|"
    r"meu nome [ée]|i(?:'m| am) (?:a|an|the|from|with|working)|i work (?:on|at|for|with|in|as)|"
    r"i'm new|soy (?:un|una|el|la|de)|trabajo (?:en|con|para|como)|"
    r"je suis (?:un|une|le|la|de|nouveau|nouvelle)|"
    r"je travaille|sou (?:um|uma|o|a|de)|trabalho (?:em|com|para|como|na|no)"
    r")\b",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^[\"'“«(]*(?:¿|(?:how|what|why|when|where|who|which|has anyone|does anyone|did anyone|"
    r"is there|are there|can anyone|could anyone|any (?:ideas|thoughts|advice|tips))\b.*[^.!]$)",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    """A question: ends with '?', opens with '¿', or opens with a question word and does not
    end as a statement ("How long did it take" without its mark)."""
    t = text.strip()
    return t.endswith("?") or bool(_QUESTION_START.match(t))


def is_courtesy(text: str) -> bool:
    """Thanks, greetings, welcomes, self-introductions, agreement, "following with interest",
    "we face the same challenge": nothing to summarise or quote (en/es/fr/pt), unless the
    sentence also states a lesson or a practice."""
    from kmsynth.synthesis.kinds import PRACTICE_VERBS, lesson_language

    return (
        bool(COURTESY.search(text.strip()))
        and not lesson_language(text)
        and not PRACTICE_VERBS.search(text)
    )


# --------------------------------------------------------------------------------------------
# the gate

_WORD = re.compile(r"(?<![\w'’\-\[])[^\W\d_][\w'’\-]*")
_MONTHS_DAYS = frozenset(
    """
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
""".split()
)
_ALWAYS_OK = frozenset("i i'm i've i'd ok covid-19 covid".split())


def _starts_after(text: str, i: int) -> bool:
    """Is position i the start of a sentence or clause inside `text`?"""
    before = text[:i].rstrip(OPENERS + " ")
    return not before or before[-1] in ".!?:;…"


def _proper_noun(t: str, allowed: set[str]) -> bool:
    for m in _WORD.finditer(t):
        w = m.group(0).strip("'’-")
        if not w or not w[0].isupper() or m.start() == 0 or _starts_after(t, m.start()):
            continue
        low = fold(w)
        if (
            (w.isupper() and len(w) >= 2)
            or low in _ALWAYS_OK
            or low in _MONTHS_DAYS
            or low in country_words()
            or w.lower() in allowed
        ):
            continue
        return True
    return False


def quote_problem(
    s: Sentence, *, min_words: int = 8, max_words: int = 40, allowed_words: Iterable[str] = ()
) -> str | None:
    """Why `s` cannot be shown verbatim, or None when it can. Reasons: not quotable (no
    consent), length, a placeholder left by redaction (the context around a removed name can
    still identify), markup, a question, courtesy, or a capitalised word that is not a country,
    a region or an acronym (it may be a name or a small place the block-list missed)."""
    if not s.quotable:
        return "not quotable"
    if not (min_words <= s.words <= max_words):
        return "length"
    t = s.text
    if PLACEHOLDER.search(t):
        return "redacted detail"
    if "<" in t or ">" in t:
        return "markup"
    if is_question(t):
        return "question"
    if is_courtesy(t):
        return "courtesy"
    if _proper_noun(t, {w.lower() for w in allowed_words}):
        return "proper noun"
    return None


def shareable(s: Sentence, allowed_words: Iterable[str] = ()) -> bool:
    """May `s` stand verbatim in a shared summary? The quote gate with summary lengths (5-40
    words)."""
    return quote_problem(s, min_words=5, max_words=40, allowed_words=allowed_words) is None


def pick_quotes(
    sentences: Sequence[Sentence],
    *,
    used_authors: set[str],
    n: int = 1,
    min_words: int = 8,
    max_words: int = 40,
    excluded_posts: set[str] | None = None,
    rank: Sequence[int] | None = None,
    allowed: Callable[[Sentence], bool] | None = None,
    allowed_words: Iterable[str] = (),
    avoid: set[str] | None = None,
) -> list[Sentence]:
    """Up to n quotes in `rank` order (default: input order) that pass `quote_problem`, at
    most one per author across calls sharing `used_authors` (a post without author is its own
    author), none from `excluded_posts` (a reviewer's exclusion), none failing `allowed` (e.g.
    from a group too small to show), none whose text is in `avoid` (already shown)."""
    out: list[Sentence] = []
    order = rank if rank is not None else range(len(sentences))
    allowed_words = list(allowed_words)
    for i in order:
        s = sentences[i]
        author = s.author_id or f"post:{s.post_id}"
        if author in used_authors or (excluded_posts and s.post_id in excluded_posts):
            continue
        if avoid and s.text in avoid:
            continue
        if quote_problem(s, min_words=min_words, max_words=max_words, allowed_words=allowed_words):
            continue
        if allowed is not None and not allowed(s):
            continue
        out.append(s)
        used_authors.add(author)
        if len(out) >= n:
            break
    return out


def quotes_from_posts(
    table: pd.DataFrame,
    post_ids: Sequence[str],
    *,
    used_authors: set[str],
    n: int = 1,
    excluded_posts: set[str] | None = None,
    avoid: Iterable[str] = (),
) -> list[str]:
    """Up to n quotes from the posts `post_ids` of a prepared table, in that order (e.g. a
    theme's representative posts), through `pick_quotes`; none repeating text in `avoid`."""
    from kmsynth.synthesis.summarise import sentences_of  # summarise imports this module

    ids = [str(p) for p in post_ids]
    order = {p: i for i, p in enumerate(ids)}
    frame = table.assign(post_id=table["post_id"].astype(str))
    frame = frame[frame["post_id"].isin(order)]
    frame = frame.iloc[np.argsort(frame["post_id"].map(order).to_numpy(), kind="stable")]
    shown = [a for a in avoid if a]
    sents = [s for s in sentences_of(frame) if not any(s.text in a for a in shown)]
    got = pick_quotes(sents, used_authors=used_authors, n=n, excluded_posts=excluded_posts)
    return [s.text for s in got]


# --------------------------------------------------------------------------------------------
# consent

CONSENT_RULE_TEXT = {  # completes "Verbatim text: ..."
    "consent": "only from posts whose authors agreed to be quoted (consent column)",
    "sources": "only from the sources configured as quotable (privacy.quotable_sources)",
    "allow": "allowed although the export has no consent column "
    "(privacy.verbatim_without_consent: allow)",
    "deny": "none shown, the export has no consent column (privacy.verbatim_without_consent: deny)",
}


def consent_rule(table: pd.DataFrame, config: Config | None = None) -> str:
    """Which rule decides what may be shown verbatim: 'consent' (the table has a consent
    column), 'sources' (quotable sources configured), else the config's 'allow' or 'deny'."""
    cfg = config or Config()
    if "consent_to_quote" in table.columns:
        return "consent"
    if cfg.privacy.quotable_sources is not None:
        return "sources"
    return cfg.privacy.verbatim_without_consent


def with_consent(table: pd.DataFrame, config: Config | None = None) -> pd.DataFrame:
    """The table with `quotable` set by `consent_rule`: as prepared under a consent column or
    quotable sources (and wherever a `quotable` flag is already given), all True under
    'allow', all False under 'deny' (the default)."""
    rule = consent_rule(table, config)
    if rule == "allow":
        return table.assign(quotable=True)
    if "quotable" in table.columns:
        return table.assign(quotable=table["quotable"].astype("boolean").fillna(False).astype(bool))
    if rule == "consent":
        ok = table["consent_to_quote"].astype("boolean").fillna(False).astype(bool)
        return table.assign(quotable=ok.to_numpy())
    return table.assign(quotable=False)
