"""The netiquette's "no repeated comments", through the deployed assistant: the third identical message in a row
gets a notice instead of the same answer, and the conversation is flagged for staff."""

from __future__ import annotations

from scripts.servers import Assistant
from tests.test_handoff import stored_flags


def test_third_identical_comment_in_english_gets_the_notice_and_a_flag(assistant: Assistant, sender: str):
    message = "There's a huge pothole on my street, please fix it"
    first, second = (assistant.reply_text(sender, message) for _ in range(2))
    assert "514-630-1200" in first and first == second
    third = assistant.reply_text(sender, "there's a HUGE pothole on my street, please fix it!")
    assert third.startswith("We did receive your message; repeated comments are not allowed")
    [flag] = stored_flags(assistant, sender)
    assert (flag["kind"], flag["rule"], flag["language"]) == ("netiquette", "repeated", "en")
    assert assistant.reply_text(sender, "ok, when will someone answer me?").startswith("Our social media is managed")


def test_third_identical_comment_in_french_gets_the_notice_in_french(assistant: Assistant, sender: str):
    for _ in range(2):
        assert "514-630-1200" in assistant.reply_text(sender, "Mes vidanges ont pas été ramassées encore cette semaine")
    third = assistant.reply_text(sender, "Mes vidanges ont pas été ramassées encore cette semaine")
    assert third.startswith("Nous avons bien reçu votre message; les commentaires répétés ne sont pas permis")
    assert [f["rule"] for f in stored_flags(assistant, sender)] == ["repeated"]


def test_a_repeated_emergency_is_always_answered_with_the_number(assistant: Assistant, sender: str):
    for _ in range(4):
        assert "9-1-1" in assistant.reply_text(sender, "my neighbour's house is on fire!!")
    assert stored_flags(assistant, sender) == []


def test_two_identical_comments_are_not_a_repetition(assistant: Assistant, sender: str):
    for _ in range(2):
        assert "514-630-1200" in assistant.reply_text(sender, "There's a pothole on Hymus near the school")
    assert stored_flags(assistant, sender) == []
