"""An emergency is never downgraded by a privacy, netiquette or repeated-comment finding (issue 13): the resident
gets the emergency answer first and the privacy reminder after it; a denied or past hazard raises no alarm.

The unit tests follow one message through the two NLU components and the reply generator; the conversation tests
go through the REST channel, the trained model, the reply generator and the action server, in both languages.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from pointe_claire.city_facts import PROJECT_ROOT, load_city_facts
from pointe_claire.names import BILINGUAL_PARTS_KEY, EMERGENCY_INTENTS, NETIQUETTE_KEY, VIOLATION_INTENT
from pointe_claire.nlg import BilingualFactsNLG
from pointe_claire.nlu.netiquette_flagger import NetiquetteFlagger
from pointe_claire.nlu.safety_net import SafetyNet
from scripts.servers import Assistant
from tests.test_handoff import stored_flags

FACTS = load_city_facts().variables
# The openings of the emergency answers and a phrase of the privacy reminder (domain.yml), per language.
CALL_911 = {"en": "🚨 If anyone is in danger, call 9-1-1", "fr": "🚨 Si quelqu'un est en danger, composez le 9-1-1"}
MUNICIPAL = {"en": "⚠️ For a municipal emergency, call", "fr": "⚠️ Pour une urgence municipale, appelez"}
PRIVACY = {"en": "To protect your privacy and others'", "fr": "Pour protéger votre vie privée et celle des autres"}
EMERGENCY_OPENINGS = ("🚨", "⚠️")


# --- the NLU components, in the pipeline's order -------------------------------------------------------------------


@pytest.fixture(scope="module")
def components() -> tuple[NetiquetteFlagger, SafetyNet]:
    return NetiquetteFlagger.build(), SafetyNet.build()


def understood(components: tuple[NetiquetteFlagger, SafetyNet], text: str, intent: str, confidence: float) -> Message:
    """The message as the classifier left it, then through the NetiquetteFlagger and the SafetyNet."""
    ranking = [{"name": intent, "confidence": confidence}, {"name": "report_problem", "confidence": 1 - confidence}]
    message = Message(data={"text": text, "intent": ranking[0], "intent_ranking": ranking})
    for component in components:
        [message] = component.process([message])
    return message


def test_an_unsure_emergency_guess_with_a_phone_stays_an_emergency_and_keeps_its_privacy_record(components):
    # Words the lexicon does not know; the classifier thinks "emergency" but is unsure, and the phone number made
    # the NetiquetteFlagger call the message a mere netiquette violation.
    message = understood(
        components,
        "please come quickly to 45 Cedar Ave, call me at 514-555-0199",
        "report_life_threatening_emergency",
        0.5,
    )
    assert message.get("intent")["name"] == "report_life_threatening_emergency"
    assert [rank["name"] for rank in message.get("intent_ranking")][-1] == VIOLATION_INTENT
    assert {record["rule"] for record in message.get(NETIQUETTE_KEY)} == {"personal_information"}


def test_a_rescue_request_with_an_address_and_a_phone_gets_the_emergency_intent_whatever_the_classifier_said(
    components,
):
    message = understood(
        components, "need help asap w/ 3 days old baby Unit 1 45 Hymus 514-555-0199", "report_problem", 0.4
    )
    assert message.get("intent") == {"name": "report_life_threatening_emergency", "confidence": 1.0}
    assert message.get(NETIQUETTE_KEY)


def test_a_message_that_is_only_personal_information_stays_a_violation(components):
    message = understood(components, "my number is 514-555-0199", "out_of_scope", 0.5)
    assert message.get("intent")["name"] == VIOLATION_INTENT


# --- the reply generator -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nlg() -> BilingualFactsNLG:
    return BilingualFactsNLG(domain=Domain.load(str(PROJECT_ROOT / "domain.yml")), facts=load_city_facts())


def tracker_after(intent: str, language: str | None, *, answered: bool = False) -> DialogueStateTracker:
    """A conversation whose latest message has this intent and broke the personal-information rule."""
    parse_data: dict[str, Any] = {
        "intent": {"name": intent, "confidence": 1.0},
        NETIQUETTE_KEY: [{"rule": "personal_information", "threat": False, "language": language}],
    }
    events = [
        ActionExecuted("action_listen"),
        UserUttered("…", intent=parse_data["intent"], parse_data=parse_data),
        SlotSet("language", language),
    ]
    if answered:
        events.append(BotUttered("first answer"))
    return DialogueStateTracker.from_events("resident", events)


def generated(nlg: BilingualFactsNLG, action: str, tracker: DialogueStateTracker) -> dict[str, Any]:
    """What the reply generator sends for `action` at this point of the conversation."""
    response = asyncio.run(nlg.generate(action, tracker, "rest"))
    assert response is not None
    return response


def reply(nlg: BilingualFactsNLG, action: str, tracker: DialogueStateTracker) -> str:
    return str(generated(nlg, action, tracker)["text"])


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_emergency_answer_comes_first_and_the_privacy_reminder_after(nlg: BilingualFactsNLG, language):
    text = reply(nlg, "utter_call_911", tracker_after("report_life_threatening_emergency", language))
    assert text.startswith(CALL_911[language])
    assert PRIVACY[language] in text.split("\n\n")[-1]


def test_a_municipal_emergency_in_an_unknown_language_has_each_part_in_that_order(nlg: BilingualFactsNLG):
    response = generated(nlg, "utter_municipal_emergency", tracker_after("report_municipal_emergency", None))
    for language, part in response[BILINGUAL_PARTS_KEY].items():
        assert part.startswith(MUNICIPAL[language]) and part.split("\n\n")[-1].startswith(PRIVACY[language])


def test_a_request_still_opens_with_the_reminder_once_per_turn(nlg: BilingualFactsNLG):
    text = reply(nlg, "utter_complaint_channels", tracker_after("report_problem", "en"))
    assert text.startswith(PRIVACY["en"])
    again = reply(nlg, "utter_complaint_channels", tracker_after("report_problem", "en", answered=True))
    assert PRIVACY["en"] not in again


# --- conversations through the deployed assistant ------------------------------------------------------------------


def stored_intents(assistant: Assistant, sender: str) -> list[str]:
    with sqlite3.connect(assistant.tracker_db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(data)["parse_data"]["intent"]["name"] for (data,) in rows]


def first_then_privacy(replies: list[dict[str, Any]], opening: str, language: str) -> bool:
    """The emergency answer is the first thing received, the privacy reminder comes after it."""
    texts = [str(r.get("text", "")) for r in replies]
    whole = "\n".join(texts)
    return texts[0].startswith(opening) and PRIVACY[language] in whole and whole.index(PRIVACY[language]) > 0


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "A pregnant woman needs help. On top of a roof near 12 Cedar Ave, call her husband at 514-555-0199"),
        ("fr", "Une femme enceinte a besoin d'aide. Sur le toit près du 12 av. Cedar, son mari: 514-555-0199"),
        # the call in one sentence, who needs it in the next (lexicons/emergencies.yml, call_for_help)
        ("en", "HELP NEEDED!! 2 adults and 3 kids. 48 Maywood, my cell 514-555-0144"),
        ("fr", "Aidez-nous!! On est 5 avec un bébé de 3 semaines. 48 Maywood, cell 514-555-0144"),
    ],
)
def test_a_rescue_request_with_an_address_and_a_phone_gets_911_first_then_the_privacy_reminder(
    assistant: Assistant, sender: str, language: str, message: str
):
    replies = assistant.send(sender, message)
    assert first_then_privacy(replies, CALL_911[language], language), replies
    assert stored_intents(assistant, sender) == ["report_life_threatening_emergency"]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "water is coming into my basement fast, I'm at 45 Cedar Ave, call me at 514-555-0123"),
        ("fr", "l'eau rentre dans mon sous-sol, je suis au 45 av. Cedar, rappelez-moi au 514-555-0123"),
    ],
)
def test_a_flooding_report_with_an_address_gets_the_municipal_line_first_then_the_privacy_reminder(
    assistant: Assistant, sender: str, language: str, message: str
):
    replies = assistant.send(sender, message)
    assert first_then_privacy(replies, MUNICIPAL[language], language), replies
    assert FACTS["phone_municipal_emergency"] in replies[0]["text"]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "HELP trapped upstairs with my kids at 88 Lakeshore Rd, 514-555-0177"),
        ("fr", "AU SECOURS on est pris en haut avec les enfants au 88 ch. du Bord-du-Lac, 514-555-0177"),
    ],
)
def test_a_repeated_emergency_with_a_phone_is_answered_with_911_every_time_and_never_flagged_as_repeated(
    assistant: Assistant, sender: str, language: str, message: str
):
    for _ in range(3):
        assert first_then_privacy(assistant.send(sender, message), CALL_911[language], language)
    assert stored_flags(assistant, sender) == []


@pytest.mark.parametrize(
    "message",
    [
        "no fire, just smoke from my neighbour's BBQ",
        "c'est pas un feu, c'est juste la boucane du BBQ du voisin",
        "crosswalks still not repainted since the water main break",
        "les traverses sont toujours pas repeintes depuis le bris d'aqueduc",
        "last year, our basement was flooded",
        "l'an passé, notre sous-sol a été inondé",
    ],
    ids=["negation-en", "negation-fr", "past-event-en", "past-event-fr", "past-time-first-en", "past-time-first-fr"],
)
def test_a_denied_or_past_hazard_raises_no_alarm(assistant: Assistant, sender: str, message: str):
    """No alarm, and no courtesy either: what is left of the classifier's emergency guess is no reading of the
    message ("last year, our basement was flooded" was answered "you're welcome")."""
    replies = assistant.send(sender, message)
    assert replies and not str(replies[0].get("text", "")).lstrip().startswith(EMERGENCY_OPENINGS), replies
    [intent] = stored_intents(assistant, sender)
    assert intent not in {*EMERGENCY_INTENTS, "thank", "greet", "goodbye"}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "no power since last night on Cedar, it's freezing"),
        ("fr", "pas d'électricité depuis hier soir sur la rue Maple"),
        ("en", "a tree fell on the wires on Cedar last night and nobody has come yet"),
        ("fr", "hier soir un arbre est tombé sur les fils sur Cedar pis personne est venu"),
    ],
    ids=["since-last-night-en", "since-last-night-fr", "unattended-en", "unattended-fr"],
)
def test_a_hazard_that_began_earlier_and_goes_on_gets_the_municipal_line(
    assistant: Assistant, sender: str, language: str, message: str
):
    """A past time does not make a hazard past when it is still going on: "since last night" was taken for the
    water main break's aftermath, and the classifier's emergency guess was set aside for the request answer."""
    replies = assistant.send(sender, message)
    assert replies and str(replies[0].get("text", "")).startswith(MUNICIPAL[language]), replies
    assert FACTS["phone_municipal_emergency"] in replies[0]["text"]
    assert stored_intents(assistant, sender) == ["report_municipal_emergency"]
