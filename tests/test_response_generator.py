"""Responses are filled with city facts and sent in the resident's language, or in both, French first."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain

from pointe_claire.city_facts import load_city_facts
from pointe_claire.names import BILINGUAL_PARTS_KEY
from pointe_claire.nlg import BilingualFactsNLG

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def nlg() -> BilingualFactsNLG:
    return BilingualFactsNLG(domain=Domain.load(str(ROOT / "domain.yml")), facts=load_city_facts())


def test_known_language_gets_only_that_variant_with_facts_filled_in(nlg: BilingualFactsNLG):
    reply = nlg.render("utter_media_contact", {"language": "en"}, "rest")
    assert reply is not None
    assert "communications@pointe-claire.ca" in reply["text"] and "514-630-1200" in reply["text"]
    assert "{" not in reply["text"] and "Les journalistes" not in reply["text"]


def test_unknown_language_gets_french_then_english(nlg: BilingualFactsNLG):
    reply = nlg.render("utter_greet", {"language": None}, "rest")
    assert reply is not None
    french, english = reply["text"].split("\n\n")
    assert french.startswith("Bonjour") and english.startswith("Hello")


def test_both_languages_reach_channels_as_separate_parts_french_first(nlg: BilingualFactsNLG):
    reply = nlg.render("utter_media_contact", {"language": None}, "rest")
    assert reply is not None
    parts = reply[BILINGUAL_PARTS_KEY]
    assert list(parts) == ["fr", "en"]
    assert parts["fr"].startswith("Les journalistes") and "communications@pointe-claire.ca" in parts["en"]
    assert "Les journalistes" not in parts["en"] and reply["text"] == parts["fr"] + "\n\n" + parts["en"]
    known = nlg.render("utter_media_contact", {"language": "en"}, "rest")
    assert known is not None and BILINGUAL_PARTS_KEY not in known


def test_a_response_written_in_both_languages_is_not_doubled(nlg: BilingualFactsNLG):
    reply = nlg.render("utter_other_language", {"language": "fr"}, "rest")
    assert reply is not None
    assert reply["text"].count("Pointe-Claire") == 2


def test_variables_from_an_action_fill_the_template(nlg: BilingualFactsNLG):
    reply = nlg.render("utter_response_time", {"language": "fr"}, "rest", follow_up_fr="demain", follow_up_en="x")
    assert reply is not None and "lire votre message demain" in reply["text"]


def test_a_follow_up_ending_with_a_m_is_not_followed_by_a_second_period(nlg: BilingualFactsNLG):
    follow_up = "tomorrow, Monday, December 7, from 8:30 a.m."
    reply = nlg.render("utter_response_time", {"language": "en"}, "rest", follow_up_fr="x", follow_up_en=follow_up)
    assert reply is not None and f"{follow_up} Municipal emergency" in reply["text"] and "a.m.." not in reply["text"]


def test_every_response_renders_in_both_languages_without_leftover_placeholders(nlg: BilingualFactsNLG):
    domain = Domain.load(str(ROOT / "domain.yml"))
    for name in domain.responses:
        for language in ("fr", "en"):
            reply = nlg.render(name, {"language": language}, "rest", follow_up_fr="x", follow_up_en="x")
            assert reply is not None, name
            assert "{" not in reply["text"] and "None" not in reply["text"], (name, reply["text"])
