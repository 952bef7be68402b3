"""Retention and deletion (Québec's Law 25, issue 17 item 3), on SQLite (tracker and review in two files) and on
PostgreSQL (both in one throwaway database, as a one-database deployment): the purge deletes exactly what is
older than the period, by a fixed clock; a dry run deletes nothing and counts what the real run deletes; a
deletion request leaves no row of the resident in any table of either database, read by direct SQL over every
table the databases list; its audit record names no one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from review_fixtures import throwaway_postgres

from bench.review_app import resident_message, review_environment, run_cli, slot_event, write_events
from pointe_claire.clock import FROZEN_TIME_ENV, MONTREAL
from pointe_claire.spool import Spool
from review import audit, index, retention, store
from review.store import review_engine

FIXED_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=MONTREAL)
DAYS = 30
CUTOFF = retention.cutoff(FIXED_NOW, DAYS)  # 2026-10-26 12:00 Montréal
DAY = 86400.0
RESIDENT = "1480022987"  # an X user id: the resident who asks to be forgotten
RESIDENT_IDS = (f"x:dm:{RESIDENT}", f"x:public:{RESIDENT}")
NEIGHBOUR = "x:dm:5550001"
OPERATOR = "privacy-officer"


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(tracker URL, review URL), filled by `_fill`."""
    if request.param == "sqlite":
        urls = (f"sqlite:///{tmp_path / 'tracker.db'}", f"sqlite:///{tmp_path / 'review.db'}")
        _fill(*urls)
        yield urls
        return
    with throwaway_postgres() as url:
        _fill(url, url)
        yield url, url


def _message(tracker_url: str, sender: str, ts: float, text: str) -> None:
    write_events(tracker_url, sender, [resident_message(ts, text, "greet", "fr")])


def _fill(tracker_url: str, review_url: str) -> None:
    """Conversations on both sides of the cutoff, staff rows of every kind, spool replays and login attempts."""
    from pointe_claire.tracker_store import spool_replays  # imports Rasa: only when a test needs the table

    write_events(
        tracker_url,
        "old-only",
        [resident_message(CUTOFF - 10 * DAY, "vieux message", "greet", "fr"), slot_event(CUTOFF - 10 * DAY, "x", 1)],
    )
    _message(tracker_url, "across", CUTOFF - 1, "juste avant la limite")
    _message(tracker_url, "across", CUTOFF, "exactement à la limite")  # not older than the period: kept
    _message(tracker_url, "across", CUTOFF + 1, "juste après la limite")
    _message(tracker_url, "recent", CUTOFF + DAY, "récent")
    for sender in RESIDENT_IDS:
        _message(tracker_url, sender, CUTOFF + DAY, f"c'est moi, {RESIDENT} sur X")
        _message(tracker_url, sender, CUTOFF - DAY, "une vieille question")
    _message(tracker_url, NEIGHBOUR, CUTOFF + DAY, "la voisine")
    tracker = sa.create_engine(tracker_url, future=True)
    spool_replays.create(tracker, checkfirst=True)
    with tracker.begin() as connection:
        for number, (sender, at) in enumerate(
            [("old-only", CUTOFF - DAY), ("recent", CUTOFF + DAY), (RESIDENT_IDS[0], CUTOFF + DAY)]
        ):
            connection.execute(
                spool_replays.insert().values(spool_file=f"file{number}", sender_id=sender, last_seq=3, replayed_at=at)
            )
    review = review_engine(review_url)
    index.refresh(tracker, review)
    with review.begin() as connection:
        for sender, at in [("old-only", CUTOFF + DAY), ("recent", CUTOFF - 1), ("recent", CUTOFF + 1)]:
            connection.execute(store.notes.insert().values(sender_id=sender, text=f"note {at}", user_name="bob", at=at))
            connection.execute(store.tags.insert().values(sender_id=sender, tag=f"t{at}", user_name="bob", at=at))
            connection.execute(
                store.changes.insert().values(sender_id=sender, change="note_added", user_name="bob", at=at)
            )
        for sender in ("old-only", "recent", *RESIDENT_IDS, NEIGHBOUR):
            connection.execute(store.marks.insert().values(sender_id=sender, reviewed=True, handoffs_closed=0))
            connection.execute(
                store.notes.insert().values(sender_id=sender, text="suivi", user_name="bob", at=CUTOFF + DAY)
            )
        for at in (CUTOFF - 1, CUTOFF + 1):
            connection.execute(
                store.login_attempts.insert().values(username="bob", address="10.0.0.1", at=at, succeeded=True)
            )
    tracker.dispose()
    review.dispose()


