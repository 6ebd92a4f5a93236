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


class _Applier:
    """The working copy a curation is applied to, one method per action."""

    def __init__(self, result: ThemeResult, seed: int) -> None:
        self.themes = result.themes.copy().set_index("theme_id", drop=False)
        self.themes.index.name = None
        self.a = result.assignments.copy()
        self.cents = dict(result.centroids)
        self.emb = result.embeddings
        self.pos = {d: i for i, d in enumerate(self.a["doc_id"])}
        self.seed = seed

    def recompute(self, tid: int) -> None:
        themes, a, emb = self.themes, self.a, self.emb
        idx = np.flatnonzero(a["theme_id"].to_numpy() == tid)
        themes.loc[tid, "size"] = len(idx)
        if len(emb) and len(idx):
            v = emb[idx].mean(axis=0)
            self.cents[tid] = (v / (np.linalg.norm(v) or 1)).astype(np.float32)
            rep = idx[np.argsort(-(emb[idx] @ self.cents[tid]), kind="stable")]
            n_rep = max(1, len(themes.loc[tid, "representative_ids"]) or 1)
            themes.at[tid, "representative_ids"] = [a["doc_id"].iat[i] for i in rep[:n_rep]]

    def rename(self, d: dict) -> str:
        if int(d["theme"]) not in self.themes.index:
            return "the theme is not in this run"
        self.themes.loc[int(d["theme"]), "label"] = str(d["label"])
        return ""

    def set_pillar(self, d: dict) -> str:
        t = int(d["theme"])
        if t not in self.themes.index:
            return "the theme is not in this run"
        self.themes.loc[t, "pillar"] = int(d["pillar"])
        self.themes.loc[t, "pillar_name"] = pillar_label(int(d["pillar"]))
        self.themes.loc[t, "pillar_confidence"] = 1.0
        return ""

    def merge(self, d: dict) -> str:
        into = int(d["into"])
        present = [int(t) for t in d["themes"] if int(t) in self.themes.index]
        if into not in self.themes.index or len(set(present) | {into}) < 2:
            return "fewer than two of its themes are in this run"
        for t in present:
            if t == into:
                continue
            self.a.loc[self.a["theme_id"] == t, "theme_id"] = into
            self.themes = self.themes.drop(index=t)
            self.cents.pop(t, None)
        self.recompute(into)
        return ""

    def split(self, d: dict) -> str:
        from sklearn.cluster import KMeans

        t, k, a = int(d["theme"]), int(d["k"]), self.a
        idx = np.flatnonzero(a["theme_id"].to_numpy() == t)
        if t not in self.themes.index or len(idx) < 2 * k or not len(self.emb):
            return "the theme is not in this run, or too small to split"
        parts = KMeans(n_clusters=k, random_state=self.seed, n_init=10).fit_predict(self.emb[idx])
        order = np.argsort(-np.bincount(parts, minlength=k), kind="stable")
        nxt = max(int(self.themes.index.max()), max(self.cents) if self.cents else 0) + 1
        base = self.themes.loc[t].to_dict()
        new_ids = []
        for rank, part in enumerate(order):
            tid = t if rank == 0 else nxt + rank - 1
            new_ids.append(tid)
            a.loc[a.index[idx[parts == part]], "theme_id"] = tid
            if tid != t:
                self.themes.loc[tid] = pd.Series(
                    dict(base, theme_id=tid, label=f"{base['label']} ({rank + 1})")
                )
            else:
                self.themes.loc[t, "label"] = f"{base['label']} (1)"
        for tid in new_ids:
            self.recompute(tid)
        return ""

    def pin_post(self, d: dict) -> str:
        p, t, a = str(d["post"]), int(d["theme"]), self.a
        if p not in self.pos or t not in self.themes.index:
            return "the post or the theme is not in this run"
        old = int(a.at[self.pos[p], "theme_id"])
        a.at[self.pos[p], "theme_id"] = t
        a.at[self.pos[p], "probability"] = 1.0
        self.recompute(t)
        if old != OUTLIER and old in self.themes.index:
            self.recompute(old)
        return ""


def apply_curation(
    result: ThemeResult, curation: Curation | None, *, seed: int = 42
) -> tuple[ThemeResult, Outcome]:
    """Apply the decisions in order to a result whose ids are stable; returns a new result."""
    outcome = Outcome()
    if curation is None or not curation.decisions:
        return result, outcome
    work = _Applier(result, seed)
    for d in curation.decisions:
        if d["action"] == "exclude_quote":  # always applies: the post may come back later
            outcome.excluded_quotes.add(str(d["post"]))
        elif d["action"] in ACTIONS:
            why = getattr(work, d["action"])(d)
            if why:
                outcome.stale.append((d, why))
                continue
        outcome.applied.append(d)
    themes = work.themes.reset_index(drop=True)
    themes = themes[themes["size"] > 0].sort_values(["size", "theme_id"], ascending=[False, True])
    a = work.a
    new = ThemeResult(
        themes=themes.reset_index(drop=True),
        assignments=a,
        embeddings=work.emb,
        centroids={t: v for t, v in work.cents.items() if t in set(themes["theme_id"])},
        outlier_share=result.outlier_share,
        outlier_share_final=float((a["theme_id"] == OUTLIER).mean()),
        params=result.params | {"curation_sha256": curation.sha256()},
        timings=result.timings,
        embedder_id=result.embedder_id,
    )
    return new, outcome


__all__ = ["Curation", "Outcome", "apply_curation"]
