"""The one quote gate (kmsynth.synthesis.quotes): consent, names, placeholders, questions,
courtesy; one quote per author; the consent rule where an export has no consent column."""

from __future__ import annotations

import pandas as pd
import pytest

from kmsynth.config import Config
from kmsynth.synthesis.quotes import (
    consent_rule,
    is_courtesy,
    is_question,
    pick_quotes,
    quote_problem,
    shareable,
    with_consent,
)
from kmsynth.synthesis.summarise import usable
from kmsynth.text import Sentence


def _sent(text: str, post: str, **kw) -> Sentence:
    return Sentence(text, post, 0, len(text), **kw)


# ---- quotes


def test_quote_rules() -> None:
    ok = (
        "Our shelter in Kenya stayed open every night of the year because partners shared "
        "the costs."
    )
    assert quote_problem(_sent(ok, "1", quotable=True)) is None
    assert quote_problem(_sent(ok, "1", quotable=False)) == "not quotable"
    assert quote_problem(_sent("Too short to quote here.", "1", quotable=True)) == "length"
    assert (
        quote_problem(
            _sent(
                "We worked with [NAME] on the shelter rota for the whole district team.",
                "1",
                quotable=True,
            )
        )
        == "redacted detail"
    )
    assert (
        quote_problem(
            _sent(
                "We worked with Maria on the shelter rota for the whole district team.",
                "1",
                quotable=True,
            )
        )
        == "proper noun"
    )
    assert (
        quote_problem(
            _sent(
                "The women of Kibera village told us the shelter rota saved their lives.",
                "1",
                quotable=True,
            )
        )
        == "proper noun"
    )
    assert (
        quote_problem(
            _sent(
                "The women of Kibera village told us the shelter rota saved their lives.",
                "1",
                quotable=True,
            ),
            allowed_words=["Kibera"],
        )
        is None
    )
    assert (
        quote_problem(
            _sent(
                "In March the UNFPA team and our partners in Mexico opened the shelter.",
                "1",
                quotable=True,
            )
        )
        is None
    )
    assert (
        quote_problem(
            _sent(
                "Has anyone else seen the shelter rota work across the whole district?",
                "1",
                quotable=True,
            )
        )
        == "question"
    )
    assert (
        quote_problem(
            _sent(
                "Shelter survivors helpline <script>alert(1)</script> referral beds safe house "
                "now.",
                "1",
                quotable=True,
            )
        )
        == "markup"
    )


def test_pick_quotes_one_per_author_consent_exclusions() -> None:
    line = "Our shelter stayed open every night of the year because partners shared the costs {}."
    sents = [
        _sent(
            line.format(i),
            str(i),
            quotable=i != 0,
            author_id="P-a" if i < 3 else f"P-{i}",
            region="Pacific" if i == 3 else "Africa",
        )
        for i in range(6)
    ]
    used: set[str] = set()
    got = pick_quotes(
        sents,
        used_authors=used,
        n=10,
        excluded_posts={"4"},
        allowed=lambda s: s.region != "Pacific",
    )
    assert [s.post_id for s in got] == [
        "1",
        "5",
    ]  # 0: no consent; 2: same author as 1; 3: small group; 4: excluded
    assert used == {"P-a", "P-5"}
    assert pick_quotes(sents, used_authors=used, n=10) == [
        sents[3],
        sents[4],
    ]  # the authors used stay used
    assert pick_quotes(sents, used_authors=set(), n=1, avoid={sents[1].text}) == [sents[2]]


@pytest.mark.parametrize(
    "text,courtesy",
    [
        ("Thank you, this is very helpful for our team in Uganda.", True),
        ("Following this thread with interest from Guyana.", True),
        ("We face the same challenge in the Philippines.", True),
        ("Merci, c'est très utile pour notre équipe au Niger.", True),
        ("Muchas gracias por compartir esta experiencia tan valiosa.", True),
        ("Obrigada pela partilha, muito útil para nós.", True),
        ("I work on shelters with the ministry of gender.", True),
        ("Welcome to the knowledge exchange hub!", True),
        ("Trabajo con la fiscalía en casos de violencia.", True),
        ("Thanks to the new law, protection orders are issued within a day.", False),
        ("Thank you all: we learned that helplines need chat options.", False),
        ("Shelters need predictable public funding, not short project grants.", False),
    ],
)
def test_courtesy_is_not_summarised_or_quoted(text: str, courtesy: bool) -> None:

    assert is_courtesy(text) is courtesy
    s = _sent(text, "1", quotable=True)
    assert usable(s) is not courtesy
    assert (quote_problem(s, min_words=6) == "courtesy") is courtesy


