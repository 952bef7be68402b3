"""Rasa's own test stories, in French and English, through the trained model (`rasa test core`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scripts.nlu_files import PROJECT_ROOT
from scripts.servers import RASA

STORIES = PROJECT_ROOT / "tests" / "stories"


@pytest.mark.slow  # `rasa test` loads the model in its own process: `make test` runs it beside the rest
@pytest.mark.parametrize("language", ["fr", "en"])
def test_rasa_test_stories_pass(trained_model: Path, tmp_path: Path, language: str):
    result = subprocess.run(
        [
            str(RASA),
            "test",
            "core",
            "--model",
            str(trained_model),
            "--stories",
            str(STORIES / f"test_conversations_{language}.yml"),
            "--out",
            str(tmp_path),
            "--fail-on-prediction-errors",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, details
