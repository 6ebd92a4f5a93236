"""Survey synthesis: multilingual Likert labels, don't-know apart, suppression, wave tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmsynth.errors import InputError
from kmsynth.survey import (DONT_KNOW, compare_waves, item_table, likert_figure, parse_likert)


def test_mixed_language_labels_map_to_one_scale() -> None:
    labels = pd.Series(["Strongly agree", "Totalmente de acuerdo", "Tout à fait d'accord", "Concordo totalmente",
                        "disagree", "En desacuerdo", "Pas d'accord", "Discordo", "5 - Strongly agree", "3",
                        "Ni de acuerdo ni en desacuerdo", "  strongly   DISAGREE "])
    assert parse_likert(labels).tolist() == [5, 5, 5, 5, 2, 2, 2, 2, 5, 3, 3, 1]


def test_dont_know_and_blank_are_kept_apart_and_out_of_means() -> None:
    s = parse_likert(pd.Series(["Agree", "Don't know", "No sé", "Je ne sais pas", "Não sei", "", "Strongly agree"]))
    assert (s == DONT_KNOW).sum() == 4 and s.isna().sum() == 1
    t = item_table(pd.DataFrame({"q": pd.concat([s] * 3, ignore_index=True)}), k=5)
    row = t.iloc[0]
    assert row["n"] == 6 and row["dont_know"] == 12 and row["blank"] == 3
    assert row["mean"] == 4.5  # only Agree (4) and Strongly agree (5)


def test_unknown_label_names_row_and_column() -> None:
    with pytest.raises(InputError) as err:
        parse_likert(pd.Series(["Agree", "Sometimes", "Agree"]), file="s.csv", column="Q1", rows=[2, 3, 4])
    msg = str(err.value)
    assert "s.csv" in msg and "Q1" in msg and "3" in msg and "Sometimes" not in msg


def test_small_groups_are_hidden_in_tables_and_charts() -> None:
    rng = np.random.default_rng(0)
    scores = pd.DataFrame({"q": rng.integers(1, 6, 63).astype(float)})
    groups = pd.Series(["UN"] * 30 + ["Government"] * 30 + ["Donor"] * 3)
    t = item_table(scores, by=groups, k=10)
    donor = t[t.group == "Donor"].iloc[0]
    assert not donor["shown"] and np.isnan(donor["mean"]) and np.isnan(donor["n"])
    assert t[t.shown]["n"].ge(10).all()
    fig = likert_figure(t)
    assert not any("Donor" in str(y) for trace in fig.data for y in trace.y)


def test_wave_comparison_finds_the_planted_difference_only() -> None:
    rng = np.random.default_rng(1)
    n = 80
    same_a = rng.choice([3, 4, 5], n, p=[0.2, 0.5, 0.3])
    same_b = rng.choice([3, 4, 5], n, p=[0.2, 0.5, 0.3])
    diff_a = rng.choice([1, 2, 3], n, p=[0.3, 0.4, 0.3])
    diff_b = rng.choice([3, 4, 5], n, p=[0.2, 0.4, 0.4])
    scores = pd.DataFrame({"same": np.r_[same_a, same_b], "changed": np.r_[diff_a, diff_b]}).astype(float)
    waves = pd.Series(["June"] * n + ["Sept"] * n)
    cmp = compare_waves(scores, waves, "June", "Sept").set_index("item")
    assert cmp.loc["changed", "significant"] and cmp.loc["changed", "p_holm"] < 0.001
    assert not cmp.loc["same", "significant"]


def test_sample_survey_planted_difference() -> None:
    from kmsynth.config import load_config
    from kmsynth.survey import load_survey

    cfg = load_config(Path(__file__).resolve().parent.parent / "data" / "sample" / "kmsynth.yml")
    prep, scores = load_survey(cfg.data.survey, cfg)
    t = prep.table
    cmp = compare_waves(scores, t["wave"], *sorted(t["wave"].unique())).set_index("item")
    assert cmp.loc["Interpretation met my needs", "significant"]
    assert cmp["significant"].sum() == 1
    groups = item_table(scores, by=t["respondent_group"], k=cfg.privacy.min_cell)
    assert not groups[groups.group == "Donor"]["shown"].any()  # 3 donors: never shown
