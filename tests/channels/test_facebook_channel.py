"""Facebook Messenger through the real Rasa server, model and action server, against a stand-in Graph API on
localhost. Deliveries are signed with the app secret (`X-Hub-Signature`), as Meta signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any

import pytest

from pointe_claire.channels.facebook import _GraphBot
from scripts.servers import Assistant, free_port, http
from tests.channels.conftest import FACEBOOK_KEYS, stored_conversations_mentioning, stored_user_events
from tests.channels.standins import StandInApi

APP_SECRET = FACEBOOK_KEYS["FACEBOOK_APP_SECRET"]
PAGE_ID = "108204651234567"


def delivery(sender_id: str, text: str) -> dict[str, Any]:
    """A Messenger webhook delivery (object "page", one messaging event), as the Messenger Platform sends it."""
    now = int(time.time() * 1000)
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": now,
                "messaging": [
                    {
                        "sender": {"id": sender_id},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": now,
                        "message": {"mid": f"m_{time.time_ns()}", "text": text},
                    }
                ],
            }
        ],
    }


def post_delivery(assistant: Assistant, payload: dict[str, Any], secret: str | None = APP_SECRET) -> int:
    body = json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Hub-Signature"] = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    status, _ = http("POST", f"{assistant.base_url}/webhooks/facebook/webhook", body, headers)
    return status


def _texts_to(graph_api: StandInApi, user_id: str) -> list[str]:
    return [
        r.body["message"]["text"]
        for r in graph_api.received(
            lambda r: isinstance(r.body, dict) and r.body.get("recipient", {}).get("id") == user_id
        )
        if "message" in r.body
    ]


def test_signed_french_emergency_gets_the_french_emergency_answer_through_the_graph_api(
    channels_assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    assert post_delivery(channels_assistant, delivery(user_id, "Il y a un bris d'aqueduc devant chez moi!!")) == 200
    replies = _texts_to(graph_api, user_id)
    assert replies and "514-630-1234" in replies[0] and "urgence municipale" in replies[0]
    sent = graph_api.received(lambda r: isinstance(r.body, dict) and "message" in r.body)[-1]
    assert sent.path == "/v21.0/me/messages"
    assert sent.query["access_token"] == [FACEBOOK_KEYS["FACEBOOK_PAGE_ACCESS_TOKEN"]]
    assert sent.body["messaging_type"] == "RESPONSE"
    (stored,) = stored_user_events(channels_assistant, user_id)
    assert stored["input_channel"] == "facebook"


def test_signed_english_question_gets_an_english_answer(
    channels_assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    assert post_delivery(channels_assistant, delivery(user_id, "I'm a journalist, who handles media requests?")) == 200
    (reply,) = _texts_to(graph_api, user_id)
    assert "communications@pointe-claire.ca" in reply and "Journalists" in reply


def test_netiquette_applies_on_messenger_too(
    channels_assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    text = "Your snow removal crews are a bunch of useless idiots"
    assert post_delivery(channels_assistant, delivery(user_id, text)) == 200
    assert any("respectful" in reply for reply in _texts_to(graph_api, user_id))
    (stored,) = stored_user_events(channels_assistant, user_id)
    assert stored["parse_data"]["netiquette"]


def test_badly_signed_or_unsigned_deliveries_are_refused_and_nothing_is_stored(
    channels_assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    payload = delivery(user_id, "Bonjour, quelles sont les heures d'ouverture?")
    assert post_delivery(channels_assistant, payload, secret="not-the-app-secret") == 403
    assert post_delivery(channels_assistant, payload, secret=None) == 403
    status, _ = http(
        "POST",
        f"{channels_assistant.base_url}/webhooks/facebook/webhook",
        json.dumps(payload).encode(),
        {"X-Hub-Signature": "md5=abc"},
    )
    assert status == 403
    assert _texts_to(graph_api, user_id) == []
    assert stored_conversations_mentioning(channels_assistant, user_id) == []


def test_meta_verification_challenge(channels_assistant: Assistant) -> None:
    url = f"{channels_assistant.base_url}/webhooks/facebook/webhook?hub.mode=subscribe&hub.challenge=1158201444"
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
    assert bot.sent == 0
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
    assert bot.sent == 0  # so the emergency fallback is still tried
    assert "code 190" in caplog.text and "abc123" not in caplog.text


def test_signed_but_oddly_shaped_deliveries_are_not_a_500(channels_assistant: Assistant, user_id: str) -> None:
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
        assert post_delivery(channels_assistant, payload) == 200, payload
    assert stored_conversations_mentioning(channels_assistant, user_id) == []
