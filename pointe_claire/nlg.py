"""The response generator the Rasa server uses (endpoints.yml, `nlg:`).

It renders domain.yml's responses like Rasa's own generator, with two additions: the facts of
`city_facts.yml` are template variables, and while the resident's language is unknown a response is sent
in both languages, French first.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from pointe_claire.city_facts import LANGUAGES, CityFacts, cached_city_facts

LANGUAGE_SLOT = "language"
BILINGUAL_SEPARATOR = "\n\n"


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
        return self.render(utter_action, tracker.current_slot_values(), output_channel, **kwargs)

    def render(
        self, utter_action: str, slots: dict[str, Any], output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        """The response for these slot values; variables given by an action win over facts of the same name."""
        variables = {**self._facts.variables, **kwargs}
        if slots.get(LANGUAGE_SLOT) in LANGUAGES:
            return self.generate_from_slots(utter_action, slots, output_channel, **variables)
        french, english = (
            self.generate_from_slots(utter_action, {**slots, LANGUAGE_SLOT: language}, output_channel, **variables)
            for language in LANGUAGES
        )
        if french is None or english is None or french.get("text") == english.get("text"):
            return french or english
        return {**french, "text": f"{french.get('text') or ''}{BILINGUAL_SEPARATOR}{english.get('text') or ''}"}
