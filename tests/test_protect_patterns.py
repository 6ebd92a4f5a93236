"""The redactor's misses from issue 13 item 7, and no new false positives on ordinary numbers
or on the bundled sample's posts."""

import re
from collections import Counter
from importlib import resources

import pandas as pd
import pytest

from kmsynth.protect import Redactor, corpus_common_words, people_of

R = Redactor()


@pytest.mark.parametrize(
    "text,placeholder,gone",
    [
        ("find me at instagram.com/amina.k", "[URL]", "amina.k"),
        ("my page: instagram.com/x", "[URL]", "instagram.com/x"),
        ("see tiktok.com/@amina_k too", "[URL]", "amina_k"),
        ("my blog https://aminakariuki.blogspot.com/2024/05/story.html", "[URL]", "aminakariuki"),
        ("my blog aminakariuki.blogspot.com", "[URL]", "aminakariuki"),
        ("read aminak.wordpress.com/about", "[URL]", "aminak"),
        ("her ID 12345678 was taken", "[ID]", "12345678"),
        ("NI number QQ 12 34 56 C", "[ID]", "34 56"),
        ("NI number AB123456D", "[ID]", "123456"),
        ("CURP GODE561231HDFRRN09", "[ID]", "561231"),
        ("card 1234 5678 9012 please", "[ID]", "5678"),
        ("card 1234-5678-9012-3456 please", "[ID]", "5678"),
        ("write amina @ gmail . com", "[EMAIL]", "gmail"),
        ("write amina@ gmail.com", "[EMAIL]", "gmail"),
        ("skype: amina.k", "[HANDLE]", "amina.k"),
        ("my Skype ID is amina_k99", "[HANDLE]", "amina_k99"),
        ("add me live:amina_k", "[HANDLE]", "amina_k"),
        ("cédula 12.345.678-9", "[ID]", "345"),
        ("RUT 12.345.678-K", "[ID]", "345"),
        ("RUT 12345678-5", "[ID]", "12345678"),
        ("mi DNI es 1.234.567", "[ID]", "234"),
        ("C.I. 4.567.890 en Paraguay", "[ID]", "567"),
        ("call 555 0198 tonight", "[PHONE]", "0198"),
        ("call 555-0198 tonight", "[PHONE]", "0198"),
        ("ring her on 555.0198", "[PHONE]", "0198"),
        ("phone 706 542-0358 today", "[PHONE]", "706"),
        ("Phone.(800) 669 9165 support", "[PHONE]", "800"),
        ("Local (09) 380 3272.", "[PHONE]", "09"),
    ],
)
def test_issue_misses_are_redacted(text: str, placeholder: str, gone: str) -> None:
    out = R.redact(text)
    assert placeholder in out and gone not in out, out


ORDINARY = [
    "Law 1257 of 2008 protects women",
    "Article 19 of the Constitution",
    "Ley 26.485 de protección integral",
    "Resolution 1325 (2000) on women, peace and security",
    "In 2024, 35% of women reported violence.",
    "from 1.5% to 2.3% in 2019 2020 2021",
    "USD 12,500,000 over 2023-2026",
    "a budget of USD 12345678",
    "$1.234.567 for shelters",
    "1.234.567 mujeres y 2.345.678 niñas",
    "4.500.000 personas viven en la región",
    "the 2030 Agenda and SDG 5.2",
    "on 20250312 the law passed",
    "between 100-2000 women per district",
    "Between 150-2500 people attended",
    "The centre served 250 women in 2023 and 310 in 2024.",
    "calls rose by 120 2023 to 2024",
    "ISBN 978-92-1-101234-5 is cited",
    "14 May 2026 at 10:00-12:00",
    "R$ 2.500.000,00 foram investidos",
    "€ 3.000.000 del presupuesto",
    "hotline 911 or 112",
    "1 in 3 women worldwide",
    "ages 15-49, 2019–2023",
    "phase 2 of 3, 45 of 120 districts",
    "Population 45,000,000 (2022 census)",
    "we will live: stream at noon",
    "a total of 81000000 in the fund",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_numbers_stay(text: str) -> None:
    assert R.redact(text) == text


SAMPLE_COUNTS = {"URL": 6, "PHONE": 26, "NAME": 23, "HANDLE": 9, "EMAIL": 27, "PLACE": 6}


def test_sample_posts_have_no_new_redactions() -> None:
    """The bundled sample's posts give the same redactions as before the new patterns (97,
    each a planted e-mail, phone, URL, handle, name or place): no number of it became an ID."""
    sample = resources.files("kmsynth").joinpath("resources/sample")
    df = pd.read_csv(sample / "posts.csv", dtype=str, keep_default_na=False)
    import yaml

    cfg = yaml.safe_load((sample / "kmsynth.yml").read_text("utf-8"))["privacy"]
    d = df.rename(columns={"Member": "author", "Body": "text", "Lang": "language"})
    names = people_of(d, cfg.get("block_list", []))
    r = Redactor(
        names=names,
        places=cfg.get("places", []),
        common=corpus_common_words(d, ["text", "Subject"], names),
    )
    pat = re.compile(r"\[(EMAIL|PHONE|URL|HANDLE|ID|NAME|PLACE)\]")
    found: Counter[str] = Counter()
    for col in ("text", "Subject"):
        for t, lang in zip(d[col], d["language"], strict=True):
            found.update(pat.findall(r.redact(t, lang or None)))
    assert dict(found) == SAMPLE_COUNTS
