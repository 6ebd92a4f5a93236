"""Survey synthesis: Likert items and open-ended answers from symposium and webinar feedback.

Likert labels in English, Spanish, French and Portuguese (and 1-5 numbers, "5 - Strongly
agree") map to an ordered 1-5 scale. "Don't know" and blanks are kept apart: counted, never
treated as neutral, never in a mean. Every breakdown by respondent group or region hides groups
smaller than k. Two waves (two webinars, before and after) are compared item by item with a
Mann-Whitney U test and Holm's correction.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .errors import InputError, Problem

DONT_KNOW = -1.0


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFKD", str(s)).encode("ascii", "ignore").decode().lower()
    s = s.replace("’", "'")
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9' ]+", " ", s)).strip()


_SCALES: dict[int, list[str]] = {
    1: ["strongly disagree", "totalmente en desacuerdo", "muy en desacuerdo", "pas du tout d'accord",
        "tout a fait en desaccord", "fortement en desaccord", "discordo totalmente", "discordo fortemente",
        "very dissatisfied", "not at all useful", "muy insatisfecho", "tres insatisfait", "muito insatisfeito",
        "very poor", "nada util", "pas du tout utile", "nada util"],
    2: ["disagree", "en desacuerdo", "pas d'accord", "plutot pas d'accord", "discordo", "dissatisfied",
        "insatisfecho", "insatisfait", "insatisfeito", "not very useful", "slightly useful", "poor",
        "poco util", "peu utile", "pouco util"],
    3: ["neither agree nor disagree", "neutral", "ni de acuerdo ni en desacuerdo", "neutro",
        "ni d'accord ni pas d'accord", "neutre", "nao concordo nem discordo", "nem concordo nem discordo",
        "neither satisfied nor dissatisfied", "moderately useful", "fair", "moderadamente util",
        "moyennement utile", "moderadamente util", "somewhat useful"],
    4: ["agree", "de acuerdo", "d'accord", "plutot d'accord", "concordo", "satisfied", "satisfecho",
        "satisfait", "satisfeito", "useful", "very useful", "good", "util", "utile", "muy util",
        "tres utile", "muito util"],
    5: ["strongly agree", "totalmente de acuerdo", "muy de acuerdo", "tout a fait d'accord",
        "fortement d'accord", "concordo totalmente", "concordo fortemente", "very satisfied",
        "muy satisfecho", "tres satisfait", "muito satisfeito", "extremely useful", "excellent",
        "extremadamente util", "extremement utile", "extremamente util"],
}
# "very useful" sits at 4 on a usefulness scale that tops at "extremely useful"
_DK = ["don't know", "dont know", "do not know", "not sure", "no se", "ns nr", "je ne sais pas",
       "ne sais pas", "nao sei", "n a", "not applicable", "no aplica", "sans objet", "nao se aplica",
       "prefer not to say", "prefiero no responder", "dk"]
LABELS: dict[str, float] = {}
for _v, _ls in _SCALES.items():
    for _l in _ls:
        LABELS.setdefault(_norm(_l), float(_v))
for _l in _DK:
    LABELS[_norm(_l)] = DONT_KNOW


def parse_likert(values: pd.Series, *, file: str = "<survey>", column: str = "item",
                 rows: Sequence[int] | None = None) -> pd.Series:
    """Map labels to 1-5 (float), "Don't know" to -1, blank to NaN. Unknown labels: InputError
    naming every row and the column, listing labels that are accepted."""
    rows = list(rows) if rows is not None else list(range(1, len(values) + 1))
    out, problems = [], []
    for r, raw in zip(rows, values.astype("string").fillna("")):
        v = str(raw).strip()
        if not v:
            out.append(np.nan)
            continue
        m = re.match(r"^\s*([1-5])(?:\s*[-–.:)]\s*.*)?$", v)
        if m:
            out.append(float(m.group(1)))
            continue
        key = _norm(v)
        if key in LABELS:
            out.append(LABELS[key])
            continue
        problems.append(Problem(file=file, row=r, column=column, rule="unknown_likert_label",
                                message="the answer is not a known scale label",
                                hint="use 1-5, or labels such as Strongly agree / Totalmente de acuerdo / "
                                     "Tout à fait d'accord / Concordo totalmente, or Don't know"))
        out.append(np.nan)
    if problems:
        where = ", ".join(str(p.row) for p in problems[:10]) + (" ..." if len(problems) > 10 else "")
        raise InputError(f"{len(problems)} answer(s) in column {column!r} are not known scale labels "
                         f"(rows {where})", file=file, column=column, row=problems[0].row,
                         hint=problems[0].hint, problems=problems)
    return pd.Series(out, index=values.index, dtype=float)


def _t_ci(x: np.ndarray) -> tuple[float, float]:
    from scipy import stats

    if len(x) < 2:
        return (np.nan, np.nan)
    m, se = x.mean(), x.std(ddof=1) / math.sqrt(len(x))
    h = se * stats.t.ppf(0.975, len(x) - 1)
    return (m - h, m + h)


def _wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return (np.nan, np.nan)
    z = 1.959964
    p = k / n
    den = 1 + z * z / n
    c = (p + z * z / (2 * n)) / den
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (c - h, c + h)


def item_table(scores: pd.DataFrame, *, by: pd.Series | None = None, k: int = 10) -> pd.DataFrame:
    """Per item (and group): answered n, don't know, blank, mean with 95% CI, top-2-box share
    with Wilson CI, and the share of each scale point. Groups with fewer than k answers are
    hidden (their figures blank, `shown` False): small groups are never described."""
    groups = [("All", scores.index)] if by is None else [
        (g, idx) for g, idx in scores.groupby(by.fillna("(not stated)").replace("", "(not stated)")).groups.items()]
    rows = []
    for item in scores.columns:
        for g, idx in groups:
            col = scores.loc[idx, item]
            ans = col[col >= 1].to_numpy()
            n, dk, blank = len(ans), int((col == DONT_KNOW).sum()), int(col.isna().sum())
            shown = n >= k
            lo, hi = _t_ci(ans) if shown else (np.nan, np.nan)
            t2 = int((ans >= 4).sum())
            wl, wh = _wilson(t2, n) if shown else (np.nan, np.nan)
            row = {"item": item, "group": g, "shown": shown, "n": n if shown else np.nan,
                   "dont_know": dk if shown else np.nan, "blank": blank if shown else np.nan,
                   "mean": round(float(ans.mean()), 2) if shown else np.nan,
                   "mean_ci_low": round(lo, 2), "mean_ci_high": round(hi, 2),
                   "top2": round(t2 / n, 3) if shown else np.nan,
                   "top2_ci_low": round(wl, 3), "top2_ci_high": round(wh, 3)}
            for v in range(1, 6):
                row[f"share_{v}"] = round(float((ans == v).mean()), 3) if shown else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def compare_waves(scores: pd.DataFrame, waves: pd.Series, a: str, b: str, *, k: int = 10,
                  alpha: float = 0.05) -> pd.DataFrame:
    """Per item: mean in wave a and b, difference, Mann-Whitney U p-value, Holm-adjusted p,
    and whether the difference is significant. Waves with fewer than k answers are not tested."""
    from scipy.stats import mannwhitneyu
    from statsmodels.stats.multitest import multipletests

    rows = []
    for item in scores.columns:
        xa = scores.loc[waves == a, item]
        xb = scores.loc[waves == b, item]
        xa, xb = xa[xa >= 1].to_numpy(), xb[xb >= 1].to_numpy()
        ok = len(xa) >= k and len(xb) >= k
        p = float(mannwhitneyu(xa, xb, alternative="two-sided").pvalue) if ok else np.nan
        rows.append({"item": item, "n_a": len(xa) if ok else np.nan, "n_b": len(xb) if ok else np.nan,
                     "mean_a": round(xa.mean(), 2) if ok else np.nan, "mean_b": round(xb.mean(), 2) if ok else np.nan,
                     "difference": round(xb.mean() - xa.mean(), 2) if ok else np.nan, "p": p})
    out = pd.DataFrame(rows)
    tested = out["p"].notna()
    out["p_holm"] = np.nan
    if tested.any():
        out.loc[tested, "p_holm"] = multipletests(out.loc[tested, "p"], method="holm")[1]
    out["significant"] = out["p_holm"] < alpha
    return out


def likert_figure(table: pd.DataFrame, title: str = "Likert items"):
    """Diverging stacked bars: disagree to the left, agree to the right (shown groups only)."""
    import plotly.graph_objects as go

    t = table[table["shown"]]
    labels = {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree", 5: "Strongly agree"}
    colors = {1: "#b2182b", 2: "#ef8a62", 3: "#cccccc", 4: "#67a9cf", 5: "#2166ac"}
    y = [f"{r.item} ({r.group})" if r.group != "All" else r.item for r in t.itertuples()]
    fig = go.Figure()
    # stacked outwards from zero: neutral halves next to the centre, the strong answers outside
    fig.add_bar(y=y, x=-50 * t["share_3"], name=labels[3], orientation="h", marker_color=colors[3],
                legendgroup="n", showlegend=False)
    for v in (2, 1):
        fig.add_bar(y=y, x=-100 * t[f"share_{v}"], name=labels[v], orientation="h", marker_color=colors[v])
    fig.add_bar(y=y, x=50 * t["share_3"], name=labels[3], orientation="h", marker_color=colors[3], legendgroup="n")
    for v in (4, 5):
        fig.add_bar(y=y, x=100 * t[f"share_{v}"], name=labels[v], orientation="h", marker_color=colors[v])
    fig.update_layout(barmode="relative", title=title, template="plotly_white", height=120 + 40 * len(y),
                      xaxis=dict(title="% of answers (don't know excluded)", range=[-100, 100]),
                      margin=dict(l=40, r=20, t=80, b=40),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, traceorder="normal"))
    return fig


@dataclass
class OpenTheme:
    label: str
    share: float | None  # of respondents who answered; None when hidden
    n: int | None
    summary: str
    quotes: list[str]


def open_ended_themes(answers: pd.Series, *, embedder, k: int = 10, quotable: pd.Series | None = None,
                      seed: int = 42) -> list[OpenTheme]:
    """Themes in one open question's answers (short texts: small-corpus settings), each with its
    share of respondents, a one-sentence summary and up to two quotes from quotable answers."""
    from .themes import fit_themes

    a = answers.fillna("").astype(str).str.strip()
    ok = a[a.str.len() > 0]
    if len(ok) < 20:
        return []
    res = fit_themes(ok.tolist(), [str(i) for i in ok.index], embedder=embedder, seed=seed,
                     min_theme_size=max(5, k // 2), guided=False)
    out = []
    total = len(ok)
    for r in res.themes.itertuples():
        members = res.assignments.loc[res.assignments.theme_id == r.theme_id, "doc_id"]
        n = len(members)
        shown = n >= k
        q = []
        if shown:
            for did in r.representative_ids:
                i = type(ok.index[0])(did) if not isinstance(ok.index[0], str) else did
                if quotable is not None and bool(quotable.get(i, False)) and "[" not in ok[i]:
                    if ok[i] not in q:
                        q.append(ok[i])
                if len(q) == 2:
                    break
        rep = ok[type(ok.index[0])(r.representative_ids[0])] if r.representative_ids else ""
        out.append(OpenTheme(label=r.label, share=round(n / total, 3) if shown else None,
                             n=n if shown else None, summary=rep if shown else "", quotes=q))
    return out


def load_survey(path, config, mapping=None):
    """prepare() the survey and parse its Likert columns: (prepared, scores DataFrame)."""
    from .prepare import prepare

    prep = prepare("survey", path, config, mapping=mapping)
    t = prep.table
    items = [c for c in prep.mapping.likert if c in t.columns]
    if not items:
        raise InputError("the survey mapping declares no Likert items", file=str(path),
                         hint="list them under survey: likert: in the mapping")
    scores = pd.DataFrame({c: parse_likert(t[c], file=Path(str(path)).name, column=c,
                                           rows=t["_row"].tolist() if "_row" in t else None) for c in items},
                          index=t.index)
    return prep, scores


def survey_section_html(path, config, month: str | None = None) -> str:
    """The monthly report's survey section: items overall, waves compared, open-question themes."""
    from . import html as h
    from .embed import embedder_from_config

    prep, scores = load_survey(path, config)
    k = config.privacy.min_cell
    t = prep.table
    overall = item_table(scores, k=k)
    parts = [h.figure_html(likert_figure(overall, "Feedback on the sessions"), name="survey-likert")]
    parts.append(h.table_html(overall[["item", "n", "dont_know", "mean", "mean_ci_low", "mean_ci_high", "top2"]],
                              caption="All respondents ('don't know' counted apart, not in the mean)"))
    if "respondent_group" in t.columns:
        g = item_table(scores, by=t["respondent_group"], k=k)
        parts.append(h.table_html(g[g["shown"]][["item", "group", "n", "mean", "top2"]],
                                  caption=f"By respondent group (groups under {k} respondents hidden)"))
    if "wave" in t.columns and t["wave"].nunique() == 2:
        a, b = sorted(t["wave"].dropna().unique())
        cmp = compare_waves(scores, t["wave"], a, b, k=k)
        cmp["significant"] = cmp["significant"].map({True: "yes", False: ""})
        parts.append(h.table_html(cmp, caption=f"{a} against {b}: Mann-Whitney U, Holm-adjusted"))
    emb = embedder_from_config(config)
    for q in prep.mapping.open_ended:
        if q in t.columns:
            themes = open_ended_themes(t[q], embedder=emb, k=k, quotable=t.get("quotable"))
            rows = pd.DataFrame([{"theme": th.label, "respondents": th.n, "share": th.share} for th in themes])
            if len(rows):
                parts.append(h.table_html(rows, caption=q))
                for th in themes:
                    for qt in th.quotes[:1]:
                        parts.append(h.quote_html(qt))
    return h.section("Survey feedback", "".join(parts),
                     intro=f"{len(t)} responses. Likert items on a 1-5 scale; groups under {k} hidden.")
