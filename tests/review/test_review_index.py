"""The review app's derived index: new events merged into the conversations they belong to, an event committed
after its successors (several Rasa instances on PostgreSQL) still indexed, a replaced tracker store re-indexed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from review_fixtures import throwaway_postgres

from bench.review_app import resident_message, slot_event
from review import index, store
from review.conversations import events, tracker_engine
from review.store import review_engine

pytestmark = pytest.mark.dates  # also run under other clocks by `make test-dates`


def _write(url: str, rows: list[tuple[int, str, dict[str, Any]]]) -> None:
    engine = sa.create_engine(url)
    events.metadata.create_all(engine)
    with engine.begin() as connection:
        for event_id, sender, event in rows:
            connection.execute(
                events.insert().values(
                    id=event_id,
                    sender_id=sender,
                    type_name=event["event"],
                    timestamp=event["timestamp"],
                    data=json.dumps(event),
                )
            )
    engine.dispose()


def _conversations(review: sa.engine.Engine) -> dict[str, Any]:
    with review.connect() as connection:
        return {row.sender_id: row for row in connection.execute(sa.select(store.conversations))}


def test_index_merges_new_events_and_picks_up_an_event_committed_late(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    ts = 1795014000.0
    _write(
        url,
        [
            (1, "anne", resident_message(ts, "Bonjour", "greet", "fr")),
            (2, "anne", slot_event(ts, "language", "fr")),
            (4, "bill", resident_message(ts + 5, "When is pickup?", "ask_city_services", "en")),
        ],
    )
    tracker, review = tracker_engine(url), review_engine(f"sqlite:///{tmp_path / 'review.db'}")
    assert index.refresh(tracker, review) == 3
    assert set(_conversations(review)) == {"anne", "bill"}

    # Event 3 was taken by another instance before event 4 but committed after it was read.
    _write(url, [(3, "carl", resident_message(ts + 3, "Il y a un feu", "report_life_threatening_emergency", "fr"))])
    _write(url, [(5, "anne", resident_message(ts + 60, "Merci", "thank", "fr"))])
    assert index.refresh(tracker, review) == 2
    conversations = _conversations(review)
    assert conversations["carl"].urgent and "|emergency|" in conversations["carl"].flags
    assert conversations["anne"].user_messages == 2 and conversations["anne"].last_text == "Merci"
    assert conversations["anne"].intents == "|greet|thank|"
    with review.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(store.index_gaps)).scalar_one() == 0
        assert connection.execute(sa.select(sa.func.count()).select_from(store.messages)).scalar_one() == 4
    assert index.refresh(tracker, review) == 0  # nothing new: nothing read


def test_a_message_stored_after_an_outage_is_marked_for_staff_in_the_queue_filter_and_transcript(
    tmp_path: Path,
) -> None:
    """A message the tracker store took only at replay (its metadata carries the spool's marker) is flagged
    "outage", with why and when it was spooled: in the action queue (the resident may have had only the fallback),
    under its own filter, and on the message in the transcript."""
    from review.conversations import conversation_events, transcript
    from review.flags import OUTAGE
    from review.i18n import Translator
    from review.inbox import Filters, matching_rows

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    ts = 1795014000.0  # Wednesday 2026-11-18 10:00 in Montréal, office hours
    spooled = resident_message(ts + 60, "Y a-tu quelqu'un?", "greet", "fr")
    spooled["metadata"] = {"spooled": {"reason": "tracker_store_unreachable", "at": ts + 61}}
    _write(
        url,
        [
            (1, "during-outage", resident_message(ts, "Bonjour", "greet", "fr")),
            (2, "during-outage", spooled),
            (3, "quiet-day", resident_message(ts, "Bonjour", "greet", "fr")),
        ],
    )
    tracker, review = tracker_engine(url), review_engine(f"sqlite:///{tmp_path / 'review.db'}")
    index.refresh(tracker, review)
    conversations = _conversations(review)
    assert f"|{OUTAGE}|" in conversations["during-outage"].flags and conversations["during-outage"].attention
    assert OUTAGE not in conversations["quiet-day"].flags and not conversations["quiet-day"].attention
    assert [row.sender_id for row in matching_rows(review, Filters(flag=OUTAGE), 10)] == ["during-outage"]

    first, second = transcript(conversation_events(tracker, "during-outage"), "during-outage").resident_turns
    assert [flag.kind for flag in first.flags] == []
    [outage] = [flag for flag in second.flags if flag.kind == OUTAGE]
    french = Translator("fr")
    assert french.flag(OUTAGE) == "Reçu pendant une panne"
    assert french.details(outage.details) == [
        "date : 2026-11-18 10:01",
        "motif : base de données des conversations injoignable",
    ]


def test_a_replaced_tracker_store_is_indexed_again_from_scratch(tmp_path: Path) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    ts = 1795014000.0
    _write(f"sqlite:///{first}", [(n, f"old-{n}", resident_message(ts, "allo", "greet", "fr")) for n in (1, 2, 3)])
    _write(f"sqlite:///{second}", [(1, "new-1", resident_message(ts, "hello", "greet", "en"))])
    review = review_engine(f"sqlite:///{tmp_path / 'review.db'}")
    index.refresh(tracker_engine(f"sqlite:///{first}"), review)
    index.refresh(tracker_engine(f"sqlite:///{second}"), review)
    assert set(_conversations(review)) == {"new-1"}


def test_no_tracker_table_yet_is_an_empty_index_not_an_error(tmp_path: Path) -> None:
    review = review_engine(f"sqlite:///{tmp_path / 'review.db'}")
    assert index.refresh(tracker_engine(f"sqlite:///{tmp_path / 'missing.db'}"), review) == 0
    assert _conversations(review) == {}


def test_search_finds_a_message_written_after_the_summarys_search_text_is_full(tmp_path: Path) -> None:
    from review.inbox import Filters, inbox_page

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    ts = 1795014000.0
    long_message = "Je voudrais signaler un problème de déneigement dans ma rue. " * 80  # > index.SEARCH_CHARS
    _write(
        url,
        [
            (1, "dora", resident_message(ts, long_message, "report_problem", "fr")),
            (2, "dora", resident_message(ts + 60, "Aussi: lampadaire brisé au coin", "report_problem", "fr")),
            (3, "emil", resident_message(ts + 5, "Bonjour", "greet", "fr")),
        ],
    )
    tracker, review = tracker_engine(url), review_engine(f"sqlite:///{tmp_path / 'review.db'}")
    index.refresh(tracker, review)
    assert len(_conversations(review)["dora"].search) <= index.SEARCH_CHARS
    found = inbox_page(review, Filters.from_query({"search": ["LAMPADAIRE"]}), 50)
    assert [row.sender_id for row in found.rows] == ["dora"]
    assert inbox_page(review, Filters.from_query({"search": ["%"]}), 50).total == 0  # a literal %, not a wildcard


# The columns this version added to a review database made by the one before (issue 16).
ADDED_SINCE_VERSION_1 = {
    "review_notes": {"edited_at", "edited_by"},
    "review_marks": {"assigned_to"},
    "review_conversations": {"handoff_times", "attention"},
    "review_messages": {"search"},
}


def _version_1_database(url: str) -> None:
    """The review tables as the previous version created them, with a note, a mark and an index row."""
    old = sa.MetaData()
    for table in store.metadata.sorted_tables:
        missing = ADDED_SINCE_VERSION_1.get(table.name, set())
        sa.Table(table.name, old, *[column.copy() for column in table.columns if column.name not in missing])
    engine = sa.create_engine(url, future=True)
    old.create_all(engine)
    with engine.begin() as connection:
        connection.execute(old.tables["review_notes"].insert().values(sender_id="a", text="vu", user_name="x", at=1.0))
        connection.execute(old.tables["review_marks"].insert().values(sender_id="a", reviewed=True, handoffs_closed=1))
        connection.execute(
            old.tables["review_conversations"].insert().values(
                sender_id="a", first_ts=1.0, last_ts=2.0, user_messages=1, language="fr", channels="", intents="",
                flags="", urgent=False, handoffs=1, search="égout", last_text="égout",
            )
        )  # fmt: skip
        connection.execute(old.tables["review_index_state"].insert().values(name="last_event_id", value=7))
    engine.dispose()


def _upgrades_keeping_staff_data_and_rebuilding_the_index(url: str, tracker_url: str) -> None:
    _version_1_database(url)
    review = review_engine(url)
    columns = {
        name: {column["name"] for column in sa.inspect(review).get_columns(name)} for name in ADDED_SINCE_VERSION_1
    }
    assert all(added <= columns[name] for name, added in ADDED_SINCE_VERSION_1.items()), columns
    with review.connect() as connection:
        assert connection.execute(sa.select(store.notes.c.text, store.notes.c.edited_at)).all() == [("vu", None)]
        mark = connection.execute(sa.select(store.marks)).one()
        assert (mark.reviewed, mark.handoffs_closed, mark.assigned_to) == (True, 1, None)
        assert connection.execute(sa.select(sa.func.count()).select_from(store.conversations)).scalar_one() == 0
        assert dict(connection.execute(sa.select(store.index_state.c.name, store.index_state.c.value)).all()) == {
            store.INDEX_VERSION_KEY: store.INDEX_VERSION
        }
    _write(tracker_url, [(1, "a", resident_message(10.0, "L'égout déborde", "report_problem", "fr"))])
    index.refresh(tracker_engine(tracker_url), review)
    assert _conversations(review)["a"].search.split() == ["l", "egout", "deborde"]
    review.dispose()
    review_engine(url).dispose()  # the next start leaves the rebuilt index alone
    with sa.create_engine(url).connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(store.conversations)).scalar_one() == 1


def test_a_review_database_of_the_previous_version_is_upgraded_on_sqlite(tmp_path: Path) -> None:
    _upgrades_keeping_staff_data_and_rebuilding_the_index(
        f"sqlite:///{tmp_path / 'review.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    )


def test_a_review_database_of_the_previous_version_is_upgraded_on_postgresql(tmp_path: Path) -> None:
    with throwaway_postgres() as url:
        _upgrades_keeping_staff_data_and_rebuilding_the_index(url, f"sqlite:///{tmp_path / 'tracker.db'}")
