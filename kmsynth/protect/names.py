"""Block-lists of people: handles (user names) redacted whole, names redacted whole and by the
parts that are not common words.

A handle such as `One_Quit_6653` is one thing: it is matched whole, with its obvious variants
(`@One_Quit_6653`, `one quit 6653`, `One-Quit-6653`, `OneQuit6653`), never word by word.
A person's name (`Amara Okonkwo`) is matched whole, and each part alone only when the part is
not a common word of the post's language (stop words) or of the corpus itself (written in lower
case in the middle of sentences by several posts), so "I should never hit her" stays.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable
from functools import lru_cache

from kmsynth.text import stop_words

__all__ = [
    "NAME_STOP",
    "fold_name",
    "is_handle",
    "handle_chunks",
    "handle_key",
    "split_people",
    "name_parts",
    "common_words",
    "common_name_words",
    "HandleMatcher",
]

# name parts that are ordinary words in any language: never redacted on their own
NAME_STOP = frozenset(
    {
        "the", "and", "von", "van", "der", "del", "dos", "das", "mrs", "miss", "grace", "hope",
        "faith", "joy", "rose", "may", "will", "mark", "bill", "june", "april", "summer", "dawn",
        "women", "girls", "fund", "programme", "initiative", "spotlight", "hub", "team",
    }
)  # fmt: skip

_CHUNK = re.compile(r"[^\W\d_]+|\d+")
_ALNUM_RUN = re.compile(r"[^\W_]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_HANDLE_TOKEN = re.compile(r"@?[^\W_][\w.\-]*[^\W_]|@?[^\W_]")
_NOT_ALNUM = re.compile(r"[\W_]+")
_GAP = re.compile(r"[\s_.\-]{1,3}")
_SENTENCE_END = set(".!?:;\n\"'“”«»¿¡()[]")


@lru_cache(maxsize=200_000)
def fold_name(s: str) -> str:
    """Accents off, lower case, one apostrophe, dotless i as i: José/JOSE, O’Brien/O'Brien and
    Yılmaz/YILMAZ compare equal. Unlike kmsynth.text.fold, the length may change."""
    out = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    out = out.lower()
    return out.replace("’", "'").replace("ı", "i") if ("’" in out or "ı" in out) else out


def is_handle(value: str) -> bool:
    """True for a user name rather than a person's name: one token (no spaces) that starts with
    @, holds a digit, an underscore, a dot or a hyphen, or joins words (NeverStopSmiling)."""
    v = value.strip()
    if not v or any(ch.isspace() for ch in v):
        return False
    if v.startswith("@") or any(ch.isdigit() or ch in "_.-" for ch in v):
        return True
    return any(a.islower() and b.isupper() for a, b in zip(v, v[1:], strict=False))


@lru_cache(maxsize=200_000)
def handle_key(token: str) -> str:
    """A handle as it compares: folded, without @ or separators (One_Quit_6653 = onequit6653)."""
    return _NOT_ALNUM.sub("", fold_name(token))


def handle_chunks(handle: str) -> tuple[str, ...]:
    """The folded pieces a handle is written with: letters and digits apart, CamelCase apart
    ("One_Quit_6653" and "OneQuit6653" -> ("one", "quit", "6653"))."""
    pieces: list[str] = []
    for run in _CHUNK.findall(handle):
        start = 0
        for i in range(1, len(run)):
            if run[i - 1].islower() and run[i].isupper():
                pieces.append(run[start:i])
                start = i
        pieces.append(run[start:])
    return tuple(fold_name(p) for p in pieces if p)


def split_people(values: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split block-list entries into (names, handles), each once, in order."""
    names: dict[str, None] = {}
    handles: dict[str, None] = {}
    for v in values:
        v = str(v).strip()
        if v:
            (handles if is_handle(v) else names)[v] = None
    return list(names), list(handles)


def name_parts(people: Iterable[str]) -> frozenset[str]:
    """The folded parts (3+ letters) of people's names: the words a corpus may use otherwise."""
    return frozenset(fold_name(w) for p in people for w in _WORD.findall(str(p)) if len(w) >= 3)


def _in_address(text: str, start: int, end: int) -> bool:
    """True for a word inside an e-mail, URL or handle (amina.k@, /in/andrea-fernandes)."""
    before = text[start - 1] if start else " "
    after = text[end : end + 2]
    return (
        before in "@._/-:#+"
        or after[:1] in ("@", "_", "/", "-", ":")
        or (after[:1] == "." and after[1:2].isalnum())
    )


