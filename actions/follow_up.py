"""When staff will next read a conversation, as template variables for the responses that promise a follow-up.

Shared by the response-time and handoff actions; the calendar logic lives in pointe_claire.office_hours.
"""

from __future__ import annotations

from datetime import datetime

from pointe_claire import clock
from pointe_claire.city_facts import cached_city_facts
from pointe_claire.office_hours import BusinessCalendar, describe_follow_up, follow_up

# Variables these actions give to their response templates (the project checks accept them in domain.yml).
TEMPLATE_VARIABLES = ("follow_up_fr", "follow_up_en")


def follow_up_variables(moment: datetime | None = None) -> dict[str, str]:
    """When staff will answer, in words, in both languages (the response picks its language)."""
    calendar = BusinessCalendar.from_facts(cached_city_facts().office_hours)
    expected = follow_up(calendar, moment or clock.now())
    return {"follow_up_fr": describe_follow_up(expected, "fr"), "follow_up_en": describe_follow_up(expected, "en")}
