"""Facebook Messenger through the real Rasa server, model and action server, against a stand-in Graph API on
localhost. Deliveries are signed with the app secret (`X-Hub-Signature`), as Meta signs them."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
import urllib.parse
import urllib.request
import uuid
from typing import Any

import pytest
import redis
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from pointe_claire.channels.facebook import (
    MESSENGER_TEXT_LIMIT,
    FacebookMessengerInput,
    _GraphBot,
    _Messenger,
    messenger_messages,
)
from pointe_claire.channels.public_reply import default_texts
from pointe_claire.channels.reply_guard import GuardedTurns
from pointe_claire.city_facts import cached_city_facts
from pointe_claire.lock_store import KEY_PREFIX_VARIABLE, REDIS_URL_VARIABLE
from scripts.servers import Assistant, free_port, http
from tests.channels.conftest import post_to_facebook, stored_conversations_mentioning, stored_user_events
from tests.channels.standins import FACEBOOK_KEYS, StandInApi

APP_SECRET = FACEBOOK_KEYS["FACEBOOK_APP_SECRET"]
PAGE_ID = "108204651234567"


def delivery(sender_id: str, text: str) -> dict[str, Any]:
    """A Messenger webhook delivery (object "page", one messaging event), as the Messenger Platform sends it."""
    return delivery_of(sender_id, message={"mid": f"m_{time.time_ns()}", "text": text})


def delivery_of(sender_id: str, **event: Any) -> dict[str, Any]:
    """A delivery of one messaging event of any kind (`message=...`, `postback=...`)."""
    now = int(time.time() * 1000)
    item = {"sender": {"id": sender_id}, "recipient": {"id": PAGE_ID}, "timestamp": now, **event}
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": [item]}]}


def post_delivery(assistant: Assistant, payload: dict[str, Any], secret: str | None = APP_SECRET) -> int:
    return post_to_facebook(assistant, payload, secret, method="sha1")


def _texts_to(graph_api: StandInApi, user_id: str) -> list[str]:
    return [
        r.body["message"]["text"]
        for r in graph_api.received(
            lambda r: isinstance(r.body, dict) and r.body.get("recipient", {}).get("id") == user_id
        )
        if "message" in r.body
    ]


def test_signed_french_emergency_gets_the_french_emergency_answer_through_the_graph_api(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    assert post_delivery(assistant, delivery(user_id, "Il y a un bris d'aqueduc devant chez moi!!")) == 200
    replies = _texts_to(graph_api, user_id)
    assert replies and "514-630-1234" in replies[0] and "urgence municipale" in replies[0]
    sent = graph_api.received(
        lambda r: isinstance(r.body, dict) and "message" in r.body and r.body.get("recipient") == {"id": user_id}
    )[-1]
    assert sent.path == "/v21.0/me/messages"
    assert sent.query["access_token"] == [FACEBOOK_KEYS["FACEBOOK_PAGE_ACCESS_TOKEN"]]
    assert sent.body["messaging_type"] == "RESPONSE"
    (stored,) = stored_user_events(assistant, f"facebook:{user_id}")
    assert stored["input_channel"] == "facebook"


def test_signed_english_question_gets_an_english_answer(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    assert post_delivery(assistant, delivery(user_id, "I'm a journalist, who handles media requests?")) == 200
    (reply,) = _texts_to(graph_api, user_id)
    assert "communications@pointe-claire.ca" in reply and "Journalists" in reply


def test_netiquette_applies_on_messenger_too(assistant: Assistant, graph_api: StandInApi, user_id: str) -> None:
    text = "Your snow removal crews are a bunch of useless idiots"
    assert post_delivery(assistant, delivery(user_id, text)) == 200
    assert any("respectful" in reply for reply in _texts_to(graph_api, user_id))
    (stored,) = stored_user_events(assistant, f"facebook:{user_id}")
    assert stored["parse_data"]["netiquette"]


def test_badly_signed_or_unsigned_deliveries_are_refused_and_nothing_is_stored(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    payload = delivery(user_id, "Bonjour, quelles sont les heures d'ouverture?")
    assert post_delivery(assistant, payload, secret="not-the-app-secret") == 403
    assert post_delivery(assistant, payload, secret=None) == 403
    status, _ = http(
        "POST",
        f"{assistant.base_url}/webhooks/facebook/webhook",
        json.dumps(payload).encode(),
        {"X-Hub-Signature": "md5=abc"},
    )
    assert status == 403
    assert _texts_to(graph_api, user_id) == []
    assert stored_conversations_mentioning(assistant, user_id) == []


def test_meta_verification_challenge(assistant: Assistant) -> None:
    url = f"{assistant.base_url}/webhooks/facebook/webhook?hub.mode=subscribe&hub.challenge=1158201444"
    status, body = http("GET", f"{url}&hub.verify_token={FACEBOOK_KEYS['FACEBOOK_VERIFY_TOKEN']}")
    assert (status, body) == (200, b"1158201444")
    status, _ = http("GET", f"{url}&hub.verify_token=wrong")
    assert status == 403


def test_an_unreachable_graph_api_is_logged_without_the_page_token(caplog: pytest.LogCaptureFixture) -> None:
    from fbmessenger import MessengerClient
    from fbmessenger.elements import Text

    token = "secret-page-token-123"
    client = MessengerClient(token, api_version=21.0)
    client.graph_url = f"http://127.0.0.1:{free_port()}/v21.0"  # nothing listens there
    bot = _GraphBot(client)
    with caplog.at_level(logging.DEBUG, logger="pointe_claire.channels.facebook"):
        bot.send("1234", Text(text="Bonjour"))
    assert bot.delivered == 0
    assert "could not be sent" in caplog.text and "ConnectionError" in caplog.text
    assert token not in caplog.text
    assert all(record.exc_info is None for record in caplog.records)  # no traceback with the URL in it


def test_a_graph_api_error_answer_is_a_failure_logged_without_the_token(caplog: pytest.LogCaptureFixture) -> None:
    class RefusingClient:
        def send(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            return {"error": {"message": "Invalid OAuth access_token=abc123 (#190)", "code": 190, "type": "OAuth"}}

    bot = _GraphBot(RefusingClient())
    with caplog.at_level(logging.ERROR, logger="pointe_claire.channels.facebook"):
        bot.send("1234", type("Element", (), {"to_dict": lambda self: {"text": "x"}})())
    assert bot.delivered == 0  # so the emergency fallback is still tried
    assert "code 190" in caplog.text and "abc123" not in caplog.text


def test_signed_but_oddly_shaped_deliveries_are_not_a_500(assistant: Assistant, user_id: str) -> None:
    sender = {"sender": {"id": user_id}, "recipient": {"id": PAGE_ID}}
    for payload in (
        {"entry": [5]},
        {"entry": "ab"},
        {"entry": [{"messaging": "ab"}]},
        {"messaging": [{"message": "hi"}]},
        {"entry": [{"messaging": [{**sender, "message": "hi"}]}]},
        {"entry": [{"messaging": [{**sender, "message": {"text": 5}}]}]},
        {"entry": [{"messaging": [{**sender, "message": {"text": ["a"]}}, {"message": {"text": "no sender"}}]}]},
        {"entry": [{"messaging": [{**sender, "message": {"attachments": "x"}}, {**sender, "postback": 3}]}]},
    ):
        assert post_delivery(assistant, payload) == 200, payload
    assert stored_conversations_mentioning(assistant, user_id) == []


def stored_turns(assistant: Assistant, conversation_id: str) -> list[tuple[str, str]]:
    """The resident's messages and the assistant's answers, in order, as the tracker store holds them."""
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? AND type_name IN ('user', 'bot') ORDER BY id",
            (conversation_id,),
        ).fetchall()
    return [(kind, json.loads(data).get("text") or "") for kind, data in rows]


FRENCH_QUESTION = "Bonjour, quelles sont les heures d'ouverture de l'hôtel de ville?"
ENGLISH_QUESTION = "Hello, what are the City Hall office hours?"
STICKER_URL = "https://scontent.xx.fbcdn.net/v/t39.1997-6/851557_369239266556155_759568595_n.png"
# What Messenger's like button sends: the small thumbs-up sticker.
LIKE_STICKER = {
    "sticker_id": 369239263222822,
    "attachments": [{"type": "image", "payload": {"url": STICKER_URL, "sticker_id": 369239263222822}}],
}


def _mid() -> str:
    return f"m_{time.time_ns()}"


def test_the_rest_channel_cannot_write_into_a_messenger_conversation(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    assert post_delivery(assistant, delivery(user_id, FRENCH_QUESTION)) == 200
    (conversation,) = stored_conversations_mentioning(assistant, user_id)
    before = stored_turns(assistant, conversation)
    # Someone who learnt the resident's page-scoped id tries to switch the conversation to English and open a handoff.
    for sender in (conversation, user_id):
        assistant.post_raw(json.dumps({"sender": sender, "message": "I want to talk to a person"}).encode())
    answered, content = assistant.post_raw(json.dumps({"sender": conversation, "message": "hello"}).encode())
    assert answered == 400 and "facebook:" in json.loads(content)["error"]
    assert conversation == f"facebook:{user_id}"
    assert stored_turns(assistant, conversation) == before
    assert post_delivery(assistant, delivery_of(user_id, message={"mid": _mid(), **LIKE_STICKER})) == 200
    assert _texts_to(graph_api, user_id)[-1] == default_texts().thanks_for_like["fr"]  # still a French conversation


def test_a_redelivered_message_is_answered_and_stored_once(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    payload = delivery(user_id, ENGLISH_QUESTION)
    assert post_delivery(assistant, payload) == 200
    answered = _texts_to(graph_api, user_id)
    assert answered and "514-630-1200" in answered[-1]
    assert post_delivery(assistant, payload) == 200  # Meta delivers it again (no 200 in time, it thought)
    assert _texts_to(graph_api, user_id) == answered
    assert [event["text"] for event in stored_user_events(assistant, f"facebook:{user_id}")] == [ENGLISH_QUESTION]
    assert (
        stored_user_events(assistant, f"facebook:{user_id}")[0]["message_id"]
        == payload["entry"][0]["messaging"][0]["message"]["mid"]
    )


def test_with_redis_a_message_delivered_to_two_instances_is_answered_by_one(
    graph_api: StandInApi, user_id: str, monkeypatch: pytest.MonkeyPatch, local_redis: tuple[redis.Redis, str]
) -> None:
    _, prefix = local_redis
    monkeypatch.setenv(REDIS_URL_VARIABLE, "redis://127.0.0.1:6379/0")
    monkeypatch.setenv(KEY_PREFIX_VARIABLE, prefix)
    handled: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        handled.append(message)

    payload = delivery(user_id, "Bonjour")
    for _ in range(2):  # two Rasa instances behind the load balancer, each with its connector
        instance = FacebookMessengerInput("verify", "secret", "token", graph_url=f"{graph_api.url}/v21.0")
        turns = GuardedTurns(on_new_message)
        turns.start(Sanic(f"instance_{uuid.uuid4().hex}"))  # no model: the guard only runs the turn
        messenger = _Messenger("token", on_new_message, instance.graph_url, turns, None, instance._seen)
        asyncio.run(messenger.handle(payload, None))
    assert [(m.sender_id, m.text) for m in handled] == [(f"facebook:{user_id}", "Bonjour")]


@pytest.mark.parametrize(
    ("first_message", "languages"),
    [(FRENCH_QUESTION, ["fr"]), (ENGLISH_QUESTION, ["en"]), (None, ["fr", "en"])],
)
def test_a_like_gets_a_thank_you_in_the_conversations_language(
    assistant: Assistant, graph_api: StandInApi, user_id: str, first_message: str | None, languages: list[str]
) -> None:
    if first_message:
        assert post_delivery(assistant, delivery(user_id, first_message)) == 200
    before = len(_texts_to(graph_api, user_id))
    assert post_delivery(assistant, delivery_of(user_id, message={"mid": _mid(), **LIKE_STICKER})) == 200
    thanks = [default_texts().thanks_for_like[language] for language in languages]
    assert _texts_to(graph_api, user_id)[before:] == ["\n\n".join(thanks)]  # one message, both languages in it
    assert stored_turns(assistant, f"facebook:{user_id}")[-2:] == [
        ("user", "[like]"),
        ("bot", "\n\n".join(thanks)),
    ]


def test_an_attachment_gets_the_cant_open_text_with_the_ways_to_make_a_request(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    photo = {"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/v/t1.15752-9/pothole-at-my-door.jpg"}}
    assert post_delivery(assistant, delivery_of(user_id, message={"mid": _mid(), "attachments": [photo]})) == 200
    (reply,) = _texts_to(graph_api, user_id)  # one Messenger message: French, then English
    french, english = reply.split("\n\n")
    facts = cached_city_facts().variables
    assert french.startswith("Nous ne pouvons pas ouvrir les pièces jointes") and english.startswith("We can't open")
    for text, language in ((french, "fr"), (english, "en")):
        for fact in (facts[f"web_home_{language}"], facts["app_reporting"], facts["phone_general"], "514-630-1234"):
            assert fact in text, (fact, text)
    assert stored_turns(assistant, f"facebook:{user_id}") == [
        ("user", "[attachment: image]"),
        ("bot", f"{french}\n\n{english}"),
    ]
    assert stored_conversations_mentioning(assistant, "pothole-at-my-door") == []


def test_a_shared_location_is_answered_in_the_conversations_language(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    assert post_delivery(assistant, delivery(user_id, ENGLISH_QUESTION)) == 200
    before = len(_texts_to(graph_api, user_id))
    place = {"type": "location", "payload": {"coordinates": {"lat": 45.4487, "long": -73.8166}}}
    assert post_delivery(assistant, delivery_of(user_id, message={"mid": _mid(), "attachments": [place]})) == 200
    assert _texts_to(graph_api, user_id)[before:] == [default_texts().location_received["en"]]
    assert stored_turns(assistant, f"facebook:{user_id}")[-2][1] == "[location]"


def test_get_started_greets_in_french_then_english(assistant: Assistant, graph_api: StandInApi, user_id: str) -> None:
    postback = {"mid": _mid(), "title": "Get Started", "payload": "GET_STARTED"}
    assert post_delivery(assistant, delivery_of(user_id, postback=postback)) == 200
    (reply,) = _texts_to(graph_api, user_id)
    french, english = reply.split("\n\n")
    assert french.startswith("Bonjour! Ici l'assistant de la Ville de Pointe-Claire")
    assert english.startswith("Hello! This is the City of Pointe-Claire's assistant")
    assert [kind for kind, _ in stored_turns(assistant, f"facebook:{user_id}")] == ["user", "bot"]


def test_quick_replies_and_buttons_are_read_by_what_the_resident_tapped(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    quick_reply = {"mid": _mid(), "text": FRENCH_QUESTION, "quick_reply": {"payload": "HOURS"}}
    assert post_delivery(assistant, delivery_of(user_id, message=quick_reply)) == 200
    ice_breaker = {"mid": _mid(), "title": "Who handles media requests?", "payload": "ICE_BREAKER_MEDIA"}
    assert post_delivery(assistant, delivery_of(user_id, postback=ice_breaker)) == 200
    hours, media = _texts_to(graph_api, user_id)[0], _texts_to(graph_api, user_id)[-1]
    assert cached_city_facts().variables["web_home_fr"] in hours, hours  # the French answer: read as French words
    assert "communications@pointe-claire.ca" in media
    assert [event["text"] for event in stored_user_events(assistant, f"facebook:{user_id}")] == [
        FRENCH_QUESTION,
        "Who handles media requests?",
    ]


def test_the_verification_echoes_only_a_challenge_as_meta_sends_it(assistant: Assistant) -> None:
    token = FACEBOOK_KEYS["FACEBOOK_VERIFY_TOKEN"]
    url = f"{assistant.base_url}/webhooks/facebook/webhook?hub.verify_token={token}"
    with urllib.request.urlopen(f"{url}&hub.mode=subscribe&hub.challenge=1158201444", timeout=30) as answer:
        assert answer.read() == b"1158201444"
        assert answer.headers["Content-Type"].startswith("text/plain")
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    markup = urllib.parse.quote("<script>alert(document.cookie)</script>")
    for query in (f"hub.mode=subscribe&hub.challenge={markup}", "hub.challenge=1158201444", "hub.mode=subscribe"):
        status, body = http("GET", f"{url}&{query}")
        assert status == 400 and b"script" not in body, query


def test_an_answer_is_one_messenger_message_unless_it_is_over_messengers_limit() -> None:
    french, english = "Bonjour! " * 30, "Hello! " * 30
    assert messenger_messages(f"{french}\n\n{english}\n") == [f"{french.strip()}\n\n{english.strip()}"]
    long_french, long_english = "Mot " * 400, "Word " * 400  # 1,600 and 2,000 characters
    parts = messenger_messages(f"{long_french}\n\n{long_english}")
    assert parts == [long_french.strip(), long_english.strip()]  # cut between the paragraphs, nothing lost
    one_long_paragraph = "Une phrase assez longue. " * 200  # 5,000 characters, no paragraph break
    parts = messenger_messages(one_long_paragraph)
    assert len(parts) == 3 and all(len(part) <= MESSENGER_TEXT_LIMIT for part in parts)
    assert " ".join(parts) == one_long_paragraph.strip()
    assert messenger_messages("   \n\n  ") == []
