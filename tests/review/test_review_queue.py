"""The inbox's default view is an action queue: open handoffs first, oldest first, with their age and the deadline
the assistant promised the resident (overdue ones marked), then flagged conversations nobody reviewed; answered
emergencies apart; reviewed and closed ones leave it; the open-work counter on every page. The app's clock is
Wednesday 2026-11-25 12:00 in Montréal (review_fixtures.FIXTURE_NOW)."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from review_fixtures import ADMIN, REVIEWER, ReviewSite
from test_review_pages import inbox_ids

from bench.review_app import StaffClient, resident_message, slot_event, write_events
from review import store
from review.queue import action_queue, age_in_words, promised_deadline

# Deadlines are calendar arithmetic: also run under other system clocks by `make test-dates` (the app's own clock
# stays FIXTURE_NOW, so the pages must not change with them).
pytestmark = pytest.mark.dates

RECENT_HANDOFF_TS = 1795618800.0  # Wednesday 2026-11-25 10:00 in Montréal, offices open


def found(pattern: str, text: str) -> str:
    """The first group of `pattern` in `text`, which must hold it."""
    match = re.search(pattern, text)
    assert match, pattern
    return match.group(1)


def section(body: str, section_id: str) -> str:
    return body.split(f'id="{section_id}"')[1].split("</section>")[0]


def ids_in(fragment: str) -> list[str]:
    return re.findall(r'class="conversation-link" href="[^"]*">([^<]*)</a>', fragment)


def open_work(body: str) -> int:
    return int(found(r'id="open-work"[^>]*>[^<]*?(\d+)</a>', body))


@pytest.fixture(scope="module", autouse=True)
def recent_handoff(review_site: ReviewSite) -> None:
    record = {"kind": "handoff", "reason": "asked_for_person", "status": "open", "language": "fr", "at": "x"}
    write_events(
        review_site.tracker_url,
        "handoff-recent",
        [
            resident_message(RECENT_HANDOFF_TS, "Je veux parler à quelqu'un", "ask_for_human", "fr"),
            slot_event(RECENT_HANDOFF_TS, "flags", [record]),
        ],
    )


@pytest.mark.parametrize(
    ("asked", "due"),
    [
        ("2026-11-25T10:00:00-05:00", "2026-11-25T16:30:00-05:00"),  # offices open: "today, until 4:30 p.m."
        ("2026-11-27T17:45:00-05:00", "2026-11-30T16:30:00-05:00"),  # Friday evening: Monday
        ("2026-11-21T22:00:00-05:00", "2026-11-23T16:30:00-05:00"),  # Saturday night: Monday
        ("2026-12-23T17:00:00-05:00", "2027-01-04T16:30:00-05:00"),  # before the holiday break
        ("2026-07-03T13:00:00-04:00", "2026-07-06T16:30:00-04:00"),  # a summer Friday afternoon (closed at noon)
    ],
)
def test_the_deadline_is_the_end_of_the_business_day_the_resident_was_promised(asked: str, due: str) -> None:
    assert promised_deadline(datetime.fromisoformat(asked).timestamp()) == datetime.fromisoformat(due)


def test_age_reads_at_a_glance_in_both_languages() -> None:
    assert age_in_words(datetime(2026, 11, 25, 12) - datetime(2026, 11, 21, 22), "fr") == "3 j 14 h"
    assert age_in_words(datetime(2026, 11, 25, 12) - datetime(2026, 11, 21, 22), "en") == "3 d 14 h"
    assert age_in_words(datetime(2026, 11, 25, 12) - datetime(2026, 11, 25, 9, 55), "en") == "2 h 05"
    assert age_in_words(datetime(2026, 11, 25, 12) - datetime(2026, 11, 25, 11, 48), "fr") == "12 min"


def test_the_queue_lists_open_handoffs_oldest_first_with_age_deadline_and_overdue(admin: StaffClient) -> None:
    body = admin.get("/").body
    assert "<h1>À traiter</h1>" in body
    handoffs = section(body, "waiting-handoffs")
    ids = ids_in(handoffs)
    assert set(inbox_ids(admin, "flag=handoff%3Aopen")) == set(ids)  # every open handoff, nothing else
    asked = re.findall(r'<time class="asked-at">([^<]*)</time>', handoffs)
    assert asked == sorted(asked) and len(asked) == len(ids)
    assert ids[-2:] == ["handoff-en", "handoff-recent"]
    rows = handoffs.split("<tr")[2:]
    waiting_since_saturday = rows[ids.index("handoff-en")]
    assert '<time class="asked-at">2026-11-21 22:00</time>' in waiting_since_saturday
    assert '<td data-label="Attente" class="age">3 j 13 h</td>' in waiting_since_saturday  # since 22:00:01
    assert '<time class="deadline">2026-11-23 16:30</time> <strong class="overdue">En retard</strong>' in (
        waiting_since_saturday
    )
    this_morning = rows[ids.index("handoff-recent")]
    assert '<time class="deadline">2026-11-25 16:30</time>' in this_morning and "En retard" not in this_morning
    assert 'class="age">2 h 00</td>' in this_morning
    assert f"{len(ids) - 1} en retard" in handoffs  # all but this morning's


def test_flagged_conversations_follow_and_answered_emergencies_stand_apart(admin: StaffClient) -> None:
    body = admin.get("/").body
    flagged = ids_in(section(body, "to-review"))
    assert {"rude-en", "new-kind"} <= set(flagged)
    assert "emergency-fr" not in flagged and "handoff-en" not in flagged and "xss-resident" not in flagged
    emergencies = section(body, "answered-emergencies")
    assert "emergency-fr" in ids_in(emergencies)
    assert 'href="/?view=all&amp;flag=emergency&amp;reviewed=no"' in emergencies
    assert 'id="apply-filters"' in body  # the filters are still at hand, for the list of all conversations


def test_reviewed_and_closed_conversations_leave_the_queue_and_the_counter(admin: StaffClient) -> None:
    before = admin.get("/").body
    count = open_work(before)
    assert count == len(ids_in(section(before, "waiting-handoffs"))) + int(
        found(r'id="review-title">[^(]*\((\d+)\)', before)
    )
    token = admin.get("/conversation?id=rude-en").csrf_token()
    admin.post("/conversation/reviewed", {"id": "rude-en", "reviewed": "yes", "csrf_token": token})
    admin.post("/conversation/handoff", {"id": "handoff-en", "csrf_token": token})
    after = admin.get("/").body
    assert "rude-en" not in ids_in(section(after, "to-review"))
    assert "handoff-en" not in ids_in(section(after, "waiting-handoffs"))
    assert open_work(after) == count - 2
    for path in ("/overview", "/conversation?id=emergency-fr", "/?view=all&flag=emergency"):
        assert open_work(admin.get(path).body) == count - 2, path


def test_a_filter_or_the_all_view_gives_the_list_of_conversations(admin: StaffClient) -> None:
    assert "<h1>Toutes les conversations</h1>" in admin.get("/?flag=emergency").body
    assert "<h1>Toutes les conversations</h1>" in admin.get("/?view=all").body
    page_two = admin.get("/?page=2").body  # the queue's own pages stay in the queue
    assert "<h1>À traiter</h1>" in page_two


def test_staff_take_assign_and_release_conversations_seen_in_the_queue_mine_and_the_log(
    review_site: ReviewSite, admin: StaffClient, reviewer: StaffClient
) -> None:
    token = reviewer.get("/conversation?id=handoff-recent").csrf_token()
    assert reviewer.post("/conversation/assign", {"id": "handoff-recent", "holder": REVIEWER, "csrf_token": token})
    transcript = reviewer.get("/conversation?id=handoff-recent").body
    assert f'id="holder-state">Responsable : <strong>{REVIEWER}</strong>' in transcript and 'id="release"' in transcript
    queue = admin.get("/").body
    row = section(queue, "waiting-handoffs").split(">handoff-recent</a>")[1].split("</tr>")[0]
    assert f'class="holder">{REVIEWER}</td>' in row
    admin_token = admin.get("/conversation?id=new-kind").csrf_token()
    admin.post("/conversation/assign", {"id": "new-kind", "holder": REVIEWER, "csrf_token": admin_token})
    admin.post("/conversation/assign", {"id": "new-kind", "holder": "nobody-by-that-name", "csrf_token": admin_token})
    mine = reviewer.get("/?view=mine").body
    assert "<h1>Mes conversations</h1>" in mine and "Mes conversations (2)" in mine
    assert sorted(ids_in(mine)) == ["handoff-recent", "new-kind"]
    assert ids_in(admin.get("/?view=mine").body) == [] and "Mes conversations (0)" in admin.get("/").body
    assert sorted(inbox_ids(admin, f"holder={REVIEWER}")) == ["handoff-recent", "new-kind"]
    assert "new-kind" not in inbox_ids(admin, "holder=-&view=all")
    reviewer.post("/conversation/assign", {"id": "handoff-recent", "holder": "", "csrf_token": token})
    assert ids_in(reviewer.get("/?view=mine").body) == ["new-kind"]
    engine = sa.create_engine(review_site.review_url, future=True)
    with engine.connect() as connection:
        changes = connection.execute(
            sa.select(
                store.changes.c.sender_id, store.changes.c.change, store.changes.c.detail, store.changes.c.user_name
            )
            .where(store.changes.c.change.in_(["assigned", "unassigned"]))
            .order_by(store.changes.c.id)
        ).all()
    engine.dispose()
    assert [tuple(change) for change in changes] == [
        ("handoff-recent", "assigned", REVIEWER, REVIEWER),
        ("new-kind", "assigned", REVIEWER, ADMIN),
        ("handoff-recent", "unassigned", REVIEWER, REVIEWER),
    ]
    history = html.unescape(admin.get("/conversation?id=handoff-recent").body.split('id="history"')[1])
    assert f"{REVIEWER} · confiée à « {REVIEWER} »" in history and f"n'est plus confiée à « {REVIEWER} »" in history


def test_the_queue_shows_a_page_of_the_oldest_handoffs_and_counts_them_all(review_site: ReviewSite) -> None:
    engine = sa.create_engine(review_site.review_url, future=True)
    now = datetime.fromisoformat("2026-11-25T12:00:00-05:00")
    everything = action_queue(engine, now, page=1, page_size=50)
    first_two = action_queue(engine, now, page=1, page_size=2)
    engine.dispose()
    assert everything.waiting > 2 and first_two.waiting == everything.waiting
    assert [item.row.sender_id for item in first_two.handoffs] == [
        item.row.sender_id for item in everything.handoffs[:2]
    ]
    assert first_two.overdue == everything.overdue  # counted over all of them, not the page shown
