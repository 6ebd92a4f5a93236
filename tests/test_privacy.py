"""Privacy: every kind of personal data is redacted, ordinary numbers are not; pseudonyms are
keyed; small cells are hidden with secondary suppression; quotes are opt-in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kmsynth.protect import (
    Redactor,
    protect_table,
    pseudonym_key,
    pseudonymise,
    quotable_mask,
    suppress_small_cells,
)

R = Redactor(names=["Amina Okafor", "Grace Mensah"], places=["Kibera"])


@pytest.mark.parametrize(
    "text,placeholder,gone",
    [
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
    ],
)
def test_each_kind_of_personal_data_is_redacted(text: str, placeholder: str, gone: str) -> None:
    out = R.redact(text)
    assert placeholder in out and gone not in out


@pytest.mark.parametrize(
    "text",
    [
        "In 2024, 35% of women reported violence.",
        "The budget rose from USD 1,200,000 to 1.5 million in 2025.",
        "Between 2019-2023 the helpline took 9,400 calls.",
        "Report of 12/03/2025: 40 beds, 3 shelters.",
        "See the UN Women page https://www.unwomen.org/en/what-we-do for the framework.",
        "Grace periods for loans helped survivors.",  # a name part that is an ordinary word
    ],
)
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
    df = pd.DataFrame(
        {"consent_to_quote": [True, False, True], "source": ["hub", "hub", "webinar"]}
    )
    assert quotable_mask(df, None).tolist() == [True, False, True]
    assert quotable_mask(df, ["hub"]).tolist() == [True, False, False]
    assert not quotable_mask(pd.DataFrame({"text": ["x"]}), None).any()


# --------------------------------------------------------------------------------------------
# More formats, more tables


@pytest.mark.parametrize(
    "text,placeholder",
    [
        ("Dial +44 20 7946 0958 any time", "[PHONE]"),
        ("Dial 0044 20 7946 0958 any time", "[PHONE]"),
        ("WhatsApp +55 (11) 91234-5678 tonight", "[PHONE]"),
        ("Appelez le +33 6 12 34 56 78", "[PHONE]"),
        ("Appelez le 06 12 34 56 78", "[PHONE]"),  # local, French style
        ("Call 0712 345 678 now", "[PHONE]"),  # local, Kenyan style
        ("Ring (020) 7946 0958", "[PHONE]"),  # local, with area code
        ("Text 555-123-4567", "[PHONE]"),
        ("tel: +1-876-555-0142", "[PHONE]"),
        ("amina[at]yahoo[dot]fr", "[EMAIL]"),
        ("amina (at) mail (dot) org", "[EMAIL]"),
        ("escribe a maria arroba gmail punto com", "[EMAIL]"),
        ("CV at https://example.org/~amina/cv.pdf", "[URL]"),
        ("see https://site.org/users/amina", "[URL]"),
        ("see linkedin.com/in/amina-okafor", "[URL]"),
        ("Passport A12345678", "[ID]"),
        ("SSN 123-45-6789", "[ID]"),
        ("Okafor's note", "[NAME]"),  # a possessive still hides the name
        ("AMINA OKAFOR wrote", "[NAME]"),
        ("from kibera we came", "[PLACE]"),  # places regardless of case
    ],
)
def test_more_formats_redacted(text: str, placeholder: str) -> None:
    out = R.redact(text)
    assert placeholder in out
    assert not any(
        ch.isdigit() for ch in out.split(placeholder)[0][-3:] + out.split(placeholder)[-1][:3]
    )


@pytest.mark.parametrize(
    "text",
    [
        "12.5% rise",
        "budget $2,500,000",
        "KES 150,000 and USD 2.5m",
        "R$ 2.500,00",
        "€1.200.000",
        "1,234,567 women",
        "1.234.567 mujeres",
        "1 200 000 people",
        "population 45,000,000",
        "3 May 2026",
        "on 03/05/2026",
        "on 2026-05-03",
        "on 05.03.2026",
        "2019–2023",
        "2020/21",
        "10:00-12:00",
        "Resolution 1325",
        "SDG target 5.2.1",
        "+20% in 2024",
        "ages 15-49",
        "Law 1257 of 2008",
        "Ley 26.485",
        "hotline 911 or 112",
        "1 in 3 women",
        "4,500 - 5,000 women",
        "from 1.5% to 2.3%",
        "Email is key",
        "the word amina in lower case",
        "https://spotlightinitiative.org/news/2024/report",
    ],
)
def test_no_false_redaction_of_ordinary_numbers(text: str) -> None:
    assert R.redact(text) == text


def test_protect_table_counts_and_keeps_the_key_out(monkeypatch) -> None:
    key = b"s3cret-key-value-0123456789"
    df = pd.DataFrame(
        {
            "post_id": ["1", "2", "3"],
            "text": [
                "Mail amina@example.org or call +254 712 345678",
                "Rosa Diaz thanked Amina Okafor",
                "In 2024, 35% more calls",
            ],
            "author": ["Amina Okafor", "Rosa Diaz", "Rosa Diaz"],
            "consent_to_quote": pd.array([True, True, None], dtype="boolean"),
        }
    )
    prot = protect_table(df, ["text"], key=key, block_names=["Grace Mensah"], places=["Kibera"])
    t = prot.table
    assert prot.redactions["[EMAIL]"] == 1 and prot.redactions["[PHONE]"] == 1
    assert prot.redactions["[NAME]"] == 2
    assert t["text"].iloc[1] == "[NAME] thanked [NAME]"  # authors' names are blocked everywhere
    assert t["text"].iloc[2] == "In 2024, 35% more calls"
    assert t["author_id"].iloc[1] == t["author_id"].iloc[2] != t["author_id"].iloc[0]
    assert t["quotable"].tolist() == [True, True, False]  # unknown consent is no consent
    dumped = t.to_csv() + t.to_json()
    for secret in (key.decode(), "Amina", "Okafor", "Rosa", "amina@example.org"):
        assert secret not in dumped
    # another key: other pseudonyms for the same people
    other = protect_table(df, ["text"], key=b"another-key").table
    assert not set(other["author_id"]) & set(t["author_id"])


def test_prepare_redacts_with_the_environment_key(tmp_path, monkeypatch) -> None:
    from kmsynth.config import load_config
    from kmsynth.ingest.prepare import prepare

    monkeypatch.setenv("KMSYNTH_PSEUDONYM_KEY", "env-key-should-never-appear")
    p = tmp_path / "posts.csv"
    p.write_text(
        "post_id,text,created_at,author\n"
        "1,Write to rosa.diaz@example.org about the shelter network in the "
        "district,2026-05-03,Rosa Diaz\n"
        "2,Rosa Diaz says the helpline answered more calls this spring than last,2026-05-04,Ana "
        "Ruiz\n",
        encoding="utf-8",
    )
    cfg = load_config(None)
    cfg = cfg.with_overrides({"embedding.cache_dir": tmp_path / "cache"})
    prep = prepare("posts", p, cfg)
    text = " ".join(prep.table["text"])
    assert "[EMAIL]" in text and "[NAME]" in text and "Rosa" not in text
    assert "env-key" not in prep.table.to_csv()
    assert not (tmp_path / "cache" / "pseudonym.key").exists()  # the env key was used
    assert prep.table["author_id"].iloc[0] == pseudonymise(
        "Rosa Diaz", b"env-key-should-never-appear"
    )


def _assert_safe(out: pd.DataFrame | pd.Series, counts, k: int) -> np.ndarray:
    vis = np.asarray(out.to_numpy(dtype=float, na_value=np.nan), dtype=float)
    vis = vis.reshape(len(out), -1)
    raw = np.asarray(counts, dtype=float).reshape(vis.shape)
    hidden = np.isnan(vis)
    assert np.all(hidden | (vis == 0) | (vis >= k))  # nothing from 1 to k-1 shows
    assert np.array_equal(vis[~hidden], raw[~hidden])  # what shows is the true count
    if vis.shape[0] > 1:
        assert not np.any(hidden.sum(axis=0) == 1)  # no column with exactly one hidden cell
    if vis.shape[1] > 1:
        assert not np.any(hidden.sum(axis=1) == 1)  # no row with exactly one hidden cell
    return hidden


@pytest.mark.parametrize(
    "rows",
    [
        [[1, 20], [15, 30]],  # one small cell pulls three others with it
        [[1, 2, 3, 4], [40, 50, 60, 70], [12, 0, 25, 33]],  # every small size from 1 to 4
        [[0, 0, 3], [0, 12, 40], [22, 0, 18]],  # zeros around a small cell
        [[4, 11], [0, 0]],  # the only other cell in the column is zero
        [[2, 0, 0, 0, 0]],  # a single row
        [[50, 60], [70, 80]],  # nothing small: nothing hidden
    ],
)
def test_suppression_on_hand_made_tables(rows) -> None:
    counts = pd.DataFrame(rows, index=[f"r{i}" for i in range(len(rows))])
    out = suppress_small_cells(counts, k=10)
    assert list(out.index) == list(counts.index) and list(out.columns) == list(counts.columns)
    hidden = _assert_safe(out, counts.to_numpy(), 10)
    assert hidden.any() == bool(((counts > 0) & (counts < 10)).to_numpy().any())


def test_suppression_of_a_series_and_k_five() -> None:
    s = pd.Series([3, 50, 40, 0, 12], index=list("abcde"))
    out = suppress_small_cells(s, k=5)
    assert out.isna().tolist() == [True, False, False, False, True]  # 3, then the next smallest
    assert out["b"] == 50 and out["d"] == 0
    out10 = suppress_small_cells(pd.Series([7, 9, 30]), k=10)
    assert out10.isna().tolist() == [True, True, False]


@pytest.mark.parametrize("k", [0, 1, 4, -10])
def test_k_below_five_always_refused(k: int) -> None:
    with pytest.raises(ValueError, match="at least 5"):
        suppress_small_cells(pd.DataFrame({"a": [1, 20]}), k=k)


def test_quotable_rules() -> None:
    df = pd.DataFrame(
        {
            "consent_to_quote": pd.array([True, False, None, True], dtype="boolean"),
            "source": ["Hub", "hub", "hub", " webinar "],
        }
    )
    assert quotable_mask(df, None).tolist() == [True, False, False, True]  # consent decides
    assert quotable_mask(df, ["hub"]).tolist() == [True, False, False, False]  # both must agree
    assert quotable_mask(df, ["webinar", "hub"]).tolist() == [True, False, False, True]
    assert not quotable_mask(df, []).any()  # an empty list of sources allows none
    only_source = pd.DataFrame({"source": ["hub", "survey"]})
    assert quotable_mask(only_source, ["hub"]).tolist() == [True, False]
    assert not quotable_mask(only_source, None).any()  # neither consent nor a source list
    no_source = pd.DataFrame({"consent_to_quote": [True, True]})
    assert not quotable_mask(no_source, ["hub"]).any()  # the source is unknown


@pytest.mark.parametrize(
    "text,gone",
    [
        ("Thanks JOSE perez for this", "JOSE perez"),
        ("Sean O’Brien and O’Brien’s plan", "Brien"),  # curly apostrophes match a straight one
        ("AYSE YILMAZ spoke, then Yilmaz", "YILMAZ"),  # Turkish dotless i
        ("Jose\u0301 Pe\u0301rez spoke", "rez"),  # decomposed accents (NFD) from some exports
        ("محمد علي قال", "محمد"),  # right-to-left names
    ],
)
def test_name_variants_redacted(text: str, gone: str) -> None:
    r = Redactor(names=["José Pérez", "Sean O'Brien", "Ayşe Yılmaz", "محمد علي"])
    out = r.redact(text)
    assert "[NAME]" in out and gone not in out


def test_posts_naming_nobody_are_returned_unchanged() -> None:
    r = Redactor(names=[f"Member{i} Surname{i}" for i in range(200)], places=["Kibera"])
    text = "Shelters in the district took 40 more women this year, según el informe de 2025."
    assert r.redact(text) is text or r.redact(text) == text


def test_a_name_part_in_a_script_without_case() -> None:
    r = Redactor(names=["محمد علي"])
    assert r.redact("شكرا محمد على المساعدة") == "شكرا [NAME] على المساعدة"
