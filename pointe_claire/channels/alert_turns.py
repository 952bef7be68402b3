"""Marks a resident's message that matches a running staff alert (`pointe_claire.alerts`): the alert ids go into
its parse data (`ALERTS_KEY`), stored with the message, where the reply generator finds them to open the answer
with the alert and the review app counts them.

Called by the reply guard (`pointe_claire.channels.reply_guard`) for every channel's messages, before the turn:
one place, so every channel's resident gets the alert once. A message matching no alert is not touched (and not
parsed twice).
"""

from __future__ import annotations

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage

from pointe_claire.alerts import active
from pointe_claire.names import ALERTS_KEY
from pointe_claire.tracker_store import RedactingSQLTrackerStore


async def mark_alerts(agent: Agent | None, store: RedactingSQLTrackerStore | None, message: UserMessage) -> list[int]:
    """The ids of the running alerts the message matches, also written into its parse data."""
    processor = getattr(agent, "processor", None)
    if store is None or processor is None or not message.text:
        return []
    ids = active.matching(store.engine, message.text)
    if ids:
        if message.parse_data is None:
            message.parse_data = dict(await processor.parse_message(message))
        message.parse_data[ALERTS_KEY] = ids
    return ids
