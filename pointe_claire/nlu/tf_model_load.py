"""Loads Rasa's TensorFlow models (DIET, TED) without tracing a training graph: every model load about 20 s sooner.

Installed by the tokenizer's module (pointe_claire/nlu/tokenizer.py: in every pipeline of ours, and Rasa imports it
before it loads DIET or TED), so every Rasa server, report and `rasa test` loads this way. Rasa 3.6's
`RasaModel.load` makes a saved model's variables by training it one step on one example, then restores the weights.
Tracing that step's graph is about half of a model load (bench/results/model_load.md). Here the step runs eagerly:
the same Python code makes the same variables, and no graph is traced for it. The optimizer it used is replaced,
because its slots were made in another order than the checkpoint's and inference needs none. Then the weights are
restored and the prediction graph is traced, as in Rasa's own load.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import rasa
import tensorflow as tf
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"  # the version whose RasaModel.load this follows (requirements.lock); any other loads as usual
_RASA_LOAD = RasaModel.__dict__["load"]


def _load_without_training_graph(
    cls: type[RasaModel],
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: RasaModelData | None = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    """RasaModel.load with its building step run eagerly; Rasa's own load for fine-tuning or if anything differs."""
    rasa_load = _RASA_LOAD.__get__(None, cls)
    if finetune_mode or rasa.__version__ != RASA_VERSION:
        return rasa_load(model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs)
    config = kwargs.get("config", {})
    try:
        model = cls(*args, **kwargs)
        model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)), run_eagerly=True)
        model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)
        model.compile(
            optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)), run_eagerly=config.get(RUN_EAGERLY)
        )
        # Every variable made gets its value; the checkpoint's optimizer slots, which inference never reads, are
        # left unread without a warning per slot in the server's log.
        model.load_weights(model_file_name).assert_existing_objects_matched().expect_partial()
    except Exception as error:  # noqa: BLE001 - Rasa's own load is always right, only slower
        # TED's load turns a ValueError into a policy without a model: never let this shortcut be the cause.
        logger.warning("Loading %s the quick way failed (%s): loading it Rasa's way.", cls.__name__, error)
        return rasa_load(model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs)
    if predict_data_example:
        model.run_inference(predict_data_example)  # traces the prediction graph with the restored weights
    return model


def install() -> None:
    """Makes every RasaModel subclass (DIET, TED) load without tracing a training graph."""
    RasaModel.load = classmethod(_load_without_training_graph)


@contextmanager
def rasas_own_load() -> Iterator[None]:
    """Rasa's own load inside the block (the benchmark's "before", the test's reference), ours again after it."""
    # Loading a model imports the tokenizer's module, which installs ours: imported first, it cannot do it inside.
    importlib.import_module("pointe_claire.nlu.tokenizer")
    RasaModel.load = _RASA_LOAD
    try:
        yield
    finally:
        install()
