"""The netiquette through the deployed assistant: each labelled message gets its reminder and a stored flag; civil
messages, however strongly worded, get neither. Sets: tests/netiquette/netiquette_{fr,en}.yml."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.evaluate import stored_parse_data
from scripts.servers import Assistant
from tests.test_netiquette import KNOWN_MISSES

SETS = Path(__file__).resolve().parent / "netiquette"
# A phrase of each reminder, per language (domain.yml, utter_netiquette_<rule>).
REMINDER = {
    "abuse": {"fr": "garder un ton respectueux", "en": "keep a respectful tone"},
    "threat": {"fr": "Les menaces ne sont pas tolérées", "en": "Threats are not tolerated"},
    "political": {"fr": "ne peut pas prendre parti", "en": "cannot side with"},
    "solicitation": {"fr": "La sollicitation, la publicité", "en": "Solicitation, advertising"},
    "personal_information": {"fr": "votre vie privée et celle des autres", "en": "your privacy and others'"},
    "illegal": {"fr": "Les messages doivent respecter la loi", "en": "Messages must comply with the law"},
}
EMERGENCY_NUMBERS = ("9-1-1", "514-630-1234")


def labelled(language: str) -> dict[str, Any]:
    return yaml.safe_load((SETS / f"netiquette_{language}.yml").read_text(encoding="utf-8"))


def stored_netiquette(assistant: Assistant, sender: str) -> list[dict[str, Any]]:
    return stored_parse_data(assistant.tracker_db, [sender]).get(sender, {}).get("netiquette") or []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_violation_gets_its_reminder_in_the_residents_language_and_a_flag(assistant: Assistant, language: str):
    sets = labelled(language)
    failures = []
    for rule, messages in sets["rules"].items():
        for text in messages:
            if (rule, text) in KNOWN_MISSES:
                continue  # documented in tests/test_netiquette.py: the checker itself misses it
            sender = f"netiquette-{uuid.uuid4().hex[:12]}"
            reply = assistant.reply_text(sender, text)
            flags = {record["rule"] for record in stored_netiquette(assistant, sender)}
            answered_as_emergency = reply.lstrip().startswith(("🚨", "⚠️"))
            has_reminder = REMINDER[rule][language] in reply or (
                rule == "abuse" and REMINDER["threat"][language] in reply
            )
            if rule not in flags or not (has_reminder or answered_as_emergency):
                failures.append(f"[{rule}] flags={sorted(flags)} {text!r} -> {reply[:120]!r}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_threats_also_get_the_emergency_number(assistant: Assistant, language: str):
    missing = [
        text
        for text in labelled(language)["threats"]
        if not any(
            number in assistant.reply_text(f"threat-{uuid.uuid4().hex[:12]}", text) for number in EMERGENCY_NUMBERS
        )
    ]
    assert missing == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_civil_messages_get_no_reminder_and_no_flag(assistant: Assistant, language: str):
    flagged = []
    for text in labelled(language)["civil"]:
        sender = f"civil-{uuid.uuid4().hex[:12]}"
        reply = assistant.reply_text(sender, text)
        reminders = [rule for rule, phrases in REMINDER.items() if any(p in reply for p in phrases.values())]
        if reminders or stored_netiquette(assistant, sender):
            flagged.append(f"{reminders} {text!r}")
    assert flagged == [], "\n".join(flagged)


def test_an_insult_with_a_pothole_gets_the_reminder_then_the_complaint_channels(assistant: Assistant, sender: str):
    replies = [r["text"] for r in assistant.send(sender, "Réparez le maudit nid-de-poule sur Donegani, gang de caves")]
    assert replies[0].startswith("Nous vous demandons de garder un ton respectueux")
    assert "Voilà! Signalement" in replies[-1] and "514-630-1200" in replies[-1]


def test_strong_but_civil_complaints_are_answered_without_a_reminder(assistant: Assistant, sender: str):
    reply = assistant.reply_text(sender, "This is ridiculous, the potholes on Cedar have been there for months")
    assert "respectful tone" not in reply
    assert "514-630-1200" in reply


@pytest.mark.parametrize(
    ("text", "language", "place"),
    [
        ("Lampadaire brisé devant le 245 chemin du Bord-du-Lac", "fr", "245 chemin du Bord-du-Lac"),
        ("There's a pothole in front of 12 Douglas-Shand Avenue", "en", "12 Douglas-Shand Avenue"),
    ],
)
def test_the_place_of_a_problem_gets_no_privacy_reminder_and_is_stored_redacted(
    assistant: Assistant, text: str, language: str, place: str
):
    sender = f"place-{uuid.uuid4().hex[:12]}"
    reply = assistant.reply_text(sender, text)
    assert REMINDER["personal_information"][language] not in reply
    assert "personal_information" not in {record["rule"] for record in stored_netiquette(assistant, sender)}
    with sqlite3.connect(assistant.tracker_db) as connection:
        stored = " ".join(
            data for (data,) in connection.execute("SELECT data FROM events WHERE sender_id = ?", (sender,))
        )
    assert place not in stored and "[ADDRESS]" in stored


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Mon voisin Jean Roy au 12 rue Cedar laisse ses vidanges dehors", "fr"),
        ("My neighbour John lives at 12 Maple Street and never shovels", "en"),
    ],
)
def test_a_named_persons_address_still_opens_the_reply_with_the_privacy_reminder(
    assistant: Assistant, text: str, language: str
):
    assert REMINDER["personal_information"][language] in assistant.reply_text(f"person-{uuid.uuid4().hex[:12]}", text)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("On manque d'eau au chalet du parc Terra-Cotta, 30 personnes, contactez Luc au 514-555-0199", "fr"),
        ("Je m'appelle Marie Tremblay, 12 rue Cedar, 514-555-0199", "fr"),
        ("We are 6 people stuck at 45 Maple Avenue, John Smith 514-555-0199", "en"),
        ("John Smith, 45 Maple Avenue, 514-555-0199", "en"),
    ],
)
def test_a_message_answered_only_with_a_reminder_still_gives_both_emergency_numbers(
    assistant: Assistant, text: str, language: str
):
    """A plea that carries a contact's phone, which the safety net may miss, is never left with the privacy or
    solicitation reminder alone: the answer after it gives 514-630-1234 and 9-1-1, as the fallback's does."""
    sender = f"plea-{uuid.uuid4().hex[:12]}"
    reply = assistant.reply_text(sender, text)
    assert stored_netiquette(assistant, sender), reply
    assert all(number in reply for number in EMERGENCY_NUMBERS), reply
