"""Fixtures of the production tests: a throwaway PostgreSQL database and Redis key prefix per test module, and
the cluster (action server, two Rasa instances, HAProxy) on them.

They use the machine's real PostgreSQL (127.0.0.1:5432, trust authentication, database `test`) and Redis
(127.0.0.1:6379) and skip, saying so, only where those (or HAProxy) are absent. Nothing here stops them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from scripts.cluster import HAPROXY, Cluster, running_cluster
from tests.production.support import REDIS_HOST, REDIS_PORT, STAFF_TOKEN, TOKEN, Databases, admin, require_services


@pytest.fixture(scope="module")
def databases() -> Iterator[Databases]:
    """A new PostgreSQL database and Redis key prefix, dropped afterwards: other engineers use the same servers."""
    require_services()
    suffix = uuid.uuid4().hex[:12]
    created = Databases(name=f"assistant_test_{suffix}", key_prefix=f"assistanttest{suffix}")
    admin(f"CREATE DATABASE {created.name}")
    try:
        yield created
    finally:
        admin(f"DROP DATABASE IF EXISTS {created.name} WITH (FORCE)")
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT)
        for key in client.scan_iter(f"{created.key_prefix}:*"):
            client.delete(key)


@pytest.fixture(scope="module")
def production_environment(databases: Databases) -> Iterator[Databases]:
    """The environment variables of docs/production.md, for the servers this module starts."""
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("ASSISTANT_DATABASE_URL", databases.url)
        environment.setenv("ASSISTANT_REDIS_URL", databases.redis_url)
        environment.setenv("ASSISTANT_REDIS_KEY_PREFIX", databases.key_prefix)
        environment.setenv("RASA_API_TOKEN", TOKEN)
        environment.setenv("ASSISTANT_STAFF_TOKEN", STAFF_TOKEN)
        environment.setenv("ASSISTANT_FROZEN_TIME", "2026-11-27T17:45:00-05:00")
        environment.setenv("SANIC_HOST", "127.0.0.1")
        yield databases


@pytest.fixture(scope="module")
def cluster(
    production_environment: Databases, trained_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Action server, two Rasa instances and HAProxy, on this module's PostgreSQL database and Redis prefix."""
    if not HAPROXY.exists():
        pytest.skip(f"HAProxy is not installed ({HAPROXY}); `make system-packages` installs it")
    with pytest.MonkeyPatch.context() as environment:
        environment.delenv("TICKET_LOCK_LIFETIME", raising=False)  # scripts/cluster.py's default, as shipped
        with running_cluster(trained_model, tmp_path_factory.mktemp("cluster"), instances=2) as running:
            yield running
