"""The overview page's numbers (messages per day, by language, by intent, top fallback messages, open handoffs)
and its chart, drawn as inline SVG on the server: no JavaScript, nothing to download.

Called by `review.routes.overview`; reads the index tables only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from review import store
from review.inbox import handoff_open

CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN = 720, 220, 30


@dataclass(frozen=True)
class NotUnderstood:
    """A message the assistant did not understand, how often it was sent, and the latest conversation holding it."""

    text: str
    count: int
    sender_id: str


@dataclass(frozen=True)
class Overview:
    days: list[tuple[str, int]]  # every day of the period, oldest first, zeros included
    languages: list[tuple[str, int]]
    intents: list[tuple[str, int]]
    fallback_messages: list[NotUnderstood]
    open_handoffs: int
    conversations: int
    messages: int


def overview(engine: Engine, today: date, days: int = 30, top: int = 15) -> Overview:
    first = today - timedelta(days=days - 1)
    messages = store.messages
    in_period = messages.c.day >= first.isoformat()
    with engine.connect() as connection:
        per_day = dict(
            connection.execute(
                sa.select(messages.c.day, sa.func.count()).where(in_period).group_by(messages.c.day)
            ).all()
        )
        languages = connection.execute(
            sa.select(sa.func.coalesce(messages.c.language, "?"), sa.func.count().label("n"))
            .where(in_period)
            .group_by(messages.c.language)
            .order_by(sa.desc("n"))
        ).all()
        intents = connection.execute(
            sa.select(sa.func.coalesce(messages.c.intent, "?"), sa.func.count().label("n"))
            .where(in_period)
            .group_by(messages.c.intent)
            .order_by(sa.desc("n"))
            .limit(top)
        ).all()
        fallbacks = connection.execute(
            sa.select(messages.c.text, sa.func.count().label("n"), sa.func.max(messages.c.event_id))
            # An empty message (a picture, a sticker) is not understood either, but there is nothing to read.
            .where(in_period, messages.c.fallback == sa.true(), sa.func.trim(messages.c.text) != "")
            .group_by(messages.c.text)
            .order_by(sa.desc("n"), messages.c.text)
            .limit(top)
        ).all()
        senders = dict(
            connection.execute(
                sa.select(messages.c.event_id, messages.c.sender_id).where(
                    messages.c.event_id.in_([row[2] for row in fallbacks])
                )
            ).all()
        )
        open_handoffs = connection.execute(
            sa.select(sa.func.count())
            .select_from(
                store.conversations.outerjoin(store.marks, store.marks.c.sender_id == store.conversations.c.sender_id)
            )
            .where(handoff_open)
        ).scalar_one()
        conversation_count = connection.execute(
            sa.select(sa.func.count()).select_from(store.conversations)
        ).scalar_one()
    series = [
        ((first + timedelta(days=n)).isoformat(), int(per_day.get((first + timedelta(days=n)).isoformat(), 0)))
        for n in range(days)
    ]
    return Overview(
        days=series,
        languages=[(str(name), int(count)) for name, count in languages],
        intents=[(str(name), int(count)) for name, count in intents],
        fallback_messages=[NotUnderstood(str(text), int(count), senders[latest]) for text, count, latest in fallbacks],
        open_handoffs=int(open_handoffs),
        conversations=int(conversation_count),
        messages=sum(count for _, count in series),
    )


def bar_chart_svg(series: list[tuple[str, int]], title: str) -> str:
    """An accessible SVG bar chart (role=img, a <title>, one <title> per bar for its value)."""
    count = max(len(series), 1)
    peak = max((value for _, value in series), default=0) or 1
    plot_width = CHART_WIDTH - 2 * CHART_MARGIN
    plot_height = CHART_HEIGHT - 2 * CHART_MARGIN
    step = plot_width / count
    bars = []
    for index, (label, value) in enumerate(series):
        height = plot_height * value / peak
        x = CHART_MARGIN + index * step
        y = CHART_MARGIN + plot_height - height
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" height="{height:.1f}" class="bar">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
    first_label = escape(series[0][0]) if series else ""
    last_label = escape(series[-1][0]) if series else ""
    baseline = CHART_MARGIN + plot_height
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" '
        f'aria-labelledby="chart-title" class="chart"><title id="chart-title">{escape(title)}</title>'
        f'<line x1="{CHART_MARGIN}" y1="{baseline}" x2="{CHART_WIDTH - CHART_MARGIN}" y2="{baseline}" class="axis"/>'
        f'<text x="{CHART_MARGIN}" y="{CHART_MARGIN - 8}" class="label">{peak}</text>'
        f'<text x="{CHART_MARGIN}" y="{CHART_HEIGHT - 8}" class="label">{first_label}</text>'
        f'<text x="{CHART_WIDTH - CHART_MARGIN}" y="{CHART_HEIGHT - 8}" text-anchor="end" class="label">'
        f"{last_label}</text>{''.join(bars)}</svg>"
    )
