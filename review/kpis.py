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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

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
    date_conditions,
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


@dataclass(frozen=True)
class _Conversation:
    """What the figures need of one conversation."""

    language: str  # one of LANGUAGE_GROUPS
    first_ts: float
    last_ts: float
    handoffs: int
    handoff_closed: bool
    urgent: bool
    fallback: bool
    after_hours: bool
    first_handoff: float | None
    first_reply: float | None  # the first staff reply logged, if any
    first_close: float | None  # the first handoff closing logged, if any


def language_group(language: str | None) -> str:
    return language if language in LANGUAGES else OTHER_LANGUAGES


def nearest_rank(values: Sequence[float], fraction: float) -> float:
    """The smallest value at least `fraction` of the values do not exceed (nearest-rank percentile)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def _first_change(change: str) -> Any:
    changes = store.changes
    return (
        sa.select(changes.c.sender_id, sa.func.min(changes.c.at).label("at"))
        .where(changes.c.change == change)
        .group_by(changes.c.sender_id)
        .subquery()
    )


def _read(engine: Engine, start: date, end: date) -> list[_Conversation]:
    conversations = store.conversations
    replies, closings = _first_change(STAFF_REPLY), _first_change(CLOSED_CHANGE)
    query = (
        joined(
            [
                conversations.c.language,
                conversations.c.first_ts,
                conversations.c.last_ts,
                conversations.c.handoffs,
                handoff_closed.label("handoff_closed"),
                conversations.c.urgent,
                has_member(conversations.c.flags, FALLBACK).label("fallback"),
                has_member(conversations.c.flags, AFTER_HOURS).label("after_hours"),
                conversations.c.handoff_times,
                replies.c.at.label("first_reply"),
                closings.c.at.label("first_close"),
            ]
        )
        .outerjoin(replies, replies.c.sender_id == conversations.c.sender_id)
        .outerjoin(closings, closings.c.sender_id == conversations.c.sender_id)
        .where(*date_conditions(start, end))
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        _Conversation(
            language_group(row.language),
            row.first_ts,
            row.last_ts,
            row.handoffs,
            bool(row.handoff_closed),
            bool(row.urgent),
            bool(row.fallback),
            bool(row.after_hours),
            float(row.handoff_times.split()[0]) if row.handoff_times.strip() else None,
            row.first_reply,
            row.first_close,
        )
        for row in rows
    ]


def _duration(waits: list[float], link: dict[str, str]) -> Duration:
    if not waits:
        return Duration(0, None, None, link)
    return Duration(len(waits), statistics.median(waits), nearest_rank(waits, 0.9), link)


def _wait(since: float | None, until: float | None) -> float | None:
    """Seconds from the handoff's request to the staff step; a step taken before the request counts as no wait."""
    if since is None or until is None:
        return None
    return max(0.0, until - since)


def figures(language: str, rows: Iterable[_Conversation], start: date, end: date) -> LanguageFigures:
    """One language's figures over `rows` (the period's conversations), with the inbox filters behind each."""
    mine = [row for row in rows if row.language == language]
    total = len(mine)
    base = Filters(start=start, end=end, language=language, view="all")

    def share(count: int, flag: str = "") -> Share:
        return Share(count, total, base.query(flag=flag))

    replies = [_wait(row.first_handoff, row.first_reply) for row in mine if row.handoffs and row.first_reply]
    closings = [_wait(row.first_handoff, row.first_close) for row in mine if row.handoff_closed and row.first_close]
    return LanguageFigures(
        language=language,
        conversations=share(total),
        without_person=share(sum(not row.handoffs for row in mine), HANDOFF_NONE),
        handoffs=share(sum(row.handoffs > 0 for row in mine), HANDOFF),
        not_understood=share(sum(row.fallback for row in mine), FALLBACK),
        emergencies=share(sum(row.urgent for row in mine), ANY_EMERGENCY),
        after_hours=share(sum(row.after_hours for row in mine), AFTER_HOURS),
        first_reply=_duration([wait for wait in replies if wait is not None], base.query(flag=HANDOFF_REPLIED)),
        closed=_duration([wait for wait in closings if wait is not None], base.query(flag=HANDOFF_CLOSED)),
    )


def _overlaps(row: _Conversation, start: date, end: date) -> bool:
    """The inbox's date filter, on one conversation."""
    first, after = date_bounds(start, end)
    return row.last_ts >= first and row.first_ts < after


def kpis(engine: Engine, today: date, days: int = DEFAULT_PERIOD) -> Kpis:
    """The figures of the `days` days up to `today`, and of each week (Monday to Sunday) they touch."""
    start = today - timedelta(days=days - 1)
    monday = start - timedelta(days=start.weekday())
    rows = _read(engine, monday, today + timedelta(days=6 - today.weekday()))
    in_period = [row for row in rows if _overlaps(row, start, today)]
    weeks = []
    while monday <= today:
        sunday = monday + timedelta(days=6)
        week_rows = [row for row in rows if _overlaps(row, monday, sunday)]
        weeks.append(Week(monday, [figures(language, week_rows, monday, sunday) for language in LANGUAGE_GROUPS]))
        monday += timedelta(days=7)
    return Kpis(start, today, [figures(language, in_period, start, today) for language in LANGUAGE_GROUPS], weeks)
