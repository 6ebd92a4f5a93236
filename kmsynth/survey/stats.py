"""Survey statistics: confidence intervals, per-item tables overall and by group (suppressed),
and the comparison of two waves."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kmsynth.errors import InputError
from kmsynth.protect import check_k, suppress_small_cells
from kmsynth.survey.parse import parse_likert
from kmsynth.survey.scales import DONT_KNOW, NOT_STATED, POINTS


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


def suppress_parts(cells: pd.Series, k: int) -> pd.Series:
    """Counts that add up to a published total, suppressed: under k hidden, a second one where
    one alone is hidden (`suppress_small_cells`), and any shown cell whose complement (total
    minus the cell, a sum of hidden cells) is between 1 and k - 1. Hidden cells are <NA>."""
    out = suppress_small_cells(cells.astype(int), k)
    total = int(cells.sum())
    rest = total - cells.astype(int)
    # the rest of a shown cell holds only cells under k, hidden already: never one alone
    return out.mask((rest > 0) & (rest < k))


def hidden_points(counts: np.ndarray, k: int) -> np.ndarray:
    """Which of the five point counts (answers 1-5 of one item and group) are hidden: under k,
    plus secondary suppression (their total, the answers on the scale, is published)."""
    counts = np.asarray(counts, dtype=int)
    if counts.sum() == 0:
        return np.zeros(len(counts), dtype=bool)
    return suppress_parts(pd.Series(counts), k).isna().to_numpy()


def share_shown(count: int, n: int, k: int) -> bool:
    """A share count/n may be published: neither the count nor its complement n - count is
    between 1 and k - 1 (a share p of a published n reveals the count round(p * n))."""
    return not (0 < count < k or 0 < n - count < k)


def top2_shown(counts: np.ndarray, hidden: np.ndarray, k: int) -> bool:
    """The top-2-box share may be published: it and its complement reveal no count under k,
    and it does not single out one hidden point (among 4-5, or among 1-3)."""
    top, n = int(counts[3:].sum()), int(counts.sum())
    lone = int(hidden[3:].sum()) == 1 or int(hidden[:3].sum()) == 1
    return share_shown(top, n, k) and not lone


def _not_on_scale(col: pd.Series, n: int, k: int) -> dict[str, Any]:
    """Overall only: don't-know and no-answer counts, suppressed as a pair (their sum is the
    responses minus the answers on the scale); `n` hidden too when that sum is under k."""
    dk, na = int((col == DONT_KNOW).sum()), int(col.isna().sum())
    pair = suppress_parts(pd.Series([dk, na]), k)
    out: dict[str, Any] = {
        "dont_know": float(dk) if pd.notna(pair.iloc[0]) else np.nan,
        "no_answer": float(na) if pd.notna(pair.iloc[1]) else np.nan,
    }
    if not share_shown(n, n + dk + na, k):
        out["n"] = np.nan
    return out


def _figures(ans: np.ndarray, k: int, ci: str, seed: int, overall: bool) -> dict[str, Any]:
    """One shown item (and group): shares and counts of the points (small ones hidden), mean
    with its CI, top-2 box with its Wilson CI (hidden when it would reveal a small count)."""
    counts = np.array([int((ans == v).sum()) for v in POINTS])
    hidden = hidden_points(counts, k)
    n = len(ans)
    row: dict[str, Any] = {}
    for i, v in enumerate(POINTS):
        if overall:
            row[f"count_{v}"] = np.nan if hidden[i] else float(counts[i])
        row[f"share_{v}"] = np.nan if hidden[i] else counts[i] / n
    lo, hi = mean_ci(ans, method=ci, seed=seed)
    row.update(mean=float(ans.mean()), mean_ci_low=lo, mean_ci_high=hi)
    top = int(counts[3:].sum())
    if top2_shown(counts, hidden, k):
        wl, wh = wilson_ci(top, n)
        row.update(top2=top / n, top2_ci_low=wl, top2_ci_high=wh)
    else:
        row.update(top2=np.nan, top2_ci_low=np.nan, top2_ci_high=np.nan)
    return row


_BLANK = ("mean", "mean_ci_low", "mean_ci_high", "top2", "top2_ci_low", "top2_ci_high")


def _shown_map(scores: pd.DataFrame, g: pd.Series, k: int, overall: bool) -> dict:
    """(group, item) -> whether that group's answers to the item may be shown at all."""
    if overall:
        answered = scores.ge(1).sum().astype(int)
        visible = suppress_small_cells(answered, k, secondary=False)  # one cell per item
        return {("All", it): pd.notna(visible[it]) and answered[it] > 0 for it in scores.columns}
    answered_t, supp = group_counts(scores, g, k)
    return {
        (grp, it): pd.notna(supp.at[grp, it]) and answered_t.at[grp, it] > 0
        for grp in answered_t.index
        for it in answered_t.columns
    }


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

    Everything published is suppressed at k: a group under k (plus secondary suppression
    across groups) has `shown` False and every figure blank; within a shown row, point counts
    and shares under k (plus a second one), a don't-know/no-answer pair with a count under k,
    and a top-2 share revealing a count under k (or its complement) are NaN.
    """
    k = check_k(k)
    overall = by is None
    g = _groups(by, scores.index)
    shown_map = _shown_map(scores, g, k, overall)
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
            if not shown:
                blank = [*_BLANK, *(f"share_{v}" for v in POINTS)]
                if overall:
                    blank += ["dont_know", "no_answer", *(f"count_{v}" for v in POINTS)]
                row.update(dict.fromkeys(blank, np.nan))
            else:
                row.update(_figures(ans, k, ci, seed, overall))
                if overall:
                    row.update(_not_on_scale(col, len(ans), k))
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


_UNTESTED = dict.fromkeys(
    (
        "n_a",
        "n_b",
        "mean_a",
        "mean_b",
        "top2_a",
        "top2_b",
        "difference",
        "difference_ci_low",
        "difference_ci_high",
        "u",
        "p",
        "rank_biserial",
    ),
    np.nan,
)


def _top2(x: np.ndarray, k: int) -> float:
    """Top-2-box share of one wave, NaN when it or its complement reveals a count under k."""
    top = int((x >= 4).sum())
    return top / len(x) if share_shown(top, len(x), k) else np.nan


def _wave_test(xa: np.ndarray, xb: np.ndarray, k: int) -> dict[str, Any]:
    """Mann-Whitney U, Welch CI of the difference of means (b - a), rank-biserial effect."""
    from scipy import stats

    u = stats.mannwhitneyu(xa, xb, alternative="two-sided")
    r = 1.0 - 2.0 * float(u.statistic) / (len(xa) * len(xb))
    diff = float(xb.mean() - xa.mean())
    va, vb = xa.var(ddof=1) / len(xa), xb.var(ddof=1) / len(xb)
    se = math.sqrt(va + vb)
    h = 0.0
    if se > 0:
        dof = (va + vb) ** 2 / ((va**2) / (len(xa) - 1) + (vb**2) / (len(xb) - 1))
        h = se * stats.t.ppf(0.975, dof)
    return dict(
        n_a=len(xa),
        n_b=len(xb),
        mean_a=float(xa.mean()),
        mean_b=float(xb.mean()),
        top2_a=_top2(xa, k),
        top2_b=_top2(xb, k),
        difference=diff,
        difference_ci_low=diff - h,
        difference_ci_high=diff + h,
        u=float(u.statistic),
        p=float(u.pvalue),
        rank_biserial=r,
        effect=_effect_size_word(r),
    )


def _check_waves(df: pd.DataFrame, wave_col: str, a: str, b: str) -> pd.Series:
    if wave_col not in df.columns:
        raise InputError(
            f"no wave column {wave_col!r} in the survey",
            column=wave_col,
            hint="map the column that names the event or round to `wave` in the mapping",
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
    return waves


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
    over all waves in `df`) is not tested; a top-2 share revealing a count under k is NaN.
    """
    from statsmodels.stats.multitest import multipletests

    waves = _check_waves(df, wave_col, a, b)
    if items is None:
        items = [c for c in df.columns if c != wave_col and not str(c).startswith("_")]
    items = list(items)
    scores = _as_scores(df, items)
    _, supp = group_counts(scores, waves, k)
    rows = []
    for item in items:
        xa, xb = scores.loc[waves == a, item], scores.loc[waves == b, item]
        xa, xb = xa[xa >= 1].to_numpy(), xb[xb >= 1].to_numpy()
        ok = bool(pd.notna(supp.at[a, item]) and pd.notna(supp.at[b, item]) and len(xa) and len(xb))
        row: dict[str, Any] = {"item": item, "tested": ok}
        row.update(_wave_test(xa, xb, k) if ok else {**_UNTESTED, "effect": ""})
        rows.append(row)
    out = pd.DataFrame(rows)
    out["p_holm"] = np.nan
    tested = out["tested"].to_numpy(bool)
    if tested.any():
        p = out.loc[tested, "p"].to_numpy(float)
        out.loc[tested, "p_holm"] = multipletests(p, method="holm")[1]
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
