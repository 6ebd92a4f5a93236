"""Codebook coding: the codebook file, the coder, agreement with a human, `kmsynth code`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmsynth.coding import (
    CodebookCoder,
    agreement,
    code_corpus,
    codebook_from_entries,
    load_codebook,
    pillars_codebook,
    split_codes,
)
from kmsynth.embed.fake import FakeEmbedder
from kmsynth.errors import InputError

CODEBOOK = """\
codes:
  - id: wait
    name: Waiting times
    description: waiting weeks for an appointment or a referral
    examples: ["We waited weeks for an appointment.", "The referral took months."]
  - id: staff
    name: Staff attitude
    description: kind, rude, caring, friendly nurses and doctors
  - id: food
    name: Food
    description: meals, food, drinks, menu
    parent: staff
"""

ANSWERS = [
    ("a1", "The nurses were kind and caring.", "staff"),
    ("a2", "Rude doctors, not friendly at all.", "staff"),
    ("a3", "We waited weeks for a referral appointment.", "wait"),
    ("a4", "Waiting months for an appointment is too long.", "wait"),
    ("a5", "The meals were cold and the menu poor.", "food"),
    ("a6", "Food and drinks were good.", "food"),
    ("a7", "Friendly nurses, but the food was cold.", "staff; food"),
]


def _codebook(tmp_path: Path, text: str = CODEBOOK):
    p = tmp_path / "codebook.yml"
    p.write_text(text, encoding="utf-8")
    return load_codebook(p)


def test_codebook_loads_with_examples_and_parents(tmp_path) -> None:
    cb = _codebook(tmp_path)
    assert cb.ids == ["wait", "staff", "food"]
    assert cb.get("wait").examples[0].startswith("We waited")
    assert cb.get("food").parent == "staff"


def test_codebook_problems_are_all_reported_with_their_entry(tmp_path) -> None:
    bad = """\
codes:
  - {id: a, name: A}
  - {id: a, name: Again}
  - {id: b, name: ""}
  - {id: c, name: C, parent: nowhere}
  - {id: d, name: D, colour: red}
"""
    with pytest.raises(InputError) as exc:
        _codebook(tmp_path, bad)
    text = str(exc.value)
    assert "used twice" in text and "row 3" in text
    assert "empty name" in text and "row 3" in text
    assert "'nowhere' is not a code" in text and "row 4" in text
    assert "unknown field" in text and "row 5" in text
    assert len(exc.value.problems) == 4


def test_codebook_cycle_and_empty_and_not_yaml(tmp_path) -> None:
    with pytest.raises(InputError, match="own ancestor"):
        codebook_from_entries(
            [{"id": "a", "name": "A", "parent": "b"}, {"id": "b", "name": "B", "parent": "a"}]
        )
    with pytest.raises(InputError, match="no codes"):
        codebook_from_entries([])
    with pytest.raises(InputError, match="not valid YAML"):
        _codebook(tmp_path, "codes: [\n  - id: a\n")
    with pytest.raises(InputError, match="list under 'codes:'"):
        _codebook(tmp_path, "id: a\n")


def test_the_pillars_ship_as_a_codebook() -> None:
    cb = pillars_codebook()
    assert cb.ids == ["p1", "p2", "p3", "p4", "p5", "p6"]
    assert load_codebook("pillars").get("p4").name == "Services"


def test_coder_follows_scikit_learn_conventions(tmp_path) -> None:
    from sklearn.exceptions import NotFittedError

    coder = CodebookCoder(codebook=_codebook(tmp_path), embedder=FakeEmbedder())
    assert set(coder.get_params()) >= {"codebook", "embedder", "margin", "max_codes"}
    with pytest.raises(NotFittedError):
        coder.predict(["x"])
    assert coder.fit([t for _, t, _ in ANSWERS]) is coder and hasattr(coder, "thresholds_")


def test_coder_codes_by_name_description_and_examples(tmp_path) -> None:
    cb = _codebook(tmp_path)
    texts = [t for _, t, _ in ANSWERS]
    coder = CodebookCoder(codebook=cb, embedder=FakeEmbedder()).fit(texts)
    got = coder.predict(texts)
    human = [split_codes(h) for _, _, h in ANSWERS]
    hits = sum(len(g & h) > 0 for g, h in zip(got, human, strict=True))
    assert hits >= 6, got
    assert all(len(g) <= coder.max_codes for g in got)


def test_examples_move_the_coding(tmp_path) -> None:
    """An answer that shares no word with a code's name is coded once it is like an example."""
    cb = _codebook(tmp_path)
    text = ["Lunch arrived late and tasted of nothing."]
    before = CodebookCoder(codebook=cb, embedder=FakeEmbedder()).fit(text).decision_function(text)
    more = cb.with_examples(
        {"food": ["Lunch tasted of nothing.", "Lunch arrived late.", "Dinner tasted bland."]}
    )
    after = CodebookCoder(codebook=more, embedder=FakeEmbedder()).fit(text).decision_function(text)
    food = cb.ids.index("food")
    assert after[0, food] > before[0, food]
    assert after[0].argmax() == food


