"""Sentence kinds: the shipped classifier, lessons and practices from it, `kmsynth sentences`."""

from __future__ import annotations

import importlib.util
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmsynth.cli.main import main
from kmsynth.synthesis.kinds import KINDS, KNOWLEDGE, KindModel, classify, load_model
from kmsynth.synthesis.lessons import find_lessons, find_practices, sentence_kinds
from kmsynth.text import sentence_texts, split_sentences

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "datasets"


def _kinds(*texts: str) -> list[str]:
    return [k for k, _ in classify(list(texts))]


def test_should_is_not_a_lesson() -> None:
    # issue 14: "key lessons" were picked by the word "should"
    venting = "Women should be grateful to me for not being like those other men."
    assert find_lessons(split_sentences(venting, "p")) == []
    assert _kinds(venting) == ["other"]
    assert _kinds("Secondly, truth should be a good defense against libel.") != ["lesson"]


@pytest.mark.parametrize(
    "text",
    [
        "Men are pigs and that is the truth.",
        "You should be ashamed of yourselves.",
        "Maybe we should all just give up.",
        "This is so stupid, they never listen to us.",
        "Who would ever trust the police after that?",
    ],
)
def test_venting_rhetorical_and_hostile_are_not_knowledge(text: str) -> None:
    # issue 14: venting, rhetorical and hostile sentences are not lessons
    assert _kinds(text)[0] not in KNOWLEDGE


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("We learned that shelters need funding for several years, not one.", "lesson"),
        ("Aprendimos que la coordinación necesita personal propio.", "lesson"),
        ("Nous avons appris que la formation des policiers prend du temps.", "lesson"),
        ("Aprendemos que a coordenação precisa de uma secretaria.", "lesson"),
        ("In Kenya, the programme launched a free helpline in 2021.", "practice"),
        ("En México, el programa lanzó un curso para juezas.", "practice"),
        ("Au Mali, le programme a mis en place une ligne d'écoute.", "practice"),
        ("Em Moçambique, o programa criou centros de atendimento.", "practice"),
        ("Try to involve fathers from the very first session.", "recommendation"),
        ("We recommend that helplines offer text and chat options.", "recommendation"),
        ("How long did it take before you saw changes in attitudes?", "question"),
        ("¿Cómo han monitoreado otros países la aplicación de la ley?", "question"),
        ("Thank you for sharing this.", "courtesy"),
        ("Merci pour ce partage.", "courtesy"),
        ("I was so angry at him that night.", "experience"),
        ("In Kenya, the weather was fine.", "other"),
    ],
)
def test_kinds_in_four_languages(text: str, kind: str) -> None:
    assert _kinds(text) == [kind]


def _make_sample():
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "data" / "make_sample.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_no_lesson_in_the_sample_small_talk() -> None:
    # the sample's greetings, thanks, offers and plans (held out of training) are not knowledge
    ms = _make_sample()
    talk = [
        t
        for g in ms.GENERIC.values()
        for key in ("open", "reply", "short", "close", "qctx")
        for tpl in g.get(key, [])
        if tpl
        for t in sentence_texts(tpl.replace("{country}", "Kenya").replace("{in}", "au Mali"))
    ]
    assert len(talk) > 40
    found = [t for t, k in zip(talk, _kinds(*talk), strict=True) if k in KNOWLEDGE]
    assert found == []


def test_lesson_heading_and_practices_with_the_post_country() -> None:
    listed = split_sentences(
        "Lessons learned:\n- Funding has to be multi-year for groups.\n"
        "- Coordination takes time and staff members.",
        "p",
    )
    assert [s.text for s in find_lessons(listed)] == [
        "Funding has to be multi-year for groups.",
        "Coordination takes time and staff members.",
    ]
    s = split_sentences("We launched a text helpline for young women.", "q", country="Uganda")
    assert [c for _, c in find_practices(s)] == ["Uganda"]


def test_model_is_plain_json_package_data_and_round_trips() -> None:
    text = resources.files("kmsynth.resources").joinpath("kinds_model.json").read_text("utf-8")
    assert len(text.encode()) < 2_000_000
    doc = json.loads(text)  # numbers only: no pickle, nothing executable
    assert doc["embedder"] == "multilingual" and doc["dim"] == 512
    m = load_model()
    assert m.to_json() == text
    bad = json.loads(text)
    bad["features"] = bad["features"][:-1]
    with pytest.raises(ValueError, match="other features"):
        KindModel.from_json(json.dumps(bad))
    with pytest.raises(ValueError, match="512"):
        m.score(["a sentence"], np.zeros((1, 384)))


