"""The quicker TensorFlow model load (pointe_claire/nlu/tf_model_load.py): Rasa's answers; Rasa's load if it fails."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.utils.tensorflow.models import RasaModel

from bench.model_load import answers, tf_nodes
from pointe_claire.nlu import tf_model_load
from scripts.nlu_files import PROJECT_ROOT, evaluation_examples


def test_the_assistants_model_loaded_the_quick_way_answers_as_loaded_rasas_way(
    trained_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    texts = [ex.text for language in ("fr", "en") for ex in evaluation_examples(language)[:40]]
    with tf_model_load.rasas_own_load():
        agent = Agent.load(str(trained_model))
        assert RasaModel.__dict__["load"] is tf_model_load._RASA_LOAD  # loading did not install ours again
    rasas = answers(agent, texts)
    nodes = tf_nodes(agent)
    assert len(nodes) == 2
    # DIET and TED again, the quick way, from the archive unpacked again (the agent's unpacked copy is gone)
    storage, _ = LocalModelStorage.from_model_archive(tmp_path / "storage", trained_model)
    with caplog.at_level(logging.WARNING, logger=tf_model_load.__name__):
        for node in nodes:
            node._model_storage = storage
            node._load_component()
    assert not caplog.records  # the quick way itself, not Rasa's after a failure
    assert answers(agent, texts) == rasas


def test_when_the_quick_way_fails_rasas_own_load_is_used(monkeypatch: pytest.MonkeyPatch, caplog):
    calls = []

    class Unbuildable(RasaModel):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise ValueError("no such layer")

    def rasas_load(cls: type, *args: Any, **kwargs: Any) -> str:
        calls.append((cls, args[0]))
        return "Rasa's model"

    monkeypatch.setattr(tf_model_load, "_RASA_LOAD", classmethod(rasas_load))
    with caplog.at_level(logging.WARNING, logger=tf_model_load.__name__):
        model = tf_model_load._load_without_training_graph(Unbuildable, "weights.tf_model", None)
    assert model == "Rasa's model" and calls == [(Unbuildable, "weights.tf_model")]
    assert "loading it Rasa's way" in caplog.text and "no such layer" in caplog.text


def test_fine_tuning_and_other_rasa_versions_load_rasas_way(monkeypatch: pytest.MonkeyPatch):
    calls: list[bool] = []

    def rasas_load(cls: type, *args: Any, **kwargs: Any) -> str:
        calls.append(args[3])  # finetune_mode
        return "Rasa's"

    monkeypatch.setattr(tf_model_load, "_RASA_LOAD", classmethod(rasas_load))
    assert tf_model_load._load_without_training_graph(RasaModel, "w", None, None, True) == "Rasa's"
    monkeypatch.setattr(tf_model_load.rasa, "__version__", "3.7.0")
    assert tf_model_load._load_without_training_graph(RasaModel, "w", None, None, False) == "Rasa's"
    assert calls == [True, False]


INSTALLED_BY_THE_TOKENIZER = """
import pointe_claire.nlu.tokenizer
from rasa.utils.tensorflow.models import RasaModel
from pointe_claire.nlu import tf_model_load
print(RasaModel.__dict__["load"].__func__ is tf_model_load._load_without_training_graph)
"""


def test_importing_the_tokenizer_as_rasa_does_installs_the_quick_load():
    run = subprocess.run(
        [sys.executable, "-c", INSTALLED_BY_THE_TOKENIZER],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    )
    assert run.stdout.split()[-1] == "True"


def test_the_sentence_encoder_is_still_imported_without_tensorflow():
    check = "import sys, pointe_claire.nlu.sentence_encoder; print('tensorflow' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT)
    assert run.stdout.split()[-1] == "False"
