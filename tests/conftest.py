"""Shared fixtures: one trained model and one running assistant (action server + Rasa server) per test run.

The model is `make train`'s models/pointe-claire.tar.gz when it is up to date (the same fingerprint rule as
`make train`, scripts/model_freshness.py); otherwise it is trained once here.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pointe_claire import settings
from pointe_claire.moderation_settings import DEFAULT_PATH as MODERATION_DEFAULT_PATH
from scripts.model_freshness import ensure_fresh_model
from scripts.servers import Assistant, running_assistant
from tests.channels.standins import (
    FACEBOOK_KEYS,
    MODERATION_FILE_VARIABLE,
    STAFF_TOKEN,
    X_KEYS,
    StandInApi,
    graph_answer,
    x_answer,
)
from tests.city_site import CitySite, running_city_site

# As the Makefile exports it: without it, Rasa reads endpoints.yml's action server address as "...:${ACTIONS_PORT}...".
os.environ.setdefault(settings.ACTIONS_PORT, settings.text(settings.ACTIONS_PORT))

# Rasa's HTTP API of the shared assistant (for `make try`'s code path: /model/parse), behind this token.
API_TOKEN = f"tests-{uuid.uuid4().hex}"
# Actions see this time (a Friday evening after office hours), so replies about follow-up are predictable.
FROZEN_TIME = "2026-11-27T17:45:00-05:00"


@pytest.fixture(scope="session")
def trained_model() -> Path:
    return ensure_fresh_model()


@pytest.fixture(scope="session")
def city_site() -> Iterator[CitySite]:
    """A page of "the City's site" on another origin, which the shared assistant allows to show the web chat."""
    with running_city_site() as site:
        yield site


@pytest.fixture(scope="session")
def x_api() -> Iterator[StandInApi]:
    """A stand-in of X's API on localhost, which the shared assistant's X channel calls."""
    standin = StandInApi(x_answer).start()
    yield standin
    standin.stop()


@pytest.fixture(scope="session")
def graph_api() -> Iterator[StandInApi]:
    """A stand-in of Facebook's Graph API on localhost, which the shared assistant's Facebook channel calls."""
    standin = StandInApi(graph_answer).start()
    yield standin
    standin.stop()


@pytest.fixture(scope="session")
def moderation_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared assistant's moderation.yml (MODERATION_FILE): the project's, copied."""
    path = tmp_path_factory.mktemp("moderation") / "moderation.yml"
    shutil.copyfile(MODERATION_DEFAULT_PATH, path)
    return path


@pytest.fixture(scope="session")
def assistant(
    trained_model: Path,
    tmp_path_factory: pytest.TempPathFactory,
    city_site: CitySite,
    x_api: StandInApi,
    graph_api: StandInApi,
    moderation_file: Path,
) -> Iterator[Assistant]:
    """The real assistant: trained model, REST channel, action server, SQLite tracker store; the web chat may be
    shown by `city_site`'s allowed origin; the X and Facebook channels are live, on the stand-in APIs. One server
    for every test that needs one: each Rasa server costs about 20 s of CPU to start (bench/results/model_load.md).
    (Without keys, the channels answer 503: the guide's worked example checks that on its own assistant, as `make run`
    starts it.)"""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("ASSISTANT_FROZEN_TIME", FROZEN_TIME)
    monkeypatch.setenv("WEBCHAT_ALLOWED_ORIGINS", city_site.allowed_origin)
    keys = pytest.MonkeyPatch()
    for name, value in {**X_KEYS, **FACEBOOK_KEYS}.items():
        keys.setenv(name, value)
    keys.setenv("X_API_BASE_URL", x_api.url)
    keys.setenv("FACEBOOK_GRAPH_API_URL", graph_api.url)
    keys.setenv("ASSISTANT_STAFF_TOKEN", STAFF_TOKEN)
    # Automatic hiding as the project ships it (every rule off); a test turns a rule on in this copy, then off.
    keys.setenv(MODERATION_FILE_VARIABLE, str(moderation_file))
    try:
        with running_assistant(trained_model, tmp_path_factory.mktemp("assistant"), api_token=API_TOKEN) as running:
            keys.undo()  # the servers have their keys; other servers of the run start without them
            yield running
    finally:
        keys.undo()
        monkeypatch.undo()


@pytest.fixture
def sender() -> str:
    """A new conversation for each test."""
    return f"resident-{uuid.uuid4().hex[:12]}"


# --- test tiers -------------------------------------------------------------------------------------------------
# Every test gets its tier from what it uses, so a new test needs no marker: `make test-fast` runs the `unit` tier
# but its `slow` tests (no trained model, no browser, no production stack); `make test` runs them all.
TIERS = ("unit", "conversation", "browser", "production", "slow")


def _tiers_of(item: pytest.Item) -> set[str]:
    tiers = {marker.name for marker in item.iter_markers() if marker.name in TIERS}
    if "production" in Path(str(item.fspath)).parts:
        tiers.add("production")
    fixtures = getattr(item, "fixturenames", ())
    if "trained_model" in fixtures:
        tiers.add("conversation")
    if "project_copy" in fixtures:  # runs the real `make` in a copy of the project
        tiers.add("slow")
    module = getattr(item, "module", None)
    if module is not None and "headless_chromium" in vars(module):
        tiers.add("browser")
    return tiers or {"unit"}


def _run_order(item: pytest.Item) -> int:
    """`make test` starts both pytest runs while it trains the model. In the main one the unit tier comes first (it
    needs no model). In the slow tier the longest test comes first (the guide's worked example, whose name says
    slow: it trains its own model beside that one), then the tests that need no model, then the others."""
    if item.get_closest_marker("slow") is None:
        return 0 if item.get_closest_marker("unit") is not None else 1
    if item.name.startswith("test_slow_"):
        return 2
    return 3 if "trained_model" not in getattr(item, "fixturenames", ()) else 4


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for tier in _tiers_of(item):
            item.add_marker(tier)
    items.sort(key=_run_order)  # stable: the order of the files otherwise
