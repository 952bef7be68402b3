"""Conversation ids: `<channel>:<the id the platform gives>` for every channel but REST, so that no channel can
read or write a conversation of another (a resident's Messenger id is no key to their conversation through REST).

Used by every input channel to name its conversations, and by the REST channel, whose callers choose their own
sender ids, to refuse any sender in another channel's namespace. A new channel adds its name here.
"""

from __future__ import annotations

WEBCHAT = "webchat"
X = "x"
FACEBOOK = "facebook"
FACEBOOK_COMMENTS = "facebook_comments"  # one conversation per comment thread: `facebook_comments:<comment id>`
# The channels whose conversations carry their name; REST senders are the ids outside all of them.
NAMESPACED_CHANNELS = frozenset({WEBCHAT, X, FACEBOOK, FACEBOOK_COMMENTS})
SEPARATOR = ":"


def conversation_id(channel: str, raw_id: str) -> str:
    """`<channel>:<raw_id>`, the id under which the conversation is stored and locked."""
    if channel not in NAMESPACED_CHANNELS:
        raise ValueError(f"{channel!r} is not in NAMESPACED_CHANNELS: add it there, so that REST cannot write into it")
    return f"{channel}{SEPARATOR}{raw_id}"


def raw_id(channel: str, conversation: str) -> str:
    """The platform's id in a conversation id of `channel` (what its API sends to); other ids unchanged."""
    prefix = f"{channel}{SEPARATOR}"
    return conversation[len(prefix) :] if conversation.startswith(prefix) else conversation


def namespace_of(sender: str) -> str | None:
    """The channel whose namespace `sender` is in, or None. Compared without case or surrounding spaces, so that
    "Facebook:1" is refused too, whatever the collation of the database that stores the conversations."""
    head, separator, _ = sender.partition(SEPARATOR)
    name = head.strip().casefold()
    return name if separator and name in NAMESPACED_CHANNELS else None
