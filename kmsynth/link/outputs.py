"""What linking returns: links with evidence and relation, candidates below the confident line,
gaps and the evidence map (table, detail and heatmap).

Texts in the outputs are the texts the Linker was given: `kmsynth link`, the notebook and the
report pass tables from `prepare`, which redacts them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kmsynth.link.evidence import key_phrases, sentence_similarity
from kmsynth.link.relation import classify_relation, shipped_relation_model
from kmsynth.link.tables import column_values, pillar_label

if TYPE_CHECKING:
    from kmsynth.link.rank import Linker

LINK_COLUMNS = [
    "finding_id",
    "lesson_id",
    "rank",
    "score",
    "evidence",
    "confident",
    "relation",
    "contradiction",
    "finding_sentence",
    "lesson_sentence",
    "finding_text",
    "lesson_title",
    "lesson_text",
    "decision",
    "cosine",
    "bm25",
    "rrf",
]
GAP_COLUMNS = [
    "kind",
    "id",
    "text",
    "title",
    "pillar",
    "country",
    "theme_id",
    "theme",
    "best_lesson_id",
    "best_score",
    "note",
]
_REJECTED = ["finding_id", "lesson_id", "decision"]


@dataclass
class LinkResult:
    """What `Linker.link` returns.

    links: confident links and accepted pairs (LINK_COLUMNS; confident 'yes', or 'no' for an
        accepted pair below the line). below_line: top-k candidates under the confident line,
        shown for review (confident 'no'). gaps_findings / gaps_lessons: findings with no link,
        lessons no finding supports. evidence_map: pillars by lesson type, distinct linked
        findings. candidates: every top-k candidate with its signals. rejected: reviewers'
        rejected pairs, carried to the next round. params: parameters, the line used and the
        table sizes. lessons: the inventory as indexed.
    """

    links: pd.DataFrame
    gaps_findings: pd.DataFrame
    gaps_lessons: pd.DataFrame
    evidence_map: pd.DataFrame
    below_line: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LINK_COLUMNS))
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_REJECTED))
    params: dict[str, Any] = field(default_factory=dict)
    lessons: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def gaps(self) -> pd.DataFrame:
        """Both kinds of gap in one table (gaps.csv): kind is finding_without_lesson or
        lesson_without_finding."""
        f, g = self.gaps_findings, self.gaps_lessons
        rows_f = pd.DataFrame(
            {
                "kind": "finding_without_lesson",
                "id": f["finding_id"],
                "text": f["text"],
                "title": "",
                "pillar": f["pillar"],
                "country": f["country"],
                "theme_id": f["theme_id"],
                "theme": f["theme"],
                "best_lesson_id": f["best_lesson_id"],
                "best_score": f["best_score"],
                "note": "candidate for a new lesson",
            }
        )
        rows_l = pd.DataFrame(
            {
                "kind": "lesson_without_finding",
                "id": g["lesson_id"],
                "text": g["text"],
                "title": g["title"],
                "pillar": g["pillar"],
                "country": g["country"],
                "theme_id": pd.NA,
                "theme": "",
                "best_lesson_id": "",
                "best_score": np.nan,
                "note": "no evaluation evidence yet",
            }
        )
        parts = [p for p in (rows_f, rows_l) if len(p)]
        if not parts:
            return pd.DataFrame(columns=GAP_COLUMNS)
        return pd.concat(parts, ignore_index=True)[GAP_COLUMNS]

    def links_for_review(self) -> pd.DataFrame:
        """links.csv: the confident links, the candidates below the line (confident 'no'), then
        the rejected pairs (decision reject, no rank) so that a reviewed file fed back keeps
        every decision."""
        rej = self.rejected.reindex(columns=LINK_COLUMNS)
        rej["decision"] = "reject"
        parts = [p for p in (self.links, self.below_line, rej) if len(p)]
        if not parts:
            return pd.DataFrame(columns=LINK_COLUMNS)
        return pd.concat(parts, ignore_index=True)[LINK_COLUMNS]


def _evidence_rows(linker: Linker, f: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """evidence, relation, contradiction, finding_sentence, lesson_sentence for each pair."""
    L = linker.lessons_
    ftexts, ltexts = f["text"].astype(str).tolist(), L["text"].astype(str).tolist()
    flang = column_values(f, "language", "und").tolist()
    llang = column_values(L, "language", "und").tolist()
    idf = linker.bm25_.idf
    index = linker.sentences_.add(
        [ftexts[i] for i in pairs["_fi"]] + [ltexts[j] for j in pairs["_lj"]]
    )
    model = linker.relation_model or shipped_relation_model()
    rows = []
    for i, j in zip(pairs["_fi"], pairs["_lj"], strict=False):
        fs, ls = index.split[ftexts[i]], index.split[ltexts[j]]
        sim = sentence_similarity(
            ftexts[i], ltexts[j], index, idf, flang[i], llang[j], linker.sentence_lexical_weight
        )
        bi, bj = np.unravel_index(int(np.argmax(sim)), sim.shape)
        near = [int(k) for k in np.argsort(-sim.max(axis=0), kind="stable")[:2]]
        rel, p, ci, cj = classify_relation(fs, [ls[k] for k in near], model)
        si, sj = (ci, near[cj]) if rel == "contradicts" else (int(bi), int(bj))
        rows.append(
            (
                key_phrases(ftexts[i], ltexts[j], idf, flang[i], llang[j]),
                rel,
                round(p, 3),
                fs[si],
                ls[sj],
            )
        )
    return pd.DataFrame(
        rows,
        index=pairs.index,
        columns=["evidence", "relation", "contradiction", "finding_sentence", "lesson_sentence"],
    )


def _with_texts(linker: Linker, f: pd.DataFrame, pairs: pd.DataFrame, line: float) -> pd.DataFrame:
    out = pairs.copy()
    out = (
        out.join(_evidence_rows(linker, f, out))
        if len(out)
        else out.reindex(
            columns=[
                *out.columns,
                "evidence",
                "relation",
                "contradiction",
                "finding_sentence",
                "lesson_sentence",
            ]
        )
    )
    L = linker.lessons_
    out["confident"] = np.where(out["score"] >= line, "yes", "no")
    out["finding_text"] = f["text"].astype(str).to_numpy()[out["_fi"].to_numpy(dtype=int)]
    out["lesson_text"] = L["text"].astype(str).to_numpy()[out["_lj"].to_numpy(dtype=int)]
    out["lesson_title"] = column_values(L, "title").to_numpy()[out["_lj"].to_numpy(dtype=int)]
    for c in ("score", "cosine", "bm25", "rrf"):
        out[c] = out[c].astype(float).round(4)
    return out.sort_values(["_fi", "rank"], kind="stable").reset_index(drop=True)


def build_result(
    linker: Linker,
    f: pd.DataFrame,
    cand: pd.DataFrame,
    line: float,
    rule: str,
    decisions: dict[tuple[str, str], str],
) -> LinkResult:
    """Links, the candidates below the line, gaps and the map from ranked candidates."""
    pairs = _with_texts(linker, f, cand, line)
    is_link = (pairs["confident"] == "yes") | (pairs["decision"] == "accept")
    links, below = pairs[is_link].reset_index(drop=True), pairs[~is_link].reset_index(drop=True)
    rejected = pd.DataFrame(
        [(a, b, "reject") for (a, b), d in decisions.items() if d == "reject"], columns=_REJECTED
    )
    params = linker.manifest_params() | {
        "threshold_used": round(float(line), 4),
        "threshold_rule": rule,
        "n_findings": int(len(f)),
        "n_lessons": int(len(linker.lessons_)),
    }
    return LinkResult(
        links[LINK_COLUMNS],
        gaps_findings(linker, f, cand, links),
        gaps_lessons(linker.lessons_, links),
        evidence_map(links, linker.lessons_),
        below[LINK_COLUMNS],
        cand,
        rejected,
        params,
        linker.lessons_,
    )


def gaps_findings(
    linker: Linker, f: pd.DataFrame, cand: pd.DataFrame, links: pd.DataFrame
) -> pd.DataFrame:
    """Findings with no link, with their best candidate (clustered into themes when there are
    at least `gap_themes_min` of them and an embedder)."""
    linked = set(links["finding_id"])
    idx = [i for i, v in enumerate(f["finding_id"]) if v not in linked]
    top = cand.sort_values(["_fi", "score"], ascending=[True, False]).drop_duplicates("_fi")
    top = top.set_index("_fi")
    out = pd.DataFrame(
        {
            "finding_id": f["finding_id"].iloc[idx].to_numpy(),
            "text": f["text"].astype(str).iloc[idx].to_numpy(),
            "pillar": [pillar_label(v, blank="") for v in column_values(f, "pillar").iloc[idx]],
            "country": column_values(f, "country").iloc[idx].to_numpy(),
            "best_lesson_id": [top["lesson_id"].get(i, "") for i in idx],
            "best_score": [round(float(top["score"].get(i, np.nan)), 4) for i in idx],
            "theme_id": pd.array([pd.NA] * len(idx), dtype="Int64"),
            "theme": "",
        }
    )
    if len(idx) >= max(20, linker.gap_themes_min) and linker.embedder is not None:
        from kmsynth.themes.model import fit_themes

        res = fit_themes(
            out["text"].tolist(),
            out["finding_id"].tolist(),
            embedder=linker.embedder,
            languages=column_values(f, "language", "und").iloc[idx].tolist(),
            seed=linker.seed,
        )
        labels = dict(zip(res.themes["theme_id"], res.themes["label"], strict=False))
        tid = res.assignments["theme_id"].astype(int).to_numpy()
        out["theme_id"] = pd.array(tid, dtype="Int64")
        out["theme"] = [labels.get(t, "(no theme)") for t in tid]
    return out


def gaps_lessons(lessons: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Lessons no linked finding supports (lesson_id, title, text, type, pillar, country)."""
    mask = ~lessons["lesson_id"].isin(set(links["lesson_id"]))
    return pd.DataFrame(
        {
            "lesson_id": lessons.loc[mask, "lesson_id"].to_numpy(),
            "title": column_values(lessons, "title")[mask].to_numpy(),
            "text": lessons.loc[mask, "text"].astype(str).to_numpy(),
            "type": column_values(lessons, "type")[mask].to_numpy(),
            "pillar": [pillar_label(v, blank="") for v in column_values(lessons, "pillar")[mask]],
            "country": column_values(lessons, "country")[mask].to_numpy(),
        }
    )


