"""Shared fixtures: one trained model and one running assistant (action server + Rasa server) per test run.

The model is `make train`'s models/pointe-claire.tar.gz when it is up to date; otherwise it is trained once here.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.nlu_files import PROJECT_ROOT
from scripts.servers import RASA, Assistant, running_assistant

MODEL = PROJECT_ROOT / "models" / "pointe-claire.tar.gz"
# Actions see this time (a Friday evening after office hours), so replies about follow-up are predictable.
FROZEN_TIME = "2026-11-27T17:45:00-05:00"


@pytest.fixture(scope="session")
def trained_model() -> Path:
    if not MODEL.exists():
        subprocess.run(
            [str(RASA), "train", "--fixed-model-name", "pointe-claire", "--out", str(MODEL.parent)],
            cwd=PROJECT_ROOT,
            check=True,
        )
    return MODEL


@pytest.fixture(scope="session")
def assistant(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The real assistant: trained model, REST channel, action server, SQLite tracker store."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("ASSISTANT_FROZEN_TIME", FROZEN_TIME)
    with running_assistant(trained_model, tmp_path_factory.mktemp("assistant")) as running:
        yield running
    monkeypatch.undo()


@pytest.fixture
def sender() -> str:
    """A new conversation for each test."""
    return f"resident-{uuid.uuid4().hex[:12]}"
