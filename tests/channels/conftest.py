"""One Rasa server for all channel tests, with the X and Facebook connectors configured (credentials.yml, keys in
environment variables) and pointed at stand-ins of X's API and the Graph API on localhost."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from pointe_claire.lock_store import KEY_PREFIX_VARIABLE, REDIS_URL_VARIABLE
from pointe_claire.moderation_settings import DEFAULT_PATH
from scripts.servers import Assistant, http, running_assistant
from tests.channels.standins import StandInApi, graph_answer, x_answer
from tests.conftest import FROZEN_TIME

# Made-up test values: the real ones live only in the production environment.
X_ACCOUNT_ID = "1319735427419152385"  # the City's account, as X gives it in `for_user_id`
X_OTHER_BOT_ID = "900000000000000001"
X_KEYS = {
    "X_CONSUMER_KEY": "test-consumer-key",
    "X_CONSUMER_SECRET": "test-consumer-secret",
    "X_ACCESS_TOKEN": "1319735427419152385-test-access-token",
    "X_ACCESS_TOKEN_SECRET": "test-access-token-secret",
    "X_ACCOUNT_ID": X_ACCOUNT_ID,
    "X_IGNORED_ACCOUNT_IDS": X_OTHER_BOT_ID,
}
# Shared by the assistant's staff endpoint and the review app that calls it.
STAFF_TOKEN = "test-staff-token-not-for-production"
MODERATION_FILE_VARIABLE = "MODERATION_FILE"  # credentials.yml `moderation_file_env` (the default name)
FACEBOOK_KEYS = {
    "FACEBOOK_VERIFY_TOKEN": "test-verify-token",
    "FACEBOOK_APP_SECRET": "test-app-secret",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "test-page-access-token",
}


@pytest.fixture(scope="session")
def x_api() -> Iterator[StandInApi]:
    standin = StandInApi(x_answer).start()
    yield standin
    standin.stop()


@pytest.fixture(scope="session")
def graph_api() -> Iterator[StandInApi]:
    standin = StandInApi(graph_answer).start()
    yield standin
    standin.stop()


@pytest.fixture(scope="session")
def moderation_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The channels' assistant's moderation.yml (MODERATION_FILE): the project's, copied."""
    path = tmp_path_factory.mktemp("moderation") / "moderation.yml"
    shutil.copyfile(DEFAULT_PATH, path)
    return path


@pytest.fixture(scope="session")
def channels_assistant(
    trained_model: Path,
    tmp_path_factory: pytest.TempPathFactory,
    x_api: StandInApi,
    graph_api: StandInApi,
    moderation_file: Path,
) -> Iterator[Assistant]:
    """The real assistant (model, action server, SQLite tracker store) with the X and Facebook channels live."""
    monkeypatch = pytest.MonkeyPatch()
    for name, value in {**X_KEYS, **FACEBOOK_KEYS}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("X_API_BASE_URL", x_api.url)
    monkeypatch.setenv("FACEBOOK_GRAPH_API_URL", graph_api.url)
    monkeypatch.setenv("ASSISTANT_FROZEN_TIME", FROZEN_TIME)
    monkeypatch.setenv("ASSISTANT_STAFF_TOKEN", STAFF_TOKEN)
    # Automatic hiding as the project ships it (every rule off); a test turns a rule on in this copy, then off.
    monkeypatch.setenv(MODERATION_FILE_VARIABLE, str(moderation_file))
    try:
        with running_assistant(trained_model, tmp_path_factory.mktemp("channels")) as running:
            monkeypatch.undo()  # the servers have their environment; other servers of the run start without keys
            yield running
    finally:
        monkeypatch.undo()


@pytest.fixture
def user_id() -> str:
    """A new resident (numeric id, as X and Facebook give them) for each test."""
    return str(random.randrange(10**17, 10**18))


def stored_user_events(assistant: Assistant, conversation_id: str) -> list[dict[str, Any]]:
    """The resident's messages as the tracker store holds them."""
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (conversation_id,)
        ).fetchall()
    return [json.loads(row[0]) for row in rows]


def post_to_facebook(
    assistant: Assistant,
    payload: Any,
    secret: str | None = FACEBOOK_KEYS["FACEBOOK_APP_SECRET"],
    method: str = "sha256",
) -> int:
    """A delivery to the Facebook webhook signed as Meta signs it (`X-Hub-Signature-256`, or the older sha1
    `X-Hub-Signature`); unsigned when `secret` is None. Returns the status."""
    body = json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        header = "X-Hub-Signature-256" if method == "sha256" else "X-Hub-Signature"
        headers[header] = f"{method}=" + hmac.new(secret.encode(), body, getattr(hashlib, method)).hexdigest()
    status, _ = http("POST", f"{assistant.base_url}/webhooks/facebook/webhook", body, headers)
    return status


def stored_conversations_mentioning(assistant: Assistant, user_id: str) -> list[str]:
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute("SELECT DISTINCT sender_id FROM events WHERE sender_id LIKE ?", (f"%{user_id}%",)).fetchall()
    return [row[0] for row in rows]


@pytest.fixture
def local_redis() -> Iterator[tuple[redis.Redis, str]]:
    """The Redis on 127.0.0.1:6379 and a key prefix of this test's own, whose keys are removed afterwards."""
    client = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (the project's machines and CI run it)")
    prefix = f"test-{uuid.uuid4().hex}"
    try:
        yield client, prefix
    finally:
        keys = client.keys(f"{prefix}:*")
        if keys:
            client.delete(*keys)


@pytest.fixture
def redis_environment(local_redis: tuple[redis.Redis, str], monkeypatch: pytest.MonkeyPatch) -> tuple[redis.Redis, str]:
    """`local_redis`, named by the environment as in production (ASSISTANT_REDIS_URL and the key prefix)."""
    monkeypatch.setenv(REDIS_URL_VARIABLE, "redis://127.0.0.1:6379/0")
    monkeypatch.setenv(KEY_PREFIX_VARIABLE, local_redis[1])
    return local_redis
