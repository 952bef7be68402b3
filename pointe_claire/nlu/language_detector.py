"""NLU component that names the language of each message; last in the pipeline (config.yml).

When it is sure, it adds a `language` entity ("fr" or "en") that fills the `language` slot; when it is not
(short "ok", "merci", "lol") it adds nothing, so the conversation keeps its language. A message in another
language gets the intent `other_language`, whatever the classifier thought.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from pointe_claire.language import OTHER, LanguageIdentifier, default_identifier
from pointe_claire.nlu.message_rule import MessageRule

LANGUAGE_ENTITY = "language"
OTHER_LANGUAGE_INTENT = "other_language"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER],
    is_trainable=False,
)
class LanguageDetector(MessageRule):
    """Sets the `language` entity when sure, and the `other_language` intent for other languages."""

    def __init__(self, identifier: LanguageIdentifier) -> None:
        self._identifier = identifier

    @classmethod
    def build(cls) -> LanguageDetector:
        return cls(default_identifier())

    def annotate(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        guess = self._identifier.identify(text)
        if guess.language == OTHER:
            message.set(INTENT, {"name": OTHER_LANGUAGE_INTENT, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": OTHER_LANGUAGE_INTENT, "confidence": 1.0}], add_to_output=True)
        elif guess.language is not None:
            entity = {
                "entity": LANGUAGE_ENTITY,
                "value": guess.language,
                "start": 0,
                "end": len(text),
                "confidence_entity": round(guess.confidence, 3),
                "extractor": self.__class__.__name__,
            }
            message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
