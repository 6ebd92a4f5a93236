"""Codebook coding: code answers and posts against a framework (the six pillars, an evaluation
framework's criteria, last year's survey codes), and measure agreement with a human coder."""

from kmsynth.coding.agreement import agreement, disagreements, split_codes
from kmsynth.coding.codebook import (
    Code,
    Codebook,
    codebook_from_entries,
    load_codebook,
    pillars_codebook,
)
from kmsynth.coding.coder import CODE_COLUMNS, CodebookCoder
from kmsynth.coding.outputs import Coding, code_corpus, summary_table, write_coding

__all__ = [
    "CODE_COLUMNS",
    "Code",
    "Codebook",
    "CodebookCoder",
    "Coding",
    "agreement",
    "code_corpus",
    "codebook_from_entries",
    "disagreements",
    "load_codebook",
    "pillars_codebook",
    "split_codes",
    "summary_table",
    "write_coding",
]
