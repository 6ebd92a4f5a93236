"""Survey charts (plotly): every data text escaped, hidden groups never in the data."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from kmsynth.html import HIDDEN
from kmsynth.survey.scales import SCALES

if TYPE_CHECKING:
    from kmsynth.survey.open_ended import OpenQuestion

_COLORS = {1: "#b2182b", 2: "#ef8a62", 3: "#c8c8c8", 4: "#67a9cf", 5: "#2166ac"}


def _plain(text: Any, width: int = 48) -> str:
    """Data text for a plotly label: escaped (plotly reads <b>, <a> and <br> in labels),
    wrapped with <br> at about `width` characters."""
    words = str(text).split()
    lines, cur = [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    if cur:
        lines.append(cur)
    return "<br>".join(html.escape(x, quote=False) for x in lines)


def _point_labels(scales: Iterable[str]) -> tuple[str, ...]:
    names = {s for s in scales if s}
    if len(names) == 1:
        name = next(iter(names))
        if name in SCALES:
            return SCALES[name].points
    return ("1 (lowest)", "2", "3", "4", "5 (highest)")


def _diverging_traces(
    fig, t: pd.DataFrame, y: list[str], labels: Sequence[str], *, row=None, showlegend: bool = True
) -> None:
    kw = {"row": row, "col": 1} if row is not None else {}
    hover = "%{customdata:.0f}%<extra>%{fullData.name}</extra>"
    # stacked outwards from zero: neutral halves next to the centre, strong answers outside
    for v, sign, half in (
        (3, -1, True),
        (2, -1, False),
        (1, -1, False),
        (3, 1, True),
        (4, 1, False),
        (5, 1, False),
    ):
        share = 100 * t[f"share_{v}"].to_numpy(float)
        x = sign * share * (0.5 if half else 1.0)
        fig.add_bar(
            y=y,
            x=x,
            name=labels[v - 1],
            orientation="h",
            marker_color=_COLORS[v],
            legendgroup=str(v),
            showlegend=showlegend and not (v == 3 and sign < 0),
            customdata=share,
            hovertemplate=hover,
            legendrank=v,
            **kw,
        )


def _overall_note(r: Any) -> str:
    """'n = 184; don't know –, no answer –' under an item's label (hidden counts as a dash)."""
    if not hasattr(r, "dont_know"):
        return ""

    def fmt(v: Any) -> str:
        return HIDDEN if pd.isna(v) else str(int(v))

    return (
        f"<br><sup>n = {fmt(r.n)}; don't know {fmt(r.dont_know)}, "
        f"no answer {fmt(r.no_answer)}</sup>"
    )


_AXIS = dict(
    title="% of answers on the scale (don't know and no answer excluded)",
    range=[-100, 100],
    tickvals=[-100, -75, -50, -25, 0, 25, 50, 75, 100],
    ticktext=["100", "75", "50", "25", "0", "25", "50", "75", "100"],
    zeroline=True,
    zerolinecolor="#444",
)


def _likert_overall(t: pd.DataFrame, labels: Sequence[str], title: str) -> Any:
    """One bar per item (all respondents), n and the don't-know/no-answer counts in the label."""
    import plotly.graph_objects as go

    y = [_plain(r.item) + _overall_note(r) for r in t.itertuples()]
    fig = go.Figure()
    _diverging_traces(fig, t, y, labels)
    plot_h = 60 * max(len(y), 1)
    fig.update_layout(
        barmode="relative",
        title=_title(title),
        template="plotly_white",
        height=plot_h + 190,
        xaxis=_AXIS,
        yaxis=dict(autorange="reversed"),
        legend=_legend(1.0 + 10 / plot_h),
        margin=dict(l=20, r=20, t=100, b=90),
        bargap=0.35,
    )
    return fig


