"""The channel tests' helpers. Their Rasa server is the shared one (tests/conftest.py), started with the X and
Facebook connectors configured (credentials.yml, keys in environment variables) and pointed at stand-ins of X's API
and the Graph API on localhost (tests/channels/standins.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from pointe_claire.lock_store import KEY_PREFIX_VARIABLE, REDIS_URL_VARIABLE
from scripts.servers import Assistant, http
from tests.channels.standins import FACEBOOK_KEYS


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
