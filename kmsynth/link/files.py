"""Linking from files: prepare (redact) both tables, pick the embedder, link; and the HTML the
evaluation-links notebook and the monthly report show."""

from __future__ import annotations

import os
from typing import Any

from kmsynth.link.outputs import LinkResult, evidence_detail, evidence_heatmap, evidence_map
from kmsynth.link.rank import Linker
from kmsynth.link.tables import read_reviewed

Path_ = str | os.PathLike[str]


def link_files(
    findings: Path_,
    lessons: Path_,
    config: Any,
    *,
    mapping: Path_ | None = None,
    reviewed: Path_ | None = None,
    top_k: int = 5,
    threshold: float | None = None,
) -> LinkResult:
    """Read, validate and redact both files (`prepare`), then link them with the config's
    embedder (a tf-idf embedder is fitted on both tables first)."""
    from kmsynth.embed.embedders import embedder_from_config
    from kmsynth.ingest.prepare import prepare

    decisions = read_reviewed(reviewed) if reviewed else None
    mapping = mapping or config.data.mapping
    f = prepare("findings", findings, config, mapping=mapping).table
    les = prepare("lessons", lessons, config, mapping=mapping).table
    emb = embedder_from_config(config)
    emb.fit(list(f["text"]) + list(les["text"]))  # tfidf learns, auto chooses, others no-op
    linker = Linker(emb, top_k=top_k, threshold=threshold, seed=config.themes.seed).fit(les)
    return linker.link(f, reviewed=decisions)


def _summary(res: LinkResult) -> str:
    from kmsynth import html as h

    p = res.params
    return h.section(
        "Summary",
        h.cards_html(
            [
                ("Findings", p["n_findings"], ""),
                ("Lessons", p["n_lessons"], ""),
                ("Links", int(len(res.links)), ""),
                ("Below the confident line", int(len(res.below_line)), ""),
                ("Contradicting links", int((res.links["relation"] == "contradicts").sum()), ""),
                ("Findings without a lesson", int(len(res.gaps_findings)), ""),
                ("Lessons without evidence", int(len(res.gaps_lessons)), ""),
            ]
        ),
        intro=f"Links are pairs whose P(link) is at least {p['threshold_used']:.2f} (line set "
        f"by: {p['threshold_rule']}; embedder {p['embedder']}), plus pairs reviewers "
        "accepted; rejected pairs never return.",
    )


def notebook_sections(
    res: LinkResult, *, min_cell: int | None = None, max_rows: int = 200
) -> list[str]:
    """The evaluation-links notebook's sections as escaped HTML: summary, evidence map (chart,
    table and the links behind it), links with texts, candidates below the line, gaps."""
    from kmsynth import html as h

    emap = (
        res.evidence_map if min_cell is None else evidence_map(res.links, res.lessons, k=min_cell)
    )
    note = (
        "Counts of evaluation findings, not of people, so small counts are shown."
        if min_cell is None
        else f"Cells under {min_cell} findings are hidden."
    )
    detail = evidence_detail(res.links, res.lessons)
    cols = [
        "finding_id",
        "lesson_id",
        "rank",
        "score",
        "relation",
        "finding_sentence",
        "lesson_sentence",
        "evidence",
        "decision",
    ]
    gf = res.gaps_findings[
        ["finding_id", "text", "pillar", "country", "theme", "best_lesson_id", "best_score"]
    ]
    gl = res.gaps_lessons[["lesson_id", "title", "text", "type", "pillar", "country"]]
    return [
        _summary(res),
        h.section(
            "Evidence map",
            h.figure_html(evidence_heatmap(emap), name="evidence-map")
            + h.table_html(emap, index=True)
            + h.table_html(detail, max_rows=max_rows, caption="The links behind the map"),
            intro="Distinct findings linked to lessons of each pillar and type. " + note,
        ),
        h.section(
            "Links",
            h.table_html(res.links[cols], max_rows=max_rows),
            intro="Relation: a classifier's reading of the two sentences shown (for a "
            "contradiction, the two that conflict); a cue for the reviewer.",
        ),
        h.section(
            "Below the confident line",
            h.table_html(res.below_line[cols], max_rows=max_rows),
            intro="Candidates under the line: shown for review, not counted as links.",
        ),
        h.section(
            "Gaps",
            h.table_html(gf, max_rows=max_rows, caption="Findings without a lesson")
            + h.table_html(gl, max_rows=max_rows, caption="Lessons without evaluation evidence"),
            intro="Findings with no lesson are candidates for new lessons; lessons with "
            "no finding have no evaluation evidence yet.",
        ),
    ]


def links_section_html(findings_path: Path_, lessons_path: Path_, config: Any) -> str:
    """The monthly report's evaluation-links section (escaped HTML; ids, shared phrases and
    relations, no finding or lesson text)."""
    from kmsynth import html as h

    res = link_files(findings_path, lessons_path, config)
    cards = h.cards_html(
        [
            ("Findings", res.params["n_findings"], ""),
            ("Lessons", res.params["n_lessons"], ""),
            ("Links", int(len(res.links)), ""),
            ("Findings without a lesson", int(len(res.gaps_findings)), ""),
            ("Lessons without evidence", int(len(res.gaps_lessons)), ""),
        ]
    )
    top = res.links.sort_values("score", ascending=False).head(8)[
        ["finding_id", "lesson_id", "score", "evidence", "relation"]
    ]
    return h.section(
        "Evaluation findings and lessons",
        cards
        + h.figure_html(evidence_heatmap(res.evidence_map), name="evidence-map")
        + h.table_html(top, caption="Strongest links (review them in links.csv)"),
        intro="Findings from programme evaluations linked to the lessons-learned inventory "
        "(learned ranking of lexical, semantic and sentence-level signals; relation by a "
        "supports/contradicts classifier). The map counts evaluation findings, not "
        "people, so small counts are shown.",
    )