def likert_figure(table: pd.DataFrame, title: str = "Likert items") -> Any:
    """Diverging stacked bars: disagreement left of zero, agreement right, neutral split across
    the centre; don't know and no answer excluded (shown in the labels overall). Only rows with
    `shown` True are used. With several groups: one panel per item, a bar per group."""
    from plotly.subplots import make_subplots

    t = table[table["shown"]].copy()
    labels = _point_labels(t["scale"] if "scale" in t else [])
    if t.empty or set(t["group"]) == {"All"}:
        return _likert_overall(t, labels, title)
    items = list(dict.fromkeys(t["item"]))
    rows_h = [30 * int((t["item"] == item).sum()) + 10 for item in items]
    gap = 55
    plot_h = sum(rows_h) + gap * (len(items) - 1)
    fig = make_subplots(
        rows=len(items),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=gap / plot_h,
        row_heights=rows_h,
        subplot_titles=[_plain(i, 90) for i in items],
    )
    for i, item in enumerate(items, start=1):
        ti = t[t["item"] == item]
        y = [f"{_plain(g, 30)} (n = {int(n)})" for g, n in zip(ti["group"], ti["n"], strict=True)]
        _diverging_traces(fig, ti, y, labels, row=i, showlegend=i == 1)
        fig.update_yaxes(autorange="reversed", row=i, col=1)
        fig.update_xaxes(
            range=[-100, 100],
            tickvals=_AXIS["tickvals"],
            ticktext=_AXIS["ticktext"],
            zeroline=True,
            zerolinecolor="#444",
            showticklabels=i == len(items),
            row=i,
            col=1,
        )
    fig.update_xaxes(title=_AXIS["title"], row=len(items), col=1)
    fig.update_layout(
        barmode="relative",
        title=_title(title),
        template="plotly_white",
        height=plot_h + 200,
        legend=_legend(1.0 + 40 / plot_h),
        margin=dict(l=20, r=20, t=110, b=90),
        bargap=0.3,
    )
    return fig


def _title(text: str) -> dict:
    return dict(
        text=_plain(text, 90),
        x=0.01,
        xanchor="left",
        y=1.0,
        yref="container",
        yanchor="top",
        pad=dict(t=14),
    )


def _legend(y: float) -> dict:
    """A horizontal legend just above the plot area (y in plot fractions)."""
    return dict(orientation="h", yanchor="bottom", y=y, x=0, xanchor="left", traceorder="normal")


def waves_figure(cmp: pd.DataFrame, title: str = "Waves compared") -> Any:
    """Mean per item in each wave (tested items only), significant differences marked."""
    import plotly.graph_objects as go

    t = cmp[cmp["tested"]]
    a, b = cmp.attrs.get("wave_a", "a"), cmp.attrs.get("wave_b", "b")
    y = [_plain(r.item) + (" *" if r.significant else "") for r in t.itertuples()]
    fig = go.Figure()
    for x0, x1, yy in zip(t["mean_a"], t["mean_b"], y, strict=False):
        fig.add_scatter(
            x=[x0, x1],
            y=[yy, yy],
            mode="lines",
            line=dict(color="#bbb", width=3),
            showlegend=False,
            hoverinfo="skip",
        )
    for col, name, color in (("mean_a", a, "#ef8a62"), ("mean_b", b, "#2166ac")):
        fig.add_scatter(
            x=t[col],
            y=y,
            mode="markers",
            name=_plain(name, 60),
            marker=dict(size=12, color=color),
            hovertemplate="%{x:.2f}<extra>%{fullData.name}</extra>",
        )
    plot_h = 60 * max(len(y), 1)
    fig.update_layout(
        title=_title(title),
        template="plotly_white",
        height=plot_h + 190,
        xaxis=dict(
            title="mean on the 1-5 scale (* significant after Holm's correction)", range=[1, 5]
        ),
        yaxis=dict(autorange="reversed"),
        margin=dict(l=20, r=20, t=100, b=90),
        legend=_legend(1.0 + 10 / plot_h),
    )
    return fig


def theme_figure(question: OpenQuestion) -> Any:
    """Share of respondents per theme of one open question (shown themes only)."""
    import plotly.graph_objects as go

    shown = [t for t in question.themes if t.shown]
    fig = go.Figure(
        go.Bar(
            y=[_plain(t.label, 40) for t in shown],
            x=[100 * t.share for t in shown],
            orientation="h",
            marker_color="#6a3d9a",
            text=[f"{t.n} ({100 * t.share:.0f}%)" for t in shown],
            textposition="auto",
            hovertemplate="%{x:.0f}% of those who answered<extra></extra>",
        )
    )
    fig.update_layout(
        title=_title(question.question),
        template="plotly_white",
        height=160 + 45 * len(shown),
        xaxis=dict(title="% of respondents who answered", rangemode="tozero"),
        yaxis=dict(autorange="reversed"),
        margin=dict(l=20, r=20, t=70, b=60),
    )
    return fig
