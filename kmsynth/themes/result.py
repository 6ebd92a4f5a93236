"""A fitted set of themes (`ThemeResult`): tables, centroids, save/load and assignment of new
documents to the nearest centroid."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kmsynth.errors import InputError
from kmsynth.protect import make_private_dir, restore_formulas, write_csv

OUTLIER = -1


def theme_centroids(embeddings: np.ndarray, topics: np.ndarray) -> dict[int, np.ndarray]:
    """theme id -> unit-length mean embedding of its documents (outliers, -1, left out)."""
    out = {}
    for t in sorted({int(x) for x in topics} - {OUTLIER}):
        v = embeddings[topics == t].mean(axis=0)
        out[t] = (v / (np.linalg.norm(v) or 1.0)).astype(np.float32)
    return out


@dataclass
class ThemeResult:
    """A fitted set of themes.

    themes: one row per theme (theme_id, label, size, keywords, languages, pillar, pillar_name,
        pillar_confidence, representative_ids, ...), outliers excluded, sorted by size.
    assignments: one row per input document, in input order (doc_id, theme_id, probability);
        theme_id -1 marks a document no theme could take.
    embeddings: (n_docs, dim) document embeddings used for the fit.
    centroids: theme_id -> unit-length mean embedding of the theme's documents.
    embedder_id: model id of the embedder whose space the centroids live in.
    """

    themes: pd.DataFrame
    assignments: pd.DataFrame
    embeddings: np.ndarray
    centroids: dict[int, np.ndarray]
    outlier_share: float
    outlier_share_final: float
    params: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    embedder_id: str = ""

    @property
    def dim(self) -> int:
        """Dimension of the centroids' space (0 without themes)."""
        return int(next(iter(self.centroids.values())).shape[0]) if self.centroids else 0

    def theme_of(self) -> pd.Series:
        """doc_id -> theme_id."""
        return self.assignments.set_index("doc_id")["theme_id"]

    def save(self, folder: str | Path) -> Path:
        """Write themes_full.csv, assignments_full.csv, centroids.npz, theme_model.json."""
        out = make_private_dir(folder)
        t = self.themes.copy()
        t["representative_ids"] = t["representative_ids"].map(json.dumps)
        write_csv(t, out / "themes_full.csv", index=False)
        write_csv(self.assignments, out / "assignments_full.csv", index=False)
        ids = sorted(self.centroids)
        vectors = np.vstack([self.centroids[i] for i in ids]) if ids else np.zeros((0, 0))
        np.savez(out / "centroids.npz", ids=np.array(ids, dtype=np.int64), vectors=vectors)
        meta = {
            "params": self.params,
            "embedder_id": self.embedder_id,
            "outlier_share": self.outlier_share,
            "outlier_share_final": self.outlier_share_final,
            "timings": self.timings,
        }
        (out / "theme_model.json").write_text(json.dumps(meta, indent=2, default=str), "utf-8")
        return out

    @classmethod
    def load(cls, folder: str | Path) -> ThemeResult:
        """Read what `save` wrote; representative documents come back too (unlike BERTopic#1457)."""
        src = Path(folder)
        if not (src / "theme_model.json").is_file():
            raise InputError(
                "no saved theme model here",
                file=str(src),
                hint="point to a folder written by `kmsynth themes` or ThemeResult.save",
            )
        meta = json.loads((src / "theme_model.json").read_text("utf-8"))
        t = restore_formulas(
            pd.read_csv(
                src / "themes_full.csv",
                keep_default_na=False,
                dtype={"label": str, "keywords": str, "pillar_name": str},
            )
        )
        t["representative_ids"] = t["representative_ids"].map(json.loads)
        t["pillar"] = pd.to_numeric(t["pillar"], errors="coerce").astype("Int64")
        a = restore_formulas(
            pd.read_csv(src / "assignments_full.csv", dtype={"doc_id": str}, keep_default_na=False)
        )
        z = np.load(src / "centroids.npz")
        cents = {int(i): v for i, v in zip(z["ids"], z["vectors"], strict=True)}
        return cls(
            themes=t,
            assignments=a,
            embeddings=np.zeros((0, 0), np.float32),
            centroids=cents,
            outlier_share=meta["outlier_share"],
            outlier_share_final=meta["outlier_share_final"],
            params=meta["params"],
            timings=meta.get("timings", {}),
            embedder_id=meta.get("embedder_id", ""),
        )

    def transform(
        self, embeddings: np.ndarray, threshold: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Assign new documents to the nearest theme centroid: (theme_ids, similarities)."""
        thr = self.params.get("outlier_threshold", 0.3) if threshold is None else threshold
        ids = np.array(sorted(self.centroids))
        if len(ids) == 0 or len(embeddings) == 0:
            return np.full(len(embeddings), OUTLIER), np.zeros(len(embeddings))
        sims = embeddings @ np.vstack([self.centroids[i] for i in ids]).T
        best = sims.argmax(axis=1)
        score = sims[np.arange(len(best)), best]
        return np.where(score >= thr, ids[best], OUTLIER), score
