"""Rasa's own test stories, in French and English, through the trained model (`rasa test core`)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.nlu_files import PROJECT_ROOT
from scripts.servers import RASA

STORIES = PROJECT_ROOT / "tests" / "stories"


@dataclass(frozen=True)
class StoryRun:
    returncode: int
    failed_stories: str  # Rasa's failed_test_stories.yml: each story named with the file it came from
    output: str


@pytest.fixture(scope="module")
def story_run(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> StoryRun:
    """One `rasa test core` over both languages' files: the model is loaded once (about 20 s of CPU each time).
    Without --fail-on-prediction-errors, which stops at the first wrong action: every failed story is written out,
    named with the file it came from."""
    out = tmp_path_factory.mktemp("rasa-test")
    result = subprocess.run(
        [
            str(RASA),
            "test",
            "core",
            "--model",
            str(trained_model),
            "--stories",
            str(STORIES),
            "--out",
            str(out),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    failed = out / "failed_test_stories.yml"
    failed_stories = failed.read_text(encoding="utf-8") if failed.exists() else ""
    return StoryRun(result.returncode, failed_stories, result.stdout[-3000:] + result.stderr[-3000:])


@pytest.mark.slow  # `rasa test` loads the model in its own process: `make test` runs it beside the rest
@pytest.mark.parametrize("language", ["fr", "en"])
def test_rasa_test_stories_pass(story_run: StoryRun, language: str):
    stories = f"test_conversations_{language}.yml"
    assert stories not in story_run.failed_stories, story_run.failed_stories
    assert story_run.returncode == 0, story_run.output  # Rasa's own failure (a crash, a bad file)
