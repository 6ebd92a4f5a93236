"""`run_themes` and `run_brief`: themes of a file of texts, and a knowledge brief."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kmsynth.config import Config
from kmsynth.embed import Embedder
from kmsynth.errors import InputError, Problem
from kmsynth.manifest import build_manifest, write_json
from kmsynth.runs.progress import Progress, quiet_unless


@dataclass
class ThemesRun:
    """What `run_themes` did: the themes, the files written, the manifest, excluded rows."""

    result: Any  # kmsynth.themes.ThemeResult
    files: dict[str, Path]
    manifest: dict[str, Any]
    excluded: list[Problem] = field(default_factory=list)
    curation_messages: list[str] = field(default_factory=list)
    n_docs: int = 0


def run_themes(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    config: Config,
    *,
    text_col: str | None = None,
    id_col: str | None = None,
    curation: str | os.PathLike[str] | None = None,
    dask: str | None = None,
    progress: Progress | None = None,
) -> ThemesRun:
    """Themes of a file of texts: DIR/themes.csv, assignments.csv, ledger.csv, manifest.json.

    `dask` ('local' or a scheduler address) spreads reading, redaction and embedding.
    """
    from kmsynth.embed.embedders import embedder_from_config
    from kmsynth.synthesis import theme_summaries, with_consent
    from kmsynth.themes import write_theme_outputs

    t0 = time.perf_counter()
    say = quiet_unless(progress)
    say.stage("reading and protecting", file=Path(path).name)
    prep, table, client = prepare_documents(
        path, config, text_col=text_col, id_col=id_col, dask=dask
    )
    from kmsynth.protect import make_private_dir

    out = make_private_dir(out)  # ledger and assignments: owner-only
    prep.ledger.check()
    prep.ledger.save(out / "ledger.csv")
    embedder = embedder_from_config(config)
    embedder.fit(table["text"].tolist())  # tfidf learns, auto chooses, pretrained: no-op
    say.stage("embedding and fitting themes", documents=len(table), embedder=embedder.model_id)
    result = _fit(table, config, embedder, client, show_progress=say.bars)
    result, messages = _curated(result, curation or config.data.curation, config)
    say.stage("summarising and writing", themes=len(result.themes))
    k = config.privacy.min_cell
    summaries = theme_summaries(with_consent(table, config), result, embedder, k=k, id_col="doc_id")
    files = write_theme_outputs(
        result, out, summaries=summaries, ledger_frame=prep.ledger.frame, k=k
    )
    manifest = _themes_manifest(result, prep, table, embedder, messages, k, t0)
    write_json(out / "manifest.json", manifest)
    files["manifest"] = out / "manifest.json"
    files["ledger"] = out / "ledger.csv"
    return ThemesRun(result, files, manifest, list(prep.errors), messages, len(table))


def _curated(
    result: Any, curation: str | os.PathLike[str] | None, config: Config
) -> tuple[Any, list[str]]:
    """The themes after the analyst's curation file (if any), and its stale-decision messages."""
    if not curation:
        return result, []
    from kmsynth.themes.curation import Curation, apply_curation

    result, outcome = apply_curation(result, Curation.load(curation), seed=config.themes.seed)
    return result, outcome.messages()


def _themes_manifest(
    result: Any,
    prep: Any,
    table: Any,
    embedder: Embedder,
    messages: list[str],
    k: int,
    t0: float,
) -> dict[str, Any]:
    """manifest.json of a themes run: inputs, parameters, timings, ledger, language coverage."""
    from kmsynth.themes import language_coverage

    cover = (
        language_coverage(result, table["language"].tolist(), k=k)
        if "language" in table.columns
        else None
    )
    return build_manifest(
        "themes",
        sources=prep.sources,
        parameters=result.params | {"embedder": embedder.model_id},
        timings=dict(result.timings) | {"wall": time.perf_counter() - t0},
        ledger=prep.ledger.counts(),
        themes=int(len(result.themes)),
        outlier_share_before_reassignment=round(result.outlier_share, 4),
        outlier_share=round(result.outlier_share_final, 4),
        languages=cover.to_dict(orient="records") if cover is not None else [],
        curation_sha256=result.params.get("curation_sha256"),
        curation_stale=messages,
    )


def prepare_documents(
    path: Any, config: Config, *, text_col: str | None, id_col: str | None, dask: str | None
) -> tuple[Any, Any, Any]:
    """(Prepared, its table, the Dask client or None): the documents read and protected."""
    from kmsynth.ingest import client_for
    from kmsynth.ingest.prepare import prepare

    client = client_for(dask) if dask else None
    prep = prepare(
        "documents", path, config, mapping=None, id_col=id_col, text_col=text_col, client=client
    )
    return prep, prep.table, client


def _fit(
    table: Any, config: Config, embedder: Embedder, client: Any, *, show_progress: bool
) -> Any:
    from kmsynth.themes.large import fit_themes_large

    texts, ids = table["text"].tolist(), table["doc_id"].tolist()
    languages = table["language"].tolist() if "language" in table.columns else None
    common = {
        "seed": config.themes.seed,
        "min_theme_size": config.themes.min_theme_size,
        "n_themes": config.themes.n_themes,
        "n_representative_docs": config.themes.n_representative_docs,
        "cache_dir": config.embedding.cache_dir,
    }
    try:  # one path in-process and on Dask: a full fit, or a sample fit + assignment when large
        return fit_themes_large(
            texts,
            ids,
            embedder=embedder,
            client=client,
            languages=languages or None,
            show_progress=show_progress,
            **common,
        )
    finally:
        if client is not None:
            client.close()


@dataclass
class BriefRun:
    """What `run_brief` did: the brief and the file written."""

    brief: Any  # kmsynth.synthesis.Brief
    path: Path


BRIEF_SUFFIXES = (".md", ".html", ".htm", ".docx")


def run_brief(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    config: Config,
    *,
    title: str = "Knowledge brief",
    mapping: str | os.PathLike[str] | None = None,
    themes: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> BriefRun:
    """A knowledge brief from a discussion export, written as .md, .html or .docx.

    `themes` is a `kmsynth themes` output folder to use instead of fitting themes.
    """
    from kmsynth.synthesis.brief import brief_from_file, write_brief

    say = quiet_unless(progress)
    if Path(out).suffix.lower() not in BRIEF_SUFFIXES:
        raise InputError("the brief's file name must end in .md, .html or .docx", file=str(out))
    say.stage("reading, protecting and building the brief", file=Path(path).name)
    brief, _ = brief_from_file(path, config, mapping=mapping, title=title, themes=themes)
    return BriefRun(brief, write_brief(brief, out))
