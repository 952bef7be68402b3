"""Reads one Messenger messaging event into what the resident did: wrote (a text, or the title of a quick reply or
button they tapped), liked, sent an attachment or a location, or tapped Get Started; None for anything else.

Used by the Messenger connector (`pointe_claire.channels.facebook`), which answers each kind. Left out: the Page's
own messages (echoes), events without a sender, and events of a shape Meta does not send (a signed delivery may
still hold anything).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

TEXT: Literal["text"] = "text"
LIKE: Literal["like"] = "like"
ATTACHMENT: Literal["attachment"] = "attachment"
LOCATION: Literal["location"] = "location"
GET_STARTED: Literal["get_started"] = "get_started"
Kind = Literal["text", "like", "attachment", "location", "get_started"]

# Messenger's like button sends one of these stickers (small, medium, large thumbs-up), as Meta documents them.
LIKE_STICKER_IDS = frozenset({369239263222822, 369239343222814, 369239383222810})
# The payload the Page's Get Started button posts back (set with the Messenger Profile API).
GET_STARTED_PAYLOAD = "GET_STARTED"


@dataclass(frozen=True)
class MessengerEvent:
    """One thing a resident did. `text` is their words for TEXT; for the other kinds, what the conversation keeps
    in their place ("[like]", "[attachment: image]"...), never the attachment's address or the coordinates."""

    sender_id: str
    kind: Kind
    text: str
    mid: str | None = None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _words(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _sticker_id(body: Mapping[str, Any], attachments: list[Mapping[str, Any]]) -> int | None:
    found = body.get("sticker_id")
    for attachment in attachments:
        found = found or _mapping(attachment.get("payload")).get("sticker_id")
    try:
        return int(found) if found is not None else None
    except (TypeError, ValueError):
        return None


def _from_message(sender_id: str, body: Mapping[str, Any]) -> MessengerEvent | None:
    mid = _words(body.get("mid"))
    if body.get("text") is not None and not isinstance(body.get("text"), str):
        return None  # a text that is not a string: nothing to read
    # A quick reply's text is the title the resident tapped: words NLU reads, where the payload is for machines.
    words = _words(body.get("text")) or _words(_mapping(body.get("quick_reply")).get("payload"))
    if words is not None:
        return MessengerEvent(sender_id, TEXT, words, mid)
    listed = body.get("attachments")
    attachments = [a for a in listed if isinstance(a, Mapping)] if isinstance(listed, list) else []
    sticker = _sticker_id(body, attachments)
    if sticker in LIKE_STICKER_IDS:
        return MessengerEvent(sender_id, LIKE, "[like]", mid)
    types = ["sticker"] if sticker is not None else [str(a.get("type") or "file")[:20] for a in attachments]
    if not types:
        return None
    if set(types) == {LOCATION}:
        return MessengerEvent(sender_id, LOCATION, "[location]", mid)
    return MessengerEvent(sender_id, ATTACHMENT, f"[attachment: {', '.join(sorted(set(types)))}]", mid)


def _from_postback(sender_id: str, postback: Mapping[str, Any]) -> MessengerEvent | None:
    mid = _words(postback.get("mid"))
    if postback.get("payload") == GET_STARTED_PAYLOAD:
        return MessengerEvent(sender_id, GET_STARTED, "[get started]", mid)
    # A button's title is what the resident read and tapped (an ice breaker's question, a menu item).
    words = _words(postback.get("title")) or _words(postback.get("payload"))
    return MessengerEvent(sender_id, TEXT, words, mid) if words is not None else None


def read_event(event: Mapping[str, Any]) -> MessengerEvent | None:
    """What the resident did in one `messaging` item of a webhook delivery, or None when nothing is to answer."""
    sender_id = _mapping(event.get("sender")).get("id")
    if not isinstance(sender_id, str) or not sender_id:
        return None  # no one to answer
    body = event.get("message")
    if isinstance(body, Mapping):
        return None if body.get("is_echo") else _from_message(sender_id, body)
    if isinstance(event.get("postback"), Mapping):
        return _from_postback(sender_id, event["postback"])
    return None  # deliveries, reads, reactions, referrals: nothing the resident asked
