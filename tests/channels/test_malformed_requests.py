"""No malformed header or body gets a 5xx on any channel: a bad signature is 403, a bad body 400 (or 413).

Found by an attacker/integrator test against stand-in X and Graph APIs: a non-ASCII signature header and a deeply
nested JSON body made the server answer 500.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json

import pytest
import socketio

from pointe_claire.channels.conversation_ids import WEBCHAT, conversation_id
from pointe_claire.channels.untrusted_input import MAX_JSON_DEPTH, MalformedBody, json_body, signature_matches
from scripts.servers import Assistant, http
from tests.channels.conftest import stored_user_events
from tests.channels.test_facebook_channel import APP_SECRET, delivery
from tests.channels.test_x_channel import _sign, direct_message

DEEP = b"[" * 100_000 + b"]" * 100_000  # past Python's recursion limit: json.loads raised RecursionError
DEEP_OBJECT = b'{"a":' * 5_000 + b"1" + b"}" * 5_000
JUST_TOO_DEEP = json.dumps(
    {"sender": "s", "message": "hi", "metadata": json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)}
)
# Header values as they arrive on the wire: http.client sends str headers as Latin-1 bytes.
NON_ASCII_SIGNATURES = ["sha256=é", "sha1=é", "ü", "sha256=" + "€".encode().decode("latin-1"), "sha1=\x00"]
MALFORMED_BODIES = {
    "empty": b"",
    "binary": bytes(range(256)) * 4,
    "not-json": b"{not json",
    "deeply-nested-list": DEEP,
    "deeply-nested-object": DEEP_OBJECT,
    "utf-16": json.dumps({"sender": "s", "message": "hi"}).encode("utf-16"),
}


def post(assistant: Assistant, path: str, body: bytes, headers: dict[str, str]) -> int:
    status, _ = http("POST", f"{assistant.base_url}{path}", body, {"Content-Type": "application/json", **headers})
    return status


@pytest.mark.parametrize("given", NON_ASCII_SIGNATURES)
def test_a_non_ascii_x_signature_is_refused_with_403(assistant: Assistant, given: str, user_id: str):
    body = json.dumps(direct_message(user_id, "bonjour")).encode()
    assert post(assistant, "/webhooks/x/webhook", body, {"x-twitter-webhooks-signature": given}) == 403


@pytest.mark.parametrize("header", ["X-Hub-Signature", "X-Hub-Signature-256"])
@pytest.mark.parametrize("given", NON_ASCII_SIGNATURES)
def test_a_non_ascii_messenger_signature_is_refused_with_403(
    assistant: Assistant, header: str, given: str, user_id: str
):
    body = json.dumps(delivery(user_id, "bonjour")).encode()
    assert post(assistant, "/webhooks/facebook/webhook", body, {header: given}) == 403


def test_a_non_ascii_messenger_verify_token_is_refused_with_403(assistant: Assistant):
    url = f"{assistant.base_url}/webhooks/facebook/webhook?hub.verify_token=%C3%A9%FF&hub.challenge=1"
    assert http("GET", url)[0] == 403


@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
def test_a_malformed_rest_body_is_a_clear_400(assistant: Assistant, body: bytes):
    status, content = http(
        "POST", f"{assistant.base_url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
    )
    assert status == 400
    assert json.loads(content)["error_fr"]


def test_metadata_nested_too_deep_is_a_clear_400(assistant: Assistant):
    assert post(assistant, "/webhooks/rest/webhook", JUST_TOO_DEEP.encode(), {}) == 400


@pytest.mark.parametrize("sender", ["\\ud800", "\\udcff-resident", "tab\\there"])
def test_a_sender_id_that_could_not_be_stored_is_a_clear_400(assistant: Assistant, sender: str):
    body = f'{{"sender": "{sender}", "message": "Bonjour"}}'.encode()
    assert post(assistant, "/webhooks/rest/webhook", body, {}) == 400


@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
def test_a_malformed_but_signed_x_body_is_a_400(assistant: Assistant, body: bytes):
    assert post(assistant, "/webhooks/x/webhook", body, {"x-twitter-webhooks-signature": _sign(body)}) == 400


@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
def test_a_malformed_but_signed_messenger_body_is_a_400(assistant: Assistant, body: bytes):
    signature = "sha1=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha1).hexdigest()
    assert post(assistant, "/webhooks/facebook/webhook", body, {"X-Hub-Signature": signature}) == 400


@pytest.mark.parametrize("body", [DEEP, b"\xff\xfe garbage", b""], ids=["deeply-nested", "binary", "empty"])
def test_malformed_socket_io_polling_bodies_are_never_a_5xx(assistant: Assistant, body: bytes):
    """A socket.io session is opened, then garbage is posted to it as its next packet."""
    base = f"{assistant.base_url}/socket.io/?EIO=4&transport=polling"
    status, opened = http("GET", base)
    assert status == 200
    sid = json.loads(opened[opened.index(b"{") :])["sid"]
    status, _ = http("POST", f"{base}&sid={sid}", b"40" + body, {"Content-Type": "text/plain;charset=UTF-8"})
    assert status < 500
    status, _ = http("POST", f"{base}&sid={sid}", b'42["user_uttered",' + body + b"]", {"Content-Type": "text/plain"})
    assert status < 500


def test_deeply_nested_socket_io_metadata_is_dropped_and_the_message_answered(assistant: Assistant):
    async def converse() -> tuple[str, str]:
        client = socketio.AsyncClient(reconnection=False)
        received: asyncio.Queue[str] = asyncio.Queue()
        confirmed: asyncio.Queue[str] = asyncio.Queue()
        client.on("bot_uttered", lambda data: received.put_nowait(data.get("text", "")))
        client.on("session_confirm", confirmed.put_nowait)
        await client.connect(assistant.base_url, transports=["polling"])
        try:
            await client.emit("session_request", {})
            session_id = await asyncio.wait_for(confirmed.get(), 10)
            while not received.empty():
                received.get_nowait()  # the welcome of the new session, sent before its confirmation
            nested: object = "deep"
            for _ in range(100):
                nested = {"a": nested}
            await client.emit("user_uttered", {"message": "Bonjour!", "session_id": session_id, "metadata": nested})
            return session_id, await asyncio.wait_for(received.get(), 60)
        finally:
            await client.eio.disconnect(abort=True)

    session_id, reply = asyncio.run(converse())
    assert reply.startswith("Bonjour")
    (stored,) = stored_user_events(assistant, conversation_id(WEBCHAT, session_id))
    assert "a" not in (stored.get("metadata") or {})


# --- the helpers themselves ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["sha256=\udcc3\udca9", "\ud800", "é", ""])
def test_a_header_that_is_not_ascii_or_not_utf8_never_matches_and_never_raises(given: str):
    assert signature_matches(given, "sha256=abc") is False


def test_the_right_signature_matches():
    assert signature_matches("sha256=abc", "sha256=abc")


@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
def test_json_body_refuses_every_malformed_body_with_one_exception(body: bytes):
    with pytest.raises(MalformedBody):
        json_body(body)


def test_json_body_accepts_the_deepest_allowed_nesting():
    body = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert json_body(body.encode()) == json.loads(body)
