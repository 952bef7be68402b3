"""Our own tables in the assistant's database (spool replays, staff take-overs), created at start-up by every
instance. Called by pointe_claire.tracker_store and pointe_claire.takeover."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine


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
