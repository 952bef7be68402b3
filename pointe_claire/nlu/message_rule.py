"""Base of our non-trainable NLU components: each applies one rule layer (topics, language, netiquette, safety) to
every message, after the classifier. Subclasses say how they are built and what they do to one message.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class MessageRule(GraphComponent):
    """Rasa's component plumbing, once: nothing to train, and `annotate` called on each message."""

    @classmethod
    def build(cls) -> MessageRule:
        """The component with its default rule layer (loaded once per process by the layer's own cache)."""
        raise NotImplementedError

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MessageRule:
        return cls.build()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self.annotate(message)
        return messages

    def annotate(self, message: Message) -> None:
        raise NotImplementedError


# The answer to a statement that is no request: civil commentary gets what this account can and cannot help with.
COMMENT_INTENT = "out_of_scope"


def decide_intent(message: Message, name: str) -> dict[str, Any]:
    """A rule's intent replaces the classifier's, whose ranking stays below it for staff and the safety net."""
    intent = {INTENT_NAME_KEY: name, "confidence": 1.0}
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *(message.get(INTENT_RANKING_KEY) or [])], add_to_output=True)
    return intent


def set_aside(message: Message, asks: bool) -> dict[str, Any]:
    """The classifier's guess set aside: a question is "not understood" (the resident may rephrase), a statement is
    answered as a comment; both answers give the emergency numbers."""
    return decide_intent(message, DEFAULT_NLU_FALLBACK_INTENT_NAME if asks else COMMENT_INTENT)
