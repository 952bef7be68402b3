"""Malformed requests on the REST webhook get a clear 4xx in both languages, never a 500, and lose nothing."""

from __future__ import annotations

import json

import pytest

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
