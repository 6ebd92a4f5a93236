"""Text primitives shared by every stage: sentences, words, stop words, accent folding,
country names and the text key. One home for each, so no stage splits or folds differently.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

log = logging.getLogger(__name__)

__all__ = [
    "Sentence",
    "split_sentences",
    "sentence_texts",
    "fold",
    "stop_words",
    "country_names",
    "country_pattern",
    "country_words",
    "canonical_country",
    "countries_in",
    "text_key",
    "OPENERS",
]


def text_key(text: str) -> str:
    """The key of a text (embedding cache, store): sha256 of its UTF-8 bytes, hex. Lone
    surrogates (from broken decoding) are kept as they are, so every str has a key."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Sentence:
    """One sentence of one post: ``post_text[start:end] == text``, plus who and where."""

    text: str
    post_id: str
    start: int
    end: int
    author_id: str = ""
    quotable: bool = False
    country: str = ""
    region: str = ""
    language: str = ""
    organisation: str = ""

    @property
    def words(self) -> int:
        return len(self.text.split())


# --------------------------------------------------------------------------------------------
# sentence splitting

# abbreviations that end in a dot without ending the sentence (lower case, without the dot)
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr drs prof st jr sr vs cf approx dept govt gen hon rev mt ave inc ltd corp
    jan feb apr jun jul aug sep sept oct nov dec e.g i.e viz
    sra sras srta dra dras lic licda ing avda av pág pag aprox p.ej ud uds vd vds dpto depto cía arq
    mme mmes mlle mlles ste p.ex env bd
    profa exmo exma ilmo ilma v.ex sto sta
