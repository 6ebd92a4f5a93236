"""Survey synthesis: multilingual Likert scales, don't-know apart, small-cell suppression in
every table and chart, wave tests, open-question themes with opt-in quotes, the notebook."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmsynth.config import load_config
from kmsynth.errors import InputError
from kmsynth.survey import (
    DONT_KNOW,
    SCALES,
    LikertScale,
    compare_waves,
    item_table,
    likert_figure,
    load_survey,
    mean_ci,
    normalise_label,
    parse_likert,
    register_scale,
    survey_section,
    theme_open_question,
    wilson_ci,
)

ROOT = Path(__file__).resolve().parent.parent

AGREE = {
    "en": [
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ],
    "es": [
        "Totalmente en desacuerdo",
        "En desacuerdo",
        "Ni de acuerdo ni en desacuerdo",
        "De acuerdo",
        "Totalmente de acuerdo",
    ],
    "fr": [
        "Pas du tout d'accord",
        "Pas d'accord",
        "Ni d'accord ni pas d'accord",
        "D'accord",
        "Tout à fait d'accord",
    ],
    "pt": [
        "Discordo totalmente",
        "Discordo",
        "Não concordo nem discordo",
        "Concordo",
        "Concordo totalmente",
    ],
}
DK = {"en": "Don't know", "es": "No sé", "fr": "Je ne sais pas", "pt": "Não sei"}
ANSWERS = {
    "time": [
        "More time for questions and discussion please",
        "We needed more time for discussion and questions",
        "Allow more time for the questions from participants",
    ],
    "slides": [
        "Share the slides before the session starts",
        "Please send the slides and materials in advance",
        "Slides shared ahead of the session would help",
    ],
    "interpretation": [
        "Interpretation into French and Portuguese for every session",
        "Provide interpretation so colleagues can follow in their language",
        "Live interpretation in Portuguese and French was missing",
    ],
}
XSS = "<script>alert('survey')</script> more time for questions"


def write_survey(
    folder: Path, *, n_per_wave: int = 60, seed: int = 3, likert_override: dict | None = None
) -> tuple[Path, Path, Path]:
    """A small multilingual survey (two waves, one planted difference, a 3-person group and a
    4-person region), its mapping and a config using tfidf. Returns (survey, mapping, config)."""
    rng = random.Random(seed)
    rows = []
    langs = ["en", "en", "es", "fr", "pt"]
    for i in range(2 * n_per_wave):
        later = i >= n_per_wave
        lang = rng.choice(langs)
        group = "Donor" if i in (4, 50, 100) else rng.choice(["UN", "Government", "Civil society"])
        region = (
            "Pacific" if i in (7, 30, 70, 110) else rng.choice(["Africa", "Asia", "Latin America"])
        )
        changed = rng.choices(range(5), weights=[1, 2, 4, 8, 6] if later else [6, 8, 4, 2, 1])[0]
        stable = rng.choices(range(5), weights=[1, 1, 3, 8, 5])[0]
        sat = rng.choices(
            ["Very satisfied", "Satisfied", "Muy satisfecho", "Satisfait", "Dissatisfied"],
            weights=[4, 5, 2, 2, 1],
        )[0]
        theme = rng.choice(list(ANSWERS))
        answer = rng.choice(ANSWERS[theme])
        if i == 1:
            answer = XSS
        row = {
            "ID": f"S{i + 1:03d}",
            "Date": f"2026-{'09' if later else '06'}-{rng.randint(1, 28):02d}",
            "Event": "Round 2" if later else "Round 1",
            "Organisation": group,
            "Region": region,
            "Language": lang,
            "Interpretation met my needs": AGREE[lang][changed],
            "I will apply what I learned": DK[lang] if rng.random() < 0.08 else AGREE[lang][stable],
            "Overall satisfaction": sat,
            "What should we improve?": answer if rng.random() < 0.9 else "",
            "Quote me": "yes" if rng.random() < 0.5 else "no",
        }
        rows.append(row)
    for (r, c), v in (likert_override or {}).items():
        rows[r][c] = v
    survey = folder / "survey.csv"
    with survey.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    mapping = folder / "mapping.yml"
    mapping.write_text(
        "survey:\n  columns:\n    response_id: ID\n    submitted_at: Date\n    wave: Event\n"
        "    respondent_group: Organisation\n    region: Region\n    language: Language\n"
        "    consent_to_quote: Quote me\n  dates:\n    order: YMD\n"
        "  likert:\n    - Interpretation met my needs\n    - I will apply what I learned\n"
        "    - Overall satisfaction\n  open_ended:\n    - What should we improve?\n",
        encoding="utf-8",
    )
    config = folder / "kmsynth.yml"
    config.write_text(
        f"data:\n  survey: survey.csv\n  mapping: mapping.yml\nprivacy:\n  min_cell: 10\n"
        f"embedding:\n  embedder: tfidf\n  cache_dir: {folder / 'cache'}\n",
        encoding="utf-8",
    )
    return survey, mapping, config


@pytest.fixture
def small_survey(tmp_path: Path):
    return write_survey(tmp_path)


# --------------------------------------------------------------------------------------------
# scales


def test_mixed_language_labels_map_to_one_ordered_scale() -> None:
    labels = pd.Series(
        [
            "Strongly agree",
            "Totalmente de acuerdo",
            "TOUT À FAIT D’ACCORD",
            "  concordo   totalmente ",
            "disagree",
            "En desacuerdo",
            "Pas d'accord",
            "Discordo",
            "5 - Strongly agree",
            "3",
            "Ni de acuerdo ni en desacuerdo",
            "  strongly   DISAGREE ",
            "Agree (4)",
            "Tout a fait d'accord",
            "Nao concordo nem discordo",
            "4.0",
        ]
    )
    out = parse_likert(labels)
    assert out.tolist() == [5, 5, 5, 5, 2, 2, 2, 2, 5, 3, 3, 1, 4, 5, 3, 4]
    assert out.attrs["scale"] == "agreement"


def test_satisfaction_and_usefulness_scales_are_detected() -> None:
    sat = parse_likert(
        pd.Series(
            [
                "Muy satisfecha",
                "Très satisfait(e)",
                "Satisfeito",
                "Dissatisfied",
                "Ni satisfait ni insatisfait",
                "Muito insatisfeita",
            ]
        )
    )
    assert sat.attrs["scale"] == "satisfaction" and sat.tolist() == [5, 5, 4, 2, 3, 1]
    use = parse_likert(
        pd.Series(
            ["Muito útil", "Extremely useful", "Peu utile", "Nada útil", "Moderadamente útil"]
        )
    )
    assert use.attrs["scale"] == "usefulness" and use.tolist() == [4, 5, 2, 1, 3]
    # "Very useful" is the fourth point of the usefulness scale, never confused with agreement
    assert (
        SCALES["usefulness"].value("very USEFUL") == 4
        and SCALES["agreement"].value("very useful") is None
    )
    assert normalise_label("Ne s’applique pas") == normalise_label("ne s'applique PAS")


def test_a_registered_scale_is_used() -> None:
    freq = LikertScale(
        "frequency",
        ("Never", "Rarely", "Sometimes", "Often", "Always"),
        {"es": (("Nunca",), ("Rara vez",), ("A veces",), ("A menudo",), ("Siempre",))},
    )
    register_scale(freq)
    try:
        out = parse_likert(pd.Series(["Never", "A veces", "Always", "No sé"]))
        assert out.attrs["scale"] == "frequency" and out.tolist() == [1, 3, 5, DONT_KNOW]
    finally:
        SCALES.pop("frequency")


def test_dont_know_is_apart_never_neutral_and_out_of_means() -> None:
    s = parse_likert(
        pd.Series(
            [
                "Agree",
                "Don't know",
                "No sé",
                "Je ne sais pas",
                "Não sei",
                "N/A",
                "",
                "Strongly agree",
            ]
        )
    )
    assert (s == DONT_KNOW).sum() == 5 and s.isna().sum() == 1
    # six copies: every count at least k = 5 (smaller ones are hidden, test_survey_suppression)
    t = item_table(pd.DataFrame({"q": pd.concat([s] * 6, ignore_index=True)}), k=5)
    row = t.iloc[0]
    assert row["n"] == 12 and row["dont_know"] == 30 and row["no_answer"] == 6
    assert row["mean"] == 4.5  # only Agree (4) and Strongly agree (5)
    assert row["share_3"] == 0 and row["count_3"] == 0  # don't know is not neutral
    assert row["share_4"] + row["share_5"] == pytest.approx(1.0) and row["top2"] == 1.0


def test_intervals() -> None:
    x = np.array([1, 2, 3, 4, 5, 4, 4, 5, 3, 2], float)
    lo, hi = mean_ci(x)
    assert lo < x.mean() < hi and hi - lo == pytest.approx(
        2 * 2.262157 * x.std(ddof=1) / np.sqrt(10), rel=1e-4
    )
    b1, b2 = mean_ci(x, method="bootstrap", seed=7), mean_ci(x, method="bootstrap", seed=7)
    assert b1 == b2 and b1[0] < x.mean() < b1[1]
    wl, wh = wilson_ci(0, 10)
    assert (
        wl == pytest.approx(0, abs=1e-12) and 0.25 < wh < 0.32
    )  # Wilson: never a zero-width interval


def test_unknown_label_is_an_input_error_with_row_and_column(tmp_path: Path) -> None:
    survey, mapping, config = write_survey(
        tmp_path,
        likert_override={
            (2, "I will apply what I learned"): "Sometimes",
            (9, "Overall satisfaction"): "9",
        },
    )
    with pytest.raises(InputError) as err:
        load_survey(survey, load_config(config))
    e = err.value
    msg = str(e)
    assert e.file == "survey.csv" and e.row == 3 and e.column == "I will apply what I learned"
    assert "row 3" in msg and "row 10" in msg and "'Overall satisfaction'" in msg
    assert (
        "Strongly agree" in msg and "Totalmente de acuerdo" in msg and "Não sei" in msg
    )  # accepted labels
    assert "Sometimes" not in msg  # never the answer itself
    assert {p.record_id for p in e.problems} == {"S003", "S010"} and all(p.line for p in e.problems)


# --------------------------------------------------------------------------------------------
# suppression


def test_small_groups_are_hidden_in_tables_and_charts_with_secondary_suppression() -> None:
    rng = np.random.default_rng(0)
    scores = pd.DataFrame(
        {"q": rng.integers(1, 6, 75).astype(float), "r": rng.integers(1, 6, 75).astype(float)}
    )
    groups = pd.Series(["UN"] * 30 + ["Government"] * 30 + ["Civil society"] * 12 + ["Donor"] * 3)
    t = item_table(scores, by=groups, k=10)
    hidden = t[~t.shown]
    # Donor (3) hidden; Civil society (12) hidden too, or Donor = total - the others
    assert set(hidden.group) == {"Donor", "Civil society"}
    assert hidden.drop(columns=["item", "scale", "group", "shown"]).isna().all().all()
    assert t[t.shown]["n"].ge(10).all()
    fig = likert_figure(t)
    blob = json.dumps(fig.to_plotly_json(), default=str)
    assert "Donor" not in blob and "Civil society" not in blob and "UN" in blob
    n_bars = {len(tr.y) for tr in fig.data}
    assert n_bars == {2}  # per item panel: UN and Government only


def test_wave_comparison_finds_the_planted_difference_only() -> None:
    rng = np.random.default_rng(1)
    n = 80
    df = pd.DataFrame(
        {
            "wave": ["June"] * n + ["Sept"] * n,
            "same": np.r_[
                rng.choice([3, 4, 5], n, p=[0.2, 0.5, 0.3]),
                rng.choice([3, 4, 5], n, p=[0.2, 0.5, 0.3]),
            ],
            "changed": np.r_[
                rng.choice([1, 2, 3], n, p=[0.3, 0.4, 0.3]),
                rng.choice([3, 4, 5], n, p=[0.2, 0.4, 0.4]),
            ],
        }
    )
    df[["same", "changed"]] = df[["same", "changed"]].astype(float)
    cmp = compare_waves(df, "wave", "June", "Sept").set_index("item")
    assert cmp.loc["changed", "significant"] and cmp.loc["changed", "p_holm"] < 0.05
    assert cmp.loc["changed", "difference"] > 1.5 and cmp.loc["changed", "rank_biserial"] > 0.5
    assert cmp.loc["changed", "effect"] == "large"
    assert cmp.loc["changed", "difference_ci_low"] > 0
    assert not cmp.loc["same", "significant"] and cmp.loc["same", "p"] > 0.05
    assert cmp.loc["same", "p_holm"] >= cmp.loc["same", "p"]


def test_wave_comparison_accepts_labels_and_skips_a_small_wave() -> None:
    df = pd.DataFrame(
        {
            "wave": ["A"] * 20 + ["B"] * 20 + ["C"] * 4,
            "q": ["Agree", "De acuerdo", "Don't know", "Disagree"] * 11,
        }
    )
    cmp = compare_waves(df, "wave", "A", "C", items=["q"], k=10)
    assert not cmp.loc[0, "tested"] and np.isnan(cmp.loc[0, "p"]) and np.isnan(cmp.loc[0, "mean_b"])
    with pytest.raises(InputError):
        compare_waves(df, "wave", "A", "Z", items=["q"])


def test_survey_section_hides_small_groups_in_every_table_and_chart(small_survey) -> None:
    survey, mapping, config = small_survey
    cfg = load_config(config)
    data = load_survey(survey, cfg)
    assert data.scales == {
        "Interpretation met my needs": "agreement",
        "I will apply what I learned": "agreement",
        "Overall satisfaction": "satisfaction",
    }
    sec = survey_section(data, cfg, themes=False)
    assert set(sec.breakdowns) == {"respondent_group", "region", "wave"}
    # every table and every chart's data: no Donor (3 people), no Pacific (4 people)
    tables = [sec.items_display(), sec.waves_display()] + [
        sec.breakdown_display(c) for c in sec.breakdowns
    ]
    for tab in tables:
        assert len(tab) and "Donor" not in tab.to_csv() and "Pacific" not in tab.to_csv()
    assert {"likert", "likert_by_respondent_group", "likert_by_region", "waves"} <= set(sec.figures)
    for name, fig in sec.figures.items():
        blob = json.dumps(fig.to_plotly_json(), default=str)
        assert "Donor" not in blob and "Pacific" not in blob, name
    for _col, t in sec.breakdowns.items():
        assert t[t.shown]["n"].ge(10).all()
        per_item_hidden = t[~t.shown].groupby("item").size()
        assert (per_item_hidden != 1).all()  # secondary suppression: never one hidden group alone
    html = sec.to_html()
    assert "Donor" not in html and "Pacific" not in html and "hidden for some or all items" in html
    # the planted difference between the rounds, and only it
    w = sec.waves.set_index("item")
    assert w.loc["Interpretation met my needs", "significant"]
    assert not w.loc["I will apply what I learned", "significant"]
    assert not w.loc["Overall satisfaction", "significant"]


@pytest.mark.slow
def test_open_answers_themed_with_shares_and_quotes_only_with_consent(small_survey) -> None:
    survey, mapping, config = small_survey
    cfg = load_config(config)
    data = load_survey(survey, cfg)
    sec = survey_section(data, cfg, embedder="tfidf")
    q = sec.open_ended[0]
    assert (
        q.question == "What should we improve?"
        and q.n_answered == data.table[q.question].ne("").sum()
    )
    shown = [t for t in q.themes if t.shown]
    assert len(shown) >= 2 and all(t.n >= 10 and 0 < t.share <= 1 for t in shown)
    assert sum(t.n for t in shown) + (q.unthemed or 0) <= q.n_answered
    t = data.table
    col = t[q.question]
    ok_texts = set(col[t["quotable"]])
    refused_only = set(col[~t["quotable"]]) - ok_texts
    texts = [x for th in q.themes for x in th.summary + th.quotes]
    assert texts, "expected some typical answers"
    assert all(
        any(x in a for a in ok_texts) for x in texts
    )  # verbatim, from consenting respondents
    assert not set(texts) & refused_only
    assert all(not th.summary and not th.quotes for th in q.themes if not th.shown)
    assert "themes_0" in sec.figures
    html = sec.to_html()
    assert "<script>alert" not in html and "Open questions" in html


@pytest.mark.slow
def test_open_question_themes_hide_small_themes_and_the_unthemed_rest() -> None:
    from kmsynth.embed.embedders import get_embedder

    rng = random.Random(0)
    answers = (
        [rng.choice(ANSWERS["time"]) for _ in range(30)]
        + [rng.choice(ANSWERS["slides"]) for _ in range(30)]
        + [f"Completely unrelated remark number {i} about catering" for i in range(4)]
    )
    s = pd.Series(answers)
    q = theme_open_question(
        s,
        question="Improve?",
        embedder=get_embedder("tfidf"),
        k=10,
        quotable=pd.Series(True, index=s.index),
    )
    shown = [t for t in q.themes if t.shown]
    assert shown and all(t.n >= 10 for t in shown)
    counts = [t.n for t in q.themes if t.shown] + ([q.unthemed] if q.unthemed is not None else [])
    hidden_cells = sum(not t.shown for t in q.themes) + (q.unthemed is None)
    assert hidden_cells != 1  # a lone hidden cell could be recovered from the total
    assert sum(counts) <= len(answers)
    few = theme_open_question(s.head(12), question="Improve?", embedder=get_embedder("tfidf"), k=10)
    assert not few.themes and "too few" in few.note


def test_month_leaves_out_later_responses(small_survey) -> None:
    survey, mapping, config = small_survey
    cfg = load_config(config)
    sec = survey_section(survey, cfg, month="2026-06", themes=False)
    assert (
        sec.n_responses == 60
        and sec.waves is None
        and "60 responses submitted after 2026-06" in sec.notes[0]
    )
    with pytest.raises(InputError):
        survey_section(survey, cfg, month="June", themes=False)
    with pytest.raises(InputError):
        survey_section(survey, cfg, k=3, themes=False)


def test_sample_survey_planted_difference() -> None:
    cfg = load_config(ROOT / "data" / "sample" / "kmsynth.yml")
    data = load_survey(cfg.data.survey, cfg)
    cmp = compare_waves(
        data.scored(),
        "wave",
        "Webinar 1 (June)",
        "Webinar 2 (September)",
        items=data.items,
        k=cfg.privacy.min_cell,
    ).set_index("item")
    assert cmp.loc["Interpretation met my needs", "significant"]
    assert cmp["significant"].sum() == 1
    groups = item_table(data.scores, by=data.table["respondent_group"], k=cfg.privacy.min_cell)
    assert not groups[groups.group == "Donor"]["shown"].any()  # 3 donors: never shown


# --------------------------------------------------------------------------------------------
# notebook


@pytest.mark.slow
def test_notebook_renders_a_readable_safe_page(small_survey, tmp_path: Path) -> None:
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    survey, mapping, config = small_survey
    out = tmp_path / "run.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "survey_synthesis.ipynb"),
        str(out),
        kernel_name="python3",
        parameters={
            "survey": str(survey),
            "mapping": str(mapping),
            "config_path": str(config),
            "embedder": "tfidf",
            "k": 10,
            "wave_col": "wave",
        },
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [
        o
        for o in outputs
        if o.get("output_type") in ("error", "stream")
        and o.get("name") != "stdout"
        or o.get("output_type") == "error"
    ]
    exp = HTMLExporter(template_name="lab")
    exp.exclude_input = True
    page, _ = exp.from_notebook_node(nb)
    assert "<script>alert" not in page and "Donor" not in page and "Pacific" not in page
    for heading in (
        "Survey feedback",
        "Waves compared",
        "Results by group",
        "Open questions",
        "Interpretation met my needs",
        "What should we improve?",
    ):
        assert heading in page
    assert "survey_section(" not in page  # no code in the page
    assert page.count("Plotly.newPlot") >= 4
