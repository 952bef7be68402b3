"""The Overview's key figures per language: share answered without a person, handoff, "not understood", emergency
and after-hours rates, time to the first staff reply and to closing a handoff (median, 90th percentile), and their
weekly trend. French, English and every other language (or none told) are counted apart.

Why here and not in SQL alone: one indexed read of the period's conversations (10,000 in a few milliseconds),
then the figures in Python, so the period, every language and every week share one pass. Each figure carries the
inbox filters that list the conversations behind it: the conversations counted are the ones those filters select
(the same period rule as the inbox's dates: a conversation counts when it overlaps the period).

Called by `review.routes.overview`; reads the index and the staff change log only.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pointe_claire.names import LANGUAGES
from review import store
from review.flags import AFTER_HOURS, FALLBACK, HANDOFF
from review.inbox import (
    ANY_EMERGENCY,
    HANDOFF_CLOSED,
    HANDOFF_NONE,
    HANDOFF_REPLIED,
    OTHER_LANGUAGES,
    Filters,
    date_bounds,
    handoff_closed,
    has_member,
    joined,
)
from review.staff import HANDOFF_CLOSED as CLOSED_CHANGE
from review.staff import STAFF_REPLY

LANGUAGE_GROUPS = (*LANGUAGES, OTHER_LANGUAGES)
PERIODS = (7, 30, 90)  # the days the Overview offers
DEFAULT_PERIOD = 30
RATES = ("without_person", "handoffs", "not_understood", "emergencies", "after_hours")  # the Shares, in page order


@dataclass(frozen=True)
class Share:
    """`count` of `total` conversations, and the inbox filters (query-string values) that list the `count`."""

    count: int
    total: int
    link: dict[str, str]

    @property
    def percent(self) -> float | None:
        return 100 * self.count / self.total if self.total else None


@dataclass(frozen=True)
class Duration:
    """Seconds from a handoff's request to a staff step: how many were measured, their median and 90th percentile
    (nearest rank: a time one in ten residents waited longer than)."""

    count: int
    median: float | None
    p90: float | None
    link: dict[str, str]


@dataclass(frozen=True)
class LanguageFigures:
    language: str
    conversations: Share  # count = total: the language's conversations in the period
    without_person: Share
    handoffs: Share
    not_understood: Share
    emergencies: Share
    after_hours: Share
    first_reply: Duration
    closed: Duration


@dataclass(frozen=True)
class Week:
    start: date  # a Monday
    languages: list[LanguageFigures]


@dataclass(frozen=True)
class Kpis:
    start: date
    end: date
    languages: list[LanguageFigures]
    weeks: list[Week]  # oldest first


class _Alike(NamedTuple):
    """Conversations alike for every rate: how many, in which language, between which time cuts they start and end
    (a few hundred of these stand for 10,000 conversations: SQLite groups them, Python adds them up)."""

    first_cut: int  # the index of the first cut after the conversation's first message (len(cuts): none)
    last_cut: int  # the same for its last message
    language: str  # one of LANGUAGE_GROUPS
    handoff: bool
    urgent: bool
    fallback: bool
    after_hours: bool
    number: int  # how many conversations


class _Handoff(NamedTuple):
    """A conversation with a handoff: its cuts and language, and how long staff took to reply and to close it."""

    first_cut: int
    last_cut: int
    language: str
    reply_wait: float | None
    close_wait: float | None  # only once every handoff of it is closed (the inbox's "handoff closed")


def language_group(language: str | None) -> str:
    return language if language in LANGUAGES else OTHER_LANGUAGES


def nearest_rank(values: Sequence[float], fraction: float) -> float:
    """The smallest value at least `fraction` of the values do not exceed (nearest-rank percentile)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def _first_changes(connection: Connection, change: str) -> dict[str, float]:
    """When each conversation first got this change (a few hundred rows: joined in Python, not by SQLite)."""
    changes = store.changes
    query = (
        sa.select(changes.c.sender_id, sa.func.min(changes.c.at))
        .where(changes.c.change == change)
        .group_by(changes.c.sender_id)
    )
    return {str(sender): float(at) for sender, at in connection.execute(query)}


def _cut(column: Any, cuts: Sequence[float]) -> Any:
    """The index of the first cut after `column` (len(cuts) after them all)."""
    return sa.case(*[(column < cut, index) for index, cut in enumerate(cuts)], else_=len(cuts))


def _wait(since: float | None, until: float | None) -> float | None:
    """Seconds from the handoff's request to the staff step; a step taken before the request counts as no wait."""
    if since is None or until is None:
        return None
    return max(0.0, until - since)


