"""`make train`, `make report` and `make evaluate` show Rasa's progress bars only when asked (scripts/quiet.py)."""

from __future__ import annotations

import io
import os
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest
from tqdm import tqdm

from scripts import model_freshness, quiet
from scripts.nlu_files import PROJECT_ROOT


def rasa_progress_bar(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]) -> str:
    """What one of Rasa's progress bars (drawn as rasa/core/featurizers and the training callback draw theirs)
    prints in this environment."""
    import rasa.shared.utils.io

    monkeypatch.delenv(quiet.RASA_LOG_LEVEL, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    printed = io.StringIO()
    for _ in tqdm(range(3), desc="Epochs", file=printed, disable=rasa.shared.utils.io.is_logging_disabled()):
        pass
    return printed.getvalue()


def test_rasa_draws_no_progress_bar_unless_progress_is_asked(monkeypatch: pytest.MonkeyPatch):
    assert rasa_progress_bar(monkeypatch, quiet.environment(progress=False, base={})) == ""
    assert "Epochs: 100%" in rasa_progress_bar(monkeypatch, quiet.environment(progress=True, base={}))


def test_library_deprecations_and_rasas_known_benign_warning_are_not_shown(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(quiet.RASA_LOG_LEVEL, raising=False)
    with warnings.catch_warnings(record=True) as shown:  # what would be printed; put back as it was afterwards
        warnings.simplefilter("always")  # what sanic's "once" filter lets through the first time
        quiet.quiet_this_process(progress=False)
        warnings.warn("'setParseAction' deprecated", DeprecationWarning, stacklevel=1)
        warnings.warn("Slot auto-fill has been removed in 3.0 and replaced with a new mechanism", stacklevel=1)
        warnings.warn("Slot 'language' uses a 'from_intent' mapping for a non-existent intent", stacklevel=1)
    assert [str(warning.message) for warning in shown] == [
        "Slot 'language' uses a 'from_intent' mapping for a non-existent intent"  # about the project's files: kept
    ]
    assert os.environ[quiet.RASA_LOG_LEVEL] == "WARNING"


def test_a_log_level_the_user_set_is_kept():
    assert quiet.environment(progress=False, base={"LOG_LEVEL": "DEBUG"})["LOG_LEVEL"] == "DEBUG"


def test_training_runs_rasa_quietly_unless_verbose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(model_freshness, "is_fresh", lambda *_, **__: False)

    def run(command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        runs.append({"command": command, **options})
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.delenv(quiet.RASA_LOG_LEVEL, raising=False)
    model = tmp_path / "pointe-claire.tar.gz"

    model_freshness.ensure_fresh_model(model, PROJECT_ROOT)
    assert runs[-1]["env"]["LOG_LEVEL"] == "WARNING"
    assert runs[-1]["command"][1:6] == ["-m", "scripts.quiet", "rasa", "train", "--fixed-model-name"]
    assert "VERBOSE=1 shows Rasa's progress" in capsys.readouterr().out

    model_freshness.ensure_fresh_model(model, PROJECT_ROOT, progress=True)
    assert "LOG_LEVEL" not in runs[-1]["env"]
    assert runs[-1]["command"][0].endswith("/rasa") and runs[-1]["command"][1] == "train"
    assert "rasa train" in capsys.readouterr().out


@pytest.mark.parametrize("target", ["report", "evaluate"])
def test_make_passes_progress_only_with_verbose(target: str):
    def planned(*arguments: str) -> str:
        run = subprocess.run(
            ["make", "-n", "-C", str(PROJECT_ROOT), "-o", ".venv/.installed", target, *arguments],
            capture_output=True,
            text=True,
            check=True,
        )
        return run.stdout

    assert "--progress" not in planned()
    verbose = planned("VERBOSE=1")  # `make -n`: the commands it would run, training first
    assert "scripts.model_freshness train --progress" in verbose and f"scripts.{target} --progress" in verbose


def test_training_hides_the_warnings_make_validate_explains_and_shows_the_others():
    assert quiet.explained_by_the_project(
        "The utterance 'utter_handoff' is not used in any story or rule.", PROJECT_ROOT
    )
    intent = "The intent 'other_language' is listed in the domain file, but is not found in the NLU training data."
    assert quiet.explained_by_the_project(intent, PROJECT_ROOT)
    unused = "The utterance 'utter_parking' is not used in any story or rule."  # no code sends it: a real mistake
    assert not quiet.explained_by_the_project(unused, PROJECT_ROOT)
    assert not quiet.explained_by_the_project("Slot 'language' uses a 'from_intent' mapping", PROJECT_ROOT)


def test_make_validate_runs_the_safety_gate_only_when_asked():
    def planned(*arguments: str) -> str:
        command = ["make", "-n", "-C", str(PROJECT_ROOT), "-o", ".venv/.installed", "validate", *arguments]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    assert "--gate-only" not in planned() and "model_freshness train" not in planned()
    gated = planned("GATE=1")  # trains first when the data changed, then the gate on the model
    assert gated.index("model_freshness train") < gated.index("scripts.report --gate-only")
