"""Makes sure a resident never gets silence: if the assistant produced no reply (the action server is down, an
action failed) or could not handle the message at all (PostgreSQL or Redis unreachable), a response-only message
with the emergency numbers and the general line is sent instead.

Called by every input channel (REST, web chat, X, Messenger) for each message; needs nothing but domain.yml and
city_facts.yml. Each kind of failure is logged at its first occurrence and then at most once a minute, with the
number of messages affected since the previous line; for PostgreSQL and Redis, the first message handled again logs
how many more were affected.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import redis
import sqlalchemy.exc
from rasa.core.agent import Agent
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import FailSafeTrackerStore

logger = logging.getLogger(__name__)

SERVICE_UNAVAILABLE_RESPONSE = "utter_service_unavailable"
# One log line per burst of failures, not one per message.
LOG_INTERVAL_SECONDS = 60.0


class StoreUnavailable(Exception):
    """The conversation store (PostgreSQL, SQLite) failed: the message can be neither read in context nor kept."""


# What "the conversation cannot be handled right now" looks like: the tracker store (through Rasa's fail-safe
# wrapper, see `_on_tracker_store_error`), the lock store (Rasa wraps Redis errors in LockError when issuing a
# ticket, not when polling), or the database driver directly.
STORE_ERRORS: tuple[type[BaseException], ...] = (
    StoreUnavailable,
    LockError,
    redis.RedisError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
)

# The kinds of failure `handle` logs; a message handled again reports how many more messages each affected.
LOCK_STORE, TRACKER_STORE = "Lock store (Redis)", "Tracker store"
STORE_KINDS = (LOCK_STORE, TRACKER_STORE)

# True while a guarded channel handles a message: a tracker-store error then fails the message (and the resident
# gets the fallback) instead of Rasa's default, which answers from an empty in-memory conversation and keeps it
# nowhere durable.
_in_guarded_message: ContextVar[bool] = ContextVar("in_guarded_message", default=False)


@dataclass
class _Burst:
    """Counts failures of one kind between two log lines."""

    last_logged: float = float("-inf")
    since_last_log: int = 0


class ReplyGuard:
    """Replaces an empty or failed answer with the response-only fallback, in the conversation's language."""

    def __init__(self) -> None:
        self._bursts: dict[str, _Burst] = {}
        self.agent: Agent | None = None

    def watch(self, agent: Agent) -> None:
        """Follows the channel's agent and routes its tracker-store errors here (cheap; called on every request)."""
        self.agent = agent
        store = agent.tracker_store
        if isinstance(store, FailSafeTrackerStore) and store._on_tracker_store_error != self._on_tracker_store_error:
            store._on_tracker_store_error = self._on_tracker_store_error

    def _on_tracker_store_error(self, error: Exception) -> None:
        if _in_guarded_message.get():
            raise StoreUnavailable(f"{type(error).__name__}: {error}".strip()) from error
        # Rasa's HTTP API (and any unguarded channel) keeps Rasa's behaviour (an in-memory conversation), logged per
        # burst.
        self._log_once_per_burst(
            "tracker store",
            "The conversation store failed (%s); Rasa kept the conversation in memory for %d call(s).",
            _first_line(error),
        )

    async def handle(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage) -> None:
        """Lets Rasa handle `message`; if a store is unreachable, sends the fallback on the message's channel."""
        token = _in_guarded_message.set(True)
        try:
            await on_new_message(message)
        except STORE_ERRORS as error:
            lock_store = isinstance(error, (LockError, redis.RedisError))
            store = LOCK_STORE if lock_store else TRACKER_STORE
            self._log_once_per_burst(
                store,
                store + " unreachable (%s): the response-only fallback was sent for %d message(s).",
                _first_line(error),
            )
            # With the tracker store down, asking it the conversation's language would only fail (or wait) again.
            await self._send_fallback(message, self.agent, ask_store=lock_store)
        else:
            self._report_recovery()
        finally:
            _in_guarded_message.reset(token)

    async def _send_fallback(self, message: UserMessage, agent: Agent | None, ask_store: bool = True) -> None:
        output = message.output_channel
        if isinstance(getattr(output, "messages", None), list):
            # Collecting channels (REST, X) send nothing before the turn ends: a reply computed but not stored is
            # dropped. Channels that send as they go (web chat, Messenger) may already have sent part of it.
            output.messages.clear()
        if agent is None or not isinstance(output, OutputChannel):
            return
        channel = message.input_channel or output.name()
        for reply in await self._rendered_fallback(agent, message.sender_id, channel, ask_store):
            await output.send_text_message(message.sender_id, reply["text"])

    async def fallback_messages(self, agent: Agent, sender_id: str, channel: str) -> list[dict[str, Any]]:
        """The fallback for a message that got no reply (the action server is down, an action failed)."""
        self._log_once_per_burst(
            "no reply",
            "The assistant produced no reply for %d message(s) (latest conversation %s): the response-only "
            "fallback was sent. Check the action server and the logs above.",
            sender_id,
            count_first=True,
        )
        return await self._rendered_fallback(agent, sender_id, channel)

    async def _rendered_fallback(
        self, agent: Agent, sender_id: str, channel: str, ask_store: bool = True
    ) -> list[dict[str, Any]]:
        # Without the conversation (store down, or not asked) the language is unknown: both languages, French first.
        tracker = None
        if ask_store and agent.tracker_store:
            try:
                tracker = await agent.tracker_store.retrieve(sender_id)
            except STORE_ERRORS:
                tracker = None
        slots = tracker.current_slot_values() if tracker else {}
        nlg = agent.nlg
        rendered = nlg.render(SERVICE_UNAVAILABLE_RESPONSE, slots, channel) if hasattr(nlg, "render") else None
        if not rendered:
            return []
        return [{"recipient_id": sender_id, "text": rendered["text"]}]

    def _report_recovery(self) -> None:
        # A message was handled, so both stores answer: the failures counted since the last log line are reported.
        for kind in STORE_KINDS:
            burst = self._bursts.get(kind)
            if burst is not None and burst.since_last_log:
                logger.warning(
                    "%s answering again: %d more message(s) got the response-only fallback since the last log line.",
                    kind,
                    burst.since_last_log,
                )
                burst.since_last_log = 0

    def _log_once_per_burst(self, kind: str, template: str, detail: str, count_first: bool = False) -> None:
        burst = self._bursts.setdefault(kind, _Burst())
        burst.since_last_log += 1
        now = time.monotonic()
        if now - burst.last_logged >= LOG_INTERVAL_SECONDS:
            arguments = (burst.since_last_log, detail) if count_first else (detail, burst.since_last_log)
            logger.error(template, *arguments)
            burst.last_logged = now
            burst.since_last_log = 0


def _first_line(error: BaseException) -> str:
    """The error's type and first line: enough to act on, and no SQL statement or message text in the log."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
