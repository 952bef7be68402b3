"""Read-only access to the assistant's tracker store (Rasa's `events` table) and the transcript staff read.

Rasa's SQLTrackerStore writes one row per event: id, sender_id, type_name, timestamp, intent_name, action_name,
and `data`, the event as JSON (user text already redacted by pointe_claire.tracker_store). Nothing here writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pointe_claire.names import FLAGS_SLOT, HELD_BY_STAFF_KEY, LANGUAGE_SLOT, STAFF_REPLY_KEY
from review.flags import (
    FALLBACK,
    FALLBACK_ACTIONS,
    Flag,
    distinct,
    message_flags,
    slot_flags,
)
from review.i18n import reply_reason

MONTREAL = ZoneInfo("America/Montreal")
# Actions every turn runs: left out of the transcript, where they would only hide the ones that matter.
ROUTINE_ACTIONS = frozenset({"action_listen", "action_session_start"})

# The shape Rasa's SQLTrackerStore creates; declared, never created, by this app.
_tracker_metadata = sa.MetaData()
events = sa.Table(
    "events",
    _tracker_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


@dataclass(frozen=True)
class StoredEvent:
    id: int
    sender_id: str
    type_name: str
    timestamp: float
    data: Mapping[str, Any]


def tracker_engine(url: str) -> Engine:
    """The tracker store's database, opened read-only where the driver allows (SQLite; PostgreSQL via psycopg2)."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///file:"):
        path = url[len("sqlite:///") :]
        if path and path != ":memory:":
            return sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", future=True)
    engine = sa.create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg2":
        # Read-only transactions: the server itself refuses any write through this connection.
        return engine.execution_options(postgresql_readonly=True)
    return engine


def tracker_ready(engine: Engine) -> bool:
    """Whether the assistant has created its table yet (a fresh install has no conversation)."""
    try:
        return sa.inspect(engine).has_table("events")
    except sa.exc.SQLAlchemyError:
        return False


def event_data(text: str | None) -> Mapping[str, Any]:
    """A stored event's `data` column as a JSON object; {} when it is not one (stored events are read, never
    trusted)."""
    try:
        data = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _stored(row: Any) -> StoredEvent:
    return StoredEvent(row.id, row.sender_id, row.type_name, float(row.timestamp or 0), event_data(row.data))


def events_after(engine: Engine, last_id: int, limit: int) -> list[StoredEvent]:
    """The next `limit` events stored after event `last_id`, oldest first."""
    query = sa.select(events).where(events.c.id > last_id).order_by(events.c.id).limit(limit)
    with engine.connect() as connection:
        return [_stored(row) for row in connection.execute(query)]


def events_with_ids(engine: Engine, ids: list[int], chunk: int = 500) -> list[StoredEvent]:
    """Those of these events that are stored now, oldest first."""
    found: list[StoredEvent] = []
    with engine.connect() as connection:
        for start in range(0, len(ids), chunk):
            query = sa.select(events).where(events.c.id.in_(ids[start : start + chunk]))
            found.extend(_stored(row) for row in connection.execute(query))
    return sorted(found, key=lambda event: event.id)


def last_event_id(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.max(events.c.id))).scalar() or 0)


def conversation_events(engine: Engine, sender_id: str) -> list[StoredEvent]:
    query = sa.select(events).where(events.c.sender_id == sender_id).order_by(events.c.id)
    with engine.connect() as connection:
        return [_stored(row) for row in connection.execute(query)]


def events_of(engine: Engine, sender_ids: list[str]) -> Iterator[StoredEvent]:
    """Every event of these conversations in one query, each conversation's in order (exports)."""
    with engine.connect() as connection:
        yield from stored_events(connection, sender_ids)


def stored_events(connection: Connection, sender_ids: list[str]) -> Iterator[StoredEvent]:
    """`events_of` on an open connection: a purge reads what its own transaction left (review.retention)."""
    query = sa.select(events).where(events.c.sender_id.in_(sender_ids)).order_by(events.c.sender_id, events.c.id)
    for row in connection.execute(query):
        yield _stored(row)


