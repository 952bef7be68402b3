"""Shows staff a reply the platform would not take: a REPLY_NOT_DELIVERED record in the conversation's `flags`
slot, which the review app lists by its kind, as it lists handoffs (`actions.handoff`).

Used by `page_comments` once the Graph API refused a reply after every retry. Written under the conversation's
lock, as Rasa writes a turn, so that it does not overwrite a message handled at the same moment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from rasa.core.agent import Agent
from rasa.shared.core.events import SlotSet

from pointe_claire import clock
from pointe_claire.names import FLAGS_SLOT, LANGUAGE_SLOT, REPLY_NOT_DELIVERED, FlagRecord

logger = logging.getLogger(__name__)


def not_delivered_flag(reason: str, language: str | None, at: str) -> FlagRecord:
    return {"kind": REPLY_NOT_DELIVERED, "reason": reason[:500], "language": language, "at": at}


async def flag_not_delivered(agent: Agent | None, conversation: str, reason: str) -> None:
    """Adds the record to the stored conversation; logged (not raised) when it cannot be written."""
    logger.error("A reply in conversation %s was not delivered: %s", conversation, reason)
    await add_flag(agent, conversation, lambda language, at: not_delivered_flag(reason, language, at))


async def add_flag(agent: Agent | None, conversation: str, flag_for: Callable[[str | None, str], FlagRecord]) -> None:
    """Adds `flag_for(the conversation's language, now as ISO 8601)` to the conversation's `flags` slot, under its
    lock; logged (not raised) when it cannot be written. Also used by automatic hiding (`auto_hide`)."""
    if agent is None or agent.processor is None or agent.tracker_store is None:
        return
    try:
        async with agent.lock_store.lock(conversation):
            tracker = await agent.tracker_store.retrieve(conversation)
            if tracker is None:
                return
            at = clock.now().isoformat(timespec="seconds")
            flag = flag_for(tracker.get_slot(LANGUAGE_SLOT), at)
            flags = [*(tracker.get_slot(FLAGS_SLOT) or []), flag]
            tracker.update(SlotSet(FLAGS_SLOT, flags))
            await agent.processor.save_tracker(tracker)
    except Exception as error:  # the store down as well: the log line above is what is left
        logger.error("The flag of conversation %s could not be stored: %s", conversation, type(error).__name__)
