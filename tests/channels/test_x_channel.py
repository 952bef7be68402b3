"""The X connector through the real Rasa server, model and action server, against a stand-in of X's API that
records what it receives. Webhook payloads are shaped as X's Account Activity API documentation gives them."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import sqlite3
import time
from typing import Any
from urllib.parse import quote

import pytest

from pointe_claire.channels.collected_turn import ResponseCollector
from pointe_claire.channels.public_reply import default_texts, weighted_length
from pointe_claire.channels.x import XInput
from pointe_claire.channels.x_api import RetryPolicy, XApi, XKeys
from scripts.servers import Assistant, free_port, http
from tests.channels.conftest import stored_conversations_mentioning, stored_user_events
from tests.channels.standins import X_ACCOUNT_ID, X_KEYS, X_OTHER_BOT_ID, Recorded, StandInApi

pytestmark = pytest.mark.usefixtures("assistant")

CONSUMER_SECRET = X_KEYS["X_CONSUMER_SECRET"]
CITY_SCREEN_NAME = "VillePointeClaire"


def _sign(body: bytes, secret: str = CONSUMER_SECRET) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def post_event(assistant: Assistant, payload: dict[str, Any], signature: str | None = "sign") -> tuple[int, bytes]:
    body = json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["x-twitter-webhooks-signature"] = _sign(body)
    elif signature is not None:
        headers["x-twitter-webhooks-signature"] = signature
    return http("POST", f"{assistant.base_url}/webhooks/x/webhook", body, headers)


def _user(user_id: str, screen_name: str) -> dict[str, Any]:
    return {"id": user_id, "created_timestamp": "1422556069340", "name": screen_name, "screen_name": screen_name}


def direct_message(sender_id: str, text: str, event_id: str | None = None) -> dict[str, Any]:
    """An Account Activity `direct_message_events` delivery."""
    return {
        "for_user_id": X_ACCOUNT_ID,
        "direct_message_events": [
            {
                "type": "message_create",
                "id": event_id or str(time.time_ns()),
                "created_timestamp": str(int(time.time() * 1000)),
                "message_create": {
                    "target": {"recipient_id": X_ACCOUNT_ID if sender_id != X_ACCOUNT_ID else "3001969357"},
                    "sender_id": sender_id,
                    "source_app_id": "13090192",
                    "message_data": {
                        "text": text,
                        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
                    },
                },
            }
        ],
        "apps": {"13090192": {"id": "13090192", "name": "X Web App", "url": "https://x.com"}},
        "users": {sender_id: _user(sender_id, "resident"), X_ACCOUNT_ID: _user(X_ACCOUNT_ID, CITY_SCREEN_NAME)},
    }


def mention(author_id: str, text: str, tweet_id: str | None = None) -> dict[str, Any]:
    """An Account Activity `tweet_create_events` delivery: a public post that @mentions the City."""
    tweet_id = tweet_id or str(time.time_ns())
    return {
        "for_user_id": X_ACCOUNT_ID,
        "user_has_blocked": False,
        "tweet_create_events": [
            {
                "created_at": "Wed Nov 25 19:00:00 +0000 2026",
                "id": int(tweet_id),
                "id_str": tweet_id,
                "text": text,
                "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
                "truncated": False,
                "in_reply_to_status_id": None,
                "in_reply_to_status_id_str": None,
                "in_reply_to_user_id": None,
                "in_reply_to_user_id_str": None,
                "in_reply_to_screen_name": None,
                "user": {"id": int(author_id), "id_str": author_id, "name": "A resident", "screen_name": "resident"},
                "is_quote_status": False,
                "retweet_count": 0,
                "favorite_count": 0,
                "entities": {
                    "hashtags": [],
                    "urls": [],
                    "user_mentions": [
                        {
                            "screen_name": CITY_SCREEN_NAME,
                            "name": "Ville de Pointe-Claire",
                            "id": int(X_ACCOUNT_ID),
                            "id_str": X_ACCOUNT_ID,
                            "indices": [0, len(CITY_SCREEN_NAME) + 1],
                        }
                    ],
                    "symbols": [],
                },
                "favorited": False,
                "retweeted": False,
                "filter_level": "low",
                "lang": "en",
                "timestamp_ms": str(int(time.time() * 1000)),
            }
        ],
    }


def _dm_to(user_id: str) -> Any:
    return lambda r: r.path == f"/2/dm_conversations/with/{user_id}/messages"


def _reply_to(tweet_id: str) -> Any:
    return lambda r: r.path == "/2/tweets" and r.body.get("reply", {}).get("in_reply_to_tweet_id") == tweet_id


def _delivered(requests: list[Recorded]) -> list[Recorded]:
    return [r for r in requests if r.status < 300]


def test_crc_challenge_is_answered_with_the_hmac_of_the_token(assistant: Assistant) -> None:
    token = "aXRzIGEgY2hhbGxlbmdl+/="
    status, body = http("GET", f"{assistant.base_url}/webhooks/x/webhook?crc_token={quote(token)}")
    expected = hmac.new(CONSUMER_SECRET.encode(), token.encode(), hashlib.sha256).digest()
    assert status == 200
    assert json.loads(body) == {"response_token": "sha256=" + base64.b64encode(expected).decode()}


def test_crc_without_token_is_a_clear_400(assistant: Assistant) -> None:
    status, body = http("GET", f"{assistant.base_url}/webhooks/x/webhook")
    assert status == 400 and "crc_token" in json.loads(body)["error_fr"]


@pytest.mark.parametrize("token", ['{"for_user_id": "1"}', "a" * 129, "deux mots", "jeton<script>"])
def test_crc_refuses_tokens_not_shaped_as_xs(assistant: Assistant, token: str) -> None:
    status, body = http("GET", f"{assistant.base_url}/webhooks/x/webhook?crc_token={quote(token)}")
    assert status == 400 and "response_token" not in json.loads(body)


def test_a_delivery_signed_by_our_own_crc_answer_is_refused(
    assistant: Assistant, x_api: StandInApi, user_id: str
) -> None:
    """The attack: ask the CRC endpoint to "sign" a forged delivery, then post it with that signature."""
    tweet_id = str(time.time_ns())
    payload = mention(user_id, f"@{CITY_SCREEN_NAME} Where can I find the City's job offers?", tweet_id)
    body = json.dumps(payload).encode("utf-8")
    crc_status, answer = http("GET", f"{assistant.base_url}/webhooks/x/webhook?crc_token={quote(body)}")
    signature = json.loads(answer).get("response_token", "")
    headers = {"Content-Type": "application/json", "x-twitter-webhooks-signature": signature}
    status, _ = http("POST", f"{assistant.base_url}/webhooks/x/webhook", body, headers)
    assert (crc_status, status) == (400, 403)
    time.sleep(1.5)  # ample for an answer to reach the stand-in, had the delivery been let through
    assert x_api.received(lambda r: tweet_id in json.dumps(r.body) or user_id in r.path) == []
    assert stored_conversations_mentioning(assistant, user_id) == []


@pytest.mark.parametrize("signature", [None, "sha256=Zm9yZ2Vk", "forged", "sign-with-another-secret"])
def test_unsigned_or_forged_posts_are_refused_and_nothing_is_stored(
    assistant: Assistant, x_api: StandInApi, user_id: str, signature: str | None
) -> None:
    payload = direct_message(user_id, "Ma rue est inondée, l'eau monte!")
    if signature == "sign-with-another-secret":
        signature = _sign(json.dumps(payload).encode("utf-8"), "not-the-consumer-secret")
    status, _ = post_event(assistant, payload, signature=signature)
    assert status == 403
    time.sleep(1.5)  # ample for an answer to reach the stand-in, had the event been let through
    assert x_api.received(_dm_to(user_id)) == []
    assert stored_conversations_mentioning(assistant, user_id) == []


def test_french_direct_message_gets_a_french_direct_reply_stored_as_x(
    assistant: Assistant, x_api: StandInApi, user_id: str
) -> None:
    status, _ = post_event(assistant, direct_message(user_id, "Bonjour, il y a de l'eau partout dans ma rue!"))
    assert status == 200
    (reply,) = x_api.wait_for(_dm_to(user_id))
    assert "514-630-1234" in reply.body["text"] and "urgence municipale" in reply.body["text"]
    assert "municipal emergency" not in reply.body["text"]
    assert reply.headers["authorization"].startswith("OAuth ")
    assert f'oauth_consumer_key="{X_KEYS["X_CONSUMER_KEY"]}"' in reply.headers["authorization"]
    assert 'oauth_signature_method="HMAC-SHA1"' in reply.headers["authorization"]
    assert x_api.received(lambda r: r.path == "/2/tweets" and user_id in json.dumps(r.body)) == []
    (stored,) = stored_user_events(assistant, f"x:dm:{user_id}")
    assert stored["input_channel"] == "x"
    assert stored["metadata"]["x_visibility"] == "private"


def test_english_public_mention_with_a_phone_number_gets_a_public_reply_without_it_then_a_dm(
    assistant: Assistant, x_api: StandInApi, user_id: str
) -> None:
    tweet_id = str(time.time_ns())
    text = f"@{CITY_SCREEN_NAME} my garbage wasn't picked up again this week, please call me back at 514-555-0187"
    assert post_event(assistant, mention(user_id, text, tweet_id))[0] == 200
    (public,) = x_api.wait_for(_reply_to(tweet_id))
    (direct,) = x_api.wait_for(_dm_to(user_id))
    assert public.at <= direct.at
    assert "555" not in public.body["text"] and "0187" not in public.body["text"]
    assert "direct message" in public.body["text"] and "message privé" not in public.body["text"]
    assert len(public.body["text"]) <= 280
    assert "514-630-1200" in direct.body["text"]  # the full answer: how to make a request
    assert "514-555-0187" not in direct.body["text"]
    (stored,) = stored_user_events(assistant, f"x:public:{user_id}")
    assert stored["input_channel"] == "x" and stored["metadata"]["x_visibility"] == "public"
    assert "514-555-0187" not in json.dumps(stored)  # redacted before storage, as on every channel


@pytest.mark.parametrize(
    ("language", "text", "words", "not_words"),
    [
        ("en", "there is a water main break in front of 12 Maple Street, water everywhere", "anyone", "quelqu'un"),
        ("fr", "fuite d'eau majeure devant le 45, avenue Cartier, l'eau jaillit de la rue", "quelqu'un", "anyone"),
    ],
)
def test_an_emergency_mention_with_an_address_gets_the_emergency_numbers_in_public_then_a_dm(
    assistant: Assistant, x_api: StandInApi, user_id: str, language: str, text: str, words: str, not_words: str
) -> None:
    tweet_id = str(time.time_ns())
    assert post_event(assistant, mention(user_id, f"@{CITY_SCREEN_NAME} {text}", tweet_id))[0] == 200
    (public,) = x_api.wait_for(_reply_to(tweet_id))
    (direct,) = x_api.wait_for(_dm_to(user_id))
    assert public.at <= direct.at
    assert "9-1-1" in public.body["text"] and "514-630-1234" in public.body["text"]
    assert words in public.body["text"] and not_words not in public.body["text"]  # the resident's language
    assert not any(part in public.body["text"] for part in ("Maple", "Cartier", " 12 ", " 45"))
    assert len(public.body["text"]) <= 280
    assert "514-630-1234" in direct.body["text"]  # the full emergency answer
    (stored,) = stored_user_events(assistant, f"x:public:{user_id}")
    assert stored["parse_data"]["intent"]["name"] == "report_municipal_emergency"


X_REFUSES_THE_DM = {
    "detail": "You are not permitted to send this Direct Message.",
    "title": "Forbidden",
    "type": "about:blank",
    "status": 403,
}


@pytest.mark.parametrize(
    ("text", "numbers", "absent"),
    [
        (
            "my garbage wasn't picked up again this week, please call me back at 514-555-0187",
            ["514-630-1200"],
            ["555", "0187"],
        ),
        (
            "there is a water main break in front of 12 Maple Street, water everywhere",
            ["514-630-1200", "514-630-1234", "9-1-1"],
            ["Maple"],
        ),
    ],
)
def test_a_refused_dm_falls_back_to_a_public_reply_without_personal_information(
    assistant: Assistant, x_api: StandInApi, user_id: str, text: str, numbers: list[str], absent: list[str]
) -> None:
    x_api.script(f"/2/dm_conversations/with/{user_id}/", 403, body=X_REFUSES_THE_DM)
    tweet_id = str(time.time_ns())
    assert post_event(assistant, mention(user_id, f"@{CITY_SCREEN_NAME} {text}", tweet_id))[0] == 200
    (public,) = x_api.wait_for(_reply_to(tweet_id))
    (fallback,) = x_api.wait_for(_reply_to(public.answer["data"]["id"]))  # threaded under the first reply
    (refused,) = x_api.received(_dm_to(user_id))
    assert refused.status == 403 and public.at <= refused.at <= fallback.at
    assert "direct message" in fallback.body["text"] and len(fallback.body["text"]) <= 280
    assert all(number in fallback.body["text"] for number in numbers)
    assert not any(part in fallback.body["text"] for part in absent)


def test_a_slash_command_in_a_direct_message_goes_through_nlu_not_rasas_command_parser(
    assistant: Assistant, x_api: StandInApi, user_id: str
) -> None:
    status, _ = post_event(assistant, direct_message(user_id, '/ask_jobs{"language": "en"}'))
    assert status == 200
    x_api.wait_for(_dm_to(user_id))  # answered, whatever NLU made of it
    (stored,) = stored_user_events(assistant, f"x:dm:{user_id}")
    assert not stored["text"].startswith("/")
    assert len(stored["parse_data"]["intent_ranking"]) > 1  # a forced command has one intent, at 1.0


def test_public_mention_without_personal_information_is_answered_publicly_only(
    assistant: Assistant, x_api: StandInApi, user_id: str
) -> None:
    tweet_id = str(time.time_ns())
    text = f"@{CITY_SCREEN_NAME} how do I contact the communications team for a media interview?"
    assert post_event(assistant, mention(user_id, text, tweet_id))[0] == 200
    (public,) = x_api.wait_for(_reply_to(tweet_id))
    assert "communications@pointe-claire.ca" in public.body["text"]
    assert len(public.body["text"]) <= 280
    time.sleep(1.0)
    assert x_api.received(_dm_to(user_id)) == []


def test_the_first_public_reply_to_a_resident_says_it_is_the_citys_automated_assistant(
    assistant: Assistant, x_api: StandInApi, user_id: str
) -> None:
    disclosure = default_texts().automated_assistant
    replies = []
    for question in ("how do I contact the communications team?", "and who handles media requests?"):
        tweet_id = str(time.time_ns())
        assert post_event(assistant, mention(user_id, f"@{CITY_SCREEN_NAME} {question}", tweet_id))[0] == 200
        (public,) = x_api.wait_for(_reply_to(tweet_id))
        replies.append(public.body["text"])
    assert replies[0].startswith(disclosure["en"]) and weighted_length(replies[0]) <= 280
    assert "communications@pointe-claire.ca" in replies[0]
    assert disclosure["en"] not in replies[1] and disclosure["fr"] not in replies[1]


def test_the_citys_own_messages_and_ignored_bots_get_no_reply(
    assistant: Assistant, x_api: StandInApi, user_id: str
) -> None:
    own_dm = direct_message(X_ACCOUNT_ID, "Bonjour! Voici la réponse de la Ville : appelez le 514-630-1200.")
    own_dm["direct_message_events"][0]["message_create"]["target"]["recipient_id"] = user_id
    own_post = mention(X_ACCOUNT_ID, f"@{CITY_SCREEN_NAME} Collectes : horaire des fêtes sur notre site.")
    bot_post = mention(X_OTHER_BOT_ID, f"@{CITY_SCREEN_NAME} Thanks for your message! Our team will reply soon.")
    before = len(x_api.received())
    for payload in (own_dm, own_post, bot_post):
        assert post_event(assistant, payload)[0] == 200
    # A resident's message sent afterwards is answered: by then the ones before would have been too.
    assert post_event(assistant, direct_message(user_id, "hello"))[0] == 200
    x_api.wait_for(_dm_to(user_id))
    time.sleep(1.0)
    answered = x_api.received()[before:]
    assert [r.path for r in answered] == [f"/2/dm_conversations/with/{user_id}/messages"]
    assert stored_conversations_mentioning(assistant, X_ACCOUNT_ID) == []
    assert stored_conversations_mentioning(assistant, X_OTHER_BOT_ID) == []


def test_an_event_delivered_twice_is_answered_once(assistant: Assistant, x_api: StandInApi, user_id: str) -> None:
    payload = direct_message(user_id, "What are the City Hall office hours?")
    assert post_event(assistant, payload)[0] == 200
    assert post_event(assistant, payload)[0] == 200
    x_api.wait_for(_dm_to(user_id))
    assert post_event(assistant, direct_message(user_id, "thanks!"))[0] == 200
    x_api.wait_for(_dm_to(user_id), count=2)
    time.sleep(1.0)
    assert len(x_api.received(_dm_to(user_id))) == 2
    assert len(stored_user_events(assistant, f"x:dm:{user_id}")) == 2


def test_a_rate_limited_reply_is_retried_after_the_reset_time(
    assistant: Assistant, x_api: StandInApi, user_id: str
) -> None:
    reset = int(time.time()) + 2
    x_api.script(
        f"/2/dm_conversations/with/{user_id}/",
        429,
        {"x-rate-limit-limit": "15", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
        {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
    )
    assert post_event(assistant, direct_message(user_id, "Où trouver les offres d'emploi de la Ville?"))[0] == 200
    refused, delivered = x_api.wait_for(_dm_to(user_id), count=2)
    assert (refused.status, delivered.status) == (429, 201)
    assert delivered.at - refused.at >= 0.5  # waited for X's reset time, not hammering the API
    assert delivered.body == refused.body and "emploi" in delivered.body["text"]


def test_bad_json_with_a_valid_signature_is_a_400_not_a_crash(assistant: Assistant) -> None:
    body = b"{not json"
    status, answer = http(
        "POST",
        f"{assistant.base_url}/webhooks/x/webhook",
        body,
        {"x-twitter-webhooks-signature": _sign(body), "Content-Type": "application/json"},
    )
    assert status == 400 and json.loads(answer)["error_fr"]
    status, _ = post_event(assistant, {"for_user_id": X_ACCOUNT_ID, "direct_message_events": [{"id": 3}]})
    assert status == 200


def test_with_the_action_server_down_x_and_messenger_residents_still_get_the_emergency_numbers(
    assistant: Assistant, x_api: StandInApi, graph_api: StandInApi, user_id: str
) -> None:
    from tests.channels.test_facebook_channel import delivery, post_delivery

    assistant.actions.stop()
    try:
        question = "Quand est-ce que quelqu'un va me répondre?"  # answered by a custom action
        assert post_event(assistant, direct_message(user_id, question))[0] == 200
        (reply,) = x_api.wait_for(_dm_to(user_id))
        assert all(number in reply.body["text"] for number in ("514-630-1234", "9-1-1", "514-630-1200"))
        assert post_delivery(assistant, delivery(user_id, question)) == 200
        sent = graph_api.received(lambda r: isinstance(r.body, dict) and "message" in r.body)
        texts = [r.body["message"]["text"] for r in sent if r.body.get("recipient") == {"id": user_id}]
        assert texts and all(number in texts[-1] for number in ("514-630-1234", "9-1-1"))
    finally:
        assistant.actions.start()


def test_with_the_conversation_store_failing_an_x_resident_still_gets_the_emergency_numbers(
    assistant: Assistant, x_api: StandInApi, user_id: str
) -> None:
    with sqlite3.connect(assistant.tracker_db) as db:
        db.execute("ALTER TABLE events RENAME TO events_unreachable")  # every read and write of Rasa now fails
    try:
        question = "I'm a journalist, who handles media requests?"  # normally: the Communications e-mail
        assert post_event(assistant, direct_message(user_id, question))[0] == 200
        (reply,) = x_api.wait_for(_dm_to(user_id))
    finally:
        with sqlite3.connect(assistant.tracker_db) as db:
            db.execute("ALTER TABLE events_unreachable RENAME TO events")
    assert "514-630-1234" in reply.body["text"] and "9-1-1" in reply.body["text"]
    assert "communications@" not in reply.body["text"]  # not an answer from a conversation kept nowhere
    assert stored_conversations_mentioning(assistant, user_id) == []


def test_a_mention_in_no_clear_language_gets_a_french_then_english_thread(
    assistant: Assistant, x_api: StandInApi, user_id: str
) -> None:
    tweet_id = str(time.time_ns())
    assert post_event(assistant, mention(user_id, f"@{CITY_SCREEN_NAME} recyclage?", tweet_id))[0] == 200
    (first,) = x_api.wait_for(_reply_to(tweet_id))
    (second,) = x_api.wait_for(_reply_to(first.answer["data"]["id"]))  # threaded under the first
    assert "Ville" in first.body["text"] and "City" not in first.body["text"]
    assert "City" in second.body["text"] and "Ville de" not in second.body["text"]
    # X's count (links 23 characters, emoji 2): the French post also carries the bot disclosure.
    assert all(weighted_length(post.body["text"]) <= 280 for post in (first, second))


def test_the_collector_forgets_response_names_when_its_messages_are_cleared() -> None:
    collector = ResponseCollector()
    asyncio.run(collector.send_response("42", {"text": "Votre dossier: 514-555-0199", "utter_action": "utter_file"}))
    assert collector.responses == ["utter_file"]
    collector.messages.clear()  # as the reply guard does on a store failure, before sending the fallback
    asyncio.run(collector.send_text_message("42", "Urgence: 911"))
    assert collector.responses == [] and [m["text"] for m in collector.messages] == ["Urgence: 911"]


def test_zero_or_negative_retry_attempts_still_make_one_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in X_KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("X_IGNORED_ACCOUNT_IDS", "7, 8")
    channel = XInput.from_credentials({"retry_attempts": 0})
    assert isinstance(channel, XInput) and channel.api.retry.attempts == 1
    assert channel.ignored_accounts == frozenset({"7", "8"})  # the default variable name, as for the other keys
    api = XApi(XKeys("k", "s", "t", "ts"), f"http://127.0.0.1:{free_port()}", RetryPolicy(attempts=-2), timeout=2)
    assert asyncio.run(api.send_direct_message("42", "allo")) is False  # logged, not an UnboundLocalError
