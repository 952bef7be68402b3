"""Nothing is lost when the tracker store fails: what it cannot take goes, redacted, to a local fsynced spool
(pointe_claire/spool.py) and is replayed into it in order and exactly once, even when a replay is cut midway.

In-process, on a SQLite tracker store in a temporary folder: the database "fails" by a patched save or commit.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from pointe_claire import spool as spool_module
from pointe_claire.channels.reply_guard import GuardedTurns, ReplyGuard
from pointe_claire.city_facts import PROJECT_ROOT
from pointe_claire.names import SPOOLED_KEY
from pointe_claire.nlg import BilingualFactsNLG
from pointe_claire.spool import Spool
from pointe_claire.tracker_store import (
    AFTER_SPOOLED_EVENTS,
    LOCK_STORE_UNREACHABLE,
    TRACKER_STORE_UNREACHABLE,
    RedactingSQLTrackerStore,
    spool_replays,
)
from tests.test_redaction import PERSONAL, PLACEHOLDERS, resident_events, stored_forms

SENDER = "rest:resident-1"
DOWN = sa.exc.OperationalError("INSERT", {}, Exception("connection refused"))


def _store(tmp_path: Path, name: str = "tracker.db") -> RedactingSQLTrackerStore:
    return RedactingSQLTrackerStore(domain=Domain.empty(), db=str(tmp_path / name), spool_dir=str(tmp_path / "spool"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RedactingSQLTrackerStore]:
    made = _store(tmp_path)
    yield made
    made.engine.dispose()


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Rasa's save fails as it does when PostgreSQL is unreachable; undone at the end of the block."""

    async def refused(self: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
        raise DOWN

    with monkeypatch.context() as patched:
        patched.setattr(SQLTrackerStore, "save", refused)
        yield


def _stored(store: RedactingSQLTrackerStore, sender: str = SENDER) -> list[tuple[str, dict[str, Any]]]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        ).all()
    return [(str(kind), json.loads(data)) for kind, data in rows]


