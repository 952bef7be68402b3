"""The review app's one way into the assistant: its staff endpoint (`pointe_claire.channels.staff`), for a staff
member's reply to a resident and for take-overs. The review app never writes the tracker store itself.

Called by `review.routes.reply`. Every failure is an `AssistantRefused` naming the message staff are shown
(review/i18n.py), never an error page.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from review.settings import Settings

logger = logging.getLogger(__name__)

# X retries a rate-limited message for up to a minute (pointe_claire/channels/x_api.py): staff wait that long at most.
TIMEOUT_SECONDS = 90


class AssistantRefused(Exception):
    """The call did not succeed; `key` is the i18n message shown to staff, `status` the page's HTTP status."""

    def __init__(self, key: str, status: int) -> None:
        super().__init__(key)
        self.key, self.status = key, status


async def call(settings: Settings, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POSTs `payload` to the staff endpoint `path`; the endpoint's JSON answer."""
    if not settings.staff_token:
        raise AssistantRefused("assistant_not_configured", 503)
    url = settings.assistant_url.rstrip("/") + path
    headers = {"Authorization": f"Bearer {settings.staff_token}"}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)) as session:
            async with session.post(url, json=payload, headers=headers) as answer:
                body = await answer.json(content_type=None)
                status = answer.status
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as error:
        logger.error("The assistant's staff endpoint could not be reached: %s", type(error).__name__)
        raise AssistantRefused("assistant_unreachable", 502) from error
    if status == 404:
        raise AssistantRefused("conversation_not_found", 404)
    if status >= 300 or not isinstance(body, dict):
        logger.error("The assistant's staff endpoint answered %d on %s", status, path)
        raise AssistantRefused("assistant_not_configured" if status in (403, 503) else "assistant_unreachable", 502)
    return body
