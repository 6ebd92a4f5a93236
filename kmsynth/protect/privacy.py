"""Protecting people: redaction, pseudonyms, small-cell suppression and the quoting rule.

Everything here is offline and deterministic: the same text gives the same redacted text.
Redaction runs before any text is embedded, shown or written.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from kmsynth.config import MIN_CELL_FLOOR

log = logging.getLogger(__name__)

PLACEHOLDERS = ("[EMAIL]", "[PHONE]", "[URL]", "[HANDLE]", "[ID]", "[NAME]", "[PLACE]")

# ---- e-mail, plain and disguised ("amina at gmail dot com", "amina[at]mail[dot]org")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_AT = r"(?:\s*[\[\(\{<]\s*(?:at|arroba|arobase)\s*[\]\)\}>]\s*|\s+(?:at|arroba|arobase)\s+)"
_DOT = r"(?:\s*[\[\(\{<]\s*(?:dot|punto|point|ponto)\s*[\]\)\}>]\s*|\s+(?:dot|punto|point|ponto)\s+|\.)"
_EMAIL_OBF = re.compile(
    rf"\b[A-Za-z0-9][\w.+-]*{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}"
    r"(?:com|org|net|int|edu|gov|info|io|co|[a-z]{2})\b",
    re.IGNORECASE,
)
# what every disguised address has: 'at' between spaces/brackets, a word, then a 'dot' form or
# '.' and a letter. A cheap scan; the full pattern above runs only where this is found.
_AT_HINT = re.compile(r"[\s\[\(\{<](?:at|arroba|arobase)[\s\]\)\}>]+[a-z0-9-]+"
                      r"(?:\s*[\[\(\{<]\s*(?:dot|punto|point|ponto)|\s+(?:dot|punto|point|ponto)\s|\.[a-z0-9-])",
                      re.IGNORECASE)
# ---- URLs: social profiles and personal paths are redacted; organisation pages stay
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_BARE_SOCIAL = re.compile(
    r"\b(?:facebook|fb|instagram|twitter|x|tiktok|linkedin|t|wa|youtube|snapchat|telegram)"
    r"\.(?:com|me)/[^\s<>\"')\]]+", re.IGNORECASE)
_PERSONAL_HOSTS = re.compile(
    r"(?:^|\.)(?:facebook|fb|instagram|twitter|x|tiktok|linkedin|wa|t|youtube|snapchat|"
    r"telegram|vk|threads|wechat|whatsapp|github|medium|substack|onlyfans)\.(?:com|me|net)$",
    re.IGNORECASE)
_PERSONAL_PATH = re.compile(r"/(?:~|u/|user/|users/|profile|people/|in/|@)|[?&](?:id|uid|user|email|phone)=",
                            re.IGNORECASE)
# ---- @handles (not e-mails: the @ must not follow a word character)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?\b")
# ---- phone numbers
_PHONE_INTL = re.compile(r"(?<![\w+])(?:\+|00)[1-9]\d{0,3}(?:[\s.\-]?\(?\d{1,5}\)?){2,6}(?![\w%])")
_PHONE_LOCAL = re.compile(
    r"(?<![\w/.,])(?:\(0\d{1,4}\)|0\d{1,4})(?:[\s.\-]?\d{2,4}){2,4}(?![\w%/])"
    r"|(?<![\w/.,])\(\d{3}\)\s?\d{3}[\s.\-]\d{4}(?![\w%])"
    r"|(?<![\w/.,$€£])\d{3}[.\-]\d{3}[.\-]\d{4}(?![\w%])"
    r"|(?<![\w/.,$€£])\d{3}\s\d{3}\s\d{4}(?![\w%])"
    r"|(?<![\w/.,$€£])\d{2}(?:\s\d{2}){4}(?![\w%])"
)
# ---- ID-like numbers: passports, national ids, social security numbers, long digit runs
_IDLIKE = re.compile(
    r"\b(?:[A-Z]{1,3}\d{6,12}[A-Z]?|\d{3}-\d{2}-\d{4}|\d{6,10}[\-/]\d{3,8}|\d{2,6}(?:[\-/]\d{2,8}){2,4}[A-Z]?|\d{9,})\b"
)
_DATE_LIKE = re.compile(r"^(?:\d{1,2}[/\-.]\d{1,2}[/\-.](?:\d{2}|\d{4})|\d{4}[/\-.]\d{1,2}[/\-.]\d{1,2})$")
_YEAR_RANGE = re.compile(r"^(?:19|20)\d{2}\s*[\-–/]\s*(?:19|20)?\d{2}$")


def _digits(s: str) -> int:
    return sum(ch.isdigit() for ch in s)


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)


_LETTER_RUN = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=200_000)
def _fold(s: str) -> str:
    """Accents off, lower case, one apostrophe, dotless i as i: José/JOSE, O’Brien/O'Brien and
    Yılmaz/YILMAZ compare equal."""
    out = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).lower()
    return out.replace("’", "'").replace("ı", "i") if ("’" in out or "ı" in out) else out


@dataclass
class Redactor:
    """Replace personal data with typed placeholders.

    `names` and `places` are block-lists: the dataset's own author and participant names and
    any configured places. Full names and their parts (3+ letters, capitalised in the text) are
    replaced, accents ignored. Years, percentages and amounts are left alone.
    """

    names: Sequence[str] = ()
    places: Sequence[str] = ()
    _names: dict[tuple[str, ...], bool] = field(default_factory=dict, init=False, repr=False)
    _places: dict[tuple[str, ...], bool] = field(default_factory=dict, init=False, repr=False)
    _longest: int = field(default=1, init=False, repr=False)
    _first: set = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self._names = self._terms(self.names, parts=True)
        self._places = self._terms(self.places, parts=False)
        self._longest = max([len(t) for t in (*self._names, *self._places)] + [1])
        self._first = {t[0] for t in (*self._names, *self._places)}  # quick rejection per token
        # quick rejection per text: the letter runs a first word starts with (o'brien -> o)
        self._first_runs = frozenset(_LETTER_RUN.findall(" ".join(self._first)))

    @staticmethod
    def _terms(items: Iterable[str], parts: bool) -> dict[tuple[str, ...], bool]:
        """Block-list terms as tuples of folded words (full names, and their parts)."""
        terms: dict[tuple[str, ...], bool] = {}
        for item in items:
            words = _WORD.findall(str(item))
            if not words or (len(words) == 1 and len(words[0]) < 3):
                continue
            terms[tuple(_fold(w) for w in words)] = True
            if parts:
                for w in words:
                    if len(w) >= 3 and not w[:1].islower() and _fold(w) not in _NAME_STOP:
                        terms[(_fold(w),)] = True
        return terms

    def _sub_terms(self, text: str) -> str:
        """Replace block-listed names (capitalised in the text) and places, longest match first."""
        if not self._names and not self._places:
            return text
        # most posts name nobody on the list: the text's letter runs (accents folded, cached per
        # word) tell at C speed; the runs split where the tokens below split, so nothing is missed
        runs = _LETTER_RUN.findall(text.lower())
        if not text.isascii():
            runs = [r if r.isascii() else _fold(r) for r in runs]
        if self._first_runs.isdisjoint(runs):
            return text
        toks = []
        for m in _WORD.finditer(text):
            w, end = m.group(0), m.end()
            if len(w) > 3 and w[-2] in "'’" and w[-1] in "sS":  # possessive: Okafor's -> Okafor
                w, end = w[:-2], end - 2
            toks.append((m.start(), end, w))
        folded = [_fold(t[2]) for t in toks]
        spans: list[tuple[int, int, str]] = []
        i = 0
        while i < len(toks):
            hit = None
            if folded[i] not in self._first:
                i += 1
                continue
            for n in range(min(self._longest, len(toks) - i), 0, -1):
                key = tuple(folded[i:i + n])
                # one name part alone must be capitalised (or written in a script without case)
                if key in self._names and (n > 1 or not toks[i][2][:1].islower()):
                    hit = (n, "[NAME]")
                    break
                if key in self._places:
                    hit = (n, "[PLACE]")
                    break
            if hit:
                n, token = hit
                spans.append((toks[i][0], toks[i + n - 1][1], token))
                i += n
            else:
                i += 1
        for a, b, token in reversed(spans):
            text = text[:a] + token + text[b:]
        return text

    def redact(self, text: str) -> str:
        """Return `text` with e-mails, phones, personal URLs, handles, ID numbers and names replaced."""
        if not text:
            return text
        if not text.isascii() and not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)  # decomposed accents would split words
        # Cheap exact pre-checks skip patterns that cannot match (most posts hold no contact):
        # each pattern needs an '@', an 'at'/'arroba' between spaces or brackets, 'http'/'www.',
        # '.com/' or '.me/', or enough digits. The result is the same, 3-4x sooner.
        lower = text.lower()
        if "@" in text:
            text = _EMAIL.sub("[EMAIL]", text)
        if _AT_HINT.search(text):
            text = _EMAIL_OBF.sub("[EMAIL]", text)
        if "http" in lower or "www." in lower:
            text = _URL.sub(self._url, text)
        if ".com/" in lower or ".me/" in lower:
            text = _BARE_SOCIAL.sub("[URL]", text)
        if "@" in text:
            text = _HANDLE.sub("[HANDLE]", text)
        digits = sum(map(text.count, "0123456789"))
        if digits >= 7:
            text = _PHONE_INTL.sub(lambda m: self._number(m, "[PHONE]", 7), text)
            text = _PHONE_LOCAL.sub(lambda m: self._number(m, "[PHONE]", 7), text)
        if digits >= 6:
            text = _IDLIKE.sub(lambda m: self._number(m, "[ID]", 6), text)
        text = self._sub_terms(text)
        return text

    @staticmethod
    def _url(m: re.Match) -> str:
        url = m.group(0).rstrip(".,;:!?")
        tail = m.group(0)[len(url):]
        host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url, flags=re.I).split("/")[0].split(":")[0]
        path = url[url.find(host) + len(host):]
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

    def redact_series(self, texts: pd.Series) -> pd.Series:
        return texts.astype(str).map(self.redact)


_NAME_STOP = {
    # name parts that are ordinary words: never redacted on their own
    "the", "and", "von", "van", "der", "del", "dos", "das", "mrs", "miss", "grace", "hope",
    "faith", "joy", "rose", "may", "will", "mark", "bill", "june", "april", "summer", "dawn",
    "women", "girls", "fund", "programme", "initiative", "spotlight", "hub", "team",
}


# --------------------------------------------------------------------------------------------
# Pseudonyms


def pseudonym_key(key_env: str = "KMSYNTH_PSEUDONYM_KEY", key_file: str | os.PathLike | None = None,
                  cache_dir: str | os.PathLike = ".kmsynth-cache") -> bytes:
    """The secret for keyed pseudonyms: from the environment, else a key file (created 0600)."""
    env = os.environ.get(key_env)
    if env:
        return env.encode("utf-8")
    path = Path(key_file) if key_file else Path(cache_dir) / "pseudonym.key"
    if path.is_file():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    log.info("created a new pseudonym key at %s (keep it to keep pseudonyms stable)", path)
    return key


def pseudonymise(value: str, key: bytes, prefix: str = "P") -> str:
    """Keyed hash of a person's identifier: stable for one key, not reversible without it."""
    norm = re.sub(r"\s+", " ", _fold(str(value))).strip()
    if not norm:
        return ""
    digest = hmac.new(key, norm.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{prefix}-{digest[:10]}"


# --------------------------------------------------------------------------------------------
# Small-cell suppression


def suppress_small_cells(table: pd.DataFrame | pd.Series, k: int = MIN_CELL_FLOOR, *,
                         secondary: bool = True) -> pd.DataFrame | pd.Series:
    """Blank counts from 1 to k-1 (zeros stay), then add secondary suppression.

    Secondary suppression hides, in any row or column with exactly one hidden cell, the next
    smallest visible cell, so a hidden value cannot be recovered from row or column totals.
    Returns the same shape with hidden cells as <NA> (nullable integers). `k` is at least 5.
    """
    if k < MIN_CELL_FLOOR:
        raise ValueError(f"k must be at least {MIN_CELL_FLOOR}, got {k}")
    is_series = isinstance(table, pd.Series)
    frame = table.to_frame() if is_series else table
    values = frame.to_numpy(dtype=float)
    hidden = (values > 0) & (values < k)
    if secondary:
        hidden = _secondary(values, hidden, axes=(0,) if is_series else (0, 1))
    out = frame.astype("Int64").mask(hidden)
    return out.iloc[:, 0] if is_series else out


def _secondary(values: np.ndarray, hidden: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for axis in axes:
            lines = hidden.shape[1 - axis] if values.ndim == 2 else 1
            for j in range(lines):
                sl = (slice(None), j) if axis == 0 else (j, slice(None))
                h = hidden[sl]
                if h.sum() != 1 or h.size < 2:
                    continue
                v = values[sl]
                cand = np.where(~h)[0]
                # prefer the smallest non-zero visible cell; a zero only if nothing else is left
                nonzero = cand[v[cand] > 0]
                pool = nonzero if len(nonzero) else cand
                pick = pool[np.argmin(v[pool])]
                if axis == 0:
                    hidden[pick, j] = True
                else:
                    hidden[j, pick] = True
                changed = True
    return hidden


def mask_like(derived: pd.DataFrame | pd.Series, suppressed_counts: pd.DataFrame | pd.Series):
    """Hide the cells of a derived table (shares, means) where the counts were hidden."""
    return derived.mask(suppressed_counts.isna())


# --------------------------------------------------------------------------------------------
# Protecting a whole table


@dataclass
class Protected:
    table: pd.DataFrame
    redactions: dict[str, int]  # placeholder -> count


def quotable_mask(df: pd.DataFrame, quotable_sources: Sequence[str] | None) -> pd.Series:
    """Quotes are opt-in: consent_to_quote true where the column exists, and a quotable source
    where sources are configured. No consent column and no source list: nothing is quotable.
    Sources configured but no `source` column: the rows' source is unknown, so not quotable."""
    has_consent = "consent_to_quote" in df.columns
    has_sources = quotable_sources is not None
    if not has_consent and not has_sources:
        return pd.Series(False, index=df.index)
    ok = pd.Series(True, index=df.index)
    if has_consent:
        ok &= df["consent_to_quote"].fillna(False).astype(bool)
    if has_sources:
        if "source" not in df.columns:
            return pd.Series(False, index=df.index)
        allowed = {s.strip().lower() for s in quotable_sources}
        ok &= df["source"].astype(str).str.strip().str.lower().isin(allowed)
    return ok


def protect_table(df: pd.DataFrame, free_text: Sequence[str], *, key: bytes,
                  block_names: Sequence[str] = (), places: Sequence[str] = (),
                  quotable_sources: Sequence[str] | None = None) -> Protected:
    """Redact free-text columns, replace `author` by `author_id` (keyed pseudonym), add `quotable`.

    The dataset's own author names join the name block-list, so a participant named in another
    participant's post is redacted too. The raw author column does not survive.
    """
    out = df.copy()
    names = list(block_names)
    if "author" in out.columns:
        names += [a for a in out["author"].astype(str).unique() if a.strip()]
    redactor = Redactor(names=names, places=places)
    counts = {p: 0 for p in PLACEHOLDERS}
    for col in free_text:
        if col not in out.columns:
            continue
        red = redactor.redact_series(out[col])
        for p in PLACEHOLDERS:
            counts[p] += int(red.str.count(re.escape(p)).sum() - out[col].astype(str).str.count(re.escape(p)).sum())
        out[col] = red
    out["quotable"] = quotable_mask(out, quotable_sources).to_numpy()
    if "author" in out.columns:
        authors = out["author"].astype(str)
        ids = {a: pseudonymise(a, key) for a in authors.unique()}  # one hash per person
        out.insert(list(out.columns).index("author"), "author_id", authors.map(ids))
        out = out.drop(columns=["author"])
    return Protected(out, counts)
