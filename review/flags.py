"""What staff should look at in a conversation: emergencies, netiquette, handoffs, fallbacks, after-hours messages.

Generic on purpose: any record in the `flags` slot and any known flag key of a message's parse data becomes a
`Flag` (kind + details) without code changes here; kinds without a label are shown by their raw name. Called by
`review.index` (the inbox's flag columns) and `review.conversations` (the transcript).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from functools import lru_cache
from typing import Any

from pointe_claire.city_facts import cached_city_facts
from pointe_claire.names import (
    FALLBACK_INTENT,
    FLAGS_SLOT,
    INTENT_FOR_KIND,
    LIFE_THREATENING,
    MUNICIPAL,
    NETIQUETTE_KEY,
    SAFETY_NET_KEY,
    SPOOLED_KEY,
)
from pointe_claire.office_hours import BusinessCalendar

EMERGENCY = "emergency"
MUNICIPAL_EMERGENCY = "municipal_emergency"
HANDOFF = "handoff"
FALLBACK = "fallback"
AFTER_HOURS = "after_hours"
# A message that waited in an instance's spool while the tracker store (or Redis) was down: the resident got the
# fallback with the emergency numbers, not an answer, so a person should read it (not a quiet kind).
OUTAGE = "outage"
URGENT_KINDS = frozenset({EMERGENCY, MUNICIPAL_EMERGENCY})
# Kinds the action queue does not list by themselves: answered emergencies and handoffs have their own sections,
# an after-hours message is a time, not a problem.
QUIET_KINDS = URGENT_KINDS | {HANDOFF, AFTER_HOURS}
FALLBACK_ACTIONS = frozenset({"action_handle_fallback", "action_default_fallback"})
# An emergency kind of the safety net (and its intent) -> the flag staff filter on.
EMERGENCY_FLAG_FOR_KIND = {LIFE_THREATENING: EMERGENCY, MUNICIPAL: MUNICIPAL_EMERGENCY}
EMERGENCY_FLAG_FOR_INTENT = {intent: EMERGENCY_FLAG_FOR_KIND[kind] for kind, intent in INTENT_FOR_KIND.items()}
# Keys of a message's parse data that hold flag records, and the kind of a record that does not name one.
PARSE_DATA_FLAG_KEYS = {NETIQUETTE_KEY: NETIQUETTE_KEY, SAFETY_NET_KEY: EMERGENCY, FLAGS_SLOT: "flag"}


@dataclass(frozen=True)
class Flag:
    """One thing to look at; `key` is what the inbox filters on ("netiquette:abuse", "handoff", "emergency")."""

    kind: str
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        rule = self.details.get("rule")
        return f"{self.kind}:{rule}" if isinstance(rule, str) and rule else self.kind

    @property
    def urgent(self) -> bool:
        return self.kind in URGENT_KINDS


def _records(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, Mapping)]
    return []


def _clean_kind(kind: Any, default: str) -> str:
    text = str(kind).strip() if kind is not None else ""
    return text[:60] if text else default


def parse_data_flags(parse_data: Mapping[str, Any]) -> list[Flag]:
    """Flags recorded by the NLU components on one message (netiquette rules, the emergency safety net...)."""
    flags: list[Flag] = []
    for key, default_kind in PARSE_DATA_FLAG_KEYS.items():
        for record in _records(parse_data.get(key)):
            if record.get("dismissed"):  # the safety net explained an emergency word away: nothing to flag
                continue
            if key == SAFETY_NET_KEY:
                kind = EMERGENCY_FLAG_FOR_KIND.get(str(record.get("kind")), _clean_kind(record.get("kind"), EMERGENCY))
            else:
                kind = _clean_kind(record.get("kind"), default_kind)
            flags.append(Flag(kind, dict(record)))
            if record.get("threat") is True:  # a threat is filtered on by itself: staff may have to call 9-1-1
                flags.append(Flag(kind, {**record, "rule": "threat"}))
    intent = (parse_data.get("intent") or {}).get("name") if isinstance(parse_data.get("intent"), Mapping) else None
    emergency = EMERGENCY_FLAG_FOR_INTENT.get(str(intent))
    if emergency and not any(flag.kind == emergency for flag in flags):
        flags.append(Flag(emergency, {"intent": intent}))
    if intent == FALLBACK_INTENT:
        flags.append(Flag(FALLBACK))
    return flags


def message_flags(event: Mapping[str, Any], timestamp: float) -> list[Flag]:
    """The flags of one stored resident message: its parse data's records, after office hours, and whether it
    reached the store only after an outage (its metadata's spool marker). One rule for the index and the
    transcript."""
    parse_data = event.get("parse_data")
    flags = parse_data_flags(parse_data if isinstance(parse_data, Mapping) else {})
    if after_hours(timestamp):
        flags.append(Flag(AFTER_HOURS))
    metadata = event.get("metadata")
    spooled = metadata.get(SPOOLED_KEY) if isinstance(metadata, Mapping) else None
    if isinstance(spooled, Mapping):
        flags.append(Flag(OUTAGE, _outage_details(spooled)))
    return flags


def _outage_details(marker: Mapping[str, Any]) -> dict[str, Any]:
    """Why and when the message was spooled, as staff read it (the marker's time is epoch seconds)."""
    details: dict[str, Any] = {"reason": str(marker.get("reason") or "?")[:60]}
    try:
        details["at"] = datetime.fromtimestamp(float(marker["at"]), timezone.utc).isoformat(timespec="seconds")
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        pass
    return details


def slot_flags(value: Any) -> list[Flag]:
    """The records of the `flags` slot (handoffs, repeated comments, whatever is added later)."""
    return [Flag(_clean_kind(record.get("kind"), "flag"), dict(record)) for record in _records(value)]


@lru_cache(maxsize=1)
def city_calendar() -> BusinessCalendar:
    return BusinessCalendar.from_facts(cached_city_facts().office_hours)


@lru_cache(maxsize=4096)
def _hours_on(day: date) -> tuple[time, time] | None:
    # The calendar recomputes the year's holidays on each call; indexing 30,000 messages asks for few days.
    return city_calendar().hours_on(day)


def after_hours(timestamp: float) -> bool:
    """Whether a message arrived while the City's offices were closed (evenings, weekends, holidays), by the same
    rule as BusinessCalendar.is_open: opening time included, closing time excluded."""
    local = city_calendar().local(datetime.fromtimestamp(timestamp, timezone.utc))
    hours = _hours_on(local.date())
    return hours is None or not hours[0] <= local.time() < hours[1]


def distinct(flags: Iterable[Flag]) -> list[Flag]:
    """Each record once: the `flags` slot is set again, whole, every time a record is added."""
    seen: set[str] = set()
    unique = []
    for flag in flags:
        identity = json.dumps([flag.kind, flag.details], sort_keys=True, default=str)
        if identity not in seen:
            seen.add(identity)
            unique.append(flag)
    return unique
