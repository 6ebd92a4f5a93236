"""Survey statistics: confidence intervals, per-item tables overall and by group (suppressed),
and the comparison of two waves."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kmsynth.config import MIN_CELL_FLOOR
from kmsynth.errors import InputError
from kmsynth.protect import suppress_small_cells
from kmsynth.survey.scales import DONT_KNOW, NOT_STATED, POINTS, parse_likert


def mean_ci(
    x: np.ndarray, *, method: str = "t", level: float = 0.95, seed: int = 42, n_boot: int = 2000
) -> tuple[float, float]:
    """Confidence interval of a mean: Student t, or a seeded percentile bootstrap."""
    x = np.asarray(x, dtype=float)
    if len(x) < 2:
        return (math.nan, math.nan)
    if method == "bootstrap":
        rng = np.random.default_rng(seed)
        means = x[rng.integers(0, len(x), (n_boot, len(x)))].mean(axis=1)
        a = (1 - level) / 2
        return (float(np.quantile(means, a)), float(np.quantile(means, 1 - a)))
    if method != "t":
        raise ValueError("method must be 't' or 'bootstrap'")
    from scipy import stats

    m, se = x.mean(), x.std(ddof=1) / math.sqrt(len(x))
    if se == 0:
        return (float(m), float(m))
    h = se * stats.t.ppf(1 - (1 - level) / 2, len(x) - 1)
    return (float(m - h), float(m + h))


def wilson_ci(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (good at small n and near 0 or 1)."""
    if n == 0:
        return (math.nan, math.nan)
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(successes, n, alpha=1 - level, method="wilson")
    return (float(lo), float(hi))


def _groups(by: pd.Series | None, index: pd.Index) -> pd.Series:
    if by is None:
        return pd.Series("All", index=index)
    g = by.reindex(index).astype("string").str.strip().fillna("").replace("", NOT_STATED)
    return g.astype(str)