def _engines(stores: tuple[str, str]) -> tuple[sa.engine.Engine, sa.engine.Engine]:
    tracker_url, review_url = stores
    return retention.writable_tracker(tracker_url), review_engine(review_url)


def every_row(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table the database lists (its own catalogue, not our list of tables)."""
    engine = sa.create_engine(url, future=True)
    found: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for name in sa.inspect(connection).get_table_names():
            rows = connection.execute(sa.text(f'SELECT * FROM "{name}"')).mappings().all()
            found[name] = sorted((dict(row) for row in rows), key=repr)
    engine.dispose()
    return found


def _where(url: str, table: str, column: str, *values: Any) -> set[Any]:
    return {row[column] for row in every_row(url)[table] if not values or row["sender_id"] in values}


def test_purge_removes_exactly_what_is_older_than_the_period(stores: tuple[str, str]) -> None:
    tracker_url, review_url = stores
    before = every_row(tracker_url)["events"]
    tracker, review = _engines(stores)
    outcome = retention.purge(tracker, review, CUTOFF, FIXED_NOW.timestamp(), False, OPERATOR)
    tracker.dispose()
    review.dispose()

    after = every_row(tracker_url)
    kept = sorted(row["id"] for row in before if row["timestamp"] >= CUTOFF)
    assert sorted(row["id"] for row in after["events"]) == kept
    assert len(kept) < len(before) and outcome.deleted["events"] == len(before) - len(kept)
    assert {row["sender_id"] for row in after["spool_replays"]} == {"recent", RESIDENT_IDS[0]}
    reviewed = every_row(review_url)
    conversations = {row["sender_id"]: row for row in reviewed["review_conversations"]}
    assert set(conversations) == {"across", "recent", *RESIDENT_IDS, NEIGHBOUR}
    # What is left of a conversation across the limit is indexed again: its two messages from the limit on.
    assert conversations["across"]["user_messages"] == 2 and conversations["across"]["first_ts"] == CUTOFF
    assert "avant" not in conversations["across"]["search"]
    assert all(row["ts"] >= CUTOFF for row in reviewed["review_messages"])
    assert len(reviewed["review_messages"]) == sum(1 for row in after["events"] if row["type_name"] == "user")
    # Staff rows: older than the period, or of a conversation nothing is left of, are gone; the others stay.
    for table in ("review_notes", "review_tags", "review_changes"):
        assert "old-only" not in {row["sender_id"] for row in reviewed[table]}, table
        assert all(row["at"] >= CUTOFF for row in reviewed[table]), table
    assert ("recent", CUTOFF + 1) in {(row["sender_id"], row["at"]) for row in reviewed["review_notes"]}
    assert {row["sender_id"] for row in reviewed["review_marks"]} == {"recent", *RESIDENT_IDS, NEIGHBOUR}
    assert [row["at"] for row in reviewed["review_login_attempts"]] == [CUTOFF + 1]
    assert outcome.conversations == 1  # old-only
    (record,) = [row for row in reviewed["review_audit"] if row["action"] == audit.PURGE]
    assert record["user_name"] == OPERATOR and record["rows"] == outcome.rows
    assert json.loads(record["detail"])["oldest_kept"] == "2026-10-26T12:00:00-04:00"


def test_a_dry_run_deletes_nothing_and_counts_what_the_purge_deletes(stores: tuple[str, str]) -> None:
    tracker_url, review_url = stores
    before = (every_row(tracker_url), every_row(review_url))
    tracker, review = _engines(stores)
    dry = retention.purge(tracker, review, CUTOFF, FIXED_NOW.timestamp(), True, OPERATOR)
    assert (every_row(tracker_url), every_row(review_url)) == before  # not a row changed, no audit record either
    real = retention.purge(tracker, review, CUTOFF, FIXED_NOW.timestamp(), False, OPERATOR)
    tracker.dispose()
    review.dispose()
    assert dry.deleted == real.deleted and dry.rows > 0
    assert {name for name, count in dry.deleted.items() if count} >= {
        "events",
        "spool_replays",
        "review_messages",
        "review_conversations",
        "review_notes",
        "review_tags",
        "review_changes",
        "review_marks",
        "review_login_attempts",
    }


def _mentions(url: str, needle: str) -> list[tuple[str, dict[str, Any]]]:
    """The rows of any table in which any value holds `needle`."""
    return [
        (table, row)
        for table, rows in every_row(url).items()
        for row in rows
        if any(needle in str(value) for value in row.values())
    ]


def test_a_deletion_request_leaves_no_row_of_the_resident_in_either_database(stores: tuple[str, str]) -> None:
    tracker_url, review_url = stores
    tracker, review = _engines(stores)
    with tracker.begin() as connection:  # a table added later, which no list in the code names
        connection.execute(sa.text("CREATE TABLE future_records (sender_id VARCHAR(255), note TEXT)"))
        connection.execute(sa.text(f"INSERT INTO future_records VALUES ('{RESIDENT_IDS[0]}', 'x'), ('recent', 'y')"))
    assert _mentions(tracker_url, RESIDENT) and _mentions(review_url, RESIDENT)

    found = retention.conversations_of(tracker, review, "x", RESIDENT)
    assert found == sorted(RESIDENT_IDS)  # both of the resident's X conversations, not the neighbour's
    outcome = retention.forget(tracker, review, found, "ATI-2026-0042", OPERATOR, how="platform_id:x")
    index.refresh(tracker, review)  # nothing comes back into the index either
    tracker.dispose()
    review.dispose()

    for url in {tracker_url, review_url}:
        assert _mentions(url, RESIDENT) == []
        for sender in RESIDENT_IDS:
            assert _mentions(url, sender) == []
    assert _mentions(tracker_url, NEIGHBOUR) and _mentions(review_url, NEIGHBOUR)  # nobody else's rows
    assert _where(tracker_url, "future_records", "sender_id") == {"recent"}
    assert outcome.conversations == 2 and outcome.deleted["future_records"] == 1
    (record,) = [row for row in every_row(review_url)["review_audit"] if row["action"] == audit.FORGET]
    detail = json.loads(record["detail"])
    assert detail["reference"] == "ATI-2026-0042" and detail["by"] == "platform_id:x"
    assert detail["conversations"] == 2 and detail["events"] == 4 and record["rows"] == outcome.rows
    assert record["user_name"] == OPERATOR


def test_a_platform_id_finds_only_that_residents_conversations(tmp_path: Path) -> None:
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    for sender in ("x:dm:777", "x:public:777", "x:dm:7770", "x:dm:1777", "facebook:777", "777", "x:a:b:777"):
        write_events(tracker_url, sender, [resident_message(CUTOFF, "bonjour", "greet", "fr")])
    tracker, review = retention.writable_tracker(tracker_url), review_engine(f"sqlite:///{tmp_path / 'r.db'}")
    assert retention.conversations_of(tracker, review, "x", "777") == ["x:dm:777", "x:public:777"]
    assert retention.conversations_of(tracker, review, "facebook", "777") == ["facebook:777"]
    assert retention.conversations_of(tracker, review, "rest", "777") == ["777"]
    assert retention.conversations_of(tracker, review, "x", "7_7") == []  # LIKE wildcards are literal
    for channel, platform_id in (("x", ""), ("x", "a:777"), ("sms", "777")):
        with pytest.raises(retention.RequestRefused):
            retention.conversations_of(tracker, review, channel, platform_id)
    for reference in ("Jean Tremblay", "Tremblay", "", "x" * 41 + "1"):
        with pytest.raises(retention.RequestRefused):
            retention.forget(tracker, review, ["777"], reference, OPERATOR)
    tracker.dispose()
    review.dispose()


def test_make_purge_and_make_forget_from_the_command_line(tmp_path: Path) -> None:
    """`python -m review purge|forget` as the Makefile runs them: the clock pinned, the period from RETENTION_DAYS."""
    urls = (f"sqlite:///{tmp_path / 'tracker.db'}", f"sqlite:///{tmp_path / 'review.db'}")
    _fill(*urls)
    env = {
        **review_environment(*urls),
        FROZEN_TIME_ENV: FIXED_NOW.isoformat(),
        "RETENTION_DAYS": str(DAYS),
        "ASSISTANT_SPOOL_DIR": str(tmp_path / "spool"),
    }
    before = every_row(urls[0])
    dry = run_cli(env, "purge", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert (
        dry.stdout.startswith(f"would delete, older than {DAYS} days:") and "\nevents\t5\n" in dry.stdout
    )  # old-only 2, across 1, the resident 2
    assert every_row(urls[0]) == before
    done = run_cli(env, "purge")
    assert done.returncode == 0 and "\nevents\t5\n" in done.stdout, done.stderr
    assert min(row["timestamp"] for row in every_row(urls[0])["events"]) == CUTOFF

    refused = run_cli(env, "forget", "--reference", "Jean Tremblay", "--conversation", RESIDENT_IDS[0])
    assert refused.returncode == 2 and "bad_reference" in refused.stderr
    spool = Spool(tmp_path / "spool")  # a message this host could not store yet, waiting for its replay
    spool.append(RESIDENT_IDS[0], [resident_message(CUTOFF + DAY, "en attente", "greet", "fr")])
    forgot = run_cli(env, "forget", "--reference", "ATI-7", "--channel", "x", "--platform-id", RESIDENT)
    assert forgot.returncode == 0 and forgot.stdout.startswith("deleted: 2 conversation(s)"), forgot.stderr
    assert "\nspool files\t1" in forgot.stdout and spool.files() == []
    assert RESIDENT not in forgot.stdout + forgot.stderr
    assert _mentions(urls[0], RESIDENT) == [] and _mentions(urls[1], RESIDENT) == []
    actions = [row["action"] for row in every_row(urls[1])["review_audit"]]
    assert sorted(actions) == [audit.FORGET, audit.PURGE]


COMMENTER = "7203311958"  # a Facebook user's page-scoped id: the commenter who asks to be forgotten
THREAD = "facebook_comments:111_2001"  # their comment thread, named by its first comment
OTHER_THREAD = "facebook_comments:111_2002"


def _comment(ts: float, comment_id: str, author_id: str, text: str) -> dict[str, Any]:
    message = resident_message(ts, text, "netiquette_violation", "fr")
    record = {"platform": "facebook", "comment_id": comment_id, "post_id": "111_9", "author_id": author_id}
    return {**message, "metadata": {"public_comment": record}}


def test_a_commenter_is_forgotten_in_the_moderation_records_too_and_old_ones_are_purged(tmp_path: Path) -> None:
    """A deletion request by a commenter's platform id finds their comment threads (named by comment, not by
    author), and leaves none of their ids in the moderation tables: the comment's state deleted, the audit
    records of actions on it kept with the ids replaced by the request's reference. The purge removes moderation
    states and records older than the period."""
    from review import moderation_log

    tracker_url, review_url = f"sqlite:///{tmp_path / 'tracker.db'}", f"sqlite:///{tmp_path / 'review.db'}"
    write_events(tracker_url, THREAD, [_comment(CUTOFF + DAY, "111_2001", COMMENTER, "espèce d'idiot")])
    write_events(tracker_url, OTHER_THREAD, [_comment(CUTOFF + DAY, "111_2002", "8800", "merci!")])
    review = review_engine(review_url)
    for action, target, at in (("hide", "111_2001", CUTOFF + DAY), ("hide", "111_2002", CUTOFF - DAY)):
        detail = {
            "platform": "facebook",
            "comment_id": target,
            "author_id": COMMENTER if target == "111_2001" else "8800",
        }
        answer = {"ok": True, "attempts": 1, "answer": {"success": True, "id": target}}
        moderation_log.record_action(
            review, action, "claire", "facebook", target, {**detail, "rule": "abuse"}, answer, at
        )
    tracker = retention.writable_tracker(tracker_url)

    found = retention.conversations_of(tracker, review, "facebook_comments", COMMENTER)
    assert found == [THREAD]
    outcome = retention.forget(tracker, review, found, "ATI-2026-0077", OPERATOR, how="platform_id:facebook_comments")
    assert outcome.deleted["review_moderation"] == 1 and outcome.deleted["review_audit (moderation)"] == 1
    for url in (tracker_url, review_url):
        assert _mentions(url, COMMENTER) == [] and _mentions(url, "111_2001") == []
    records = [row for row in every_row(review_url)["review_audit"] if row["action"] == "moderation_hide"]
    kept = [json.loads(row["detail"]) for row in records if "ATI-2026-0077" in row["detail"]]
    assert [(detail["rule"], detail["comment_id"]) for detail in kept] == [("abuse", "forgotten (ATI-2026-0077)")]
    assert _mentions(review_url, "8800")  # the other commenter's records stay

    purged = retention.purge(tracker, review, CUTOFF, FIXED_NOW.timestamp(), False, OPERATOR)
    assert purged.deleted["review_moderation"] == 1 and purged.deleted["review_audit (moderation)"] == 1
    moderation = [
        (table, row)
        for table, row in _mentions(review_url, "111_2002")
        if table.startswith(("review_audit", "review_moderation"))
    ]
    assert moderation == []  # moderated before the period: its state and record gone, its recent thread kept
    assert len([row for row in every_row(review_url)["review_audit"] if row["action"] == "moderation_hide"]) == 1
    tracker.dispose()
    review.dispose()