def test_sentence_table_and_cli(tmp_path: Path) -> None:
    src = tmp_path / "posts.csv"
    pd.DataFrame(
        {
            "ref": ["A1", "A2"],
            "body": [
                "Thank you for sharing this. We learned that shelters need multi-year funding. "
                "How did you fund it?",
                "=SUM(A1:A9) and more",
            ],
        }
    ).to_csv(src, index=False)
    out = tmp_path / "out" / "kinds.csv"
    assert (
        main(["sentences", str(src), "--out", str(out), "--text-col", "body", "--id-col", "ref"])
        == 0
    )
    t = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(t.columns) == ["id", "sentence_no", "sentence", "kind", "score", "language"]
    assert t["id"].tolist() == ["A1", "A1", "A1", "A2"]
    assert t["sentence_no"].tolist() == ["1", "2", "3", "1"]
    assert t["kind"].tolist()[:3] == ["courtesy", "lesson", "question"]
    assert set(t["kind"]) <= set(KINDS)
    assert t["sentence"].iloc[3].startswith("'=")  # formula neutralised
    assert (out.stat().st_mode & 0o077) == 0  # it holds text: owner only
    assert main(["sentences", str(src), "--out", str(out), "--text-col", "nope"]) == 2


def test_sentence_kinds_library_twin() -> None:
    t = sentence_kinds(
        pd.DataFrame({"doc_id": ["1"], "text": ["Es fundamental trabajar con los hombres."]}),
        id_col="doc_id",
    )
    assert t.loc[0, "kind"] == "lesson" and t.loc[0, "language"] == "es"
    assert 0 <= t.loc[0, "score"] <= 1


def test_brief_lessons_and_practices_respect_consent() -> None:
    from kmsynth.config import Config
    from kmsynth.embed.embedders import get_embedder
    from kmsynth.synthesis.brief import build_brief

    posts = pd.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(6)],
            "text": [
                "We learned that shelters need multi-year funding to keep their staff.",
                "In Kenya, the programme launched a free helpline for survivors in 2021.",
                "It is essential to budget the law at the same time as it is passed.",
                "In Jamaica, the ministry established a shelter network across the island.",
                "We learned that survivors trust services run by women's organisations.",
                "Thank you for sharing, this is very helpful for our team.",
            ],
            "author_id": [f"a{i}" for i in range(6)],
            "created_at": ["2026-05-01"] * 6,
        }
    )
    emb = get_embedder("tfidf").fit(posts["text"].tolist())
    agreed = build_brief(posts.assign(quotable=True), config=Config(), embedder=emb, k=5)
    assert agreed.lessons and agreed.practices
    texts = {i.text for i in agreed.lessons}
    assert "Thank you for sharing, this is very helpful for our team." not in texts
    denied = build_brief(posts.assign(quotable=False), config=Config(), embedder=emb, k=5)
    assert denied.lessons == [] and denied.practices == {}


@pytest.mark.slow
def test_retraining_gives_the_shipped_bytes() -> None:
    if not (DATA / "advice_askparents.jsonl").is_file():
        pytest.skip("shared datasets not present")
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_kinds

    from kmsynth.embed.embedders import get_embedder

    enc = get_embedder("multilingual", cache_dir=ROOT / ".kmsynth-cache").encode
    model = bench_kinds.train(bench_kinds.askparents(), bench_kinds.sample_banks(), enc)
    shipped = resources.files("kmsynth.resources").joinpath("kinds_model.json").read_text("utf-8")
    # Same bytes when the sentence vectors come from the cache; computed afresh they can differ
    # in the last float digits (the encoder batches texts by length, and BLAS rounds by batch
    # shape), so the model is compared number by number within 0.01.
    new, old = json.loads(model.to_json()), json.loads(shipped)
    assert _numbers_close(new, old, tol=0.01)


def _numbers_close(a, b, tol: float) -> bool:
    """Same JSON structure and strings; numbers within `tol`."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_numbers_close(a[k], b[k], tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(
            _numbers_close(x, y, tol) for x, y in zip(a, b, strict=True)
        )
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= tol
    return a == b
