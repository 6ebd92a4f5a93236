"""Offline language detection (lingua), for texts whose export does not state a language."""
from __future__ import annotations

import logging
import re
from functools import lru_cache

import pandas as pd

log = logging.getLogger(__name__)

UNDETERMINED = "und"
MIN_LETTERS = 20  # below this a guess is noise ("Thanks!" is not Afrikaans): call it undetermined
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


@lru_cache(maxsize=1)
def _detector():
    from lingua import LanguageDetectorBuilder

    # Low-accuracy mode uses small n-gram models: ~70 MB and ~0.2 ms a text, reliable on
    # sentence-length texts, which is what we detect on (short texts are "und").
    return (LanguageDetectorBuilder.from_all_languages()
            .with_minimum_relative_distance(0.1).with_low_accuracy_mode().build())


def detect_languages(texts: list[str] | pd.Series) -> list[str]:
    """ISO 639-1 code per text ('und' when too short or unclear). Only the first 300 chars count
    (two or three sentences decide the language; longer inputs only cost time)."""
    texts = [str(t)[:300] for t in texts]
    out = [UNDETERMINED] * len(texts)
    idx = [i for i, t in enumerate(texts) if len(_LETTERS.findall(t)) >= MIN_LETTERS]
    if idx:
        found = _detector().detect_languages_in_parallel_of([texts[i] for i in idx])
        for i, lang in zip(idx, found):
            if lang is not None:
                out[i] = lang.iso_code_639_1.name.lower()
    return out


def normalise_language(value: str) -> str:
    """'English' / 'EN' / 'en-GB' / 'Español' -> 'en' / 'es'; unknown -> lower-cased input."""
    text = str(value).strip().lower()
    if not text:
        return ""
    names = {"english": "en", "anglais": "en", "inglés": "en", "ingles": "en", "inglês": "en",
             "spanish": "es", "español": "es", "espanol": "es", "espagnol": "es", "espanhol": "es",
             "french": "fr", "français": "fr", "francais": "fr", "francés": "fr", "francês": "fr",
             "portuguese": "pt", "português": "pt", "portugues": "pt", "portugais": "pt",
             "portugués": "pt", "arabic": "ar", "swahili": "sw", "russian": "ru",
             "chinese": "zh"}
    if text in names:
        return names[text]
    m = re.fullmatch(r"([a-z]{2,3})(?:[-_][a-z0-9]+)?", text)
    return m.group(1) if m else text


def fill_languages(df: pd.DataFrame, text_col: str = "text") -> pd.DataFrame:
    """Add or complete a `language` column: the export's value where given, detected otherwise."""
    out = df.copy()
    given = out["language"].astype(str).map(normalise_language) if "language" in out.columns \
        else pd.Series("", index=out.index)
    need = given == ""
    if need.any():
        given.loc[need] = detect_languages(out.loc[need, text_col].astype(str).tolist())
    out["language"] = given
    return out