""".split()
)
# ... and those that only do so before a number ("No. 5", "art. 12", "p. 3")
_NUMBER_ABBREVIATIONS = frozenset(
    "no nos nº n° núm num art arts p pp vol fig ch chap cap sec para op".split()
)
_CANDIDATE = re.compile(
    r"(?P<stop>[.!?…]+[\"'”’»)\]]*)(?P<ws1>\s+)"
    r"|(?P<para>[ \t]*\n\s*)"
    r"|(?P<colon>:)[ \t]+"
    r"|(?P<comma>,)[ \t]+"
)
OPENERS = "\"'“‘«¿¡(["
_BULLET = re.compile(r"(?:[-*•–·▪]|\d{1,2}[.)])\s+")
_LEAD = re.compile(r"\s*(?:(?:[-*•–·▪]|\d{1,2}[.)])\s+)?")
_WORDCHARS = re.compile(r"\S+$")
_LETTERS = re.compile(r"[^\W\d_]+")
_ONE_LETTER_THEN_LOWER = re.compile(r"[^\W\d_]\s+[a-zà-öø-ÿ]")


def _starts_sentence(text: str, i: int) -> bool:
    """Does a sentence plausibly start at text[i]? (capital letter or digit, maybe after an
    opening quote, bracket or ¿ ¡; or a list bullet)."""
    if _BULLET.match(text, i):
        return True
    j = i
    while j < len(text) and text[j] in OPENERS:
        j += 1
    return j < len(text) and (text[j].isupper() or text[j].isdigit())


def _is_abbreviation(text: str, dot: int, next_at: int) -> bool:
    """Is the dot at text[dot] the end of an abbreviation or an initial rather than a sentence?"""
    m = _WORDCHARS.search(text, max(0, dot - 40), dot)
    if not m:
        return False
    token = m.group(0).lstrip(OPENERS)
    low = token.lower()
    if low in _ABBREVIATIONS:
        return True
    if low in _NUMBER_ABBREVIATIONS and next_at < len(text) and text[next_at].isdigit():
        return True
    if len(token) == 1 and token.isalpha() and token.isupper():  # an initial: "J. Smith"
        return True
    if "." in token and len(token) <= 6 and not token.endswith("."):  # "e.g", "U.N", "p.ej"
        return True
    return False


def _is_boundary(text: str, m: re.Match, sent_start: int) -> bool:
    nxt = m.end()
    if nxt >= len(text):
        return False
    if m.group("stop") is not None:
        if not _starts_sentence(text, nxt):
            return False
        stop = m.group("stop").rstrip("\"'”’»)]")
        if set(stop) == {"."} and len(stop) == 1:
            return not _is_abbreviation(text, m.start(), nxt)
        return True
    if m.group("para") is not None:
        if m.group("para").count("\n") >= 2 or _BULLET.match(text, nxt):
            return True
        prev = text[m.start() - 1] if m.start() > 0 else ""
        return bool(prev) and (prev in ".!?:;…" or _starts_sentence(text, nxt))
    if m.group("colon") is not None:  # "A question for colleagues: It is essential that ..."
        j = nxt
        while j < len(text) and text[j] in OPENERS:
            j += 1
        return j < len(text) and text[j].isupper()
    # comma: only a short lead-in glued to a new sentence ("Building on the previous post,
    # Helpline counsellors refer ..."): at most 8 words, none capitalised but the first (so
    # "In Belize, Grenada and Haiti, ..." stays whole), then a capitalised word
    word = _LETTERS.match(text, nxt)
    if not word or not word.group(0)[0].isupper() or m.start() - sent_start > 120:
        return False
    lead = text[sent_start : m.start()].split()
    if not lead or len(lead) > 8 or any(w[:1].isupper() for w in lead[1:]):
        return False
    if len(word.group(0)) == 1:  # "A", "O", "I": must be followed by a lower-case word
        return bool(_ONE_LETTER_THEN_LOWER.match(text, nxt))
    return True


def split_sentences(text: str, post_id: str = "", **meta: Any) -> list[Sentence]:
    """Sentences of one text with their offsets (``text[start:end] == sentence.text``).

    Regex-based, for English, Spanish, French and Portuguese: ends at . ! ? … followed by a
    capital (abbreviations such as Dr., Sra., Mme, e.g., No. 5 and initials excepted), at
    paragraph breaks and list bullets, after a colon followed by a capital, and after a short
    lead-in glued by a comma to a new sentence. Bullets are not part of a sentence.
    """
    text = "" if text is None else str(text)
    out: list[Sentence] = []
    start = 0
    cuts: list[tuple[int, int]] = []
    for m in _CANDIDATE.finditer(text):
        if m.start() < start:
            continue
        if _is_boundary(text, m, start):
            punct = m.group("stop") or m.group("colon") or m.group("comma") or ""
            cuts.append((m.start() + len(punct), m.end()))
            start = m.end()
    bounds = [0] + [b for _, b in cuts]
    ends = [a for a, _ in cuts] + [len(text)]
    for a, b in zip(bounds, ends, strict=True):
        lead = _LEAD.match(text, a)
        a = lead.end() if lead else a
        seg = text[a:b].rstrip()
        if seg.strip():
            out.append(Sentence(seg, str(post_id), a, a + len(seg), **meta))
    return out


def sentence_texts(text: str, min_chars: int = 1) -> list[str]:
    """The sentences of `text` as plain strings (see `split_sentences`), at least `min_chars`
    long; the whole (stripped) text when nothing qualifies."""
    parts = [s.text.strip() for s in split_sentences(text) if len(s.text.strip()) >= min_chars]
    return parts or ([str(text).strip()] if text is not None and str(text).strip() else [])


# --------------------------------------------------------------------------------------------
# folding, stop words, countries


def fold(s: str) -> str:
    """Lower case without accents, one character for one (offsets stay valid)."""
    out = []
    for ch in s:
        base = unicodedata.normalize("NFKD", ch)[0] if ch else ch
        low = base.lower()
        out.append(low if len(low) == 1 else base)
    return "".join(out).replace("’", "'")


@cache
def stop_words(lang: str | None = None, *, countries: bool = False) -> frozenset[str]:
    """Stop words: English (scikit-learn) and the placeholders redaction leaves, plus `lang`'s
    list from resources/stopwords.yml (es/fr/pt ...); every listed language when `lang` is None,
    "" or "und". With `countries`, country and territory names too (they say where, not what)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    raw = yaml.safe_load(
        resources.files("kmsynth").joinpath("resources/stopwords.yml").read_text("utf-8")
    )
    words = set(ENGLISH_STOP_WORDS) | {str(w).lower() for w in raw.get("placeholders", [])}
    langs = [k for k in raw if k != "placeholders"] if lang in (None, "", "und") else [lang]
    for code in langs:
        words.update(str(w).lower() for w in raw.get(code, []))
    if countries:
        try:
            from babel import Locale

            for loc in ("en", "es", "fr", "pt"):
                for name in Locale.parse(loc).territories.values():
                    words.update(re.findall(r"[^\W\d_]+", name.lower()))
        except Exception:  # pragma: no cover - babel missing or without data
            log.debug("country names unavailable for stop words", exc_info=True)
    return frozenset(words)


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Folded country name (en/es/fr/pt and aliases) -> English name. From the list shipped in
    kmsynth/resources/countries.yml, plus pycountry's names when pycountry is installed."""
    raw = yaml.safe_load(
        resources.files("kmsynth").joinpath("resources/countries.yml").read_text("utf-8")
    )
    out: dict[str, str] = {}
    by_code = {}
    for row in raw:
        by_code[row["code"]] = row["name"]
        for n in [row["name"], *row.get("names", [])]:
            out.setdefault(fold(str(n)), row["name"])
    try:  # optional: more English names and official names
        import pycountry

        for c in pycountry.countries:
            en = by_code.get(c.alpha_2)
            if en:
                for attr in ("name", "official_name", "common_name"):
                    v = getattr(c, attr, None)
                    if v:
                        out.setdefault(fold(v), en)
    except ImportError:
        pass
    return out


@lru_cache(maxsize=1)
def country_pattern() -> re.Pattern:
    names = sorted(
        country_names(), key=len, reverse=True
    )  # longest first: "papua new guinea" before "guinea"
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")


def canonical_country(value: str) -> str | None:
    """'México', 'Mexique', 'mexico' -> 'Mexico'; not a country -> None."""
    return country_names().get(fold(str(value).strip())) if value else None


def countries_in(text: str) -> list[str]:
    """Countries named in `text` (English names, in order of appearance, each once). A name
    counts only when capitalised in the text ("Chad", not "chad")."""
    folded = fold(text)
    names = country_names()
    out: list[str] = []
    for m in country_pattern().finditer(folded):
        if text[m.start()].isupper() and names[m.group(0)] not in out:
            out.append(names[m.group(0)])
    return out


@lru_cache(maxsize=1)
def country_words() -> frozenset[str]:
    return frozenset(w for n in country_names() for w in re.findall(r"[\w'’-]+", n))
