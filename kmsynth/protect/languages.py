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
    return (
        LanguageDetectorBuilder.from_all_languages()
        .with_minimum_relative_distance(0.1)
        .with_low_accuracy_mode()
        .build()
    )


# Function words of the hub's four languages, and of neighbours that share many of them
# (Italian, Catalan, Galician, Romanian, German, Dutch, Afrikaans, Haitian Creole). A text whose
# function words clearly point to one hub language is decided here, without the model: ~50x
# cheaper. Anything less clear-cut (mixed, other languages, few function words) goes to lingua.
_FUNCTION_WORDS = {
    "en": "the and of to in is that for with are was this have from they their be on not it we "
    "our by as has been were which will an at or but who there these can more about all "
    "also its had would what when how them than our us you i my a any some after into over "
    "through each other one two her his she he do does did so if no your".split(),
    "es": "el la los las del de que y en por para con una un es se su sus al lo como más pero "
    "fue son está están han ha muy sobre también entre desde nuestra nuestro nuestras "
    "nuestros les este esta estos estas hay sin ya cuando porque todas todos no le a".split(),
    "fr": "le la les des de du et est que qui une un dans pour pas sur au aux avec ce cette ces "
    "sont ont nous leur leurs été par mais ou plus être il elle elles ils en se sa son ses "
    "a à y ne notre nos vous aussi comme très entre tout tous toutes".split(),
    "pt": "o os a as da do das dos de que e em para com uma um não por ao aos no na nos nas "
    "mais é foram são está estão tem têm como também pelo pela pelos pelas seu sua seus "
    "suas se mas ou muito nossa nosso nossas nossos isso este esta essa esse quando "
    "porque todas todos entre sobre já".split(),
    "it": "il lo la i gli le di del della delle dei degli che e è per con una un non sono nel "
    "nella anche come più questo questa alla al da in si ma ha hanno essere stato loro "
    "tra dalla".split(),
    "ca": "el la els les de del dels que i a en per amb una un és són també aquesta aquest "
    "això seva seu no ha han hi ho més però com entre sobre molt quan perquè totes tots "
    "nostra".split(),
    "gl": "o os a as da do das dos de que e en para con unha un non por ao aos no na nos nas "
    "máis é foron son está ten como tamén polo pola seu súa se pero moi nosa noso isto "
    "este esta cando porque todas todos entre sobre xa coa dun dunha".split(),
    "ro": "și în de la cu pe care nu o un a al ale ai din pentru este sunt mai sau dar ce se "
    "fost au acest această".split(),
    "de": "der die das und ist nicht mit von den zu ein eine auf für sich im dem des es auch "
    "wir sie wird werden haben hat oder aber wie bei nach aus".split(),
    "nl": "de het een en van is niet met op voor zijn dat die ook te in aan wij we ze er om "
    "naar worden wordt bij hebben heeft maar als of".split(),
    "af": "die en van is het nie te vir met op wat ons sy hulle was word kan aan na om as".split(),
    "ht": "mwen nou yo li pou nan ak ki pa sa se te gen fè ke epi men tout".split(),
}
_HUB = ("en", "es", "fr", "pt")
_WORD_TO_LANGS: dict[str, tuple[int, ...]] = {}
for _j, _lang in enumerate(_FUNCTION_WORDS):
    for _w in set(_FUNCTION_WORDS[_lang]):
        _WORD_TO_LANGS[_w] = _WORD_TO_LANGS.get(_w, ()) + (_j,)
_LANG_CODES = list(_FUNCTION_WORDS)
_EN = _LANG_CODES.index("en")
_ROMANCE = [_LANG_CODES.index(c) for c in ("es", "fr", "pt")]
# words English shares with a Romance hub language ("a", "no"): they say nothing about mixing
_EN_ROMANCE = frozenset(
    set(_FUNCTION_WORDS["en"])
    & set(_FUNCTION_WORDS["es"] + _FUNCTION_WORDS["fr"] + _FUNCTION_WORDS["pt"])
)
_WORDS_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_NOT_PROSE = re.compile(r"\S*[@/<>]\S*")  # e-mails, URLs, paths, tags: letter fragments, not words


