"""The Overview's key figures per language (review.kpis) against a direct count: the tracker's events read one by one
(not the index), the office-hours calendar asked directly, the staff change log read by plain SQL, percentiles by
sorting. On a generated store under a fixed clock: 1,500 conversations in the unit tier, 10,000 in the slow one.
"""

from __future__ import annotations

import html
import json
import math
import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
import sqlalchemy as sa
from review_fixtures import FIXTURE_NOW, ReviewSite
from test_review_pages import count_of, inbox_ids

from bench.review_app import StaffClient, generate_staff_work, generate_tracker
from pointe_claire.city_facts import cached_city_facts
from pointe_claire.clock import MONTREAL
from pointe_claire.office_hours import BusinessCalendar
from review import index, store
from review.kpis import PERIODS, Duration, LanguageFigures, kpis

NOW = datetime.fromisoformat(FIXTURE_NOW)
EMERGENCY_INTENTS = {"report_life_threatening_emergency", "report_municipal_emergency"}
FALLBACK_ACTIONS = {"action_handle_fallback", "action_default_fallback"}


@dataclass
class Direct:
    """One conversation as its events say, without the index."""

    first_ts: float = math.inf
    last_ts: float = -math.inf
    language: str | None = None
    handoffs: int = 0
    first_handoff: float | None = None
    urgent: bool = False
    fallback: bool = False
    after_hours: bool = False


