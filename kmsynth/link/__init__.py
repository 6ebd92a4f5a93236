"""Link evaluation findings to the lessons inventory: learned ranking, the confident line,
supports or contradicts, evidence, gaps and the evidence map."""

from kmsynth.link.calibrate import (
    LEXICAL_FEATURES,
    RANK_FEATURES,
    calibrate,
    calibration_key,
    fit_ranker,
    link_probability,
)
from kmsynth.link.evidence import SentenceIndex, key_phrases
from kmsynth.link.files import link_files, links_section_html, notebook_sections
from kmsynth.link.outputs import (
    GAP_COLUMNS,
    LINK_COLUMNS,
    LinkResult,
    evidence_detail,
    evidence_heatmap,
    evidence_map,
)
from kmsynth.link.rank import RANKINGS, Linker, link_findings_to_lessons
from kmsynth.link.relation import (
    RELATIONS,
    classify_relation,
    contradiction_probability,
    fit_relation,
)
from kmsynth.link.retrieve import SparseBM25, analyse, sentences, tokens
from kmsynth.link.tables import DECISIONS, read_reviewed

__all__ = [
    "DECISIONS",
    "GAP_COLUMNS",
    "LEXICAL_FEATURES",
    "LINK_COLUMNS",
    "RANKINGS",
    "RANK_FEATURES",
    "RELATIONS",
    "LinkResult",
    "Linker",
    "SentenceIndex",
    "SparseBM25",
    "analyse",
    "calibrate",
    "calibration_key",
    "classify_relation",
    "contradiction_probability",
    "evidence_detail",
    "evidence_heatmap",
    "evidence_map",
    "fit_ranker",
    "fit_relation",
    "key_phrases",
    "link_files",
    "link_findings_to_lessons",
    "link_probability",
    "links_section_html",
    "notebook_sections",
    "read_reviewed",
    "sentences",
    "tokens",
]
