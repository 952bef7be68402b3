"""Language identification: French (Québec too), English, another language, or not sure."""

from __future__ import annotations

import pytest

from pointe_claire.language import LinguaIdentifier
from tests.language_samples import OFFICIAL_WITH_TYPOS, OTHER_LANGUAGES

IDENTIFIER = LinguaIdentifier()


@pytest.mark.parametrize(
    "text",
    [
        "allo c'tu ouvert la piscine municipale",
        "ya pus d'eau chez nous depuis a matin",
        "la rue est inondee",
        "Bonjour, j'aimerais savoir quand passent les vidanges",
        "mon pere respire pus",
        "Bonjour",
        "oui madame",
    ],
)
def test_quebec_french_with_or_without_accents_is_french(text: str):
    assert IDENTIFIER.identify(text).language == "fr"


@pytest.mark.parametrize(
    "text",
    [
        "Why did you delete my comment??",
        "pothole on Donegani pls fix asap",
        "There's water everywhere on Cedar",
        "water main break on boulevard Saint-Jean near Stewart Hall",
        "thank you",
        "thanks guys",
        "farewell",
        "heyyy",
        "@user @user Yes sir!",
        "nope",
    ],
)
def test_english_with_french_place_names_or_few_words_is_english(text: str):
    assert IDENTIFIER.identify(text).language == "en"


@pytest.mark.parametrize("text", ["on se calmmmmmm", "c'est fouuuuu", "la rue est inondéeeeee svp"])
def test_french_with_drawn_out_letters_is_never_taken_for_english(text: str):
    """Lingua read "on se calmmmmmm" as English (0.70): a French resident got an English reply."""
    assert IDENTIFIER.identify(text).language in {"fr", None}


@pytest.mark.parametrize("text", ["ok", "merci", "lol", "ok merci", "merci bcp", "👍", "", "   ", "bye"])
def test_short_messages_used_in_both_languages_are_not_decided(text: str):
    assert IDENTIFIER.identify(text).language is None


@pytest.mark.parametrize(
    "text",
    [
        "hola necesito ayuda con mi basura",
        "Guten Tag, wann ist das Rathaus offen?",
        "你好，我需要帮助",
        "مرحبا أحتاج مساعدة",
    ],
)
def test_other_languages_are_recognised(text: str):
    assert IDENTIFIER.identify(text).language == "other"


@pytest.mark.parametrize("text", ["gotta go, bye", "guy with a gun outside the dépanneur on Sources"])
def test_english_is_never_taken_for_another_language(text: str):
    assert IDENTIFIER.identify(text).language != "other"


@pytest.mark.parametrize(
    "text", [text for texts in OTHER_LANGUAGES.values() for text in texts], ids=lambda text: text[:30]
)
def test_questions_in_spanish_portuguese_german_and_italian_are_other_languages(text: str):
    # Close languages split the vote ("¿A qué hora abre la biblioteca?": 0.47 Spanish, 0.37 Portuguese).
    assert IDENTIFIER.identify(text).language == "other"


@pytest.mark.parametrize(
    ("language", "text"), [(language, text) for language, texts in OFFICIAL_WITH_TYPOS.items() for text in texts]
)
def test_french_and_english_with_typos_no_accents_or_quebec_words_keep_their_language(language: str, text: str):
    assert IDENTIFIER.identify(text).language == language
