"""The derived conversation index: one row per conversation (dates, language, channels, intents, flags, search
text) and one per resident message, kept in the review database and refreshed with only the events stored since
the last refresh.

Why: filtering 10,000 conversations by reading every event's JSON on each request takes seconds; the inbox and the
overview query these small tables instead. Called by `review.web.refresh_index` before each inbox/overview/export
request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pointe_claire.names import FLAGS_SLOT
from pointe_claire.text_normalization import fold
from review import store
from review.conversations import (
    FALLBACK_ACTIONS,
    LANGUAGE_SLOT,
    StoredEvent,
    events_after,
    events_with_ids,
    last_event_id,
    local_time,
    mapping,
    message_language,
    stored_events,
    tracker_ready,
)
from review.flags import (
    FALLBACK,
    HANDOFF,
    QUIET_KINDS,
    URGENT_KINDS,
    message_flags,
    slot_flags,
)

BATCH = 5000
SEARCH_CHARS = 4000  # enough for what residents write; keeps the table small
STATE_KEY = "last_event_id"
MAX_GAPS = 10_000
GAP_EXPIRY_SECONDS = 3600


# Hyphens, dashes, apostrophes and runs of spaces count as one space in a search: "nid de poule" finds
# "nid-de-poule", "l egout" finds "l'égout".
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―'’`ʼ]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


def search_text(text: str) -> str:
    """What free-text search compares: lower case, no accents or ligatures, separators as one space. Done in
    Python on both the stored text and the query, so plain LIKE finds "égout" from "egout" on SQLite and
    PostgreSQL alike (neither has accent-insensitive LIKE without extensions)."""
    return _SEPARATORS.sub(" ", fold(text).translate(_LIGATURES)).strip()


def needs_attention(flags: set[str]) -> bool:
    """A flag a person should look at beyond answered emergencies, handoffs (queued by themselves) and after-hours
    messages (a time, not a problem)."""
    return any(flag.split(":")[0] not in QUIET_KINDS for flag in flags)


def as_set(text: str | None) -> set[str]:
    return {part for part in (text or "").split("|") if part}


def as_text(values: set[str]) -> str:
    return "|" + "|".join(sorted(values)) + "|" if values else ""


@dataclass
class _Summary:
    sender_id: str
    first_ts: float
    last_ts: float
    user_messages: int = 0
    language: str | None = None
    channels: set[str] = field(default_factory=set)
    intents: set[str] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)
    handoffs: int = 0
    search: str = ""
    last_text: str = ""
    handoff_times: list[float] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: Any) -> _Summary:
        return cls(
            row.sender_id,
            row.first_ts,
            row.last_ts,
            row.user_messages,
            row.language,
            as_set(row.channels),
            as_set(row.intents),
            as_set(row.flags),
            row.handoffs,
            row.search,
            row.last_text,
            [float(part) for part in row.handoff_times.split()],
        )

    def as_row(self) -> dict[str, Any]:
        return {
            "sender_id": self.sender_id,
            "first_ts": self.first_ts,
            "last_ts": self.last_ts,
            "user_messages": self.user_messages,
            "language": self.language,
            "channels": as_text(self.channels),
            "intents": as_text(self.intents),
            "flags": as_text(self.flags),
            "urgent": bool(self.flags & URGENT_KINDS),
            "handoffs": self.handoffs,
            "handoff_times": " ".join(repr(at) for at in self.handoff_times),
            "attention": needs_attention(self.flags),
            "search": self.search[:SEARCH_CHARS],
            "last_text": self.last_text[:300],
        }


def _fold(summary: _Summary, event: StoredEvent, messages: list[dict[str, Any]]) -> None:
    data: Mapping[str, Any] = event.data
    kind = data.get("event") or event.type_name
    summary.first_ts = min(summary.first_ts, event.timestamp)
    summary.last_ts = max(summary.last_ts, event.timestamp)
    if kind == "slot" and data.get("name") == LANGUAGE_SLOT and data.get("value"):
        summary.language = str(data["value"])[:10]
    elif kind == "slot" and data.get("name") == FLAGS_SLOT:
        records = slot_flags(data.get("value"))
        summary.flags.update(flag.key for flag in records)
        summary.flags.update(flag.kind for flag in records)
        # The slot holds every record so far: its handoff count is the conversation's.
        handoffs = sum(flag.kind == HANDOFF for flag in records)
        summary.handoff_times.extend([event.timestamp] * (handoffs - len(summary.handoff_times)))
        summary.handoffs = max(summary.handoffs, handoffs)
    elif kind == "user":
        parse_data = mapping(data.get("parse_data"))
        intent = mapping(parse_data.get("intent"))
        name = str(intent.get("name") or "")[:255] or None
        flags = message_flags(data, event.timestamp)
        summary.flags.update(flag.key for flag in flags)
        summary.flags.update(flag.kind for flag in flags)
        language = message_language(parse_data) or summary.language
        summary.language = language[:10] if language else None
        text = str(data.get("text") or "")
        summary.user_messages += 1
        summary.last_text = text
        summary.search = (summary.search + " " + search_text(text))[:SEARCH_CHARS]
        if name:
            summary.intents.add(name)
        if data.get("input_channel"):
            summary.channels.add(str(data["input_channel"])[:40])
        messages.append(
            {
                "event_id": event.id,
                "sender_id": event.sender_id,
                "ts": event.timestamp,
                "day": local_time(event.timestamp).date().isoformat(),
                "language": summary.language,
                "intent": name,
                "fallback": any(flag.kind == FALLBACK for flag in flags),
                "text": text[:2000],
                "search": search_text(text[:2000]),
            }
        )
    elif kind == "action" and data.get("name") in FALLBACK_ACTIONS:
        summary.flags.add(FALLBACK)


def _state(connection: Connection) -> int:
    value = connection.execute(
        sa.select(store.index_state.c.value).where(store.index_state.c.name == STATE_KEY)
    ).scalar()
    return int(value or 0)


def _set_state(connection: Connection, value: int) -> None:
    updated = connection.execute(
        store.index_state.update().where(store.index_state.c.name == STATE_KEY).values(value=value)
    )
    if not updated.rowcount:
        connection.execute(store.index_state.insert().values(name=STATE_KEY, value=value))


def _reset(connection: Connection) -> None:
    connection.execute(store.conversations.delete())
    connection.execute(store.messages.delete())
    connection.execute(store.index_gaps.delete())
    _set_state(connection, 0)


def refresh(tracker: Engine, review: Engine, batch: int = BATCH) -> int:
    """Adds the events stored since the last refresh to the index; returns how many were read."""
    if not tracker_ready(tracker):
        return 0
    newest = last_event_id(tracker)
    with review.begin() as connection:
        if newest < _state(connection):  # the tracker database was replaced: start over
            _reset(connection)
    read = _fill_gaps(tracker, review)
    while True:
        with review.begin() as connection:
            last = _state(connection)
            new_events = events_after(tracker, last, batch)
            if not new_events:
                return read
            _apply(connection, new_events)
            _remember_gaps(connection, last, new_events)
            _set_state(connection, new_events[-1].id)
            read += len(new_events)


def _remember_gaps(connection: Connection, last: int, new_events: list[StoredEvent]) -> None:
    present = {event.id for event in new_events}
    missing = [number for number in range(last + 1, new_events[-1].id) if number not in present]
    if 0 < len(missing) <= MAX_GAPS:  # more is a pruned or imported store, not transactions in flight
        now = time.time()
        connection.execute(store.index_gaps.insert(), [{"event_id": number, "noticed_at": now} for number in missing])


def _fill_gaps(tracker: Engine, review: Engine) -> int:
    """Indexes the events that were skipped because they were not committed yet when their successors were read."""
    gaps = store.index_gaps
    with review.begin() as connection:
        connection.execute(gaps.delete().where(gaps.c.noticed_at < time.time() - GAP_EXPIRY_SECONDS))
        waiting = list(connection.execute(sa.select(gaps.c.event_id)).scalars())
        if not waiting:
            return 0
        arrived = events_with_ids(tracker, waiting)
        if arrived:
            _apply(connection, arrived)
            connection.execute(gaps.delete().where(gaps.c.event_id.in_([event.id for event in arrived])))
        return len(arrived)


def _apply(connection: Connection, new_events: list[StoredEvent]) -> None:
    senders = sorted({event.sender_id for event in new_events})
    table = store.conversations
    existing: dict[str, _Summary] = {}
    for start in range(0, len(senders), 500):
        rows = connection.execute(sa.select(table).where(table.c.sender_id.in_(senders[start : start + 500])))
        existing.update({row.sender_id: _Summary.from_row(row) for row in rows})
    summaries = dict(existing)
    messages: list[dict[str, Any]] = []
    for event in new_events:
        summary = summaries.get(event.sender_id)
        if summary is None:
            summary = summaries[event.sender_id] = _Summary(event.sender_id, event.timestamp, event.timestamp)
        _fold(summary, event, messages)
    updates = [summary.as_row() for sender, summary in summaries.items() if sender in existing]
    inserts = [summary.as_row() for sender, summary in summaries.items() if sender not in existing]
    if inserts:
        connection.execute(table.insert(), inserts)
    if updates:
        connection.execute(
            table.update().where(table.c.sender_id == sa.bindparam("key")),
            [{**row, "key": row["sender_id"]} for row in updates],
        )
    if messages:
        connection.execute(store.messages.insert(), messages)


def reindex(connection: Connection, tracker: Connection, sender_ids: Sequence[str]) -> tuple[int, int]:
    """Rebuilds these conversations' rows from the events the tracker still holds, after a purge deleted some of
    them; returns (messages, conversations) no longer indexed. Only events the index had already reached are read
    back (none beyond its state, none still awaited as a gap), so the next refresh adds the others once."""
    last = _state(connection)
    awaited = set(connection.execute(sa.select(store.index_gaps.c.event_id)).scalars())
    dropped_messages = dropped_conversations = 0
    for start in range(0, len(sender_ids), 500):
        part = list(sender_ids[start : start + 500])
        dropped_messages += connection.execute(
            store.messages.delete().where(store.messages.c.sender_id.in_(part))
        ).rowcount
        dropped_conversations += connection.execute(
            store.conversations.delete().where(store.conversations.c.sender_id.in_(part))
        ).rowcount
        kept = [event for event in stored_events(tracker, part) if event.id <= last and event.id not in awaited]
        if kept:
            _apply(connection, kept)
            dropped_messages -= sum(1 for event in kept if (event.data.get("event") or event.type_name) == "user")
            dropped_conversations -= len({event.sender_id for event in kept})
    return dropped_messages, dropped_conversations
