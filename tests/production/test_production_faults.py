"""PostgreSQL or Redis unreachable: the resident still gets the emergency numbers, the error is logged once per
burst (and the rest of the burst when service resumes), service resumes by itself when the server returns, and the
messages of the outage reach PostgreSQL afterwards (the spool), in order, once, redacted.

One assistant (action server + Rasa) reaches the machine's real PostgreSQL and Redis through TCP forwarders the
test cuts and restores: the real servers keep running for everyone else.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pointe_claire.city_facts import load_city_facts
from pointe_claire.language import LinguaIdentifier
from pointe_claire.redaction import default_redactor
from scripts.servers import Assistant, running_assistant
from tests.production.support import POSTGRES_ADMIN, REDIS_HOST, REDIS_PORT, Databases, TcpProxy

FACTS = load_city_facts().variables
IDENTIFIER = LinguaIdentifier()
EMERGENCY_NUMBERS = (FACTS["phone_municipal_emergency"], FACTS["phone_emergency"], FACTS["phone_general"])
BURST = 6


@pytest.fixture(scope="module")
def proxies() -> Iterator[dict[str, TcpProxy]]:
    opened = {
        "postgres": TcpProxy(str(POSTGRES_ADMIN["host"]), int(POSTGRES_ADMIN["port"])),  # type: ignore[call-overload]
        "redis": TcpProxy(REDIS_HOST, REDIS_PORT),
    }
    yield opened
    for proxy in opened.values():
        proxy.shutdown()


@pytest.fixture(scope="module")
def assistant_behind_proxies(
    databases: Databases, proxies: dict[str, TcpProxy], trained_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Assistant]:
    with pytest.MonkeyPatch.context() as environment:
        url = databases.url.replace(f":{POSTGRES_ADMIN['port']}/", f":{proxies['postgres'].port}/")
        environment.setenv("ASSISTANT_DATABASE_URL", url)
        environment.setenv("ASSISTANT_REDIS_URL", f"redis://127.0.0.1:{proxies['redis'].port}/0")
        environment.setenv("ASSISTANT_REDIS_KEY_PREFIX", databases.key_prefix)
        environment.setenv("ASSISTANT_FROZEN_TIME", "2026-11-27T17:45:00-05:00")
        with running_assistant(trained_model, tmp_path_factory.mktemp("faults")) as running:
            yield running


def log_lines(assistant: Assistant, words: str) -> int:
    return sum(words in line for line in (assistant.workdir / "rasa.log").read_text(errors="replace").splitlines())


def user_texts(databases: Databases, sender: str) -> list[str]:
    return [json.loads(data)["text"] for kind, data in databases.events(sender) if kind == "user"]


@pytest.mark.parametrize(
    ("server", "log_words", "reply_language"),
    [
        # The tracker store is down: the conversation's language cannot be read, so both languages, French first.
        ("postgres", "Tracker store unreachable", None),
        # Only the lock store is down: the language comes from the stored conversation.
        ("redis", "Lock store (Redis) unreachable", "fr"),
    ],
)
def test_a_store_down_still_gives_the_emergency_numbers_logs_once_and_recovers(
    assistant_behind_proxies: Assistant,
    proxies: dict[str, TcpProxy],
    databases: Databases,
    server: str,
    log_words: str,
    reply_language: str | None,
):
    assistant = assistant_behind_proxies
    sender = f"resident-{uuid.uuid4().hex[:12]}"
    assert (
        IDENTIFIER.identify(assistant.reply_text(sender, "Bonjour, ma question porte sur les taxes")).language == "fr"
    )
    others = [f"resident-{uuid.uuid4().hex[:12]}" for _ in range(BURST - 1)]
    proxies[server].cut()
    try:
        replies = [assistant.send(who, "Mon sous-sol est inondé!") for who in [sender, *others]]
    finally:
        proxies[server].open()
    for reply in replies:
        text = "\n".join(r["text"] for r in reply)
        assert all(number in text for number in EMERGENCY_NUMBERS), text
    first = [r["text"] for r in replies[0]]
    if reply_language is None:
        assert [IDENTIFIER.identify(t).language for t in first] == ["fr", "en"]
    else:
        assert [IDENTIFIER.identify(t).language for t in first] == [reply_language]
    assert log_lines(assistant, log_words) == 1, f"{BURST} failures should be logged once"
    # Back: the next message is answered by the model, in the conversation's language, and stored.
    after = assistant.reply_text(sender, "Quand est-ce que quelqu'un va me répondre?")
    assert "le prochain jour ouvrable" in after
    # The message of the outage was spooled and is stored before the next one (replayed first): nothing lost.
    assert user_texts(databases, sender)[-2:] == [
        "Mon sous-sol est inondé!",
        "Quand est-ce que quelqu'un va me répondre?",
    ]
    # ... and the rest of the burst, not in the first line, is reported then.
    store = log_words.removesuffix(" unreachable")
    assert log_lines(assistant, f"{store} answering again: {BURST - 1} more message(s)") == 1


# --- nothing lost: the messages of a PostgreSQL outage are spooled and replayed ----------------------------------

# The 60 s with PRODUCTION_CUT_SECONDS=60; why 12 s by default: the test's docstring.
CUT_SECONDS = float(os.environ.get("PRODUCTION_CUT_SECONDS", "12"))
OUTAGE_CONVERSATIONS = 6
PAUSE_SECONDS = 0.3  # per conversation: about 10 messages a second were measured in all, a third of one instance's rate
# The background replay runs every 10 s; the pool reconnects on first use.
REPLAY_WAIT_SECONDS = 40
PHONE_PREFIX = "514-555-"


def _outage_message(number: int) -> str:
    return f"Message numéro {number} pendant la panne, rappelez-moi au {PHONE_PREFIX}{number:04d}"


def _talk_during_cut(assistant: Assistant, sender: str, until: float) -> tuple[list[str], list[str]]:
    """Sends numbered messages until `until`: the texts sent, and the replies that lacked an emergency number."""
    sent, missing = [], []
    number = 0
    while time.monotonic() < until:
        number += 1
        text = _outage_message(number)
        reply = "\n".join(r.get("text", "") for r in assistant.send(sender, text))
        sent.append(text)
        if not all(emergency in reply for emergency in EMERGENCY_NUMBERS):
            missing.append(reply)
        time.sleep(PAUSE_SECONDS)
    return sent, missing


def test_a_postgresql_cut_under_load_loses_no_message_and_stores_each_once_in_order_redacted(
    assistant_behind_proxies: Assistant, proxies: dict[str, TcpProxy], databases: Databases, tmp_path: Path
):
    """PostgreSQL refused for CUT_SECONDS while 6 conversations keep writing: every resident still gets the
    emergency numbers, and afterwards every message of the cut is in PostgreSQL, in the order sent, once, redacted,
    marked as spooled; half the conversations write again (replayed before their new message), the other half
    never do (replayed by the background task).

    The issue asks for a 60-second cut (PRODUCTION_CUT_SECONDS=60: 592 messages, all stored once, in order; the
    test's call took 66 s). 12 s by default keeps `make test` near its 12-minute budget and still covers what the
    duration changes: every pooled connection broken, at least one background replay round (every 10 s) failing
    against the refused database and trying again, and 178 messages spooled in one run. A longer cut adds messages to
    the same code paths, not new ones. The review app then lists every conversation of the cut under its
    "outage" filter."""
    assistant = assistant_behind_proxies
    senders = [f"outage-{uuid.uuid4().hex[:12]}" for _ in range(OUTAGE_CONVERSATIONS)]
    expected: dict[str, list[str]] = {}
    for sender in senders:
        expected[sender] = ["Bonjour, j'ai une question sur les taxes"]
        assistant.send(sender, expected[sender][0])
    proxies["postgres"].cut()
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(OUTAGE_CONVERSATIONS) as pool:
            results = list(pool.map(lambda s: _talk_during_cut(assistant, s, started + CUT_SECONDS), senders))
    finally:
        proxies["postgres"].open()
    during = sum(len(sent) for sent, _ in results)
    assert [missing for _, missing in results if missing] == [], "a reply of the cut lacked the emergency numbers"
    returning = senders[: OUTAGE_CONVERSATIONS // 2]
    for sender, (sent, _) in zip(senders, results, strict=True):
        expected[sender] += sent
        if sender in returning:
            expected[sender].append("Merci, quand est-ce que quelqu'un va me répondre?")
            assistant.send(sender, expected[sender][-1])
    redactor = default_redactor()
    wanted = {sender: [redactor.redact(text).text for text in texts] for sender, texts in expected.items()}
    deadline = time.monotonic() + REPLAY_WAIT_SECONDS
    while time.monotonic() < deadline and any(user_texts(databases, s) != wanted[s] for s in senders):
        time.sleep(1)
    for sender in senders:
        assert user_texts(databases, sender) == wanted[sender], f"conversation {sender}"
        stored = [data for _, data in databases.events(sender)]
        assert not any(PHONE_PREFIX in data for data in stored)
        spooled = [json.loads(data) for data in stored if '"spooled"' in data]
        assert len([event for event in spooled if event["event"] == "user"]) == len(wanted[sender]) - 1 - (
            sender in returning
        )
    marked = {sender for (sender,) in databases.rows("SELECT DISTINCT sender_id FROM spool_replays")}
    assert set(senders) <= marked
    assert set(senders) <= _listed_by_the_review_app_as_outage(databases.url, tmp_path)
    assert not list((assistant.workdir / "spool").glob("*.jsonl")), "everything replayed, nothing left"
    log = (assistant.workdir / "rasa.log").read_text(errors="replace")
    assert "pendant la panne" not in log, "no resident text in the log"
    assert "replayed into the tracker store" in log
    print(f"{during} messages during a {CUT_SECONDS:.0f}-s cut, all stored once, in order")


def _listed_by_the_review_app_as_outage(tracker_url: str, workdir: Path) -> set[str]:
    """The conversations the review app's inbox lists under its "outage" filter, read from this PostgreSQL
    tracker store as `make review` reads it (its own index, refreshed)."""
    from review import index
    from review.conversations import tracker_engine
    from review.flags import OUTAGE
    from review.inbox import Filters, matching_rows
    from review.store import review_engine

    tracker, review = tracker_engine(tracker_url), review_engine(f"sqlite:///{workdir / 'review.db'}")
    try:
        index.refresh(tracker, review)
        return {row.sender_id for row in matching_rows(review, Filters(flag=OUTAGE), 1000)}
    finally:
        tracker.dispose()
        review.dispose()
