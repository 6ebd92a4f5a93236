"""BERTopic-style views of the workbench's themes (a map, a hierarchy, themes over time) and one
way to show a Plotly figure that both JupyterLab and nbconvert's exported HTML display.

`show_figure` gives HTML with the figure's data inline and plotly.js embedded once per kernel
(no CDN), instead of `fig.show()`, whose Plotly mimetype nbconvert drops from exported HTML.
Counts below k are hidden in every view; no post text is drawn.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kmsynth import html as h
from kmsynth.themes import OUTLIER
from kmsynth.workbench.core import Workbench

_SENT: set[str] = set()  # plotly.js already sent to this kernel's page


def figure_html(fig: Any, *, name: str, with_js: bool | None = None) -> str:
    """The figure as HTML: its data inline, plotly.js inline the first time in this process."""
    first = "plotly" not in _SENT if with_js is None else with_js
    _SENT.add("plotly")
    return (h.plotly_js() if first else "") + h.figure_html(fig, name=name)


def show_figure(fig: Any, *, name: str, with_js: bool | None = None) -> Any:
    """An IPython HTML object of the figure for `display(...)` (Lab and exported HTML)."""
    from IPython.display import HTML

    return HTML(figure_html(fig, name=name, with_js=with_js))


def _labels(wb: Workbench, month: str) -> dict[int, str]:
    t = wb.themes(month).themes
    return {
        int(i): f"T{int(i)} {lab}"[:60] for i, lab in zip(t["theme_id"], t["label"], strict=True)
    }


def theme_map(wb: Workbench, month: str) -> Any:
    """A 2-D map of the month's posts (PCA of their embeddings), one colour per theme."""
    import plotly.express as px
    from sklearn.decomposition import PCA

    data, res = wb.month_data(month), wb.themes(month)
    rows = data.rows(month)
    xy = PCA(n_components=2, random_state=0).fit_transform(data.vectors[rows])
    names = _labels(wb, month)
    theme = [
        names.get(int(t), "outlier") if t != OUTLIER else "outlier"
        for t in res.assignments["theme_id"]
    ]
    fig = px.scatter(
        x=xy[:, 0],
        y=xy[:, 1],
        color=theme,
        template="plotly_white",
        title=f"Theme map {month} (posts, 2-D projection)",
        labels={"x": "", "y": "", "color": "theme"},
    )
    fig.update_traces(marker={"size": 6, "opacity": 0.7}, hovertemplate="%{fullData.name}")
    return fig


def merge_candidates(wb: Workbench, month: str, n: int = 5) -> pd.DataFrame:
    """The n most similar pairs of themes (cosine of centroids): merges worth a look."""
    res = wb.themes(month)
    ids = sorted(res.centroids)
    if len(ids) < 2:
        return pd.DataFrame(columns=["theme_a", "theme_b", "similarity"])
    c = np.vstack([res.centroids[i] for i in ids])
    sim = c @ c.T
    pairs = [
        (ids[a], ids[b], float(sim[a, b])) for a in range(len(ids)) for b in range(a + 1, len(ids))
    ]
    pairs.sort(key=lambda p: -p[2])
    return pd.DataFrame(pairs[:n], columns=["theme_a", "theme_b", "similarity"]).round(3)


def theme_hierarchy(wb: Workbench, month: str) -> Any:
    """A dendrogram of the month's themes (average linkage on centroid cosine distance)."""
    import plotly.figure_factory as ff
    from scipy.cluster.hierarchy import linkage

    res = wb.themes(month)
    ids = sorted(res.centroids)
    names = _labels(wb, month)
    if len(ids) < 2:
        import plotly.graph_objects as go

        return go.Figure(layout={"title": f"Hierarchy of themes {month}: one theme only"})
    x = np.vstack([res.centroids[i] for i in ids])
    fig = ff.create_dendrogram(
        x,
        orientation="left",
        labels=[names[i] for i in ids],
        linkagefun=lambda v: linkage(v, "average", metric="cosine"),
    )
    fig.update_layout(
        title=f"Hierarchy of themes {month} (closer joins: merges that make sense)",
        template="plotly_white",
        height=max(300, 28 * len(ids)),
        showlegend=False,
    )
    return fig


def themes_over_time(wb: Workbench, month: str) -> Any:
    """Posts per theme of `month` over the report's window of months (each earlier post goes to
    its nearest theme, as BERTopic's topics over time); counts below k hidden."""
    import plotly.express as px

    data, res = wb.month_data(month), wb.themes(month)
    theme, _ = res.transform(data.vectors)
    theme = np.asarray(theme)
    cur = data.rows(month)  # this month: the themes' own assignments
    theme[cur] = res.assignments["theme_id"].to_numpy()
    names = _labels(wb, month)
    frame = pd.DataFrame({"month": data.posts["month"].to_numpy(), "theme_id": theme})
    frame = frame[frame["theme_id"].isin(list(names))]
    counts = frame.groupby(["month", "theme_id"]).size().rename("posts").reset_index()
    counts["theme"] = counts["theme_id"].map(names)
    counts["posts"] = counts["posts"].where(counts["posts"] >= wb.k).astype(float)
    fig = px.line(
        counts.sort_values("month"),
        x="month",
        y="posts",
        color="theme",
        markers=True,
        template="plotly_white",
        title=f"Themes over time (posts per month; fewer than {wb.k} hidden)",
    )
    fig.update_xaxes(type="category")
    return fig


__all__ = [
    "figure_html",
    "merge_candidates",
    "show_figure",
    "theme_hierarchy",
    "theme_map",
    "themes_over_time",
]
