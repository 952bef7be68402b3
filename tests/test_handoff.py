"""Handoff to staff: asked for a person, or not understood twice; and never silence when the action server fails.

Through the real REST channel, model and action server; the action server's clock is frozen on Friday,
November 27, 2026 at 17:45, after office hours (tests/conftest.py).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME

from pointe_claire.language import LinguaIdentifier
from pointe_claire.names import FALLBACK_INTENT
from scripts.servers import Assistant

IDENTIFIER = LinguaIdentifier()


def stored_flags(assistant: Assistant, sender: str) -> list[dict[str, Any]]:
    """The `flags` slot as the tracker store holds it: what the staff pages will read."""
    with sqlite3.connect(assistant.tracker_db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot' ORDER BY id", (sender,)
        ).fetchall()
    values = [json.loads(data)["value"] for (data,) in rows if json.loads(data)["name"] == "flags"]
    return values[-1] if values else []


def test_english_resident_asking_for_a_person_is_handed_off_with_the_next_business_day(assistant, sender):
    reply = assistant.reply_text(sender, "can I please talk to a real person from the city?")
    assert reply.startswith("If this is urgent: municipal emergency 514-630-1234 (24/7); if anyone is in danger")
    assert "a staff member will follow up the next business day, Monday, November 30, from 8:30 a.m." in reply
    [flag] = stored_flags(assistant, sender)
    assert flag["kind"] == "handoff" and flag["reason"] == "asked_for_person" and flag["status"] == "open"
    assert flag["language"] == "en" and flag["at"].startswith("2026-11-27T17:45")


def test_french_resident_asking_for_a_person_is_handed_off_in_french(assistant: Assistant, sender: str):
    reply = assistant.reply_text(sender, "je voudrais parler à un employé de la ville svp")
    assert reply.startswith("Si c'est urgent : urgence municipale au 514-630-1234")
    assert "fera le suivi le prochain jour ouvrable, le lundi 30 novembre, à partir de 8 h 30" in reply
    [flag] = stored_flags(assistant, sender)
    assert (flag["reason"], flag["language"]) == ("asked_for_person", "fr")


def test_not_understood_twice_in_english_hands_off_to_staff(assistant: Assistant, sender: str):
    assistant.reply_text(sender, "Hello, I have a question about my street")
    first = assistant.reply_text(sender, "zxqv wprt")
    assert first.startswith("Sorry, I didn't quite understand")
    assert stored_flags(assistant, sender) == []
    second = assistant.reply_text(sender, "qwpoe zmxnb")
    assert "I've passed your conversation to the Communications team" in second
    assert [f["reason"] for f in stored_flags(assistant, sender)] == ["not_understood_twice"]


def test_not_understood_twice_in_french_hands_off_to_staff(assistant: Assistant, sender: str):
    assistant.reply_text(sender, "Bonjour, j'ai une question pour la ville")
    assert assistant.reply_text(sender, "zxqv wprt").startswith("Désolé, je n'ai pas bien compris")
    second = assistant.reply_text(sender, "qwpoe zmxnb")
    assert "j'ai transmis votre conversation à l'équipe des Communications" in second
    assert [f["reason"] for f in stored_flags(assistant, sender)] == ["not_understood_twice"]


def test_one_misunderstanding_between_understood_messages_is_not_a_handoff(assistant: Assistant, sender: str):
    assistant.reply_text(sender, "zxqv wprt")
    assistant.reply_text(sender, "where do I find the city's job offers?")
    reply = assistant.reply_text(sender, "qwpoe zmxnb")
    assert reply.startswith("Sorry, I didn't quite understand")
    assert stored_flags(assistant, sender) == []


def test_action_server_down_mid_conversation_still_gives_emergency_numbers(assistant: Assistant, sender: str):
    assert (
        IDENTIFIER.identify(assistant.reply_text(sender, "Bonjour, ma question porte sur les taxes")).language == "fr"
    )
    assistant.actions.stop()
    try:
        reply = assistant.reply_text(sender, "Quand est-ce que quelqu'un va me répondre?")
        assert "514-630-1234" in reply and "9-1-1" in reply and "514-630-1200" in reply
        assert IDENTIFIER.identify(reply).language == "fr"
        assert "response-only fallback was sent" in (assistant.workdir / "rasa.log").read_text(errors="replace")
    finally:
        assistant.actions.start()
    after = assistant.reply_text(sender, "Quand est-ce que quelqu'un va me répondre?")
    assert "le prochain jour ouvrable, le lundi 30 novembre" in after


def test_the_fallback_name_the_actions_and_review_app_read_is_rasas() -> None:
    """Two fallbacks in a row hand the resident to staff, and the review app flags "not understood", by this name."""
    assert FALLBACK_INTENT == DEFAULT_NLU_FALLBACK_INTENT_NAME