def group_counts(scores: pd.DataFrame, by: pd.Series, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(answers per group and item, the same after suppression): groups x items counts of
    answers on the scale; each item's column through `suppress_small_cells` (groups under k
    hidden, and secondary suppression across the groups, which add up to the item's total)."""
    g = _groups(by, scores.index)
    answered = scores.ge(1).groupby(g).sum().astype(int)
    suppressed = pd.DataFrame(
        {item: suppress_small_cells(answered[item], k) for item in answered.columns},
        index=answered.index,
    )
    return answered, suppressed


def item_table(
    scores: pd.DataFrame,
    *,
    by: pd.Series | None = None,
    k: int = 10,
    ci: str = "t",
    seed: int = 42,
    scales: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per item (and group of `by`): n answered on the scale, share of each point, mean with a
    95% CI, top-2-box share (4 or 5) with a Wilson CI; overall also the don't-know and
    no-answer counts and the count of each point.

    Groups pass through `suppress_small_cells` (k): a hidden group has `shown` False and every
    figure blank, and must not be published (tables and charts here drop such rows).
    """
    if k < MIN_CELL_FLOOR:
        raise ValueError(f"k must be at least {MIN_CELL_FLOOR}")
    overall = by is None
    g = _groups(by, scores.index)
    if overall:
        answered = scores.ge(1).sum().astype(int)
        visible = suppress_small_cells(answered, k, secondary=False)  # one cell per item: no totals
        shown_map = {
            ("All", item): pd.notna(visible[item]) and answered[item] > 0 for item in scores.columns
        }
    else:
        answered_t, supp = group_counts(scores, g, k)
        shown_map = {
            (grp, item): pd.notna(supp.at[grp, item]) and answered_t.at[grp, item] > 0
            for grp in answered_t.index
            for item in answered_t.columns
        }
    order = sorted(set(g), key=lambda x: (x == NOT_STATED, x))
    rows = []
    for item in scores.columns:
        for grp in order:
            col = scores.loc[g == grp, item]
            ans = col[col >= 1].to_numpy()
            shown = bool(shown_map.get((grp, item), False))
            row: dict[str, Any] = {
                "item": item,
                "scale": (scales or {}).get(item, ""),
                "group": grp,
                "shown": shown,
                "n": len(ans) if shown else np.nan,
            }
            if overall:
                row["dont_know"] = int((col == DONT_KNOW).sum()) if shown else np.nan
                row["no_answer"] = int(col.isna().sum()) if shown else np.nan
                for v in POINTS:
                    row[f"count_{v}"] = int((ans == v).sum()) if shown else np.nan
            for v in POINTS:
                row[f"share_{v}"] = float((ans == v).mean()) if shown else np.nan
            if shown:
                lo, hi = mean_ci(ans, method=ci, seed=seed)
                top = int((ans >= 4).sum())
                wl, wh = wilson_ci(top, len(ans))
                row.update(
                    mean=float(ans.mean()),
                    mean_ci_low=lo,
                    mean_ci_high=hi,
                    top2=top / len(ans),
                    top2_ci_low=wl,
                    top2_ci_high=wh,
                )
            else:
                row.update(
                    mean=np.nan,
                    mean_ci_low=np.nan,
                    mean_ci_high=np.nan,
                    top2=np.nan,
                    top2_ci_low=np.nan,
                    top2_ci_high=np.nan,
                )
            rows.append(row)
    return pd.DataFrame(rows)


def _as_scores(df: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    out = {}
    rows = df["_row"].tolist() if "_row" in df.columns else None
    for item in items:
        col = df[item]
        out[item] = (
            col.astype(float)
            if pd.api.types.is_numeric_dtype(col)
            else parse_likert(col, column=item, rows=rows)
        )
    return pd.DataFrame(out, index=df.index)


def compare_waves(
    df: pd.DataFrame,
    wave_col: str,
    a: str,
    b: str,
    *,
    items: Sequence[str] | None = None,
    k: int = 10,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Wave `a` against wave `b`, item by item.

    `df` holds `wave_col` and the items, as scores (1-5, DONT_KNOW, NaN) or as labels (parsed
    here); `items` defaults to every other column. Per item: answers and mean per wave, the
    difference of means (b - a) with a Welch 95% CI, the Mann-Whitney U statistic and p-value
    (two-sided), the Holm-adjusted p across the tested items, the rank-biserial correlation
    (b against a: +1 every answer in b above every answer in a) and its size (Romano et
    al. thresholds 0.147 / 0.33 / 0.474). A wave hidden by small-cell suppression (counted
    over all waves in `df`) is not tested.
    """
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    if wave_col not in df.columns:
        raise InputError(
            f"no wave column {wave_col!r} in the survey",
            column=wave_col,
            hint="map the column that names the event or round to `wave` in the mapping",
        )
    items = (
        list(items)
        if items is not None
        else [c for c in df.columns if c != wave_col and not str(c).startswith("_")]
    )
    waves = _groups(df[wave_col], df.index)
    present = set(waves)
    for w in (a, b):
        if w not in present:
            raise InputError(
                f"wave {w!r} is not in column {wave_col!r}",
                column=wave_col,
                hint="waves found: " + ", ".join(sorted(map(repr, present))),
            )
    scores = _as_scores(df, items)
    _, supp = group_counts(scores, waves, k)
    rows = []
    for item in items:
        xa = scores.loc[waves == a, item]
        xb = scores.loc[waves == b, item]
        xa, xb = xa[xa >= 1].to_numpy(), xb[xb >= 1].to_numpy()
        ok = bool(pd.notna(supp.at[a, item]) and pd.notna(supp.at[b, item]) and len(xa) and len(xb))
        row: dict[str, Any] = {"item": item, "tested": ok}
        if ok:
            u = stats.mannwhitneyu(xa, xb, alternative="two-sided")
            r = 1.0 - 2.0 * float(u.statistic) / (len(xa) * len(xb))
            diff = float(xb.mean() - xa.mean())
            va, vb = xa.var(ddof=1) / len(xa), xb.var(ddof=1) / len(xb)
            se = math.sqrt(va + vb)
            if se > 0:
                dof = (va + vb) ** 2 / ((va**2) / (len(xa) - 1) + (vb**2) / (len(xb) - 1))
                h = se * stats.t.ppf(0.975, dof)
            else:
                h = 0.0
            row.update(
                n_a=len(xa),
                n_b=len(xb),
                mean_a=float(xa.mean()),
                mean_b=float(xb.mean()),
                top2_a=float((xa >= 4).mean()),
                top2_b=float((xb >= 4).mean()),
                difference=diff,
                difference_ci_low=diff - h,
                difference_ci_high=diff + h,
                u=float(u.statistic),
                p=float(u.pvalue),
                rank_biserial=r,
                effect=_effect_size_word(r),
            )
        else:
            row.update(
                n_a=np.nan,
                n_b=np.nan,
                mean_a=np.nan,
                mean_b=np.nan,
                top2_a=np.nan,
                top2_b=np.nan,
                difference=np.nan,
                difference_ci_low=np.nan,
                difference_ci_high=np.nan,
                u=np.nan,
                p=np.nan,
                rank_biserial=np.nan,
                effect="",
            )
        rows.append(row)
    out = pd.DataFrame(rows)
    out["p_holm"] = np.nan
    tested = out["tested"].to_numpy(bool)
    if tested.any():
        out.loc[tested, "p_holm"] = multipletests(
            out.loc[tested, "p"].to_numpy(float), method="holm"
        )[1]
    out["significant"] = out["p_holm"].lt(alpha) & tested
    out.attrs.update(wave_a=a, wave_b=b, alpha=alpha)
    return out


def _effect_size_word(r: float) -> str:
    m = abs(r)
    return (
        "negligible" if m < 0.147 else "small" if m < 0.33 else "medium" if m < 0.474 else "large"
    )


def default_waves(table: pd.DataFrame, wave_col: str = "wave") -> list[str]:
    """Waves in time order (median submission date; the order of first appearance without
    dates). Blank waves are not a wave."""
    if wave_col not in table.columns:
        return []
    w = table[wave_col].astype("string").str.strip()
    ok = w.notna() & w.ne("")
    if not ok.any():
        return []
    if "submitted_at" in table.columns and pd.api.types.is_datetime64_any_dtype(
        table["submitted_at"]
    ):
        med = table.loc[ok, "submitted_at"].groupby(w[ok]).median()
        first = {x: i for i, x in enumerate(pd.unique(w[ok]))}
        return sorted(
            med.index.astype(str),
            key=lambda x: (pd.isna(med[x]), med[x] if pd.notna(med[x]) else 0, first[x]),
        )
    return [str(x) for x in pd.unique(w[ok])]