def _mid_sentence(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i >= 0 and text[i] not in _SENTENCE_END


def common_words(
    texts: Iterable[str], candidates: Collection[str], min_docs: int = 3
) -> frozenset[str]:
    """The candidates (folded words) this corpus uses as ordinary words: written in lower case
    in the middle of a sentence (not inside an address) by at least `min_docs` texts, and at
    least twice as often so as capitalised there (a name is capitalised mid-sentence; "never"
    and "one" are not)."""
    cands = {fold_name(c) for c in candidates}
    if not cands:
        return frozenset()
    lower_docs: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for text in texts:
        if not isinstance(text, str) or not text:
            continue
        seen: set[str] = set()
        for m in _WORD.finditer(text):
            w = m.group(0)
            f = fold_name(w)
            if f not in cands or not _mid_sentence(text, m.start()):
                continue
            if _in_address(text, m.start(), m.end()):
                continue
            if w[:1].islower():
                lower[f] += 1
                if f not in seen:
                    seen.add(f)
                    lower_docs[f] += 1
            elif w[:1].isupper():
                capital[f] += 1
    return frozenset(
        f for f, n in lower_docs.items() if n >= min_docs and lower[f] >= 2 * capital[f]
    )


@lru_cache(maxsize=64)
def common_name_words(lang: str | None) -> frozenset[str]:
    """Stop words of `lang` (every listed language when unknown), folded, plus NAME_STOP."""
    return frozenset(fold_name(w) for w in stop_words(lang)) | NAME_STOP


class HandleMatcher:
    """Finds block-listed handles in a text, whole or written with their obvious variants."""

    def __init__(self, handles: Iterable[str]) -> None:
        self.exact: set[str] = set()
        self.at_only: set[str] = set()  # one-word handles (@love): matched only with their @
        self.chunks: set[tuple[str, ...]] = set()
        self.needles: set[str] = set()
        self.longest = 1
        for h in handles:
            bare = str(h).strip().lstrip("@")
            parts = handle_chunks(bare)
            if sum(map(len, parts)) < 3:
                continue
            key = handle_key(bare)
            (self.exact if len(parts) > 1 else self.at_only).add(key)
            # a text holding none of these letter/digit runs holds no handle (a quick check)
            self.needles.update((key, max(parts, key=len)))
            if len(parts) > 1:
                self.chunks.add(parts)
                self.longest = max(self.longest, len(parts))
        self.first = {c[0] for c in self.chunks}

    def __bool__(self) -> bool:
        return bool(self.exact or self.at_only)

    def sub(self, text: str, token: str = "[HANDLE]") -> str:
        """Replace each block-listed handle in `text` by `token`."""
        if not self:
            return text
        runs = _ALNUM_RUN.findall(text.lower())
        if not text.isascii():
            runs = [r if r.isascii() else fold_name(r) for r in runs]
        if self.needles.isdisjoint(runs):
            return text
        spans = [
            (m.start(), m.end())
            for m in _HANDLE_TOKEN.finditer(text)
            if handle_key(m.group(0)) in self.exact
            or (m.group(0)[:1] == "@" and handle_key(m.group(0)) in self.at_only)
        ]
        text = _replace(text, spans, token)
        if self.chunks:
            text = _replace(text, self._chunk_spans(text), token)
        return text

    def _chunk_spans(self, text: str) -> list[tuple[int, int]]:
        runs = [(m.start(), m.end(), fold_name(m.group(0))) for m in _ALNUM_RUN.finditer(text)]
        if self.first.isdisjoint(r[2] for r in runs):
            return []
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(runs):
            n = self._match_at(text, runs, i)
            if n:
                a = runs[i][0] - (1 if runs[i][0] > 0 and text[runs[i][0] - 1] == "@" else 0)
                spans.append((a, runs[i + n - 1][1]))
                i += n
            else:
                i += 1
        return spans

    def _match_at(self, text: str, runs: list[tuple[int, int, str]], i: int) -> int:
        if runs[i][2] not in self.first:
            return 0
        for n in range(min(self.longest, len(runs) - i), 1, -1):
            key = tuple(r[2] for r in runs[i : i + n])
            if key not in self.chunks:
                continue
            gaps = [text[runs[j][1] : runs[j + 1][0]] for j in range(i, i + n - 1)]
            if not all(_GAP.fullmatch(g) for g in gaps):
                continue
            # words between spaces ("never stop smiling", "You let go") are a phrase, not the
            # handle Never_Stop_Smiling; with a digit, a separator or every word capitalised
            # ("Never Stop Smiling") they are the handle
            words = [text[a:b] for a, b, _ in runs[i : i + n]]
            if all(g.isspace() for g in gaps) and not any(w.isdigit() for w in words):
                if not all(w[:1].isupper() for w in words):
                    continue
            return n
        return 0


def _replace(text: str, spans: list[tuple[int, int]], token: str) -> str:
    for a, b in reversed(spans):
        text = text[:a] + token + text[b:]
    return text
