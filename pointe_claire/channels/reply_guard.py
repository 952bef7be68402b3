"""Makes sure a resident never gets silence: if the assistant produced no reply (the action server is down, an
action failed) or could not handle the message at all (PostgreSQL or Redis unreachable), a response-only message
with the emergency numbers and the general line is sent instead.

Every input channel (REST, web chat, X, Messenger) hands each message to `GuardedTurns`, and nothing else decides
whether the resident got an answer; needs nothing but domain.yml and city_facts.yml. Each kind of failure is logged
at its first occurrence and then at most once a minute, with the number of messages affected since the previous
line; for PostgreSQL and Redis, the first message handled again logs how many more were affected. While a staff
member holds a conversation (`pointe_claire.takeover`), its messages are stored and not answered, an emergency
excepted (`held_turns`): silence chosen by staff is the one silence the guard allows. A message about a running
staff alert is marked first (`alert_turns`), so that its answer, on any channel, opens with the alert.

Nothing is lost meanwhile: a message that could not be handled is written, with the fallback it got, to the
instance's spool (`pointe_claire.spool`, through the tracker store), and the guard replays a conversation's spooled
events under its lock before handling its next message, and every REPLAY_INTERVAL_SECONDS in the background.
"""

from __future__ import annotations

import asyncio
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
from sanic import Blueprint, Sanic

from pointe_claire.channels.alert_turns import mark_alerts
from pointe_claire.channels.held_turns import kept_silent
from pointe_claire.tracker_store import (
    LOCK_STORE_UNREACHABLE,
    TRACKER_STORE_UNREACHABLE,
    RedactingSQLTrackerStore,
    redacting_store,
    unhandled_turn,
)

logger = logging.getLogger(__name__)

SERVICE_UNAVAILABLE_RESPONSE = "utter_service_unavailable"
# The attribute of Rasa's FailSafeTrackerStore called on every store error; the guard turns it into a fallback.
TRACKER_STORE_ERROR_HOOK = "_on_tracker_store_error"
# One log line per burst of failures, not one per message.
LOG_INTERVAL_SECONDS = 60.0
# How often spooled conversations whose resident wrote nothing since the outage are replayed: soon enough for staff
# (the review app shows them once replayed), rare enough to cost nothing when the spool is empty (one directory
# listing).
REPLAY_INTERVAL_SECONDS = 10.0


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


