"""Configuration: defaults in code, overridden by `kmsynth.yml`, overridden by CLI flags.

Relative paths in a config file are resolved against the folder that holds the file, so a
scheduled run gives the same result whatever its working directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kmsynth.errors import InputError

MIN_CELL_FLOOR = 5  # published breakdowns never show groups smaller than this


class _Section(BaseModel):
    # frozen: a setting changes only through Config.with_overrides, which validates
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataPaths(_Section):
    posts: Path | None = None
    survey: Path | None = None
    findings: Path | None = None
    lessons: Path | None = None
    mapping: Path | None = Field(None, description="YAML column mapping, one section per kind")
    curation: Path | None = None
    store: Path | None = Field(None, description="DuckDB file holding the history, optional")


class PrivacyConfig(_Section):
    min_cell: int = Field(10, description="k: breakdown cells below k are hidden (>= 5)")
    key_env: str = "KMSYNTH_PSEUDONYM_KEY"
    key_file: Path | None = None
    quotable_sources: list[str] | None = Field(
        None, description="sources whose posts may be quoted; None: rely on consent_to_quote only"
    )
    block_list: list[str] = Field(default_factory=list, description="names to redact")
    places: list[str] = Field(default_factory=list, description="small places to redact")
    verbatim_without_consent: Literal["allow", "deny"] = Field(
        "deny", description="an export without a consent column: may its text be shown verbatim?"
    )

    @field_validator("min_cell")
    @classmethod
    def _floor(cls, v: int) -> int:
        if v < MIN_CELL_FLOOR:
            raise ValueError(f"min_cell must be at least {MIN_CELL_FLOOR}, got {v}")
        return v


class EmbeddingConfig(_Section):
    embedder: Literal["auto", "minilm", "multilingual", "static", "tfidf"] | str = Field(
        "auto", description="auto: multilingual when >= 10% of texts are not English, else minilm"
    )
    model: str | None = Field(None, description="sentence-transformers name or path (minilm)")
    cache_dir: Path = Path(".kmsynth-cache")
    batch_size: int = 64


class ThemesConfig(_Section):
    seed: int = 42
    min_theme_size: int | None = Field(
        None, ge=2, description="smallest theme (>= 2); None: scaled to the corpus"
    )
    n_representative_docs: int = 5
    n_themes: int | None = Field(
        None,
        ge=2,
        description="number of themes; None: chosen by "
        "stability under resampling (recorded in the manifest)",
    )


class LimitsConfig(_Section):
    max_file_mb: float = 512.0
    max_text_chars: int = 100_000
    max_rows: int = Field(
        1_000_000, ge=1, description="rows per input file, checked before it is read whole"
    )
    max_decompressed_mb: float = Field(
        1024.0, gt=0, description="an XLSX (or Parquet) expanded past this is refused unread"
    )


class ReportConfig(_Section):
    out: Path = Path("reports")
    notebook: Path | None = None
    cell_timeout_s: int = 900
    run_timeout_s: int = 3600
    title: str = "Monthly knowledge report"


class BriefConfig(_Section):
    min_posts: int = Field(5, ge=1, description="themes on fewer posts are flagged, never findings")
    max_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="flag a theme where one author, organisation or country "
        "contributes more than this share of the posts",
    )
    max_themes: int = Field(10, ge=1, description="themes summarised in a brief (largest first)")
    key_lessons: int = Field(8, ge=1)
    max_practices: int = Field(12, ge=1)
    quotes_per_theme: int = Field(1, ge=0)


class Config(_Section):
    data: DataPaths = Field(default_factory=DataPaths)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    embedding: EmbeddingConfig = Field(default_factory=EmbeddingConfig)
    themes: ThemesConfig = Field(default_factory=ThemesConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    brief: BriefConfig = Field(default_factory=BriefConfig)
    source_file: Path | None = Field(None, exclude=True, description="the YAML it came from")

    def resolved(self, base: Path) -> Config:
        """Return a copy with every relative path made absolute against `base`."""
        data = self.model_dump()
        for name in ("data", "privacy", "embedding", "report"):
            for k, v in data[name].items():
                if isinstance(v, Path) and not v.is_absolute():
                    data[name][k] = (base / v).resolve()
        return _validated(data, self.source_file)

    def with_overrides(self, overrides: dict[str, Any] | None = None, /, **settings: Any) -> Config:
        """A validated copy with settings changed: ``{"themes.seed": 3}`` or ``themes_seed=3``
        (section and key joined by a dot or an underscore). None values leave a setting as it
        is; paths given here are resolved against the working directory. The one way to change a
        Config (it is frozen): flags, notebook parameters and the workbench all come here."""
        data = self.model_dump()
        items = dict(overrides or {})
        items.update(settings)
        for key, value in items.items():
            if value is None:
                continue
            section, _, name = key.replace("__", ".").partition(".")
            if not name:
                section, _, name = key.partition("_")
            if (
                section not in data
                or not isinstance(data[section], dict)
                or name not in data[section]
            ):
                raise InputError(
                    f"unknown setting {key!r}",
                    hint="settings are section.name, e.g. themes.seed or data.posts",
                )
            if isinstance(value, (str, os.PathLike)) and _is_path(section, name):
                value = Path(value).resolve()
            data[section][name] = value
        return _validated(data, self.source_file)


def _is_path(section: str, name: str) -> bool:
    field = Config.model_fields[section].annotation.model_fields.get(name)  # type: ignore[union-attr]
    return field is not None and "Path" in str(field.annotation)


def _validated(data: dict[str, Any], source_file: Path | None, file: str | None = None) -> Config:
    """Config.model_validate with a message for people (the setting, what is allowed)."""
    try:
        cfg = Config.model_validate({**data, "source_file": source_file})
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(x) for x in first["loc"])
        raise InputError(
            f"invalid setting {key!r}: {first['msg']}",
            file=file,
            hint="see README.md, section 'Your own data', for every setting",
        ) from None
    return cfg


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read `kmsynth.yml` (or the defaults when `path` is None) into a validated Config."""
    if path is None:
        return Config().resolved(Path.cwd())
    p = Path(path)
    if not p.is_file():
        raise InputError(
            "config file not found",
            file=str(p),
            hint="pass --config with the path of your kmsynth.yml",
        )
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            "the config is not valid YAML",
            file=str(p),
            row=(mark.line + 1) if mark else None,
            hint="check indentation and quoting on that line",
        ) from None
    if not isinstance(raw, dict):
        raise InputError("the config must be a mapping of sections", file=str(p))
    raw.pop("source_file", None)
    cfg = _validated(raw, p.resolve(), file=str(p))
    return cfg.resolved(p.resolve().parent)
