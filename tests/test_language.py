"""Language identification: French (Québec too), English, another language, or not sure."""

from __future__ import annotations

import pytest

from pointe_claire.language import LinguaIdentifier

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
    ],
)
def test_english_with_french_place_names_or_few_words_is_english(text: str):
    assert IDENTIFIER.identify(text).language == "en"


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
