"""Posts the assistant's answers to X through API v2 (direct messages and public replies) and hides replies under
the City's posts (moderation), signed with OAuth 1.0a
user context, and retries what X asks to retry: rate limits (429, honouring its reset time) and network errors.

Used by the X connector (`pointe_claire.channels.x`). It never raises: a message that cannot be delivered after
the last attempt is logged, and the Rasa server carries on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from oauthlib.oauth1 import Client as OAuth1Client

from pointe_claire.channels.retries import HttpAnswer, Outcome, RetryPolicy, Verdict, post_with_retries

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


class XApi:
    """The calls the assistant makes: a direct message to a user, a public reply to a post, hiding a reply."""

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

    async def hide_reply(self, tweet_id: str, hidden: bool = True) -> Outcome:
        """X's hide-replies endpoint: only for a reply in a conversation the City's account started, with its own
        user-context token (docs/channels.md)."""
        return await self._send("PUT", f"/2/tweets/{tweet_id}/hidden", {"hidden": hidden})

    def _signed_headers(self, url: str, method: str = "POST") -> dict[str, str]:
        # A JSON body is not part of an OAuth 1.0a signature: only the method, URL and oauth_* parameters are.
        client = OAuth1Client(
            self._keys.consumer_key,
            client_secret=self._keys.consumer_secret,
            resource_owner_key=self._keys.access_token,
            resource_owner_secret=self._keys.access_token_secret,
        )
        _, headers, _ = client.sign(url, method, None, {"Content-Type": "application/json"})
        return dict(headers)

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """X's `data` object once it accepted the message; None (logged) after the last failed attempt."""
        return (await self._send("POST", path, body)).value

    async def _send(self, method: str, path: str, body: dict[str, Any]) -> Outcome:
        url = self.base_url + path
        return await post_with_retries(
            url,
            body,
            lambda: self._signed_headers(url, method),
            _judge,
            self.retry,
            self._timeout,
            f"X API {method} {path}",
            method,
        )


def _judge(answer: HttpAnswer) -> Verdict:
    """X accepted (2xx: its `data`, {} when unreadable), or refused: again only for a rate limit or its outage."""
    if answer.status < 300:
        data = answer.body.get("data") if isinstance(answer.body, dict) else None
        return Verdict(value=data if isinstance(data, dict) else {})
    return Verdict(problem=f"HTTP {answer.status}: {answer.text}", retry=answer.status in RETRIED_STATUSES)
