"""Flag extraction for the review app: what the NLU components and the `flags` slot record becomes a flag staff
can filter on, new kinds included, and malformed records never break a page."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from review.flags import after_hours, parse_data_flags, slot_flags
from review.i18n import Translator

pytestmark = pytest.mark.dates  # also run under other clocks by `make test-dates`

MONTREAL = ZoneInfo("America/Montreal")


def keys(flags: list) -> list[str]:
    return [flag.key for flag in flags]


def test_netiquette_records_become_one_flag_per_rule_and_a_threat_flag() -> None:
    parse_data = {
        "intent": {"name": "netiquette_violation", "confidence": 1.0},
        "netiquette": [
            {"rule": "abuse", "threat": True, "language": "fr"},
            {"rule": "political", "threat": False, "language": "fr"},
        ],
    }
    assert keys(parse_data_flags(parse_data)) == ["netiquette:abuse", "netiquette:threat", "netiquette:political"]


def test_safety_net_kinds_and_emergency_intents_are_emergencies_and_dismissals_are_not() -> None:
    municipal = {"intent": {"name": "report_municipal_emergency"}, "safety_net": {"kind": "municipal", "phrase": "x"}}
    assert keys(parse_data_flags(municipal)) == ["municipal_emergency"]
    by_model_only = {"intent": {"name": "report_life_threatening_emergency", "confidence": 0.9}}
    assert keys(parse_data_flags(by_model_only)) == ["emergency"]
    dismissed = {"intent": {"name": "ask_events"}, "safety_net": {"dismissed": True}}
    assert parse_data_flags(dismissed) == []
    assert keys(parse_data_flags({"intent": {"name": "nlu_fallback"}})) == ["fallback"]


def test_any_record_of_the_flags_slot_is_a_flag_and_an_unknown_kind_keeps_its_raw_name() -> None:
    flags = slot_flags(
        [
            {"kind": "handoff", "reason": "asked_for_person", "status": "open"},
            {"kind": "netiquette", "rule": "repeated"},
            {"kind": "press_deadline", "due": "today"},
            {"reason": "no kind at all"},
        ]
    )
    assert keys(flags) == ["handoff", "netiquette:repeated", "press_deadline", "flag"]
    english = Translator("en")
    assert [english.flag(key) for key in keys(flags)] == [
        "Handoff to staff",
        "Netiquette: repeated comment",
        "press_deadline",
        "flag",
    ]


@pytest.mark.parametrize("value", [None, "open", 3, ["handoff"], {"kind": None}, [{"kind": ""}], [[{"kind": "x"}]]])
def test_malformed_flag_values_give_no_flag_or_a_generic_one_never_an_error(value: object) -> None:
    assert all(flag.kind == "flag" for flag in slot_flags(value))
    assert parse_data_flags({"netiquette": value, "safety_net": value, "intent": value}) is not None


@pytest.mark.parametrize(
    ("moment", "closed"),
    [
        ("2026-11-27T17:45:00", True),  # Friday evening
        ("2026-11-25T10:00:00", False),  # Wednesday morning
        ("2026-11-28T11:00:00", True),  # Saturday
        ("2026-12-25T11:00:00", True),  # Christmas, a weekday
    ],
)
def test_after_hours_follows_the_city_calendar(moment: str, closed: bool) -> None:
    assert after_hours(datetime.fromisoformat(moment).replace(tzinfo=MONTREAL).timestamp()) is closed
