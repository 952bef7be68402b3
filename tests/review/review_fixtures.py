"""What the review app tests share: a tracker store with known conversations, and a logged-in client per account.

A plain module (not conftest) so test modules can import it by a name no other conftest.py shadows.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.review_app import (
    PASSWORD,
    StaffClient,
    resident_message,
    slot_event,
    write_events,
)

SCRIPT_MESSAGE = '<script>alert("pwned")</script><b>gras</b> <img src=x onerror=alert(1)>'
ADMIN, REVIEWER = "alice", "bob"
OFFICE_HOURS_TS = 1795014000.0  # Wednesday 2026-11-18 10:00 in Montréal: offices open
AFTER_HOURS_TS = 1795316400.0  # Saturday 2026-11-21 22:00: closed
# The review app's clock in these tests, and the end of the window the generated conversations fill (the 60 days
# before Tuesday 2026-11-17 00:00): the known conversations' days hold no generated one, whatever day tests run.
FIXTURE_NOW = "2026-11-25T12:00:00-05:00"
GENERATED_UNTIL_TS = 1794891600.0


@dataclass
class ReviewSite:
    base_url: str
    tracker_url: str
    review_url: str
    env: dict[str, str]

    def client(self, name: str | None = ADMIN) -> StaffClient:
        client = StaffClient(self.base_url)
        if name:
            response = client.log_in(name, PASSWORD)
            assert response.status == 303, response.body[:500]
        return client


def known_conversations(tracker_url: str) -> None:
    """Conversations the tests look for by id, next to 60 generated ones."""
    ts = OFFICE_HOURS_TS
    write_events(
        tracker_url,
        "xss-resident",
        [
            resident_message(ts, SCRIPT_MESSAGE, "report_problem", "fr"),
            {"event": "bot", "timestamp": ts + 1, "text": "Merci <b>pour</b> votre message", "data": {}},
        ],
    )
    write_events(
        tracker_url,
        "emergency-fr",
        [
            resident_message(
                ts + 10,
                "Il y a un feu dans la maison de mon voisin",
                "report_life_threatening_emergency",
                "fr",
                safety_net={"kind": "life_threatening", "phrase": "feu"},
            ),
            slot_event(ts + 10, "language", "fr"),
            {"event": "action", "timestamp": ts + 11, "name": "utter_life_threatening_emergency"},
        ],
    )
    write_events(
        tracker_url,
        "handoff-en",
        [
            resident_message(AFTER_HOURS_TS, "I want to talk to a human", "ask_for_human", "en"),
            {"event": "action", "timestamp": AFTER_HOURS_TS + 1, "name": "action_hand_off_to_staff"},
            slot_event(
                AFTER_HOURS_TS + 1,
                "flags",
                [{"kind": "handoff", "reason": "asked_for_person", "status": "open", "language": "en", "at": "x"}],
            ),
        ],
    )
    # A flag kind nobody has written a label for yet: it must appear by its raw name, filterable.
    write_events(
        tracker_url,
        "new-kind",
        [
            resident_message(
                ts + 20, "Je suis journaliste au Devoir, mon numéro est [PHONE]", "ask_media_relations", "fr"
            ),
            slot_event(ts + 20, "flags", [{"kind": "press_deadline", "due": "today"}]),
        ],
    )
    write_events(
        tracker_url,
        "rude-en",
        [
            resident_message(
                ts + 30,
                "You are all idiots and I will find you",
                "netiquette_violation",
                "en",
                netiquette=[{"rule": "abuse", "threat": True, "language": "en"}],
            ),
        ],
    )
