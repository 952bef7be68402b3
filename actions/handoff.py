"""Hands a conversation to the Communications team: when the resident asks for a person, or when the assistant
failed to understand twice in a row. The conversation is flagged for staff, and the resident told when.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.follow_up import follow_up_variables
from pointe_claire import clock
from pointe_claire.names import FALLBACK_INTENT, FLAGS_SLOT, LANGUAGE_SLOT, FlagRecord

ASKED_FOR_PERSON = "asked_for_person"
NOT_UNDERSTOOD_TWICE = "not_understood_twice"


def handoff_flag(reason: str, language: str | None, at: str) -> FlagRecord:
    """The record staff pages filter on: an open handoff, why, in which language, since when."""
    return {"kind": "handoff", "reason": reason, "status": "open", "language": language, "at": at}


def user_intents(events: list[dict[str, Any]]) -> list[str]:
    """The intents of the resident's messages, oldest first."""
    return [
        (event.get("parse_data") or {}).get("intent", {}).get("name", "")
        for event in events
        if event.get("event") == "user"
    ]


def not_understood_twice(events: list[dict[str, Any]]) -> bool:
    """True when the resident's last two messages both fell to the fallback."""
    intents = user_intents(events)
    return len(intents) >= 2 and intents[-1] == intents[-2] == FALLBACK_INTENT


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> list[dict[str, Any]]:
    dispatcher.utter_message(response="utter_handoff", **follow_up_variables())
    flags = list(tracker.get_slot(FLAGS_SLOT) or [])
    flags.append(handoff_flag(reason, tracker.get_slot(LANGUAGE_SLOT), clock.now().isoformat(timespec="seconds")))
    return [SlotSet(FLAGS_SLOT, flags)]


class ActionHandOffToStaff(Action):
    """The resident asked for a person."""

    def name(self) -> str:
        return "action_hand_off_to_staff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return hand_off(dispatcher, tracker, ASKED_FOR_PERSON)


class ActionHandleFallback(Action):
    """Not understood: say what the assistant can do; the second time in a row, hand off to staff."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not_understood_twice(tracker.events):
            return hand_off(dispatcher, tracker, NOT_UNDERSTOOD_TWICE)
        dispatcher.utter_message(response="utter_default")
        return []