class _Counted(OutputChannel):
    """The turn's output channel, counting what reaches the resident: every send, or, for a channel that keeps
    its own `delivered` count (Messenger counts only what the Graph API accepted), that count."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self._calls = 0
        self._delivered_before = getattr(inner, "delivered", None)

    def name(self) -> str:
        return self.inner.name()

    @property
    def sent(self) -> int:
        delivered = getattr(self.inner, "delivered", None)
        if isinstance(delivered, int) and isinstance(self._delivered_before, int):
            return delivered - self._delivered_before
        return self._calls

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self._calls += 1
        await self.inner.send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self._calls += 1
        await self.inner.send_text_message(recipient_id, text, **kwargs)

    def __getattr__(self, name: str) -> Any:  # the channel's own attributes (a collector's `messages`…)
        return getattr(self.inner, name)


class ReplyGuard:
    """One per Rasa server, shared by its channels: runs each turn and replaces an empty or failed answer with the
    response-only fallback, in the conversation's language."""

    def __init__(self, app: Sanic) -> None:
        self._app = app
        self._bursts: dict[str, _Burst] = {}
        self._watched: object = None
        self._replaying: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, app: Sanic) -> ReplyGuard:
        """The server's guard, made (and attached to the agent's tracker store) on first use."""
        guard = getattr(app.ctx, "reply_guard", None)
        if guard is None:
            guard = cls(app)
            app.ctx.reply_guard = guard
        guard._follow_agent()
        return guard

    @property
    def agent(self) -> Agent | None:
        return getattr(self._app.ctx, "agent", None)

    def _follow_agent(self) -> None:
        """Routes the agent's tracker-store errors here: once at start-up, and again only if a model replacement
        (Rasa's HTTP API) brought another tracker store. Fails loudly if Rasa no longer has the hook."""
        agent = self.agent
        store = agent.tracker_store if agent is not None else None
        if store is None or store is self._watched:
            return
        if not isinstance(store, FailSafeTrackerStore) or not hasattr(store, TRACKER_STORE_ERROR_HOOK):
            raise RuntimeError(
                f"The reply guard needs Rasa's FailSafeTrackerStore.{TRACKER_STORE_ERROR_HOOK} (Rasa 3.6) to send "
                f"the emergency numbers when the conversation store fails; this Rasa has {type(store).__name__} "
                "without it. Pin rasa==3.6.21 or port pointe_claire/channels/reply_guard.py."
            )
        setattr(store, TRACKER_STORE_ERROR_HOOK, self._on_tracker_store_error)
        self._watched = store

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

    @property
    def spooling_store(self) -> RedactingSQLTrackerStore | None:
        """Our tracker store inside Rasa's fail-safe wrapper: it keeps the spool."""
        return redacting_store(self.agent)

    async def replay_spooled(self, sender_id: str) -> int:
        """Stores the conversation's spooled events, under its lock, before anything newer: returns how many.
        Raises the store's error when the lock store or the tracker store is still down."""
        store = self.spooling_store
        lock_store = getattr(self.agent, "lock_store", None)
        if store is None or not store.spool.has_pending(sender_id):
            return 0
        if lock_store is None:
            return store.replay(sender_id)
        async with lock_store.lock(sender_id):
            return store.replay(sender_id)

    async def replay_all_spooled(self) -> None:
        """One round of the background replay: every spooled conversation, oldest first, until a store fails."""
        store = self.spooling_store
        if store is None:
            return
        for sender_id in store.spool.pending():
            try:
                await self.replay_spooled(sender_id)
            except STORE_ERRORS:
                break  # still down: the next round tries again
        summary = store.spool_summary()
        if summary:
            logger.warning(summary)

    def start_replaying(self, app: Sanic) -> None:
        """Starts the background replay once per server (each channel's start-up asks)."""
        if self._replaying is None and self.spooling_store is not None:
            self._replaying = app.add_task(self._replay_periodically(), name="pointe_claire_spool_replay")

    async def _replay_periodically(self) -> None:
        while True:
            await asyncio.sleep(REPLAY_INTERVAL_SECONDS)
            try:
                await self.replay_all_spooled()
            except Exception as error:  # a spool file that cannot be read: logged, the next round tries again
                logger.error("Replaying the spool failed: %s", _first_line(error))

    async def answer(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage) -> bool:
        """Runs one turn; the resident gets Rasa's reply, or else the response-only fallback (a store down, no
        reply at all, an error), and the message and its fallback go to the spool when a store is down. Returns
        whether anything was sent to the resident."""
        self._follow_agent()
        received_at = time.time()
        output = _Counted(message.output_channel)
        message.output_channel = output
        token = _in_guarded_message.set(True)
        silent = False
        try:
            # Events spooled during an outage go first, so the conversation keeps its order.
            await self.replay_spooled(message.sender_id)
            # A message about a running staff alert is marked: its answer opens with the alert.
            await mark_alerts(self.agent, self.spooling_store, message)
            # A staff member holds the conversation: stored, not answered (an emergency still is).
            silent = await kept_silent(self.agent, self.spooling_store, message)
            if not silent:
                await on_new_message(message)
        except STORE_ERRORS as error:
            lock_store = isinstance(error, (LockError, redis.RedisError))
            store = LOCK_STORE if lock_store else TRACKER_STORE
            self._log_once_per_burst(
                store,
                store + " unreachable (%s): the response-only fallback was sent for %d message(s).",
                _first_line(error),
            )
            # Collecting channels (REST, X) send nothing before the turn ends: a reply computed but not stored is
            # dropped. Channels that send as they go (web chat, Messenger) may already have sent part of it.
            if isinstance(getattr(output.inner, "messages", None), list):
                output.inner.messages.clear()
            # With the tracker store down, asking it the conversation's language would only fail (or wait) again.
            replies = await self._send_fallback(output, message.sender_id, ask_store=lock_store)
            await self._spool_unhandled(
                message, replies, received_at, LOCK_STORE_UNREACHABLE if lock_store else TRACKER_STORE_UNREACHABLE
            )
            return output.sent > 0
        except Exception as error:  # the resident still gets the emergency numbers below; no message text logged
            logger.error(
                "The assistant failed on a message of conversation %s: %s", message.sender_id, _first_line(error)
            )
        else:
            self._report_recovery()
        finally:
            _in_guarded_message.reset(token)
        if output.sent == 0 and not silent:
            self._log_once_per_burst(
                "no reply",
                "The assistant produced no reply for %d message(s) (latest conversation %s): the response-only "
                "fallback was sent. Check the action server and the logs above.",
                message.sender_id,
                count_first=True,
            )
            await self._send_fallback(output, message.sender_id)
        return output.sent > 0

    async def _send_fallback(self, output: _Counted, sender_id: str, ask_store: bool = True) -> list[str]:
        """Sends the fallback; returns the texts sent."""
        agent = self.agent
        sent: list[str] = []
        if agent is None:
            return sent
        try:
            for reply in await self._rendered_fallback(agent, sender_id, output.name(), ask_store):
                await output.send_text_message(sender_id, reply["text"])
                sent.append(reply["text"])
        except Exception as error:  # a channel that cannot send at all (its platform down): logged, nothing more
            logger.error(
                "The response-only fallback could not be sent (conversation %s): %s", sender_id, _first_line(error)
            )
        return sent

    async def _spool_unhandled(self, message: UserMessage, replies: list[str], received_at: float, reason: str) -> None:
        """Keeps a message the assistant could not handle, and the fallback it got, in the spool: staff see it once
        it is replayed, with its intent (an emergency is flagged as any other)."""
        store = self.spooling_store
        if store is None:
            return
        events = unhandled_turn(
            message.text or "",
            await self._parsed(message),
            replies,
            SERVICE_UNAVAILABLE_RESPONSE,
            received_at,
            input_channel=message.input_channel,
            message_id=message.message_id,
            metadata=message.metadata,
        )
        try:
            store.spool_events(message.sender_id, events, reason)
        except OSError as error:  # the instance's own disk: nothing more can be done for this message
            logger.error(
                "A message of conversation %s could not be spooled and is lost: %s",
                message.sender_id,
                _first_line(error),
            )

    async def _parsed(self, message: UserMessage) -> dict[str, Any] | None:
        """The message's NLU result (intent, entities, the safety net's kind), or None when it cannot be had."""
        processor = getattr(self.agent, "processor", None)
        if processor is None or not message.text:
            return None
        try:
            return dict(await processor.parse_message(message))
        except Exception as error:  # the message is kept without it
            logger.warning("A message to spool could not be parsed: %s", _first_line(error))
            return None

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


