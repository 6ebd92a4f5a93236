"""A brief straight from a discussion export: read, validate, redact, embed, build. What the
`kmsynth brief` command (through kmsynth.runs) and the discussion_brief notebook call."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from kmsynth.config import Config
from kmsynth.errors import InputError
from kmsynth.synthesis.brief.build import build_brief
from kmsynth.synthesis.brief.model import Brief, load_theme_run


def brief_from_file(
    path: str | os.PathLike[str],
    config: Config,
    *,
    mapping: str | os.PathLike[str] | None = None,
    title: str = "Knowledge brief",
    themes: str | os.PathLike[str] | None = None,
) -> tuple[Brief, pd.DataFrame]:
    """The brief of a posts file and the prepared (redacted, pseudonymised) posts table.

    mapping: a column-mapping YAML (default: the config's); themes: a `kmsynth themes` output
    folder to use instead of fitting themes.
    """
    from kmsynth.embed.embedders import embedder_from_config
    from kmsynth.ingest.prepare import prepare

    prep = prepare("posts", path, config, mapping=mapping or config.data.mapping)
    if len(prep.table) == 0:
        raise InputError(
            "no usable posts: every row was excluded",
            file=str(path),
            hint="run kmsynth validate posts on it to see why",
        )
    emb = embedder_from_config(config)
    if hasattr(emb, "fit"):
        emb.fit(prep.table["text"].tolist())  # tfidf learns, auto chooses, pretrained: no-op
    theme_run = load_theme_run(Path(themes)) if themes else None
    brief = build_brief(prep.table, theme_run, title=title, config=config, embedder=emb)
    return brief, prep.table