def mapping(value: Any) -> Mapping[str, Any]:
    """`value` if it is a JSON object, else an empty one: stored events are read, never trusted."""
    return value if isinstance(value, Mapping) else {}


def local_time(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc).astimezone(MONTREAL)


def message_language(parse_data: Mapping[str, Any]) -> str | None:
    """The language the LanguageDetector was sure of for this message, if any."""
    for entity in parse_data.get("entities") or []:
        if isinstance(entity, Mapping) and entity.get("entity") == LANGUAGE_SLOT and entity.get("value"):
            return str(entity["value"])
    return None


@dataclass
class Turn:
    """One line of the transcript: the resident, the assistant, or an action it ran."""

    speaker: str  # "resident", "assistant", "staff_member" (a reply from this app) or "action"
    event_id: int
    at: datetime
    text: str = ""
    intent: str | None = None
    confidence: float | None = None
    language: str | None = None
    channel: str | None = None
    flags: list[Flag] = field(default_factory=list)
    by: str | None = None  # a staff reply's author; a resident message's take-over holder (the assistant silent)
    delivered: bool = True  # a staff reply: whether the resident's channel took it
    reason: str = ""  # a staff reply not delivered: why, when the channel said (reply_reason)


@dataclass
class Transcript:
    sender_id: str
    turns: list[Turn]
    flags: list[Flag]
    language: str | None
    channels: list[str]

    @property
    def resident_turns(self) -> list[Turn]:
        return [turn for turn in self.turns if turn.speaker == "resident"]


def transcript(stored: list[StoredEvent], sender_id: str) -> Transcript:
    """The conversation as staff read it, with each resident message's intent, confidence, language and flags."""
    turns: list[Turn] = []
    all_flags: list[Flag] = []
    language: str | None = None
    channels: list[str] = []
    for event in stored:
        data = event.data
        kind = data.get("event") or event.type_name
        if kind == "slot" and data.get("name") == LANGUAGE_SLOT:
            language = data.get("value") or language
        elif kind == "slot" and data.get("name") == FLAGS_SLOT:
            all_flags.extend(slot_flags(data.get("value")))
        elif kind == "user":
            parse_data = mapping(data.get("parse_data"))
            intent = mapping(parse_data.get("intent"))
            flags = message_flags(data, event.timestamp)
            said = message_language(parse_data)
            language = said or language
            channel = data.get("input_channel")
            if channel and channel not in channels:
                channels.append(str(channel))
            turns.append(
                Turn(
                    "resident",
                    event.id,
                    local_time(event.timestamp),
                    str(data.get("text") or ""),
                    intent.get("name"),
                    _confidence(intent.get("confidence")),
                    said or language,
                    channel,
                    flags,
                    by=_held_by(data),
                )
            )
            all_flags.extend(flags)
        elif kind == "bot":
            turns.append(bot_turn(event.id, local_time(event.timestamp), data))
        elif kind == "action":
            name = str(data.get("name") or "")
            if name in FALLBACK_ACTIONS:
                all_flags.append(Flag(FALLBACK))
            if name not in ROUTINE_ACTIONS:
                turns.append(Turn("action", event.id, local_time(event.timestamp), name))
    return Transcript(sender_id, turns, distinct(all_flags), language, channels)


def bot_turn(event_id: int, at: datetime, data: Mapping[str, Any]) -> Turn:
    """An assistant's answer, or a staff member's reply sent from this app (its author and whether it arrived)."""
    text = str(data.get("text") or "")
    reply = mapping(mapping(data.get("metadata")).get(STAFF_REPLY_KEY))
    if not reply:
        return Turn("assistant", event_id, at, text)
    return Turn(
        "staff_member",
        event_id,
        at,
        text,
        by=str(reply.get("by") or "?"),
        delivered=reply.get("delivered") is not False,
        reason=reply_reason(reply.get("reason")),
    )


def _held_by(data: Mapping[str, Any]) -> str | None:
    held = mapping(mapping(data.get("metadata")).get(HELD_BY_STAFF_KEY))
    return str(held.get("by") or "?") if held else None


def _confidence(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
