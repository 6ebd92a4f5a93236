"""Privacy: every kind of personal data is redacted, ordinary numbers are not; pseudonyms are
keyed; small cells are hidden with secondary suppression; quotes are opt-in."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kmsynth.privacy import (Redactor, protect_table, pseudonym_key, pseudonymise, quotable_mask,
                             suppress_small_cells)

R = Redactor(names=["Amina Okafor", "Grace Mensah"], places=["Kibera"])


@pytest.mark.parametrize("text,placeholder,gone", [
    ("Write to amina.okafor@example.org today", "[EMAIL]", "amina.okafor@example.org"),
    ("Reach her at amina at gmail dot com please", "[EMAIL]", "gmail dot com"),
    ("Call +254 712 345678 for help", "[PHONE]", "712 345678"),
    ("Office line (876) 555-0142 after 5pm", "[PHONE]", "555-0142"),
    ("Follow @amina_okafor for updates", "[HANDLE]", "@amina_okafor"),
    ("Photos at https://www.facebook.com/amina.profile now", "[URL]", "facebook.com/amina"),
    ("Her ID number is 29384756102 on the form", "[ID]", "29384756102"),
    ("Amina Okafor shared the protocol", "[NAME]", "Amina Okafor"),
    ("Thanks to grace mensah for this", "[NAME]", "grace mensah"),
    ("Amina said the shelter is full", "[NAME]", "Amina"),
    ("The centre in Kibera opened", "[PLACE]", "Kibera"),
])
def test_each_kind_of_personal_data_is_redacted(text: str, placeholder: str, gone: str) -> None:
    out = R.redact(text)
    assert placeholder in out and gone not in out


@pytest.mark.parametrize("text", [
    "In 2024, 35% of women reported violence.",
    "The budget rose from USD 1,200,000 to 1.5 million in 2025.",
    "Between 2019-2023 the helpline took 9,400 calls.",
    "Report of 12/03/2025: 40 beds, 3 shelters.",
    "See the UN Women page https://www.unwomen.org/en/what-we-do for the framework.",
    "Grace periods for loans helped survivors.",  # a name part that is an ordinary word
])
def test_ordinary_numbers_and_organisation_urls_survive(text: str) -> None:
    assert R.redact(text) == text


def test_redaction_is_deterministic() -> None:
    text = "Amina Okafor (amina at gmail dot com, +254 712 345678) wrote from Kibera."
    assert R.redact(text) == R.redact(text)
    assert R.redact(R.redact(text)) == R.redact(text)


def test_pseudonyms_are_keyed_and_key_never_leaks(tmp_path, monkeypatch) -> None:
    a = pseudonymise("Amina Okafor", b"key-one")
    assert a == pseudonymise("amina  okafor", b"key-one")  # same person, same pseudonym
    assert a != pseudonymise("Amina Okafor", b"key-two")
    assert a.startswith("P-") and "Amina" not in a
    monkeypatch.delenv("KMSYNTH_PSEUDONYM_KEY", raising=False)
    key = pseudonym_key(cache_dir=tmp_path)
    assert (tmp_path / "pseudonym.key").stat().st_mode & 0o077 == 0
    assert pseudonym_key(cache_dir=tmp_path) == key  # stable across runs
    df = pd.DataFrame({"text": ["Grace Mensah says hi"], "author": ["Grace Mensah"]})
    prot = protect_table(df, ["text"], key=key, block_names=[], places=[], quotable_sources=None)
    assert "author" not in prot.table.columns
    assert key.decode() not in prot.table.to_csv()
    assert "Grace" not in prot.table["text"].iloc[0]  # the dataset's own names are blocked


@pytest.mark.parametrize("seed", range(6))
def test_small_cells_hidden_and_not_recoverable(seed: int) -> None:
    rng = np.random.default_rng(seed)
    counts = pd.DataFrame(rng.integers(0, 30, size=(5, 4)), columns=list("abcd"))
    counts.iloc[rng.integers(0, 5), rng.integers(0, 4)] = rng.integers(1, 5)  # a cell of 1 to 4
    out = suppress_small_cells(counts, k=10)
    vis = out.to_numpy(dtype=float, na_value=np.nan)
    assert np.all(np.isnan(vis) | (vis == 0) | (vis >= 10))
    hidden = np.isnan(vis)
    assert hidden.any()
    for axis in (0, 1):  # no row or column with exactly one hidden cell
        per_line = hidden.sum(axis=axis)
        assert not np.any(per_line == 1)
    # zeros stay visible
    assert ((counts.to_numpy() == 0) <= ~hidden).all()


def test_k_below_five_refused() -> None:
    with pytest.raises(ValueError):
        suppress_small_cells(pd.DataFrame({"a": [1, 2]}), k=3)


def test_quotes_are_opt_in() -> None:
    df = pd.DataFrame({"consent_to_quote": [True, False, True], "source": ["hub", "hub", "webinar"]})
    assert quotable_mask(df, None).tolist() == [True, False, True]
    assert quotable_mask(df, ["hub"]).tolist() == [True, False, False]
    assert not quotable_mask(pd.DataFrame({"text": ["x"]}), None).any()
