"""Redaction: e-mails (plain and disguised), phones, personal URLs, handles, ID numbers and the
dataset's own names and places become typed placeholders.

Offline and deterministic: the same text gives the same redacted text. Years, percentages,
amounts, dates and law or article numbers stay.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from kmsynth.protect.names import (
    HandleMatcher,
    common_name_words,
    fold_name,
    split_people,
)

__all__ = ["PLACEHOLDERS", "Redactor"]

PLACEHOLDERS = ("[EMAIL]", "[PHONE]", "[URL]", "[HANDLE]", "[ID]", "[NAME]", "[PLACE]")

_TLD = r"(?:com|org|net|int|edu|gov|info|io|co|[a-z]{2})"
# ---- e-mail: plain, spaced ("amina @ gmail . com"), disguised ("amina at gmail dot com")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_EMAIL_SPACED = re.compile(
    rf"(?<![\w.+-])[\w.+-]+[ \t]{{0,2}}@[ \t]{{0,2}}[\w-]+(?:[ \t]{{0,2}}\.[ \t]{{0,2}}[\w-]+)*"
    rf"[ \t]{{0,2}}\.[ \t]{{0,2}}{_TLD}\b(?![\w/])",
    re.IGNORECASE,
)
_ATW = r"(?:at|arroba|arobase)"
_DOTW = r"(?:dot|punto|point|ponto)"
_AT = rf"(?:\s*[\[\(\{{<]\s*{_ATW}\s*[\]\)\}}>]\s*|\s+{_ATW}\s+)"
_DOT = rf"(?:\s*[\[\(\{{<]\s*{_DOTW}\s*[\]\)\}}>]\s*|\s+{_DOTW}\s+|\.)"
_EMAIL_OBF = re.compile(
    rf"\b[A-Za-z0-9][\w.+-]*{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}{_TLD}\b(?![/\w])",
    re.IGNORECASE,
)
# what every disguised address has: 'at' between spaces/brackets, a word, then a 'dot' form or
# '.' and a letter. A cheap scan; the full pattern above runs only where this is found.
_AT_HINT = re.compile(
    rf"[\s\[\(\{{<]{_ATW}[\s\]\)\}}>]+[a-z0-9-]+"
    rf"(?:\s*[\[\(\{{<]\s*{_DOTW}|\s+{_DOTW}\s|\.[a-z0-9-])",
    re.IGNORECASE,
)
# ---- URLs: social profiles, personal blogs and personal paths are redacted; organisations stay
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_SOCIAL = (
    r"facebook|fb|instagram|twitter|x|tiktok|linkedin|t|wa|m|youtube|snapchat|telegram|vk|"
    r"threads|wechat|whatsapp|github|gitlab|medium|substack|onlyfans|reddit|pinterest|tumblr|"
    r"flickr|soundcloud|twitch|linktr|bsky|mastodon|patreon|ko-fi|buymeacoffee"
)
_BLOGS = r"blogspot|wordpress|tumblr|wixsite|weebly|substack|medium|github|carrd|over-blog|jimdo"
_BARE_SOCIAL = re.compile(
    rf"(?<![\w.@/-])(?:{_SOCIAL})\.(?:com|me|net|ee|app|social|io)/[^\s<>\"')\]]+",
    re.IGNORECASE,
)
_BARE_BLOG = re.compile(
    rf"(?<![\w.@/-])[\w-]+\.(?:{_BLOGS})\.[a-z]{{2,3}}(?:\.[a-z]{{2}})?\b(?:/[^\s<>\"')\]]*)?",
    re.IGNORECASE,
)
# substrings every bare social or blog address holds (checked on the lower-cased text)
_SOCIAL_HINTS = (".com/", ".me/", ".net/", ".ee/", ".app/", ".social/", ".io/")
_BLOG_HINTS = tuple(_BLOGS.split("|"))
_PERSONAL_HOSTS = re.compile(
    rf"(?:^|\.)(?:{_SOCIAL})\.(?:com|me|net|ee|app|social|io)$"
    rf"|^[\w-]+\.(?:{_BLOGS})\.[a-z]{{2,3}}(?:\.[a-z]{{2}})?$",
    re.IGNORECASE,
)
_PERSONAL_PATH = re.compile(
    r"/(?:~|u/|user/|users/|profile|people/|in/|@)|[?&](?:id|uid|user|email|phone)=",
    re.IGNORECASE,
)
# ---- @handles (not e-mails: the @ must not follow a word character) and Skype ids
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?\b")
_SKYPE = re.compile(
    r"\b(skype(?:[ \t]*(?:id|name|handle|user))?"
    r"(?:[ \t]*(?::|=|-|\bis\b)[ \t]*|[ \t]+(?=\S*[._\d:])))"
    r"((?:live:)?\.?[A-Za-z0-9][\w.\-]{1,40}[A-Za-z0-9_])",
    re.IGNORECASE,
)
_LIVE_ID = re.compile(r"(?<![\w/.:])live:\.?[A-Za-z0-9][\w.\-]{2,40}", re.IGNORECASE)
# ---- phone numbers
_PHONE_INTL = re.compile(r"(?<![\w+])(?:\+|00)[1-9]\d{0,3}(?:[\s.\-]?\(?\d{1,5}\)?){2,6}(?![\w%])")
_PHONE_LOCAL = re.compile(
    r"(?<![\w/.,])(?:\(0\d{1,4}\)|0\d{1,4})(?:[\s.\-]?\d{2,4}){2,4}(?![\w%/])"
    r"|(?<![\w/.,])\(\d{3}\)\s?\d{3}[\s.\-]\d{4}(?![\w%])"
    r"|(?<![\w/.,$€£])\d{3}[.\-]\d{3}[.\-]\d{4}(?![\w%])"
    r"|(?<![\w/.,$€£])\d{3}\s\d{3}\s\d{4}(?![\w%])"
    r"|(?<![\w/.,$€£])\d{2}(?:\s\d{2}){4}(?![\w%])"
)
# a seven-digit local number: "555 0198", "555-0198", "555.0198"
_PHONE_SHORT = re.compile(
    r"(?:(?<![\w/,$€£#+\-])(\(\d{1,4}(?: \d{1,2})?\) ?)"  # an area code: "(09) ", "(41 1) "
    r"|(?<![\w/.,$€£#+\-])(\d{3}[ .\-])?)"  # or "706 ", or none
    r"(\d{3})([ .\-])(\d{4})(?![\w%/]|[.,]\d)"
)
_PHONE_WORDS = re.compile(
    r"(?:call|tel|phone|ring|dial|text|sms|whats ?app|mobile|cell|line|number|contact|"
    r"n[uú]mero|tel[eé]fono|llam|celular|appel|t[eé]l[eé]phone|portable|ligue|telefone)\W*"
    r"(?:\w+\W+){0,3}$",
    re.IGNORECASE,
)
# ---- ID-like numbers: passports, national ids, social security numbers, long digit runs
_IDLIKE = re.compile(
    r"\b(?:[A-Z]{1,3}\d{6,12}[A-Z]?|\d{3}-\d{2}-\d{4}|\d{6,10}[\-/]\d{3,8}"
    r"|\d{2,6}(?:[\-/]\d{2,8}){2,4}[A-Z]?|\d{9,})\b"
)
# one pattern each (an alternation of them scans several times slower); the boundary checks
# come after the first characters so the scan can skip ahead
_ID_EXTRA = (
    re.compile(r"[A-Z]{2}(?<!\w[A-Z]{2}) ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"),  # UK National Insurance
    re.compile(r"[A-Z][AEIOUX][A-Z]{2}(?<!\w[A-Z]{4})\d{6}[HM][A-Z]{5}[A-Z0-9]\d\b"),  # CURP
    re.compile(r"\d(?<![\d.,]\d)\d{6,7}-[\dkK]\b"),  # RUT / RUN without dots
    re.compile(r"\d(?<![\d.,]\d)\d{0,2}\.\d{3}\.\d{3}-[\dkK]\b"),  # dotted, with check digit
)
# what each of the four patterns below needs; a quick scan (it starts with a digit)
_LONG_NUMBER_HINT = re.compile(r"\d{3}[ .\-]\d{3}|\d{8}")
# (a pattern that starts with a digit scans fast: the look-behind comes after the first one)
_GROUPED_ID = re.compile(r"\d(?<![\w.,]\d)\d{3}([ \-])\d{4}\1\d{4}(?:\1\d{4})?(?![\w%]|[.,]\d)")
_DOTTED_ID = re.compile(r"\d(?<![\w.,$€£]\d)\d?\.\d{3}\.\d{3}(?![\w%]|[.,]\d)")
_EIGHT = re.compile(r"\d(?<![\w.,$€£/\-]\d)\d{7}(?![\w%]|[.,/\-]\d)")
_SHORT_HINT = re.compile(r"\d{3}[ .\-]\d{4}")
_DATE_LIKE = re.compile(
    r"^(?:\d{1,2}[/\-.]\d{1,2}[/\-.](?:\d{2}|\d{4})|\d{4}[/\-.]\d{1,2}[/\-.]\d{1,2})$"
)
_YEAR_RANGE = re.compile(r"^(?:19|20)\d{2}\s*[\-–/]\s*(?:19|20)?\d{2}$")
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
# a number is an amount or a quantity, not an id, when money or a count word is next to it
_MONEY_BEFORE = re.compile(
    r"(?:[$€£¥₹₦₱]|\b(?:usd|eur|gbp|kes|ksh|mxn|cop|ars|clp|brl|r\$|ngn|zar|ugx|tzs|inr|pen|"
    r"gtq|hnl|jmd|ttd|bbd|xof|xaf|ghs|etb|pesos?|soles|reais|us\$))\s?$",
    re.IGNORECASE,
)
_QUANTITY_AFTER = re.compile(
    r"^\s?(?:%|percent|per ?cent|por ?ciento|pour ?cent|mil+ions?|mill[oó]n|millones|mil\b|"
    r"bn|billions?|pesos|euros|dollars|d[oó]lares|reais|soles|shillings|usd|eur|women|mujeres|"
    r"femmes|mulheres|people|personas|personnes|pessoas|girls|ni[nñ]as|filles|meninas|cases|"
    r"casos|cas\b|victims|v[ií]ctimas|victimes|survivors|sobrevivientes|survivantes|habitantes|"
    r"inhabitants|households|hogares|calls|llamadas|appels|km|hect\w*|tons?|toneladas)(?!\w)",
    re.IGNORECASE,
)
_LETTER_RUN = re.compile(r"[^\W\d_]+", re.UNICODE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)


def _digits(s: str) -> int:
    return sum(ch.isdigit() for ch in s)


def _amount(text: str, a: int, b: int) -> bool:
    """True when the number at text[a:b] reads as money or a count (currency before, a unit or
    a counted noun after)."""
    return bool(_MONEY_BEFORE.search(text[max(0, a - 6) : a])) or bool(
        _QUANTITY_AFTER.match(text[b : b + 16])
    )


def _number_sub(
    pattern: re.Pattern, token: str, keep: Callable[[re.Match, str], bool]
) -> Callable[[str], str]:
    def sub(text: str) -> str:
        def one(m: re.Match) -> str:
            return m.group(0) if keep(m, text) else token

        return pattern.sub(one, text)

    return sub


def _keep_short_phone(m: re.Match, text: str) -> bool:
    # "555 0198" is a phone; "555-0198" too unless it reads as a range of counts
    if _amount(text, m.start(), m.end()):
        return True
    if m.group(1) or m.group(2):
        return False  # with an area code: "706 542-0358", "(09) 380 3272"
    if m.group(4) == " " and _YEAR.match(m.group(5)):
        return True  # "120 2023": a count, then a year
    if m.group(4) == " " or m.group(5).startswith("0"):
        return False
    return not _PHONE_WORDS.search(text[max(0, m.start() - 40) : m.start()])


def _keep_grouped(m: re.Match, text: str) -> bool:
    groups = re.findall(r"\d{4}", m.group(0))
    return all(_YEAR.match(g) for g in groups) or _amount(text, m.start(), m.end())


def _keep_dotted(m: re.Match, text: str) -> bool:
    return _amount(text, m.start(), m.end())


def _keep_eight(m: re.Match, text: str) -> bool:
    s = m.group(0)
    y, mo, d = int(s[:4]), int(s[4:6]), int(s[6:])
    if 1900 <= y <= 2099 and 1 <= mo <= 12 and 1 <= d <= 31:
        return True  # a date written YYYYMMDD
    if s.endswith("0000"):
        return True  # a round number (81000000) is an amount, not an id
    return _amount(text, m.start(), m.end())


_SHORT_PHONES = _number_sub(_PHONE_SHORT, "[PHONE]", _keep_short_phone)
_GROUPED_IDS = _number_sub(_GROUPED_ID, "[ID]", _keep_grouped)
_DOTTED_IDS = _number_sub(_DOTTED_ID, "[ID]", _keep_dotted)
_EIGHT_IDS = _number_sub(_EIGHT, "[ID]", _keep_eight)


@dataclass
class Redactor:
    """Replace personal data with typed placeholders.

    `names` and `places` are block-lists: the dataset's own author and participant names and
    any configured places. A handle (`One_Quit_6653`) is replaced whole, never word by word;
    a full name whole, and its parts (3+ letters, capitalised in the text) alone only when they
    are not common words of the post's language or of the corpus (`common`, folded words).
    """

    names: Sequence[str] = ()
    places: Sequence[str] = ()
    common: Collection[str] = ()
    _names: dict[tuple[str, ...], bool] = field(default_factory=dict, init=False, repr=False)
    _places: dict[tuple[str, ...], bool] = field(default_factory=dict, init=False, repr=False)
    _longest: int = field(default=1, init=False, repr=False)
    _first: set = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        people, handles = split_people(self.names)
        self._handles = HandleMatcher(handles)
        # a one-word handle (@amina) is also a name: "Amina" alone goes unless a common word
        people += [h.lstrip("@") for h in handles if _WORD.fullmatch(h.lstrip("@"))]
        self._common = frozenset(fold_name(w) for w in self.common)
        self._names = self._terms(people, parts=True)
        self._places = self._terms(self.places, parts=False)
        self._longest = max([len(t) for t in (*self._names, *self._places)] + [1])
        self._first = {t[0] for t in (*self._names, *self._places)}  # quick rejection per token
        # quick rejection per text: the letter runs a first word starts with (o'brien -> o)
        self._first_runs = frozenset(_LETTER_RUN.findall(" ".join(self._first)))

    @staticmethod
    def _terms(items: Iterable[str], parts: bool) -> dict[tuple[str, ...], bool]:
        """Block-list terms as tuples of folded words: full names (True) and their parts
        (False: a part alone is checked against common words when found)."""
        terms: dict[tuple[str, ...], bool] = {}
        for item in items:
            words = _WORD.findall(str(item))
            if not words or (len(words) == 1 and len(words[0]) < 3):
                continue
            # a one-word name is checked like a name part (a display name "Hope" or "Sorry")
            terms[tuple(fold_name(w) for w in words)] = not parts or len(words) > 1
            if parts and len(words) > 1:
                for w in words:
                    if len(w) >= 3 and not w[:1].islower():
                        terms.setdefault((fold_name(w),), False)
        return terms

    def _is_common(self, part: str, lang: str | None) -> bool:
        return part in self._common or part in common_name_words(lang or None)

    def _tokens(self, text: str) -> list[tuple[int, int, str]]:
        toks = []
        for m in _WORD.finditer(text):
            w, end = m.group(0), m.end()
            if len(w) > 3 and w[-2] in "'’" and w[-1] in "sS":  # possessive: Okafor's -> Okafor
                w, end = w[:-2], end - 2
            toks.append((m.start(), end, w))
        return toks

    def _hit(self, toks: list, folded: list[str], i: int, lang: str | None) -> tuple | None:
        for n in range(min(self._longest, len(toks) - i), 0, -1):
            key = tuple(folded[i : i + n])
            if key in self._names:
                # one name part alone: capitalised (or in a script without case), not a common
                # word; a full name of common words only ("Never Stop") must be capitalised too
                capital = not toks[i][2][:1].islower()
                if n > 1 and (capital or not all(self._is_common(w, lang) for w in key)):
                    return n, "[NAME]"
                if n == 1 and capital and not self._is_common(key[0], lang):
                    return n, "[NAME]"
            if key in self._places:
                return n, "[PLACE]"
        return None

    def _sub_terms(self, text: str, lang: str | None = None) -> str:
        """Replace block-listed names (capitalised in the text) and places, longest match first."""
        if not self._names and not self._places:
            return text
        # most posts name nobody on the list: the text's letter runs (accents folded, cached per
        # word) tell at C speed; the runs split where the tokens below split, so nothing is missed
        runs = _LETTER_RUN.findall(text.lower())
        if not text.isascii():
            runs = [r if r.isascii() else fold_name(r) for r in runs]
        if self._first_runs.isdisjoint(runs):
            return text
        toks = self._tokens(text)
        folded = [fold_name(t[2]) for t in toks]
        spans: list[tuple[int, int, str]] = []
        i = 0
        while i < len(toks):
            hit = self._hit(toks, folded, i, lang) if folded[i] in self._first else None
            if hit:
                n, token = hit
                spans.append((toks[i][0], toks[i + n - 1][1], token))
                i += n
            else:
                i += 1
        for a, b, token in reversed(spans):
            text = text[:a] + token + text[b:]
        return text

    def redact(self, text: str, lang: str | None = None) -> str:
        """Return `text` with e-mails, phones, personal URLs, handles, ID numbers and names
        replaced; `lang` (ISO 639-1, when known) picks the common words a name part may be."""
        if not text:
            return text
        if not text.isascii() and not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)  # decomposed accents would split words
        text = self._contacts(text)
        text = self._numbers(text)
        if self._handles:
            text = self._handles.sub(text)
        return self._sub_terms(text, lang)

    def _contacts(self, text: str) -> str:
        # Cheap exact pre-checks skip patterns that cannot match (most posts hold no contact).
        lower = text.lower()
        if "@" in text:
            text = _EMAIL.sub("[EMAIL]", text)
            if "@" in text:  # an address with spaces in it ("amina @ gmail . com")
                text = _EMAIL_SPACED.sub("[EMAIL]", text)
        if "http" in lower or "www." in lower:
            text = _URL.sub(self._url, text)
        if any(h in lower for h in _SOCIAL_HINTS):
            text = _BARE_SOCIAL.sub("[URL]", text)
        if any(h in lower for h in _BLOG_HINTS):
            text = _BARE_BLOG.sub("[URL]", text)
        if _AT_HINT.search(text):
            text = _EMAIL_OBF.sub("[EMAIL]", text)
        if "@" in text:
            text = _HANDLE.sub("[HANDLE]", text)
        if "skype" in lower:
            text = _SKYPE.sub(lambda m: m.group(1) + "[HANDLE]", text)
        if "live:" in lower:
            text = _LIVE_ID.sub("[HANDLE]", text)
        return text

    def _numbers(self, text: str) -> str:
        digits = sum(map(text.count, "0123456789"))
        if digits >= 7:
            text = _PHONE_INTL.sub(lambda m: self._number(m, "[PHONE]", 7), text)
            text = _PHONE_LOCAL.sub(lambda m: self._number(m, "[PHONE]", 7), text)
        if digits >= 6:
            for pattern in _ID_EXTRA:
                text = pattern.sub("[ID]", text)
            text = _IDLIKE.sub(lambda m: self._number(m, "[ID]", 6), text)
        if digits >= 7 and _LONG_NUMBER_HINT.search(text):
            text = _GROUPED_IDS(text)
            text = _DOTTED_IDS(text)
            text = _EIGHT_IDS(text)
            if _SHORT_HINT.search(text):
                text = _SHORT_PHONES(text)
        return text

    @staticmethod
    def _url(m: re.Match) -> str:
        url = m.group(0).rstrip(".,;:!?")
        tail = m.group(0)[len(url) :]
        host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url, flags=re.I)
        host = host.split("/")[0].split(":")[0]
        path = url[url.find(host) + len(host) :]
        if _PERSONAL_HOSTS.search(host) or _PERSONAL_PATH.search(path) or "@" in url:
            return "[URL]" + tail
        return m.group(0)

    @staticmethod
    def _number(m: re.Match, token: str, min_digits: int) -> str:
        s = m.group(0)
        core = s.strip()
        if _digits(core) < min_digits or _YEAR_RANGE.match(core) or _DATE_LIKE.match(core):
            return s
        return token

    def redact_series(self, texts: pd.Series, langs: pd.Series | None = None) -> pd.Series:
        """Redact every text of a Series (each with its language, when `langs` is given)."""
        texts = texts.astype(str)
        if langs is None:
            return texts.map(self.redact)
        codes = langs.reindex(texts.index).fillna("").astype(str).str.strip().str.lower()
        return pd.Series(
            [self.redact(t, c or None) for t, c in zip(texts, codes, strict=True)],
            index=texts.index,
            dtype=object,
        )
