"""The review app reads the conversations the assistant writes: the same database URL serves both."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.settings import DEFAULT_TRACKER_DB_URL, Settings


def test_without_any_setting_the_review_app_reads_make_runs_sqlite_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    for name in ("REVIEW_TRACKER_DB_URL", "ASSISTANT_DATABASE_URL", "REVIEW_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert Settings.from_environment(tmp_path / "key").tracker_db_url == DEFAULT_TRACKER_DB_URL


def test_the_assistants_database_url_points_the_review_app_at_the_same_postgresql(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.delenv("REVIEW_TRACKER_DB_URL", raising=False)
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "postgresql://assistant@db:5432/assistant")
    assert Settings.from_environment(tmp_path / "key").tracker_db_url == "postgresql://assistant@db:5432/assistant"


def test_the_review_apps_own_setting_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "postgresql://assistant@db:5432/assistant")
    monkeypatch.setenv("REVIEW_TRACKER_DB_URL", "postgresql://reader@replica:5432/assistant")
    assert Settings.from_environment(tmp_path / "key").tracker_db_url == "postgresql://reader@replica:5432/assistant"


def test_the_retention_period_comes_from_retention_days_and_is_at_least_a_day(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    assert Settings.from_environment(tmp_path / "key").retention_days == 365
    monkeypatch.setenv("RETENTION_DAYS", "90")
    assert Settings.from_environment(tmp_path / "key").retention_days == 90
    for value in ("0", "-5", "un an"):  # a typo must not make `make purge` empty the databases
        monkeypatch.setenv("RETENTION_DAYS", value)
        with pytest.raises(ValueError, match="RETENTION_DAYS"):
            Settings.from_environment(tmp_path / "key")


def test_the_review_app_starts_without_spacy_tensorflow_or_rasa() -> None:
    """The staff app reads stored conversations: loading spaCy (and TensorFlow through thinc) or Rasa would add
    seconds and hundreds of megabytes to each start, for nothing (checking an alert's phrases loads spaCy then)."""
    import subprocess
    import sys

    heavy = ("spacy", "tensorflow", "rasa")
    code = f"import sys, review.app, review.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
