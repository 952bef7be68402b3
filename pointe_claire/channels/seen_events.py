"""Remembers the platform's ids of the events a channel has already answered, so that a delivery repeated by the
platform (possibly to another instance) is answered and stored once.

Used by the X connector (event ids) and the Messenger connector (message ids, `mid`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

import redis

from pointe_claire import settings
from pointe_claire.lock_store import DEFAULT_KEY_PREFIX, KEY_PREFIX_VARIABLE, redis_client

logger = logging.getLogger(__name__)


class SeenEvents:
    """Event ids seen in the last `ttl` seconds. With `shared` (the Redis that holds the conversation locks when
    several Rasa instances run), an id seen by any instance counts; else this process's memory, at most
    `capacity` ids (oldest forgotten first). Redis unreachable: memory, logged once per burst, so nothing is lost.
    Each channel has its own keys (`<prefix>:<channel>:event:<id>`): two platforms may use the same id.
    """

    def __init__(
        self,
        channel: str,
        ttl: float = 24 * 3600,
        capacity: int = 50_000,
        shared: redis.Redis | None = None,
        key_prefix: str = DEFAULT_KEY_PREFIX,
    ) -> None:
        self._channel = channel
        self._ttl = ttl
        self._capacity = capacity
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._shared = shared
        self._key_prefix = f"{key_prefix}:{channel}:event:"
        self._last_warning = float("-inf")
        # first_time runs in worker threads (asyncio.to_thread): the memory must be read and changed by one at a time.
        self._lock = threading.Lock()

    @classmethod
    def for_channel(cls, channel: str) -> SeenEvents:
        """In the Redis of the lock store when ASSISTANT_REDIS_URL is set (several instances), else in memory."""
        return cls(channel, shared=redis_client(), key_prefix=settings.text(KEY_PREFIX_VARIABLE))

    def first_time(self, event_id: str, now: float | None = None) -> bool:
        """True the first time an id is offered within the window, False for a repeat."""
        now = time.monotonic() if now is None else now
        if self._shared is not None:
            try:
                return bool(self._shared.set(self._key_prefix + event_id, 1, nx=True, ex=max(1, int(self._ttl))))
            except redis.RedisError as error:
                if now - self._last_warning >= 60:
                    logger.warning(
                        "%s: Redis unreachable for duplicate events (%s); using this instance's memory",
                        self._channel,
                        error,
                    )
                    self._last_warning = now
        with self._lock:
            while self._seen and (
                len(self._seen) >= self._capacity or next(iter(self._seen.values())) < now - self._ttl
            ):
                self._seen.popitem(last=False)
            if event_id in self._seen:
                return False
            self._seen[event_id] = now
            return True
