"""Staff replies across instances (`staff_relay`), in one process: two staff delivery registries on the machine's
Redis stand for two instances (the real two-instance cluster is tests/production/test_production_cluster.py)."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis

from pointe_claire.channels.staff_delivery import StaffDeliveries, StaffReply
from pointe_claire.channels.staff_relay import ACK_TIMEOUT_SECONDS
from pointe_claire.lock_store import REDIS_URL_VARIABLE
from scripts.servers import free_port

CONVERSATION = "webchat:0123456789abcdef"


def _instance(pushed: list[str], holds_the_session: bool) -> StaffDeliveries:
    """An instance's registry whose web chat reaches the session only where the page is connected."""

    async def deliver(reply: StaffReply) -> bool:
        if holds_the_session:
            pushed.append(reply.text)
        return holds_the_session

    deliveries = StaffDeliveries()
    deliveries.register("webchat", deliver, relayed=True)
    return deliveries


async def _reply_from_the_other_instance(page_connected: bool) -> tuple[bool, list[str], float]:
    pushed: list[str] = []
    holding, taking = _instance(pushed, page_connected), _instance(pushed, False)
    try:
        await asyncio.sleep(0.3)  # both subscribed
        started = time.monotonic()
        delivery = await taking.deliver(StaffReply(CONVERSATION, "Bonjour, ici la Ville.", "fr", None))
        return delivery.delivered, pushed, time.monotonic() - started
    finally:
        await holding.close()
        await taking.close()


def test_with_redis_the_instance_holding_the_page_pushes_a_reply_another_took_and_says_so(
    redis_environment: tuple[redis.Redis, str],
) -> None:
    client, prefix = redis_environment
    delivered, pushed, _seconds = asyncio.run(_reply_from_the_other_instance(page_connected=True))
    assert delivered and pushed == ["Bonjour, ici la Ville."]
    delivered, pushed, seconds = asyncio.run(_reply_from_the_other_instance(page_connected=False))
    assert not delivered and pushed == [] and ACK_TIMEOUT_SECONDS <= seconds < ACK_TIMEOUT_SECONDS + 1
    assert client.keys(f"{prefix}:*") == []  # no acknowledgement left behind


def test_redis_unreachable_a_reply_still_reaches_a_page_on_the_instance_that_took_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(REDIS_URL_VARIABLE, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there

    async def reply() -> tuple[bool, list[str]]:
        pushed: list[str] = []
        deliveries = _instance(pushed, holds_the_session=True)
        try:
            return (await deliveries.deliver(StaffReply(CONVERSATION, "Bonjour", "fr", None))).delivered, pushed
        finally:
            await deliveries.close()

    assert asyncio.run(reply()) == (True, ["Bonjour"])
