"""The logs never hold what a resident wrote: a whole session on every channel the fixture starts (REST, web chat,
X, Messenger) with the personal values of the redaction test set, then every log file of the run is searched.

Also: a lone surrogate (JSON "\\ud800") used to crash the safety layer's spaCy tokenizer; the resident got the
"can't answer" fallback, the message was not stored, and Rasa logged its raw text (`rest.message.received.failure`).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
import socketio
from rasa.shared.nlu.training_data.message import Message

from pointe_claire.log_privacy import WITHHELD, withhold_resident_content
from pointe_claire.nlu.safety_net import SafetyNet
from pointe_claire.nlu.tokenizer import BilingualTokenizer
from scripts.servers import Assistant
from tests.channels.conftest import stored_user_events
from tests.channels.standins import StandInApi
from tests.channels.test_facebook_channel import delivery, post_delivery
from tests.channels.test_x_channel import CITY_SCREEN_NAME, direct_message, mention, post_event
from tests.test_redaction import PERSONAL

NAME = "Ginette Labrosse-Ouimet"
VALUES = [*PERSONAL.values(), NAME, "Labrosse"]
MESSAGE = (
    f"Bonjour, ici {NAME}. Refoulement d'égout au {PERSONAL['address']}, {PERSONAL['postal_code']}. "
    f"Rappelez-moi au {PERSONAL['phone']} ou {PERSONAL['email']}. NAS {PERSONAL['sin']}, plaque {PERSONAL['plate']}."
)
# JSON's escape for a lone surrogate: json.dumps cannot write one from a Python string in a way that round-trips.
SURROGATE = "\\ud800"


def log_files(assistant: Assistant) -> list[Path]:
    files = sorted(assistant.workdir.glob("*.log"))
    assert {f.name for f in files} >= {"rasa.log", "actions.log"}
    return files


def written_forms(value: str) -> set[str]:
    """How a value can appear in a log: as is, or escaped by a JSON log renderer."""
    return {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}


def rest_with_surrogate(assistant: Assistant, sender: str, text: str) -> tuple[int, list[dict]]:
    escaped = json.dumps(text)[1:-1].replace("SURROGATE", SURROGATE)
    body = f'{{"sender": "{sender}", "message": "{escaped}"}}'.encode()
    status, content = assistant.post_raw(body)
    return status, json.loads(content) if status == 200 else []


async def _webchat_session(base_url: str, text: str) -> list[str]:
    client = socketio.AsyncClient(reconnection=False)
    received: asyncio.Queue[str] = asyncio.Queue()
    confirmed: asyncio.Queue[str] = asyncio.Queue()
    client.on("bot_uttered", lambda data: received.put_nowait(data.get("text", "")))
    client.on("session_confirm", confirmed.put_nowait)
    await client.connect(base_url, transports=["polling"])
    try:
        await client.emit("session_request", {})
        session_id = await asyncio.wait_for(confirmed.get(), 10)
        await client.emit("user_uttered", {"message": text, "session_id": session_id})
        return [await asyncio.wait_for(received.get(), 60)]
    finally:
        await client.eio.disconnect(abort=True)


def test_a_whole_session_on_every_channel_leaves_no_personal_value_in_any_log(
    assistant: Assistant, x_api: StandInApi, graph_api: StandInApi, user_id: str, sender: str
):
    assistant = assistant
    # REST: plain, with a lone surrogate (the crash that logged the raw text), and a follow-up in English.
    assert assistant.send(sender, MESSAGE)
    status, replies = rest_with_surrogate(assistant, sender, f"SURROGATE{MESSAGE}SURROGATE")
    assert status == 200 and replies
    assert assistant.send(sender, f"my name is {NAME}, call me at {PERSONAL['phone']}, plate {PERSONAL['plate']}")
    # Web chat (socket.io).
    assert asyncio.run(_webchat_session(assistant.base_url, MESSAGE))
    # X: a direct message and a public mention.
    assert post_event(assistant, direct_message(user_id, MESSAGE))[0] == 200
    x_api.wait_for(lambda r: r.path == f"/2/dm_conversations/with/{user_id}/messages")
    assert post_event(assistant, mention(user_id, f"@{CITY_SCREEN_NAME} {MESSAGE}"))[0] == 200
    # Messenger: a text, and an event Rasa cannot read (a shared link whose title holds the values), which Rasa 3.6
    # logs whole at WARNING (`facebook.message.cannot.handle`).
    messenger_user = f"{user_id}7"
    assert post_delivery(assistant, delivery(messenger_user, MESSAGE)) == 200
    unreadable = delivery(messenger_user, MESSAGE)
    event = unreadable["entry"][0]["messaging"][0]["message"]
    del event["text"]
    event["attachments"] = [{"type": "fallback", "payload": {"url": "https://example.com", "title": MESSAGE}}]
    assert post_delivery(assistant, unreadable) == 200
    graph_api.wait_for(lambda r: isinstance(r.body, dict) and r.body.get("recipient", {}).get("id") == messenger_user)
    time.sleep(3)  # the X mention's answer and the last Messenger event are handled in the background

    for log in log_files(assistant):
        content = log.read_text(encoding="utf-8", errors="replace")
        found = [form for value in VALUES for form in written_forms(value) if form in content]
        assert found == [], f"{log.name} holds {found}"


def test_a_lone_surrogate_is_removed_and_the_message_answered_and_stored(assistant: Assistant, sender: str):
    status, replies = rest_with_surrogate(assistant, sender, "Mon sous-sol est inondé SURROGATE, l'égout refoule")
    assert status == 200
    text = "\n".join(reply["text"] for reply in replies)
    assert "514-630-1234" in text  # the municipal emergency answer, not the "can't answer" fallback
    (stored,) = stored_user_events(assistant, sender)
    assert stored["text"] == "Mon sous-sol est inondé , l'égout refoule"


def test_the_pipeline_survives_a_lone_surrogate_that_did_not_come_through_a_channel():
    message = Message(data={"text": "mon père respire pus \ud800"})
    BilingualTokenizer(BilingualTokenizer.get_default_config()).process([message])
    SafetyNet.build().process([message])  # spaCy raised UnicodeEncodeError here
    assert message.get("intent")["name"] == "report_life_threatening_emergency"


@pytest.mark.parametrize("key", ["text", "parse_data_text", "message", "user_message", "tracker_latest_message"])
def test_rasa_structured_log_fields_that_hold_resident_content_are_withheld(key: str):
    event = withhold_resident_content(None, "error", {"event": "rest.message.received.failure", key: MESSAGE})
    assert event == {"event": "rest.message.received.failure", key: WITHHELD}


def _fail(text: str) -> None:
    raise ValueError("boom")


def test_a_traceback_is_rendered_without_the_local_variables_that_hold_the_message():
    try:
        _fail(MESSAGE)
    except ValueError:
        event = withhold_resident_content(None, "exception", {"event": "rest.message.received.failure"})
    assert "ValueError: boom" in event["exception"] and "_fail" in event["exception"]
    assert PERSONAL["phone"] not in json.dumps(event, default=str)
    assert event["exc_info"] is False  # Rasa's renderers, later in the chain, do not render it again with locals
