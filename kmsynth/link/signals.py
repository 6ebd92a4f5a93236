"""The signals of a candidate (finding, lesson) pair that the ranker combines.

Whole-text BM25 (stems of each row's language) and embedding cosine, each also relative to the
finding's best and as a rank; their reciprocal-rank fusion; the best sentence-level match
(cosine and stem overlap); two-word phrases shared; how much of the lesson's title the finding
says; the same country (column or named in the text), region or pillar; a cross-language pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kmsynth.link.retrieve import coverage, phrase_overlap, ranks
from kmsynth.link.tables import column_values, pillar_label
from kmsynth.text import canonical_country, countries_in


@dataclass
class Matrices:
    """Full (n_findings, n_lessons) matrices of one ranking run."""

    bm25: np.ndarray  # BM25 as a share of the finding's best possible score
    cosine: np.ndarray
    rank_bm25: np.ndarray
    rank_cosine: np.ndarray
    rrf: np.ndarray  # plain reciprocal-rank fusion, 1 at rank 1 on both lists

    @classmethod
    def build(
        cls, bm: np.ndarray, bm_max: np.ndarray, cos: np.ndarray | None, rrf_k: int
    ) -> Matrices:
        """From raw BM25 scores, each finding's best possible BM25 and cosines (None: lexical)."""
        bm_share = bm / np.maximum(bm_max, 1e-9)[:, None]
        rb = ranks(bm)
        k = float(rrf_k)
        if cos is None:
            cos = np.zeros_like(bm)
            rc = np.full_like(rb, float(bm.shape[1]))
            rrf = (1.0 / (k + rb)) / (1.0 / (k + 1))
        else:
            rc = ranks(cos)
            rrf = (1.0 / (k + rb) + 1.0 / (k + rc)) / (2.0 / (k + 1))
        return cls(
            bm_share.astype(np.float32), cos.astype(np.float32), rb, rc, rrf.astype(np.float64)
        )


def country_sets(df: pd.DataFrame) -> list[frozenset[str]]:
    """Countries of each row: its country column plus countries its text names."""
    col = column_values(df, "country")
    out = []
    for c, text in zip(col, df["text"].astype(str), strict=False):
        names = set(countries_in(text))
        if c:
            names.add(canonical_country(c) or c.lower())
        out.append(frozenset(names))
    return out


def attribute_agreement(
    f: pd.DataFrame,
    lessons: pd.DataFrame,
    fi: np.ndarray,
    lj: np.ndarray,
    l_countries: list[frozenset[str]],
) -> dict[str, np.ndarray]:
    """same_country, other_country, same_region, same_pillar per pair (0/1); cross_language
    (both languages known and different) is kept for diagnostics."""
    fc = country_sets(f)
    same_c = np.array(
        [bool(fc[i] & l_countries[j]) for i, j in zip(fi, lj, strict=False)], dtype=float
    )
    other_c = np.array(
        [
            bool(fc[i] and l_countries[j] and not fc[i] & l_countries[j])
            for i, j in zip(fi, lj, strict=False)
        ],
        dtype=float,
    )
    out = {"same_country": same_c, "other_country": other_c}
    for name, norm in (("region", str.lower), ("pillar", lambda v: pillar_label(v, blank=""))):
        a = column_values(f, name).map(norm).to_numpy()[fi]
        b = column_values(lessons, name).map(norm).to_numpy()[lj]
        out[f"same_{name}"] = ((a == b) & (a != "")).astype(float)
    fl = column_values(f, "language", "und").str.lower().to_numpy()[fi]
    ll = column_values(lessons, "language", "und").str.lower().to_numpy()[lj]
    out["cross_language"] = ((fl != ll) & (fl != "und") & (ll != "und")).astype(float)
    return out


def whole_text_features(m: Matrices, fi: np.ndarray, lj: np.ndarray) -> dict[str, np.ndarray]:
    """Whole-text signals per pair, absolute and relative to the finding's best lesson."""
    cos, bm = m.cosine.astype(np.float64), m.bm25.astype(np.float64)
    best_cos = cos.max(axis=1)
    best_bm = np.maximum(bm.max(axis=1), 1e-9)
    return {
        "cosine": cos[fi, lj],
        "cosine_gap": cos[fi, lj] - best_cos[fi],
        "log_rank_cosine": np.log(m.rank_cosine[fi, lj]),
        "bm25": bm[fi, lj],
        "bm25_rel": bm[fi, lj] / best_bm[fi],
        "log_rank_bm25": np.log(m.rank_bm25[fi, lj]),
        "rrf": m.rrf[fi, lj],
    }


def lexical_pair_features(
    q_tokens: list[list[str]],
    lesson_pairs: list[set[tuple[str, str]]],
    title_tokens: list[list[str]],
    sentence_stems: list[list[set[str]]],
    fi: np.ndarray,
    lj: np.ndarray,
    bm25,
) -> dict[str, np.ndarray]:
    """phrase (two-word phrases shared), title (idf share of the title the finding says),
    sentence_overlap (best lesson sentence's idf share of the finding's stems)."""
    phrase = np.array(
        [phrase_overlap(q_tokens[i], lesson_pairs[j]) for i, j in zip(fi, lj, strict=False)]
    )
    fsets = [set(q) for q in q_tokens]
    title = np.array(
        [
            coverage(title_tokens[j], fsets[i], bm25) if title_tokens[j] else 0.0
            for i, j in zip(fi, lj, strict=False)
        ]
    )
    sent = np.array(
        [
            max((coverage(q_tokens[i], s, bm25) for s in sentence_stems[j]), default=0.0)
            for i, j in zip(fi, lj, strict=False)
        ]
    )
    return {"phrase": phrase, "title": title, "sentence_overlap": sent}


def sentence_cosines(
    f_mats: list[np.ndarray | None], l_mats: list[np.ndarray | None], fi: np.ndarray, lj: np.ndarray
) -> dict[str, np.ndarray]:
    """sentence_cosine (best finding-sentence x lesson-sentence cosine) and sentence_gap (its
    distance to the finding's best candidate)."""
    sc = np.zeros(len(fi))
    for n, (i, j) in enumerate(zip(fi, lj, strict=False)):
        a, b = f_mats[i], l_mats[j]
        if a is not None and b is not None:
            sc[n] = float((a @ b.T).max())
    best = pd.Series(sc).groupby(fi).transform("max").to_numpy() if len(sc) else sc
    return {"sentence_cosine": sc, "sentence_gap": sc - best}
