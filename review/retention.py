"""Québec's Law 25 in the data: conversations and the review data about them are kept RETENTION_DAYS, then purged;
one resident's conversations are deleted on request. Both write the tracker store (the only code of the review
app that does) and every review table, and leave a record in the audit log that names no resident.

Called by `python -m review purge|forget` (`make purge`, `make forget`) and by the privacy page for admins
(`review.routes.privacy`). Tables are found from the schema, not listed by hand: any table of either database with
a `sender_id` column is a table of conversations, so a table added later cannot be forgotten by a deletion.

A purge deletes events older than the period one by one, not whole conversations: a resident's X or Messenger
conversation is one conversation for years, and its old messages must go even while it goes on. What is left of a
conversation is indexed again (`review.index.reindex`); its staff rows go when nothing of it is left.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pointe_claire.channels.conversation_ids import FACEBOOK_COMMENTS, NAMESPACED_CHANNELS, SEPARATOR
from pointe_claire.clock import MONTREAL
from pointe_claire.names import PUBLIC_COMMENT_KEY
from pointe_claire.spool import Spool
from review import audit, index, moderation_log, store
from review.conversations import event_data, mapping

SENDER = "sender_id"
REST = "rest"  # REST callers name their own conversations: the platform id is the conversation id
CHANNELS = (*sorted(NAMESPACED_CHANNELS), REST)
EVENTS_TABLE = "events"  # Rasa's SQLTrackerStore
# Rows whose own time says how old they are (rows of the tracker store and the review tables); the other tables
# with a sender_id (marks, and any added later) go with their conversation.
TIME_COLUMNS = {
    EVENTS_TABLE: "timestamp",
    "spool_replays": "replayed_at",
    store.notes.name: "at",
    store.tags.name: "at",
    store.changes.name: "at",
    store.login_attempts.name: "at",
    store.moderation.name: "at",
}
# The ids of a public comment's record (PUBLIC_COMMENT_KEY) that name a resident or what they wrote; the post's is
# the City's own.
RESIDENT_PLATFORM_KEYS = ("comment_id", "parent_id", "author_id")
MODERATION_RECORDS = "review_audit (moderation)"
DERIVED = frozenset(table.name for table in store.DERIVED_TABLES)  # rebuilt by index.reindex, counted by it
# A deletion request's reference, as staff enter it: a ticket number ("ATI-2026-0042"), never a resident's name.
REFERENCE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9._/#-]{0,39}$")
CHUNK = 500


class RequestRefused(ValueError):
    """A deletion request that cannot be carried out as given; `key` names the reason (review.i18n)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass
class Outcome:
    """Rows deleted per table (table names are unique across the two databases); a dry run's are what would go."""

    deleted: dict[str, int] = field(default_factory=dict)
    conversations: int = 0

    def add(self, name: str, rows: int) -> None:
        self.deleted[name] = self.deleted.get(name, 0) + max(rows, 0)

    @property
    def rows(self) -> int:
        return sum(self.deleted.values())

    def lines(self) -> list[str]:
        return [f"{name}\t{count}" for name, count in sorted(self.deleted.items())]


def writable_tracker(url: str) -> Engine:
    """The tracker store opened for writing; the rest of the review app opens it read-only."""
    return sa.create_engine(url, future=True)


def cutoff(now: datetime, days: int) -> float:
    """The oldest moment kept: rows strictly older than it go."""
    return (now - timedelta(days=days)).timestamp()


def conversation_tables(connection: Connection) -> list[sa.Table]:
    """Every table of this database with a sender_id column, read from the database itself."""
    found = sa.MetaData()
    found.reflect(connection)
    return [table for table in found.sorted_tables if SENDER in table.columns]


@contextmanager
def _transactions(tracker: Engine, review: Engine, dry_run: bool) -> Iterator[list[Connection]]:
    """A connection to each database (one when they are the same, tracker first), committed at the end in that
    order (index rows of deleted events are harmless and purged next time; events no longer indexed would not be),
    or rolled back: a dry run does everything and keeps nothing, so its counts are the real run's."""
    engines = [tracker] if tracker.url == review.url else [tracker, review]
    with contextlib.ExitStack() as stack:
        connections = [stack.enter_context(engine.connect()) for engine in engines]
        transactions = [connection.begin() for connection in connections]
        try:
            yield connections
        except BaseException:
            for transaction in transactions:
                transaction.rollback()
            raise
        for transaction in transactions:
            transaction.rollback() if dry_run else transaction.commit()


