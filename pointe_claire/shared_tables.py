"""Our own tables in the assistant's database (spool replays, staff take-overs, alerts), created at start-up by
every instance, and read by code that may meet a database where they do not exist yet. Called by
pointe_claire.tracker_store, pointe_claire.takeover and pointe_claire.alerts.records."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

Read = TypeVar("Read")


def create_missing(metadata: sa.MetaData, engine: Engine) -> None:
    """Creates `metadata`'s tables that do not exist yet. Instances of a cluster start side by side: on a fresh
    PostgreSQL database two may create a table at once, and the loser's error (a duplicate table, or a duplicate
    row type: IntegrityError) is harmless once the tables exist; any other failure is raised."""
    try:
        metadata.create_all(engine)
    except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
        inspector = sa.inspect(engine)
        if not all(inspector.has_table(table.name) for table in metadata.sorted_tables):
            raise


def read_or(engine: Engine, table: sa.Table, read: Callable[[Connection], Read], absent: Read) -> Read:
    """`read` on a connection of its own; `absent` when `table` does not exist yet (a database an older version
    wrote, before an instance's start-up created it); any other failure, and one with the table there, is raised."""
    try:
        with engine.connect() as connection:
            return read(connection)
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):
        if sa.inspect(engine).has_table(table.name):
            raise
        return absent
