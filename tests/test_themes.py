"""Themes engine: planted themes are found, runs are reproducible, ids are stable across months."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score

from kmsynth.errors import InputError
from kmsynth.themes import (
    OUTLIER,
    ThemeResult,
    apply_stable_ids,
    default_min_theme_size,
    fit_themes,
    language_coverage,
    match_themes,
    theme_changes,
    themes_by_group,
    themes_over_time,
)

TOPICS = {
    "shelter": (
        "survivors shelter safe house emergency accommodation beds night women fleeing "
        "violence shelter staff counselling"
    ).split(),
    "school": (
        "school programme teachers pupils curriculum classroom gender equality lessons "
        "students respectful relationships school"
    ).split(),
    "data": (
        "administrative data survey prevalence statistics indicators disaggregated "
        "femicide observatory data collection registry data"
    ).split(),
    "law": (
        "domestic violence law reform parliament bill legislation amendment penal code "
        "courts judges law"
    ).split(),
}
FILLER = "the our we in a to and of with for this that programme team partners year".split()


def make_corpus(n_per_topic: int, seed: int, topics=TOPICS) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for name, words in topics.items():
        for _ in range(n_per_topic):
            body = rng.sample(words, 6) + rng.sample(FILLER, 4)
            rng.shuffle(body)
            texts.append(" ".join(body).capitalize() + ".")
            labels.append(name)
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], [labels[i] for i in order]


@pytest.fixture(scope="module")
def embedder():
    from kmsynth.embed.embedders import get_embedder

    return get_embedder("tfidf")


@pytest.fixture(scope="module")
def fitted(embedder):
    texts, labels = make_corpus(50, seed=1)
    ids = [f"p{i:03d}" for i in range(len(texts))]
    embedder.fit(texts)
    res = fit_themes(texts, ids, embedder=embedder, seed=7, n_representative_docs=4)
    return texts, labels, ids, res


def test_planted_themes_are_found(fitted) -> None:
    texts, labels, ids, res = fitted
    assert 3 <= len(res.themes) <= 6
    nmi = normalized_mutual_info_score(labels, res.assignments["theme_id"])
    assert nmi > 0.8, nmi
    assert list(res.assignments["doc_id"]) == ids  # one row per document, input order
    assert res.themes["size"].sum() == (res.assignments["theme_id"] != OUTLIER).sum()
    assert 0 <= res.outlier_share_final <= res.outlier_share <= 1


def test_labels_pillars_and_representatives(fitted) -> None:
    texts, labels, ids, res = fitted
    by_id = dict(zip(ids, labels, strict=False))
    for row in res.themes.itertuples():
        assert len(row.representative_ids) == 4  # the parameter, not BERTopic's fixed 3
        members = set(res.assignments.loc[res.assignments.theme_id == row.theme_id, "doc_id"])
        assert set(row.representative_ids) <= members
        assert row.label and row.label[0].isupper()
        ends = row.label.lower().replace(",", " ").split()
        assert not {ends[0], ends[-1]} & {"the", "and", "of", "we"}
        assert 0 <= row.pillar_confidence <= 1
    # the theme made of shelter posts is tagged Services, the law theme Laws and policies
    majority = {
        row.theme_id: pd.Series([by_id[d] for d in row.representative_ids]).mode()[0]
        for row in res.themes.itertuples()
    }
    pillar = dict(zip(res.themes.theme_id, res.themes.pillar, strict=False))
    for tid, topic in majority.items():
        if topic == "shelter":
            assert pillar[tid] == 4
        if topic == "law":
            assert pillar[tid] == 1


def test_same_input_same_assignments(fitted, embedder) -> None:
    texts, labels, ids, res = fitted
    again = fit_themes(texts, ids, embedder=embedder, seed=7, n_representative_docs=4)
    assert again.assignments.equals(res.assignments)
    assert list(again.themes["label"]) == list(res.themes["label"])


@pytest.mark.slow
def test_same_assignments_in_a_new_process(tmp_path: Path) -> None:
    texts, _ = make_corpus(40, seed=3)
    (tmp_path / "docs.json").write_text(json.dumps(texts))
    script = (
        "import json,sys\n"
        "from kmsynth.embed.embedders import get_embedder\n"
        "from kmsynth.themes import fit_themes\n"
        "t=json.load(open(sys.argv[1]))\n"
        "e=get_embedder('tfidf'); e.fit(t)\n"
        "r=fit_themes(t, embedder=e, seed=11)\n"
        "print(json.dumps(r.assignments.theme_id.tolist()))\n"
    )
    outs = [
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / "docs.json")],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
        for _ in range(2)
    ]
    assert outs[0] == outs[1]


def test_save_and_load_keep_representatives(fitted, tmp_path: Path) -> None:
    _, _, _, res = fitted
    res.save(tmp_path / "model")
    back = ThemeResult.load(tmp_path / "model")
    assert list(back.themes["representative_ids"]) == list(res.themes["representative_ids"])
    assert back.assignments["doc_id"].tolist() == res.assignments["doc_id"].tolist()
    ids_new, _ = back.transform(res.embeddings[:20])
    assert (ids_new == res.assignments["theme_id"].to_numpy()[:20]).mean() > 0.8
    with pytest.raises(InputError, match="no saved theme model"):
        ThemeResult.load(tmp_path)


def test_stable_ids_across_months(embedder) -> None:
    month1, _ = make_corpus(
        40, seed=10, topics={k: TOPICS[k] for k in ("shelter", "school", "data")}
    )
    month2, _ = make_corpus(40, seed=20, topics={k: TOPICS[k] for k in ("shelter", "data", "law")})
    embedder.fit(month1 + month2)
    r1 = fit_themes(month1, embedder=embedder, seed=1)
    r2 = fit_themes(month2, embedder=embedder, seed=1)
    mapping = match_themes(r1, r2, threshold=0.5)
    stable = apply_stable_ids(r2, mapping)
    reused = set(stable.themes["theme_id"]) & set(r1.themes["theme_id"])
    assert len(reused) >= 2  # shelter and data keep their ids
    assert max(stable.themes["theme_id"]) > max(r1.themes["theme_id"])  # law is new
    ch = theme_changes(r1, stable)
    assert set(ch["status"]) >= {"new", "gone"}
    assert ch.loc[ch.status == "gone", "size"].eq(0).all()


def test_over_time_and_group_breakdowns_are_suppressed() -> None:
    a = pd.DataFrame(
        {"doc_id": [str(i) for i in range(60)], "theme_id": [0] * 40 + [1] * 17 + [OUTLIER] * 3}
    )
    dates = pd.Series(pd.to_datetime(["2026-05-10"] * 35 + ["2026-06-10"] * 25, utc=True))
    t = themes_over_time(a, dates, k=10)
    assert list(t.index) == ["2026-05", "2026-06"]
    assert OUTLIER not in t.columns
    assert t.isna().any().any()  # theme 0 has 5 documents in June
    shown = t.stack().dropna()
    assert (shown >= 10).all()
    g = themes_by_group(a, pd.Series(["Africa"] * 50 + ["Pacific"] * 10), k=10)
    assert (g.stack().dropna() >= 10).all()


def test_language_coverage_pools_small_languages(fitted) -> None:
    _, _, _, res = fitted
    langs = ["en"] * (len(res.assignments) - 4) + ["pt"] * 4
    cov = language_coverage(res, langs, k=10)
    assert "pt" not in set(cov["language"])
    assert "other" in set(cov["language"])


def test_too_few_documents_is_an_input_error(embedder) -> None:
    with pytest.raises(InputError, match="too few"):
        fit_themes(["a short text"] * 5, embedder=embedder)


def test_min_theme_size_scales() -> None:
    assert default_min_theme_size(50) == 5
    assert default_min_theme_size(1500) < default_min_theme_size(100_000)
    assert default_min_theme_size(100_000) < 500


def test_cli_themes_writes_the_contract_files(tmp_path: Path, capsys) -> None:
    from kmsynth.cli.main import main

    texts, _ = make_corpus(30, seed=5)
    texts[3] = ""  # an empty row: excluded, still one assignments row
    texts[7] = texts[8]  # an exact duplicate: merged, same theme as its twin
    pd.DataFrame({"body": texts, "lang": "en"}).to_csv(tmp_path / "docs.csv", index=False)
    out = tmp_path / "out"
    code = main(
        [
            "themes",
            str(tmp_path / "docs.csv"),
            "--out",
            str(out),
            "--text-col",
            "body",
            "--embedder",
            "tfidf",
            "--seed",
            "3",
        ]
    )
    assert code == 0, capsys.readouterr().err
    themes = pd.read_csv(out / "themes.csv")
    assign = pd.read_csv(out / "assignments.csv", dtype={"doc_id": str})
    manifest = json.loads((out / "manifest.json").read_text())
    assert list(themes.columns[:5]) == ["theme_id", "label", "size", "keywords", "summary"]
    assert list(assign.columns[:3]) == ["doc_id", "theme_id", "probability"]
    assert len(assign) == len(texts)  # one row per input document, ids = 1-based row numbers
    assert assign["doc_id"].tolist() == [str(i) for i in range(1, len(texts) + 1)]
    assert assign.loc[3, "theme_id"] == -1
    assert assign.loc[7, "theme_id"] == assign.loc[8, "theme_id"] or assign.loc[7, "note"]
    assert manifest["inputs"][0]["sha256"] and manifest["parameters"]["seed"] == 3
    assert sum(manifest["ledger"].values()) == len(texts)
    for s in themes["summary"].fillna(""):  # no consent column (default deny): key phrases only
        assert s.startswith(("Key phrases", "No key phrases")) and not any(s in t for t in texts)
    # bad input: exit 2, no traceback
    code = main(["themes", str(tmp_path / "missing.csv"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err


def test_theme_model_is_a_scikit_learn_estimator(fitted, embedder, tmp_path: Path) -> None:
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    from kmsynth.themes import ThemeModel

    model = ThemeModel(embedder=embedder, seed=7, umap_cache=tmp_path, n_themes=4)
    params = model.get_params()
    # from the signature: the hand-written get_params missed umap_cache
    assert params["umap_cache"] == tmp_path and params["n_themes"] == 4
    assert clone(model).get_params()["seed"] == 7
    with pytest.raises(TypeError):
        ThemeModel(embedder, seed=7)  # keyword-only parameters
    with pytest.raises(NotFittedError):
        model.transform(np.zeros((1, 3), np.float32))
    texts, _, ids, res = fitted
    assert model.fit(texts, ids, embeddings=res.embeddings) is model  # precomputed vectors
    assert len(model.result_.themes) == 4
    assert (model.transform(res.embeddings[:5]) >= OUTLIER).all()