def _texts(rows: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [data["text"] for kind, data in rows if kind in ("user", "bot")]


def _message(number: int, timestamp: float) -> list[Event]:
    return [
        UserUttered(f"message {number}, rappelez-moi au {PERSONAL['phone']}", timestamp=timestamp),
        ActionExecuted("utter_ok", timestamp=timestamp + 0.1),
        BotUttered(f"reply {number}", timestamp=timestamp + 0.2),
        ActionExecuted("action_listen", timestamp=timestamp + 0.3),
    ]


def _spool_turns(store: RedactingSQLTrackerStore, first: int, last: int) -> None:
    for number in range(first, last + 1):
        store.spool_events(SENDER, _message(number, float(number)), TRACKER_STORE_UNREACHABLE)


def test_events_a_failed_save_could_not_store_go_to_the_spool_redacted_and_fsynced(
    store: RedactingSQLTrackerStore, database_down: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        synced.append(descriptor)
        real_fsync(descriptor)

    monkeypatch.setattr(spool_module.os, "fsync", fsync)
    tracker = DialogueStateTracker.from_events(SENDER, resident_events())
    asyncio.run(store.save(tracker))  # no error: the turn goes on
    raw = store.spool.path(SENDER).read_bytes()
    for kind, value in PERSONAL.items():
        for form in stored_forms(value):
            assert form not in raw, f"{kind} spooled as {form!r}"
    assert all(placeholder.encode() in raw for placeholder in PLACEHOLDERS)
    spooled = store.spool.read(SENDER)
    assert spooled is not None and [item.seq for item in spooled.events] == [1, 2, 3, 4, 5, 6]
    assert len(synced) == 2  # the file, then the directory that holds its new name


def test_a_replay_stores_the_spooled_events_in_order_once_as_save_would_have(tmp_path: Path) -> None:
    direct, spooled = _store(tmp_path, "direct.db"), _store(tmp_path, "spooled.db")
    asyncio.run(direct.save(DialogueStateTracker.from_events(SENDER, resident_events())))
    spooled.spool_events(SENDER, resident_events(), TRACKER_STORE_UNREACHABLE)
    assert spooled.replay(SENDER) == 6
    assert spooled.replay(SENDER) == 0 and not spooled.spool.has_pending(SENDER)
    replayed = _stored(spooled)
    for (_, data), (_, marked) in zip(_stored(direct), replayed, strict=True):
        assert marked["metadata"].pop(SPOOLED_KEY)["reason"] == TRACKER_STORE_UNREACHABLE
        assert {**data, "metadata": data.get("metadata") or {}} == {**marked, "metadata": marked["metadata"]}
    columns = "type_name, timestamp, intent_name, action_name"
    rows = [sqlite3.connect(tmp_path / name).execute(f"SELECT {columns} FROM events").fetchall() for name in
            ("direct.db", "spooled.db")]  # fmt: skip
    assert rows[0] == rows[1]
    (replay,) = sqlite3.connect(tmp_path / "spooled.db").execute("SELECT sender_id, last_seq FROM spool_replays")
    assert replay == (SENDER, 6)


def test_a_replay_cut_before_its_commit_stores_nothing_and_the_next_one_everything(
    store: RedactingSQLTrackerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _spool_turns(store, 1, 3)
    with monkeypatch.context() as patched:
        patched.setattr(sa.orm.Session, "commit", lambda session: (_ for _ in ()).throw(DOWN))
        with pytest.raises(sa.exc.OperationalError):
            store.replay(SENDER)
    assert _stored(store) == [] and store.spool.has_pending(SENDER)
    assert store.replay(SENDER) == 12
    assert _texts(_stored(store))[::2] == [f"message {n}, rappelez-moi au [PHONE]" for n in (1, 2, 3)]


def test_a_replay_cut_after_its_commit_stores_nothing_twice(
    store: RedactingSQLTrackerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _spool_turns(store, 1, 2)
    with monkeypatch.context() as patched:  # the process dies between the commit and deleting the file
        patched.setattr(spool_module.Claim, "delete", lambda claim: (_ for _ in ()).throw(KeyboardInterrupt()))
        with pytest.raises(KeyboardInterrupt):
            store.replay(SENDER)
    assert len(_stored(store)) == 8 and store.spool.has_pending(SENDER)
    _spool_turns(store, 3, 3)  # the outage goes on: the same file grows
    assert store.replay(SENDER) == 4
    assert _texts(_stored(store)) == [
        text for n in (1, 2, 3) for text in (f"message {n}, rappelez-moi au [PHONE]", f"reply {n}")
    ]
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(spool_replays.c.last_seq)).scalar() == 12


def test_a_save_whose_commit_was_stored_but_not_acknowledged_is_not_stored_twice(
    store: RedactingSQLTrackerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_save = SQLTrackerStore.save

    async def stored_then_connection_lost(self: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
        await real_save(self, tracker)
        raise DOWN

    tracker = DialogueStateTracker.from_events(SENDER, _message(1, 1.0))
    with monkeypatch.context() as patched:
        patched.setattr(SQLTrackerStore, "save", stored_then_connection_lost)
        asyncio.run(store.save(tracker))
    for event in _message(2, 2.0):
        tracker.update(event)
    asyncio.run(store.save(tracker))  # behind the spooled events
    assert store.replay(SENDER) == 4
    assert _texts(_stored(store)) == [
        text for n in (1, 2) for text in (f"message {n}, rappelez-moi au [PHONE]", f"reply {n}")
    ]


def test_while_events_wait_in_the_spool_later_ones_join_them_so_the_order_holds(
    store: RedactingSQLTrackerStore, database_down: None
) -> None:
    tracker = DialogueStateTracker.from_events(SENDER, _message(1, 1.0))
    asyncio.run(store.save(tracker))  # the database is down: spooled
    for event in _message(2, 2.0):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    spooled = store.spool.read(SENDER)
    assert spooled is not None  # each event once: only what the first save had not spooled was added
    reasons = [item.event["metadata"][SPOOLED_KEY]["reason"] for item in spooled.events]
    assert reasons == [TRACKER_STORE_UNREACHABLE] * 4 + [AFTER_SPOOLED_EVENTS] * 4


def test_a_save_while_the_database_is_back_but_events_wait_goes_to_the_spool(store: RedactingSQLTrackerStore) -> None:
    _spool_turns(store, 1, 1)
    tracker = DialogueStateTracker.from_events(SENDER, _message(2, 2.0))
    asyncio.run(store.save(tracker))
    assert _stored(store) == []
    spooled = store.spool.read(SENDER)
    assert spooled is not None and spooled.events[-1].event["metadata"][SPOOLED_KEY]["reason"] == AFTER_SPOOLED_EVENTS
    store.replay(SENDER)
    assert _texts(_stored(store))[::2] == [f"message {n}, rappelez-moi au [PHONE]" for n in (1, 2)]


def test_a_torn_last_line_is_skipped_and_the_next_append_starts_a_line_of_its_own(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append(SENDER, [{"event": "user", "text": "one"}])
    with spool.path(SENDER).open("ab") as handle:
        handle.write(b'{"seq": 2, "event": {"event": "us')  # the process died in the middle of an append
    assert spool.append(SENDER, [{"event": "user", "text": "two"}]) == 2
    spooled = spool.read(SENDER)
    assert spooled is not None and [item.event["text"] for item in spooled.events] == ["one", "two"]


def test_a_first_append_cut_in_its_header_leaves_the_conversation_free_to_spool_and_replay(
    store: RedactingSQLTrackerStore,
) -> None:
    store.spool.directory.mkdir()
    store.spool.path(SENDER).write_bytes(b'{"spool_file": "3f2a')  # the process died writing the first line
    assert store.replay(SENDER) == 0 and not store.spool.has_pending(SENDER)
    store.spool.path(SENDER).write_bytes(b'{"spool_file": "3f2a')
    _spool_turns(store, 1, 1)
    assert store.replay(SENDER) == 4 and len(_stored(store)) == 4


def test_each_outage_gets_a_new_file_id_so_a_later_one_is_not_taken_for_replayed(
    store: RedactingSQLTrackerStore,
) -> None:
    _spool_turns(store, 1, 1)
    first = store.spool.read(SENDER)
    store.replay(SENDER)
    _spool_turns(store, 2, 2)
    second = store.spool.read(SENDER)
    assert first is not None and second is not None and first.spool_id != second.spool_id
    assert store.replay(SENDER) == 4 and len(_stored(store)) == 8


# --- through the reply guard: a message that could not be handled at all ----------------------------------------


def _guarded_server(store: RedactingSQLTrackerStore) -> Sanic:
    app = Sanic(f"spool_{uuid.uuid4().hex}")
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    app.ctx.agent = SimpleNamespace(tracker_store=FailSafeTrackerStore(store), nlg=BilingualFactsNLG(domain=domain))
    return app


def test_a_message_the_store_could_not_take_is_spooled_with_its_fallback_and_replayed_first(
    store: RedactingSQLTrackerStore,
) -> None:
    order: list[str] = []

    async def store_down(message: UserMessage) -> None:
        await store.retrieve(message.sender_id)  # fails: the database is unreachable
        order.append(message.text or "")

    async def store_back(message: UserMessage) -> None:
        order.append(f"handled after {len(_stored(store))} stored events")

    turns = GuardedTurns(store_down)
    turns.start(_guarded_server(store))
    text = f"Mon sous-sol est inondé, appelez-moi au {PERSONAL['phone']}"
    collector = CollectingOutputChannel()
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(SQLTrackerStore, "_retrieve", lambda *args: (_ for _ in ()).throw(DOWN))
        assert asyncio.run(turns(UserMessage(text, collector, SENDER, input_channel="rest", message_id="r-1")))
    assert "9-1-1" in collector.messages[0]["text"] and order == []
    asyncio.run(turns.answer_with(store_back, UserMessage("merci", CollectingOutputChannel(), SENDER)))
    assert order == ["handled after 4 stored events"]  # the spooled turn went first
    rows = _stored(store)
    assert [kind for kind, _ in rows] == ["user", "action", "bot", "action"]
    user, bot = rows[0][1], rows[2][1]
    assert user["text"] == "Mon sous-sol est inondé, appelez-moi au [PHONE]" and user["message_id"] == "r-1"
    assert user["metadata"][SPOOLED_KEY]["reason"] == TRACKER_STORE_UNREACHABLE
    assert "9-1-1" in bot["text"] and rows[1][1]["name"] == "utter_service_unavailable"


def test_with_the_lock_store_down_the_message_is_spooled_and_the_background_round_replays_it(
    store: RedactingSQLTrackerStore, caplog: pytest.LogCaptureFixture
) -> None:
    async def lock_store_down(message: UserMessage) -> None:
        raise LockError("Error while acquiring lock: Connection refused")

    app = _guarded_server(store)
    turns = GuardedTurns(lock_store_down)
    turns.start(app)
    asyncio.run(turns(UserMessage("Mon sous-sol est inondé", CollectingOutputChannel(), SENDER)))
    spooled = store.spool.read(SENDER)
    assert spooled is not None and spooled.events[0].event["metadata"][SPOOLED_KEY]["reason"] == LOCK_STORE_UNREACHABLE
    with caplog.at_level("WARNING"):
        asyncio.run(ReplyGuard.of(app).replay_all_spooled())
    assert _texts(_stored(store))[0] == "Mon sous-sol est inondé" and not store.spool.has_pending(SENDER)
    assert "Spool: 4 event(s) spooled, 4 event(s) of 1 conversation(s) replayed" in caplog.text
    assert "inondé" not in caplog.text
