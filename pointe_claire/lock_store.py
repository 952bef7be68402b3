"""Rasa's lock store (one message of a conversation at a time, in arrival order), in Redis when several instances
share the conversations and in memory for a single one. Built by Rasa from endpoints.yml:
`lock_store: type: pointe_claire.lock_store.ConversationLockStore` with `url_env` naming the Redis URL's variable.

Rasa's RedisLockStore reads a conversation's ticket lock, changes it and writes it back in three commands: two
instances receiving messages of one conversation at the same instant can both read the same lock and both get
ticket 0, then process the two messages at once (lost or doubled events). Here every change is one Redis
transaction (WATCH/MULTI), retried when another instance changed the lock in between.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import redis
import redis.asyncio
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from pointe_claire import settings

logger = logging.getLogger(__name__)

REDIS_URL_VARIABLE = "ASSISTANT_REDIS_URL"
KEY_PREFIX_VARIABLE = "ASSISTANT_REDIS_KEY_PREFIX"
DEFAULT_KEY_PREFIX = settings.VARIABLES[KEY_PREFIX_VARIABLE].default
# Rasa polls a busy lock every second; a resident's second message would wait that long for nothing.
POLL_SECONDS = 0.02
SOCKET_TIMEOUT_SECONDS = 5.0
# A lock left behind by a killed instance disappears from Redis on its own after this long.
KEY_EXPIRY_SECONDS = 3600
_CLIENT_OPTIONS = {"socket_timeout": SOCKET_TIMEOUT_SECONDS, "socket_connect_timeout": SOCKET_TIMEOUT_SECONDS}

T = TypeVar("T")


def redis_client(variable: str = REDIS_URL_VARIABLE) -> redis.Redis | None:
    """A client for the URL held by `variable` (redis://[:password@]host:6379/0), or None when it is unset."""
    url = settings.text(variable)
    if not url:
        return None
    # redis-py reconnects by itself on the next command after Redis returns: nothing to do for recovery.
    return redis.Redis.from_url(url, **_CLIENT_OPTIONS)


def async_redis_client(variable: str = REDIS_URL_VARIABLE) -> redis.asyncio.Redis | None:
    """The same for the event loop (the staff replies' pub/sub, `pointe_claire.channels.staff_relay`)."""
    url = settings.text(variable)
    return redis.asyncio.Redis.from_url(url, **_CLIENT_OPTIONS) if url else None


class ConversationLockStore(LockStore):
    """Ticket locks per conversation: Redis when the URL variable is set, this process's memory otherwise."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, client: redis.Redis | None = None) -> None:
        configured: dict[str, Any] = dict(endpoint_config.kwargs) if endpoint_config else {}
        self.red = client if client is not None else redis_client(configured.get("url_env", REDIS_URL_VARIABLE))
        prefix = settings.given(KEY_PREFIX_VARIABLE) or configured.get("key_prefix") or DEFAULT_KEY_PREFIX
        self.key_prefix = f"{prefix}:lock:"
        self._memory: dict[str, TicketLock] = {}
        super().__init__()

    @property
    def backend(self) -> str:
        return "redis" if self.red is not None else "memory"

    def _key(self, conversation_id: str) -> str:
        return self.key_prefix + conversation_id

    # --- storage (the three methods LockStore asks for) -------------------------------------------------------

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        if self.red is None:
            return self._memory.get(conversation_id)
        serialised = self.red.get(self._key(conversation_id))
        return TicketLock.from_dict(_json(serialised)) if serialised else None

    def delete_lock(self, conversation_id: str) -> None:
        if self.red is None:
            self._memory.pop(conversation_id, None)
        else:
            self.red.delete(self._key(conversation_id))

    def save_lock(self, lock: TicketLock) -> None:
        if self.red is None:
            self._memory[lock.conversation_id] = lock
        else:
            self.red.set(self._key(lock.conversation_id), lock.dumps(), ex=KEY_EXPIRY_SECONDS)

    # --- every read-change-write as one step ----------------------------------------------------------------

    def _change(self, conversation_id: str, change: Callable[[TicketLock | None], tuple[TicketLock | None, T]]) -> T:
        """Applies `change` to the stored lock atomically; a returned lock without tickets is deleted."""
        if self.red is None:
            # One event loop, no await in between: nothing else can run during the change.
            lock, result = change(self.get_lock(conversation_id))
            self._store(conversation_id, lock, self.save_lock, self.delete_lock)
            return result
        key = self._key(conversation_id)
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    serialised = pipe.get(key)
                    lock, result = change(TicketLock.from_dict(_json(serialised)) if serialised else None)
                    pipe.multi()
                    self._store(
                        conversation_id,
                        lock,
                        lambda kept: pipe.set(key, kept.dumps(), ex=KEY_EXPIRY_SECONDS),
                        lambda _: pipe.delete(key),
                    )
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another instance changed this conversation's lock: read it again

    @staticmethod
    def _store(
        conversation_id: str, lock: TicketLock | None, save: Callable[[TicketLock], Any], delete: Callable[[str], Any]
    ) -> None:
        if lock is not None and lock.is_someone_waiting():
            save(lock)
        else:
            delete(conversation_id)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:  # as Rasa does: the caller handles one error type
            raise LockError(f"Error while acquiring lock: {error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def remove_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, remove_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Removes the ticket, and the lock with it when no one else waits (one step: no ticket is lost)."""

        def remove(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        try:
            self._change(conversation_id, remove)
        except redis.RedisError as error:
            # The message was answered and stored: do not turn that into a failure. The ticket expires by itself.
            logger.warning("Could not release the lock of a conversation (%s); it expires by itself.", error)

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = POLL_SECONDS
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ticket lock, polled every POLL_SECONDS instead of every second."""
        async with super().lock(conversation_id, lock_lifetime, wait_time_in_seconds) as acquired:
            yield acquired


def _json(serialised: bytes | str) -> dict[str, Any]:
    return dict(json.loads(serialised))
