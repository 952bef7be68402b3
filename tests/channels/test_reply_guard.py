"""The reply guard every channel hands its turns to (pointe_claire/channels/reply_guard.py), in-process: what the
resident receives when the turn sends nothing or fails, and a clear stop when Rasa lacks the hook it needs."""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from sanic import Sanic

from pointe_claire.channels.reply_guard import GuardedTurns, StoreUnavailable
from pointe_claire.city_facts import PROJECT_ROOT
from pointe_claire.nlg import BilingualFactsNLG


def _server(tracker_store: Any) -> Sanic:
    app = Sanic(f"guard_{uuid.uuid4().hex}")
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    app.ctx.agent = SimpleNamespace(tracker_store=tracker_store, nlg=BilingualFactsNLG(domain=domain))
    return app


def _turn(handler: Any, store: Any) -> tuple[bool, list[dict[str, Any]]]:
    turns = GuardedTurns(handler)
    turns.start(_server(store))
    collector = CollectingOutputChannel()
    sent = asyncio.run(turns(UserMessage("allo", collector, "resident-1", input_channel="rest")))
    return sent, collector.messages


async def _nothing(message: UserMessage) -> None:
    return None


def _fail_safe() -> FailSafeTrackerStore:
    return FailSafeTrackerStore(InMemoryTrackerStore(Domain.empty()))


def test_a_turn_with_no_reply_gets_the_emergency_numbers_in_both_languages() -> None:
    sent, messages = _turn(_nothing, _fail_safe())
    french, english = (m["text"] for m in messages)  # Rasa's collector: one message per paragraph
    assert sent and french.startswith("Désolé") and english.startswith("Sorry")
    assert all("9-1-1" in text and "514-630-1234" in text for text in (french, english))


def test_a_failing_turn_gets_the_fallback_and_never_raises() -> None:
    async def broken(message: UserMessage) -> None:
        raise ValueError("a bug in an action")

    sent, messages = _turn(broken, _fail_safe())
    assert sent and "9-1-1" in messages[0]["text"]


def test_a_store_failure_drops_the_collected_reply_and_sends_the_fallback() -> None:
    async def store_down(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "a reply that was never stored")
        raise StoreUnavailable("OperationalError: connection refused")

    sent, messages = _turn(store_down, _fail_safe())
    assert sent and [m["text"] for m in messages if "never stored" in m["text"]] == []
    assert "514-630-1234" in messages[0]["text"]


def test_a_reply_is_left_alone() -> None:
    async def answers(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "Bonjour!"})

    sent, messages = _turn(answers, _fail_safe())
    assert sent and [m["text"] for m in messages] == ["Bonjour!"]


def test_start_up_stops_with_a_clear_message_when_rasa_lacks_the_store_error_hook() -> None:
    store = _fail_safe()
    del store._on_tracker_store_error
    with pytest.raises(RuntimeError, match="FailSafeTrackerStore._on_tracker_store_error"):
        GuardedTurns(_nothing).start(_server(store))


def test_the_store_error_hook_is_attached_once_per_tracker_store() -> None:
    store = _fail_safe()
    app = _server(store)
    first, second = GuardedTurns(_nothing), GuardedTurns(_nothing)
    first.start(app)
    hook = store._on_tracker_store_error
    second.start(app)  # a second channel of the same server shares the guard
    assert store._on_tracker_store_error is hook and app.ctx.reply_guard is not None
