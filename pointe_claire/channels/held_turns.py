"""A resident's message in a conversation a staff member holds (`pointe_claire.takeover`): stored, marked, and left
unanswered by the assistant, so that it does not talk over the staff member; an emergency is still answered, by the
assistant's usual turn (the emergency numbers first).

Called by the reply guard (`pointe_claire.channels.reply_guard`) for every channel's messages, before the turn:
the one place that decides whether the assistant answers, so no channel has a take-over rule of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted

from pointe_claire import takeover
from pointe_claire.names import EMERGENCY_INTENTS, HELD_BY_STAFF_KEY, SAFETY_NET_KEY
from pointe_claire.tracker_store import RedactingSQLTrackerStore

# Answered by the assistant even while staff hold the conversation: emergencies, and the welcome's "emergency
# numbers" button (it only ever gives the numbers).
ANSWERED_DURING_TAKEOVER = EMERGENCY_INTENTS | {"ask_emergency_numbers"}


def still_answered(parse_data: Mapping[str, Any]) -> bool:
    """Whether the assistant answers this message although staff hold the conversation."""
    intent = parse_data.get("intent")
    name = intent.get("name") if isinstance(intent, Mapping) else None
    return name in ANSWERED_DURING_TAKEOVER or bool(parse_data.get(SAFETY_NET_KEY))


async def kept_silent(agent: Agent | None, store: RedactingSQLTrackerStore | None, message: UserMessage) -> bool:
    """True when staff hold the conversation and the message was stored without an answer. Otherwise False, and
    the turn goes on as usual (a held conversation's message is then marked, and parsed only once)."""
    processor = getattr(agent, "processor", None)
    if agent is None or store is None or processor is None:
        return False
    held = takeover.held(store.engine, message.sender_id)
    if held is None:
        return False
    message.metadata = {**(message.metadata or {}), HELD_BY_STAFF_KEY: {"by": held.held_by}}
    if message.parse_data is None:
        message.parse_data = dict(await processor.parse_message(message))
    if still_answered(message.parse_data):
        return False
    async with agent.lock_store.lock(message.sender_id):
        tracker = await processor.log_message(message, should_save_tracker=False)
        # Listening again, as after any turn: the next message (handed back or not) is read in a well-formed history.
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        await processor.save_tracker(tracker)
    return True