def direct_conversations(tracker_url: str) -> dict[str, Direct]:
    calendar = BusinessCalendar.from_facts(cached_city_facts().office_hours)
    found: dict[str, Direct] = {}
    engine = sa.create_engine(tracker_url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT sender_id, data FROM events ORDER BY id")).all()
    engine.dispose()
    for sender, data in rows:
        event = json.loads(data)
        seen = found.setdefault(sender, Direct())
        seen.first_ts, seen.last_ts = min(seen.first_ts, event["timestamp"]), max(seen.last_ts, event["timestamp"])
        if event["event"] == "slot" and event["name"] == "language" and event["value"]:
            seen.language = event["value"]
        elif event["event"] == "slot" and event["name"] == "flags":
            handoffs = sum(record.get("kind") == "handoff" for record in event["value"])
            if handoffs and seen.first_handoff is None:
                seen.first_handoff = event["timestamp"]
            seen.handoffs = max(seen.handoffs, handoffs)
        elif event["event"] == "user":
            parse = event["parse_data"]
            told = [entity["value"] for entity in parse["entities"] if entity["entity"] == "language"]
            seen.language = told[0] if told else seen.language
            seen.urgent |= parse["intent"]["name"] in EMERGENCY_INTENTS or bool(parse.get("safety_net"))
            seen.fallback |= parse["intent"]["name"] == "nlu_fallback"
            moment = datetime.fromtimestamp(event["timestamp"], timezone.utc)
            seen.after_hours |= not calendar.is_open(moment)
        elif event["event"] == "action" and event["name"] in FALLBACK_ACTIONS:
            seen.fallback = True
    return found


def staff_steps(review_url: str) -> tuple[dict[str, float], dict[str, float], dict[str, int]]:
    """First reply and first closing per conversation, and handoffs closed, by plain SQL."""
    engine = sa.create_engine(review_url, future=True)
    with engine.connect() as connection:
        first = "SELECT sender_id, MIN(at) FROM review_changes WHERE change = :change GROUP BY sender_id"
        replies = dict(connection.execute(sa.text(first), {"change": "replied"}).all())
        closings = dict(connection.execute(sa.text(first), {"change": "handoff_closed"}).all())
        closed = dict(connection.execute(sa.text("SELECT sender_id, handoffs_closed FROM review_marks")).all())
    engine.dispose()
    return replies, closings, closed


def midnight(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=MONTREAL).timestamp()


def expected(
    conversations: dict[str, Direct],
    steps: tuple[dict[str, float], dict[str, float], dict[str, int]],
    start: date,
    end: date,
    language: str,
) -> dict[str, object]:
    replies, closings, closed = steps
    low, high = midnight(start), midnight(end + timedelta(days=1))
    group = [
        (sender, seen)
        for sender, seen in conversations.items()
        if seen.last_ts >= low
        and seen.first_ts < high
        and (seen.language if seen.language in ("fr", "en") else "other") == language
    ]
    handed = [(sender, seen) for sender, seen in group if seen.handoffs]
    reply_waits = sorted(max(0.0, replies[s] - seen.first_handoff) for s, seen in handed if s in replies)  # type: ignore[operator]
    close_waits = sorted(
        max(0.0, closings[s] - seen.first_handoff)  # type: ignore[operator]
        for s, seen in handed
        if s in closings and closed.get(s, 0) >= seen.handoffs
    )

    def times(waits: list[float]) -> tuple[int, float | None, float | None]:
        if not waits:
            return 0, None, None
        return len(waits), statistics.median(waits), waits[math.ceil(0.9 * len(waits)) - 1]

    return {
        "conversations": len(group),
        "without_person": len(group) - len(handed),
        "handoffs": len(handed),
        "not_understood": sum(seen.fallback for _, seen in group),
        "emergencies": sum(seen.urgent for _, seen in group),
        "after_hours": sum(seen.after_hours for _, seen in group),
        "first_reply": times(reply_waits),
        "closed": times(close_waits),
    }


def computed(figures: LanguageFigures) -> dict[str, object]:
    def times(duration: Duration) -> tuple[int, float | None, float | None]:
        return duration.count, duration.median, duration.p90

    return {
        "conversations": figures.conversations.count,
        "without_person": figures.without_person.count,
        "handoffs": figures.handoffs.count,
        "not_understood": figures.not_understood.count,
        "emergencies": figures.emergencies.count,
        "after_hours": figures.after_hours.count,
        "first_reply": times(figures.first_reply),
        "closed": times(figures.closed),
    }


@pytest.fixture(
    scope="module", params=[pytest.param(1500, id="1500"), pytest.param(10_000, id="10000", marks=pytest.mark.slow)]
)
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A store of generated conversations (3% in no language told) over the 60 days before the fixed clock, indexed
    as the app indexes it, with staff replies and closings."""
    workdir: Path = tmp_path_factory.mktemp("kpis")
    tracker_url, review_url = f"sqlite:///{workdir / 'tracker.db'}", f"sqlite:///{workdir / 'review.db'}"
    generate_tracker(tracker_url, request.param, seed=21, end=NOW.timestamp(), other_languages=0.03)
    tracker, review = sa.create_engine(tracker_url, future=True), store.review_engine(review_url)
    index.refresh(tracker, review)
    assert generate_staff_work(tracker_url, review_url, until=NOW.timestamp(), seed=21) > 0
    yield tracker_url, review_url
    tracker.dispose()
    review.dispose()


def test_key_figures_per_language_and_week_match_a_direct_count(generated: tuple[str, str]) -> None:
    tracker_url, review_url = generated
    conversations, steps = direct_conversations(tracker_url), staff_steps(review_url)
    review = sa.create_engine(review_url, future=True)
    today = NOW.date()
    for days in PERIODS:
        figures = kpis(review, today, days)
        assert (figures.start, figures.end) == (today - timedelta(days=days - 1), today)
        for row in figures.languages:
            assert computed(row) == expected(conversations, steps, figures.start, today, row.language), (days, row)
        assert [week.start.weekday() for week in figures.weeks] == [0] * len(figures.weeks)
        assert figures.weeks[0].start <= figures.start and figures.weeks[-1].start > today - timedelta(days=7)
        for week in figures.weeks:
            for row in week.languages:
                wanted = expected(conversations, steps, week.start, week.start + timedelta(days=6), row.language)
                assert computed(row) == wanted, (days, week.start, row)
    review.dispose()
    # Every kind of figure was exercised: each language has conversations, handoffs replied to and closed.
    month = {row.language: row for row in kpis(review, today, 30).languages}
    assert set(month) == {"fr", "en", "other"}
    for language in ("fr", "en"):
        row = month[language]
        assert row.first_reply.count and row.closed.count and row.emergencies.count and row.not_understood.count
        assert 0 < row.after_hours.count < row.conversations.count
    assert month["other"].conversations.count > 0


# A figure of the Overview: the count it stands for, its inbox link, its text and the count beside it.
FIGURE = re.compile(
    r'<a class="figure" data-count="(\d+)" href="/\?([^"]*)">([^<]*)</a>(?: <span class="count">\(([^)]*)\)</span>)?'
)


def test_each_overview_figure_opens_the_conversations_it_counts(review_site: ReviewSite, admin: StaffClient) -> None:
    admin.post("/conversation/handoff", {"id": "handoff-en", "csrf_token": admin.get("/").csrf_token()})
    page = admin.get("/overview?days=90").body
    table = page.split('id="kpis"')[1].split("</section>")[0]
    english = table.split('id="kpi-en"')[1].split("</tr>")[0]
    assert "Répondues sans personne" in table and "Délai de fermeture du transfert" in table
    assert "1 mesurés" in english  # handoff-en, closed just now: one time to close measured
    checked = 0
    for count, query, text, beside in FIGURE.findall(table):
        assert count in text or beside.startswith(count), (count, text, beside)  # the number staff read
        assert count_of(admin, html.unescape(query)) == int(count), query
        checked += 1
    assert checked >= 2 * 6  # French and English: the conversations and five rates each
    closing = re.search(r'href="/\?([^"]*flag=handoff%3Aclosed[^"]*)"', english)
    assert closing is not None
    closed = parse_qs(html.unescape(closing.group(1)))
    assert closed["language"] == ["en"] and closed["flag"] == ["handoff:closed"]
    assert "handoff-en" in inbox_ids(admin, urlencode({k: v[0] for k, v in closed.items()}))
    # The weekly trend carries the same figures, times to reply and to close included, week by week.
    trend = page.split('id="weekly-trend"')[1].split("</section>")[0]
    weekly = FIGURE.findall(trend)
    for count, query, text, beside in weekly:
        assert count in text or beside.startswith(count), (count, text, beside)
        assert count_of(admin, html.unescape(query)) == int(count), query
    assert any("flag=handoff%3Aclosed" in query and "language=en" in query for _, query, _, _ in weekly)


@pytest.mark.parametrize("days", ["abc", "99999", "-7", "7%00", "30.5"])
def test_a_malformed_period_gives_the_30_days(admin: StaffClient, days: str) -> None:
    response = admin.get("/overview?days=" + days)
    assert response.status == 200 and "30 derniers jours" in response.body.split("</h1>")[0]


def test_overview_in_english_names_the_figures_in_english(review_site: ReviewSite) -> None:
    client = review_site.client()
    client.get("/lang/en?next=/")
    page = client.get("/overview?days=7").body
    assert "Last 7 days" in page and "Answered without a person" in page and "Weekly trend" in page
    assert "Neither French nor English" in page and "Répondues" not in page
