"""Base of our non-trainable NLU components: each applies one rule layer (language, netiquette, safety) to every
message, after the classifier. Subclasses say how they are built and what they do to one message.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
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