def _lesson_meta(lessons: pd.DataFrame) -> pd.DataFrame:
    L = lessons.drop_duplicates("lesson_id").set_index("lesson_id")
    pillars = L["pillar"] if "pillar" in L else pd.Series("", index=L.index)
    return pd.DataFrame(
        {
            "pillar": [pillar_label(v) for v in pillars],
            "type": column_values(L, "type").replace("", "(no type)").to_numpy(),
        },
        index=L.index,
    )


def evidence_map(
    links: pd.DataFrame, lessons: pd.DataFrame, *, k: int | None = None
) -> pd.DataFrame:
    """Pillars (rows, all six) by lesson type (columns): distinct findings linked to lessons there.

    Counts of evaluation findings, not of people, so exact by default; pass `k` (e.g. the
    config's privacy.min_cell) to hide cells below k with secondary suppression.
    """
    from kmsynth.ingest.schemas import LESSON_TYPES, pillars

    meta = _lesson_meta(lessons)
    ok = links[links["decision"] != "reject"] if "decision" in links else links
    joined = ok[["finding_id", "lesson_id"]].join(meta, on="lesson_id")
    table = joined.groupby(["pillar", "type"])["finding_id"].nunique().unstack(fill_value=0)
    no_pillar = ["(no pillar)"] if (meta["pillar"] == "(no pillar)").any() else []
    rows = [p.name for p in pillars()] + no_pillar
    types = set(meta["type"])
    cols = [t for t in LESSON_TYPES if t in types] + sorted(types - set(LESSON_TYPES))
    out = table.reindex(index=rows, columns=cols, fill_value=0).fillna(0).astype(int)
    out.index.name, out.columns.name = "pillar", "lesson type"
    if k is not None:
        from kmsynth.protect import suppress_small_cells

        out = suppress_small_cells(out, k)
    return out


