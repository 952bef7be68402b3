"""How one Messenger `messaging` item is read: what the resident did, shaped as Meta's Messenger Platform
documentation gives the webhook events (message, sticker, attachments, location, quick reply, postback), and the
texts the connector answers with."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from pointe_claire.channels.messenger_events import (
    ATTACHMENT,
    GET_STARTED,
    LIKE,
    LOCATION,
    TEXT,
    MessengerEvent,
    read_event,
)
from pointe_claire.channels.public_reply import DEFAULT_TEXTS_PATH, default_texts
from pointe_claire.city_facts import LANGUAGES, cached_city_facts, contacts_in_text

PSID = "7263549812345678"


def item(**event: Any) -> dict[str, Any]:
    return {"sender": {"id": PSID}, "recipient": {"id": "108204651234567"}, "timestamp": 1767225600000, **event}


def image(url: str = "https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg") -> dict[str, Any]:
    return {"type": "image", "payload": {"url": url}}


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"message": {"mid": "m_1", "text": "Bonjour"}}, (TEXT, "Bonjour", "m_1")),
        (
            {"message": {"mid": "m_2", "text": "Heures", "quick_reply": {"payload": "ASK_HOURS"}}},
            (TEXT, "Heures", "m_2"),
        ),
        (
            {"message": {"mid": "m_3", "sticker_id": 369239263222822, "attachments": [image()]}},
            (LIKE, "[like]", "m_3"),
        ),
        (
            {"message": {"mid": "m_4", "attachments": [{"type": "image", "payload": {"sticker_id": 369239383222810}}]}},
            (LIKE, "[like]", "m_4"),
        ),
        ({"message": {"mid": "m_5", "sticker_id": 126361870881943}}, (ATTACHMENT, "[attachment: sticker]", "m_5")),
        (
            {"message": {"mid": "m_6", "attachments": [image(), {"type": "video", "payload": {"url": "v"}}]}},
            (ATTACHMENT, "[attachment: image, video]", "m_6"),
        ),
        (
            {"message": {"mid": "m_7", "attachments": [{"type": "audio"}, {"type": "file"}]}},
            (ATTACHMENT, "[attachment: audio, file]", "m_7"),
        ),
        (
            {
                "message": {
                    "mid": "m_8",
                    "attachments": [{"type": "location", "payload": {"coordinates": {"lat": 45.4}}}],
                }
            },
            (LOCATION, "[location]", "m_8"),
        ),
        (
            {"postback": {"mid": "m_9", "title": "Get Started", "payload": "GET_STARTED"}},
            (GET_STARTED, "[get started]", "m_9"),
        ),
        (
            {"postback": {"title": "Quelles sont les heures d'ouverture?", "payload": "ICE_BREAKER_HOURS"}},
            (TEXT, "Quelles sont les heures d'ouverture?", None),
        ),
        ({"postback": {"payload": "What are the office hours?"}}, (TEXT, "What are the office hours?", None)),
    ],
)
def test_what_the_resident_did_is_read_from_the_event(event: dict[str, Any], expected: tuple[str, str, str]) -> None:
    kind, text, mid = expected
    assert read_event(item(**event)) == MessengerEvent(PSID, kind, text, mid)  # type: ignore[arg-type]


def test_an_attachment_is_kept_without_its_address() -> None:
    event = read_event(item(message={"mid": "m_1", "attachments": [image("https://cdn.example/secret-photo.jpg")]}))
    assert event is not None and "secret-photo" not in event.text


@pytest.mark.parametrize(
    "event",
    [
        {"message": {"mid": "m_1", "text": "Réponse de la Page", "is_echo": True}},
        {"message": {"mid": "m_1"}},
        {"message": {"mid": "m_1", "text": "   "}},
        {"message": {"text": 5}},
        {"message": {"attachments": "x"}},
        {"postback": {"payload": ""}},
        {"postback": 3},
        {"delivery": {"mids": ["m_1"], "watermark": 1767225600000}},
        {"read": {"watermark": 1767225600000}},
        {"reaction": {"mid": "m_1", "action": "react", "emoji": "👍", "reaction": "like"}},
    ],
)
def test_events_with_nothing_to_answer_are_left_out(event: dict[str, Any]) -> None:
    assert read_event(item(**event)) is None


def test_an_event_without_a_sender_is_left_out() -> None:
    assert read_event({"message": {"text": "no one to answer"}}) is None
    assert read_event({"sender": {"id": 5}, "message": {"text": "not an id"}}) is None


def test_the_answers_state_facts_only_through_city_facts() -> None:
    raw = yaml.safe_load(DEFAULT_TEXTS_PATH.read_text(encoding="utf-8"))
    texts = default_texts()
    for key in ("thanks_for_like", "attachment_not_opened", "location_received"):
        for language in LANGUAGES:
            assert contacts_in_text(raw[key][language]) == set(), (key, language)  # written once, in city_facts.yml
            assert contacts_in_text(getattr(texts, key)[language]) <= cached_city_facts().stated_contacts()
