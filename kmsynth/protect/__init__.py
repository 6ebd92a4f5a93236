"""Protect people: redaction, pseudonyms, small-cell suppression, consent, languages."""

from kmsynth.protect.languages import (  # noqa: F401
    UNDETERMINED,
    MIN_LETTERS,
    detect_languages,
    normalise_language,
    fill_languages,
)
from kmsynth.protect.privacy import (  # noqa: F401
    PLACEHOLDERS,
    Redactor,
    pseudonym_key,
    pseudonymise,
    suppress_small_cells,
    mask_like,
    Protected,
    quotable_mask,
    protect_table,
)

__all__ = [
    "UNDETERMINED",
    "MIN_LETTERS",
    "detect_languages",
    "normalise_language",
    "fill_languages",
    "PLACEHOLDERS",
    "Redactor",
    "pseudonym_key",
    "pseudonymise",
    "suppress_small_cells",
    "mask_like",
    "Protected",
    "quotable_mask",
    "protect_table",
]
