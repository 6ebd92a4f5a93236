"""Every CSV kmsynth writes neutralises formulas and is owner-only (issue 13 item 10)."""

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmsynth.cli.main import main
from kmsynth.ingest import Ledger
from kmsynth.protect import restore_formulas

NASTY = ['=HYPERLINK("http://x","y")', "+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
TOPICS = [
    "shelter funding beds counsellors grant closed safe house",
    "police officers station complaint interview private room",
    "school girls teachers curriculum consent classes respect",
]


def _mode(p: Path) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def _corpus(n: int) -> list[str]:
    rng = np.random.default_rng(4)
    out = []
    for i in range(n):
        words = TOPICS[i % 3].split()
        out.append(" ".join(rng.choice(words, size=12)) + f". Note {i}.")
    return out


def _formula_cells(frame: pd.DataFrame) -> list[str]:
    cells = [str(c) for c in frame.columns] + [
        v for v in frame.astype(object).to_numpy().ravel() if isinstance(v, str)
    ]
    return [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(c)]


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _read(p: Path) -> pd.DataFrame:
    return pd.read_csv(p, dtype=str, keep_default_na=False)


@pytest.mark.slow
def test_themes_cli_outputs_are_neutralised_and_private(tmp_path: Path, capsys) -> None:
    texts = _corpus(36)
    ids = [NASTY[i % len(NASTY)] + f"-{i}" if i < 12 else f"p{i}" for i in range(len(texts))]
    pd.DataFrame({"id": ids, "body": texts}).to_csv(tmp_path / "docs.csv", index=False)
    out = tmp_path / "new" / "out"
    code = main(
        [
            "themes",
            str(tmp_path / "docs.csv"),
            "--out",
            str(out),
            "--text-col",
            "body",
            "--id-col",
            "id",
            "--embedder",
            "tfidf",
            "--seed",
            "3",
        ]
    )
    assert code == 0, capsys.readouterr().err
    for name in ("themes.csv", "assignments.csv"):
        assert _mode(out / name) == 0o600, name
        assert _formula_cells(_read(out / name)) == [], name
    assert _mode(out) == 0o700 and _mode(out.parent) == 0o700
    assign = _read(out / "assignments.csv")
    assert assign["doc_id"].iloc[0] == "'" + ids[0]
    # a reader gets the ids back exactly
    assert restore_formulas(assign)["doc_id"].tolist()[:4] == ids[:4]


def test_ledger_csv_is_neutralised_and_private(tmp_path: Path) -> None:
    led = Ledger()
    led.frame = pd.DataFrame(
        {"file": NASTY, "row": range(1, 7), "id": NASTY, "status": "kept", "reason": NASTY}
    )
    p = led.save(tmp_path / "l" / "ledger.csv")
    assert _mode(p) == 0o600 and _mode(p.parent) == 0o700
    back = _read(p)
    assert _formula_cells(back) == []
    assert back["id"].tolist() == ["'" + v for v in NASTY]


def test_link_outputs_are_neutralised_and_private(tmp_path: Path, capsys) -> None:
    data = Path(__file__).parent / "data"
    findings = pd.read_csv(data / "links_findings.csv", dtype=str)
    lessons = pd.read_csv(data / "links_lessons.csv", dtype=str)
    findings["finding_id"] = [NASTY[i % 6] + f"{i}" for i in range(len(findings))]
    lessons["lesson_id"] = [NASTY[(i + 3) % 6] + f"{i}" for i in range(len(lessons))]
    findings.to_csv(tmp_path / "f.csv", index=False)
    lessons.to_csv(tmp_path / "l.csv", index=False)
    out = tmp_path / "links"
    code = main(
        [
            "link",
            str(tmp_path / "f.csv"),
            str(tmp_path / "l.csv"),
            "--out",
            str(out),
            "--embedder",
            "tfidf",
        ]
    )
    assert code == 0, capsys.readouterr().err
    written = sorted(out.glob("*.csv"))
    assert {p.name for p in written} >= {"links.csv", "gaps.csv", "ledger_findings.csv"}
    for p in written:
        assert _mode(p) == 0o600, p.name
        assert _formula_cells(_read(p)) == [], p.name
    links = _read(out / "links.csv")
    assert links["finding_id"].str.startswith("'").all()


def test_caches_are_owner_only(tmp_path: Path) -> None:
    """The embedding cache and the reduced-embedding (umap/) state hold vectors of sensitive
    text: folders 0700, files 0600."""
    from kmsynth.embed import CachedEmbedder, FakeEmbedder
    from kmsynth.themes.cluster import reduce_embeddings

    cache = tmp_path / "cache"
    CachedEmbedder(FakeEmbedder(), cache).encode(["a survivor's story", "the shelter"])
    for d in (cache, cache / "embeddings", *(cache / "embeddings").iterdir()):
        assert _mode(d) == 0o700, d
    assert all(_mode(f) == 0o600 for f in (cache / "embeddings").rglob("*") if f.is_file())

    class Reducer:
        def fit_transform(self, x):
            return x[:, :2]

        def get_params(self) -> dict:
            return {"n_components": 2}

    vecs = np.arange(12, dtype=np.float32).reshape(4, 3)
    reduce_embeddings(Reducer(), "umap", vecs, cache=tmp_path / "state")
    assert _mode(tmp_path / "state") == 0o700 and _mode(tmp_path / "state" / "umap") == 0o700
    assert [_mode(f) for f in (tmp_path / "state" / "umap").iterdir()] == [0o600]
