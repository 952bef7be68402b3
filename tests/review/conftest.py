"""Fixtures of the review app tests: the app built by `review.app.create_app` as `make review` builds it (settings
from the environment, the clock pinned), started once and called in-process (ASGI), on a tracker store with known
conversations.

One site per test module, so the environment it sets lasts no longer than the module. The real server
(`python -m review serve`) is started by test_review_browser.py and test_review_postgres.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from review_fixtures import (
    ADMIN,
    FIXTURE_NOW,
    GENERATED_UNTIL_TS,
    REVIEWER,
    Lifespan,
    ReviewSite,
    known_conversations,
)
from sanic import Sanic

from bench.review_app import PASSWORD, StaffClient, generate_tracker, review_environment
from pointe_claire.clock import FROZEN_TIME_ENV
from review import auth
from review.settings import Settings
from review.store import review_engine


@pytest.fixture(scope="module")
def review_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewSite]:
    workdir = tmp_path_factory.mktemp("review")
    tracker_url, review_url = f"sqlite:///{workdir / 'tracker.db'}", f"sqlite:///{workdir / 'review.db'}"
    generate_tracker(tracker_url, 60, seed=3, end=GENERATED_UNTIL_TS)
    known_conversations(tracker_url)
    env = review_environment(tracker_url, review_url)
    engine = review_engine(review_url)
    for name, role in ((ADMIN, "admin"), (REVIEWER, "reviewer")):  # as `python -m review users add` does
        auth.add_user(engine, name, PASSWORD, role)
    engine.dispose()
    loop = asyncio.new_event_loop()
    with pytest.MonkeyPatch.context() as monkeypatch:
        for variable, value in {**env, FROZEN_TIME_ENV: FIXTURE_NOW}.items():
            monkeypatch.setenv(variable, value)
        # Several apps in one process: Sanic 21.12 rewrites some of its own methods when an app starts ("touch-up"),
        # and without test mode the next app's start-up rewrites the rewritten code, and fails.
        monkeypatch.setattr(Sanic, "test_mode", True)
        from review.app import create_app

        app = create_app(Settings.from_environment())
        lifespan = Lifespan(app, loop)
        lifespan.start()
        site = ReviewSite(app, loop, tracker_url, review_url, env)
        try:
            yield site
        finally:
            for client in site.clients:
                client.close()
            lifespan.stop()
            loop.close()


@pytest.fixture
def admin(review_site: ReviewSite) -> StaffClient:
    return review_site.client(ADMIN)


@pytest.fixture
def reviewer(review_site: ReviewSite) -> StaffClient:
    return review_site.client(REVIEWER)
