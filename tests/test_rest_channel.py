"""Malformed requests on the REST webhook get a clear 4xx in both languages, never a 500, and lose nothing."""

from __future__ import annotations

import json
import sqlite3

import pytest

from pointe_claire.text_normalization import without_command_prefix
from scripts.servers import Assistant


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json at all", 400),
        (b"\xff\xfe\xfd invalid utf-8", 400),
        (b"", 400),
        (b"[]", 400),
        (b'"just a string"', 400),
        (b'{"message": "no sender"}', 400),
        (b'{"sender": "", "message": "empty sender"}', 400),
        (b'{"sender": 5, "message": "numeric sender"}', 400),
        (b'{"sender": "x"}', 400),
        (b'{"sender": "x", "message": null}', 400),
        (b'{"sender": "x", "message": ["a", "list"]}', 400),
        (b'{"sender": "x", "message": "hi", "metadata": "not an object"}', 400),
        (json.dumps({"sender": "x", "message": "b" * 60_000}).encode(), 413),
    ],
    ids=[
        "not-json",
        "invalid-utf8",
        "empty-body",
        "array",
        "string",
        "no-sender",
        "empty-sender",
        "numeric-sender",
        "no-message",
        "null-message",
        "list-message",
        "bad-metadata",
        "too-long",
    ],
)
def test_malformed_request_gets_clear_4xx_in_both_languages(assistant: Assistant, body: bytes, status: int):
    answered, content = assistant.post_raw(body)
    assert answered == status
    explanation = json.loads(content)
    assert explanation["error"] and explanation["error_fr"]


def test_a_malformed_request_does_not_break_the_next_one(assistant: Assistant, sender: str):
    assert assistant.post_raw(b"[]")[0] == 400
    assert assistant.reply_text(sender, "Bonjour!").startswith("Bonjour")


def test_control_characters_are_removed_but_the_words_are_kept(assistant: Assistant, sender: str):
    reply = assistant.reply_text(sender, "my\x00 basement\u200b is flooded\x1b from the sewer")
    assert "514-630-1234" in reply


@pytest.mark.parametrize(
    ("sender_id", "channel"),
    [
        ("x:dm:1234567890", "x"),
        ("x:public:1234567890", "x"),
        ("facebook:7263549812345678", "facebook"),
        ("webchat:0f3c2a9e8b7d4c6a", "webchat"),
        (" Facebook :7263549812345678", "facebook"),  # whatever the database's collation makes of it
    ],
)
def test_the_rest_channel_cannot_write_into_another_channels_conversation(
    assistant: Assistant, sender_id: str, channel: str
):
    answered, content = assistant.post_raw(json.dumps({"sender": sender_id, "message": "hello"}).encode())
    assert answered == 400
    explanation = json.loads(content)
    assert f"{channel}:" in explanation["error"] and f"{channel}:" in explanation["error_fr"]
    with sqlite3.connect(assistant.tracker_db) as connection:
        assert connection.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender_id,)).fetchone() == (0,)


def test_a_message_starting_with_a_slash_goes_through_nlu_not_rasa_commands(assistant: Assistant, sender: str):
    # Rasa runs "/intent{...}" as a command: no NLU, the intent forced and the entities (hence slots) set as given.
    assert assistant.send(sender, '/ask_jobs{"language": "en"}')  # answered, like any text
    with sqlite3.connect(assistant.tracker_db) as connection:
        [(data,)] = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchall()
    parse_data = json.loads(data)["parse_data"]
    assert not parse_data["text"].startswith("/")
    assert len(parse_data["intent_ranking"]) > 1  # the classifier ranked the intents; a command has one, at 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("/ask_jobs", "ask_jobs"), (' / /greet{"language": "en"}', 'greet{"language": "en"}'), ("a/b", "a/b"), ("/", "")],
)
def test_the_command_prefix_is_removed_from_residents_text(text: str, expected: str):
    assert without_command_prefix(text) == expected