def evidence_detail(links: pd.DataFrame, lessons: pd.DataFrame) -> pd.DataFrame:
    """The evidence map's cells spelled out: pillar, lesson type, lesson, and each linked
    finding with its text and relation (one row per link), by pillar then lesson."""
    meta = _lesson_meta(lessons)
    cols = [
        "pillar",
        "type",
        "lesson_id",
        "lesson_title",
        "finding_id",
        "finding_text",
        "relation",
        "score",
    ]
    if not len(links):
        return pd.DataFrame(columns=cols)
    out = links.join(meta, on="lesson_id")
    return out.sort_values(
        ["pillar", "type", "lesson_id", "score"], ascending=[True, True, True, False]
    )[cols].reset_index(drop=True)


def evidence_heatmap(emap: pd.DataFrame) -> Any:
    """A plotly heatmap of the evidence map (hidden cells, if suppressed, stay blank)."""
    import plotly.graph_objects as go

    z = emap.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    text = [["" if np.isnan(v) else f"{int(v)}" for v in row] for row in z]

    def label(v: Any) -> str:  # plotly reads tags in labels
        return re.sub(r"[<>&]", "", str(v)).replace("_", " ")

    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[label(c) for c in emap.columns],
            y=[label(i) for i in emap.index],
            colorscale="Purples",
            text=text,
            texttemplate="%{text}",
            hovertemplate="%{y} / %{x}: %{z} findings<extra></extra>",
            colorbar=dict(title="findings"),
        )
    )
    fig.update_layout(
        title="Evidence map: linked findings by pillar and lesson type",
        template="plotly_white",
        height=420,
        margin=dict(l=40, r=20, t=50, b=40),
        yaxis=dict(autorange="reversed"),
    )
    return fig
