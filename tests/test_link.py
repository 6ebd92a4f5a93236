"""Evaluation linking: hybrid retrieval, evidence, gaps, the reviewer round trip, the CLI."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmsynth.cli import main
from kmsynth.embed import get_embedder
from kmsynth.errors import InputError
from kmsynth.link import Linker, link_findings_to_lessons, read_reviewed

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def labelled():
    f = pd.read_csv(DATA / "link_findings.csv", dtype=str, keep_default_na=False)
    l_ = pd.read_csv(DATA / "link_lessons.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(DATA / "link_truth.csv", dtype=str)
    return f, l_, dict(zip(truth.finding_id, truth.lesson_id))


def mrr(cands: pd.DataFrame, gold: dict[str, str]) -> float:
    rr = []
    for fid, lid in gold.items():
        sub = cands[cands.finding_id == fid].sort_values("rank")
        hit = sub.index[sub.lesson_id == lid]
        rr.append(1 / int(sub.loc[hit[0], "rank"]) if len(hit) else 0.0)
    return float(np.mean(rr))


def test_hybrid_ranks_well_and_beats_lexical_alone(labelled) -> None:
    # On this small hand-made set minilm alone already ranks every gold lesson first; the
    # benchmark on SciFact (benchmarks/bench_link.py) compares the three on real data.
    f, l_, gold = labelled
    e = get_embedder("minilm")
    scores = {}
    for mode in ("lexical", "semantic", "hybrid"):
        lk = Linker(e, top_k=5, mode=mode, country_boost=0, pillar_boost=0).fit(l_)
        scores[mode] = mrr(lk.rank(f), gold)
    assert scores["hybrid"] > scores["lexical"], scores
    assert scores["hybrid"] >= scores["semantic"] - 0.1 and scores["hybrid"] >= 0.9, scores


def test_identical_text_ranks_first_and_evidence_is_verbatim(labelled) -> None:
    f, l_, _ = labelled
    f2 = pd.DataFrame({"finding_id": ["X"], "text": [l_.text.iloc[6]]})
    res = link_findings_to_lessons(f2, l_, embedder=get_embedder("minilm"))
    first = res.links.sort_values("rank").iloc[0]
    assert first.lesson_id == l_.lesson_id.iloc[6] and first["rank"] == 1
    assert first.finding_sentence in f2.text.iloc[0] and first.lesson_sentence in l_.text.iloc[6]
    assert "chat" in first.evidence


def test_boost_reorders_but_never_filters(labelled) -> None:
    f, l_, _ = labelled
    e = get_embedder("tfidf").fit(list(f.text) + list(l_.text))
    plain = Linker(e, top_k=15, country_boost=0, pillar_boost=0).fit(l_).rank(f)
    boosted = Linker(e, top_k=15, country_boost=0.05).fit(l_).rank(f)
    assert len(plain) == len(boosted)  # nothing filtered
    a = plain[plain.finding_id == "F11"].set_index("lesson_id")["rank"]
    b = boosted[boosted.finding_id == "F11"].set_index("lesson_id")["rank"]
    assert b["L01"] < a["L01"]  # the Kenyan lesson moves up for the Kenyan finding


def test_gaps_and_evidence_map(labelled) -> None:
    f, l_, _ = labelled
    res = link_findings_to_lessons(f, l_, embedder=get_embedder("minilm"))
    gap_f = set(res.gaps.loc[res.gaps.kind == "finding_without_lesson", "id"])
    assert "F12" in gap_f  # nobody wrote a lesson about older women
    assert set(res.gaps.loc[res.gaps.kind == "lesson_without_finding", "id"]) & {"L12", "L13", "L14", "L15"}
    assert res.evidence_map.to_numpy().sum() >= 1
    assert "Services" in res.evidence_map.index


def test_reviewer_round_trip(labelled, tmp_path: Path) -> None:
    f, l_, _ = labelled
    e = get_embedder("minilm")
    first = link_findings_to_lessons(f, l_, embedder=e)
    reviewed = first.links.copy()
    reject = reviewed.iloc[0][["finding_id", "lesson_id"]].tolist()
    reviewed.loc[0, "decision"] = "reject"
    reviewed = pd.concat([reviewed, pd.DataFrame([{"finding_id": "F11", "lesson_id": "L11", "decision": "accept"}])])
    path = tmp_path / "links.csv"
    reviewed.to_csv(path, index=False)
    again = link_findings_to_lessons(f, l_, embedder=e, reviewed=read_reviewed(path))
    pairs = set(zip(again.links.finding_id, again.links.lesson_id))
    assert tuple(reject) not in pairs  # rejected pairs never return
    assert ("F11", "L11") in pairs  # accepted pairs stay even below the threshold
    assert again.links.set_index(["finding_id", "lesson_id"]).loc[("F11", "L11"), "decision"] == "accept"
    bad = tmp_path / "bad.csv"
    bad.write_text("finding_id,lesson_id,decision\nF01,L01,maybe\n")
    with pytest.raises(InputError) as err:
        read_reviewed(bad)
    assert "row 1" in str(err.value) and "decision" in str(err.value)


def test_empty_or_malformed_inventory(tmp_path: Path, capsys) -> None:
    with pytest.raises(InputError, match="empty"):
        Linker().fit(pd.DataFrame(columns=["lesson_id", "text"]))
    lessons = tmp_path / "lessons.csv"
    lessons.write_text("id,words\n1,hello\n")
    code = main(["link", str(DATA / "link_findings.csv"), str(lessons), "--out", str(tmp_path / "o"),
                 "--embedder", "tfidf"])
    err = capsys.readouterr().err
    assert code == 2 and "lessons.csv" in err and "Traceback" not in err


def test_cli_writes_the_contract_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["link", str(DATA / "link_findings.csv"), str(DATA / "link_lessons.csv"), "--out", str(out),
                 "--top-k", "3", "--embedder", "tfidf"]) == 0
    links = pd.read_csv(out / "links.csv")
    assert list(links.columns[:5]) == ["finding_id", "lesson_id", "rank", "score", "evidence"]
    assert "decision" in links.columns and links["rank"].max() <= 3
    gaps = pd.read_csv(out / "gaps.csv")
    assert set(gaps["kind"]) <= {"finding_without_lesson", "lesson_without_finding"}
    assert (out / "evidence_map.csv").is_file()
