"""The stores endpoints.yml builds: SQLite and in-memory locks when no variable is set (`make run`), PostgreSQL
and Redis when ASSISTANT_DATABASE_URL and ASSISTANT_REDIS_URL are; redaction identical in both databases; ticket
locks that two instances cannot both take.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from pointe_claire.lock_store import ConversationLockStore
from pointe_claire.tracker_store import RedactingSQLTrackerStore, database_url
from scripts.nlu_files import PROJECT_ROOT
from tests.production.support import Databases
from tests.test_redaction import PERSONAL, resident_events, stored_forms

ENDPOINTS = str(PROJECT_ROOT / "endpoints.yml")


def tracker_store() -> TrackerStore:
    """The tracker store exactly as `rasa run` builds it from the project's endpoints.yml."""
    return TrackerStore.create(read_endpoint_config(ENDPOINTS, "tracker_store"), domain=Domain.empty())


def lock_store() -> LockStore:
    return LockStore.create(read_endpoint_config(ENDPOINTS, "lock_store"))


@pytest.fixture
def laptop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No production variable set, in a scratch directory (endpoints.yml's SQLite file is relative)."""
    for name in ("ASSISTANT_DATABASE_URL", "ASSISTANT_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def production(production_environment: Databases, monkeypatch: pytest.MonkeyPatch) -> Iterator[Databases]:
    yield production_environment
    with production_environment.connect() as connection, connection.cursor() as cursor:
        cursor.execute("DELETE FROM events")
    connection.close()


def test_without_the_variables_endpoints_yml_gives_sqlite_and_in_memory_locks(laptop: Path):
    store = tracker_store()
    assert isinstance(store, RedactingSQLTrackerStore)
    assert store.engine.url.get_backend_name() == "sqlite" and store.engine.url.database == "tracker.db"
    locks = lock_store()
    assert isinstance(locks, ConversationLockStore) and locks.backend == "memory"


def test_with_the_variables_endpoints_yml_gives_postgresql_and_redis(production: Databases):
    store = tracker_store()
    assert isinstance(store, RedactingSQLTrackerStore)
    assert store.engine.url.get_backend_name() == "postgresql" and store.engine.url.database == production.name
    locks = lock_store()
    assert isinstance(locks, ConversationLockStore) and locks.backend == "redis"
    assert locks.key_prefix.startswith(production.key_prefix)


def test_a_paas_style_postgres_url_is_accepted_and_a_wrong_one_is_named(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "postgres://city:s3cret@db.internal:5432/assistant")
    url = database_url()
    assert url is not None and url.get_backend_name() == "postgresql" and url.host == "db.internal"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "not a url s3cret")
    with pytest.raises(ValueError, match="ASSISTANT_DATABASE_URL") as raised:
        database_url()
    assert "s3cret" not in str(raised.value)


def test_personal_information_is_redacted_in_postgresql_exactly_as_in_sqlite(
    production: Databases, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    tracker = DialogueStateTracker.from_events("resident-1", resident_events())
    asyncio.run(tracker_store().save(tracker))
    in_postgres = production.rows("SELECT type_name, intent_name, action_name, data FROM events ORDER BY id")

    monkeypatch.delenv("ASSISTANT_DATABASE_URL")
    monkeypatch.chdir(tmp_path)
    asyncio.run(tracker_store().save(tracker))
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        in_sqlite = connection.execute("SELECT type_name, intent_name, action_name, data FROM events ORDER BY id")
        assert [tuple(row) for row in in_postgres] == list(in_sqlite)

    stored = " ".join(str(data) for *_, data in in_postgres)
    for kind, value in PERSONAL.items():
        for form in stored_forms(value):
            assert form.decode("utf-8") not in stored, f"{kind} stored in PostgreSQL as {form!r}"
    user = json.loads(next(data for kind, _, _, data in in_postgres if kind == "user"))
    assert user["text"].startswith("Bonjour, refoulement d'égout au [ADDRESS], [POSTAL_CODE].")


def test_two_instances_asking_at_the_same_instant_never_get_the_same_ticket(production: Databases):
    # Two stores = two Rasa instances sharing Redis; many threads = many messages of one conversation at once.
    stores = [lock_store(), lock_store()]
    conversation = "resident-same-instant"
    tickets: list[int] = []
    start = threading.Barrier(16)

    def take(index: int) -> None:
        start.wait()
        tickets.append(stores[index % 2].issue_ticket(conversation))

    threads = [threading.Thread(target=take, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tickets) == list(range(16))
    for ticket in sorted(tickets):
        stores[ticket % 2].cleanup(conversation, ticket)
    assert stores[0].get_lock(conversation) is None  # the last one out removes the lock


def test_the_lock_serves_messages_one_at_a_time_in_arrival_order(production: Databases):
    first, second = lock_store(), lock_store()
    order: list[str] = []

    async def message(store: LockStore, name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock("resident-in-order"):
            order.append(f"{name} starts")
            await asyncio.sleep(0.2)
            order.append(f"{name} ends")

    async def both() -> None:
        await asyncio.gather(message(first, "first", 0), message(second, "second", 0.05))

    asyncio.run(both())
    assert order == ["first starts", "first ends", "second starts", "second ends"]
