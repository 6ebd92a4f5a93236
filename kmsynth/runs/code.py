"""`run_code`: a file of texts coded against a codebook, with agreement when humans coded it."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kmsynth.config import Config
from kmsynth.errors import InputError, Problem
from kmsynth.manifest import build_manifest, write_json
from kmsynth.runs.progress import Progress, quiet_unless
from kmsynth.runs.themes import prepare_documents


@dataclass
class CodeRun:
    """What `run_code` did: the coding, the files written, the manifest, row problems."""

    coding: Any
    files: dict[str, Path]
    manifest: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    documents: int = 0


def run_code(
    path: str | os.PathLike[str],
    codebook: str | os.PathLike[str],
    out: str | os.PathLike[str],
    config: Config,
    *,
    text_col: str | None = None,
    id_col: str | None = None,
    human_col: str | None = None,
    progress: Progress | None = None,
) -> CodeRun:
    """Code a file of texts against a codebook (a YAML, or 'pillars'): DIR/codes.csv,
    summary.csv, manifest.json, and with `human_col` agreement.csv and disagreements.csv."""
    from kmsynth.coding import code_corpus, load_codebook, write_coding
    from kmsynth.embed.embedders import embedder_from_config
    from kmsynth.protect import make_private_dir

    t0 = time.perf_counter()
    say = quiet_unless(progress)
    book = load_codebook(codebook)  # a bad codebook fails before anything slow
    say.stage("reading and protecting", file=Path(path).name)
    prep, table, _ = prepare_documents(path, config, text_col=text_col, id_col=id_col, dask=None)
    human = _human_codes(table, human_col, path)
    out = make_private_dir(out)
    embedder = embedder_from_config(config)
    texts = table["text"].astype(str).tolist()
    embedder.fit(texts)  # tfidf learns, auto chooses, pretrained: no-op
    say.stage("embedding and coding", documents=len(texts), codes=len(book))
    coding = code_corpus(
        texts,
        table["doc_id"].astype(str).tolist(),
        book,
        embedder,
        k=config.privacy.min_cell,
        human=human,
    )
    files = {p.stem: p for p in write_coding(coding, out)}
    manifest = _manifest(
        coding, book, prep, config, embedder.model_id, codebook, human_col, time.perf_counter() - t0
    )
    write_json(out / "manifest.json", manifest, private=True)
    files["manifest"] = out / "manifest.json"
    return CodeRun(coding, files, manifest, list(prep.errors), len(texts))


def _human_codes(table: Any, human_col: str | None, path: Any) -> list[Any] | None:
    """The column of human codes ('a; b' per text), or None when not asked for."""
    if not human_col:
        return None
    if human_col not in table.columns:
        raise InputError(
            f"no column {human_col[:40]!r} for human codes",
            file=str(path),
            column=human_col[:40],
            hint="name the column of human codes with --human-col",
        )
    return table[human_col].tolist()


def _manifest(
    coding: Any,
    book: Any,
    prep: Any,
    config: Config,
    embedder_id: str,
    codebook: Any,
    human_col: str | None,
    wall: float,
) -> dict[str, Any]:
    micro = None
    if coding.agreement is not None:
        micro = coding.agreement.set_index("scope").loc["micro", ["f1", "kappa"]].to_dict()
    return build_manifest(
        "code",
        sources=prep.sources,
        parameters={
            "codebook": Path(str(codebook)).name,
            "codes": len(book),
            "examples": sum(len(c.examples) for c in book.codes),
            "embedder": embedder_id,
            "human_col": human_col,
            "min_cell": config.privacy.min_cell,
        },
        timings={"wall": wall},
        ledger=prep.ledger.counts(),
        documents=coding.n_documents,
        coded=int(coding.codes["doc_id"].nunique()),
        agreement_micro=micro,
        candidate_codes=coding.candidates,
    )
