"""A staff reply to a resident whose web chat page is connected to another instance: with several instances behind
the load balancer (Redis configured, docs/production.md), the instance that takes the review app's call publishes
the reply on a Redis pub/sub channel (`<ASSISTANT_REDIS_KEY_PREFIX>:staff-replies`); every instance listens, and the
one holding the resident's socket.io session pushes it and acknowledges it in a short-lived Redis list, which the
publishing instance waits on. Delivered means some instance really pushed it, within ACK_TIMEOUT_SECONDS.

Used by the staff delivery registry (`staff_delivery`) for the channels only one instance can reach. Why not
python-socketio's Redis manager: it would route every ordinary reply through Redis (a Redis outage would silence
the web chat), and a push to a room tells no one whether a page received it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import redis
import redis.asyncio

from pointe_claire import settings
from pointe_claire.lock_store import KEY_PREFIX_VARIABLE, async_redis_client

logger = logging.getLogger(__name__)

# How long the instance that took the call waits for another to say it pushed the reply (staff wait this long
# at most for a page connected nowhere); an instance pushes to its own sockets in milliseconds.
ACK_TIMEOUT_SECONDS = 3.0
ACK_EXPIRY_SECONDS = 60  # a late acknowledgement disappears from Redis on its own
POLL_SECONDS = 1.0  # the listener's read timeout: how soon it notices it is stopped
RECONNECT_SECONDS = 1.0

# (channel name, the reply's fields) -> whether this instance delivered it.
DeliverHere = Callable[[str, dict[str, Any]], Awaitable[bool]]


class StaffRelay:
    """Publishes staff replies to every instance and listens for those published by any."""

    def __init__(
        self,
        client: redis.asyncio.Redis,
        key_prefix: str,
        deliver_here: DeliverHere,
        ack_timeout: float = ACK_TIMEOUT_SECONDS,
    ) -> None:
        self._client = client
        self.channel = f"{key_prefix}:staff-replies"
        self._deliver_here = deliver_here
        self._ack_timeout = ack_timeout
        self._listening: asyncio.Task[None] | None = None

    @classmethod
    def from_environment(cls, deliver_here: DeliverHere) -> StaffRelay | None:
        """On the Redis of the conversation locks when ASSISTANT_REDIS_URL is set; None for a single instance."""
        client = async_redis_client()
        return cls(client, settings.text(KEY_PREFIX_VARIABLE), deliver_here) if client is not None else None

    def _ack_key(self, delivery_id: str) -> str:
        return f"{self.channel}:delivered:{delivery_id}"

    async def deliver(self, channel: str, reply: dict[str, Any]) -> bool:
        """True once an instance (this one too) says it pushed the reply, within the timeout. Redis unreachable:
        only this instance's own sessions are tried."""
        delivery_id = uuid.uuid4().hex
        message = json.dumps({"id": delivery_id, "channel": channel, "reply": reply})
        try:
            listeners = await self._client.publish(self.channel, message)
        except (redis.RedisError, OSError) as error:
            logger.warning("Redis unreachable for a staff reply (%s): this instance's pages only", type(error).__name__)
            return await self._deliver_here(channel, reply)
        if not listeners:
            return False
        key = self._ack_key(delivery_id)
        try:
            acknowledged = await self._client.blpop([key], timeout=self._ack_timeout)
            await self._client.delete(key)  # a second page of the session (another instance) may have pushed too
        except (redis.RedisError, OSError) as error:
            logger.warning("Redis unreachable waiting for a staff reply's delivery (%s)", type(error).__name__)
            return False
        return acknowledged is not None

    def start(self) -> None:
        """Listens for the server's life (called once its event loop runs)."""
        if self._listening is None:
            self._listening = asyncio.get_running_loop().create_task(self._listen())

    async def stop(self) -> None:
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listening
            self._listening = None
        await self._client.close()

    async def _listen(self) -> None:
        """Subscribed to the channel; subscribed again when Redis returns after an outage."""
        while True:
            try:
                async with self._client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    while True:
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_SECONDS)
                        if message is not None:
                            await self._handle(message.get("data"))
            except (redis.RedisError, OSError) as error:
                logger.warning("Staff replies from other instances not heard: Redis (%s)", type(error).__name__)
                await asyncio.sleep(RECONNECT_SECONDS)

    async def _handle(self, data: Any) -> None:
        """Pushes a published reply to this instance's session of the resident, if it holds one, and says so."""
        try:
            message = json.loads(data)
            delivery_id, channel, reply = str(message["id"]), str(message["channel"]), dict(message["reply"])
        except (ValueError, TypeError, KeyError):
            logger.warning("A malformed message on %s was ignored", self.channel)
            return
        if not await self._deliver_here(channel, reply):
            return
        key = self._ack_key(delivery_id)
        async with self._client.pipeline(transaction=True) as acknowledgement:
            acknowledgement.rpush(key, 1).expire(key, ACK_EXPIRY_SECONDS)
            await acknowledgement.execute()
