"""Month-to-month trends: counts by month and group, the month at a glance, and their charts.

Every published count passes through `suppress_small_cells` (k from the config, default 10):
a group with fewer than k posts in a month is hidden, and secondary suppression stops anyone
recovering it from totals. Charts draw suppressed points as gaps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kmsynth.protect import suppress_small_cells


def month_of(dates: pd.Series) -> pd.Series:
    """'YYYY-MM' of UTC timestamps."""
    d = pd.to_datetime(dates, utc=True)
    return d.dt.strftime("%Y-%m")


def previous_month(month: str) -> str:
    p = pd.Period(month, freq="M") - 1
    return str(p)


def months_up_to(month: str, n: int) -> list[str]:
    """The n months ending with `month`, oldest first."""
    end = pd.Period(month, freq="M")
    return [str(end - i) for i in range(n - 1, -1, -1)]


def monthly_counts(
    table: pd.DataFrame,
    *,
    by: str | None,
    months: Sequence[str],
    k: int,
    date_col: str = "created_at",
    top: int = 8,
) -> pd.DataFrame:
    """Posts per month (rows, 'YYYY-MM') and group (columns), small cells suppressed.

    Groups beyond the `top` largest are pooled as "Other"; an empty group is "(not stated)".
    Without `by`, one column "posts".
    """
    m = month_of(table[date_col])
    sel = m.isin(months)
    if by is None:
        counts = m[sel].value_counts().reindex(months, fill_value=0).to_frame("posts")
    else:
        g = table.loc[sel, by].fillna("").astype(str).str.strip().replace("", "(not stated)")
        keep = g.value_counts().index[:top]
        g = g.where(g.isin(keep), "Other")
        counts = pd.crosstab(m[sel], g).reindex(months, fill_value=0)
        counts = counts[
            sorted(
                counts.columns, key=lambda c: (c in ("Other", "(not stated)"), -counts[c].sum(), c)
            )
        ]
    counts.index.name = "month"
    counts.columns.name = None
    return suppress_small_cells(counts.astype(float), k)


def glance(
    table: pd.DataFrame, month: str, *, k: int, date_col: str = "created_at"
) -> pd.DataFrame:
    """The month at a glance against the previous month: posts, threads, participants, regions,
    languages. Counts below k are hidden (NaN); change is shown only when both are visible."""
    prev = previous_month(month)
    m = month_of(table[date_col])
    rows = []
    measures = [
        ("Posts", None),
        ("Threads", "thread_id"),
        ("Participants", "author_id"),
        ("Regions", "region"),
        ("Countries", "country"),
        ("Languages", "language"),
    ]
    for label, col in measures:
        vals = []
        for mm in (month, prev):
            sub = table[m == mm]
            if col is None:
                v = len(sub)
            elif col in sub.columns:
                v = sub[col].replace("", np.nan).dropna().nunique()
            else:
                v = None
            vals.append(v)
        if vals[0] is None:
            continue
        cur, old = vals
        # the number of distinct regions or languages is not a count of people: shown as is
        small_ok = col in ("region", "country", "language")
        show_cur = cur if (small_ok or cur >= k or cur == 0) else np.nan
        show_old = old if (old is not None and (small_ok or old >= k or old == 0)) else np.nan
        change = ""
        if not (pd.isna(show_cur) or pd.isna(show_old)) and show_old:
            pct = 100 * (show_cur - show_old) / show_old
            change = f"{'+' if pct >= 0 else '−'}{abs(pct):.0f}% on {prev}"
        rows.append({"measure": label, "value": show_cur, "previous": show_old, "change": change})
    return pd.DataFrame(rows)


def trend_figure(counts: pd.DataFrame, *, title: str, kind: str = "line") -> Any:
    """A Plotly chart of a suppressed month x group table (suppressed points are gaps)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for col in counts.columns:
        y = [None if pd.isna(v) else float(v) for v in counts[col]]
        if kind == "bar":
            fig.add_bar(name=str(col), x=list(counts.index), y=y)
        else:
            fig.add_scatter(
                name=str(col), x=list(counts.index), y=y, mode="lines+markers", connectgaps=False
            )
    fig.update_layout(
        title=title,
        template="plotly_white",
        height=380,
        margin=dict(l=40, r=20, t=50, b=40),
        legend_title_text="",
        barmode="stack" if kind == "bar" else None,
        xaxis=dict(type="category"),
        yaxis=dict(title="posts", rangemode="tozero"),
    )
    return fig


def biggest_increase(counts: pd.DataFrame) -> tuple[str, float] | None:
    """The group whose visible count rose most between the last two months: (group, change %)."""
    if len(counts) < 2:
        return None
    last, prev = counts.iloc[-1], counts.iloc[-2]
    best = None
    for col in counts.columns:
        if (
            pd.isna(last[col])
            or pd.isna(prev[col])
            or prev[col] == 0
            or col in ("Other", "(not stated)")
        ):
            continue
        pct = 100 * (last[col] - prev[col]) / prev[col]
        if best is None or pct > best[1]:
            best = (str(col), float(pct))
    return best
