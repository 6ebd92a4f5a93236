"""Handles are redacted whole, names by their parts only when these are not common words
(issue 13 item 4: authors Never_Stop_Smiling, One_Quit_6653, Sorry-Lucky made 399
replacements of "One", "You", "NEVER", "Let")."""

import pandas as pd
import pytest

from kmsynth.protect import (
    Redactor,
    common_words,
    corpus_common_words,
    is_handle,
    people_of,
    protect_table,
)

HANDLES = ["Never_Stop_Smiling", "One_Quit_6653", "Sorry-Lucky", "You_Let_Go"]
AUTHORS = [*HANDLES, "Amara Okonkwo"]
R = Redactor(names=AUTHORS)

ORDINARY = [
    "I should never hit her",
    "let me know",
    "Let me know if the shelter has room.",
    "NEVER again. One day the law will change.",
    "One more thing: you can quit the group any time.",
    "Sorry, I'm late. We were lucky to get the funding.",
    "Keep smiling, never stop. You let go of nothing.",
    "I will never stop smiling",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_common_words_of_handles_stay(text: str) -> None:
    assert R.redact(text) == text


@pytest.mark.parametrize(
    "text,expected",
    [
        ("One_Quit_6653 said", "[HANDLE] said"),
        ("@One_Quit_6653 said", "[HANDLE] said"),
        ("one_quit_6653 said", "[HANDLE] said"),
        ("one quit 6653 said", "[HANDLE] said"),
        ("One-Quit-6653 said", "[HANDLE] said"),
        ("OneQuit6653 said", "[HANDLE] said"),
        ("Thanks @Never_Stop_Smiling!", "Thanks [HANDLE]!"),
        ("Never Stop Smiling wrote this", "[HANDLE] wrote this"),
        ("Sorry-Lucky wrote", "[HANDLE] wrote"),
        ("as Sorry Lucky wrote", "as [HANDLE] wrote"),
    ],
)
def test_a_handle_is_redacted_whole(text: str, expected: str) -> None:
    assert R.redact(text) == expected


@pytest.mark.parametrize(
    "text,gone",
    [
        ("Amara Okonkwo shared the protocol", "Amara"),
        ("Thanks Amara, it helped", "Amara"),
        ("as Okonkwo's team found", "Okonkwo"),
        ("AMARA OKONKWO wrote", "OKONKWO"),
        ("thanks to amara okonkwo", "okonkwo"),
    ],
)
def test_real_names_still_go(text: str, gone: str) -> None:
    out = R.redact(text)
    assert "[NAME]" in out and gone not in out


def test_issue_reproduction_no_word_replaced_in_a_thread() -> None:
    """The audit's case: ordinary posts by these authors lose no word to redaction."""
    posts = ORDINARY * 50
    df = pd.DataFrame({"text": posts, "author": (AUTHORS * 100)[: len(posts)]})
    prot = protect_table(df, ["text"], key=b"k")
    assert prot.table["text"].tolist() == posts
    assert sum(prot.redactions.values()) == 0


def test_is_handle() -> None:
    assert all(is_handle(h) for h in [*HANDLES, "@amina", "amina.k", "NeverStopSmiling"])
    assert not any(is_handle(n) for n in ["Amara Okonkwo", "Amina", "Jean Pierre Dupont", ""])


def test_name_parts_that_are_common_words_of_the_post_language() -> None:
    r = Redactor(names=["Ella Fitzgerald", "Hope Banda"])
    # "ella" is a Spanish word: in a Spanish post it stays, in an English one it is a name
    assert r.redact("Ella dijo que el refugio está lleno", lang="es").startswith("Ella ")
    assert r.redact("Ella said the shelter is full", lang="en").startswith("[NAME] ")
    assert r.redact("Banda said there is hope") == "[NAME] said there is hope"
    assert r.redact("Hope Banda said") == "[NAME] said"


def test_corpus_frequency_decides_common_words() -> None:
    texts = [
        "we were lucky to get funding this year",
        "she was lucky that the shelter had a bed",
        "the lucky ones found help; others did not",
        "Write to lucky.banda@example.org or visit /in/lucky-banda",
        "Thank you Lucky Banda for the training",
    ]
    assert common_words(texts, ["lucky", "banda"]) == frozenset({"lucky"})
    # names written in lower case only inside addresses are not common words
    addr = ["mail amara.okonkwo@example.org"] * 5 + ["see linkedin.com/in/amara-okonkwo"] * 5
    assert common_words(addr, ["amara", "okonkwo"]) == frozenset()
    df = pd.DataFrame({"text": texts, "author": ["Lucky Banda"] * 5})
    common = corpus_common_words(df, ["text"], people_of(df))
    r = Redactor(names=["Lucky Banda"], common=common)
    assert r.redact("She was Lucky, said Banda") == "She was Lucky, said [NAME]"
    assert r.redact("Lucky Banda spoke") == "[NAME] spoke"


def test_blocks_redact_like_the_whole_table() -> None:
    """With `common` from the whole table, block-by-block protection (Dask) gives the same."""
    texts = ["we were lucky again", "so lucky to have you", "the lucky few", "Lucky said hi"] * 3
    df = pd.DataFrame({"text": texts, "author": ["Lucky Banda"] * len(texts)})
    whole = protect_table(df, ["text"], key=b"k").table
    common = corpus_common_words(df, ["text"], people_of(df))
    parts = [
        protect_table(df.iloc[i : i + 2], ["text"], key=b"k", common=common).table
        for i in range(0, len(df), 2)
    ]
    assert pd.concat(parts)["text"].tolist() == whole["text"].tolist()


def test_protect_table_uses_each_post_language() -> None:
    df = pd.DataFrame(
        {
            "text": ["Ella dijo que el refugio está lleno", "Ella said the shelter is full"],
            "language": ["es", "en"],
            "author": ["Ella Fitzgerald", "Someone Else"],
        }
    )
    out = protect_table(df, ["text"], key=b"k").table["text"].tolist()
    assert out == ["Ella dijo que el refugio está lleno", "[NAME] said the shelter is full"]


def test_one_word_handles() -> None:
    """@love is matched with its @ only ("I love you" stays); @amina is also a name."""
    r = Redactor(names=["@love", "@amina"])
    assert r.redact("I love you, said the mother") == "I love you, said the mother"
    assert r.redact("thanks @love!") == "thanks [HANDLE]!"
    assert r.redact("Thanks Amina") == "Thanks [NAME]"
