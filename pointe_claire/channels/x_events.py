"""Reads X's Account Activity webhook payloads into the messages the assistant must answer, and nothing else.

Used by the X connector. Left out: anything the City's own account wrote (its replies come back as events), any
account on the ignore list (other bots), retweets, posts that neither mention the City nor reply to it, and
events already seen (X may deliver one twice, possibly to another instance).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import redis

from pointe_claire.channels.conversation_ids import X, conversation_id

logger = logging.getLogger(__name__)

DIRECT: Literal["dm"] = "dm"
PUBLIC: Literal["public"] = "public"
_LEADING_MENTIONS = re.compile(r"^(?:\s*@\w+)+\s*")


@dataclass(frozen=True)
class XMessage:
    """One message from a resident: a direct message, or a post that mentions or replies to the City."""

    event_id: str
    kind: Literal["dm", "public"]
    user_id: str
    text: str
    tweet_id: str | None = None

    @property
    def conversation_id(self) -> str:
        """`x:dm:<user id>` or `x:public:<user id>`: what was said in private never shapes a public answer."""
        return conversation_id(X, f"{self.kind}:{self.user_id}")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> Iterable[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _direct_messages(payload: Mapping[str, Any]) -> Iterator[XMessage]:
    for event in _items(payload.get("direct_message_events")):
        create = _mapping(event.get("message_create"))
        text = _mapping(create.get("message_data")).get("text")
        if event.get("type") == "message_create" and isinstance(text, str) and event.get("id"):
            yield XMessage(str(event["id"]), DIRECT, str(create.get("sender_id") or ""), text)


def _public_posts(payload: Mapping[str, Any], account_id: str) -> Iterator[XMessage]:
    for tweet in _items(payload.get("tweet_create_events")):
        if "retweeted_status" in tweet or not tweet.get("id_str"):
            continue
        mentions = {
            str(_mapping(m).get("id_str")) for m in _items(_mapping(tweet.get("entities")).get("user_mentions"))
        }
        if account_id not in mentions and str(tweet.get("in_reply_to_user_id_str")) != account_id:
            continue
        text = _mapping(tweet.get("extended_tweet")).get("full_text") or tweet.get("text")
        if isinstance(text, str):
            user_id = str(_mapping(tweet.get("user")).get("id_str") or "")
            yield XMessage(str(tweet["id_str"]), PUBLIC, user_id, _LEADING_MENTIONS.sub("", text), str(tweet["id_str"]))


def messages_to_answer(payload: Any, account_id: str, ignored_accounts: frozenset[str]) -> list[XMessage]:
    """The residents' messages in one webhook payload; [] for a payload about another account or of another shape."""
    if not isinstance(payload, Mapping) or str(payload.get("for_user_id", account_id)) != account_id:
        return []
    found = [*_direct_messages(payload), *_public_posts(payload, account_id)]
    return [m for m in found if m.user_id and m.user_id != account_id and m.user_id not in ignored_accounts]


class SeenEvents:
    """Event ids seen in the last `ttl` seconds. With `shared` (the Redis that holds the conversation locks when
    several Rasa instances run), an id seen by any instance counts; else this process's memory, at most
    `capacity` ids (oldest forgotten first). Redis unreachable: memory, logged once per burst, so nothing is lost.
    """

    def __init__(
        self,
        ttl: float = 24 * 3600,
        capacity: int = 50_000,
        shared: redis.Redis | None = None,
        key_prefix: str = "pointeclaire",
    ) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._shared = shared
        self._key_prefix = f"{key_prefix}:x:event:"
        self._last_warning = float("-inf")
        # first_time runs in worker threads (asyncio.to_thread): the memory must be read and changed by one at a time.
        self._lock = threading.Lock()

    def first_time(self, event_id: str, now: float | None = None) -> bool:
        """True the first time an id is offered within the window, False for a repeat."""
        now = time.monotonic() if now is None else now
        if self._shared is not None:
            try:
                return bool(self._shared.set(self._key_prefix + event_id, 1, nx=True, ex=max(1, int(self._ttl))))
            except redis.RedisError as error:
                if now - self._last_warning >= 60:
                    logger.warning(
                        "X: Redis unreachable for duplicate events (%s); using this instance's memory", error
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