class GuardedTurns:
    """What a channel hands each resident message to: `await turns(message)` runs it through the server's reply
    guard. `attach(blueprint)` makes the guard when the server starts, so a missing Rasa hook stops start-up."""

    def __init__(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        self._on_new_message = on_new_message
        self._guard: ReplyGuard | None = None

    def attach(self, blueprint: Blueprint) -> None:
        @blueprint.listener("after_server_start")
        async def guard_this_server(app: Sanic, _loop: Any) -> None:
            self.start(app)
            self.start_replaying(app)

    def start(self, app: Sanic) -> None:
        """Takes the guard of `app` (its agent, when Rasa has loaded one)."""
        self._guard = ReplyGuard.of(app)

    def start_replaying(self, app: Sanic) -> None:
        """The guard's background replay of the spool, for a running server."""
        if self._guard is not None:
            self._guard.start_replaying(app)

    @property
    def agent(self) -> Agent | None:
        return self._guard.agent if self._guard else None

    async def __call__(self, message: UserMessage) -> bool:
        return await self.answer_with(self._on_new_message, message)

    async def answer_with(self, handler: Callable[[UserMessage], Awaitable[Any]], message: UserMessage) -> bool:
        """The turn run by `handler` instead of Rasa's (Messenger answers a like itself), under the same guard."""
        if self._guard is None:
            raise RuntimeError("GuardedTurns used before the server started: call attach(blueprint) in blueprint()")
        return await self._guard.answer(handler, message)


def _first_line(error: BaseException) -> str:
    """The error's type and first line: enough to act on, and no SQL statement or message text in the log."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
