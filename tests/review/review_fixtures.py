"""What the review app tests share: a tracker store with known conversations, the app called in-process, and a
logged-in client per account.

A plain module (not conftest) so test modules can import it by a name no other conftest.py shadows.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import httpx2
import psycopg2
import pytest
from sanic import Sanic

from bench.review_app import (
    PASSWORD,
    Response,
    StaffClient,
    resident_message,
    slot_event,
    write_events,
)

SCRIPT_MESSAGE = '<script>alert("pwned")</script><b>gras</b> <img src=x onerror=alert(1)>'
ADMIN, REVIEWER = "alice", "bob"
OFFICE_HOURS_TS = 1795014000.0  # Wednesday 2026-11-18 10:00 in Montréal: offices open
AFTER_HOURS_TS = 1795316400.0  # Saturday 2026-11-21 22:00: closed
# The review app's clock in these tests, and the end of the window the generated conversations fill (the 60 days
# before Tuesday 2026-11-17 00:00): the known conversations' days hold no generated one, whatever day tests run.
FIXTURE_NOW = "2026-11-25T12:00:00-05:00"
GENERATED_UNTIL_TS = 1794891600.0


class Lifespan:
    """The app's ASGI lifespan, run once as an ASGI server runs it: start-up (routes finalised, the index built by
    `before_server_start`) before the first request, shutdown after the last."""

    def __init__(self, app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        self._app, self._loop = app, loop
        self._to_app: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self._task: asyncio.Future[Any] | None = None

    async def _step(self, kind: str) -> None:
        assert self._task is not None
        await self._to_app.put({"type": f"lifespan.{kind}"})
        answer: asyncio.Future[Any] = asyncio.ensure_future(self._from_app.get())
        await asyncio.wait([answer, self._task], return_when=asyncio.FIRST_COMPLETED)
        if not answer.done():  # the app failed before answering: its error, not a wait without end
            answer.cancel()
            self._task.result()
            raise AssertionError(f"the app's lifespan ended without completing {kind}")
        assert answer.result()["type"] == f"lifespan.{kind}.complete", answer.result()

    def start(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        self._task = self._loop.create_task(self._app(scope, self._to_app.get, self._from_app.put))
        self._loop.run_until_complete(self._step("startup"))

    def stop(self) -> None:
        assert self._task is not None
        self._loop.run_until_complete(self._step("shutdown"))
        # Once shutdown is complete, Sanic 21.12 goes on to handle the lifespan scope as if it were a request and
        # fails (AttributeError: no request); an ASGI server logs it after its shutdown, here it is dropped.
        with contextlib.suppress(AttributeError):
            self._loop.run_until_complete(self._task)


class InProcessClient(StaffClient):
    """StaffClient on the app called in-process (ASGI) instead of over a socket: the same requests, cookies kept
    like a browser's, redirects not followed."""

    def __init__(self, app: Sanic, loop: asyncio.AbstractEventLoop) -> None:  # no base URL, no opener
        transport = httpx2.ASGITransport(app=app, client=("127.0.0.1", 50000))
        self._client = httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1", follow_redirects=False)
        self._loop = loop
        self.cookies = self._client.cookies.jar  # an http.cookiejar.CookieJar, as StaffClient's

    def send(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        answer = self._loop.run_until_complete(self._client.request(method, path, content=body, headers=headers))
        message = Message()  # case-insensitive, repeated headers (Set-Cookie) kept: as StaffClient's responses
        for name, value in answer.headers.multi_items():
            message[name] = value
        return Response(answer.status_code, answer.content.decode("utf-8", "replace"), message)

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())


@dataclass
class ReviewSite:
    app: Sanic
    loop: asyncio.AbstractEventLoop
    tracker_url: str
    review_url: str
    env: dict[str, str]
    clients: list[InProcessClient] = field(default_factory=list)

    def client(self, name: str | None = ADMIN) -> InProcessClient:
        client = InProcessClient(self.app, self.loop)
        self.clients.append(client)
        if name:
            response = client.log_in(name, PASSWORD)
            assert response.status == 303, response.body[:500]
        return client


def known_conversations(tracker_url: str) -> None:
    """Conversations the tests look for by id, next to 60 generated ones."""
    ts = OFFICE_HOURS_TS
    write_events(
        tracker_url,
        "xss-resident",
        [
            resident_message(ts, SCRIPT_MESSAGE, "report_problem", "fr"),
            {"event": "bot", "timestamp": ts + 1, "text": "Merci <b>pour</b> votre message", "data": {}},
        ],
    )
    write_events(
        tracker_url,
        "emergency-fr",
        [
            resident_message(
                ts + 10,
                "Il y a un feu dans la maison de mon voisin",
                "report_life_threatening_emergency",
                "fr",
                safety_net={"kind": "life_threatening", "phrase": "feu"},
            ),
            slot_event(ts + 10, "language", "fr"),
            {"event": "action", "timestamp": ts + 11, "name": "utter_life_threatening_emergency"},
        ],
    )
    write_events(
        tracker_url,
        "handoff-en",
        [
            resident_message(AFTER_HOURS_TS, "I want to talk to a human", "ask_for_human", "en"),
            {"event": "action", "timestamp": AFTER_HOURS_TS + 1, "name": "action_hand_off_to_staff"},
            slot_event(
                AFTER_HOURS_TS + 1,
                "flags",
                [{"kind": "handoff", "reason": "asked_for_person", "status": "open", "language": "en", "at": "x"}],
            ),
        ],
    )
    # A flag kind nobody has written a label for yet: it must appear by its raw name, filterable.
    write_events(
        tracker_url,
        "new-kind",
        [
            resident_message(
                ts + 20, "Je suis journaliste au Devoir, mon numéro est [PHONE]", "ask_media_relations", "fr"
            ),
            slot_event(ts + 20, "flags", [{"kind": "press_deadline", "due": "today"}]),
        ],
    )
    write_events(
        tracker_url,
        "rude-en",
        [
            resident_message(
                ts + 30,
                "You are all idiots and I will find you",
                "netiquette_violation",
                "en",
                netiquette=[{"rule": "abuse", "threat": True, "language": "en"}],
            ),
        ],
    )


POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"


def _postgres_admin(sql: str) -> None:
    connection = psycopg2.connect(f"{POSTGRES_SERVER}/test")
    connection.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A database of its own on the machine's PostgreSQL (others may run these tests at the same time), dropped
    after the block; the test is skipped, saying why, when PostgreSQL is not there."""
    try:
        psycopg2.connect(f"{POSTGRES_SERVER}/test", connect_timeout=3).close()
    except psycopg2.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {error}")
    name = f"review_test_{uuid.uuid4().hex[:10]}"
    _postgres_admin(f"CREATE DATABASE {name}")
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        _postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
