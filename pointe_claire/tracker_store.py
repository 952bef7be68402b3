"""SQL tracker store that writes conversations with residents' personal information replaced by placeholders.

Built by Rasa from endpoints.yml (`tracker_store: type: pointe_claire.tracker_store.RedactingSQLTrackerStore`);
the patterns come from `pointe_claire.redaction`. The same endpoints.yml serves a laptop (SQLite file) and
production (PostgreSQL): `url_env` names the environment variable that, when set, holds the database URL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import BotUttered, Event, UserUttered

from pointe_claire import settings
from pointe_claire.redaction import Redactor, default_redactor

if TYPE_CHECKING:
    from rasa.core.brokers.broker import EventBroker
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy.orm import Session

# The variable endpoints.yml names (`url_env`). The review app reads the same URL from REVIEW_TRACKER_DB_URL.
DATABASE_URL_VARIABLE = "ASSISTANT_DATABASE_URL"

# How long opening a PostgreSQL connection may take before it fails (and the resident gets the fallback).
POSTGRESQL_CONNECT_TIMEOUT_SECONDS = 5

# Events that carry what someone wrote: the resident's message, and the bot's reply in case it echoes it.
REDACTED_EVENT_TYPES = frozenset({UserUttered.type_name, BotUttered.type_name})

# Values that are Rasa's identifiers, not words anyone wrote. They stay as they are: intent and entity names feed
# the `intent_name` column and the stories, and a message id (hex) may hold nine digits that read as a SIN.
IDENTIFIER_KEYS = frozenset(
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
