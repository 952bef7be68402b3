"""The review app on PostgreSQL (production's database): the assistant's tracker store and the review tables in a
throwaway database, pages read through the running app, and the conversations left untouched."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from review_fixtures import ADMIN, FIXTURE_NOW, GENERATED_UNTIL_TS, known_conversations, throwaway_postgres

from bench.review_app import PASSWORD, StaffClient, generate_tracker, review_environment, review_server, run_cli
from review.conversations import tracker_engine
from scripts.servers import environment

pytestmark = pytest.mark.dates  # also run under other clocks by `make test-dates`


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with throwaway_postgres() as url:
        yield url


def _event_rows(url: str) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT id, sender_id, data FROM events ORDER BY id")).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_review_app_reads_a_postgresql_tracker_store_and_never_writes_it(database: str, tmp_path: Path) -> None:
    generate_tracker(database, 40, seed=11, end=GENERATED_UNTIL_TS)
    known_conversations(database)
    before = _event_rows(database)
    env = review_environment(database, database)  # review tables next to Rasa's, as a one-database deployment
    created = run_cli(env, "users", "add", ADMIN, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    with review_server(database, database, tmp_path, frozen_time=FIXTURE_NOW) as server:
        client = StaffClient(server.base_url)
        assert client.log_in(ADMIN, PASSWORD).status == 303
        inbox = client.get("/?view=all").body
        assert "45 sur 45 conversations" in inbox  # 40 generated + 5 known, one page
        queue = client.get("/").body
        assert "<h1>À traiter</h1>" in queue and "handoff-en" in queue.split('id="waiting-handoffs"')[1]
        # Accents and hyphens folded in Python on both sides: the same LIKE finds them on PostgreSQL.
        hyphenated = client.get("/?search=nid-de-poule").body.split('id="count"')[1].split("</p>")[0]
        assert hyphenated == client.get("/?search=NID%20DE%20P%C3%94ULE").body.split('id="count"')[1].split("</p>")[0]
        assert ">0 sur 0" not in hyphenated
        assert client.get("/?end=9999-12-31").status == 200
        flagged = client.get("/?flag=emergency&language=fr").body
        assert 'href="/conversation?id=emergency-fr&amp;back=' in flagged
        assert ">0 sur 0 conversations" in client.get("/?search=%27%20OR%201%3D1--").body
        # A literal %, escaped the same way on PostgreSQL: no message holds "%", a wildcard would match them all.
        assert ">0 sur 0 conversations" in client.get("/?search=%25").body
        page = client.get("/conversation?id=emergency-fr")
        assert "Il y a un feu dans la maison de mon voisin" in page.body
        token = page.csrf_token()
        assert (
            client.post("/conversation/notes", {"id": "emergency-fr", "note": "vu", "csrf_token": token}).status == 303
        )
        assert (
            client.post("/conversation/reviewed", {"id": "emergency-fr", "reviewed": "yes", "csrf_token": token}).status
            == 303
        )
        assert "emergency-fr" in client.get("/?reviewed=yes").body
        assert client.get("/export.csv?flag=emergency").body.count("emergency-fr") >= 1
        assert client.get("/overview").status == 200
        # The key figures and the filters their links use, on PostgreSQL's SQL; bulk actions and saved views.
        overview = client.get("/overview?days=90").body
        assert 'id="kpi-fr"' in overview and 'id="kpi-other"' in overview and "Tendance hebdomadaire" in overview
        for flag in ("handoff:none", "handoff:replied", "emergency:any", "after_hours", "handoff:closed"):
            assert client.get(f"/?view=all&language=other&flag={flag}").status == 200, flag
        assert "emergency-fr" in client.get("/?view=all&language=fr&flag=emergency%3Aany").body
        bulk = {"csrf_token": token, "action": "tag", "tag": "pg", "id": ["emergency-fr", "rude-en"], "back": "/"}
        assert client.post("/bulk", bulk).headers["Location"] == "/?done=bulk&changed=2"
        saved = {"csrf_token": token, "name": "Étiquetées pg", "back": "/?view=all&tag=pg"}
        assert client.post("/views", saved).status == 303
        assert "Étiquetées pg" in client.get("/?view=all").body
        neighbours = client.get("/conversation?" + urlencode({"id": "rude-en", "back": "/?view=all&tag=pg"})).body
        assert 'id="previous-conversation"' in neighbours or 'id="next-conversation"' in neighbours
    assert _event_rows(database) == before  # the conversations themselves were never written


def test_tracker_connection_refuses_writes_on_postgresql(database: str) -> None:
    generate_tracker(database, 1, seed=12, end=GENERATED_UNTIL_TS)
    engine = tracker_engine(database)
    with pytest.raises(sa.exc.InternalError, match="read-only"), engine.connect() as connection:
        connection.execute(sa.text("DELETE FROM events"))
    engine.dispose()


def test_review_app_reads_the_assistants_postgres_url_in_the_paas_spelling(tmp_path: Path) -> None:
    """ASSISTANT_DATABASE_URL=postgres://… alone (REVIEW_TRACKER_DB_URL blank, as unset) points the review app at
    the assistant's PostgreSQL, as it points the assistant's tracker store there."""
    with throwaway_postgres() as url:
        known_conversations(url)
        paas_spelling = url.replace("postgresql://", "postgres://", 1)
        with environment({"ASSISTANT_DATABASE_URL": paas_spelling}):
            env = review_environment("", f"sqlite:///{tmp_path / 'review.db'}")
            created = run_cli(env, "users", "add", ADMIN, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
            assert created.returncode == 0, created.stderr
            with review_server("", f"sqlite:///{tmp_path / 'review.db'}", tmp_path, frozen_time=FIXTURE_NOW) as server:
                client = StaffClient(server.base_url)
                assert client.log_in(ADMIN, PASSWORD).status == 303
                assert "5 sur 5 conversations" in client.get("/?view=all").body
                page = client.get("/conversation?id=emergency-fr").body
                assert "Il y a un feu dans la maison de mon voisin" in page
