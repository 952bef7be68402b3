"""Automatic hiding of a public comment that breaks a netiquette rule staff turned on in moderation.yml (off by
default): hidden on the platform as soon as its turn is over, and recorded in its conversation (an AUTO_HIDDEN
record in the `flags` slot), which the review app's moderation queue lists first, with its one-click restore.

Called by the Facebook Page comments (`page_comments`) and the X connector (replies under the City's posts), after
the public reply: an emergency's reply with the numbers has gone out, and an emergency is never hidden by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from rasa.core.agent import Agent

from pointe_claire import clock
from pointe_claire.channels.collected_turn import CollectedTurn
from pointe_claire.channels.delivery_flags import add_flag
from pointe_claire.channels.retries import Outcome
from pointe_claire.moderation_names import AUTO_HIDDEN
from pointe_claire.moderation_settings import moderation_settings
from pointe_claire.names import NETIQUETTE_KEY, FlagRecord

logger = logging.getLogger(__name__)


def netiquette_records(turn: CollectedTurn) -> list[Mapping[str, Any]]:
    """The netiquette rules the message broke, as its parse data holds them; [] when it could not be read back."""
    message = turn.tracker.latest_message if turn.tracker else None
    records = (message.parse_data or {}).get(NETIQUETTE_KEY) if message else None
    return [record for record in records if isinstance(record, Mapping)] if isinstance(records, list) else []


async def hide_if_turned_on(
    turn: CollectedTurn,
    platform: str,
    comment_id: str,
    hide: Callable[[], Awaitable[Outcome]],
    agent: Agent | None,
    settings_file: Path | str | None = None,
) -> bool:
    """Hides the comment when a rule it broke is turned on (never an emergency); True once the platform took it."""
    if turn.emergency or turn.tracker is None:
        return False
    rule = moderation_settings(settings_file).rule_to_hide(netiquette_records(turn), clock.now().date())
    if rule is None:
        return False
    outcome = await hide()
    logger.info("%s comment %s hidden automatically (%s): %s", platform, comment_id, rule, outcome.ok)

    def record(language: str | None, at: str) -> FlagRecord:
        flag: dict[str, Any] = {"kind": AUTO_HIDDEN, "platform": platform, "comment_id": comment_id, "rule": rule}
        flag.update(hidden=outcome.ok, language=language, at=at, attempts=outcome.attempts)
        if not outcome.ok:
            flag["problem"] = outcome.problem[:300]
        return flag  # type: ignore[return-value]

    await add_flag(agent, turn.tracker.sender_id, record)
    return outcome.ok
