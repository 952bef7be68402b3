"""Fixtures of the review app tests: the app started as `make review` starts it, on a tracker store with known
conversations, with staff accounts created through its command line.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from review_fixtures import ADMIN, FIXTURE_NOW, GENERATED_UNTIL_TS, REVIEWER, ReviewSite, known_conversations

from bench.review_app import PASSWORD, StaffClient, generate_tracker, review_environment, review_server, run_cli


@pytest.fixture(scope="session")
def review_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewSite]:
    workdir = tmp_path_factory.mktemp("review")
    tracker_url, review_url = f"sqlite:///{workdir / 'tracker.db'}", f"sqlite:///{workdir / 'review.db'}"
    generate_tracker(tracker_url, 60, seed=3, end=GENERATED_UNTIL_TS)
    known_conversations(tracker_url)
    env = review_environment(tracker_url, review_url)
    for name, role in ((ADMIN, "admin"), (REVIEWER, "reviewer")):
        created = run_cli(env, "users", "add", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
        assert created.returncode == 0, created.stderr
    with review_server(tracker_url, review_url, workdir, frozen_time=FIXTURE_NOW) as server:
        yield ReviewSite(server.base_url, tracker_url, review_url, env)


@pytest.fixture
def admin(review_site: ReviewSite) -> StaffClient:
    return review_site.client(ADMIN)


@pytest.fixture
def reviewer(review_site: ReviewSite) -> StaffClient:
    return review_site.client(REVIEWER)
