"""How a staff member's reply reaches a resident outside a turn: each channel that can write first (web chat over
the page's socket.io session, X by direct message, Messenger through the Send API) registers its way here when the
server starts, and the staff endpoint (`pointe_claire.channels.staff`) picks the one the conversation's id names.

One registry per Rasa server (on `app.ctx`), like the reply guard: channels are built separately by Rasa and know
nothing of each other. REST has no way to write first: its staff replies stay in the conversation, where the REST
caller polls them (`pointe_claire.channels.rest`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sanic import Blueprint, Sanic

from pointe_claire.channels.conversation_ids import namespace_of

logger = logging.getLogger(__name__)

# (conversation id, text, language of the text or None) -> whether the channel took it.
Deliver = Callable[[str, str, "str | None"], Awaitable[bool]]


class StaffDeliveries:
    """The server's ways to reach a resident, by channel name."""

    def __init__(self) -> None:
        self._by_channel: dict[str, Deliver] = {}

    @classmethod
    def of(cls, app: Sanic) -> StaffDeliveries:
        found = getattr(app.ctx, "staff_deliveries", None)
        if found is None:
            found = cls()
            app.ctx.staff_deliveries = found
        return found

    def register(self, channel: str, deliver: Deliver) -> None:
        self._by_channel[channel] = deliver

    def channel_for(self, conversation: str) -> str | None:
        """The channel that can reach the conversation's resident, or None (REST: polled, never pushed)."""
        channel = namespace_of(conversation)
        return channel if channel in self._by_channel else None

    async def deliver(self, conversation: str, text: str, language: str | None) -> bool:
        """Sends `text` through the conversation's channel; False when none can, or it refused (logged)."""
        channel = self.channel_for(conversation)
        if channel is None:
            return False
        try:
            return await self._by_channel[channel](conversation, text, language)
        except Exception as error:  # the platform down: staff are told it was not delivered
            logger.error("A staff reply to %s could not be delivered: %s", conversation, type(error).__name__)
            return False


def offer_delivery(blueprint: Blueprint, channel: str, deliver: Deliver) -> None:
    """Registers `deliver` for `channel` when the server that serves `blueprint` starts."""

    @blueprint.listener("after_server_start")
    async def register(app: Sanic, _loop: Any) -> None:
        StaffDeliveries.of(app).register(channel, deliver)