def _delete(connection: Connection, table: sa.Table, where: sa.ColumnElement[bool]) -> int:
    return int(connection.execute(table.delete().where(where)).rowcount or 0)


def _senders(connection: Connection, table: sa.Table, where: sa.ColumnElement[bool] | None = None) -> set[str]:
    query = sa.select(table.c[SENDER]).distinct()
    return set(connection.execute(query if where is None else query.where(where)).scalars())


def _events_table(connections: Sequence[Connection]) -> tuple[Connection, sa.Table | None]:
    """The tracker's connection and its events table (None before the assistant stored anything)."""
    tracker = connections[0]
    return tracker, next((table for table in conversation_tables(tracker) if table.name == EVENTS_TABLE), None)


def purge(tracker: Engine, review: Engine, oldest_kept: float, now: float, dry_run: bool, user_name: str) -> Outcome:
    """Deletes what is older than `oldest_kept` from both databases; records the counts in the audit log."""
    index.refresh(tracker, review)  # the index knows every stored event before some are deleted
    outcome = Outcome()
    with _transactions(tracker, review, dry_run) as connections:
        tracker_connection, events = _events_table(connections)
        old = set() if events is None else _senders(tracker_connection, events, events.c.timestamp < oldest_kept)
        for connection in connections:
            for name, column in TIME_COLUMNS.items():
                table = _reflected(connection, name)
                if table is not None:
                    outcome.add(name, _delete(connection, table, table.c[column] < oldest_kept))
        review_connection = connections[-1]
        messages, conversations = index.reindex(review_connection, tracker_connection, sorted(old))
        outcome.add(store.messages.name, messages)
        outcome.add(store.conversations.name, conversations)
        outcome.conversations = conversations
        living = set() if events is None else _senders(tracker_connection, events)
        _delete_left_behind(connections, living, outcome)
        outcome.add(store.sessions.name, _delete(review_connection, store.sessions, store.sessions.c.expires_at < now))
        outcome.add(MODERATION_RECORDS, moderation_log.purge_records(review_connection, oldest_kept))
    if not dry_run:
        oldest = datetime.fromtimestamp(oldest_kept, MONTREAL).isoformat(timespec="seconds")
        audit.record(review, audit.PURGE, user_name, {"oldest_kept": oldest, **outcome.deleted}, outcome.rows)
    return outcome


def _reflected(connection: Connection, name: str) -> sa.Table | None:
    if not sa.inspect(connection).has_table(name):
        return None
    return sa.Table(name, sa.MetaData(), autoload_with=connection)


def _delete_left_behind(connections: Sequence[Connection], living: set[str], outcome: Outcome) -> None:
    """Rows of conversations no event is left of (marks, notes, replays...): they went with their conversation."""
    for connection in connections:
        for table in conversation_tables(connection):
            if table.name == EVENTS_TABLE or table.name in DERIVED:
                continue
            gone = sorted(_senders(connection, table) - living)
            for start in range(0, len(gone), CHUNK):
                outcome.add(table.name, _delete(connection, table, table.c[SENDER].in_(gone[start : start + CHUNK])))


def conversations_of(tracker: Engine, review: Engine, channel: str, platform_id: str) -> list[str]:
    """The conversation ids of a channel's user, in either database: `<channel>:<id>` and the forms with a kind
    between them (`x:dm:<id>`, `x:public:<id>`); for REST, the id itself."""
    platform_id = platform_id.strip()
    if channel not in CHANNELS or not platform_id or SEPARATOR in platform_id and channel != REST:
        raise RequestRefused("bad_platform_id")
    if channel == REST:
        candidates = {platform_id}
        pattern = None
    else:
        candidates = {f"{channel}{SEPARATOR}{platform_id}"}
        pattern = f"{channel}{SEPARATOR}%{SEPARATOR}{_like_escaped(platform_id)}"
    found: set[str] = set()
    threads: set[str] = set()
    with _transactions(tracker, review, dry_run=True) as connections:
        for connection in connections:
            for table in conversation_tables(connection):
                column = table.c[SENDER]
                where = (
                    column.in_(candidates) if pattern is None else column.in_(candidates) | column.like(pattern, "\\")
                )
                found.update(_senders(connection, table, where))
        if channel == FACEBOOK_COMMENTS:  # a thread is named by its first comment: the resident's are found by author
            threads = _threads_written_by(connections[0], platform_id)
    prefix, suffix = f"{channel}{SEPARATOR}", f"{SEPARATOR}{platform_id}"
    kept = {
        sender
        for sender in found
        if sender in candidates or (SEPARATOR not in sender[len(prefix) : -len(suffix)] and sender.endswith(suffix))
    }
    return sorted(kept | threads)


