"""The review app's own tables: users, sessions, login attempts, staff marks, tags, notes, the change log, the audit
log, and the derived conversation index. The tracker store's `events` table is never written.

Every table is prefixed `review_`, so the review data may live in the tracker's database or in its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

metadata = sa.MetaData()

users = sa.Table(
    "review_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("password_hash", sa.String(400), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

sessions = sa.Table(
    "review_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("review_users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

login_attempts = sa.Table(
    "review_login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(80), nullable=False, index=True),
    sa.Column("address", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("succeeded", sa.Boolean, nullable=False),
)

# Staff state per conversation. `handoffs_closed` counts the handoffs closed so far: a handoff asked for after
# the last closing (a higher count in the index) opens the conversation again.
marks = sa.Table(
    "review_marks",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("reviewed", sa.Boolean, nullable=False, default=False),
    sa.Column("handoffs_closed", sa.Integer, nullable=False, default=0),
    sa.Column("assigned_to", sa.String(80)),  # the staff member who holds the conversation, if any
)

tags = sa.Table(
    "review_tags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("tag", sa.String(60), nullable=False),
    sa.Column("user_name", sa.String(80), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.UniqueConstraint("sender_id", "tag"),
)

notes = sa.Table(
    "review_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("user_name", sa.String(80), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("edited_at", sa.Float),
    sa.Column("edited_by", sa.String(80)),
)

# Who changed what, when: every staff action appends one row.
changes = sa.Table(
    "review_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("change", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("user_name", sa.String(80), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)

# Actions on the whole data rather than one conversation: exports (who, filters, rows), purges, deletion requests.
# Holds no resident's information (no conversation id, no text: review.audit), so it is kept when they go.
audit = sa.Table(
    "review_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("action", sa.String(40), nullable=False, index=True),
    sa.Column("detail", sa.Text, nullable=False, default=""),  # JSON object
    sa.Column("rows", sa.Integer, nullable=False, default=0),
    sa.Column("user_name", sa.String(80), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)

# What staff (or the assistant, by itself) last did to a public comment on its platform, and the last failure
# until an action succeeds (review.moderation_log). `target` is the comment's id, or `author:<id>` for a ban.
# Every action is also in the audit log, which keeps the history.
moderation = sa.Table(
    "review_moderation",
    metadata,
    sa.Column("platform", sa.String(20), primary_key=True),
    sa.Column("target", sa.String(120), primary_key=True),
    sa.Column("state", sa.String(20), nullable=False),  # hidden, visible, deleted, banned; "" unknown
    sa.Column("user_name", sa.String(80), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("problem", sa.Text),
)

# Named inbox views of one staff member: the filters as a query string, made by review.inbox.Filters.
saved_views = sa.Table(
    "review_saved_views",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_name", sa.String(80), nullable=False, index=True),
    sa.Column("name", sa.String(60), nullable=False),
    sa.Column("query", sa.Text, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.UniqueConstraint("user_name", "name"),
)

# --- derived from the tracker store, refreshed incrementally by review.index --------------------------------------

conversations = sa.Table(
    "review_conversations",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("first_ts", sa.Float, nullable=False),
    sa.Column("last_ts", sa.Float, nullable=False, index=True),
    sa.Column("user_messages", sa.Integer, nullable=False),
    sa.Column("language", sa.String(10)),
    sa.Column("channels", sa.Text, nullable=False),  # "|rest|socketio|": LIKE-searchable sets
    sa.Column("intents", sa.Text, nullable=False),
    sa.Column("flags", sa.Text, nullable=False),
    sa.Column("urgent", sa.Boolean, nullable=False),  # an emergency, life-threatening or municipal
    sa.Column("handoffs", sa.Integer, nullable=False),
    # When each handoff was asked for ("1795316400.0 1795320000.0"): the oldest still open sets the deadline.
    sa.Column("handoff_times", sa.Text, nullable=False),
    # A flag a person should look at (netiquette, not understood, a new kind...): not only an answered emergency,
    # an after-hours message or a handoff, which the queue shows by themselves.
    sa.Column("attention", sa.Boolean, nullable=False),
    sa.Column("search", sa.Text, nullable=False),  # the resident's words folded (review.index.search_text)
    sa.Column("last_text", sa.Text, nullable=False),
)

messages = sa.Table(
    "review_messages",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("day", sa.String(10), nullable=False, index=True),  # local date, America/Montreal
    sa.Column("language", sa.String(10), index=True),  # `?`: the few conversations in no language told
    sa.Column("intent", sa.String(255)),
    sa.Column("fallback", sa.Boolean, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("search", sa.Text, nullable=False),  # `text` folded for search
)

# Event ids skipped over by the index: on PostgreSQL an id is taken when an event is written but visible only once
# its transaction commits, so with several Rasa instances id 101 can be read while id 100 is still on its way.
# The skipped ids are looked for again on each refresh, and forgotten after GAP_EXPIRY_SECONDS (a rolled-back
# transaction leaves an id that never comes).
index_gaps = sa.Table(
    "review_index_gaps",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("noticed_at", sa.Float, nullable=False),
)

index_state = sa.Table(
    "review_index_state",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)


# Raised whenever the derived tables change shape or meaning: they are then dropped and rebuilt from the tracker
# store (the staff tables are kept). 2: folded search text, handoff times, attention.
INDEX_VERSION = 2
INDEX_VERSION_KEY = "index_version"
DERIVED_TABLES = (conversations, messages, index_gaps)


def review_engine(url: str) -> Engine:
    """The review database, its tables created when missing, the staff tables given the columns added since they
    were created, and the derived index rebuilt when INDEX_VERSION changed."""
    engine = sa.create_engine(url, future=True)
    metadata.create_all(engine)
    _add_missing_columns(engine)
    _rebuild_old_index(engine)
    return engine


def _add_missing_columns(engine: Engine) -> None:
    """ALTER TABLE ... ADD COLUMN for the nullable columns a table of an older version lacks (both dialects)."""
    inspector = sa.inspect(engine)
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            if table in DERIVED_TABLES:
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present and column.nullable:
                    kind = column.type.compile(dialect=engine.dialect)
                    connection.execute(sa.text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))


def _rebuild_old_index(engine: Engine) -> None:
    with engine.begin() as connection:
        version = connection.execute(
            sa.select(index_state.c.value).where(index_state.c.name == INDEX_VERSION_KEY)
        ).scalar()
        if version == INDEX_VERSION:
            return
        for table in DERIVED_TABLES:
            table.drop(connection, checkfirst=True)
        for table in DERIVED_TABLES:
            table.create(connection)
        connection.execute(index_state.delete())
        connection.execute(index_state.insert().values(name=INDEX_VERSION_KEY, value=INDEX_VERSION))
