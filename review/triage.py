"""Fast triage: the conversation before and after this one in the list staff opened it from ("save and next",
the j/k keys), and staff actions applied to many conversations at once (the lists' checkboxes).

Why a module: the transcript and the lists share the order of the inbox (`review.inbox`) and of the action queue
(`review.queue`); computing it here keeps `review.routes.conversation` to one call. Called by
`review.routes.conversation` and `review.routes.triage`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.engine import Engine

from review import staff
from review.inbox import Filters, conversation_row, ordered_ids
from review.queue import queue_order

MAX_BULK = 500  # conversations one bulk action may change (ten pages of the inbox)
BULK_ACTIONS = ("reviewed", "unreviewed", "close", "tag")


@dataclass(frozen=True)
class Neighbours:
    previous: str | None
    next: str | None


def list_filters(back: str, user_name: str) -> Filters | None:
    """The inbox filters of a "Back" address ("/?view=all&flag=fallback"); None when it is another page."""
    parts = urlsplit(back)
    if parts.path != "/":
        return None
    return Filters.from_query(parse_qs(parts.query)).mine(user_name)


def neighbours(engine: Engine, back: str, sender_id: str, user_name: str) -> Neighbours:
    """The conversations listed just before and after `sender_id` where staff opened it (none at the ends, or when
    it is no longer listed there)."""
    filters = list_filters(back, user_name)
    if filters is None:
        return Neighbours(None, None)
    ids = queue_order(engine) if filters.view == "queue" else ordered_ids(engine, filters)
    try:
        at = ids.index(sender_id)
    except ValueError:
        return Neighbours(None, None)
    return Neighbours(ids[at - 1] if at > 0 else None, ids[at + 1] if at + 1 < len(ids) else None)


def _apply(engine: Engine, action: str, sender_id: str, tag: str, user_name: str) -> bool:
    row = conversation_row(engine, sender_id)
    if row is None:
        return False
    if action in ("reviewed", "unreviewed"):
        wanted = action == "reviewed"
        if row.reviewed == wanted:
            return False
        staff.set_reviewed(engine, sender_id, wanted, user_name)
        return True
    if action == "close":
        if row.handoff_open:
            staff.close_handoffs(engine, sender_id, row.handoffs, user_name)
        return row.handoff_open
    return action == "tag" and staff.add_tag(engine, sender_id, tag, user_name)


def apply_bulk(engine: Engine, action: str, sender_ids: Iterable[str], tag: str, user_name: str) -> int:
    """`action` on each listed conversation that exists, each change logged as one made by hand; returns how many
    changed (already reviewed, no open handoff or already tagged: nothing to do)."""
    chosen = list(dict.fromkeys(sender_ids))[:MAX_BULK]
    return sum(_apply(engine, action, sender_id, tag, user_name) for sender_id in chosen)
