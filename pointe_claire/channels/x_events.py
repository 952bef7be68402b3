"""Reads X's Account Activity webhook payloads into the messages the assistant must answer, and nothing else.

Used by the X connector. Left out: anything the City's own account wrote (its replies come back as events), any
account on the ignore list (other bots), retweets, and posts that neither mention the City nor reply to it. Events
already seen (X may deliver one twice) are left out by the connector (`pointe_claire.channels.seen_events`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pointe_claire.channels.conversation_ids import X, conversation_id
from pointe_claire.moderation_names import HIDEABLE_KEY

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
    in_reply_to: str | None = None  # the post it answers, if any
    answers_the_city: bool = False  # a reply to one of the City's posts: the City may hide it

    @property
    def conversation_id(self) -> str:
        """`x:dm:<user id>` or `x:public:<user id>`: what was said in private never shapes a public answer."""
        return conversation_id(X, f"{self.kind}:{self.user_id}")

    def record(self) -> dict[str, Any]:
        """What the moderation queue needs of a public post (names.PUBLIC_COMMENT_KEY), as for Page comments."""
        return {
            "platform": X,
            "comment_id": self.tweet_id,
            "post_id": self.in_reply_to,
            "parent_id": self.in_reply_to,
            "author_id": self.user_id,
            "permalink": f"https://x.com/i/web/status/{self.tweet_id}",
            HIDEABLE_KEY: self.answers_the_city,
        }


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
            replied = tweet.get("in_reply_to_status_id_str")
            yield XMessage(
                str(tweet["id_str"]),
                PUBLIC,
                user_id,
                _LEADING_MENTIONS.sub("", text),
                str(tweet["id_str"]),
                str(replied) if replied else None,
                bool(replied) and str(tweet.get("in_reply_to_user_id_str")) == account_id,
            )


def messages_to_answer(payload: Any, account_id: str, ignored_accounts: frozenset[str]) -> list[XMessage]:
    """The residents' messages in one webhook payload; [] for a payload about another account or of another shape."""
    if not isinstance(payload, Mapping) or str(payload.get("for_user_id", account_id)) != account_id:
        return []
    found = [*_direct_messages(payload), *_public_posts(payload, account_id)]
    return [m for m in found if m.user_id and m.user_id != account_id and m.user_id not in ignored_accounts]
