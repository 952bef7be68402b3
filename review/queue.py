"""The action queue, the inbox's default view: what needs a person now. Open handoffs first, oldest first, each with
its age and the deadline the assistant promised the resident; then flagged conversations nobody reviewed yet;
answered emergencies counted apart, so they do not crowd it. Reviewed and closed conversations leave it.

Called by `review.routes.inbox` (the queue page) and `review.web.render` (the open-work counter of every page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pointe_claire.office_hours import follow_up_deadline
from review.flags import city_calendar
from review.inbox import (
    ROW_COLUMNS,
    Page,
    Row,
    answered_emergency,
    conversations,
    handoff_open,
    handoffs_closed,
    joined,
    marks,
    needs_review,
    open_since,
    to_row,
)

EMERGENCIES_SHOWN = 5


@lru_cache(maxsize=4096)
def promised_deadline(asked_at: float) -> datetime:
    """The end of the business day the resident was told staff would follow up on (Montréal time)."""
    return follow_up_deadline(city_calendar(), datetime.fromtimestamp(asked_at, timezone.utc))


@dataclass(frozen=True)
class WaitingHandoff:
    row: Row
    asked_at: datetime
    deadline: datetime
    age: timedelta
    overdue: bool


@dataclass(frozen=True)
class Queue:
    handoffs: list[WaitingHandoff]  # the oldest open handoffs, a page of them
    waiting: int  # all open handoffs
    overdue: int
    flagged: Page
    emergencies: int  # answered by the assistant, not reviewed yet
    latest_emergencies: list[Row]


def waiting_handoff(row: Row, now: datetime) -> WaitingHandoff:
    since = row.open_handoff_since or row.last_ts
    deadline = promised_deadline(since)
    asked_at = datetime.fromtimestamp(since, timezone.utc).astimezone(deadline.tzinfo)
    return WaitingHandoff(row, asked_at, deadline, max(now - asked_at, timedelta(0)), now > deadline)


def _newest_first_query(columns: list[Any], where: Any) -> Any:
    return joined(columns).where(where).order_by(conversations.c.last_ts.desc(), conversations.c.sender_id)


def _newest_first(connection: Connection, where: Any, limit: int, offset: int = 0) -> list[Row]:
    """The conversations `where` selects, most recent first, one page of them."""
    query = _newest_first_query(ROW_COLUMNS, where)
    return [to_row(row) for row in connection.execute(query.limit(limit).offset(offset))]


def _waiting(connection: Connection) -> list[tuple[float, str]]:
    """Every open handoff, oldest first: (when its oldest open request was made, conversation). Four columns of
    each, not whole rows: on a busy morning hundreds are open and one page of them is shown."""
    columns = [conversations.c.sender_id, conversations.c.last_ts, conversations.c.handoff_times, handoffs_closed]
    return sorted(
        (open_since(times, closed, last_ts), sender)
        for sender, last_ts, times, closed in connection.execute(joined(columns).where(handoff_open))
    )


def queue_order(engine: Engine) -> list[str]:
    """Every conversation of the queue in the order it lists them: open handoffs oldest first, then the flagged
    conversations and the answered emergencies, newest first (the transcript's previous and next)."""
    with engine.connect() as connection:
        ids = [sender for _, sender in _waiting(connection)]
        for where in (needs_review, answered_emergency):
            ids.extend(connection.execute(_newest_first_query([conversations.c.sender_id], where)).scalars())
    return list(dict.fromkeys(ids))


def action_queue(engine: Engine, now: datetime, page: int, page_size: int) -> Queue:
    with engine.connect() as connection:
        waiting = _waiting(connection)
        shown = [sender for _, sender in waiting[:page_size]]
        rows = connection.execute(joined(ROW_COLUMNS).where(conversations.c.sender_id.in_(shown)))
        by_id = {row.sender_id: row for row in map(to_row, rows)}
        total = int(connection.execute(joined([sa.func.count()]).where(needs_review)).scalar_one())
        pages = max(1, -(-total // page_size))
        page = min(max(page, 1), pages)
        flagged = _newest_first(connection, needs_review, page_size, (page - 1) * page_size)
        emergencies = int(connection.execute(joined([sa.func.count()]).where(answered_emergency)).scalar_one())
        latest = _newest_first(connection, answered_emergency, EMERGENCIES_SHOWN)
    overdue = sum(now > promised_deadline(since) for since, _ in waiting)
    handoffs = [waiting_handoff(by_id[sender], now) for sender in shown]
    return Queue(handoffs, len(waiting), overdue, Page(flagged, total, page, pages), emergencies, latest)


def open_work(engine: Engine) -> int:
    """Open handoffs and flagged conversations not reviewed: the number in every page's header."""
    with engine.connect() as connection:
        return int(connection.execute(joined([sa.func.count()]).where(sa.or_(handoff_open, needs_review))).scalar_one())


def held_by(engine: Engine, user_name: str) -> int:
    """How many conversations this staff member holds (the "Mine" link)."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).select_from(marks).where(marks.c.assigned_to == user_name)
            ).scalar_one()
        )


def age_in_words(age: timedelta, language: str) -> str:
    """'3 j 14 h' / '3 d 14 h', '2 h 05' , '12 min': how long a resident has waited, at a glance."""
    minutes = int(age.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} {'j' if language == 'fr' else 'd'} {hours} h"
    if hours:
        return f"{hours} h {minutes:02d}"
    return f"{minutes} min"
