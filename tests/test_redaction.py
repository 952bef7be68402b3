"""Personal information is replaced by placeholders before anything is stored; the City's own contacts are kept."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from pointe_claire.city_facts import cached_city_facts
from pointe_claire.names import PUBLIC_COMMENT_KEY
from pointe_claire.redaction import PUBLIC_CONTACT_PREFIXES, Redaction, Redactor, default_redactor
from pointe_claire.tracker_store import RedactingSQLTrackerStore, redact_values

REDACTOR = default_redactor()


def redacted(text: str) -> str:
    return REDACTOR.redact(text).text


# --- the lexicon's own examples ----------------------------------------------------------------------------------


def lexicon_examples() -> list[Any]:
    return [
        pytest.param(text, expected, id=f"{pattern.kind}: {text}")
        for pattern in REDACTOR.patterns
        for text, expected in pattern.examples.items()
    ]


def lexicon_keeps() -> list[Any]:
    return [pytest.param(text, id=f"{pattern.kind}: {text}") for pattern in REDACTOR.patterns for text in pattern.keeps]


@pytest.mark.parametrize(("text", "expected"), lexicon_examples())
def test_every_example_written_in_the_lexicon_is_redacted_as_documented(text: str, expected: str):
    assert redacted(text) == expected


@pytest.mark.parametrize("text", lexicon_keeps())
def test_every_text_the_lexicon_says_to_keep_is_kept(text: str):
    assert redacted(text) == text


def test_kinds_are_applied_in_the_documented_order():
    assert REDACTOR.kinds == ("EMAIL", "PHONE", "SIN", "POSTAL_CODE", "STREET_ADDRESS", "LICENCE_PLATE")


# --- each kind, French and English --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "514-555-0199",
        "(514) 555 0199",
        "(514)555-0199",
        "514.555.0199",
        "514 555 0199",
        "514\u00a0555\u00a00199",  # no-break spaces, as French typography writes them
        "+1 514 555 0199",
        "1-514-555-0199",
        "5145550199",
        "514-555-0199 poste 123",
        "514-555-0199, poste 12",
        "514 555-0199 ext. 12",
        "514-555-0199 x123",
    ],
)
def test_phone_numbers_in_every_usual_writing_are_redacted(number: str):
    assert redacted(f"Rappelez-moi au {number} svp") == "Rappelez-moi au [PHONE] svp"
    assert redacted(f"Please call me back at {number} tonight") == "Please call me back at [PHONE] tonight"


@pytest.mark.parametrize("address", ["marie.tremblay@videotron.ca", "J.Smith+city@Gmail.com", "a_b-c@ville.qc.ca"])
def test_email_addresses_are_redacted_in_french_and_english(address: str):
    assert redacted(f"Mon courriel : {address}") == "Mon courriel : [EMAIL]"
    assert redacted(f"email me at {address}, thanks") == "email me at [EMAIL], thanks"


def test_an_email_holding_a_phone_number_is_one_email_not_a_phone():
    assert REDACTOR.redact("écrivez au 5145550199@fido.ca").kinds == ("EMAIL",)


@pytest.mark.parametrize("sin", ["046 454 286", "046-454-286", "046454286"])
def test_social_insurance_numbers_are_redacted(sin: str):
    assert redacted(f"Mon NAS est le {sin}.") == "Mon NAS est le [SIN]."
    assert redacted(f"my SIN: {sin}") == "my SIN: [SIN]"


@pytest.mark.parametrize("text", ["réf. 1234567890123", "1 046 454 286", "046 454 286 123", "ID 046454286123"])
def test_nine_digits_inside_a_longer_number_are_not_a_sin(text: str):
    assert "SIN" not in REDACTOR.redact(text).kinds


@pytest.mark.parametrize("code", ["H9R 4S3", "h9r4s3", "H9R-4S3", "h9r 4s3"])
def test_postal_codes_are_redacted_in_any_case_and_spacing(code: str):
    assert redacted(f"code postal {code} svp") == "code postal [POSTAL_CODE] svp"
    assert redacted(f"my postal code is {code}") == "my postal code is [POSTAL_CODE]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Voiture stationnée devant chez moi, plaque ABC 123",
            "Voiture stationnée devant chez moi, plaque [LICENCE_PLATE]",
        ),
        ("plaque d'immatriculation : 123 ABC", "plaque d'immatriculation : [LICENCE_PLATE]"),
        ("la plaque est a12 bcd", "la plaque est [LICENCE_PLATE]"),
        ("licence plate ABC1234 blocking my driveway", "licence plate [LICENCE_PLATE] blocking my driveway"),
        ("license plate number: FX7K2P", "license plate number: [LICENCE_PLATE]"),
        ("le camion GHJ 456 bloque la rue", "le camion [LICENCE_PLATE] bloque la rue"),
        ("the truck 789 XYZ is back", "the truck [LICENCE_PLATE] is back"),
        ("K34 LMN parked on the lawn again", "[LICENCE_PLATE] parked on the lawn again"),
    ],
)
def test_licence_plates_in_quebec_formats_are_redacted(text: str, expected: str):
    assert redacted(text) == expected


@pytest.mark.parametrize(
    "address",
    [
        "123 rue Cedar",
        "12, avenue de la Pointe-Claire",
        "1200 boul. Saint-Jean",
        "88 chemin du Bord-du-Lac",
        "14 croissant des Érables",
        "301 av. Cartier, app. 4",
        "apt 4, 255 Stillview",
        "255 Stillview",
        "45 Donegani Ave",
        "12 Maple Street",
        "7 old orchard rd",
        "22 Sainte-Claire Blvd, apt 3",
    ],
)
def test_street_addresses_in_french_and_english_are_redacted(address: str):
    assert redacted(f"Inondation au {address} ce matin") == "Inondation au [ADDRESS] ce matin"
    assert redacted(f"Flooded basement at {address} this morning") == "Flooded basement at [ADDRESS] this morning"


def test_every_kind_found_is_named_in_order_of_appearance():
    redaction = REDACTOR.redact("Appelez-moi au 514-555-0199 ou écrivez à marie@gmail.com, j'habite au 12 rue Cedar")
    assert redaction.kinds == ("PHONE", "EMAIL", "STREET_ADDRESS")
    assert redaction.found_any


# --- what stays -------------------------------------------------------------------------------------------------


def city_contacts() -> list[str]:
    variables = cached_city_facts().variables
    return [value for key, value in variables.items() if key.startswith(PUBLIC_CONTACT_PREFIXES)]


def test_the_facts_file_gives_phones_emails_and_addresses_to_keep():
    assert {"514-630-1200", "communications@pointe-claire.ca", "451 Saint-Jean Boulevard"} <= set(city_contacts())


@pytest.mark.parametrize("contact", city_contacts())
def test_the_citys_own_contacts_are_never_redacted(contact: str):
    assert redacted(f"J'ai écrit au {contact} hier") == f"J'ai écrit au {contact} hier"
    assert redacted(f"I called {contact} twice") == f"I called {contact} twice"


@pytest.mark.parametrize(
    "text",
    [
        "I called 514-630-1200 and nobody answered",
        "J'ai appelé le (514) 630-1234 cette nuit",
        "514 630 1200 poste 245",
        "+1 514 630 1200",
        "Écrivez à COMMUNICATIONS@pointe-claire.ca",
        "City Hall, 451 Saint-Jean Boulevard, is closed?",
        "L'hôtel de ville au 451, boulevard Saint-Jean",
        "au 451 boul. St-Jean",
        "451 boulevard Saint-Jean Pointe-Claire",
    ],
)
def test_the_citys_contacts_are_kept_however_written(text: str):
    assert redacted(text) == text


def test_the_city_number_is_kept_while_the_residents_is_redacted():
    assert redacted("I called 514-630-1200, call me back at 514-555-0199") == (
        "I called 514-630-1200, call me back at [PHONE]"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Les bureaux ferment à 16:30",
        "Office hours 8:30 to 16:30",
        "la séance du 2026-11-25 à 19 h",
        "council meeting on 2026-11-25",
        "depuis 2025",
        "in 2024 and 2025",
        "the fine was $1,200",
        "une amende de 1 200 $",
        "population 33,000",
        "j'ai 3 enfants",
        "mon fils a 4 ans",
        "I have 2 dogs on my street",
        "It's a 2 hour drive",
        "la rue Cedar est inondée",
        "pothole on Donegani Ave",
        "boulevard Saint-Jean near Stewart Hall",
        "il reste 10 place pour le camp",
        "Appelez le 911 SVP",
        "Appelez le 9-1-1",
        "le bus STM 211 est en retard",
        "We need 3 rooms for 2 hours on Tuesday",
        "the 2 kids play at 3 pm",
        "collecte le 3 mars, route 20 et autoroute 40",
        "",
    ],
)
def test_ordinary_text_is_not_redacted(text: str):
    redaction = REDACTOR.redact(text)
    assert redaction.text == text
    assert redaction.kinds == ()


# --- the lexicon file -------------------------------------------------------------------------------------------


def test_a_trainer_may_add_a_kind_with_its_own_placeholder(tmp_path: Path):
    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_text(
        "kinds:\n"
        "  - kind: HEALTH_CARD\n"
        '    placeholder: "[HEALTH_CARD]"\n'
        "    patterns:\n"
        "      - name: RAMQ number\n"
        "        regex: '\\b [a-z]{4} \\s? \\d{4} \\s? \\d{4} \\b'\n",
        encoding="utf-8",
    )
    redaction = Redactor(lexicon, public_contacts=[]).redact("carte soleil TREM 1234 5678")
    assert redaction == Redaction(text="carte soleil [HEALTH_CARD]", kinds=("HEALTH_CARD",))


def test_a_misspelt_fragment_name_is_reported_with_its_pattern(tmp_path: Path):
    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_text(
        'kinds:\n  - kind: X\n    placeholder: "[X]"\n    patterns:\n      - name: broken\n        regex: "{{nope}}"\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"X / broken: unknown fragment \{\{nope\}\}"):
        Redactor(lexicon, public_contacts=[])


# --- the tracker store ------------------------------------------------------------------------------------------

# What a resident wrote, by kind: none of it may reach the database file.
PERSONAL = {
    "phone": "514-555-0199",
    "email": "marie.tremblay@videotron.ca",
    "address": "14 croissant des Érables",
    "sin": "046 454 286",
    "postal_code": "H9R 4S3",
    "plate": "GHJ 456",
}
RESIDENT_MESSAGE = (
    f"Bonjour, refoulement d'égout au {PERSONAL['address']}, {PERSONAL['postal_code']}. "
    f"Rappelez-moi au {PERSONAL['phone']} ou {PERSONAL['email']}. Mon NAS est {PERSONAL['sin']} "
    f"et une voiture, plaque {PERSONAL['plate']}, bloque l'entrée."
)
BOT_ECHO = f"Merci! Un employé vous rappellera au {PERSONAL['phone']}."
PLACEHOLDERS = ["[ADDRESS]", "[POSTAL_CODE]", "[PHONE]", "[EMAIL]", "[SIN]", "[LICENCE_PLATE]"]


def store_from_endpoints(tmp_path: Path) -> TrackerStore:
    """The store as Rasa builds it at start-up: endpoints.yml -> EndpointConfig -> TrackerStore.create."""
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n"
        "  type: pointe_claire.tracker_store.RedactingSQLTrackerStore\n"
        "  dialect: sqlite\n"
        f"  db: {tmp_path / 'tracker.db'}\n",
        encoding="utf-8",
    )
    return TrackerStore.create(read_endpoint_config(str(endpoints), "tracker_store"), domain=Domain.empty())


def resident_events() -> list[Event]:
    intent = {"name": "report_problem", "confidence": 0.93}
    entities = [{"entity": "phone", "value": PERSONAL["phone"], "start": 0, "end": 12, "extractor": "RegexEntity"}]
    # The store reads back from the latest SessionStarted on: the conversation starts with one.
    return [
        SessionStarted(timestamp=2.0),
        ActionExecuted("action_listen", timestamp=3.0),
        UserUttered(
            RESIDENT_MESSAGE,
            intent=intent,
            entities=entities,
            parse_data={"text": RESIDENT_MESSAGE, "intent": intent, "entities": entities},
            timestamp=4.0,
            input_channel="rest",
            message_id="c0ffee987654321",
            metadata={"original_text": RESIDENT_MESSAGE},
        ),
        ActionExecuted("utter_we_will_call_back", timestamp=5.0),
        BotUttered(BOT_ECHO, metadata={"utter_action": "utter_we_will_call_back"}, timestamp=6.0),
        ActionExecuted("action_listen", timestamp=7.0),
    ]


def saved_conversation(tmp_path: Path) -> tuple[TrackerStore, DialogueStateTracker]:
    store = store_from_endpoints(tmp_path)
    tracker = DialogueStateTracker.from_events("resident-1", resident_events())
    asyncio.run(store.save(tracker))
    return store, tracker


def stored_forms(value: str) -> set[bytes]:
    """Every way `value` could sit in the file: UTF-8, JSON-escaped, and without its separators."""
    escaped = json.dumps(value)[1:-1]
    compact = "".join(ch for ch in value if ch.isalnum())
    return {value.encode("utf-8"), escaped.encode("ascii"), compact.encode("utf-8")}


def test_rasa_builds_the_redacting_store_from_endpoints_yml(tmp_path: Path):
    store = store_from_endpoints(tmp_path)
    # Not wrapped in AwaitableTrackerStore: the store keeps SQLTrackerStore's async methods.
    assert isinstance(store, RedactingSQLTrackerStore)
    assert store.engine.url.database == str(tmp_path / "tracker.db")


def test_the_database_file_holds_no_personal_information_only_placeholders(tmp_path: Path):
    store, _ = saved_conversation(tmp_path)
    store.engine.dispose()
    raw = (tmp_path / "tracker.db").open("rb").read()
    for kind, value in PERSONAL.items():
        for form in stored_forms(value):
            assert form not in raw, f"{kind} stored as {form!r}"
    for placeholder in PLACEHOLDERS:
        assert placeholder.encode("ascii") in raw


def test_text_parse_data_metadata_entities_and_bot_echo_are_all_redacted(tmp_path: Path):
    saved_conversation(tmp_path)
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        rows = {kind: json.loads(data) for kind, data in connection.execute("SELECT type_name, data FROM events")}
    user, bot = rows["user"], rows["bot"]
    expected = (
        "Bonjour, refoulement d'égout au [ADDRESS], [POSTAL_CODE]. Rappelez-moi au [PHONE] ou [EMAIL]. "
        "Mon NAS est [SIN] et une voiture, plaque [LICENCE_PLATE], bloque l'entrée."
    )
    assert user["text"] == user["parse_data"]["text"] == user["metadata"]["original_text"] == expected
    assert user["parse_data"]["entities"][0]["value"] == "[PHONE]"
    assert bot["text"] == "Merci! Un employé vous rappellera au [PHONE]."


def test_rasa_identifiers_and_the_intent_and_action_columns_are_untouched(tmp_path: Path):
    saved_conversation(tmp_path)
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        columns = connection.execute("SELECT type_name, intent_name, action_name FROM events ORDER BY id").fetchall()
        (user_data,) = connection.execute("SELECT data FROM events WHERE type_name = 'user'").fetchone()
    assert ("user", "report_problem", None) in columns
    assert ("action", None, "utter_we_will_call_back") in columns
    user = json.loads(user_data)
    # A message id may hold nine digits in a row: it is an identifier, not a SIN.
    assert user["message_id"] == "c0ffee987654321"
    assert user["input_channel"] == "rest"
    assert user["parse_data"]["entities"][0]["entity"] == "phone"


def test_the_stored_conversation_can_be_retrieved_with_all_its_events(tmp_path: Path):
    store, tracker = saved_conversation(tmp_path)
    retrieved = asyncio.run(store.retrieve("resident-1"))
    assert retrieved is not None
    assert [event.type_name for event in retrieved.events] == [event.type_name for event in tracker.events]
    assert retrieved.latest_message.intent_name == "report_problem"
    assert "[PHONE]" in retrieved.latest_message.text


def test_the_conversation_in_memory_keeps_the_residents_words(tmp_path: Path):
    _, tracker = saved_conversation(tmp_path)
    assert tracker.latest_message.text == RESIDENT_MESSAGE
    assert tracker.latest_bot_utterance.text == BOT_ECHO


def test_saving_again_adds_only_new_events_redacted(tmp_path: Path):
    store, tracker = saved_conversation(tmp_path)
    tracker.update(UserUttered("mon autre numéro: 438-555-0123", intent={"name": "inform", "confidence": 1.0}))
    asyncio.run(store.save(tracker))
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        texts = [json.loads(data).get("text") for (data,) in connection.execute("SELECT data FROM events")]
    assert len(texts) == len(tracker.events)
    assert texts[-1] == "mon autre numéro: [PHONE]"


class RecordingBroker:
    """Stands in for an event broker: keeps what would be published."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)


def test_an_event_broker_receives_the_redacted_events_too(tmp_path: Path):
    broker = RecordingBroker()
    store = RedactingSQLTrackerStore(domain=Domain.empty(), db=str(tmp_path / "tracker.db"), event_broker=broker)
    asyncio.run(store.save(DialogueStateTracker.from_events("resident-2", resident_events())))
    texts = [event["text"] for event in broker.published if event["event"] in ("user", "bot")]
    assert texts and all(PERSONAL["phone"] not in text for text in texts)
    assert all("[PHONE]" in text for text in texts)


def test_a_public_comments_platform_ids_are_stored_as_given_and_its_words_redacted():
    # A Facebook id may hold nine digits that read as a SIN: the moderation queue needs it as the platform gave it.
    record = {
        "comment_id": "901234567890123_123456782",
        "author_id": "123456782",
        "permalink": "https://www.facebook.com/pointeclaire/posts/123456782",
        "note": "NAS 123456782",
    }
    stored = redact_values({PUBLIC_COMMENT_KEY: record}, default_redactor())
    assert stored[PUBLIC_COMMENT_KEY] == {**record, "note": "NAS [SIN]"}
