"""Staff alerts through the real trained model and action server (issue 17 item 1): an alert stored in the
assistant's database opens the answer of a matching message in the message's language, after the emergency
numbers for an emergency, is recorded on the stored message, and leaves a message that matches nothing answered
as before. The shared assistant serves other tests: the alert is lifted at the end, whatever happens."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa

from pointe_claire.alerts import active, records
from pointe_claire.names import ALERTS_KEY
from scripts.servers import Assistant
from tests.conftest import FROZEN_TIME

NOW = datetime.fromisoformat(FROZEN_TIME).timestamp()  # what the assistant's clock says
FIRE_ALERT = {
    "title_fr": "Incendie à l'usine",
    "title_en": "Factory fire",
    "text_fr": "Gardez portes et fenêtres fermées dans le secteur Valois.",
    "text_en": "Keep doors and windows closed in the Valois area.",
    "short_fr": "",
    "short_en": "",
    "phrases_fr": "feu|incendie|fumée\neau ...3 potable",
    "phrases_en": "fire|smoke\nwater ...3 safe",
    "link": "https://www.pointe-claire.ca/avis",
    "starts_at": NOW - 3600,
    "ends_at": NOW + 3600,
}
UNRELATED = "Quand ouvre la piscine?"


@pytest.fixture(scope="module")
def alert(assistant: Assistant) -> Iterator[tuple[int, str]]:
    """The alert, published after one unrelated question was answered without it: (id, that answer)."""
    before = assistant.reply_text("alert-before", UNRELATED)
    engine = sa.create_engine(f"sqlite:///{assistant.tracker_db}", future=True)
    alert_id = records.publish(engine, FIRE_ALERT, "claire")
    time.sleep(active.CACHE_SECONDS + 0.5)  # the assistant's next read
    try:
        yield alert_id, before
    finally:
        records.lift(engine, alert_id, "claire")
        engine.dispose()
        time.sleep(active.CACHE_SECONDS + 0.5)


def _stored_alerts(assistant: Assistant, sender: str) -> list[object]:
    engine = sa.create_engine(f"sqlite:///{assistant.tracker_db}", future=True)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user'"), {"s": sender}
        ).all()
    engine.dispose()
    return [json.loads(row.data)["parse_data"].get(ALERTS_KEY) for row in rows]


def test_a_matching_question_gets_the_alert_first_in_its_language(
    assistant: Assistant, alert: tuple[int, str], sender: str
) -> None:
    alert_id, _ = alert
    french = assistant.send(sender, "Est-ce que l'eau du robinet est potable?")
    first, *rest = french[0]["text"].split("\n\n")
    assert first == f"Avis de la Ville – Incendie à l'usine : {FIRE_ALERT['text_fr']} {FIRE_ALERT['link']}"
    assert rest or len(french) > 1  # the usual answer follows
    english = assistant.send(sender + "-en", "Is the tap water safe to drink?")
    assert english[0]["text"].startswith("City notice – Factory fire: Keep doors and windows closed")
    assert _stored_alerts(assistant, sender) == [[alert_id]]


def test_an_emergency_during_an_alert_gets_the_emergency_numbers_first(
    assistant: Assistant, alert: tuple[int, str], sender: str
) -> None:
    replies = assistant.send(sender, "Il y a un feu dans la maison de mon voisin")
    text = "\n\n".join(reply["text"] for reply in replies)
    assert "9-1-1" in text and "Avis de la Ville – Incendie à l'usine" in text
    assert text.index("9-1-1") < text.index("Avis de la Ville")
    assert "9-1-1" in replies[0]["text"].split("\n\n")[0]


def test_a_question_matching_no_alert_is_answered_as_before(
    assistant: Assistant, alert: tuple[int, str], sender: str
) -> None:
    _, before = alert
    assert assistant.reply_text(sender, UNRELATED) == before
    assert _stored_alerts(assistant, sender) == [None]
