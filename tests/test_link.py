"""Evaluation linking: retrieval, the learned ranker, links with evidence and texts, the
confident line, gaps, the evidence map, the reviewer round trip, bad inputs and `kmsynth link`.

The labelled set in tests/data (links_findings.csv, links_lessons.csv, links_labelled.csv) is
hand-written: 35 findings x 44 lessons in en/es/fr/pt, 32 gold links (3 contradicting), four
findings no lesson covers (F12, F13, F14, F33), distractor lessons from the same countries.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmsynth.cli.main import main
from kmsynth.embed.embedders import get_embedder
from kmsynth.errors import InputError
from kmsynth.ingest.prepare import prepare
from kmsynth.link import (
    DECISIONS,
    LINK_COLUMNS,
    Linker,
    SparseBM25,
    calibrate,
    evidence_map,
    link_findings_to_lessons,
    read_reviewed,
    tokens,
)

DATA = Path(__file__).resolve().parent / "data"
FINDINGS, LESSONS, GOLD = (
    DATA / "links_findings.csv",
    DATA / "links_lessons.csv",
    DATA / "links_labelled.csv",
)
NO_BOOST = dict(same_country_boost=0, same_region_boost=0, same_pillar_boost=0)


@pytest.fixture(scope="module")
def labelled():
    """The labelled set as the CLI sees it: through prepare() (redaction, languages)."""
    f = prepare("findings", FINDINGS).table
    l_ = prepare("lessons", LESSONS).table
    gold = pd.read_csv(GOLD, dtype=str)
    return f, l_, gold


@pytest.fixture(scope="module")
def tfidf(labelled):
    f, l_, _ = labelled
    return get_embedder("tfidf").fit(list(f["text"]) + list(l_["text"]))


def mrr(cands: pd.DataFrame, gold: pd.DataFrame) -> float:
    g: dict[str, set[str]] = {}
    for a, b in zip(gold["finding_id"], gold["lesson_id"], strict=False):
        g.setdefault(a, set()).add(b)
    rr = []
    for fid, lids in g.items():
        ranked = cands[cands["finding_id"] == fid].sort_values("rank")["lesson_id"].tolist()
        first = next((i + 1 for i, x in enumerate(ranked) if x in lids), None)
        rr.append(1 / first if first else 0.0)
    return float(np.mean(rr))


# ------------------------------------------------------------------------------------------
# retrieval


def test_sparse_bm25_equals_rank_bm25_with_the_same_idf() -> None:
    from rank_bm25 import BM25Okapi

    docs = [tokens(t) for t in pd.read_csv(LESSONS, dtype=str)["text"]]
    queries = [tokens(t) for t in pd.read_csv(FINDINGS, dtype=str)["text"]]
    ours = SparseBM25().fit(docs)
    ref = BM25Okapi(docs, k1=1.5, b=0.75)
    n = len(docs)
    df = {w: sum(w in d for d in ref.doc_freqs) for w in ref.idf}
    ref.idf = {w: np.log(1 + (n - k + 0.5) / (k + 0.5)) for w, k in df.items()}  # Lucene's idf
    expected = np.vstack([ref.get_scores(q) for q in queries])
    np.testing.assert_allclose(ours.scores(queries), expected, rtol=1e-5, atol=1e-5)


def test_stemming_and_stop_words_follow_the_row_language() -> None:
    assert tokens("Les associations locales de femmes", "fr") == tokens(
        "associations locale femme", "fr"
    )
    assert "de" not in tokens("capacitación de género", "es")
    # country names and law numbers are kept (unlike theme labels): they are what a rare match is
    assert {"malawi", "2006"} <= set(tokens("Malawi's Act of 2006", "en"))


def test_a_lesson_whose_text_is_a_finding_ranks_first(labelled, tfidf) -> None:
    _, l_, _ = labelled
    as_findings = pd.DataFrame(
        {"finding_id": "copy-" + l_["lesson_id"], "text": l_["text"], "language": l_["language"]}
    )
    for emb in (tfidf, None):  # hybrid and lexical only
        c = Linker(emb, top_k=3).fit(l_).rank(as_findings)
        first = c[c["rank"] == 1].set_index("finding_id")["lesson_id"]
        assert (first.index.str.removeprefix("copy-") == first.to_numpy()).all()
    res = link_findings_to_lessons(as_findings.head(1), l_, embedder=tfidf)
    top = res.links.iloc[0]
    assert top["lesson_id"] == l_["lesson_id"].iat[0] and top["rank"] == 1 and top["score"] > 0.9
    assert (
        top["finding_sentence"] in l_["text"].iat[0] and top["lesson_sentence"] in l_["text"].iat[0]
    )


def test_country_agreement_is_a_signal_never_a_filter() -> None:
    text = "Survivor shelters need multi-year funding so trained staff stay."
    lessons = pd.DataFrame(
        {
            "lesson_id": ["A", "B", "C"],
            "text": [text, text, "Radio drama on consent."],
            "country": ["Kenya", "Uganda", "Uganda"],
        }
    )
    finding = pd.DataFrame(
        {"finding_id": ["F"], "text": ["Shelters in Uganda closed when one-year funding ended."]}
    )
    ranked = Linker(None, top_k=3).fit(lessons).rank(finding).set_index("lesson_id")
    assert set(ranked.index) == {"A", "B", "C"}  # nothing dropped
    # the country named in the text counts like the column; a different one is recorded too
    assert ranked.loc[["A", "B"], "same_country"].tolist() == [0.0, 1.0]
    assert ranked.loc["A", "other_country"] == 1.0
    assert ranked.loc["C", "rank"] == 3  # agreement cannot lift a lesson that does not match


def test_linker_follows_scikit_learn_conventions(labelled, tfidf) -> None:
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    f, l_, _ = labelled
    lk = Linker(tfidf, top_k=3, pool=12)
    assert lk.get_params()["pool"] == 12 and clone(lk).get_params()["top_k"] == 3
    with pytest.raises(NotFittedError):
        lk.rank(f)
    assert lk.fit(l_) is lk and lk.lessons_ is not None and lk.model_["features"]
    vecs = tfidf.encode(lk.index_texts_)  # precomputed embeddings give the same ranking
    a = lk.rank(f)
    b = (
        Linker(tfidf, top_k=3, pool=12)
        .fit(l_, embeddings=vecs)
        .rank(f, embeddings=tfidf.encode(f["text"].tolist()))
    )
    assert a[["finding_id", "lesson_id", "rank"]].equals(b[["finding_id", "lesson_id", "rank"]])


# ------------------------------------------------------------------------------------------
# links, evidence, gaps, map


def test_links_have_evidence_and_gaps_are_found(labelled, tfidf) -> None:
    f, l_, gold = labelled
    res = link_findings_to_lessons(f, l_, embedder=tfidf)
    links = res.links
    assert list(links.columns) == LINK_COLUMNS
    truth = set(zip(gold.finding_id, gold.lesson_id, strict=False))
    hits = sum((a, b) in truth for a, b in zip(links.finding_id, links.lesson_id, strict=False))
    assert hits / len(links) >= 0.6 and hits / len(truth) >= 0.6, (hits, len(links), len(truth))
    row = links[(links.finding_id == "F04") & (links.lesson_id == "L04")].iloc[0]
    assert "Prevention of Domestic Violence Act 2006" in row["evidence"].split(
        "; "
    )  # a whole phrase
    assert row["finding_sentence"] in f.set_index("finding_id").loc["F04", "text"]
    # findings nobody wrote a lesson for are gaps; lessons with no finding are unevidenced
    assert {"F12", "F14"} <= set(res.gaps_findings["finding_id"])
    unevidenced = {"L22", "L25", "L30", "L32", "L35", "L36"}  # no finding speaks to these
    assert len(unevidenced & set(res.gaps_lessons["lesson_id"])) >= 4
    assert not set(res.gaps_findings["finding_id"]) & set(links["finding_id"])
    gaps = res.gaps
    assert set(gaps["kind"]) == {"finding_without_lesson", "lesson_without_finding"}
    assert len(gaps) == len(res.gaps_findings) + len(res.gaps_lessons)


def test_links_carry_texts_and_the_confident_line(labelled, tfidf) -> None:
    f, l_, gold = labelled
    res = link_findings_to_lessons(f, l_, embedder=tfidf)
    texts = f.set_index("finding_id")["text"]
    row = res.links.iloc[0]
    assert row["finding_text"] == texts[row["finding_id"]] and row["lesson_text"]
    assert set(res.links["confident"]) == {"yes"} and set(res.below_line["confident"]) == {"no"}
    assert (res.below_line["score"] < res.params["threshold_used"]).all()
    review = res.links_for_review()
    assert len(review) == len(res.links) + len(res.below_line)  # shown, not hidden
    gaps = res.gaps
    lesson_gap = gaps[gaps.kind == "lesson_without_finding"].iloc[0]
    assert lesson_gap["text"] == l_.set_index("lesson_id").loc[lesson_gap["id"], "text"]
    rel = res.links.set_index(["finding_id", "lesson_id"])["relation"]
    assert set(rel) <= {"supports", "contradicts"}


def test_evidence_map_counts_linked_findings_by_pillar_and_type(labelled, tfidf) -> None:
    f, l_, _ = labelled
    res = link_findings_to_lessons(f, l_, embedder=tfidf)
    emap = res.evidence_map
    assert list(emap.index[:6]) == [
        "Laws and policies",
        "Institutions",
        "Prevention",
        "Services",
        "Data",
        "Women's movement and civil society",
    ]
    assert {"lesson_learned", "good_practice", "promising_practice", "innovation"} <= set(
        emap.columns
    )
    # every linked finding is counted once per (pillar, type) of the lessons it is linked to
    joined = res.links.merge(l_[["lesson_id", "type"]], on="lesson_id")
    assert (
        emap["innovation"].sum()
        == joined.loc[joined["type"] == "innovation", "finding_id"].nunique()
    )
    hidden = evidence_map(res.links, l_, k=5)  # optional small-cell suppression, config's k
    shown = hidden.stack().dropna()
    assert hidden.isna().to_numpy().any() and ((shown == 0) | (shown >= 5)).all()


def test_shipped_models_are_plain_numbers_and_calibrate_refits(labelled, tfidf) -> None:
    from importlib import resources

    from kmsynth.link import LEXICAL_FEATURES, RANK_FEATURES

    f, l_, gold = labelled
    shipped = json.loads(
        resources.files("kmsynth.resources").joinpath("link_calibration.json").read_text()
    )
    assert shipped["semantic"]["features"] == list(RANK_FEATURES)
    assert shipped["lexical"]["features"] == list(LEXICAL_FEATURES)
    for model in (shipped["semantic"], shipped["lexical"]):
        assert all(isinstance(v, (int, float)) for v in model["coef"] + model["mean"])
        assert 0 < model["threshold"] < 1
    got = calibrate(f, l_, gold, tfidf)
    assert got["features"] == list(RANK_FEATURES) and got["positives"] >= 28
    lk = Linker(tfidf, calibration=got).fit(l_)
    assert lk.threshold_ == pytest.approx(got["threshold"]) and lk.calibration_key_ == "given"


@pytest.mark.slow
def test_many_unlinked_findings_are_grouped_into_themes(labelled, tfidf) -> None:
    f, _, _ = labelled
    unrelated = pd.DataFrame(
        {
            "lesson_id": ["X1", "X2"],
            "text": [
                "Quarterly finance report templates.",
                "Office procurement rules for laptops.",
            ],
        }
    )
    res = link_findings_to_lessons(f, unrelated, embedder=tfidf, gap_themes_min=20)
    gf = res.gaps_findings
    assert len(gf) >= 20 and gf["theme_id"].notna().all() and (gf["theme"] != "").all()


# ------------------------------------------------------------------------------------------
# reviewer round trip


def _rows(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_reviewer_round_trip_keeps_decisions_and_rejected_pairs_never_return(
    tmp_path: Path,
) -> None:
    args = [str(FINDINGS), str(LESSONS), "--embedder", "tfidf", "--config", str(_config(tmp_path))]
    assert main(["link", *args, "--out", str(tmp_path / "r1")]) == 0
    first = _rows(tmp_path / "r1" / "links.csv")
    assert set(first["decision"]) == {""}
    assert (first.loc[0, "confident"], first.loc[1, "confident"]) == ("yes", "yes")
    rejected = tuple(first.loc[0, ["finding_id", "lesson_id"]])
    accepted = tuple(first.loc[1, ["finding_id", "lesson_id"]])
    below = ("F12", "L37")  # not a link on its own: a reviewer adds it by hand
    sure = first[first["confident"] == "yes"]
    assert below not in set(zip(sure.finding_id, sure.lesson_id, strict=False))
    first.loc[0, "decision"] = "reject"
    first.loc[1, "decision"] = " Accept "
    reviewed = pd.concat(
        [
            first,
            pd.DataFrame([{"finding_id": below[0], "lesson_id": below[1], "decision": "accept"}]),
        ]
    ).fillna("")
    reviewed.to_csv(tmp_path / "reviewed.csv", index=False)
    for n, src in ((2, tmp_path / "reviewed.csv"), (3, tmp_path / "r2" / "links.csv")):
        out = tmp_path / f"r{n}"
        assert main(["link", *args, "--out", str(out), "--reviewed", str(src)]) == 0
        again = _rows(out / "links.csv")
        links = again[again["rank"] != ""]
        pairs = dict(
            zip(zip(links.finding_id, links.lesson_id, strict=False), links.decision, strict=False)
        )
        assert rejected not in pairs  # never returns as a link ...
        carried = again[again["rank"] == ""]
        assert list(zip(carried.finding_id, carried.lesson_id, carried.decision, strict=False)) == [
            (*rejected, "reject")
        ]
        assert pairs[accepted] == "accept" and pairs[below] == "accept"  # accepted pairs stay
        assert sum(d == "" for d in pairs.values()) == len(pairs) - 2
        gaps = _rows(out / "gaps.csv")
        assert below[0] not in set(gaps.loc[gaps.kind == "finding_without_lesson", "id"])


def test_reviewed_file_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "reviewed.csv"
    bad.write_text(
        "finding_id,lesson_id,decision\nF01,L01,accept\nF02,L02,maybe\nF03,L03,\n"
        "F04,L04,reject\nF04,L04,accept\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_reviewed(bad)
    e = err.value
    assert e.row == 2 and e.column == "decision" and len(e.problems) == 2  # every problem, one pass
    assert "maybe" not in str(e)  # cell text is never echoed
    assert [p.rule for p in e.problems] == ["decision_value", "conflicting_decision"]
    ok = tmp_path / "ok.csv"
    ok.write_text("Finding ID,Lesson ID,Decision\nF01,L01,ACCEPT\nF03,L03,\n", encoding="utf-8")
    assert read_reviewed(ok).to_dict("records") == [
        {"finding_id": "F01", "lesson_id": "L01", "decision": "accept"}
    ]
    assert set(DECISIONS) == {"accept", "reject"}
    with pytest.raises(InputError, match="decision"):
        Linker(None).fit(pd.read_csv(LESSONS, dtype=str)).link(
            pd.read_csv(FINDINGS, dtype=str), reviewed={("F01", "L01"): "yes"}
        )


# ------------------------------------------------------------------------------------------
# bad inputs and the command line


def test_empty_or_malformed_inventory_is_a_clear_input_error() -> None:
    with pytest.raises(InputError, match="lessons inventory is empty"):
        Linker().fit(pd.DataFrame(columns=["lesson_id", "text"]))
    with pytest.raises(InputError) as err:
        Linker().fit(pd.DataFrame({"lesson_id": ["1"], "body": ["x"]}))
    assert err.value.column == "text"
    with pytest.raises(InputError) as err:
        Linker().fit(pd.DataFrame({"lesson_id": ["1", "1", "2"], "text": ["a b", "c d", " "]}))
    assert [p.rule for p in err.value.problems] == ["duplicate_id", "empty_text"]
    lk = Linker().fit(pd.DataFrame({"lesson_id": ["1"], "text": ["shelters"]}))
    with pytest.raises(InputError, match="findings table is empty"):
        lk.link(pd.DataFrame(columns=["finding_id", "text"]))


@pytest.mark.parametrize(
    "content", ["", "lesson_id,text\n", "id,words\n1,hello\n", "lesson_id,text\n1,\n2,  \n"]
)
def test_cli_exits_2_without_traceback_on_a_bad_inventory(
    content: str, tmp_path: Path, capsys
) -> None:
    lessons = tmp_path / "lessons.csv"
    lessons.write_text(content, encoding="utf-8")
    code = main(
        [
            "link",
            str(FINDINGS),
            str(lessons),
            "--out",
            str(tmp_path / "o"),
            "--embedder",
            "tfidf",
            "--config",
            str(_config(tmp_path)),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "lessons.csv" in err and "Traceback" not in err, err
    assert not (tmp_path / "o" / "links.csv").exists()


def test_cli_writes_the_contract_files(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert (
        main(
            [
                "link",
                str(FINDINGS),
                str(LESSONS),
                "--out",
                str(out),
                "--top-k",
                "3",
                "--embedder",
                "tfidf",
                "--config",
                str(_config(tmp_path)),
            ]
        )
        == 0
    )
    assert "links between 35 findings and 44 lessons" in capsys.readouterr().out
    links = _rows(out / "links.csv")
    assert list(links.columns[:5]) == [
        "finding_id",
        "lesson_id",
        "rank",
        "score",
        "evidence",
    ]  # DESIGN.md
    assert "decision" in links.columns and links["rank"].astype(int).max() <= 3
    gaps = _rows(out / "gaps.csv")
    assert list(gaps.columns[:2]) == ["kind", "id"]
    assert set(gaps["kind"]) == {"finding_without_lesson", "lesson_without_finding"}
    emap = pd.read_csv(out / "evidence_map.csv", index_col=0)
    assert emap.index[0] == "Laws and policies" and "lesson_learned" in emap.columns
    for name in ("links.csv", "gaps.csv", "ledger_findings.csv", "ledger_lessons.csv"):
        assert (os.stat(out / name).st_mode & 0o077) == 0, name  # data: owner only
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["top_k"] == 3
    assert manifest["links"] == (links["confident"] == "yes").sum()  # the rest: below the line
    assert manifest["ledger"]["findings"]["kept"] == 35


def test_cli_threshold(tmp_path: Path, capsys) -> None:
    args = [
        str(FINDINGS),
        str(LESSONS),
        "--embedder",
        "tfidf",
        "--top-k",
        "2",
        "--config",
        str(_config(tmp_path)),
    ]
    assert main(["link", *args, "--out", str(tmp_path / "all"), "--threshold", "0"]) == 0
    every = _rows(tmp_path / "all" / "links.csv")
    assert len(every) == 35 * 2 and set(every["confident"]) == {"yes"}  # every candidate links
    assert main(["link", *args, "--out", str(tmp_path / "none"), "--threshold", "1"]) == 0
    shown = _rows(tmp_path / "none" / "links.csv")
    assert len(shown) == 35 * 2 and set(shown["confident"]) == {"no"}  # below the line, shown
    assert len(_rows(tmp_path / "none" / "gaps.csv")) == 35 + 44  # everything is a gap
    assert main(["link", *args, "--out", str(tmp_path / "bad"), "--threshold", "7"]) == 2
    assert "between 0 and 1" in capsys.readouterr().err


def _config(tmp_path: Path) -> Path:
    cfg = tmp_path / "kmsynth.yml"
    cfg.write_text(
        f"embedding:\n  embedder: tfidf\n  cache_dir: {tmp_path / 'cache'}\n", encoding="utf-8"
    )
    return cfg


@pytest.mark.slow
def test_notebook_renders_links_gaps_and_map_escaped(tmp_path: Path) -> None:
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    f = pd.read_csv(FINDINGS, dtype=str, keep_default_na=False)
    f.loc[0, "text"] += " <script>alert('x')</script>"
    l_ = pd.read_csv(LESSONS, dtype=str, keep_default_na=False)
    l_.loc[0, "title"] = "<img src=x onerror=alert(1)>"
    f.to_csv(tmp_path / "f.csv", index=False)
    l_.to_csv(tmp_path / "l.csv", index=False)
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "links.ipynb"
    pm.execute_notebook(
        str(root / "notebooks" / "evaluation_links.ipynb"),
        str(out),
        kernel_name="python3",
        parameters={
            "findings": str(tmp_path / "f.csv"),
            "lessons": str(tmp_path / "l.csv"),
            "config_path": str(_config(tmp_path)),
        },
        cwd=str(root / "notebooks"),
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    assert not [
        o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    exp = HTMLExporter(template_name="lab")
    exp.exclude_input = True
    page, _ = exp.from_notebook_node(nb)
    assert "<script>alert" not in page and "onerror=alert(1)>" not in page
    for heading in ("Evidence map", "Links", "Gaps", "Lessons without evaluation evidence"):
        assert heading in page


def test_links_and_gaps_csv_carry_redacted_texts(tmp_path: Path) -> None:
    f = pd.read_csv(FINDINGS, dtype=str, keep_default_na=False)
    f.loc[0, "text"] += " Contact amina.k@example.org or +254 712 345 678 for the files."
    f.loc[1, "text"] = '=HYPERLINK("http://x") ' + f.loc[1, "text"]
    f.to_csv(tmp_path / "f.csv", index=False)
    out = tmp_path / "out"
    assert (
        main(
            [
                "link",
                str(tmp_path / "f.csv"),
                str(LESSONS),
                "--out",
                str(out),
                "--embedder",
                "tfidf",
                "--config",
                str(_config(tmp_path)),
            ]
        )
        == 0
    )
    links = (out / "links.csv").read_text("utf-8")
    gaps = _rows(out / "gaps.csv")
    assert "amina.k@example.org" not in links and "712 345" not in links
    assert "F01" in set(_rows(out / "links.csv")["finding_id"])
    assert "\n=HYPERLINK" not in links and ",=HYPERLINK" not in links  # neutralised
    assert {"text", "title"} <= set(gaps.columns) and (gaps["text"] != "").all()
