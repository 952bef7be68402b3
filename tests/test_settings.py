"""One settings module owns every environment variable (pointe_claire/settings.py)."""

from __future__ import annotations

import re

import pytest

from pointe_claire import settings
from scripts.nlu_files import PROJECT_ROOT

# Reading the environment is the settings module's job; scripts/servers.py only hands it on to the servers it starts.
ENVIRONMENT_READ = re.compile(r"os\.getenv|environ\.get\(|os\.environ\[[^\]]+\](?!\s*=[^=])")
HANDS_ON = {"pointe_claire/settings.py", "scripts/servers.py"}


def test_the_paas_spelling_of_a_postgresql_url_is_read_as_sqlalchemys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "  postgres://u:p@db.example:5432/assistant ")
    assert settings.database_url("ASSISTANT_DATABASE_URL") == "postgresql://u:p@db.example:5432/assistant"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "sqlite:///tracker.db")
    assert settings.database_url("ASSISTANT_DATABASE_URL") == "sqlite:///tracker.db"


def test_blank_is_unset_and_gives_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_REDIS_KEY_PREFIX", "   ")
    assert settings.given("ASSISTANT_REDIS_KEY_PREFIX") == ""
    assert settings.text("ASSISTANT_REDIS_KEY_PREFIX") == "pointeclaire"
    monkeypatch.delenv("REVIEW_PROXIES_COUNT", raising=False)
    assert settings.integer("REVIEW_PROXIES_COUNT") == 0


def test_a_bad_number_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEW_PROXIES_COUNT", "two")
    with pytest.raises(ValueError, match="REVIEW_PROXIES_COUNT"):
        settings.integer("REVIEW_PROXIES_COUNT")


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("YES", True), ("true", True), ("0", False), ("", False)])
def test_flags(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv("REVIEW_SECURE_COOKIES", value)
    assert settings.flag("REVIEW_SECURE_COOKIES") is expected


def test_the_listing_never_shows_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_CONSUMER_SECRET", "do-not-print-me")
    monkeypatch.setenv("X_ACCOUNT_ID", "1319735427419152385")
    listing = settings.describe()
    assert "do-not-print-me" not in listing and re.search(r"X_CONSUMER_SECRET\s+set\b", listing)
    assert "1319735427419152385" in listing  # not a secret: shown, so staff can check it
    assert settings.is_secret("SOME_NAME_CREDENTIALS_YML_CHOSE")


def test_no_other_module_reads_the_environment() -> None:
    readers = []
    for folder in ("pointe_claire", "actions", "review", "scripts", "bench"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            name = str(path.relative_to(PROJECT_ROOT))
            if name not in HANDS_ON and ENVIRONMENT_READ.search(path.read_text(encoding="utf-8")):
                readers.append(name)
    assert readers == []
