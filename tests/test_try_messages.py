"""`make try` (scripts/try_messages.py): what a trainer sees for a message, from the real model and action server."""

from __future__ import annotations

import json

import pytest

from scripts import try_messages
from scripts.servers import Assistant
from scripts.try_messages import Endpoint, as_json, describe, try_message


def test_try_shows_a_french_emergency_as_the_resident_gets_it(assistant: Assistant) -> None:
    tried = try_message(Endpoint.of(assistant), "Il y a un bris d'aqueduc devant chez moi!!")
    assert tried.language == "fr"
    assert tried.intents[0] == ("report_municipal_emergency", 1.0)
    assert tried.safety is not None and tried.safety["kind"] == "municipal"
    assert any("514-630-1234" in part for part in tried.reply)
    shown = describe(tried)
    assert 'safety      municipal: "bris d\'aqueduc"' in shown and "514-630-1234" in shown


def test_try_shows_the_netiquette_rule_and_the_top_three_intents(assistant: Assistant) -> None:
    tried = try_message(Endpoint.of(assistant), "Your snow removal crews are a bunch of useless idiots")
    assert tried.language == "en"
    assert [record["rule"] for record in tried.netiquette] == ["abuse"]
    assert len(tried.intents) == 3 and tried.intents[0][0] == "netiquette_violation"
    assert any("respectful" in part for part in tried.reply)
    assert "netiquette  abuse" in describe(tried)


def test_each_try_is_a_conversation_of_its_own(assistant: Assistant) -> None:
    endpoint = Endpoint.of(assistant)
    try_message(endpoint, "Bonjour, à quelle heure ouvre l'hôtel de ville?")
    tried = try_message(endpoint, "👍👍")
    # In the French conversation the thumbs would be answered in French; a new one does not know the language yet.
    assert tried.language is None
    assert len(tried.reply) >= 2 or "\n\n" in tried.reply[0]


def test_the_json_form_holds_every_finding(assistant: Assistant) -> None:
    tried = try_message(Endpoint.of(assistant), "Bonjour, à quelle heure ouvre l'hôtel de ville?")
    record = json.loads(as_json(tried))
    assert set(record) == {"text", "language", "intents", "safety", "netiquette", "reply"}
    assert record["language"] == "fr" and record["reply"]


def test_stopping_with_nothing_running_says_so(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(try_messages, "STATE_FILE", tmp_path / "servers.json")
    assert try_messages.stop() is False
    (tmp_path / "servers.json").write_text("not json")
    assert try_messages.stop() is False and not (tmp_path / "servers.json").exists()
