"""Keeps residents' words out of Rasa's logs: the transcripts are redacted before storage, the logs must not keep
what the store does not.

Rasa 3.6 logs the raw message with structlog: at ERROR when a REST message fails (`rest.message.received.failure`,
`text=`), at WARNING for a Messenger event it cannot read (`message=`), at DEBUG for every message
(`processor.message.parse`, `parse_data_text=`…); and its tracebacks list every frame's local variables. Rasa's
own hook for this (`get_anonymization_pipeline`) exists for Rasa Pro and would also re-read each conversation
from the store on every message; this adds one processor instead. Installed by `pointe_claire.channels` (loaded
from credentials.yml by every server that receives messages).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import structlog
from structlog.processors import format_exc_info

WITHHELD = "[withheld]"
# The keys Rasa's own anonymizer treats as conversation content (rasa/utils/log_utils.py, `_anonymizer`).
RESIDENT_CONTENT_KEYS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
    }
)


def withhold_resident_content(logger: Any, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: every value that may hold a resident's words is replaced by WITHHELD, and a traceback is
    rendered here, plainly: Rasa's renderers would list each frame's local variables (the message, the tracker)."""
    for key in RESIDENT_CONTENT_KEYS.intersection(event):
        event[key] = WITHHELD
    exc_info = event.get("exc_info", method == "exception")  # structlog's `set_exc_info` comes later in the chain
    if exc_info:
        event = format_exc_info(logger, method, {**event, "exc_info": exc_info})
        event["exc_info"] = False  # rendered: `set_exc_info` must not ask for it again
    return event


def install() -> None:
    """Puts the processor first in structlog's chain (idempotent). The list is changed in place: Rasa configures
    structlog with `cache_logger_on_first_use`, so loggers already used keep that list object, not a new one."""
    processors = structlog.get_config()["processors"]
    if withhold_resident_content not in processors:
        processors.insert(0, withhold_resident_content)
