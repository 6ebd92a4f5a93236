"""Protect people: redaction, pseudonyms, small-cell suppression, consent, languages."""

from kmsynth.protect.csvout import (  # noqa: F401
    FORMULA_STARTS,
    make_private_dir,
    neutralise_formulas,
    neutralise_value,
    restore_formulas,
    restore_value,
    write_csv,
)
from kmsynth.protect.languages import (  # noqa: F401
    MIN_LETTERS,
    UNDETERMINED,
    detect_languages,
    fill_languages,
    normalise_language,
)
from kmsynth.protect.privacy import (  # noqa: F401
    PLACEHOLDERS,
    Protected,
    Redactor,
    mask_like,
    protect_table,
    pseudonym_key,
    pseudonymise,
    quotable_mask,
    suppress_small_cells,
)

__all__ = [
    "FORMULA_STARTS",
    "make_private_dir",
    "neutralise_formulas",
    "neutralise_value",
    "restore_formulas",
    "restore_value",
    "write_csv",
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
