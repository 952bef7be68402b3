"""What the City says in public on X: every answer of domain.yml fits one post, keeps its emergency numbers and is
never taken for personal information; a resident's personal information moves the answer to a direct message.
Also how webhook payloads are read (own posts, bots, retweets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.domain import Domain

from pointe_claire.channels.public_reply import (
    POST_LIMIT,
    default_texts,
    plan_public_answer,
    shorten_for_post,
    weighted_length,
)
from pointe_claire.channels.x_events import messages_to_answer
from pointe_claire.city_facts import EMAIL_PATTERN, PHONE_PATTERN, PROJECT_ROOT, URL_PATTERN, contacts_in_text
from pointe_claire.names import BILINGUAL_PARTS_KEY
from pointe_claire.nlg import BilingualFactsNLG

CITY = "1319735427419152385"
NLG = BilingualFactsNLG(domain=Domain.load(str(PROJECT_ROOT / "domain.yml")))
RESPONSES = sorted(NLG.responses)
EMERGENCY_NUMBERS = {
    "utter_call_911": ["9-1-1", "514-630-1234"],
    "utter_municipal_emergency": ["514-630-1234", "9-1-1"],
}


def _rendered(name: str, language: str | None) -> dict[str, Any]:
    rendered = NLG.render(name, {"language": language}, "x", follow_up_fr="lundi", follow_up_en="on Monday")
    assert rendered is not None
    return rendered


def _answer(name: str, language: str | None) -> str:
    return str(_rendered(name, language)["text"])


def test_urls_count_23_and_emoji_2_as_x_counts_them() -> None:
    assert weighted_length("Details: https://www.pointe-claire.ca/en/city/search-by-address/") == 9 + 23
    assert weighted_length("🚨 call 9-1-1") == 2 + 11
    assert weighted_length("é" * 280) == 280


@pytest.mark.parametrize("language", ["fr", "en", None])
@pytest.mark.parametrize("name", RESPONSES)
def test_every_answer_fits_public_posts_and_keeps_its_emergency_numbers(name: str, language: str | None) -> None:
    rendered = _rendered(name, language)
    full = str(rendered["text"])
    plan = plan_public_answer("question", [full], [name], language, parts=rendered.get(BILINGUAL_PARTS_KEY))
    if name in default_texts().direct_message_responses:
        assert plan.direct == full
        return
    assert plan.direct is None, f"{name} taken for personal information: {full}"
    assert len(plan.public) == (2 if language is None and weighted_length(full) > POST_LIMIT else 1)
    for post in plan.public:
        assert weighted_length(post) <= POST_LIMIT
        for number in EMERGENCY_NUMBERS.get(name, []):
            assert number in post, post


@pytest.mark.parametrize("split", [False, True])
def test_an_answer_in_both_languages_too_long_for_one_post_becomes_french_then_english(split: bool) -> None:
    rendered = _rendered("utter_municipal_emergency", None)
    answer, parts = str(rendered["text"]), rendered[BILINGUAL_PARTS_KEY]
    # Rasa's collecting output channel hands each paragraph over as a message of its own.
    plan = plan_public_answer("allo", answer.split("\n\n") if split else [answer], [], None, parts=parts)
    french, english = plan.public
    assert "urgence municipale" in french and "Détails" in french and "emergency" not in french
    assert english == _answer("utter_municipal_emergency", "en")  # it fits whole


def test_a_shortened_answer_keeps_whole_sentences_and_the_app_name() -> None:
    full = _answer("utter_complaint_channels", "en")
    short = shorten_for_post(full, "Details: https://www.pointe-claire.ca/en/")
    assert weighted_length(short) <= POST_LIMIT < weighted_length(full)
    assert "Voilà! Signalement mobile app" in short and short.count("https://") == 1
    assert short.startswith("So that your request or complaint is handled")


def _first_contact(text: str) -> set[str]:
    found = [m for pattern in (PHONE_PATTERN, EMAIL_PATTERN, URL_PATTERN) for m in pattern.finditer(text)]
    return contacts_in_text(min(found, key=lambda match: match.start()).group()) if found else set()


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("name", [name for name in RESPONSES if _first_contact(_answer(name, "en"))])
def test_a_shortened_answer_keeps_the_number_or_link_it_is_for(name: str, language: str) -> None:
    full = _answer(name, language)
    short = shorten_for_post(full, default_texts().more[language])
    assert weighted_length(short) <= POST_LIMIT
    assert _first_contact(full) <= contacts_in_text(short), short


def test_a_shortened_emergency_answer_keeps_both_emergency_numbers_however_long_it_is() -> None:
    crews = "Crews are on their way and the street is closed between Maple and Cartier, so please stay back; "
    text = "🚨 " + crews * 3 + "if anyone is in danger, call 9-1-1, and for the water main, 514-630-1234."
    short = shorten_for_post(text, default_texts().more["en"], emergency=True)
    assert weighted_length(short) <= POST_LIMIT < weighted_length(text)
    assert "9-1-1" in short and "514-630-1234" in short, short


def test_a_long_first_sentence_is_cut_on_a_word_with_an_ellipsis() -> None:
    short = shorten_for_post("word " * 100 + "end.", "Details: https://example.org/")
    assert weighted_length(short) <= POST_LIMIT and "…" in short and short.endswith("https://example.org/")


@pytest.mark.parametrize(
    ("resident", "language", "notice"),
    [
        ("please call me at 514-555-0187", "en", "direct message"),
        ("j'habite au 12, rue Maple, le trou est devant", "fr", "message privé"),
        ("écrivez-moi à jean.tremblay@example.com", "fr", "message privé"),
    ],
)
def test_personal_information_moves_the_answer_to_a_direct_message(resident: str, language: str, notice: str) -> None:
    full = _answer("utter_complaint_channels", language)
    plan = plan_public_answer(resident, [full], ["utter_complaint_channels"], language)
    assert plan.public == (default_texts().moved_to_direct_message[language],) and notice in plan.public[0]
    assert plan.direct == full
    assert not any(part in plan.public[0] for part in ("555", "Maple", "example.com"))


@pytest.mark.parametrize(("language", "words"), [("fr", ["composez"]), ("en", ["call"]), (None, ["composez", "call"])])
def test_an_emergency_with_personal_information_gives_the_emergency_numbers_in_public(
    language: str | None, words: list[str]
) -> None:
    full = _answer("utter_municipal_emergency", language)
    resident = "water main break in front of 12 Maple Street"
    plan = plan_public_answer(resident, [full], ["utter_municipal_emergency"], language, emergency=True)
    assert plan.direct == full
    for posts in (plan.public, plan.if_direct_refused):
        assert len(posts) == len(words)  # French then English while the language is not known
        for post, word in zip(posts, words, strict=True):
            assert "9-1-1" in post and "514-630-1234" in post and "Maple" not in post
            assert weighted_length(post) <= POST_LIMIT and word in post
    assert all("514-630-1200" in post for post in plan.if_direct_refused)


def test_an_answer_that_would_repeat_personal_information_goes_by_direct_message() -> None:
    plan = plan_public_answer("hello", ["We noted your number 514-555-0187."], ["utter_x"], "en")
    assert "555" not in plan.public[0] and plan.direct == "We noted your number 514-555-0187."


def _dm(event_id: str, sender: str, text: str = "allo") -> dict:
    return {
        "type": "message_create",
        "id": event_id,
        "message_create": {"sender_id": sender, "target": {"recipient_id": CITY}, "message_data": {"text": text}},
    }


def _tweet(tweet_id: str, author: str, text: str, mentions_city: bool = True, **extra: object) -> dict:
    mentions = [{"id_str": CITY, "screen_name": "VillePointeClaire"}] if mentions_city else []
    return {
        "id_str": tweet_id,
        "text": text,
        "user": {"id_str": author},
        "entities": {"user_mentions": mentions},
        **extra,
    }


def test_only_residents_messages_addressed_to_the_city_are_answered() -> None:
    payload = {
        "for_user_id": CITY,
        "direct_message_events": [_dm("1", "42"), _dm("2", CITY), _dm("3", "666"), {"type": "message_create"}],
        "tweet_create_events": [
            _tweet("10", "42", "@VillePointeClaire @someone  nid-de-poule rue Maple"),
            _tweet("11", CITY, "@VillePointeClaire merci!"),
            _tweet("12", "43", "RT @VillePointeClaire: collectes", retweeted_status={"id_str": "9"}),
            _tweet("13", "44", "talking about the weather", mentions_city=False),
            _tweet("14", "45", "yes please", mentions_city=False, in_reply_to_user_id_str=CITY),
            "not an object",
        ],
    }
    found = messages_to_answer(payload, CITY, frozenset({"666"}))
    assert [(m.event_id, m.conversation_id, m.text) for m in found] == [
        ("1", "x:dm:42", "allo"),
        ("10", "x:public:42", "nid-de-poule rue Maple"),
        ("14", "x:public:45", "yes please"),
    ]
    assert messages_to_answer({**payload, "for_user_id": "999"}, CITY, frozenset()) == []
    assert messages_to_answer(["not", "a", "payload"], CITY, frozenset()) == []


def test_channel_texts_exist_in_both_languages(tmp_path: Path) -> None:
    texts = default_texts()
    assert texts.moved_to_direct_message["fr"] != texts.moved_to_direct_message["en"]
    broken = tmp_path / "texts.yml"
    broken.write_text("moved_to_direct_message: {fr: 'Message privé.'}\nmore_by_phone_or_web: {fr: a, en: b}\n")
    with pytest.raises(ValueError, match="moved_to_direct_message.*en"):
        type(texts).load(broken)


def test_responses_listed_for_direct_messages_exist_in_the_domain() -> None:
    assert default_texts().direct_message_responses <= set(RESPONSES)
