"""Sends JSON to a platform's API (POST; PUT and DELETE for moderation) and tries again, a bounded number of
times with waits doubling, when the platform says the failure is passing (a rate limit, its own outage) or the
network failed.

Shared by the X client (`x_api`) and the Graph API client of Page comments (`graph_comments`): each says which of
its platform's answers are worth another attempt; the loop, the waits and the log lines are here. Never raises.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: `attempts` in all, waits doubling from `first_wait`, never longer than `max_wait`."""

    attempts: int = 4
    first_wait: float = 1.0
    max_wait: float = 60.0

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any], prefix: str = "retry") -> RetryPolicy:
        """`<prefix>_attempts`, `<prefix>_first_wait_seconds`, `<prefix>_max_wait_seconds` of credentials.yml."""
        return cls(
            attempts=max(1, int(credentials.get(f"{prefix}_attempts", cls.attempts))),
            first_wait=float(credentials.get(f"{prefix}_first_wait_seconds", cls.first_wait)),
            max_wait=float(credentials.get(f"{prefix}_max_wait_seconds", cls.max_wait)),
        )

    def wait_before(self, attempt: int, headers: Any = None) -> float:
        """Seconds to wait before attempt number `attempt` (2, 3…): the platform's own reset time when it gave one."""
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


@dataclass(frozen=True)
class HttpAnswer:
    """What the platform answered: its status, its JSON body (None when unreadable) and its headers."""

    status: int
    body: Any
    headers: Any = None
    text: str = ""


@dataclass(frozen=True)
class Verdict:
    """A platform's reading of one answer: `value` once it accepted, else `problem` and whether to try again."""

    value: dict[str, Any] | None = None
    problem: str = ""
    retry: bool = False


@dataclass(frozen=True)
class Outcome:
    """What the last attempt gave: the platform's `value` when it accepted, else the problem (for the log, staff)."""

    value: dict[str, Any] | None
    problem: str
    attempts: int

    @property
    def ok(self) -> bool:
        return self.value is not None


async def post_with_retries(
    url: str,
    body: Mapping[str, Any] | None,
    headers: Callable[[], Mapping[str, str]],
    judge: Callable[[HttpAnswer], Verdict],
    retry: RetryPolicy,
    timeout: aiohttp.ClientTimeout,
    what: str,
    method: str = "POST",
) -> Outcome:
    """Sends `body` (None: no body) until `judge` accepts an answer, says it will not improve, or the attempts run
    out (logged). `headers` is called per attempt (a fresh OAuth signature each time)."""
    attempts = max(1, retry.attempts)  # 0 or fewer in credentials.yml: still one attempt
    verdict, attempt = Verdict(problem="not tried"), 1
    for attempt in range(1, attempts + 1):
        answer_headers = None
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.request(
                    method, url, json=None if body is None else dict(body), headers=dict(headers())
                ) as answer:
                    text = await answer.text()
                    answer_headers = answer.headers
                    verdict = judge(HttpAnswer(answer.status, _json(text), answer.headers, text[:300]))
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            verdict = Verdict(problem=f"{type(error).__name__}: {error}", retry=True)
        if verdict.value is not None:
            return Outcome(verdict.value, "", attempt)
        if not verdict.retry:
            break
        if attempt < attempts:
            wait = retry.wait_before(attempt + 1, answer_headers)
            logger.info("%s failed (%s); attempt %d in %.1f s", what, verdict.problem, attempt + 1, wait)
            await asyncio.sleep(wait)
    logger.error("%s: not delivered after %d attempt(s): %s", what, attempt, verdict.problem)
    return Outcome(None, verdict.problem, attempt)


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
