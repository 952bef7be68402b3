"""Reads the `feed` changes of a Page webhook delivery into the residents' comments the assistant must answer, and
nothing else.

Used by the Facebook connector (`pointe_claire.channels.facebook`), whose Messenger webhook receives them: Meta
delivers every field a Page app subscribes to (`messages`, `feed`) to the app's one callback URL. Left out: the
Page's own comments (`from.id` is the Page's, which is the entry's id), edits, deletions, hides and unhides (only
`verb: add` is answered), reactions, posts and shares (only `item: comment`), comments without words (a photo, a
sticker), and comments that are only tags of people or emoji. Deliveries already seen are left out by the connector
(`seen_events`). Facebook threads are one level deep: a reply to a reply is a reply to its parent comment, so the
thread (and the conversation) is the top-level comment's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pointe_claire.channels.conversation_ids import FACEBOOK_COMMENTS, conversation_id

GRAPH_ID = re.compile(r"[0-9]+(?:_[0-9]+)*")
FEED = "feed"
ADD = "add"
COMMENT = "comment"
PLATFORM = "facebook"


@dataclass(frozen=True)
class PageComment:
    """One resident's comment under a post of the City's Page. `thread_id` is the top-level comment: the one to
    reply under, and the conversation's id."""

    page_id: str
    comment_id: str
    post_id: str
    parent_id: str
    thread_id: str
    author_id: str | None
    text: str
    permalink: str | None = None

    @property
    def conversation_id(self) -> str:
        return conversation_id(FACEBOOK_COMMENTS, self.thread_id)

    def record(self) -> dict[str, Any]:
        """What the moderation queue needs (names.PUBLIC_COMMENT_KEY): never the author's name."""
        return {
            "platform": PLATFORM,
            "comment_id": self.comment_id,
            "post_id": self.post_id,
            "parent_id": self.parent_id,
            "author_id": self.author_id,
            "permalink": self.permalink,
        }


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> Iterable[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _id(value: Any) -> str | None:
    """An id as Meta sends it (digits, `<post>_<comment>`; a string, sometimes a number); None for anything else:
    ids go into Graph API paths."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text if len(text) <= 100 and GRAPH_ID.fullmatch(text) else None


def has_words(message: str, tags: Iterable[Mapping[str, Any]] = ()) -> bool:
    """The comment says something: a letter or digit remains once the names of the people it tags are removed
    (a comment that is only a tag or emoji is someone calling a friend, or a reaction, not a question)."""
    for tag in tags:
        name = tag.get("name")
        if isinstance(name, str) and name:
            message = message.replace(name, " ")
    return any(character.isalnum() for character in message)


def _comment(page_id: str, value: Mapping[str, Any]) -> PageComment | None:
    if value.get("item") != COMMENT or value.get("verb") != ADD:
        return None
    author = _id(_mapping(value.get("from")).get("id"))
    if author == page_id:
        return None  # the City's own comment (the assistant's replies come back too)
    comment_id, post_id = _id(value.get("comment_id")), _id(value.get("post_id"))
    message = value.get("message")
    if comment_id is None or post_id is None or not isinstance(message, str):
        return None
    if not has_words(message, _items(value.get("message_tags"))):
        return None
    parent_id = post_id if value.get("parent_id") is None else _id(value.get("parent_id"))
    if parent_id is None:
        return None
    thread_id = comment_id if parent_id == post_id else parent_id
    permalink = value.get("permalink_url") or _mapping(value.get("post")).get("permalink_url")
    return PageComment(
        page_id,
        comment_id,
        post_id,
        parent_id,
        thread_id,
        author,
        message,
        permalink if isinstance(permalink, str) and permalink.startswith("https://") else None,
    )


def comments_to_answer(payload: Any) -> list[PageComment]:
    """The residents' new comments in one webhook delivery; [] for another object or shape (a signed delivery may
    still hold anything)."""
    if not isinstance(payload, Mapping) or payload.get("object", "page") != "page":
        return []
    found: list[PageComment] = []
    for entry in _items(payload.get("entry")):
        page_id = _id(entry.get("id"))
        if page_id is None:
            continue
        for change in _items(entry.get("changes")):
            if change.get("field") == FEED:
                comment = _comment(page_id, _mapping(change.get("value")))
                if comment is not None:
                    found.append(comment)
    return found
