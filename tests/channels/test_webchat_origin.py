"""The web chat's socket.io endpoint accepts only the web chat's own origin, or those configured (credentials.yml,
WEBCHAT_ALLOWED_ORIGINS): Rasa's accepted every origin, so any site could open a chat in its visitors' browsers."""

from __future__ import annotations

import asyncio

import pytest
import socketio

from pointe_claire.channels.webchat import allowed_origins
from scripts.servers import Assistant, http
from tests.city_site import CitySite

FOREIGN = "https://evil.example"


def handshake(assistant: Assistant, origin: str | None) -> int:
    headers = {"Origin": origin} if origin else {}
    status, _ = http("GET", f"{assistant.base_url}/socket.io/?EIO=4&transport=polling", headers=headers)
    return status


async def _connects(base_url: str, origin: str) -> bool:
    client = socketio.AsyncClient(reconnection=False)
    try:
        await client.connect(base_url, headers={"Origin": origin}, transports=["polling"], wait_timeout=10)
    except socketio.exceptions.ConnectionError:
        return False
    await client.eio.disconnect(abort=True)
    return True


@pytest.mark.parametrize("origin", [FOREIGN, "null", "http://127.0.0.1.evil.example"])
def test_a_handshake_from_a_foreign_origin_is_refused(assistant: Assistant, origin: str):
    assert handshake(assistant, origin) == 400
    assert not asyncio.run(_connects(assistant.base_url, origin))


def test_the_assistants_own_origin_connects(assistant: Assistant):
    assert handshake(assistant, assistant.base_url) == 200
    assert asyncio.run(_connects(assistant.base_url, assistant.base_url))


def test_an_allowed_origin_connects_and_the_assistants_own_origin_still_does(assistant: Assistant, city_site: CitySite):
    # The shared assistant lists the test site's origin (tests/conftest.py); python-engineio, given a list, accepted
    # only the list, and the page the assistant serves itself (also in the launcher's panel) could not connect.
    assert handshake(assistant, city_site.allowed_origin) == 200
    assert handshake(assistant, assistant.base_url) == 200
    assert handshake(assistant, city_site.refused_origin) == 400


def test_a_client_that_sends_no_origin_is_not_a_browser_page_and_connects(assistant: Assistant):
    assert handshake(assistant, None) == 200


def test_origins_come_from_credentials_and_the_variable_it_names(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CHAT_ORIGINS", " https://www.pointe-claire.ca/ ,https://chat.pointe-claire.ca")
    credentials = {"allowed_origins": ["https://intranet.pointe-claire.ca"], "allowed_origins_env": "CHAT_ORIGINS"}
    assert allowed_origins(credentials) == [
        "https://chat.pointe-claire.ca",
        "https://intranet.pointe-claire.ca",
        "https://www.pointe-claire.ca",
    ]
