"""Sentence splitting, sentences of a table, MMR and centrality, lesson and practice cues."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kmsynth.synthesis.lessons import country_in, find_lessons, find_practices
from kmsynth.synthesis.summarise import (
    Sentence,
    group_by,
    mmr,
    rank_by_centrality,
    sentences_of,
    split_sentences,
)
from kmsynth.text import canonical_country, countries_in


def _texts(text: str) -> list[str]:
    out = split_sentences(text, "p")
    for s in out:
        assert text[s.start : s.end] == s.text
    return [s.text for s in out]


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "Dr. Pérez met the team in Jan. 2025. The programme grew. We learned a lot!",
            ["Dr. Pérez met the team in Jan. 2025.", "The programme grew.", "We learned a lot!"],
        ),
        (
            "La Sra. Gómez habló del art. 12 de la ley. Aprendimos que el presupuesto es clave. "
            "¿Qué opinan? Sí.",
            [
                "La Sra. Gómez habló del art. 12 de la ley.",
                "Aprendimos que el presupuesto es clave.",
                "¿Qué opinan?",
                "Sí.",
            ],
        ),
        (
            "Mme Dupont et M. Diallo ont parlé. Nous avons appris que la formation compte.",
            ["Mme Dupont et M. Diallo ont parlé.", "Nous avons appris que la formation compte."],
        ),
        (
            "A Sra. Silva falou, p.ex. sobre abrigos. Aprendemos que a coordenação é fundamental.",
            [
                "A Sra. Silva falou, p.ex. sobre abrigos.",
                "Aprendemos que a coordenação é fundamental.",
            ],
        ),
        (
            "We said no. Then we moved on. See No. 5 for details. Prices rose 3.5% in 2024.",
            [
                "We said no.",
                "Then we moved on.",
                "See No. 5 for details.",
                "Prices rose 3.5% in 2024.",
            ],
        ),
        (
            "Thanks to J. Smith and the U.N. team, e.g. for support.",
            ["Thanks to J. Smith and the U.N. team, e.g. for support."],
        ),
    ],
)
def test_split_sentences_guards_abbreviations(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


def test_split_paragraphs_bullets_colons_and_glued_lead_ins() -> None:
    text = (
        "Lessons learned:\n- Funding must be multi-year.\n• Coordination takes staff.\n\n"
        "A question for colleagues: It is essential that plans are costed. "
        "Building on the previous post, Helpline counsellors refer callers. "
        "In Belize, Grenada and Haiti, the programme grew. A wrapped line\ncontinues here."
    )
    assert _texts(text) == [
        "Lessons learned:",
        "Funding must be multi-year.",
        "Coordination takes staff.",
        "A question for colleagues:",
        "It is essential that plans are costed.",
        "Building on the previous post,",
        "Helpline counsellors refer callers.",
        "In Belize, Grenada and Haiti, the programme grew.",
        "A wrapped line\ncontinues here.",
    ]
    assert split_sentences("", "p") == [] and split_sentences(None, "p") == []


def test_sentences_of_keeps_post_metadata() -> None:
    t = pd.DataFrame(
        {
            "post_id": ["a", "b"],
            "text": ["One two three. Four five six.", "Seven."],
            "author_id": ["P-1", None],
            "quotable": [True, False],
            "country": ["Kenya", ""],
            "region": ["Africa", ""],
            "language": ["en", "en"],
            "organisation": ["Org A", ""],
        }
    )
    s = sentences_of(t)
    assert [(x.post_id, x.text, x.author_id, x.quotable, x.organisation) for x in s] == [
        ("a", "One two three.", "P-1", True, "Org A"),
        ("a", "Four five six.", "P-1", True, "Org A"),
        ("b", "Seven.", "", False, ""),
    ]


# ---- summariser


def _sent(text: str, post: str, **kw) -> Sentence:
    return Sentence(text, post, 0, len(text), **kw)


def test_mmr_is_relevance_order_without_diversity_and_skips_duplicates() -> None:
    X = np.eye(4)
    X = np.vstack([X, X[0]])  # row 4 duplicates row 0
    rel = np.array([0.9, 0.5, 0.7, 0.1, 0.95])
    assert mmr(X, rel, 3, diversity=0.0) == [4, 2, 1]  # 0 is a duplicate of 4
    assert mmr(X, rel, 10, diversity=0.0) == [4, 2, 1, 3]
    assert mmr(X, rel, 2, groups=["a", "a", "b", "b", "a"], max_per_group=1) == [4, 2]
    assert mmr(X, rel, 0) == [] and mmr(np.zeros((0, 3)), np.zeros(0), 3) == []


def test_rank_by_centrality() -> None:
    sents = [
        _sent("Shelters need stable funding to stay open all year.", "1"),
        _sent("Shelters need stable funding to stay open all year.", "2"),
        _sent("Shelters need more beds and stable funding every year.", "3"),
        _sent("Helplines need chat options for women who cannot call.", "4"),
    ]
    X = np.array([[1, 0, 0], [1, 0, 0], [0.9, 0.1, 0], [0.2, 1, 0]], dtype=float)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    order = rank_by_centrality(sents[:4], X[:4])
    assert sorted(order) == [0, 1, 2, 3] and order[-1] == 3  # the odd one out is least central


# ---- lessons and practices


@pytest.mark.parametrize(
    "text",
    [
        "We learned that shelters need multi-year funding to stay open.",
        "Aprendimos que la coordinación necesita personal propio.",
        "Es fundamental trabajar con los hombres como aliados.",
        "Nous avons appris que la formation des policiers prend du temps.",
        "Il est essentiel que le plan d'action soit budgétisé.",
        "Aprendemos que a coordenação precisa de uma secretaria.",
        "É fundamental envolver as famílias desde o início.",
        "The key to success was including the training in the academy curriculum.",
        "We recommend that helplines offer text and chat options.",
    ],
)
def test_lesson_cues_in_four_languages(text: str) -> None:
    assert find_lessons(split_sentences(text, "p")), text


def test_non_lessons_and_lesson_headings() -> None:
    plain = split_sentences(
        "The weather was fine in the capital. Shelter staff asked for guidance on "
        "disabilities. Should we always recommend this approach to partners?",
        "p",
    )
    assert find_lessons(plain) == []
    listed = split_sentences(
        "Lessons learned:\n- Funding has to be multi-year for groups.\n"
        "- Coordination takes time and staff members.\nOther notes:\n"
        "- The weather was fine today in town.",
        "p",
    )
    assert [s.text for s in find_lessons(listed)] == [
        "Funding has to be multi-year for groups.",
        "Coordination takes time and staff members.",
    ]


def test_practices_with_countries_in_four_languages() -> None:
    s = split_sentences(
        "In Jamaica, the programme established a shelter network. En México, el programa lanzó "
        "un curso. Au Sénégal, le programme a mis en place une ligne d'écoute. Em Moçambique, "
        "o programa criou centros. The shelter in Papua New Guinea expanded from 12 to 30 beds. "
        "In Kenya, the weather was fine.",
        "p",
    )
    assert [c for _, c in find_practices(s)] == [
        "Jamaica",
        "Mexico",
        "Senegal",
        "Mozambique",
        "Papua New Guinea",
    ]


def test_practice_takes_the_post_country_only_for_a_programme_subject() -> None:
    s = split_sentences(
        "We launched a text helpline for young women. A colleague launched a blog.",
        "p",
        country="Uganda",
    )
    assert [(x.text, c) for x, c in find_practices(s)] == [
        ("We launched a text helpline for young women.", "Uganda")
    ]


def test_country_names_in_four_languages() -> None:
    assert canonical_country("Sénégal") == canonical_country("senegal") == "Senegal"
    assert canonical_country("Moçambique") == "Mozambique"
    assert canonical_country("Côte d’Ivoire") == "Côte d'Ivoire"
    assert canonical_country("Trinité-et-Tobago") == "Trinidad and Tobago"
    assert canonical_country("Regional") is None
    assert countries_in("Papua New Guinea and Guinea-Bissau, not chad, but Chad and Nigeria") == [
        "Papua New Guinea",
        "Guinea-Bissau",
        "Chad",
        "Nigeria",
    ]
    assert country_in("Aux Philippines, le programme a lancé une campagne.") == "Philippines"


def test_group_by() -> None:
    items = [
        _sent("a b", "1", country="Kenya"),
        _sent("c d", "2", country=""),
        _sent("e f", "3", country="Kenya"),
    ]
    g = group_by(items, "country")
    assert list(g) == ["Kenya", ""] and [x.post_id for x in g["Kenya"]] == ["1", "3"]


def test_split_is_linear_on_a_long_post() -> None:
    import time

    text = (
        "We learned that shelters need funding, and partners, and more. Dr. Who said no."
        "\nNext, And more " * 3000
    )
    t0 = time.perf_counter()
    out = split_sentences(text, "p")
    assert time.perf_counter() - t0 < 3 and len(out) > 6000
    assert all(text[s.start : s.end] == s.text for s in out[:50])


# ---- kmsynth summarise


def _reviews_csv(path, consent: bool | None = None):
    rows = [
        ("A", "These tights are good and warm. I wore them to a wedding."),
        ("A", "Good warm tights, good quality."),
        ("A", "The tights are good and warm for winter."),
        ("A", "The seams ripped after one wash, poor stitching."),
        ("A", "Seams ripped after one wash: poor stitching on the seams."),
        ("B", "Great pasta and friendly staff in this place."),
        ("B", "Friendly staff and great pasta, slow service though."),
        ("B", "How long is the wait for a table?"),
    ]
    frame = pd.DataFrame(rows, columns=["product", "review"])
    frame.insert(0, "rid", [f"r{i}" for i in range(len(rows))])
    if consent is not None:
        frame["consent_to_quote"] = "yes" if consent else "no"
    frame.to_csv(path, index=False)
    return path


def _run(tmp_path, *extra, consent=None) -> tuple[int, list[dict]]:
    import json

    from kmsynth.cli.main import main

    src = _reviews_csv(tmp_path / "reviews.csv", consent)
    out = tmp_path / "out" / "summary.jsonl"
    code = main(
        [
            "summarise",
            str(src),
            "--out",
            str(out),
            "--text-col",
            "review",
            "--embedder",
            "tfidf",
            *extra,
        ]
    )
    lines = [json.loads(x) for x in out.read_text("utf-8").splitlines()] if out.exists() else []
    return code, lines


def test_cli_summarise_groups_budget_and_ids(tmp_path) -> None:
    code, lines = _run(
        tmp_path,
        "--group-col",
        "product",
        "--id-col",
        "rid",
        "--max-words",
        "12",
        "--verbatim-without-consent",
        "allow",
    )
    assert code == 0 and [x["group"] for x in lines] == ["A", "B"]
    texts = pd.read_csv(tmp_path / "reviews.csv")["review"].tolist()
    for line in lines:
        assert line["summary"] and sum(len(p["sentence"].split()) for p in line["summary"]) <= 12
        for p in line["summary"]:
            assert any(p["sentence"] in t for t in texts)  # verbatim
            assert p["source_ids"][0].startswith("r") and p["support"] == len(p["source_ids"])
            assert not p["sentence"].endswith("?")
    assert oct((tmp_path / "out" / "summary.jsonl").stat().st_mode & 0o777) == "0o600"
    code, lines = _run(tmp_path, "--verbatim-without-consent", "allow")
    assert code == 0 and len(lines) == 1 and lines[0]["group"] is None


def test_cli_summarise_respects_consent(tmp_path, capsys) -> None:
    code, lines = _run(tmp_path, "--group-col", "product")  # no consent column: deny
    assert code == 0 and all(x["summary"] == [] for x in lines)
    assert "verbatim-without-consent allow" in capsys.readouterr().err
    code, lines = _run(tmp_path, "--verbatim-without-consent", "allow", consent=False)
    assert code == 0 and lines[0]["summary"] == []  # a consent column always decides
    code, lines = _run(tmp_path, consent=True)
    assert code == 0 and lines[0]["summary"]


def test_cli_summarise_bad_input_exit_2(tmp_path, capsys) -> None:
    code, _ = _run(tmp_path, "--group-col", "nope")
    err = capsys.readouterr().err
    assert code == 2 and "nope" in err and "Traceback" not in err
    code, _ = _run(tmp_path, "--max-words", "0")
    assert code == 2


def test_cli_summarise_lets_auto_choose_on_every_text(tmp_path, monkeypatch) -> None:
    """An embedder whose id is 'auto' until fitted (AutoEmbedder) is fitted on the whole file
    before any group is encoded; the id test (`model_id.startswith("tfidf")`) skipped it."""
    import kmsynth.embed
    from kmsynth.embed import FakeEmbedder

    class AutoLike(FakeEmbedder):
        def __init__(self) -> None:
            super().__init__(dim=32)
            self.model_id, self.fitted_on = "auto", None

        def fit(self, texts):
            self.fitted_on, self.model_id = list(texts), "fake-32"
            return self

        def encode(self, texts, show_progress: bool = False):
            assert self.fitted_on is not None, "encoded before the embedder chose"
            return super().encode(texts, show_progress)

    spy = AutoLike()
    monkeypatch.setattr(kmsynth.embed, "embedder_from_config", lambda cfg: spy)
    code, lines = _run(tmp_path, "--group-col", "product", "--verbatim-without-consent", "allow")
    assert code == 0 and len(lines) == 2
    assert spy.fitted_on is not None and len(spy.fitted_on) == 8  # every text, not one group's
