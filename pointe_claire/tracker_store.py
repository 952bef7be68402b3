"""SQL tracker store that writes conversations with residents' personal information replaced by placeholders.

Built by Rasa from endpoints.yml (`tracker_store: type: pointe_claire.tracker_store.RedactingSQLTrackerStore`);
the patterns come from `pointe_claire.redaction`. The same endpoints.yml serves a laptop (SQLite file) and
production (PostgreSQL): `url_env` names the environment variable that, when set, holds the database URL.

Events the database cannot take (it is unreachable) go, redacted the same way, to this instance's spool
(`pointe_claire.spool`) and are replayed from it in order and exactly once (`replay`), which the reply guard does
under the conversation's lock before its next message and every few seconds in the background.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered

from pointe_claire import settings, takeover
from pointe_claire.alerts import records as alert_records
from pointe_claire.names import PUBLIC_COMMENT_ID_KEYS, SPOOLED_KEY
from pointe_claire.redaction import Redactor, default_redactor
from pointe_claire.shared_tables import create_missing
from pointe_claire.spool import Spool

if TYPE_CHECKING:
    from rasa.core.brokers.broker import EventBroker
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

# The variable endpoints.yml names (`url_env`). The review app reads the same URL from REVIEW_TRACKER_DB_URL.
DATABASE_URL_VARIABLE = "ASSISTANT_DATABASE_URL"

SPOOL_DIR_VARIABLE = "ASSISTANT_SPOOL_DIR"

# How long opening a PostgreSQL connection may take before it fails (and the resident gets the fallback).
POSTGRESQL_CONNECT_TIMEOUT_SECONDS = 5

# Events that carry what someone wrote: the resident's message, and the bot's reply in case it echoes it.
REDACTED_EVENT_TYPES = frozenset({UserUttered.type_name, BotUttered.type_name})

# Values that are Rasa's identifiers, not words anyone wrote. They stay as they are: intent and entity names feed
# the `intent_name` column and the stories, and a message id (hex) may hold nine digits that read as a SIN.
IDENTIFIER_KEYS = PUBLIC_COMMENT_ID_KEYS | frozenset(
    {
        "event",
        "name",
        "entity",
        "extractor",
        "role",
        "group",
        "input_channel",
        "message_id",
        "processors",
        "utter_action",
        "template_name",
        "intent_response_key",
        "retrieval_intent",
    }
)


# The database cannot be reached (as opposed to a bug in a query): the events go to the spool instead.
UNREACHABLE_ERRORS: tuple[type[Exception], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.TimeoutError,
)

# Why an event was spooled (its metadata's SPOOLED_KEY record, which staff see).
TRACKER_STORE_UNREACHABLE = "tracker_store_unreachable"
LOCK_STORE_UNREACHABLE = "lock_store_unreachable"
AFTER_SPOOLED_EVENTS = "after_spooled_events"  # the store answered, but earlier events of the conversation wait

# Set on each tracker this store returns or saves: how many of its events are stored. What a failed save spools is
# the rest (Rasa's own save counts the stored rows instead, which it cannot do with the database down).
_STORED_EVENTS_ATTRIBUTE = "_pointe_claire_stored_events"

# Which spool files have been replayed, and up to which event: written in the same transaction as the events, so
# a replay cut anywhere stores nothing twice. Also which conversations an outage touched, and when, for staff.
_spool_metadata = sa.MetaData()
spool_replays = sa.Table(
    "spool_replays",
    _spool_metadata,
    sa.Column("spool_file", sa.String(64), primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("last_seq", sa.Integer, nullable=False),
    sa.Column("first_timestamp", sa.Float),
    sa.Column("last_timestamp", sa.Float),
    sa.Column("replayed_at", sa.Float, nullable=False),
)


@dataclass
class SpoolActivity:
    """Counts since the last summary line (`RedactingSQLTrackerStore.spool_summary`)."""

    spooled_events: int = 0
    replayed_events: int = 0
    replayed_conversations: int = 0


def unhandled_turn(
    text: str,
    parse_data: Mapping[str, Any] | None,
    replies: Sequence[str],
    reply_action: str,
    received_at: float,
    input_channel: str | None = None,
    message_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> list[Event]:
    """The events of a message the assistant could not handle (a store down) and the fallback it got, shaped as
    Rasa stores a turn: the resident's message, the response's action, what was sent, then listening again."""
    parsed = dict(parse_data or {})
    user = UserUttered(
        text,
        parsed.get("intent"),
        parsed.get("entities"),
        parsed or None,
        timestamp=received_at,
        input_channel=input_channel,
        message_id=message_id,
        metadata=dict(metadata) if metadata else None,
    )
    now = max(time.time(), received_at)
    bot = [BotUttered(reply, timestamp=now) for reply in replies]
    return [user, ActionExecuted(reply_action, timestamp=now), *bot, ActionExecuted(ACTION_LISTEN_NAME, timestamp=now)]


def redacting_store(agent: Any) -> RedactingSQLTrackerStore | None:
    """This store, as Rasa's agent holds it (inside its FailSafeTrackerStore), or None for another store."""
    store = getattr(getattr(agent, "tracker_store", None), "_tracker_store", None)
    return store if isinstance(store, RedactingSQLTrackerStore) else None


