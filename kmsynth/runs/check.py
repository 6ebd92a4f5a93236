"""`check_config`: every configuration problem, found before anything slow runs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kmsynth.config import Config, load_config
from kmsynth.errors import InputError, Problem


def check_config(
    config: str | os.PathLike[str] | Config | None,
    *,
    need_posts: bool = False,
    overrides: dict[str, Any] | None = None,
) -> list[Problem]:
    """Every configuration problem, found without reading the data or loading a model.

    Checks the YAML and each setting, that configured files exist and that the mapping and
    curation files are readable, that the embedder is on this machine, and the output folder.
    """
    name = str(config) if isinstance(config, (str, os.PathLike)) else "the configuration"
    problems: list[Problem] = []
    if isinstance(config, Config):
        cfg = config
    else:
        try:
            cfg = load_config(config)
        except InputError as exc:
            problems, cfg = _settings_problems(config, exc, name)
            if cfg is None:
                return problems
    try:
        cfg = cfg.with_overrides(overrides or {})
    except InputError as exc:
        return [*problems, _problem(exc, name)]
    return problems + _file_problems(cfg, name, need_posts) + _other_problems(cfg, name)


def _problem(exc: InputError, name: str, rule: str = "config") -> Problem:
    return Problem(
        file=exc.file or name,
        rule=rule,
        message=exc.message,
        hint=exc.hint,
        row=exc.row,
        column=exc.column,
    )


def _settings_problems(
    path: str | os.PathLike[str] | None, exc: InputError, name: str
) -> tuple[list[Problem], Config | None]:
    """All invalid settings at once (load_config stops at the first), and the config without them
    (None when the file cannot be read at all), so the other checks still run."""
    import yaml
    from pydantic import ValidationError

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) if path else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        raw = None
    if not isinstance(raw, dict):
        return [_problem(exc, name)], None
    problems = []
    base = Path(str(path)).resolve()
    for _ in range(50):
        try:
            cfg = Config.model_validate({**raw, "source_file": base})
            break
        except ValidationError as err:
            for e in err.errors():
                problems.append(
                    Problem(
                        file=str(path),
                        rule="setting",
                        column=".".join(map(str, e["loc"])),
                        message=f"invalid setting: {e['msg']}",
                        hint="see README.md, section 'Your own data', for every setting",
                    )
                )
                _drop(raw, e["loc"])
    else:
        return problems, None
    return problems, cfg.resolved(base.parent)


def _drop(raw: dict[str, Any], loc: tuple[Any, ...]) -> None:
    """Remove the setting at `loc` (so the defaults stand in for an invalid value)."""
    node: Any = raw
    for key in loc[:-1]:
        if not isinstance(node, dict) or key not in node:
            return
        node = node[key]
    if isinstance(node, dict):
        node.pop(loc[-1], None)
    elif isinstance(node, list) and isinstance(loc[-1], int) and loc[-1] < len(node):
        node.pop(loc[-1])


def _file_problems(cfg: Config, name: str, need_posts: bool) -> list[Problem]:
    from kmsynth.ingest import load_mapping
    from kmsynth.themes.curation import Curation

    out: list[Problem] = []
    if need_posts and cfg.data.posts is None:
        out.append(
            Problem(
                file=name,
                rule="missing",
                column="data.posts",
                message="no posts file",
                hint="set data.posts or pass --posts",
            )
        )
    for kind in ("posts", "survey", "findings", "lessons", "mapping", "store"):
        p = getattr(cfg.data, kind)
        if p is not None and kind != "store" and not Path(p).is_file():
            out.append(
                Problem(
                    file=name,
                    rule="missing",
                    column=f"data.{kind}",
                    message=f"the {kind} file does not exist: {Path(p).name}",
                    hint=f"check data.{kind} in the config or the --{kind} flag",
                )
            )
    checks: list[tuple[str, Any]] = []
    if cfg.data.mapping is not None and Path(cfg.data.mapping).is_file():
        for kind in ("posts", "survey", "findings", "lessons"):
            checks.append(("data.mapping", lambda k=kind: load_mapping(cfg.data.mapping, k)))
    if cfg.data.curation is not None:  # a missing or empty file means no decisions yet
        checks.append(("data.curation", lambda: Curation.load(cfg.data.curation)))
    for column, check in checks:
        try:
            check()
        except InputError as exc:
            out.append(
                _problem(exc, name)
                if exc.file
                else Problem(
                    file=name, rule="config", column=column, message=exc.message, hint=exc.hint
                )
            )
    return out


def _other_problems(cfg: Config, name: str) -> list[Problem]:
    from kmsynth.embed.embedders import get_embedder

    out: list[Problem] = []
    e = cfg.embedding
    try:  # constructs the embedder (checks the model is on disk) without loading weights
        get_embedder(e.model if (e.embedder == "minilm" and e.model) else e.embedder)
    except InputError as exc:
        out.append(
            Problem(
                file=name,
                rule="config",
                column="embedding.embedder",
                message=exc.message,
                hint=exc.hint,
            )
        )
    if cfg.report.notebook is not None and not Path(cfg.report.notebook).is_file():
        out.append(
            Problem(
                file=name,
                rule="missing",
                column="report.notebook",
                message="the report notebook does not exist",
                hint="remove report.notebook to use the bundled one",
            )
        )
    folder = Path(cfg.report.out)
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        out.append(
            Problem(
                file=name,
                rule="output",
                column="report.out",
                message="the reports folder cannot be written",
                hint="choose a folder you can write to (report.out or --out)",
            )
        )
    return out
