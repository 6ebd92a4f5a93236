"""Survey small cells (issue 13 item 9): every count and every share that reveals a count below
k is hidden, with secondary suppression, in the section's tables, charts and HTML."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmsynth.config import load_config
from kmsynth.survey import item_table, load_survey, survey_section
from kmsynth.survey.stats import suppress_parts, top2_shown

ITEM = "The sessions were useful"
POINTS = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


def write_survey(folder: Path, counts: list[int], dont_know: int, blank: int) -> Path:
    """One Likert item: `counts` answers on each point, then don't know, then blanks; two
    respondent groups. Returns the config path."""
    answers = [p for p, c in zip(POINTS, counts, strict=True) for _ in range(c)]
    answers += ["Don't know"] * dont_know + [""] * blank
    rows = [
        {
            "ID": f"R{i:04d}",
            "Date": f"2026-09-{1 + i % 28:02d}",
            "Group": "UN" if i % 2 else "Government",
            ITEM: a,
        }
        for i, a in enumerate(answers)
    ]
    survey = folder / "survey.csv"
    with survey.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    (folder / "mapping.yml").write_text(
        "survey:\n  columns:\n    response_id: ID\n    submitted_at: Date\n"
        f"    respondent_group: Group\n  dates:\n    order: YMD\n  likert:\n    - {ITEM}\n",
        encoding="utf-8",
    )
    config = folder / "kmsynth.yml"
    config.write_text(
        "data:\n  survey: survey.csv\n  mapping: mapping.yml\nprivacy:\n  min_cell: 10\n"
        f"embedding:\n  embedder: tfidf\n  cache_dir: {folder / 'cache'}\n",
        encoding="utf-8",
    )
    return config


def section(folder: Path, counts: list[int], dont_know: int, blank: int):
    cfg = load_config(write_survey(folder, counts, dont_know, blank))
    return survey_section(load_survey(cfg.data.survey, cfg), cfg, themes=False)


def test_194_answers_dont_know_6_no_answer_4_are_hidden_everywhere(tmp_path: Path) -> None:
    counts = [3, 5, 20, 80, 76]  # 184 on the scale; 3 and 5 are small cells too
    sec = section(tmp_path, counts, dont_know=6, blank=4)
    assert sec.n_responses == 194
    row = sec.items.iloc[0]
    assert row["n"] == 184  # its complement (10 = 6 + 4) is not below k
    # primary: 6 and 4 are below k; the pair adds up to 194 - 184, so both stay hidden
    assert pd.isna(row["dont_know"]) and pd.isna(row["no_answer"])
    # points 1 and 2 (3 and 5 answers) hidden, in counts and in shares
    for v in (1, 2):
        assert pd.isna(row[f"count_{v}"]) and pd.isna(row[f"share_{v}"])
    assert row["count_3"] == 20 and row["share_4"] == pytest.approx(80 / 184)
    hidden_points = sum(pd.isna(row[f"count_{v}"]) for v in range(1, 6))
    assert hidden_points != 1  # secondary suppression: the total never recovers one cell
    assert row["top2"] == pytest.approx(156 / 184)  # 156 and its complement 28 are >= k
    shown = sec.items_display()
    assert shown["don't know"].isna().all() and shown["no answer"].isna().all()
    html = sec.to_html()
    assert not re.search(r"don.t know\s*\W{0,10}\s*6\b", html)
    assert not re.search(r"no answer\s*\W{0,10}\s*4\b", html)
    for pct in ("3.1", "2.1", "1.6", "2.7"):  # 6/194, 4/194, 3/184, 5/184
        assert f"{pct}%" not in html and f"{pct} %" not in html
    fig = sec.figures["likert"]
    blob = json.dumps(fig.to_plotly_json(), default=str, ensure_ascii=False)
    assert "don't know 6" not in blob and "no answer 4" not in blob
    assert "don't know –, no answer –" in blob
    for trace in fig.data:  # the bars and hover values of the hidden points are blank
        if trace.name in ("Strongly disagree", "Disagree"):
            assert np.isnan(np.asarray(trace.x, float)).all(), trace.name
            assert np.isnan(np.asarray(trace.customdata, float)).all(), trace.name


def test_groups_hide_small_points_and_revealing_top2(tmp_path: Path) -> None:
    sec = section(tmp_path, [3, 5, 20, 80, 76], dont_know=6, blank=4)
    t = sec.breakdowns["respondent_group"]
    assert t["shown"].all()  # 92 per group
    for r in t.itertuples():
        shares = [getattr(r, f"share_{v}") for v in range(1, 6)]
        assert sum(pd.isna(s) for s in shares) != 1
        for v, s in enumerate(shares, start=1):
            if pd.notna(s):
                assert round(s * r.n) >= 10, (r.group, v)


def test_no_answer_total_below_k_hides_the_answered_count(tmp_path: Path) -> None:
    sec = section(tmp_path, [20, 30, 40, 50, 49], dont_know=3, blank=2)  # 189 of 194
    row = sec.items.iloc[0]
    assert pd.isna(row["dont_know"]) and pd.isna(row["no_answer"])
    assert pd.isna(row["n"])  # 194 - n = 5 would be the count of the two hidden cells
    assert pd.notna(row["mean"]) and pd.notna(row["share_5"])
    assert "n = 189" not in sec.to_html()


def test_a_zero_beside_one_small_cell_is_hidden_too() -> None:
    out = suppress_parts(pd.Series([6, 0]), 10)
    assert out.isna().all()  # else 6 = total - 0


def test_a_shown_cell_whose_rest_is_small_is_hidden() -> None:
    out = suppress_parts(pd.Series([115, 5, 4]), 10)
    assert out.isna().all()  # 115 of 124 would reveal that the other two hold 9


def test_top2_hidden_when_its_complement_or_a_lone_hidden_point_reveals_a_count() -> None:
    counts = np.array([2, 3, 4, 100, 75])
    hidden = np.array([True, True, True, False, False])
    assert not top2_shown(counts, hidden, 10)  # 1-3 hold 9: the complement reveals it
    counts = np.array([30, 30, 30, 4, 60])
    hidden = np.array([False, False, True, True, False])  # 4 and (secondary) one of 1-3
    assert not top2_shown(counts, hidden, 10)  # top2 - 60 would give the hidden 4


def test_item_table_by_group_never_shows_a_share_of_a_small_count() -> None:
    rng = np.random.default_rng(5)
    scores = pd.DataFrame({"q": rng.choice([1, 2, 3, 4, 5], 300, p=[0.02, 0.08, 0.2, 0.4, 0.3])})
    groups = pd.Series(rng.choice(["A", "B", "C"], 300))
    t = item_table(scores.astype(float), by=groups, k=10)
    for r in t[t.shown].itertuples():
        for v in range(1, 6):
            s = getattr(r, f"share_{v}")
            assert pd.isna(s) or (round(s * r.n) >= 10 and r.n - round(s * r.n) >= 10 or s == 1)
        if pd.notna(r.top2):
            top = round(r.top2 * r.n)
            assert top == 0 or top >= 10
            assert r.n - top == 0 or r.n - top >= 10
