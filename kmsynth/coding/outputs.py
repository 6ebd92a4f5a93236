"""Code a table of texts and write what `kmsynth code` promises: codes.csv, summary.csv,
agreement.csv (with human codes) and candidate new codes from the uncoded texts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kmsynth.coding.agreement import agreement, disagreements, split_codes
from kmsynth.coding.codebook import Codebook
from kmsynth.coding.coder import CodebookCoder
from kmsynth.embed import Embedder
from kmsynth.protect import suppress_small_cells, write_csv

SUMMARY_COLUMNS = ["code_id", "name", "count", "share"]


@dataclass
class Coding:
    """The result of coding a corpus: one row per code given, and what follows from it."""

    codes: pd.DataFrame
    summary: pd.DataFrame
    n_documents: int
    agreement: pd.DataFrame | None = None
    disagreements: pd.DataFrame | None = None
    candidates: list[dict] = field(default_factory=list)

    def assigned(self) -> dict[str, frozenset[str]]:
        """doc_id -> the set of codes given (documents without a code are absent)."""
        return {d: frozenset(g["code_id"]) for d, g in self.codes.groupby("doc_id", sort=False)}


def summary_table(
    codes: pd.DataFrame,
    codebook: Codebook,
    n_documents: int,
    k: int,
) -> pd.DataFrame:
    """code, name, count, share of documents; counts below k hidden (with secondary
    suppression over the column) and so are the shares that would reveal them."""
    counts = codes["code_id"].value_counts().reindex(codebook.ids, fill_value=0)
    none = n_documents - codes["doc_id"].nunique()
    counts = pd.concat([counts, pd.Series({"(none)": none})])
    shown = suppress_small_cells(counts.rename("count"), k)
    share = (shown.astype("Float64") / max(n_documents, 1)).round(3)
    names = {c.id: c.name for c in codebook.codes} | {"(none)": "no code fits"}
    return pd.DataFrame(
        {
            "code_id": counts.index,
            "name": [names[i] for i in counts.index],
            "count": shown.to_numpy(),
            "share": share.to_numpy(),
        },
        columns=SUMMARY_COLUMNS,
    )


def code_corpus(
    texts: Sequence[str],
    ids: Sequence[str],
    codebook: Codebook,
    embedder: Embedder,
    *,
    k: int = 10,
    human: Sequence[object] | None = None,
    coder: CodebookCoder | None = None,
) -> Coding:
    """Code `texts` (redacted) against `codebook`; with `human` codes (one 'a; b' cell per
    text) also the agreement per code and the texts where machine and human differ."""
    ids = [str(i) for i in ids]
    x = np.asarray(embedder.encode(list(texts)), dtype=np.float32)
    coder = coder or CodebookCoder(codebook=codebook, embedder=embedder)
    coder.fit(texts, embeddings=x)
    codes = coder.code_table(texts, ids, embeddings=x)
    out = Coding(codes, summary_table(codes, codebook, len(ids), k), len(ids))
    if human is not None:
        h = {d: split_codes(v) for d, v in zip(ids, human, strict=True)}
        m = out.assigned()
        out.agreement = agreement(m, h, codebook.ids)
        out.disagreements = disagreements(m, h)
    out.candidates = _candidates(texts, ids, codes, x)
    return out


def _candidates(
    texts: Sequence[str],
    ids: Sequence[str],
    codes: pd.DataFrame,
    x: np.ndarray,
    min_texts: int = 20,
) -> list[dict]:
    """Themes of the texts no code fits: candidate new codes (key phrases and sizes only)."""
    coded = set(codes["doc_id"])
    rest = [i for i, d in enumerate(ids) if d not in coded and str(texts[i]).strip()]
    if len(rest) < min_texts:
        return []
    from kmsynth.themes import fit_themes

    res = fit_themes([texts[i] for i in rest], [ids[i] for i in rest], embeddings=x[rest])
    return [
        {"keywords": list(r.keywords)[:6], "size": int(r.size)}
        for r in res.themes.itertuples(index=False)
        if int(r.theme_id) >= 0
    ]


def write_coding(coding: Coding, out: str | Path) -> list[Path]:
    """codes.csv, summary.csv and (with human codes) agreement.csv and disagreements.csv in
    `out` (owner-only, formulas neutralised). Disagreements list ids and codes, never text."""
    out = Path(out)
    written = [
        write_csv(coding.codes, out / "codes.csv", index=False),
        write_csv(coding.summary, out / "summary.csv", index=False),
    ]
    if coding.agreement is not None:
        written.append(write_csv(coding.agreement.round(4), out / "agreement.csv", index=False))
        written.append(write_csv(coding.disagreements, out / "disagreements.csv", index=False))
    return written
