"""The moderation queue: public comments (Facebook Page comments, X replies and mentions) that break the netiquette,
with what staff need to act on them: the rules, the redacted text, the author's platform id, the post it answers,
its link, what was done to it, and its author's violations of the last days (repeat offenders).

Read from the tracker store: the index (`review.index`) names the public conversations with a netiquette flag or an
automatic hiding; their resident messages carry the comment's record (names.PUBLIC_COMMENT_KEY) and the rules
(names.NETIQUETTE_KEY), their `flags` slot what the assistant hid by itself (AUTO_HIDDEN). The state on the platform
comes from `review.moderation_log`. Order: what the assistant hid and nobody restored first, then the newest.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pointe_claire.channels.conversation_ids import FACEBOOK_COMMENTS, X
from pointe_claire.moderation_names import AUTO_HIDDEN, HIDEABLE_KEY
from pointe_claire.moderation_settings import ModerationSettings
from pointe_claire.names import FLAGS_SLOT, NETIQUETTE_KEY, PUBLIC_COMMENT_KEY
from review import moderation_log, store
from review.conversations import events_of, mapping, message_language
from review.moderation_log import ASSISTANT, AUTO_HIDE, State, author_target

PUBLIC_CHANNELS = (FACEBOOK_COMMENTS, X)
MAX_CONVERSATIONS = 500  # the newest; a page of a few hundred comments is what staff can act on


@dataclass
class QueueItem:
    platform: str
    comment_id: str
    conversation: str
    at: float
    text: str
    language: str | None
    post_id: str | None = None
    author_id: str | None = None
    permalink: str | None = None
    hideable: bool = True  # X: only replies under the City's posts
    rules: list[str] = field(default_factory=list)
    threat: bool = False
    auto_hidden: Mapping[str, Any] | None = None  # the assistant's AUTO_HIDDEN record
    state: State | None = None
    author_violations: int = 0
    next_step: str = "reminder"
    author_banned: bool = False

    @property
    def hidden(self) -> bool:
        return self.state.state in ("hidden", "deleted") if self.state and self.state.state else False

    @property
    def hidden_by_assistant(self) -> bool:
        return self.hidden and self.state is not None and self.state.user_name == ASSISTANT

    @property
    def shown_rules(self) -> list[str]:
        """The rules to quote: a threat first, then each rule broken (or the one the assistant hid it for)."""
        rules = (["threat"] if self.threat else []) + [rule for rule in self.rules if rule]
        if not rules and self.auto_hidden:
            rules = [str(self.auto_hidden.get("rule") or "")]
        return list(dict.fromkeys(rules))

    @property
    def key(self) -> str:
        return f"{self.platform}-{self.comment_id}"


def _flagged_conversations(review: Engine, since: float) -> list[str]:
    table = store.conversations
    channel = sa.or_(*(table.c.channels.like(f"%|{name}|%") for name in PUBLIC_CHANNELS))
    flagged = sa.or_(table.c.flags.like(f"%|{NETIQUETTE_KEY}%"), table.c.flags.like(f"%|{AUTO_HIDDEN}%"))
    query = (
        sa.select(table.c.sender_id)
        .where(channel & flagged & (table.c.last_ts >= since))
        .order_by(table.c.last_ts.desc())
        .limit(MAX_CONVERSATIONS)
    )
    with review.connect() as connection:
        return list(connection.execute(query).scalars())


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) else None


def _item(sender_id: str, timestamp: float, data: Mapping[str, Any]) -> QueueItem | None:
    record = mapping(mapping(data.get("metadata")).get(PUBLIC_COMMENT_KEY))
    platform, comment_id = _text(record.get("platform")), _text(record.get("comment_id"))
    if platform is None or comment_id is None:
        return None
    parse_data = mapping(data.get("parse_data"))
    rules = parse_data.get(NETIQUETTE_KEY)
    records = [mapping(r) for r in rules] if isinstance(rules, list) else []
    permalink = _text(record.get("permalink"))
    return QueueItem(
        platform=platform,
        comment_id=comment_id,
        conversation=sender_id,
        at=timestamp,
        text=str(data.get("text") or ""),
        language=message_language(parse_data),
        post_id=_text(record.get("post_id")),
        author_id=_text(record.get("author_id")),
        permalink=permalink if permalink and permalink.startswith("https://") else None,
        hideable=record.get(HIDEABLE_KEY, True) is True,
        rules=[str(r.get("rule") or "") for r in records],
        threat=any(r.get("threat") is True for r in records),
    )


def _read(tracker: Engine, senders: list[str]) -> list[QueueItem]:
    items: dict[tuple[str, str], QueueItem] = {}
    hidden: dict[tuple[str, str], Mapping[str, Any]] = {}
    for event in events_of(tracker, senders):
        data = event.data
        kind = data.get("event") or event.type_name
        if kind == "user":
            item = _item(event.sender_id, event.timestamp, data)
            if item is not None:
                items[(item.platform, item.comment_id)] = item
        elif kind == "slot" and data.get("name") == FLAGS_SLOT and isinstance(data.get("value"), list):
            for record in map(mapping, data["value"]):
                if record.get("kind") == AUTO_HIDDEN and _text(record.get("comment_id")):
                    hidden[(str(record.get("platform")), str(record["comment_id"]))] = record
    for key, record in hidden.items():
        if key in items:
            items[key].auto_hidden = record
    return [item for item in items.values() if item.rules or item.auto_hidden]


def _iso_time(value: Any) -> float:
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return time.time()


def _record_automatic_hiding(review: Engine, items: Iterable[QueueItem]) -> None:
    """The assistant's hiding enters the state table and the audit log the first time the queue reads it."""
    for item in items:
        record = item.auto_hidden
        if record is None or moderation_log.recorded(review, item.platform, item.comment_id):
            continue
        answer = {
            "ok": record.get("hidden") is True,
            "problem": record.get("problem"),
            "attempts": record.get("attempts"),
        }
        detail = {"platform": item.platform, "comment_id": item.comment_id, "post_id": item.post_id}
        detail["rule"] = str(record.get("rule") or "")
        moderation_log.record_action(
            review, AUTO_HIDE, ASSISTANT, item.platform, item.comment_id, detail, answer, _iso_time(record.get("at"))
        )


def moderation_queue(tracker: Engine, review: Engine, settings: ModerationSettings, now: float) -> list[QueueItem]:
    """The public comments breaking the netiquette in the last `settings.days` days, in the queue's order."""
    since = now - settings.days * 86400
    items = [item for item in _read(tracker, _flagged_conversations(review, since)) if item.at >= since]
    _record_automatic_hiding(review, items)
    keys = [(item.platform, item.comment_id) for item in items]
    keys += [(item.platform, author_target(item.author_id)) for item in items if item.author_id]
    known = moderation_log.states(review, keys)
    violations = Counter((item.platform, item.author_id or "") for item in items if item.rules and item.author_id)
    for item in items:
        item.state = known.get((item.platform, item.comment_id))
        item.author_violations = violations.get((item.platform, item.author_id or ""), 0)
        item.next_step = settings.next_step(item.author_violations)
        banned = known.get((item.platform, author_target(item.author_id or "")))
        item.author_banned = banned is not None and banned.state == "banned"
    return sorted(items, key=lambda item: (not item.hidden_by_assistant, -item.at))


def find(items: Iterable[QueueItem], platform: str, comment_id: str) -> QueueItem | None:
    return next((item for item in items if item.platform == platform and item.comment_id == comment_id), None)
