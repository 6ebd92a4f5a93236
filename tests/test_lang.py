"""Language detection offline: the four hub languages, other scripts, short texts undetermined."""

from __future__ import annotations

import pandas as pd
import pytest

from kmsynth.protect.languages import (
    UNDETERMINED,
    detect_languages,
    fill_languages,
    normalise_language,
)

SENTENCES = {
    "en": "The school programme taught respectful relationships to pupils in every district.",
    "es": "Gracias por compartir esta experiencia con nosotras; los refugios siguen llenos.",
    "fr": "Les associations de femmes ont formé les policiers à l'accueil des survivantes.",
    "pt": "Obrigada pelo apoio de todas as organizações parceiras na rede de proteção.",
}


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_hub_languages_detected(lang: str) -> None:
    assert detect_languages([SENTENCES[lang]]) == [lang]


def test_batch_keeps_order_and_other_scripts() -> None:
    texts = [
        SENTENCES["pt"],
        "نحن ندعم الناجيات من العنف في كل مكان وفي كل وقت",
        SENTENCES["en"],
        SENTENCES["fr"],
        SENTENCES["es"],
    ]
    assert detect_languages(pd.Series(texts)) == ["pt", "ar", "en", "fr", "es"]


@pytest.mark.parametrize(
    "text", ["", "   ", "Thanks a lot!", "ok 🙏", "🙏🙏❤️", "12345 67890 2024", "+1", "Merci à tous"]
)
def test_short_or_wordless_text_is_undetermined(text: str) -> None:
    assert detect_languages([text]) == [UNDETERMINED]


def test_only_the_opening_counts_and_long_texts_are_fine() -> None:
    long_text = SENTENCES["es"] + " " + "palabra " * 100_000
    assert detect_languages([long_text]) == ["es"]


def test_detection_is_deterministic() -> None:
    texts = list(SENTENCES.values()) * 3
    assert detect_languages(texts) == detect_languages(texts)


@pytest.mark.parametrize(
    "value,code",
    [
        ("English", "en"),
        ("EN", "en"),
        ("en-GB", "en"),
        ("Español", "es"),
        ("espanol", "es"),
        ("pt_BR", "pt"),
        ("Français", "fr"),
        ("Portuguese", "pt"),
        ("", ""),
    ],
)
def test_normalise_language(value: str, code: str) -> None:
    assert normalise_language(value) == code


def test_fill_languages_keeps_given_values_and_detects_the_rest() -> None:
    df = pd.DataFrame(
        {"text": [SENTENCES["fr"], SENTENCES["en"], "ok"], "language": ["Spanish", "", ""]}
    )
    out = fill_languages(df)
    assert out["language"].tolist() == ["es", "en", UNDETERMINED]  # the export's word wins
    assert df["language"].tolist() == ["Spanish", "", ""]  # input untouched
    no_col = fill_languages(df.drop(columns=["language"]))
    assert no_col["language"].tolist() == ["fr", "en", UNDETERMINED]


NEIGHBOURS = {
    "it": "Abbiamo imparato che i centri antiviolenza hanno bisogno di finanziamenti stabili per "
    "mantenere il personale.",
    "ca": "Hem après que les cases d'acollida necessiten un finançament estable per mantenir el "
    "personal i que això és molt important.",
    "ro": "Am învățat că adăposturile au nevoie de finanțare stabilă pentru a păstra personalul "
    "și că acest lucru este important.",
    "de": "Wir haben gelernt, dass die Frauenhäuser eine stabile Finanzierung brauchen, um das "
    "Personal zu halten.",
    "nl": "We hebben geleerd dat de opvanghuizen stabiele financiering nodig hebben om het "
    "personeel te houden.",
}


@pytest.mark.parametrize("lang", sorted(NEIGHBOURS))
def test_neighbour_languages_are_left_to_the_model(lang: str) -> None:
    from kmsynth.protect.languages import _WORDS_RE, _quick_language

    assert _quick_language(_WORDS_RE.findall(NEIGHBOURS[lang].lower())) is None
    assert detect_languages([NEIGHBOURS[lang]]) == [lang]


def test_quick_path_decides_clear_hub_texts_only() -> None:
    from kmsynth.protect.languages import _WORDS_RE, _quick_language

    def quick(t: str):
        return _quick_language(_WORDS_RE.findall(t.lower()))

    for lang, text in SENTENCES.items():
        assert quick(text + " " + text) in (lang, None)
    assert (
        quick("We learned that the shelters in the district need stable funding for their staff.")
        == "en"
    )
    mixed = (
        "We met the ministry and the police last week; luego hablamos con la fiscalía sobre "
        "el caso y las medidas para las sobrevivientes."
    )
    assert quick(mixed) is None  # English and Spanish together: the model decides
    assert quick("In article <1r76ek$7uo@fido.asd.sgi.com> e a o de que") in (
        None,
        "pt",
    )  # raw call
    header = (
        "In article <1r76ek$7uo@fido.asd.sgi.com> livesey@solntze.wpd.sgi.com "
        "(Jon Livesey) writes: the point is that we have been over this before."
    )
    assert detect_languages([header]) == ["en"]
