"""Facebook Messenger through the real Rasa server, model and action server, against a stand-in Graph API on
localhost. Deliveries are signed with the app secret (`X-Hub-Signature`), as Meta signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from scripts.servers import Assistant, http
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
