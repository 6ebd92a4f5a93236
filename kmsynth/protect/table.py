"""Protecting a whole table: redact its free text, pseudonymise its authors, mark quotables."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from kmsynth.protect.consent import quotable_mask
from kmsynth.protect.names import common_words, name_parts, split_people
from kmsynth.protect.pseudonyms import pseudonymise
from kmsynth.protect.redact import PLACEHOLDERS, Redactor

__all__ = ["Protected", "people_of", "corpus_common_words", "protect_table"]


@dataclass
class Protected:
    """A protected table and how many of each placeholder redaction put in."""

    table: pd.DataFrame
    redactions: dict[str, int]  # placeholder -> count


def people_of(df: pd.DataFrame, block_names: Iterable[str] = ()) -> list[str]:
    """The block-list for a table: the configured names, then its own authors, each once."""
    names = [str(n) for n in block_names]
    if "author" in df.columns:
        names += [a for a in df["author"].astype(str).unique() if a.strip()]
    return list(dict.fromkeys(names))


def corpus_common_words(
    df: pd.DataFrame, free_text: Sequence[str], names: Iterable[str]
) -> frozenset[str]:
    """The name parts that `df`'s free text uses as ordinary words (see names.common_words).
    Compute it once on the whole table when it is protected block by block."""
    people, _ = split_people(names)
    parts = name_parts(people)
    cols = [c for c in free_text if c in df.columns]
    if not parts or not cols:
        return frozenset()
    texts = (t for c in cols for t in df[c].tolist())
    return common_words(texts, parts)


def protect_table(
    df: pd.DataFrame,
    free_text: Sequence[str],
    *,
    key: bytes,
    block_names: Sequence[str] = (),
    places: Sequence[str] = (),
    quotable_sources: Sequence[str] | None = None,
    common: Collection[str] | None = None,
) -> Protected:
    """Redact free-text columns, replace `author` by `author_id` (keyed pseudonym), add `quotable`.

    The dataset's own author names join the name block-list, so a participant named in another
    participant's post is redacted too. `common`: name parts used as ordinary words (default:
    found in `df` itself). The raw author column does not survive.
    """
    out = df.copy()
    names = people_of(out, block_names)
    if common is None:
        common = corpus_common_words(out, free_text, names)
    redactor = Redactor(names=names, places=places, common=common)
    langs = out["language"] if "language" in out.columns else None
    counts = {p: 0 for p in PLACEHOLDERS}
    for col in free_text:
        if col not in out.columns:
            continue
        before = out[col].astype(str)
        red = redactor.redact_series(out[col], langs)
        for p in PLACEHOLDERS:
            pat = re.escape(p)
            counts[p] += int(red.str.count(pat).sum() - before.str.count(pat).sum())
        out[col] = red
    out["quotable"] = quotable_mask(out, quotable_sources).to_numpy()
    if "author" in out.columns:
        authors = out["author"].astype(str)
        ids = {a: pseudonymise(a, key) for a in authors.unique()}  # one hash per person
        out.insert(list(out.columns).index("author"), "author_id", authors.map(ids))
        out = out.drop(columns=["author"])
    return Protected(out, counts)
