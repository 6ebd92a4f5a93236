"""Tables from a theme run: themes over time and by group, per-language coverage with a
fairness check, and the files `kmsynth themes` writes. Every breakdown goes through small-cell
suppression (k)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from kmsynth.protect import make_private_dir, suppress_small_cells, write_csv
from kmsynth.themes.labels import shared_language_mix
from kmsynth.themes.result import OUTLIER, ThemeResult

FAIRNESS_RATIO = 1.5  # a language whose outlier share exceeds this x English's is flagged


def themes_over_time(
    assignments: pd.DataFrame, dates: pd.Series, *, k: int, freq: str = "M"
) -> pd.DataFrame:
    """Documents per theme per period (rows: period 'YYYY-MM', columns: theme_id), suppressed."""
    d = pd.to_datetime(dates.values, utc=True)
    period = pd.Series(d.tz_convert(None).to_period(freq).astype(str), index=assignments.index)
    table = pd.crosstab(period, assignments["theme_id"])
    return suppress_small_cells(table.drop(columns=[OUTLIER], errors="ignore"), k)


def themes_by_group(assignments: pd.DataFrame, groups: pd.Series, *, k: int) -> pd.DataFrame:
    """Documents per theme (rows) per group value (columns: region, country...), suppressed."""
    g = pd.Series(groups.values, index=assignments.index).fillna("(not stated)")
    table = pd.crosstab(assignments["theme_id"], g.replace("", "(not stated)"))
    return suppress_small_cells(table.drop(index=[OUTLIER], errors="ignore"), k)


def _fairness_flag(share: float, ref: float, ref_name: str) -> str:
    if share > FAIRNESS_RATIO * ref and share > 0:
        return (
            f"outlier share above {FAIRNESS_RATIO}x {ref_name}'s: this language's posts are "
            "less often placed in a theme"
        )
    return ""


def language_coverage(result: ThemeResult, languages: Sequence[str], *, k: int) -> pd.DataFrame:
    """Per language: documents, share placed in a theme, share left as outliers, themes it
    appears in, and a fairness flag (outlier share above 1.5x English's, or the largest
    language's when there is no English).

    Languages with fewer than k documents are pooled into "other"; a share is hidden (NaN) when
    the count it reveals is below k (the flag is computed on the true shares).
    """
    a = result.assignments
    lang = pd.Series(list(languages), index=a.index).fillna("und").replace("", "und")
    counts = lang.value_counts()
    lang = lang.where(~lang.isin(counts[counts < k].index), "other")
    rows = []
    for code, idx in lang.groupby(lang).groups.items():
        sub = a.loc[idx]
        out = int((sub["theme_id"] == OUTLIER).sum())
        n = int(len(sub))
        hide = 0 < out < k or 0 < n - out < k
        rows.append(
            {
                "language": code,
                "documents": n if n >= k else np.nan,
                "assigned_share": np.nan if hide else round(1 - out / n, 3),
                "outlier_share": np.nan if hide else round(out / n, 3),
                "themes": int(sub.loc[sub["theme_id"] != OUTLIER, "theme_id"].nunique()),
                "true_share": out / n,
                "true_n": n,
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    named = table[~table["language"].isin(["other", "und"])]
    ref = named[named["language"] == "en"]
    if ref.empty:
        ref = (named if not named.empty else table).sort_values("true_n", ascending=False).head(1)
    ref_name = "English" if ref["language"].iloc[0] == "en" else str(ref["language"].iloc[0])
    table["flag"] = [
        ""
        if r.language == ref["language"].iloc[0]
        else _fairness_flag(r.true_share, float(ref["true_share"].iloc[0]), ref_name)
        for r in table.itertuples()
    ]
    table = table.sort_values("true_n", ascending=False).drop(columns=["true_share", "true_n"])
    return table.reset_index(drop=True)


def fairness_notes(coverage: pd.DataFrame) -> list[str]:
    """Sentences a report can print for every flagged language of `language_coverage`."""
    if coverage.empty or "flag" not in coverage:
        return []
    return [f"Language {r.language}: {r.flag}." for r in coverage.itertuples() if r.flag]


def assignments_for_ledger(result: ThemeResult, ledger_frame: pd.DataFrame) -> pd.DataFrame:
    """One row per input row (DESIGN.md contract): kept rows carry their theme, merged
    duplicates their twin's theme, excluded rows theme -1 with probability 0 and the reason."""
    by_id = result.assignments.set_index("doc_id")
    rows = []
    for r in ledger_frame.itertuples(index=False):
        rid = str(r.record_id)
        target = str(r.merged_into) if r.status == "merged" and r.merged_into else rid
        if r.status in ("kept", "merged") and target in by_id.index:
            hit = by_id.loc[target]
            if isinstance(hit, pd.DataFrame):
                hit = hit.iloc[0]
            rows.append(
                (
                    rid,
                    int(hit["theme_id"]),
                    float(hit["probability"]),
                    "" if r.status == "kept" else f"duplicate of {target}",
                )
            )
        else:
            note = f"{r.status}: {r.reason}" if r.reason else str(r.status)
            rows.append((rid, OUTLIER, 0.0, note))
    return pd.DataFrame(rows, columns=["doc_id", "theme_id", "probability", "note"])


THEME_COLUMNS = [
    "theme_id",
    "label",
    "size",
    "keywords",
    "summary",
    "keywords_other",
    "languages",
    "label_kind",
    "pillar",
    "pillar_name",
    "pillar_confidence",
]


def write_theme_outputs(
    result: ThemeResult,
    out: str | Path,
    *,
    summaries: dict[int, str],
    ledger_frame: pd.DataFrame | None = None,
    k: int = 10,
) -> dict[str, Path]:
    """Write DIR/themes.csv and DIR/assignments.csv in the DESIGN.md columns (extras after);
    the language mix is shared with counts below k pooled, formulas neutralised."""
    out = make_private_dir(out)
    t = result.themes.copy()
    t["summary"] = t["theme_id"].map(lambda i: summaries.get(int(i), ""))
    if "languages" in t:
        t["languages"] = t["languages"].map(lambda m: shared_language_mix(str(m), k))
    write_csv(t[[c for c in THEME_COLUMNS if c in t]], out / "themes.csv", index=False)
    a = (
        assignments_for_ledger(result, ledger_frame)
        if ledger_frame is not None
        else result.assignments.assign(note="")
    )
    write_csv(a, out / "assignments.csv", index=False)
    return {"themes": out / "themes.csv", "assignments": out / "assignments.csv"}
