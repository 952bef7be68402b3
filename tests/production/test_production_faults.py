"""PostgreSQL or Redis unreachable: the resident still gets the emergency numbers, the error is logged once per
burst (and the rest of the burst when service resumes), and service resumes by itself when the server returns.

One assistant (action server + Rasa) reaches the machine's real PostgreSQL and Redis through TCP forwarders the
test cuts and restores: the real servers keep running for everyone else.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pointe_claire.city_facts import load_city_facts
from pointe_claire.language import LinguaIdentifier
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
    assert user_texts(databases, sender)[-1] == "Quand est-ce que quelqu'un va me répondre?"
    # ... and the rest of the burst, not in the first line, is reported then.
    store = log_words.removesuffix(" unreachable")
    assert log_lines(assistant, f"{store} answering again: {BURST - 1} more message(s)") == 1
