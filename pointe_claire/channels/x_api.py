"""Posts the assistant's answers to X through API v2 (direct messages and public replies), signed with OAuth 1.0a
user context, and retries what X asks to retry: rate limits (429, honouring its reset time) and network errors.

Used by the X connector (`pointe_claire.channels.x`). It never raises: a message that cannot be delivered after
the last attempt is logged, and the Rasa server carries on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from oauthlib.oauth1 import Client as OAuth1Client

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.x.com"
# Statuses worth another attempt: rate limit and X's own transient failures. Any other 4xx will not improve.
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class XKeys:
    """The app's consumer keys and the City account's access token (user context)."""

    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: `attempts` in all, waits doubling from `first_wait`, never longer than `max_wait`."""

    attempts: int = 4
    first_wait: float = 1.0
    max_wait: float = 60.0

    def wait_before(self, attempt: int, headers: Any = None) -> float:
        """Seconds to wait before attempt number `attempt` (2, 3…): X's own reset time when it gave one."""
        wait = self.first_wait * 2 ** (attempt - 2)
        if headers is not None:
            retry_after = _number(headers.get("retry-after"))
            reset = _number(headers.get("x-rate-limit-reset"))
            if retry_after is not None:
                wait = retry_after
            elif reset is not None:
                wait = reset - time.time()
        return min(max(wait, 0.0), self.max_wait)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class XApi:
    """The two calls the assistant makes: a direct message to a user, a public reply to a post."""

    def __init__(
        self, keys: XKeys, base_url: str = DEFAULT_API_BASE_URL, retry: RetryPolicy | None = None, timeout: float = 10
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._keys = keys
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send_direct_message(self, user_id: str, text: str) -> bool:
        return await self._post(f"/2/dm_conversations/with/{user_id}/messages", {"text": text}) is not None

    async def reply_publicly(self, tweet_id: str, text: str) -> str | None:
        """The id of the new post (to thread the next one under it), None if it could not be posted."""
        created = await self._post("/2/tweets", {"text": text, "reply": {"in_reply_to_tweet_id": tweet_id}})
        if created is None or not created.get("id"):
            return None
        return str(created["id"])

    def _signed_headers(self, url: str) -> dict[str, str]:
        # A JSON body is not part of an OAuth 1.0a signature: only the method, URL and oauth_* parameters are.
        client = OAuth1Client(
            self._keys.consumer_key,
            client_secret=self._keys.consumer_secret,
            resource_owner_key=self._keys.access_token,
            resource_owner_secret=self._keys.access_token_secret,
        )
        _, headers, _ = client.sign(url, "POST", None, {"Content-Type": "application/json"})
        return dict(headers)

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """X's `data` object once it accepted the message; None (logged) after the last failed attempt."""
        url = self.base_url + path
        problem = ""
        attempts = max(1, self.retry.attempts)  # 0 or fewer in credentials.yml: still one attempt
        attempt = 1
        for attempt in range(1, attempts + 1):
            headers = None
            try:
                async with aiohttp.ClientSession(timeout=self._timeout) as session:
                    async with session.post(url, json=body, headers=self._signed_headers(url)) as answer:
                        if answer.status < 300:
                            try:
                                created = await answer.json(content_type=None)
                            except ValueError:
                                created = None  # accepted, but no readable body: nothing to thread under
                            data = created.get("data") if isinstance(created, dict) else None
                            return data if isinstance(data, dict) else {}
                        problem = f"HTTP {answer.status}: {(await answer.text())[:300]}"
                        if answer.status not in RETRIED_STATUSES:
                            break
                        headers = answer.headers
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
                problem = f"{type(error).__name__}: {error}"
            if attempt < attempts:
                wait = self.retry.wait_before(attempt + 1, headers)
                logger.info("X API %s failed (%s); attempt %d in %.1f s", path, problem, attempt + 1, wait)
                await asyncio.sleep(wait)
        logger.error("X API %s: message not delivered after %d attempt(s): %s", path, attempt, problem)
        return None
