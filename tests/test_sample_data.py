"""The bundled sample loads, its ledger adds up, and its planted problems are caught."""
from __future__ import annotations

from pathlib import Path

import pytest

from kmsynth.config import load_config
from kmsynth.prepare import prepare

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


@pytest.fixture(scope="module")
def posts():
    cfg = load_config(SAMPLE / "kmsynth.yml")
    return prepare("posts", cfg.data.posts, cfg)


def test_ledger_adds_up_and_catches_planted_rows(posts) -> None:
    led = posts.ledger
    led.check()
    counts = led.counts()
    assert sum(counts.values()) == led.rows_read == 1661
    ex = led.frame[led.frame["status"] == "excluded"].set_index("record_id")["reason"]
    assert ex.get("20001") == "empty_text" and ex.get("20002") == "empty_text"
    assert ex.get("20005") == "bad_date"
    assert "20004" in ex.index  # emoji only: nothing to analyse
    assert counts["merged"] == 3  # the exact duplicates
    dup = led.frame[(led.frame["record_id"] == posts.table["post_id"].iloc[10])]
    assert (dup["status"] == "excluded").any() or len(dup) == 1


def test_text_survives_as_text_and_pii_is_gone(posts) -> None:
    t = posts.table.set_index("post_id")
    assert t.loc["20003", "text"] == "NA" and "007" in t.index
    joined = "\n".join(posts.table["text"])
    for leaked in ("@example.org", "+254 712 345678", "(876) 555-0142", "gmail dot com", "facebook.com/"):
        assert leaked not in joined
    assert "author" not in posts.table.columns
    months = posts.table["created_at"].dt.strftime("%Y-%m").unique()
    assert len(months) == 6
    assert set(posts.table["language"]) >= {"en", "es", "fr", "pt"}


@pytest.mark.parametrize("kind,name", [("survey", "survey.csv"), ("findings", "findings.xlsx"),
                                       ("lessons", "lessons.xlsx")])
def test_other_tables_load(kind: str, name: str) -> None:
    cfg = load_config(SAMPLE / "kmsynth.yml")
    prep = prepare(kind, SAMPLE / name, cfg)
    prep.ledger.check()
    assert len(prep.table) >= 40 and not prep.errors