def test_unrelated_text_gets_no_code(tmp_path) -> None:
    cb = _codebook(tmp_path)
    texts = [t for _, t, _ in ANSWERS] * 10 + ["Zebra quantum lattice."]
    coder = CodebookCoder(codebook=cb, embedder=FakeEmbedder(), none_quantile=0.05).fit(texts)
    assert coder.predict(["Zebra quantum lattice."]) == [frozenset()]


def test_agreement_micro_macro_and_kappa() -> None:
    human = {
        "1": frozenset({"a"}),
        "2": frozenset({"b"}),
        "3": frozenset({"a", "b"}),
        "4": frozenset(),
    }
    same = agreement(human, human, ["a", "b"])
    assert same.set_index("scope").loc["micro", "f1"] == 1.0
    assert same.set_index("scope").loc["micro", "kappa"] == pytest.approx(1.0)
    machine = {"1": frozenset({"a"}), "2": frozenset({"a"}), "3": frozenset({"a"})}
    got = agreement(machine, human, ["a", "b"]).set_index("scope")
    # a: tp 2 fp 1 fn 0; b: tp 0 fp 0 fn 2 -> micro p 2/3, r 2/4
    assert got.loc["micro", "precision"] == pytest.approx(2 / 3)
    assert got.loc["micro", "recall"] == pytest.approx(0.5)
    assert got.loc["micro", "f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert got.loc["macro", "f1"] == pytest.approx((0.8 + 0.0) / 2)


def test_summary_hides_small_counts_and_revealing_shares(tmp_path) -> None:
    cb = _codebook(tmp_path)
    texts = ["The nurses were kind and caring."] * 30 + ["We waited weeks."] * 3
    res = code_corpus(texts, [str(i) for i in range(len(texts))], cb, FakeEmbedder(), k=10)
    s = res.summary.set_index("code_id")
    small = s[s["count"].isna()]
    assert len(small) >= 2, "a small cell and its secondary partner are hidden"
    assert small["share"].isna().all(), "a share that reveals a hidden count is hidden too"


def _write_answers(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["answer", "coder"])
        for _, text, human in ANSWERS * 3:
            w.writerow([text, human])
        w.writerow(['=HYPERLINK("http://x")', "staff"])


def test_cli_code_writes_codes_summary_agreement(tmp_path, capsys) -> None:
    from kmsynth.cli import main

    data = tmp_path / "answers.csv"
    _write_answers(data)
    cb = tmp_path / "codebook.yml"
    cb.write_text(CODEBOOK, encoding="utf-8")
    out = tmp_path / "out"
    rc = main(
        [
            "code",
            str(data),
            "--codebook",
            str(cb),
            "--out",
            str(out),
            "--text-col",
            "answer",
            "--human-col",
            "coder",
            "--embedder",
            "tfidf",
        ]
    )
    assert rc == 0, capsys.readouterr().err
    codes = pd.read_csv(out / "codes.csv", dtype=str)
    assert list(codes.columns) == ["doc_id", "code_id", "score"]
    assert set(codes["code_id"]) <= {"wait", "staff", "food"}
    assert set(codes["doc_id"]) <= {str(i) for i in range(1, 23)}, "ids are 1-based row numbers"
    agree = pd.read_csv(out / "agreement.csv")
    assert {"micro", "macro", "code"} <= set(agree["scope"])
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["code_id", "name", "count", "share"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["codebook"] == "codebook.yml"
    for f in out.iterdir():
        assert f.stat().st_mode & 0o077 == 0, f"{f.name} is not owner-only"
    assert "HYPERLINK" not in (out / "disagreements.csv").read_text()


def test_cli_code_bad_codebook_is_exit_2(tmp_path, capsys) -> None:
    from kmsynth.cli import main

    data = tmp_path / "answers.csv"
    _write_answers(data)
    bad = tmp_path / "bad.yml"
    bad.write_text("codes:\n  - {id: a}\n", encoding="utf-8")
    rc = main(
        [
            "code",
            str(data),
            "--codebook",
            str(bad),
            "--out",
            str(tmp_path / "o"),
            "--text-col",
            "answer",
            "--embedder",
            "tfidf",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "empty name" in err and "Traceback" not in err


def test_fake_embedder_is_deterministic() -> None:
    a = FakeEmbedder().encode(["one two"])
    assert np.array_equal(a, FakeEmbedder().encode(["one two"]))
