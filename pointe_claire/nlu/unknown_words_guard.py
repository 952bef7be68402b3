"""NLU component that sends messages with no known word to the fallback (config.yml, after the classifier).

The classifier reads character n-grams, so "aaaa…" or a string of symbols can look like "goodbye" with high
confidence. A message none of whose words the training data ever used gets `nlu_fallback` instead: the
resident is told what the assistant can do, with the emergency numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from pointe_claire.nlu.stored_component import StoredComponent

VOCABULARY_FILE = "vocabulary.json"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UnknownWordsGuard(StoredComponent):
    """Remembers the (accent-folded) words of the training examples; overrides the intent when none is known."""

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, model_storage, resource)
        self._vocabulary: frozenset[str] = frozenset()

    def read(self, directory: Path) -> None:
        self._vocabulary = frozenset(json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8")))

    def train(self, training_data: TrainingData) -> Resource:
        words = sorted({lemma for example in training_data.intent_examples for lemma in _lemmas(example)})
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self.has_no_known_word(message):
                confidence = 1.0
                intent = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": confidence}
                ranking = [
                    intent,
                    *[
                        r
                        for r in message.get(INTENT_RANKING_KEY, [])
                        if r.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME
                    ],
                ]
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def has_no_known_word(self, message: Message) -> bool:
        lemmas = _lemmas(message)
        return bool(self._vocabulary) and not any(lemma in self._vocabulary for lemma in lemmas)


def _lemmas(message: Message) -> list[str]:
    tokens: list | None = message.get(TOKENS_NAMES[TEXT])
    return [token.lemma for token in tokens or [] if token.lemma != "__CLS__"]
