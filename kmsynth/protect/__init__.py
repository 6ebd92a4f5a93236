"""Protect people: redaction, pseudonyms, small-cell suppression, consent, safe CSV, languages."""

from kmsynth.protect.consent import quotable_mask
from kmsynth.protect.csvout import (
    FORMULA_STARTS,
    make_private_dir,
    neutralise_formulas,
    neutralise_value,
    restore_formulas,
    restore_value,
    write_csv,
)
from kmsynth.protect.languages import (
    MIN_LETTERS,
    UNDETERMINED,
    detect_languages,
    fill_languages,
    normalise_language,
)
from kmsynth.protect.names import (
    HandleMatcher,
    common_words,
    fold_name,
    is_handle,
    split_people,
)
from kmsynth.protect.pseudonyms import pseudonym_key, pseudonymise
from kmsynth.protect.redact import PLACEHOLDERS, Redactor
from kmsynth.protect.suppress import check_k, mask_like, suppress_small_cells
from kmsynth.protect.table import Protected, corpus_common_words, people_of, protect_table

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
    "HandleMatcher",
    "common_words",
    "fold_name",
    "is_handle",
    "split_people",
    "PLACEHOLDERS",
    "Redactor",
    "pseudonym_key",
    "pseudonymise",
    "check_k",
    "suppress_small_cells",
    "mask_like",
    "Protected",
    "quotable_mask",
    "corpus_common_words",
    "people_of",
    "protect_table",
]
