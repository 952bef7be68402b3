"""Base of our trainable NLU components that keep what they learned as files inside the model (the unknown-words
guard's vocabulary, the second opinion's weights): Rasa's create/load plumbing, once."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData

Component = TypeVar("Component", bound="StoredComponent")


class StoredComponent(GraphComponent):
    """Built empty for training; loaded from its model files, or empty when the model holds none (trained
    without examples). Subclasses read their files in `read` and write them in `train`."""

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource

    @classmethod
    def create(
        cls: type[Component],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Component:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls: type[Component],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Component:
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                component.read(directory)
        except (ValueError, FileNotFoundError):
            pass  # nothing was stored: the component stays empty
        return component

    def read(self, directory: Path) -> None:
        """Takes back what `train` wrote into `directory`."""
        raise NotImplementedError

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
