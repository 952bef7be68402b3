"""Tells a resident when the Communications team will read their message: now, or on a given business day.

Glue only: the calendar logic lives in pointe_claire.office_hours, the wording in domain.yml.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.follow_up import follow_up_variables


class ActionAnswerResponseTime(Action):
    """Answers "when will someone reply?" with office hours and the concrete next opening."""

    def name(self) -> str:
        return "action_answer_response_time"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_response_time", **follow_up_variables())
        return []