def test_the_report_quote_rule_that_let_names_through_is_gone() -> None:
    """Issue 12: the report's own picker accepted this sentence; the one gate rejects it."""
    s = _sent(
        "Our colleague Amara Okonkwo from Kisumu told us the helpline changed everything.",
        "1",
        quotable=True,
    )
    assert quote_problem(s) == "proper noun"
    assert pick_quotes([s], used_authors=set(), n=1) == []


@pytest.mark.parametrize(
    "text,question",
    [
        ("How long did it take before you saw changes in attitudes?", True),
        ("¿Cómo lo lograron", True),
        ("How long did it take before you saw changes", True),
        ("How the helpline works matters less than who answers it.", False),
        ("Shelters need funding.", False),
    ],
)
def test_questions(text: str, question: bool) -> None:
    assert is_question(text) is question


def test_small_talk_is_never_shareable() -> None:
    for t in ("We face the same challenge in Guyana.", "Thank you for sharing this with us all."):
        assert not shareable(_sent(t, "1", quotable=True))
    ok = _sent(
        "Shelters need predictable public funding, not short project grants.", "1", quotable=True
    )
    assert shareable(ok) and not shareable(_sent(ok.text, "1", quotable=False))


def test_consent_rule_without_a_consent_column_is_the_config() -> None:
    plain = pd.DataFrame({"post_id": ["1", "2"], "text": ["a", "b"]})
    assert consent_rule(plain) == "deny"
    assert not with_consent(plain)["quotable"].any()
    allow = Config().with_overrides({"privacy.verbatim_without_consent": "allow"})
    assert consent_rule(plain, allow) == "allow"
    assert with_consent(plain, allow)["quotable"].all()
    consent = plain.assign(consent_to_quote=pd.array([True, None], dtype="boolean"))
    assert consent_rule(consent, allow) == "consent"  # a consent column always decides
    assert with_consent(consent, allow)["quotable"].tolist() == [True, False]
    sources = Config().with_overrides({"privacy.quotable_sources": ["hub"]})
    assert consent_rule(plain, sources) == "sources"
    assert not with_consent(plain, sources)["quotable"].any()


@pytest.mark.parametrize(
    "text",
    [
        "This resonates with our experience.",
        "This is a live question for us in Mozambique.",
        "We are starting similar work in Nigeria this year.",
        "Our team in Papua New Guinea is designing this now.",
        "Coincido con lo planteado.",
        "Estamos empezando un trabajo similar en Perú.",
        "Happy to share our guidance note with anyone interested.",
        "Très utile, merci.",
        "It would help our partners in Jamaica.",
        "We are looking for examples.",
    ],
)
def test_reactions_and_plans_are_small_talk(text: str) -> None:
    assert is_courtesy(text)


def test_statements_that_start_alike_are_not_small_talk() -> None:
    assert not is_courtesy("This is useful when shelters are full and survivors wait.")
    assert not is_courtesy("Shelters need predictable public funding.")
    assert not is_courtesy("It would cost too much to run shelters without the state.")


def test_quotes_from_posts_uses_the_one_gate_in_the_given_order() -> None:
    from kmsynth.synthesis.quotes import quotes_from_posts

    table = pd.DataFrame(
        {
            "post_id": [1, 2, 3, 4, 5],
            "text": [
                "Our colleague Amara Okonkwo from Kisumu told us the helpline changed everything.",
                "How long did it take before you saw changes in attitudes at the schools?",
                "Survivors stay safer when case management continues after they leave the shelter.",
                "Shelters need predictable public funding rather than short project grants.",
                "Helplines need a chat option for women who cannot speak safely at home.",
            ],
            "author_id": ["A", "B", "C", "C", "D"],
            "quotable": [True, True, True, True, False],
        }
    )
    used: set[str] = set()
    got = quotes_from_posts(table, ["1", "2", "4", "3", "5"], used_authors=used, n=3)
    assert got == [table.loc[3, "text"]] and used == {"C"}  # names, question, no consent out
    assert quotes_from_posts(table, ["3"], used_authors=set(), excluded_posts={"3"}) == []
    assert quotes_from_posts(table, ["3"], used_authors=set(), avoid=[table.loc[2, "text"]]) == []
