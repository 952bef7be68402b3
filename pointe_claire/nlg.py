"""The response generator the Rasa server uses (endpoints.yml, `nlg:`).

It renders domain.yml's responses like Rasa's own generator, with three additions: the facts of
`city_facts.yml` are template variables; while the resident's language is unknown a response is sent in both
languages, French first (the text both parts joined, and each part under `BILINGUAL_PARTS_KEY` for channels that
lay them out: one X post per language, one web chat bubble each); and the first answer to a message that breaks
the netiquette opens with a reminder of each rule broken (never before an emergency answer).
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from pointe_claire.city_facts import CityFacts, cached_city_facts
from pointe_claire.names import (
    BILINGUAL_PARTS_KEY,
    EMERGENCY_INTENTS,
    ENGLISH,
    FRENCH,
    LANGUAGE_SLOT,
    LANGUAGES,
    NETIQUETTE_KEY,
    REPLY_LANGUAGE_KEY,
)

BILINGUAL_SEPARATOR = "\n\n"


def netiquette_reminders(tracker: DialogueStateTracker) -> list[str]:
    """The reminder responses for the resident's latest message, once per turn (with its first answer)."""
    message = tracker.latest_message
    records = (message.parse_data or {}).get(NETIQUETTE_KEY) if message else None
    if not message or not records:
        return []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            return []  # this turn already opened with the reminders
    rules: list[str] = []
    for record in records:
        rule = "threat" if record.get("threat") else str(record.get("rule"))
        if rule not in rules:
            rules.append(rule)
    if "threat" in rules and "abuse" in rules:
        rules.remove("abuse")  # the threat reminder says more, and gives 9-1-1
    return [f"utter_netiquette_{rule}" for rule in rules]


def reminders_around(tracker: DialogueStateTracker) -> tuple[list[str], list[str]]:
    """(opening, closing) reminders of this turn's answer: an emergency answer is never preceded by anything."""
    reminders = netiquette_reminders(tracker)
    message = tracker.latest_message
    if message and message.intent.get("name") in EMERGENCY_INTENTS:
        return [], reminders
    return reminders, []


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
        return self.render(
            utter_action, tracker.current_slot_values(), output_channel, opening, closing=closing, **kwargs
        )

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
        around = (opening or [], closing or [])
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
        around: tuple[list[str], list[str]],
        channel: str,
        variables: dict[str, Any],
    ) -> dict[str, Any] | None:
        response = self.generate_from_slots(utter_action, slots, channel, **variables)
        if response is None:
            return None
        response = {**response, REPLY_LANGUAGE_KEY: slots.get(LANGUAGE_SLOT)}
        opening, closing = around
        if not (opening or closing):
            return response

        def texts(names: list[str]) -> list[str]:
            rendered = (self.generate_from_slots(name, slots, channel, **variables) or {} for name in names)
            return [text for text in (r.get("text") for r in rendered) if text]

        parts = [*texts(opening), response.get("text") or "", *texts(closing)]
        return {**response, "text": BILINGUAL_SEPARATOR.join(parts)}
