"""The model is stale exactly when something that shapes it changed (scripts/model_freshness.py)."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from scripts.model_freshness import ensure_fresh_model, fingerprint, is_fresh, training_inputs, training_lock
from scripts.nlu_files import PROJECT_ROOT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what training reads, plus a module no component imports."""
    for name in ("config.yml", "domain.yml"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    for folder in ("data", "pointe_claire"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_inputs_follow_the_components_imports_to_helper_modules() -> None:
    inputs = {str(path.relative_to(PROJECT_ROOT)) for path in training_inputs()}
    assert {"config.yml", "domain.yml", "pointe_claire/nlu/tokenizer.py"} <= inputs
    assert "pointe_claire/text_normalization.py" in inputs  # imported by the tokenizer, not named in config.yml
    assert "pointe_claire/policies/repeated_comment.py" in inputs
    assert any(name.startswith("data/nlu/") for name in inputs)
    assert "pointe_claire/channels/x.py" not in inputs and "review/app.py" not in inputs


@pytest.mark.parametrize(
    ("changed", "stale"),
    [
        ("pointe_claire/text_normalization.py", True),
        ("config.yml", True),
        ("domain.yml", True),
        ("pointe_claire/channels/x.py", False),  # a channel shapes no model
    ],
)
def test_fingerprint_changes_exactly_with_what_shapes_the_model(project: Path, changed: str, stale: bool) -> None:
    before = fingerprint(project)
    with (project / changed).open("a", encoding="utf-8") as file:
        file.write("\n# edited\n")
    assert (fingerprint(project) != before) is stale


def test_a_new_training_file_makes_the_model_stale(project: Path) -> None:
    model = project / "models" / "pointe-claire.tar.gz"
    model.parent.mkdir()
    model.write_bytes(b"model")
    assert not is_fresh(model, project)  # no fingerprint stored beside it: trained by hand, unknown inputs
    model.with_name(model.name + ".fingerprint").write_text(fingerprint(project) + "\n")
    assert is_fresh(model, project)
    (project / "data" / "nlu" / "fr" / "new_topic.yml").write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")
    assert not is_fresh(model, project)


def test_a_fine_tuned_model_serves_the_fast_round_only(project: Path) -> None:
    model = project / "models" / "pointe-claire.tar.gz"
    model.parent.mkdir()
    model.write_bytes(b"model")
    stamp = model.with_name(model.name + ".fingerprint")
    stamp.write_text(f"{fingerprint(project)} finetuned\n")
    assert not is_fresh(model, project) and is_fresh(model, project, finetuned_will_do=True)
    stamp.write_text(f"{fingerprint(project)}\n")
    assert is_fresh(model, project) and is_fresh(model, project, finetuned_will_do=True)


@pytest.mark.parametrize(("rasa_finetunes", "stamped"), [(True, "finetuned"), (False, "")])
def test_the_fast_round_fine_tunes_or_trains_anew_when_rasa_refuses(
    project: Path, monkeypatch: pytest.MonkeyPatch, rasa_finetunes: bool, stamped: str
) -> None:
    """What `make report FAST=1` asks of Rasa (Rasa itself is measured in bench/trainer_round.py)."""
    model = project / "models" / "pointe-claire.tar.gz"
    model.parent.mkdir()
    model.write_bytes(b"model")
    commands: list[list[str]] = []

    def rasa(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        refused = "--finetune" in command and not rasa_finetunes  # new labels: Rasa's FinetuningValidator
        return subprocess.CompletedProcess(command, 1 if refused else 0)

    monkeypatch.setattr(subprocess, "run", rasa)
    ensure_fresh_model(model, project, fast=True)
    assert "--finetune" in commands[0] and commands[0][commands[0].index("--epoch-fraction") + 1] == "0.2"
    assert len(commands) == (1 if rasa_finetunes else 2) and ("--finetune" in commands[-1]) == rasa_finetunes
    assert model.with_name(model.name + ".fingerprint").read_text().split()[1:] == ([stamped] if stamped else [])


def test_the_tests_wait_for_the_training_under_way_and_do_not_train_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make test` runs `make train` beside the tests that need no model: one that needs it waits for the model."""
    model = project / "models" / "pointe-claire.tar.gz"
    trainings: list[list[str]] = []
    monkeypatch.setattr(subprocess, "run", lambda command, **_: trainings.append(command))
    waited: list[Path] = []
    with training_lock(model):  # `make train` under way
        waiting = threading.Thread(target=lambda: waited.append(ensure_fresh_model(model, project)))
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive() and not waited  # blocked on the lock, not training a second model
        model.write_bytes(b"model")
        model.with_name(model.name + ".fingerprint").write_text(fingerprint(project) + "\n")
    waiting.join(timeout=30)
    assert waited == [model] and trainings == []
