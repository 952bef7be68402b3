"""The two Graph API calls that answer a comment on the City's Page: a public reply under it
(POST /{comment-id}/comments) and Facebook's one private reply to it (POST /{page-id}/messages, recipient
{comment_id}), with the Page's token in the Authorization header, never in a URL that could be logged.

Used by `page_comments`. Retried (`retries`) when Meta says the failure passes: its rate limits (error codes 4,
17, 32, 613, or `is_transient`) and HTTP 429 or 5xx, and network errors; never raises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import aiohttp

from pointe_claire.channels.retries import HttpAnswer, Outcome, RetryPolicy, Verdict, post_with_retries

# Meta's codes for "too many calls" (app, user, Page) and "temporarily unavailable": worth another attempt.
RETRIED_ERROR_CODES = frozenset({4, 17, 32, 613})
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
# Meta's codes for a private reply that can no longer be sent: one went to the comment already (10900, "activity
# already replied to"), or the comment cannot be answered in private any more (10903: over 7 days old).
PRIVATE_REPLY_GONE_CODES = frozenset({10900, 10903})
_PROBLEM_CODE = re.compile(r"code (\d+):")  # in a `judge` problem


def judge(answer: HttpAnswer) -> Verdict:
    """Meta accepted (2xx without an `error`: its answer, e.g. the new comment's id), or refused: again for a rate
    limit or its outage, not for anything else (a deleted comment, a private reply already sent)."""
    error = answer.body.get("error") if isinstance(answer.body, Mapping) else None
    if answer.status < 300 and error is None:
        return Verdict(value=dict(answer.body) if isinstance(answer.body, Mapping) else {})
    details: Mapping[str, Any] = error if isinstance(error, Mapping) else {}
    code = details.get("code")
    problem = f"HTTP {answer.status}, code {code}: {str(details.get('message') or answer.text)[:200]}"
    retry = answer.status in RETRIED_STATUSES or code in RETRIED_ERROR_CODES or details.get("is_transient") is True
    return Verdict(problem=problem, retry=retry)


class GraphComments:
    """Replies to comments as the Page (`graph_url` holds the API version: https://graph.facebook.com/v21.0)."""

    def __init__(self, graph_url: str, page_access_token: str, retry: RetryPolicy, timeout: float = 10) -> None:
        self.graph_url = graph_url.rstrip("/")
        self.retry = retry
        self._token = page_access_token
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def reply_publicly(self, comment_id: str, text: str) -> Outcome:
        """A reply under the comment; the outcome's value holds the new comment's `id`."""
        return await self._post(f"/{comment_id}/comments", {"message": text}, "public reply")

    async def reply_privately(self, page_id: str, comment_id: str, text: str) -> Outcome:
        """Facebook's private reply to a comment, a Messenger message to its author (one per comment, 7 days)."""
        body = {"recipient": {"comment_id": comment_id}, "message": {"text": text}}
        return await self._post(f"/{page_id}/messages", body, "private reply")

    async def _post(self, path: str, body: dict[str, Any], what: str) -> Outcome:
        return await self.call("POST", path, body, what)

    async def call(self, method: str, path: str, body: dict[str, Any] | None, what: str) -> Outcome:
        """Any Graph API call as the Page, judged and retried as the replies are (moderation: `graph_moderation`)."""
        return await post_with_retries(
            self.graph_url + path,
            body,
            lambda: {"Authorization": f"Bearer {self._token}"},
            judge,
            self.retry,
            self._timeout,
            f"Facebook comments: {what}",
            method,
        )


def private_reply_gone(outcome: Outcome) -> bool:
    """Meta refused a private reply because the comment cannot have one any more (not an outage, not our error)."""
    found = None if outcome.ok else _PROBLEM_CODE.search(outcome.problem)
    return found is not None and int(found.group(1)) in PRIVATE_REPLY_GONE_CODES
