"""One resident message of a public platform run through the reply guard with its answers collected, not sent:
the channel then decides what may be said in public and posts it itself.

Used by the X connector (mentions and direct messages) and the Facebook Page comments (`page_comments`). Read back
from the stored conversation after the turn: its language, whether it was an emergency, and whether the assistant
had answered in it before (the first public reply of a thread says it comes from the City's automated assistant).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from pointe_claire.channels.public_reply import PARAGRAPH
from pointe_claire.channels.reply_guard import STORE_ERRORS, GuardedTurns
from pointe_claire.names import BILINGUAL_PARTS_KEY, EMERGENCY_INTENTS, LANGUAGE_SLOT, LANGUAGES

_RESPONSE_KEY = "response"  # in a collected message: the name of the response it came from
_FIRST_OF_ANSWER = "first_of_answer"  # in a collected message: the first paragraph of an answer


class ResponseCollector(CollectingOutputChannel):
    """Collects the assistant's answers, the names of the responses they came from, and their French and English
    parts when the reply generator sent both."""

    @property
    def responses(self) -> list[str]:
        """Read from the collected messages themselves: when they are cleared (the reply guard clears them on a store
        failure before sending the fallback), the names go with them and cannot push the fallback into a DM."""
        return [str(m[_RESPONSE_KEY]) for m in self.messages if m.get(_RESPONSE_KEY)]

    @property
    def answers(self) -> list[str]:
        return [str(m["text"]) for m in self.messages if m.get("text")]

    @property
    def bilingual_parts(self) -> dict[str, str] | None:
        """The answers' French and English parts, each joined; None unless every answer came in both. Read from the
        first message of each answer (Rasa's collector splits an answer into one message per paragraph)."""
        firsts = [m for m in self.messages if m.get(_FIRST_OF_ANSWER)]
        parts = [m.get(BILINGUAL_PARTS_KEY) for m in firsts]
        if not parts or not all(isinstance(p, dict) and set(p) == set(LANGUAGES) for p in parts):
            return None
        return {code: PARAGRAPH.join(p[code] for p in parts if isinstance(p, dict)) for code in LANGUAGES}

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        name, parts = message.get("utter_action"), message.get(BILINGUAL_PARTS_KEY)
        before = len(self.messages)
        await super().send_response(recipient_id, message)
        for collected in self.messages[before:]:
            if name:
                collected[_RESPONSE_KEY] = str(name)
        if len(self.messages) > before:
            self.messages[before][_FIRST_OF_ANSWER] = True
            if parts:
                self.messages[before][BILINGUAL_PARTS_KEY] = parts


def may_be_an_emergency(tracker: DialogueStateTracker | None) -> bool:
    """The message was understood as an emergency (the safety net sets these intents), or the conversation could
    not be read back to tell (its store failing): a missed emergency costs more than numbers given for nothing."""
    if tracker is None:
        return True
    return tracker.latest_message is not None and tracker.latest_message.intent.get("name") in EMERGENCY_INTENTS


def answered_before(tracker: DialogueStateTracker | None) -> bool:
    """The assistant (or staff) had replied in the conversation before its latest message; False when unknown."""
    if tracker is None:
        return False
    events = list(tracker.events)
    last_user = max((i for i, event in enumerate(events) if isinstance(event, UserUttered)), default=0)
    return any(isinstance(event, BotUttered) for event in events[:last_user])


@dataclass(frozen=True)
class CollectedTurn:
    """The answers of one turn, with what the stored conversation says about it (None: not read back)."""

    collector: ResponseCollector
    tracker: DialogueStateTracker | None

    @property
    def language(self) -> str | None:
        return self.tracker.get_slot(LANGUAGE_SLOT) if self.tracker else None

    @property
    def emergency(self) -> bool:
        return may_be_an_emergency(self.tracker)

    @property
    def first_reply(self) -> bool:
        return not answered_before(self.tracker)


async def collected_turn(
    turns: GuardedTurns, agent: Agent | None, message: UserMessage, read_back: bool = True
) -> CollectedTurn:
    """Runs `message` (its output channel replaced by a collector) through the reply guard; with `read_back`, the
    stored conversation too, once it holds an answer (None when it cannot be read: treated as an emergency)."""
    collector = ResponseCollector()
    message.output_channel = collector
    await turns(message)
    tracker = None
    if read_back and collector.answers and agent is not None and agent.tracker_store is not None:
        try:
            tracker = await agent.tracker_store.retrieve_full_tracker(message.sender_id)
        except STORE_ERRORS:  # the store down: the reply guard has logged it; the answer goes out all the same
            tracker = None
    return CollectedTurn(collector, tracker)
