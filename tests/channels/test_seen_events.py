"""The memory of events already answered, shared by the X and Messenger connectors: in this process, or in Redis
when several instances run (the project's machines and CI run Redis on 127.0.0.1:6379)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from pointe_claire.channels.conversation_ids import FACEBOOK, X
from pointe_claire.channels.seen_events import SeenEvents
from pointe_claire.lock_store import REDIS_URL_VARIABLE
from scripts.servers import free_port


def test_seen_events_are_refused_within_the_window_and_forgotten_after() -> None:
    seen = SeenEvents(X, ttl=60, capacity=3)
    assert seen.first_time("a", now=0) and not seen.first_time("a", now=30)
    assert seen.first_time("a", now=61)
    for event_id in "bcd":
        assert seen.first_time(event_id, now=62)
    assert seen.first_time("a", now=63)  # capacity: the oldest ids are forgotten first


def test_with_redis_an_event_seen_by_one_instance_is_a_repeat_for_another(local_redis: tuple[redis.Redis, str]) -> None:
    client, prefix = local_redis
    first, second = (SeenEvents(X, ttl=60, shared=client, key_prefix=prefix) for _ in range(2))
    assert first.first_time("1795629288337949112")
    assert not second.first_time("1795629288337949112")
    assert second.first_time("1795629288337949113")
    assert 0 < int(client.ttl(f"{prefix}:x:event:1795629288337949112")) <= 60


def test_each_channel_has_its_own_ids_in_redis(local_redis: tuple[redis.Redis, str]) -> None:
    client, prefix = local_redis
    x, messenger = (SeenEvents(channel, shared=client, key_prefix=prefix) for channel in (X, FACEBOOK))
    assert x.first_time("42") and messenger.first_time("42")  # two platforms may give the same id
    assert not messenger.first_time("42")
    assert sorted(key.decode() for key in client.keys(f"{prefix}:*")) == [
        f"{prefix}:facebook:event:42",
        f"{prefix}:x:event:42",
    ]


def test_for_channel_uses_the_lock_stores_redis_when_its_url_is_set(
    redis_environment: tuple[redis.Redis, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert SeenEvents.for_channel(FACEBOOK).first_time("m_abc")
    assert not SeenEvents.for_channel(FACEBOOK).first_time("m_abc")  # another instance
    monkeypatch.delenv(REDIS_URL_VARIABLE)
    assert SeenEvents.for_channel(FACEBOOK).first_time("m_abc")  # memory: this instance has not seen it


def test_with_redis_unreachable_duplicates_are_still_caught_in_memory() -> None:
    unreachable = redis.Redis(host="127.0.0.1", port=free_port(), socket_timeout=0.5, socket_connect_timeout=0.5)
    seen = SeenEvents(FACEBOOK, shared=unreachable)
    assert seen.first_time("42") and not seen.first_time("42")


def test_seen_events_in_memory_are_safe_across_threads() -> None:
    seen = SeenEvents(X, ttl=60, capacity=100)
    ids = [str(i % 300) for i in range(3000)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        firsts = list(pool.map(lambda event_id: seen.first_time(event_id, now=0), ids))
    assert firsts.count(True) >= 300  # evicted ids may come back; nothing crashes
    seen = SeenEvents(X, ttl=60)
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert sum(pool.map(lambda _: seen.first_time("same", now=0), range(200))) == 1
