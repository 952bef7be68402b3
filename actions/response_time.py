"""Tells a resident when the Communications team will read their message: now, or on a given business day.

Glue only: the calendar logic lives in pointe_claire.office_hours, the wording in domain.yml.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from pointe_claire import clock
from pointe_claire.city_facts import cached_city_facts
from pointe_claire.office_hours import BusinessCalendar, describe_follow_up, follow_up

# Variables this action gives to its response templates (the project checks accept them in domain.yml).
TEMPLATE_VARIABLES = ("follow_up_fr", "follow_up_en")


def follow_up_variables() -> dict[str, str]:
    """When staff will answer, in words, in both languages (the response picks its language)."""
    calendar = BusinessCalendar.from_facts(cached_city_facts().office_hours)
    expected = follow_up(calendar, clock.now())
    return {"follow_up_fr": describe_follow_up(expected, "fr"), "follow_up_en": describe_follow_up(expected, "en")}


class ActionAnswerResponseTime(Action):
    """Answers "when will someone reply?" with office hours and the concrete next opening."""

    def name(self) -> str:
        return "action_answer_response_time"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_response_time", **follow_up_variables())
        return []
