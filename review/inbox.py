"""The inbox: conversations filtered, ordered (open handoffs and emergencies first) and paged, from the index.

Filters arrive as query-string values and are only ever used as bound parameters: nothing a user types becomes
SQL. Called by `review.routes` (inbox, exports, staff actions).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from pointe_claire.names import LANGUAGES
from review import store
from review.conversations import MONTREAL
from review.flags import HANDOFF
from review.index import as_set, search_text
from review.staff import STAFF_REPLY

HANDOFF_OPEN = "handoff:open"
HANDOFF_CLOSED = "handoff:closed"
HANDOFF_NONE = "handoff:none"  # answered without a person: no handoff asked for
HANDOFF_REPLIED = "handoff:replied"  # a handoff that a staff member replied to
ANY_EMERGENCY = "emergency:any"  # life-threatening or municipal
# Flag filters that are no flag of the data: the Overview's figures link to them (review.kpis).
DERIVED_FLAGS = (HANDOFF_OPEN, HANDOFF_CLOSED, HANDOFF_NONE, HANDOFF_REPLIED, ANY_EMERGENCY)
UNKNOWN_LANGUAGE = "?"  # the language filter's value for conversations in no language the assistant could tell
# The language filter's value for conversations in neither official language (another one, or none told): the
# Overview counts them apart, each conversation in exactly one of French, English and this.
OTHER_LANGUAGES = "other"
SORTS = ("priority", "newest", "oldest")
# "queue": what needs a person now (review.queue), shown when no filter is chosen; "all": the filtered list;
# "mine": the list of the conversations the staff member holds.
VIEWS = ("queue", "all", "mine")
NOBODY = "-"  # the holder filter's value for conversations nobody holds
MAX_TEXT = 200
# Dates a filter may name: beyond them a day's timestamp (or the day after the last) cannot be computed.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9999, 12, 30)


@dataclass(frozen=True)
class Filters:
    """What staff asked for; every field has a harmless default, so bad input gives an unfiltered inbox."""

    start: date | None = None
    end: date | None = None
    language: str = ""
    channel: str = ""
    flag: str = ""
    intent: str = ""
    reviewed: str = ""  # "", "yes" or "no"
    tag: str = ""
    holder: str = ""  # a staff member's name, or NOBODY
    search: str = ""
    sort: str = "priority"
    page: int = 1
    view: str = "all"

    @classmethod
    def from_query(cls, args: Mapping[str, Any]) -> Filters:
        def text(name: str) -> str:
            value = args.get(name)
            if isinstance(value, list):
                value = value[0] if value else ""
            return str(value or "").strip()[:MAX_TEXT]

        try:
            page = max(1, min(int(text("page") or 1), 100_000))
        except ValueError:
            page = 1
        filters = cls(
            start=_date(text("start")),
            end=_date(text("end")),
            language=text("language"),
            channel=text("channel"),
            flag=text("flag"),
            intent=text("intent"),
            reviewed=text("reviewed") if text("reviewed") in {"yes", "no"} else "",
            tag=text("tag"),
            holder=text("holder"),
            search=text("search"),
            sort=text("sort") if text("sort") in SORTS else "priority",
            page=page,
        )
        chosen = text("view")
        if chosen in VIEWS:
            return replace(filters, view=chosen)
        # No view named: the queue, unless a filter was chosen (an Overview link, a bookmark of the old inbox).
        return replace(filters, view="all" if filters.narrowed else "queue")

    @property
    def narrowed(self) -> bool:
        """Whether any filter (or a sort) is chosen."""
        return bool(set(self.query()) - {"page", "view"})

    def mine(self, user_name: str) -> Filters:
        """The "mine" view is the list filtered on its staff member."""
        return replace(self, holder=user_name) if self.view == "mine" else self

    def query(self, **changes: Any) -> dict[str, str]:
        """The filters as query-string values (links to other pages, exports); empty ones left out."""
        values = replace(self, **changes)
        pairs = {
            "start": values.start.isoformat() if values.start else "",
            "end": values.end.isoformat() if values.end else "",
            "language": values.language,
            "channel": values.channel,
            "flag": values.flag,
            "intent": values.intent,
            "reviewed": values.reviewed,
            "tag": values.tag,
            "holder": "" if values.view == "mine" else values.holder,
            "search": values.search,
            "sort": "" if values.sort == "priority" else values.sort,
            "page": "" if values.page == 1 else str(values.page),
            "view": "" if values.view == "queue" else values.view,
        }
        return {key: value for key, value in pairs.items() if value}


def _date(text: str) -> date | None:
    """The day named, within FIRST_DAY..LAST_DAY (`?end=9999-12-31` means "no end", not a server error)."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return min(max(day, FIRST_DAY), LAST_DAY) if day else None