def redact_values(value: Any, redactor: Redactor, key: str | None = None) -> Any:
    """A copy of a JSON-like value with personal information replaced in every string but Rasa's identifiers."""
    if isinstance(value, str):
        return value if key in IDENTIFIER_KEYS else redactor.redact(value).text
    if isinstance(value, dict):
        return {k: redact_values(v, redactor, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_values(item, redactor, key) for item in value]
    return value


def database_url(variable: str = DATABASE_URL_VARIABLE) -> sa.engine.URL | None:
    """The SQLAlchemy URL held by `variable`, or None when it is unset or empty (then the embedded SQLite is used).

    `postgres://` (the spelling of Heroku, Render and many PaaS) is accepted: SQLAlchemy 1.4 only knows
    `postgresql://`. Raises ValueError, naming the variable but not the password, when the URL cannot be read.
    """
    value = settings.database_url(variable)
    if not value:
        return None
    try:
        return sa.engine.make_url(value)
    except sa.exc.ArgumentError as error:
        raise ValueError(f"{variable} is not a database URL (postgresql://user:password@host:5432/db)") from error


class RedactingSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` whose `events.data` rows never hold a phone number, e-mail, SIN, address... as written.

    Only what leaves the process is redacted: the tracker in memory keeps the resident's words for the rest of
    the turn (NLU has already read them). The next turn reloads the redacted conversation, which the assistant
    does not need verbatim: slots are not redacted, so forms and actions keep the values they stored.
    """

    engine: sa.engine.Engine

    def __init__(
        self,
        domain: Domain | None = None,
        dialect: str = "sqlite",
        host: str | None = None,
        port: int | None = None,
        db: str = "rasa.db",
        username: str | None = None,
        password: str | None = None,
        event_broker: EventBroker | None = None,
        login_db: str | None = None,
        query: dict[str, Any] | None = None,
        redactor: Redactor | None = None,
        url_env: str | None = None,
        spool_dir: str | None = None,
        **kwargs: Any,
    ) -> None:
        # Same parameters as SQLTrackerStore, since Rasa passes endpoints.yml's keys (and `host`) straight through.
        url = database_url(url_env) if url_env else None
        if url is not None:
            # SQLTrackerStore.get_db_url takes a `host` holding "://" as the whole URL: dialect, db... are unused.
            host = url.render_as_string(hide_password=False)
        super().__init__(
            domain=domain,
            dialect=dialect,
            host=host,
            port=port,
            db=db,
            username=username,
            password=password,
            event_broker=event_broker,
            login_db=login_db,
            query=query,
            **kwargs,
        )
        self.redactor = redactor or default_redactor()
        self._ping_before_use()
        try:
            create_missing(_spool_metadata, self.engine)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as error:
            logger.warning("Could not create the spool_replays table: %s", str(error).splitlines()[0])
        takeover.create_table(self.engine)  # staff take-overs, which every instance reads
        alert_records.create_table(self.engine)  # staff alerts, likewise
        self.spool = Spool(spool_dir or settings.text(SPOOL_DIR_VARIABLE))
        self.spool_activity = SpoolActivity()

    def _ping_before_use(self) -> None:
        # A pooled connection to a database that restarted is dead: with pre-ping the pool tests it and reconnects,
        # so service resumes by itself when PostgreSQL returns instead of failing once per stale connection.
        # A PostgreSQL host that stops answering (rather than refusing) would block the event loop for the OS TCP
        # timeout: psycopg2 has no connect timeout of its own, so one is set here (seconds).
        url = self.engine.url
        kwargs = create_engine_kwargs(url)
        if url.get_backend_name() == "postgresql":
            kwargs["connect_args"] = {
                "connect_timeout": POSTGRESQL_CONNECT_TIMEOUT_SECONDS,
                **kwargs.get("connect_args", {}),
            }
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **kwargs)
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    def stored_answer(self, sender_id: str, message_id: str) -> list[str] | None:
        """The bot's texts stored after the resident's message `message_id`, or None when it is not stored.

        A load balancer that retries a request whose instance died cannot know whether that instance had already
        stored the turn; the REST channel asks here first, so a retried message is answered, not processed twice.
        """
        SQLEvent = self.SQLEvent
        with self.session_scope() as session:
            marker = f'"message_id": {json.dumps(message_id)}'
            found = (
                session.query(SQLEvent.id)
                .filter(SQLEvent.sender_id == sender_id, SQLEvent.type_name == UserUttered.type_name)
                .filter(SQLEvent.data.contains(marker, autoescape=True))
                .first()
            )
            if found is None:
                return None
            later = (
                session.query(SQLEvent.type_name, SQLEvent.data)
                .filter(SQLEvent.sender_id == sender_id, SQLEvent.id > found.id)
                .order_by(SQLEvent.id)
            )
            texts = []
            for type_name, data in later:
                if type_name == UserUttered.type_name:
                    break
                if type_name == BotUttered.type_name and json.loads(data).get("text"):
                    texts.append(str(json.loads(data)["text"]))
            return texts

    def redacted(self, event: Event) -> Event:
        """A copy of `event` as it may be stored: same type, timestamp and intent, written words redacted."""
        if event.type_name not in REDACTED_EVENT_TYPES:
            return event
        data = redact_values(event.as_dict(), self.redactor)
        # Rebuilt the way the store reads rows back (Event.from_parameters), so the copy is what a reload gives.
        return Event.from_parameters(data) or event

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator[Event]:
        # The narrowest point: SQLTrackerStore.save() asks this method which events are not stored yet, then
        # turns each into a row (`data` = json.dumps(event.as_dict()), `intent_name` and `action_name` read from
        # it). Handing it redacted copies changes the row contents and nothing else: which events are new (a
        # count of stored rows, unchanged by redaction), the columns, the session and the commit stay Rasa's,
        # and the tracker's own events are not touched. Overriding save() would mean copying it.
        for event in super()._additional_events(session, tracker):
            yield self.redacted(event)

    async def _stream_new_events(self, event_broker: EventBroker, new_events: list[Event], sender_id: str) -> None:
        # save() also publishes new events to the event broker when one is configured: same rule, nothing leaves
        # the process unredacted. (Which events are new is decided by position, so redaction does not change it.)
        await super()._stream_new_events(event_broker, [self.redacted(event) for event in new_events], sender_id)

    # --- the spool: events the database could not take --------------------------------------------------------

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        if tracker is not None:
            setattr(tracker, _STORED_EVENTS_ATTRIBUTE, len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save; when the database cannot be reached, or earlier events of the conversation still wait in
        the spool (order), the new events go to the spool instead and the turn goes on."""
        if self.spool.has_pending(tracker.sender_id):
            self._spool_unsaved(tracker, AFTER_SPOOLED_EVENTS)
            return
        try:
            await super().save(tracker)
        except UNREACHABLE_ERRORS:
            self._spool_unsaved(tracker, TRACKER_STORE_UNREACHABLE)
            return
        setattr(tracker, _STORED_EVENTS_ATTRIBUTE, len(tracker.events))

    def _spool_unsaved(self, tracker: DialogueStateTracker, reason: str) -> None:
        # A tracker this store did not return (a new one) has none of its events stored.
        stored = getattr(tracker, _STORED_EVENTS_ATTRIBUTE, 0)
        self.spool_events(tracker.sender_id, list(tracker.events)[stored:], reason)
        setattr(tracker, _STORED_EVENTS_ATTRIBUTE, len(tracker.events))

    def spool_events(self, sender_id: str, events: Sequence[Event], reason: str) -> int:
        """Writes `events`, redacted as `save` would store them and marked with `reason`, to the spool (fsynced);
        returns how many events of the conversation now wait there. An error (disk full) is raised as it is."""
        marker = {"reason": reason, "at": time.time()}
        records = []
        for event in events:
            data = self.redacted(event).as_dict()
            data["metadata"] = {**(data.get("metadata") or {}), SPOOLED_KEY: marker}
            records.append(data)
        if not records:
            return 0
        waiting = self.spool.append(sender_id, records)
        self.spool_activity.spooled_events += len(records)
        logger.info(
            "Spooled %d event(s) of conversation %s (%s): %d wait in %s.",
            len(records),
            sender_id,
            reason,
            waiting,
            self.spool.directory,
        )
        return waiting

    def replay(self, sender_id: str) -> int:
        """Stores the conversation's spooled events not stored yet, in order, in one transaction with the spool
        file's progress, then deletes the file; returns how many were stored. Call it holding the conversation's
        lock (Rasa's save counts stored rows: a row added during another turn would shift what that turn writes).
        Raises the database's error when it is still unreachable; the file is then kept as it was."""
        with self.spool.claimed(sender_id) as claim:
            spooled = claim.spooled
            if spooled is None:
                claim.delete()  # a file whose first append never returned holds nothing acknowledged
                return 0
            with self.session_scope() as session:
                done = session.execute(
                    sa.select(spool_replays.c.last_seq)
                    .where(spool_replays.c.spool_file == spooled.spool_id)
                    .with_for_update()
                ).scalar()
                todo = [item for item in spooled.events if item.seq > (done or 0)]
                # A save whose commit reached the database but whose answer was lost (the connection broke) was
                # spooled too: its rows are there already, with the same type and timestamp.
                present = self._stored_types_and_times(session, sender_id, [item.event for item in todo])
                stored = 0
                for item in todo:
                    key = (str(item.event["event"]), item.event.get("timestamp"))
                    if present[key]:
                        present[key] -= 1
                        continue
                    session.add(self._row(sender_id, item.event))
                    stored += 1
                if todo:
                    progress = {"last_seq": todo[-1].seq, "last_timestamp": todo[-1].event.get("timestamp")}
                    if done is None:
                        statement = spool_replays.insert().values(
                            spool_file=spooled.spool_id,
                            sender_id=sender_id,
                            first_timestamp=todo[0].event.get("timestamp"),
                            replayed_at=time.time(),
                            **progress,
                        )
                    else:
                        statement = (
                            spool_replays.update()
                            .where(spool_replays.c.spool_file == spooled.spool_id)
                            .values(replayed_at=time.time(), **progress)
                        )
                    session.execute(statement)
                session.commit()
            claim.delete()
        self.spool_activity.replayed_events += stored
        self.spool_activity.replayed_conversations += 1
        logger.info(
            "Replayed %d event(s) of conversation %s from the spool (%d were already stored).",
            stored,
            sender_id,
            len(spooled.events) - stored,
        )
        return stored

    def _stored_types_and_times(
        self, session: Session, sender_id: str, events: Sequence[Mapping[str, Any]]
    ) -> Counter[tuple[str, float | None]]:
        """How many rows of each (type, timestamp) the conversation has in the span of `events`."""
        times = [float(event["timestamp"]) for event in events if event.get("timestamp") is not None]
        if not times:
            return Counter()
        SQLEvent = self.SQLEvent
        rows = session.query(SQLEvent.type_name, SQLEvent.timestamp).filter(
            SQLEvent.sender_id == sender_id, SQLEvent.timestamp >= min(times), SQLEvent.timestamp <= max(times)
        )
        return Counter((str(type_name), timestamp) for type_name, timestamp in rows)

    def _row(self, sender_id: str, data: Mapping[str, Any]) -> Any:
        """The row SQLTrackerStore.save writes for an event (same columns, same JSON)."""
        parse_data = data.get("parse_data") or {}
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=data["event"],
            timestamp=data.get("timestamp"),
            intent_name=(parse_data.get("intent") or {}).get("name"),
            action_name=data.get("name"),
            data=json.dumps(dict(data)),
        )

    def spool_summary(self) -> str | None:
        """One line of what was spooled and replayed since the last call, with what still waits; None if nothing."""
        activity, self.spool_activity = self.spool_activity, SpoolActivity()
        waiting = len(self.spool.files())
        if not (activity.spooled_events or activity.replayed_events or waiting):
            return None
        return (
            f"Spool: {activity.spooled_events} event(s) spooled, {activity.replayed_events} event(s) of "
            f"{activity.replayed_conversations} conversation(s) replayed into the tracker store; "
            f"{waiting} conversation(s) still waiting in {self.spool.directory}."
        )
