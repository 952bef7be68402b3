"""Makes sure a resident never gets silence: if the assistant produced no reply (the action server is down, an
action failed), a response-only message with the emergency numbers and the general line is sent instead.

Called by the REST channel after each message; needs nothing but domain.yml and city_facts.yml.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from rasa.core.agent import Agent

logger = logging.getLogger(__name__)

SERVICE_UNAVAILABLE_RESPONSE = "utter_service_unavailable"
# One log line per burst of failures, not one per message.
LOG_INTERVAL_SECONDS = 60.0


class ReplyGuard:
    """Replaces an empty answer with the response-only fallback, in the conversation's language."""

    def __init__(self) -> None:
        self._last_logged = float("-inf")
        self._since_last_log = 0

    async def fallback_messages(self, agent: Agent, sender_id: str, channel: str) -> list[dict[str, Any]]:
        self._log_once_per_burst(sender_id)
        tracker = await agent.tracker_store.retrieve(sender_id) if agent.tracker_store else None
        slots = tracker.current_slot_values() if tracker else {}
        nlg = agent.nlg
        rendered = nlg.render(SERVICE_UNAVAILABLE_RESPONSE, slots, channel) if hasattr(nlg, "render") else None
        if not rendered:
            return []
        return [{"recipient_id": sender_id, "text": rendered["text"]}]

    def _log_once_per_burst(self, sender_id: str) -> None:
        self._since_last_log += 1
        now = time.monotonic()
        if now - self._last_logged >= LOG_INTERVAL_SECONDS:
            logger.error(
                "The assistant produced no reply for %d message(s) (latest conversation %s): the response-only "
                "fallback was sent. Check the action server and the logs above.",
                self._since_last_log,
                sender_id,
            )
            self._last_logged = now
            self._since_last_log = 0