def _threads_written_by(connection: Connection, author_id: str) -> set[str]:
    """The comment threads in which this platform user wrote, read from their messages' public comment records."""
    _, events = _events_table([connection])
    if events is None:
        return set()
    query = sa.select(events.c[SENDER], events.c.data).where(
        events.c[SENDER].like(f"{FACEBOOK_COMMENTS}{SEPARATOR}%")
        & events.c.data.like(f"%{_like_escaped(author_id)}%", "\\")
    )
    return {sender for sender, data in connection.execute(query) if _comment_record(data).get("author_id") == author_id}


def _comment_record(data: str | None) -> Mapping[str, object]:
    """An event's public comment record (its metadata's PUBLIC_COMMENT_KEY), or {}."""
    return mapping(mapping(event_data(data).get("metadata")).get(PUBLIC_COMMENT_KEY))


def _platform_ids_in(connection: Connection, events: sa.Table | None, sender_ids: Sequence[str]) -> set[str]:
    """The platform ids of the residents and comments of these conversations (public comment records): what the
    moderation tables know them by."""
    found: set[str] = set()
    if events is None:
        return found
    for start in range(0, len(sender_ids), CHUNK):
        where = events.c[SENDER].in_(sender_ids[start : start + CHUNK]) & events.c.data.like(f"%{PUBLIC_COMMENT_KEY}%")
        for (data,) in connection.execute(sa.select(events.c.data).where(where)):
            record = _comment_record(data)
            found.update(str(record[key]) for key in RESIDENT_PLATFORM_KEYS if record.get(key))
    return found


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def drop_spooled(spool_directory: str, sender_ids: Sequence[str], dry_run: bool) -> int:
    """Deletes these conversations' spool files on this host (events an instance could not store yet, not replayed):
    run where the instance's ASSISTANT_SPOOL_DIR is. Returns how many files there were."""
    spool = Spool(spool_directory)
    found = 0
    for sender_id in sender_ids:
        with spool.claimed(sender_id) as claim:
            if claim.held:
                found += 1
                if not dry_run:
                    claim.delete()
    return found


def valid_reference(reference: str) -> str:
    """The request's reference as staff typed it, or RequestRefused: it is what the audit log keeps."""
    reference = reference.strip()
    if not REFERENCE.match(reference):
        raise RequestRefused("bad_reference")
    return reference


def forget(
    tracker: Engine,
    review: Engine,
    sender_ids: Sequence[str],
    reference: str,
    user_name: str,
    dry_run: bool = False,
    how: str = "conversation",
) -> Outcome:
    """Deletes these conversations from every table of both databases; the audit record keeps the request's
    reference, how it was asked (by conversation or by a channel's platform id), and counts, no id."""
    reference = valid_reference(reference)
    ids = sorted({sender for sender in sender_ids if sender})  # none found: still recorded, as answered
    outcome = Outcome()
    found: set[str] = set()
    with _transactions(tracker, review, dry_run) as connections:
        platform_ids = _platform_ids_in(*_events_table(connections), ids)
        if platform_ids:  # comments, or posts on X: what the moderation tables know them by
            states, records = moderation_log.forget_platform_ids(connections[-1], platform_ids, reference)
            outcome.add(store.moderation.name, states)
            outcome.add(MODERATION_RECORDS, records)
        for connection in connections:
            for table in conversation_tables(connection):
                for start in range(0, len(ids), CHUNK):
                    where = table.c[SENDER].in_(ids[start : start + CHUNK])
                    found |= _senders(connection, table, where)
                    outcome.add(table.name, _delete(connection, table, where))
        outcome.conversations = len(found)
        if not dry_run:
            detail = {"reference": reference, "by": how, "conversations": len(found), **outcome.deleted}
            audit.record(connections[-1], audit.FORGET, user_name, detail, outcome.rows)
    return outcome
