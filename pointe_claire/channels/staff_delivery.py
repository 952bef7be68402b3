"""How a staff member's reply reaches a resident outside a turn: each channel that can write first (web chat over
the page's socket.io session, X by direct message, Messenger through the Send API, a Facebook comment thread in
public or by private reply) registers its way here when the server starts, and the staff endpoint
(`pointe_claire.channels.staff`) picks the one the conversation's id names.

One registry per Rasa server (on `app.ctx`), like the reply guard: channels are built separately by Rasa and know
nothing of each other. A channel only the instance holding the resident's connection can reach (web chat) is
`relayed`: with Redis (several instances) its replies go to every instance and the one holding the session pushes
it (`staff_relay`); without, this instance's sessions only. REST has no way to write first: its staff replies stay
in the conversation, where the REST caller polls them (`pointe_claire.channels.rest`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sanic import Blueprint, Sanic

from pointe_claire.channels.conversation_ids import namespace_of
from pointe_claire.channels.staff_relay import StaffRelay

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaffReply:
    """What a channel needs to send a staff member's reply."""

    conversation: str
    text: str
    language: str | None  # of the text, when known
    resident_wrote_at: float | None  # the resident's last message (the tracker's last user event), epoch seconds
    # That message's metadata, where a channel finds what it answers to (a Facebook comment: names.PUBLIC_COMMENT_KEY).
    resident_metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class Delivery:
    delivered: bool
    reason: str | None = None  # why not, when the channel said (Undeliverable)


class Undeliverable(Exception):
    """A channel's refusal to send a reply, for a reason staff are shown: kept with the stored reply (`reason`) and
    explained by the review app (review/i18n.py `reply_reason_<reason>`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# The reply -> whether the channel took it (or Undeliverable).
Deliver = Callable[[StaffReply], Awaitable[bool]]


class StaffDeliveries:
    """The server's ways to reach a resident, by channel name."""

    def __init__(self) -> None:
        self._by_channel: dict[str, Deliver] = {}
        self._relayed: set[str] = set()
        self.relay: StaffRelay | None = None

    @classmethod
    def of(cls, app: Sanic) -> StaffDeliveries:
        found = getattr(app.ctx, "staff_deliveries", None)
        if found is None:
            found = cls()
            app.ctx.staff_deliveries = found
        return found

    def register(self, channel: str, deliver: Deliver, relayed: bool = False) -> None:
        """`relayed`: only the instance holding the resident's connection reaches them; listening for the other
        instances' replies starts here (within the server's event loop) when Redis is configured."""
        self._by_channel[channel] = deliver
        if relayed:
            self._relayed.add(channel)
            if self.relay is None:
                self.relay = StaffRelay.from_environment(self._deliver_relayed)
                if self.relay is not None:
                    self.relay.start()

    async def close(self) -> None:
        if self.relay is not None:
            await self.relay.stop()
            self.relay = None

    def channel_for(self, conversation: str) -> str | None:
        """The channel that can reach the conversation's resident, or None (REST: polled, never pushed)."""
        channel = namespace_of(conversation)
        return channel if channel in self._by_channel else None

    async def deliver(self, reply: StaffReply) -> Delivery:
        """Sends the reply through the conversation's channel; not delivered when none can, or it refused (logged)."""
        channel = self.channel_for(reply.conversation)
        if channel is None:
            return Delivery(False)
        if channel in self._relayed and self.relay is not None:
            return Delivery(await self.relay.deliver(channel, dataclasses.asdict(reply)))
        return await self._deliver_here(channel, reply)

    async def _deliver_relayed(self, channel: str, fields: dict[str, Any]) -> bool:
        """A reply another instance (or this one) published: pushed if this instance holds the resident's session."""
        try:
            reply = StaffReply(**fields)
        except TypeError:
            return False
        return channel in self._relayed and (await self._deliver_here(channel, reply)).delivered

    async def _deliver_here(self, channel: str, reply: StaffReply) -> Delivery:
        try:
            return Delivery(await self._by_channel[channel](reply))
        except Undeliverable as refused:
            logger.info("A staff reply to %s was not sent: %s", reply.conversation, refused.reason)
            return Delivery(False, refused.reason)
        except Exception as error:  # the platform down: staff are told it was not delivered
            logger.error("A staff reply to %s could not be delivered: %s", reply.conversation, type(error).__name__)
            return Delivery(False)


def offer_delivery(blueprint: Blueprint, channel: str, deliver: Deliver, relayed: bool = False) -> None:
    """Registers `deliver` for `channel` when the server that serves `blueprint` starts (`relayed`: see
    `StaffDeliveries.register`)."""

    @blueprint.listener("after_server_start")
    async def register(app: Sanic, _loop: Any) -> None:
        StaffDeliveries.of(app).register(channel, deliver, relayed)

    @blueprint.listener("before_server_stop")
    async def close(app: Sanic, _loop: Any) -> None:
        await StaffDeliveries.of(app).close()