def _read(engine: Engine, cuts: Sequence[float]) -> tuple[list[_Alike], list[_Handoff]]:
    """The conversations touching cuts[0]..cuts[-1], grouped; and those with a handoff, one by one."""
    conversations = store.conversations
    where = [conversations.c.last_ts >= cuts[0], conversations.c.first_ts < cuts[-1]]
    language = sa.case((conversations.c.language.in_(LANGUAGES), conversations.c.language), else_=OTHER_LANGUAGES)
    place = [_cut(conversations.c.first_ts, cuts), _cut(conversations.c.last_ts, cuts), language]
    rates = [
        conversations.c.handoffs > 0,
        conversations.c.urgent,
        has_member(conversations.c.flags, FALLBACK),
        has_member(conversations.c.flags, AFTER_HOURS),
    ]
    grouped = sa.select(*place, *rates, sa.func.count()).where(*where).group_by(*place, *rates)
    handed = joined([*place, conversations.c.sender_id, conversations.c.handoff_times, handoff_closed]).where(
        *where, conversations.c.handoffs > 0
    )
    with engine.connect() as connection:
        alike = [
            _Alike(a, b, str(c), bool(d), bool(e), bool(f), bool(g), int(n))
            for a, b, c, d, e, f, g, n in (connection.execute(grouped))
        ]
        handoffs = connection.execute(handed).all()
        replies, closings = _first_changes(connection, STAFF_REPLY), _first_changes(connection, CLOSED_CHANGE)
    waits = []
    for first_cut, last_cut, group, sender, times, closed in handoffs:
        asked = float(times.split()[0]) if times.strip() else None
        close_wait = _wait(asked, closings.get(sender)) if closed else None
        waits.append(_Handoff(first_cut, last_cut, str(group), _wait(asked, replies.get(sender)), close_wait))
    return alike, waits


def _duration(waits: list[float], link: dict[str, str]) -> Duration:
    if not waits:
        return Duration(0, None, None, link)
    return Duration(len(waits), statistics.median(waits), nearest_rank(waits, 0.9), link)


def _figures(
    language: str, alike: list[_Alike], handoffs: list[_Handoff], cuts: Sequence[float], start: date, end: date
) -> LanguageFigures:
    """One language's figures from `start` to `end` (both among the cuts), with the inbox filters behind each: a
    conversation counts when it overlaps the days, as the inbox's dates filter."""
    low, high = (cuts.index(bound) for bound in date_bounds(start, end))
    # last_ts >= cuts[low] and first_ts < cuts[high], said with the cuts.
    mine = [group for group in alike if group.language == language and group.last_cut > low and group.first_cut <= high]
    waiting = [
        item for item in handoffs if item.language == language and item.last_cut > low and item.first_cut <= high
    ]
    total = sum(group.number for group in mine)
    base = Filters(start=start, end=end, language=language, view="all")

    def share(field: str, flag: str, wanted: bool = True) -> Share:
        return Share(
            sum(group.number for group in mine if getattr(group, field) == wanted), total, base.query(flag=flag)
        )

    return LanguageFigures(
        language=language,
        conversations=Share(total, total, base.query()),
        without_person=share("handoff", HANDOFF_NONE, wanted=False),
        handoffs=share("handoff", HANDOFF),
        not_understood=share("fallback", FALLBACK),
        emergencies=share("urgent", ANY_EMERGENCY),
        after_hours=share("after_hours", AFTER_HOURS),
        first_reply=_duration(
            [item.reply_wait for item in waiting if item.reply_wait is not None], base.query(flag=HANDOFF_REPLIED)
        ),
        closed=_duration(
            [item.close_wait for item in waiting if item.close_wait is not None], base.query(flag=HANDOFF_CLOSED)
        ),
    )


def kpis(engine: Engine, today: date, days: int = DEFAULT_PERIOD) -> Kpis:
    """The figures of the `days` days up to `today`, and of each week (Monday to Sunday) they touch."""
    start = today - timedelta(days=days - 1)
    mondays = []
    monday = start - timedelta(days=start.weekday())
    while monday <= today:
        mondays.append(monday)
        monday += timedelta(days=7)
    ranges = [(start, today), *((first, first + timedelta(days=6)) for first in mondays)]
    cuts = sorted({bound for first, last in ranges for bound in date_bounds(first, last)})
    alike, handoffs = _read(engine, cuts)
    period = [_figures(language, alike, handoffs, cuts, start, today) for language in LANGUAGE_GROUPS]
    weeks = [
        Week(first, [_figures(language, alike, handoffs, cuts, first, last) for language in LANGUAGE_GROUPS])
        for first, last in ranges[1:]
    ]
    return Kpis(start, today, period, weeks)