def _like(value: str) -> str:
    """A LIKE pattern matching `value` literally (its %, _ and \\ escaped)."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def has_member(column: Any, value: str) -> ColumnElement[bool]:
    """Whether a "|a|b|" set column holds `value`."""
    return column.like(_like(f"|{value}|"), escape="\\")


def _timestamp(day: date) -> float:
    return datetime.combine(day, time(0), tzinfo=MONTREAL).timestamp()


def date_bounds(start: date, end: date) -> tuple[float, float]:
    """The timestamps of `start`'s midnight and of the midnight after `end` (Montréal time)."""
    return _timestamp(start), _timestamp(end + timedelta(days=1))


def date_conditions(start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    """A conversation is in a period when it overlaps it: its last message on or after the first day, its first
    before the day after the last."""
    conditions: list[ColumnElement[bool]] = []
    if start:
        conditions.append(conversations.c.last_ts >= _timestamp(start))
    if end:
        conditions.append(conversations.c.first_ts < _timestamp(end + timedelta(days=1)))
    return conditions


conversations = store.conversations
marks = store.marks
handoffs_closed = sa.func.coalesce(marks.c.handoffs_closed, 0)
handoff_open = conversations.c.handoffs > handoffs_closed
reviewed = sa.func.coalesce(marks.c.reviewed, sa.false())
# What the action queue lists after the open handoffs: a flag a person should read, not reviewed yet, in a
# conversation no handoff was asked for (an open one is queued above, a closed one was dealt with).
needs_review = sa.and_(conversations.c.attention == sa.true(), reviewed == sa.false(), conversations.c.handoffs == 0)
handoff_closed = sa.and_(conversations.c.handoffs > 0, sa.not_(handoff_open))
other_language = sa.or_(conversations.c.language.is_(None), conversations.c.language.not_in(LANGUAGES))
replied = sa.select(store.changes.c.sender_id).where(store.changes.c.change == STAFF_REPLY)
answered_emergency = sa.and_(conversations.c.urgent == sa.true(), reviewed == sa.false(), sa.not_(handoff_open))


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    conditions = date_conditions(filters.start, filters.end)
    if filters.language == UNKNOWN_LANGUAGE:
        # As the Overview counts them: a conversation, or one of its messages, in no language the assistant told.
        unknown = sa.select(store.messages.c.sender_id).where(store.messages.c.language.is_(None))
        conditions.append(sa.or_(conversations.c.language.is_(None), conversations.c.sender_id.in_(unknown)))
    elif filters.language == OTHER_LANGUAGES:
        conditions.append(other_language)
    elif filters.language:
        conditions.append(conversations.c.language == filters.language)
    if filters.channel:
        conditions.append(has_member(conversations.c.channels, filters.channel))
    if filters.intent:
        conditions.append(has_member(conversations.c.intents, filters.intent))
    if filters.flag == HANDOFF_OPEN:
        conditions.append(handoff_open)
    elif filters.flag == HANDOFF_CLOSED:
        conditions.append(handoff_closed)
    elif filters.flag == HANDOFF_NONE:
        conditions.append(conversations.c.handoffs == 0)
    elif filters.flag == HANDOFF_REPLIED:
        conditions.append(sa.and_(conversations.c.handoffs > 0, conversations.c.sender_id.in_(replied)))
    elif filters.flag == ANY_EMERGENCY:
        conditions.append(conversations.c.urgent == sa.true())
    elif filters.flag:
        conditions.append(has_member(conversations.c.flags, filters.flag))
    if filters.reviewed == "yes":
        conditions.append(reviewed == sa.true())
    elif filters.reviewed == "no":
        conditions.append(reviewed == sa.false())
    if filters.holder == NOBODY:
        conditions.append(marks.c.assigned_to.is_(None))
    elif filters.holder:
        conditions.append(marks.c.assigned_to == filters.holder)
    if filters.tag:
        tagged = sa.select(store.tags.c.sender_id).where(store.tags.c.tag == filters.tag)
        conditions.append(conversations.c.sender_id.in_(tagged))
    if filters.search:
        # Accents, case, hyphens and apostrophes folded on both sides (review.index.search_text).
        needle = search_text(filters.search) or filters.search
        conditions.append(
            sa.or_(
                conversations.c.search.like(_like(needle), escape="\\"),
                conversations.c.sender_id.like(_like(filters.search), escape="\\"),
                # The summary keeps the first SEARCH_CHARS characters: later messages of a long conversation are
                # found in the per-message table.
                sa.exists().where(
                    store.messages.c.sender_id == conversations.c.sender_id,
                    store.messages.c.search.like(_like(needle), escape="\\"),
                ),
            )
        )
    return conditions


def joined(columns: list[Any]) -> Any:
    """A query of conversations with their staff marks (none yet: the defaults)."""
    return sa.select(*columns).select_from(
        conversations.outerjoin(marks, marks.c.sender_id == conversations.c.sender_id)
    )


def _base(columns: list[Any], filters: Filters) -> Any:
    query = joined(columns)
    conditions = _conditions(filters)
    return query.where(sa.and_(*conditions)) if conditions else query


def _order(query: Any, sort: str) -> Any:
    if sort == "oldest":
        return query.order_by(conversations.c.last_ts.asc(), conversations.c.sender_id)
    if sort == "newest":
        return query.order_by(conversations.c.last_ts.desc(), conversations.c.sender_id)
    priority = sa.case((sa.or_(handoff_open, conversations.c.urgent == sa.true()), 0), else_=1)
    return query.order_by(priority, conversations.c.last_ts.desc(), conversations.c.sender_id)


def open_since(handoff_times: str | None, closed: int, last_ts: float) -> float:
    """When the oldest handoff still open was asked for (handoffs are closed oldest first); the conversation's
    last message when its times were not recorded."""
    waiting = (handoff_times or "").split()[int(closed) :]
    return float(waiting[0]) if waiting else last_ts


@dataclass(frozen=True)
class Row:
    sender_id: str
    first_ts: float
    last_ts: float
    user_messages: int
    language: str | None
    channels: set[str]
    intents: set[str]
    flags: set[str]
    urgent: bool
    handoff_open: bool
    handoffs: int
    reviewed: bool
    last_text: str
    handoffs_closed: int = 0
    handoff_times: tuple[float, ...] = ()
    attention: bool = False
    assigned_to: str | None = None

    @property
    def open_handoff_since(self) -> float | None:
        """When the oldest handoff still open was asked for."""
        if not self.handoff_open:
            return None
        return open_since(" ".join(map(repr, self.handoff_times)), self.handoffs_closed, self.last_ts)

    @property
    def display_flags(self) -> list[str]:
        """The flags to show: "netiquette:abuse" rather than also "netiquette"; handoffs as open or closed."""
        detailed = {key.split(":")[0] for key in self.flags if ":" in key}
        keys = sorted(key for key in self.flags if key not in detailed and key != HANDOFF)
        if self.handoff_open:
            keys.append(HANDOFF_OPEN)
        elif self.handoffs:
            keys.append(HANDOFF_CLOSED)
        return keys


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    page: int
    pages: int


ROW_COLUMNS = [
    conversations.c.sender_id,
    conversations.c.first_ts,
    conversations.c.last_ts,
    conversations.c.user_messages,
    conversations.c.language,
    conversations.c.channels,
    conversations.c.intents,
    conversations.c.flags,
    conversations.c.urgent,
    handoff_open.label("handoff_open"),
    conversations.c.handoffs,
    reviewed.label("reviewed"),
    conversations.c.last_text,
    handoffs_closed.label("handoffs_closed"),
    conversations.c.handoff_times,
    conversations.c.attention,
    marks.c.assigned_to,
]


def to_row(row: Any) -> Row:
    return Row(
        row.sender_id,
        row.first_ts,
        row.last_ts,
        row.user_messages,
        row.language,
        as_set(row.channels),
        as_set(row.intents),
        as_set(row.flags),
        bool(row.urgent),
        bool(row.handoff_open),
        row.handoffs,
        bool(row.reviewed),
        row.last_text,
        int(row.handoffs_closed),
        tuple(float(part) for part in (row.handoff_times or "").split()),
        bool(row.attention),
        row.assigned_to,
    )


def inbox_page(engine: Engine, filters: Filters, page_size: int) -> Page:
    with engine.connect() as connection:
        total = int(connection.execute(_base([sa.func.count()], filters)).scalar_one())
        pages = max(1, -(-total // page_size))
        page = min(filters.page, pages)
        query = _order(_base(ROW_COLUMNS, filters), filters.sort).limit(page_size).offset((page - 1) * page_size)
        rows = [to_row(row) for row in connection.execute(query)]
    return Page(rows, total, page, pages)


def matching_rows(engine: Engine, filters: Filters, limit: int) -> list[Row]:
    query = _order(_base(ROW_COLUMNS, filters), filters.sort).limit(limit)
    with engine.connect() as connection:
        return [to_row(row) for row in connection.execute(query)]


def ordered_ids(engine: Engine, filters: Filters) -> list[str]:
    """Every conversation the filters list, in the list's order (the transcript's previous and next)."""
    query = _order(_base([conversations.c.sender_id], filters), filters.sort)
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


def conversation_row(engine: Engine, sender_id: str) -> Row | None:
    query = _base(ROW_COLUMNS, Filters()).where(conversations.c.sender_id == sender_id)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return to_row(row) if row else None


Counted = list[tuple[str, int]]  # (value, conversations that have it)


@dataclass(frozen=True)
class Choices:
    """What the filter menus offer, with how many conversations have each: the values present in the data, so a
    new flag kind appears by itself."""

    flags: Counted
    intents: Counted
    languages: Counted
    channels: Counted
    tags: Counted


def _counted_members(connection: Connection, column: Any) -> Counter[str]:
    """Members of a "|a|b|" set column and how many rows hold each, from one GROUP BY over the distinct sets."""
    counts: Counter[str] = Counter()
    for text, count in connection.execute(sa.select(column, sa.func.count()).group_by(column)):
        for member in as_set(text):
            counts[member] += count
    return counts


def filter_choices(engine: Engine) -> Choices:
    with engine.connect() as connection:
        flags = _counted_members(connection, conversations.c.flags)
        intents = _counted_members(connection, conversations.c.intents)
        channels = _counted_members(connection, conversations.c.channels)
        languages = connection.execute(
            sa.select(conversations.c.language, sa.func.count())
            .where(conversations.c.language.is_not(None))
            .group_by(conversations.c.language)
        ).all()
        unknown = int(connection.execute(_base([sa.func.count()], Filters(language=UNKNOWN_LANGUAGE))).scalar_one())
        if unknown:
            languages.append((UNKNOWN_LANGUAGE, unknown))
        tags = connection.execute(sa.select(store.tags.c.tag, sa.func.count()).group_by(store.tags.c.tag)).all()
        if flags.get(HANDOFF):
            opened = connection.execute(_base([sa.func.count()], Filters(flag=HANDOFF_OPEN))).scalar_one()
            flags[HANDOFF_OPEN] = int(opened)
            flags[HANDOFF_CLOSED] = flags[HANDOFF] - int(opened)
    return Choices(
        flags=sorted(flags.items()),
        intents=sorted(intents.items()),
        languages=sorted((str(name), int(count)) for name, count in languages),
        channels=sorted(channels.items()),
        tags=sorted((str(name), int(count)) for name, count in tags),
    )
