"""Curation as data: analysts' decisions about themes, kept in a small YAML file and re-applied
to every later run.

A decision names a *stable* theme id (see `themes.match_themes`), so it survives next month's
refit. Actions: rename, merge, split, set_pillar, pin_post, exclude_quote; each with who, when
and why. A decision that no longer applies (its theme is gone) is reported as stale, never
dropped silently. The file is plain YAML, one decision per list item, in the order made, so
it diffs well under version control.

    decisions:
      - action: rename
        theme: 7
        label: Shelters and safe accommodation
        by: analyst@example.org
        at: '2026-11-02'
        why: clearer for the brief
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from kmsynth.errors import InputError
from kmsynth.themes.pillars import pillar_label
from kmsynth.themes.result import OUTLIER, ThemeResult

ACTIONS = {
    "rename": ("theme", "label"),
    "merge": ("themes", "into"),
    "split": ("theme", "k"),
    "set_pillar": ("theme", "pillar"),
    "pin_post": ("post", "theme"),
    "exclude_quote": ("post",),
}


@dataclass
class Outcome:
    """What applying a curation did: applied decisions and stale ones (with the reason)."""

    applied: list[dict[str, Any]] = field(default_factory=list)
    stale: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    excluded_quotes: set[str] = field(default_factory=set)

    def messages(self) -> list[str]:
        return [
            f"curation decision {i + 1} ({d['action']} theme "
            f"{d.get('theme', d.get('themes', d.get('post')))}) no longer applies: {why}"
            for i, (d, why) in enumerate(self.stale)
        ]


class Curation:
    """The decisions in one curation file. Methods that add a decision save the file at once."""

    def __init__(
        self, path: str | os.PathLike[str] | None = None, decisions: list[dict] | None = None
    ):
        self.path = Path(path) if path else None
        self.decisions: list[dict[str, Any]] = list(decisions or [])

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Curation:
        """Read and validate a curation file (a missing or empty file: no decisions yet)."""
        p = Path(path)
        if not p.is_file():
            return cls(p, [])
        try:
            raw = yaml.safe_load(p.read_text("utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InputError(
                "the curation file is not valid YAML",
                file=str(p),
                row=(mark.line + 1) if mark else None,
            ) from None
        if raw == {} or (
            isinstance(raw, dict) and set(raw) == {"decisions"} and raw["decisions"] in (None, [])
        ):
            return cls(p, [])  # an empty file or `decisions:` with nothing under it
        items = raw.get("decisions") if isinstance(raw, dict) else None
        if items is None or not isinstance(items, list):
            raise InputError(
                "the curation file needs a list under 'decisions'",
                file=str(p),
                hint="see README.md, section 'Curating themes', for the format",
            )
        for i, d in enumerate(items, start=1):
            if not isinstance(d, dict) or d.get("action") not in ACTIONS:
                raise InputError(
                    f"decision {i} has no known action",
                    file=str(p),
                    column="action",
                    hint="one of: " + ", ".join(ACTIONS),
                )
            missing = [k for k in ACTIONS[d["action"]] if k not in d]
            if missing:
                raise InputError(
                    f"decision {i} ({d['action']}) lacks {', '.join(missing)}",
                    file=str(p),
                    column=missing[0],
                )
        return cls(p, items)

    def sha256(self) -> str | None:
        if self.path is None or not self.path.is_file():
            return None
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def save(self) -> Path:
        if self.path is None:
            raise ValueError("this curation has no file")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = (
            "# kmsynth curation: decisions re-applied to every run (newest last)\n"
            + yaml.safe_dump(
                {"decisions": self.decisions}, sort_keys=False, allow_unicode=True, width=100
            )
        )
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.path)
        return self.path

    def _add(self, action: str, by: str, why: str, **fields: Any) -> dict[str, Any]:
        d = {"action": action, **fields, "by": by, "at": date.today().isoformat(), "why": why}
        self.decisions.append(d)
        if self.path is not None:
            self.save()
        return d

    def rename(self, theme: int, label: str, *, by: str = "", why: str = "") -> dict:
        return self._add("rename", by, why, theme=int(theme), label=str(label))

    def merge(self, themes: list[int], into: int, *, by: str = "", why: str = "") -> dict:
        return self._add("merge", by, why, themes=[int(t) for t in themes], into=int(into))

    def split(self, theme: int, k: int = 2, *, by: str = "", why: str = "") -> dict:
        return self._add("split", by, why, theme=int(theme), k=int(k))

    def set_pillar(self, theme: int, pillar: int, *, by: str = "", why: str = "") -> dict:
        return self._add("set_pillar", by, why, theme=int(theme), pillar=int(pillar))

    def pin_post(self, post: str, theme: int, *, by: str = "", why: str = "") -> dict:
        return self._add("pin_post", by, why, post=str(post), theme=int(theme))

    def exclude_quote(self, post: str, *, by: str = "", why: str = "") -> dict:
        return self._add("exclude_quote", by, why, post=str(post))


def apply_curation(
    result: ThemeResult, curation: Curation | None, *, seed: int = 42
) -> tuple[ThemeResult, Outcome]:
    """Apply the decisions in order to a result whose ids are stable; returns a new result."""
    outcome = Outcome()
    if curation is None or not curation.decisions:
        return result, outcome
    themes = result.themes.copy().set_index("theme_id", drop=False)
    themes.index.name = None
    a = result.assignments.copy()
    cents = dict(result.centroids)
    emb = result.embeddings
    pos = {d: i for i, d in enumerate(a["doc_id"])}

    def recompute(tid: int) -> None:
        idx = np.flatnonzero(a["theme_id"].to_numpy() == tid)
        themes.loc[tid, "size"] = len(idx)
        if len(emb) and len(idx):
            v = emb[idx].mean(axis=0)
            cents[tid] = (v / (np.linalg.norm(v) or 1)).astype(np.float32)
            rep = idx[np.argsort(-(emb[idx] @ cents[tid]), kind="stable")]
            n_rep = max(1, len(themes.loc[tid, "representative_ids"]) or 1)
            themes.at[tid, "representative_ids"] = [a["doc_id"].iat[i] for i in rep[:n_rep]]

    for d in curation.decisions:
        act = d["action"]
        if act == "rename":
            if int(d["theme"]) not in themes.index:
                outcome.stale.append((d, "the theme is not in this run"))
                continue
            themes.loc[int(d["theme"]), "label"] = str(d["label"])
        elif act == "set_pillar":
            t = int(d["theme"])
            if t not in themes.index:
                outcome.stale.append((d, "the theme is not in this run"))
                continue
            themes.loc[t, "pillar"] = int(d["pillar"])
            themes.loc[t, "pillar_name"] = pillar_label(int(d["pillar"]))
            themes.loc[t, "pillar_confidence"] = 1.0
        elif act == "merge":
            into = int(d["into"])
            present = [int(t) for t in d["themes"] if int(t) in themes.index]
            if into not in themes.index or len(set(present) | {into}) < 2:
                outcome.stale.append((d, "fewer than two of its themes are in this run"))
                continue
            for t in present:
                if t == into:
                    continue
                a.loc[a["theme_id"] == t, "theme_id"] = into
                themes = themes.drop(index=t)
                cents.pop(t, None)
            recompute(into)
        elif act == "split":
            t = int(d["theme"])
            idx = np.flatnonzero(a["theme_id"].to_numpy() == t)
            k = int(d["k"])
            if t not in themes.index or len(idx) < 2 * k or not len(emb):
                outcome.stale.append((d, "the theme is not in this run, or too small to split"))
                continue
            from sklearn.cluster import KMeans

            parts = KMeans(n_clusters=k, random_state=seed, n_init=10).fit_predict(emb[idx])
            sizes = np.bincount(parts, minlength=k)
            order = np.argsort(-sizes, kind="stable")
            nxt = max(int(themes.index.max()), max(cents) if cents else 0) + 1
            base = themes.loc[t].to_dict()
            new_ids = []
            for rank, part in enumerate(order):
                tid = t if rank == 0 else nxt + rank - 1
                new_ids.append(tid)
                a.loc[a.index[idx[parts == part]], "theme_id"] = tid
                if tid != t:
                    themes.loc[tid] = pd.Series(
                        dict(base, theme_id=tid, label=f"{base['label']} ({rank + 1})")
                    )
                else:
                    themes.loc[t, "label"] = f"{base['label']} (1)"
            for tid in new_ids:
                recompute(tid)
        elif act == "pin_post":
            p, t = str(d["post"]), int(d["theme"])
            if p not in pos or t not in themes.index:
                outcome.stale.append((d, "the post or the theme is not in this run"))
                continue
            old = int(a.at[pos[p], "theme_id"])
            a.at[pos[p], "theme_id"] = t
            a.at[pos[p], "probability"] = 1.0
            recompute(t)
            if old != OUTLIER and old in themes.index:
                recompute(old)
        elif act == "exclude_quote":  # always applies: the post may come back in a later run
            outcome.excluded_quotes.add(str(d["post"]))
        outcome.applied.append(d)
    themes = themes.reset_index(drop=True)
    themes = themes[themes["size"] > 0].sort_values(["size", "theme_id"], ascending=[False, True])
    new = ThemeResult(
        themes=themes.reset_index(drop=True),
        assignments=a,
        embeddings=emb,
        centroids={t: v for t, v in cents.items() if t in set(themes["theme_id"])},
        outlier_share=result.outlier_share,
        outlier_share_final=float((a["theme_id"] == OUTLIER).mean()),
        params=result.params | {"curation_sha256": curation.sha256()},
        timings=result.timings,
        embedder_id=result.embedder_id,
    )
    return new, outcome


__all__ = ["Curation", "Outcome", "apply_curation"]
