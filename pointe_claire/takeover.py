"""Staff take-overs: while a staff member holds a conversation, the assistant stays silent in it (an emergency still
gets its answer), until they hand it back or the take-over runs out (`STAFF_TAKEOVER_MINUTES`).

Kept in the assistant's own database (the tracker store's, beside `events`), not in memory: every Rasa instance of
a cluster must see the same state, whichever one a resident's next message reaches. Written by the staff endpoint
(`pointe_claire.channels.staff`, called by the review app), read by the reply guard on each message and by the
review app (read-only) to show it. Plain SQLAlchemy, no Rasa.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pointe_claire import settings
from pointe_claire.shared_tables import create_missing, read_or

MINUTES_VARIABLE = "STAFF_TAKEOVER_MINUTES"

metadata = sa.MetaData()
takeovers = sa.Table(
    "staff_takeovers",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("held_by", sa.String(80), nullable=False),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)


@dataclass(frozen=True)
class TakeOver:
    """Who holds the conversation, since when and until when (epoch seconds)."""

    held_by: str
    started_at: float
    expires_at: float


def lifetime_seconds() -> float:
    """How long a take-over lasts without a new staff reply: the setting, at least one minute."""
    return max(1, settings.integer(MINUTES_VARIABLE)) * 60.0


def create_table(engine: Engine) -> None:
    """Creates the table when missing (every instance tries at start-up; a race with another one is harmless)."""
    create_missing(metadata, engine)


def current(connection: Connection, sender_id: str, now: float | None = None) -> TakeOver | None:
    """The conversation's take-over still running at `now`, or None (none, handed back, or run out)."""
    row = connection.execute(sa.select(takeovers).where(takeovers.c.sender_id == sender_id)).first()
    moment = time.time() if now is None else now
    if row is None or row.expires_at <= moment:
        return None
    return TakeOver(row.held_by, row.started_at, row.expires_at)


def held(engine: Engine, sender_id: str) -> TakeOver | None:
    """`current`, in a connection of its own; None when the table does not exist yet (an older assistant)."""
    return read_or(engine, takeovers, lambda connection: current(connection, sender_id), None)


def take_over(engine: Engine, sender_id: str, staff_name: str, now: float | None = None) -> TakeOver:
    """Gives the conversation to `staff_name` for `lifetime_seconds()` from now; a running take-over of theirs is
    extended (started_at kept), anyone else's is replaced."""
    moment = time.time() if now is None else now
    expires = moment + lifetime_seconds()
    with engine.begin() as connection:
        running = current(connection, sender_id, moment)
        started = running.started_at if running and running.held_by == staff_name else moment
        values = {"held_by": staff_name, "started_at": started, "expires_at": expires}
        updated = connection.execute(takeovers.update().where(takeovers.c.sender_id == sender_id).values(**values))
        if not updated.rowcount:
            connection.execute(takeovers.insert().values(sender_id=sender_id, **values))
    return TakeOver(staff_name, started, expires)


def hand_back(engine: Engine, sender_id: str) -> bool:
    """Ends the conversation's take-over; False when none was running."""
    with engine.begin() as connection:
        running = current(connection, sender_id)
        connection.execute(takeovers.delete().where(takeovers.c.sender_id == sender_id))
    return running is not None
