"""The response generator the Rasa server uses (endpoints.yml, `nlg:`).

It renders domain.yml's responses like Rasa's own generator, with three additions: the facts of
`city_facts.yml` are template variables; while the resident's language is unknown a response is sent in both
languages, French first (the text both parts joined, and each part under `BILINGUAL_PARTS_KEY` for channels that
lay them out: one X post per language, one web chat bubble each); and the first answer to a message that breaks
the netiquette opens with a reminder of each rule broken (never before an emergency answer); and the first answer to
a message about a running staff alert opens with the alert (after an emergency answer, never before it; on public
X posts the channel adds the alert's short form itself).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from pointe_claire.alerts import active, notice
from pointe_claire.alerts.records import Alert
from pointe_claire.city_facts import CityFacts, cached_city_facts
from pointe_claire.names import (
    ALERTS_KEY,
    BILINGUAL_PARTS_KEY,
    EMERGENCY_INTENTS,
    ENGLISH,
    FRENCH,
    LANGUAGE_SLOT,
    LANGUAGES,
    NETIQUETTE_KEY,
    PUBLIC,
    REPLY_LANGUAGE_KEY,
    X_VISIBILITY_KEY,
)

BILINGUAL_SEPARATOR = "\n\n"
# A sentence's period after a variable that ends with an abbreviation's ("from 8:30 a.m." + "."): one is enough.
_DOUBLED_PERIOD = re.compile(r"(\b(?:[A-Za-z]\.){2,})\.(?!\w)")


def _first_answer_of_turn(tracker: DialogueStateTracker) -> bool:
    """No answer was sent since the resident's latest message: what opens a turn is added once."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, BotUttered):
            return False
    return True


def netiquette_reminders(tracker: DialogueStateTracker) -> list[str]:
    """The reminder responses for the resident's latest message, once per turn (with its first answer)."""
    message = tracker.latest_message
    records = (message.parse_data or {}).get(NETIQUETTE_KEY) if message else None
    if not message or not records or not _first_answer_of_turn(tracker):
        return []
    rules: list[str] = []
    for record in records:
        rule = "threat" if record.get("threat") else str(record.get("rule"))
        if rule not in rules:
            rules.append(rule)
    if "threat" in rules and "abuse" in rules:
        rules.remove("abuse")  # the threat reminder says more, and gives 9-1-1
    return [f"utter_netiquette_{rule}" for rule in rules]


def is_emergency(tracker: DialogueStateTracker) -> bool:
    message = tracker.latest_message
    return bool(message and message.intent.get("name") in EMERGENCY_INTENTS)


def reminders_around(tracker: DialogueStateTracker) -> tuple[list[str], list[str]]:
    """(opening, closing) reminders of this turn's answer: an emergency answer is never preceded by anything."""
    reminders = netiquette_reminders(tracker)
    return ([], reminders) if is_emergency(tracker) else (reminders, [])


def turn_alerts(tracker: DialogueStateTracker) -> list[Alert]:
    """The running alerts the resident's latest message matched (`pointe_claire.channels.alert_turns`), with the
    turn's first answer; none for a public X post, whose channel adds their short form within its length limit."""
    message = tracker.latest_message
    if not message or not _first_answer_of_turn(tracker):
        return []
    if (message.metadata or {}).get(X_VISIBILITY_KEY) == PUBLIC:
        return []
    return active.recent((message.parse_data or {}).get(ALERTS_KEY))


class BilingualFactsNLG(TemplatedNaturalLanguageGenerator):
    """Domain responses with city facts filled in, in the resident's language or in both."""

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        domain: Domain | None = None,
        facts: CityFacts | None = None,
    ) -> None:
        super().__init__((domain or Domain.empty()).responses)
        self._facts = facts or cached_city_facts()

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        opening, closing = reminders_around(tracker)
        around = _Around(opening, closing, tuple(turn_alerts(tracker)), alerts_first=not is_emergency(tracker))
        variables = {**self._facts.variables, **kwargs}
        return self._render(utter_action, tracker.current_slot_values(), output_channel, around, variables)

    def generate_from_slots(
        self, utter_action: str, filled_slots: dict[str, Any], output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        response = super().generate_from_slots(utter_action, filled_slots, output_channel, **kwargs)
        if response and response.get("text"):
            response = {**response, "text": _DOUBLED_PERIOD.sub(r"\1", response["text"])}
        return response

    def render(
        self,
        utter_action: str,
        slots: dict[str, Any],
        output_channel: str,
        opening: list[str] | None = None,
        closing: list[str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """The response for these slot values, between the `opening` and `closing` responses; variables given by an
        action win over facts of the same name."""
        variables = {**self._facts.variables, **kwargs}
        return self._render(utter_action, slots, output_channel, _Around(opening or [], closing or []), variables)

    def _render(
        self, utter_action: str, slots: dict[str, Any], output_channel: str, around: _Around, variables: dict[str, Any]
    ) -> dict[str, Any] | None:
        if slots.get(LANGUAGE_SLOT) in LANGUAGES:
            return self._render_in(slots, utter_action, around, output_channel, variables)
        french, english = (
            self._render_in({**slots, LANGUAGE_SLOT: language}, utter_action, around, output_channel, variables)
            for language in LANGUAGES
        )
        if french is None or english is None:
            return french or english
        # Sent in both languages (or in words common to both): no one language to name.
        both = {key: value for key, value in french.items() if key != REPLY_LANGUAGE_KEY}
        if french.get("text") == english.get("text"):
            return both
        parts = {FRENCH: french.get("text") or "", ENGLISH: english.get("text") or ""}
        return {**both, "text": BILINGUAL_SEPARATOR.join(parts.values()), BILINGUAL_PARTS_KEY: parts}

    def _render_in(
        self,
        slots: dict[str, Any],
        utter_action: str,
        around: _Around,
        channel: str,
        variables: dict[str, Any],
    ) -> dict[str, Any] | None:
        response = self.generate_from_slots(utter_action, slots, channel, **variables)
        if response is None:
            return None
        language = slots.get(LANGUAGE_SLOT)
        response = {**response, REPLY_LANGUAGE_KEY: language}
        if not (around.opening or around.closing or around.alerts):
            return response

        def texts(names: list[str]) -> list[str]:
            rendered = (self.generate_from_slots(name, slots, channel, **variables) or {} for name in names)
            return [text for text in (r.get("text") for r in rendered) if text]

        alerts = [notice.full(around.alerts, str(language))] if around.alerts else []
        before, after = (alerts, []) if around.alerts_first else ([], alerts)
        parts = [*before, *texts(around.opening), response.get("text") or "", *texts(around.closing), *after]
        return {**response, "text": BILINGUAL_SEPARATOR.join(parts)}


@dataclass(frozen=True)
class _Around:
    """What surrounds one answer: reminders before and after it, and the turn's alerts first (or last)."""

    opening: list[str]
    closing: list[str]
    alerts: tuple[Alert, ...] = ()
    alerts_first: bool = True