def _quick_language(words: list[str]) -> str | None:
    """A hub language when its function words dominate clearly, else None (ask the model)."""
    scores = [0] * len(_LANG_CODES)
    hits = shared = 0
    for w in words:
        langs = _WORD_TO_LANGS.get(w)
        if langs:
            hits += 1
            for j in langs:
                scores[j] += 1
            if w in _EN_ROMANCE:
                shared += 1
    order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
    best, second = scores[order[0]], scores[order[1]]
    code = _LANG_CODES[order[0]]
    # enough function words, and a clear lead over the nearest language (shared words count
    # for both, so Portuguese must beat Galician on the words they do not share); English and
    # the Romance languages share almost none, so a text mixing them is left to the model
    if code not in _HUB or best < 5 or best - second < 2 or hits < 0.2 * len(words):
        return None
    other = scores[_EN] if code != "en" else max(scores[j] for j in _ROMANCE)
    return code if other - shared <= 0.25 * (best - shared) else None


def detect_languages(texts: list[str] | pd.Series) -> list[str]:
    """ISO 639-1 code per text ('und' when too short or unclear). Only the first 300 chars count
    (two or three sentences decide the language; longer inputs only cost time). Texts whose
    function words clearly mark English, Spanish, French or Portuguese are decided without the
    model; the rest go to lingua in one parallel batch."""
    texts = [str(t)[:300] for t in texts]
    out = [UNDETERMINED] * len(texts)
    idx = []
    for i, t in enumerate(texts):
        words = _WORDS_RE.findall(
            _NOT_PROSE.sub(" ", t.lower()) if "@" in t or "/" in t or "<" in t else t.lower()
        )
        if sum(map(len, words)) < MIN_LETTERS:
            continue
        quick = _quick_language(words)
        if quick:
            out[i] = quick
        else:
            idx.append(i)
    if idx:
        found = _detector().detect_languages_in_parallel_of([texts[i] for i in idx])
        for i, lang in zip(idx, found, strict=True):
            if lang is not None:
                out[i] = lang.iso_code_639_1.name.lower()
    return out


def normalise_language(value: str) -> str:
    """'English' / 'EN' / 'en-GB' / 'Español' -> 'en' / 'es'; unknown -> lower-cased input."""
    text = str(value).strip().lower()
    if not text:
        return ""
    names = {
        "english": "en",
        "anglais": "en",
        "inglés": "en",
        "ingles": "en",
        "inglês": "en",
        "spanish": "es",
        "español": "es",
        "espanol": "es",
        "espagnol": "es",
        "espanhol": "es",
        "french": "fr",
        "français": "fr",
        "francais": "fr",
        "francés": "fr",
        "francês": "fr",
        "portuguese": "pt",
        "português": "pt",
        "portugues": "pt",
        "portugais": "pt",
        "portugués": "pt",
        "arabic": "ar",
        "swahili": "sw",
        "russian": "ru",
        "chinese": "zh",
    }
    if text in names:
        return names[text]
    m = re.fullmatch(r"([a-z]{2,3})(?:[-_][a-z0-9]+)?", text)
    return m.group(1) if m else text


def fill_languages(df: pd.DataFrame, text_col: str = "text") -> pd.DataFrame:
    """Add or complete a `language` column: the export's value where given, detected otherwise."""
    out = df.copy()
    given = (
        out["language"].astype(str).map(normalise_language)
        if "language" in out.columns
        else pd.Series("", index=out.index)
    )
    need = given == ""
    if need.any():
        given.loc[need] = detect_languages(out.loc[need, text_col].astype(str).tolist())
    out["language"] = given
    return out
