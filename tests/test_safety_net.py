"""An emergency always gets the emergency answer, and nothing else does.

Every message of tests/safety/emergencies_{en,fr}.yml is caught with its kind, no message of
tests/safety/lookalikes.yml is, and the NLU component overrides the classifier only for emergencies.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any
from unittest.mock import Mock

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from pointe_claire.city_facts import PROJECT_ROOT
from pointe_claire.lexicon_reading import visible
from pointe_claire.names import INTENT_FOR_KIND
from pointe_claire.netiquette import default_checker
from pointe_claire.nlu.safety_net import SAFETY_NET, SafetyNet
from pointe_claire.safety import (
    KINDS,
    LIFE_THREATENING,
    MUNICIPAL,
    EmergencyDetector,
    EmergencyLexicon,
    EmergencyMatch,
    default_detector,
)

SETS = PROJECT_ROOT / "tests" / "safety"
LANGUAGES = ("en", "fr")


def emergencies(language: str) -> list[dict[str, str]]:
    with (SETS / f"emergencies_{language}.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["messages"]


def lookalikes() -> dict[str, list[str]]:
    with (SETS / "lookalikes.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["messages"]


EMERGENCIES = {language: emergencies(language) for language in LANGUAGES}
LOOKALIKES = lookalikes()


@pytest.fixture(scope="module")
def detector() -> EmergencyDetector:
    return default_detector()


def detect(detector: EmergencyDetector, text: str) -> EmergencyMatch | None:
    return detector.detect(text)


def kind_of(detector: EmergencyDetector, text: str) -> str | None:
    found = detector.detect(text)
    return found.kind if found else None


# --- the test sets --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        pytest.param(item["text"], item["kind"], id=f"{language}: {item['text']}")
        for language in LANGUAGES
        for item in EMERGENCIES[language]
    ],
)
def test_every_emergency_of_the_test_sets_is_caught_with_its_kind(detector: EmergencyDetector, text: str, kind: str):
    assert kind_of(detector, text) == kind


@pytest.mark.parametrize(
    "text",
    [pytest.param(text, id=f"{language}: {text}") for language in LANGUAGES for text in LOOKALIKES[language]],
)
def test_no_look_alike_is_taken_for_an_emergency(detector: EmergencyDetector, text: str):
    assert detect(detector, text) is None


def test_recall_is_total_and_there_is_no_false_alarm_in_either_language(detector: EmergencyDetector):
    report = []
    for language in LANGUAGES:
        caught = sum(kind_of(detector, item["text"]) == item["kind"] for item in EMERGENCIES[language])
        false_alarms = sum(detect(detector, text) is not None for text in LOOKALIKES[language])
        total, looks = len(EMERGENCIES[language]), len(LOOKALIKES[language])
        report.append((language, caught, total, false_alarms, looks))
        print(f"{language}: recall {caught}/{total} ({caught / total:.0%}), false alarms {false_alarms}/{looks}")
    assert all(caught == total and false_alarms == 0 for _, caught, total, false_alarms, _ in report), report


def test_the_test_sets_are_big_and_varied_enough_to_mean_something():
    for language in LANGUAGES:
        assert len(EMERGENCIES[language]) >= 45
        assert {item["kind"] for item in EMERGENCIES[language]} == set(KINDS)
        assert len(LOOKALIKES[language]) >= 50
    assert sum(len(texts) for texts in LOOKALIKES.values()) >= 110


# --- how residents write ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("mon sous-sol est inondé", MUNICIPAL),
        ("mon sous-sol est inonde", MUNICIPAL),
        ("MON SOUS-SOL EST INONDÉ", MUNICIPAL),
        ("mon sous sol est innondé", MUNICIPAL),
        ("mon père respire pus", LIFE_THREATENING),
        ("MON PERE RESPIRE PU", LIFE_THREATENING),
        ("mon pere respirepas", LIFE_THREATENING),
        ("y'a le feu chez nous", LIFE_THREATENING),
        ("y’a le feu chez nous", LIFE_THREATENING),
        ("feu!!!", LIFE_THREATENING),
        ("FEUUUUU dans la cuisine", LIFE_THREATENING),
        ("fiiiire in the kitchen", LIFE_THREATENING),
        ("sa sent le gaz", LIFE_THREATENING),
        ("ça sent le gaz", LIFE_THREATENING),
        ("my dad isnt breathing", LIFE_THREATENING),
        ("my dad isn't breathing", LIFE_THREATENING),
        ("he cant breathe", LIFE_THREATENING),
        ("ma mère fait une crise de cœur", LIFE_THREATENING),
    ],
)
def test_accents_capitals_apostrophes_and_repeated_letters_do_not_matter(
    detector: EmergencyDetector, text: str, kind: str
):
    assert kind_of(detector, text) == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # SMS forms: a comma typed for the elision's apostrophe, letters spelled out with dots.
        ("bonsoir nous n, avons pas d, eau depuis 3 jours", MUNICIPAL),
        ("Nous n,avons pas d,eau", MUNICIPAL),
        ("S. O. S. nous avons faim", MUNICIPAL),
        ("F. I. R. E. in the kitchen", LIFE_THREATENING),
        ("f i r e in the basement", LIFE_THREATENING),
    ],
)
def test_elisions_typed_with_a_comma_and_words_spelled_out_are_read(detector: EmergencyDetector, text: str, kind: str):
    assert kind_of(detector, text) == kind


def test_a_comma_after_a_lone_capital_stays_a_comma_and_lone_letters_stay_words(detector: EmergencyDetector):
    assert visible("nous n, avons pas d,eau, J,ai soif") == "nous n' avons pas d'eau, J'ai soif"
    assert visible("Plan C, and then a, e, i") == "Plan C, and then a, e, i"  # English: no elision
    assert kind_of(detector, "y a le feu chez le voisin") == LIFE_THREATENING


def test_the_same_words_found_by_two_concerns_name_the_one_the_lexicon_lists_first(tmp_path: Path):
    path = write_lexicon(tmp_path, "on fire", exclusion_target="flooding")
    lexicon = yaml.safe_load(path.read_text(encoding="utf-8"))
    for first, second in (("blaze", "burning"), ("burning", "blaze")):
        lexicon["kinds"]["life_threatening"] = {first: ["house on fire"], second: ["house on fire"]}
        path.write_text(yaml.safe_dump(lexicon, sort_keys=False), encoding="utf-8")
        found = EmergencyDetector.from_path(path).detect("the house on fire next door")
        assert found is not None and found.concern == first


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("my father respire pus", LIFE_THREATENING),
        ("y'a un tree down sur Lakeshore", MUNICIPAL),
        ("help la maison d'à côté is on fire", LIFE_THREATENING),
    ],
)
def test_messages_mixing_french_and_english_are_understood(detector: EmergencyDetector, text: str, kind: str):
    assert kind_of(detector, text) == kind


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Mon sous-sol est INONDÉ", "sous-sol est INONDÉ"),
        ("FEUUUUU dans la cuisine", "FEUUUUU"),
        ("ma mère fait une crise de cœur", "crise de cœur"),
        ("HELP my wife is not breathing", "wife is not breathing"),
    ],
)
def test_the_phrase_is_quoted_as_the_resident_wrote_it(detector: EmergencyDetector, text: str, phrase: str):
    found = detect(detector, text)
    assert found is not None and found.phrase == phrase


# --- look-alikes and real emergencies in the same message -----------------------------------------------------------


def test_a_fireworks_question_and_a_real_fire_in_one_message_still_fires(detector: EmergencyDetector):
    found = detect(detector, "feux d'artifice ce soir? aussi ya un feu dans la maison du voisin")
    assert found == EmergencyMatch(LIFE_THREATENING, "feu", "fire")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("fire prevention week is great, but right now my neighbour's house is on fire", LIFE_THREATENING),
        ("the smoke detector is beeping and there is smoke all over the hallway", LIFE_THREATENING),
        ("le détecteur de fumée sonne pis y'a de la fumée partout dans le corridor", LIFE_THREATENING),
        ("les feux de circulation sont en panne", MUNICIPAL),
        ("la borne d'incendie est arrachée, l'eau jaillit partout", MUNICIPAL),
        ("fire hydrant knocked over and spraying water", MUNICIPAL),
        ("the water main replacement work broke a pipe and water is gushing from the street", MUNICIPAL),
    ],
)
def test_an_exclusion_never_hides_a_real_emergency_it_does_not_cover(detector: EmergencyDetector, text: str, kind: str):
    assert kind_of(detector, text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "the basement is flooding and my dad just collapsed",
        "les feux de circulation sont en panne pis un gars saigne sur le trottoir",
        "tree down on Cedar, it fell on a car and the driver is injured",
    ],
)
def test_someone_in_danger_wins_over_a_municipal_problem_in_the_same_message(detector: EmergencyDetector, text: str):
    assert kind_of(detector, text) == LIFE_THREATENING


# --- the decision on hypothetical, informational, past and planned messages (lexicons/emergencies.yml) --------------


@pytest.mark.parametrize(
    "text",
    [
        "if there's a fire, who do I call?",
        "what to do in case of a flood?",
        "what should I do if my basement floods?",
        "s'il y a un feu, j'appelle qui?",
        "quoi faire en cas d'inondation?",
        "que faire si mon sous-sol est inondé?",
        "who do I call if a tree falls on my property?",
    ],
)
def test_clearly_hypothetical_questions_are_left_to_the_classifier(detector: EmergencyDetector, text: str):
    assert detect(detector, text) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("who do I call? water main break in front of my house", MUNICIPAL),
        ("what's the number to call for a water main break?", MUNICIPAL),
        ("Is this where I report a fire? There is one behind the Metro", LIFE_THREATENING),
        ("my dad has chest pain, what do I do if he stops breathing?", LIFE_THREATENING),
        ("not sure if this is the right place but our street is flooding", MUNICIPAL),
        ("je sais pas si c'est grave, mon père respire pas", LIFE_THREATENING),
        ("je sais pas si c'est normal que l'eau sorte de la rue comme ça", MUNICIPAL),
    ],
)
def test_questions_without_a_condition_and_doubts_about_now_still_fire(
    detector: EmergencyDetector, text: str, kind: str
):
    assert kind_of(detector, text) == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("our basement flooded last year, is there a subsidy?", None),
        ("the 2019 flood was terrible", None),
        ("thanks for the quick repair of the water main break", None),
        ("interruption d'eau prévue demain, l'eau sera coupée", None),
        ("water will be shut off on Cedar", None),
        ("our basement flooded last night and it's still flooding", MUNICIPAL),
        ("l'an passé on a eu un refoulement, pis ça refoule encore ce matin", MUNICIPAL),
    ],
)
def test_past_and_planned_events_are_left_alone_unless_it_is_happening_now(
    detector: EmergencyDetector, text: str, kind: str | None
):
    assert kind_of(detector, text) == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # A denial right before the hazard; one word further, or a match that starts with it, is not one.
        ("there's no fire but the alarm keeps going off", None),
        ("the basement isn't flooded yet, should I worry?", None),
        ("not kidding fire in the kitchen", LIFE_THREATENING),
        ("no no no the house is on fire", LIFE_THREATENING),
        ("it's not a drill there is smoke everywhere", LIFE_THREATENING),
        ("y'a pas de pompiers pis le feu est pogné dans la cuisine", LIFE_THREATENING),
        ("de plus en plus de fumée dans le corridor", LIFE_THREATENING),
        ("there's no water", MUNICIPAL),
        ("pu d'eau au robinet", MUNICIPAL),
        ("he's not breathing", LIFE_THREATENING),
        ("pas capable de respirer", LIFE_THREATENING),
    ],
)
def test_a_denied_hazard_is_no_emergency_but_a_negative_emergency_still_is(
    detector: EmergencyDetector, text: str, kind: str | None
):
    assert kind_of(detector, text) == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("the cracks from the water main break are still there on Cedar", None),
        ("la chaussée est toute maganée à cause du bris d'aqueduc", None),
        ("since the water main break this morning we have no water", MUNICIPAL),
        ("water is gushing from the water main break on Cedar", MUNICIPAL),
        ("le bris d'aqueduc de ce matin coule encore dans la rue", MUNICIPAL),
        ("after the storm a tree fell on the wires", MUNICIPAL),
        ("since the flood started water is coming in the basement", MUNICIPAL),
    ],
)
def test_a_hazard_named_as_a_cause_is_no_emergency_unless_it_is_dated_now(
    detector: EmergencyDetector, text: str, kind: str | None
):
    assert kind_of(detector, text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "where is the evacuation plan for the community centre?",
        "the fire drill evacuation at the school went well",
        "le tuyau d'évacuation de la sécheuse est bouché",
        "comment évacuer l'eau de pluie de mon terrain?",
        "I need help asap to register my baby for daycare",
        "where can I go to get a fire pit permit?",
        "le niveau de l'eau monte au lac, y a-t-il des prévisions?",
        "the price of water keeps rising",
        "can you trim the branches touching the hydro wires?",
        "I'm stuck at home with covid, can someone pick up my bins?",
        "je suis pris à la maison avec la grippe",
    ],
)
def test_evacuation_rescue_and_wire_words_in_ordinary_requests_do_not_fire(detector: EmergencyDetector, text: str):
    assert detect(detector, text) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("help! my car is stuck in the flooded underpass and the water is rising", LIFE_THREATENING),
        ("mon char est pris dans le viaduc inondé pis l'eau monte", LIFE_THREATENING),
        ("we are trapped in the elevator at the library", LIFE_THREATENING),
        ("Should we leave? the river is in the street", MUNICIPAL),
        ("on part-tu? l'eau monte dans la cour", MUNICIPAL),
    ],
)
def test_rescue_and_evacuation_in_other_words_still_fire(detector: EmergencyDetector, text: str, kind: str):
    assert kind_of(detector, text) == kind


# --- speed and the lexicon itself -----------------------------------------------------------------------------------


def test_a_very_long_message_still_counts_its_last_words(detector: EmergencyDetector):
    text = "🔥" * 5000 + " " + "question sur les vidanges. " * 700 + "aussi mon père respire pus"
    found = detector.detect(text)
    assert found is not None and found.kind == LIFE_THREATENING


def write_lexicon(directory: Path, pattern: str, exclusion_target: str = "fire") -> Path:
    lexicon = {
        "settings": {"cue_scope": 6},
        "words": {"person": "he|she"},
        "kinds": {"life_threatening": {"fire": [pattern]}, "municipal": {"flooding": ["flooded basement"]}},
        "exclusions": {"events": {"applies_to": [exclusion_target], "patterns": ["fire hall"]}},
        "not_now": {"hypothetical": ["if"]},
    }
    path = directory / "emergencies.yml"
    path.write_text(yaml.safe_dump(lexicon), encoding="utf-8")
    return path


def test_a_trainer_can_extend_the_lexicon_without_touching_code(tmp_path: Path):
    detector = EmergencyDetector.from_path(write_lexicon(tmp_path, "@person ...3 on fire|ablaze"))
    assert kind_of(detector, "she is on fire") == LIFE_THREATENING
    assert kind_of(detector, "our flooded basement") == MUNICIPAL
    assert kind_of(detector, "if he is on fire") is None


def test_a_call_for_help_fires_only_with_who_needs_it_somewhere_in_the_message(tmp_path: Path):
    path = write_lexicon(tmp_path, "@person ...3 on fire")
    lexicon = yaml.safe_load(path.read_text(encoding="utf-8"))
    lexicon["kinds"]["life_threatening"]["call_for_help"] = [
        "mayday mayday",  # a concern's plain patterns still count beside its groups
        {"together": [["help needed"], ["<number> kids|adults"]]},
    ]
    lexicon["not_now"]["past"] = ["last year"]
    path.write_text(yaml.safe_dump(lexicon), encoding="utf-8")
    detector = EmergencyDetector.from_path(path)
    found = detector.detect("HELP NEEDED!!! we are on the roof. 3 kids")
    assert found is not None and (found.kind, found.concern, found.phrase) == (
        LIFE_THREATENING,
        "call_for_help",
        "HELP NEEDED",
    )
    assert detector.detect("mayday mayday") is not None
    assert detector.detect("help needed at the craft table") is None  # the call alone
    assert detector.detect("3 kids signed up for the camp") is None  # who alone
    assert detector.detect("last year help needed, 3 kids") is None  # the call set at another time


@pytest.mark.parametrize(
    ("pattern", "target", "message"),
    [
        ("@nobody on fire", "fire", "unknown word list @nobody"),
        ("...3 on fire", "fire", "must start and end with a word"),
        ("fire ...3", "fire", "must start and end with a word"),
        ("fire? smoke?", "fire", "no required word"),
        ("fire", "fires", "unknown concerns"),
        # The old syntaxes are refused with what to write instead.
        ("{{person}} on fire", "fire", "written `@name`"),
        ("on .. fire", "fire", "write how many words a gap may stand for"),
    ],
)
def test_a_mistake_in_the_lexicon_is_reported_with_the_pattern(tmp_path: Path, pattern: str, target: str, message: str):
    with pytest.raises(ValueError, match=message):
        EmergencyDetector.from_path(write_lexicon(tmp_path, pattern, target))


def test_a_mistake_in_a_pattern_names_its_file_and_line(tmp_path: Path):
    path = write_lexicon(tmp_path, "@nobody on fire")
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "@nobody" in text)
    with pytest.raises(ValueError, match=rf"^emergencies.yml:{line}: life_threatening / fire: .*@nobody"):
        EmergencyDetector.from_path(path)
    [problem] = EmergencyLexicon.load(path).problems()
    assert problem.where == f"emergencies.yml:{line}: life_threatening / fire"


# --- the NLU component ----------------------------------------------------------------------------------------------


def classified(text: str, intent: str = "greet", confidence: float = 0.9) -> Message:
    ranking = [
        {"name": intent, "confidence": confidence},
        {"name": "report_life_threatening_emergency", "confidence": 0.1},
    ]
    return Message(data={"text": text, "intent": {"name": intent, "confidence": confidence}, "intent_ranking": ranking})


@pytest.fixture(scope="module")
def safety_net(detector: EmergencyDetector) -> SafetyNet:
    return SafetyNet(detector, default_checker())


def test_not_breathing_overrides_the_classifier_with_the_life_threatening_intent(safety_net: SafetyNet):
    [message] = safety_net.process([classified("my father is not breathing")])
    intent = {"name": "report_life_threatening_emergency", "confidence": 1.0}
    assert message.get("intent") == intent
    ranking = message.get("intent_ranking")
    assert ranking[0] == intent
    assert [rank["name"] for rank in ranking] == ["report_life_threatening_emergency", "greet"]
    assert message.get(SAFETY_NET) == {"kind": LIFE_THREATENING, "phrase": "father is not breathing"}


def test_a_water_main_break_in_french_gets_the_municipal_intent_in_the_parse_output(safety_net: SafetyNet):
    [message] = safety_net.process([classified("bris d'aqueduc sur Donegani", intent="report_problem")])
    parse_output: dict[str, Any] = message.as_dict(only_output_properties=True)
    assert parse_output["intent"] == {"name": INTENT_FOR_KIND[MUNICIPAL], "confidence": 1.0}
    assert parse_output["intent_ranking"][0]["name"] == "report_municipal_emergency"
    assert parse_output[SAFETY_NET] == {"kind": MUNICIPAL, "phrase": "bris d'aqueduc"}


@pytest.mark.parametrize(
    "text", ["are there fireworks on Canada Day?", "la caserne de pompiers est-elle ouverte?", "bonjour", ""]
)
def test_a_message_that_reports_no_emergency_is_left_untouched(safety_net: SafetyNet, text: str):
    message = classified(text, intent="ask_events", confidence=0.8)
    before = copy.deepcopy(message.data)
    [after] = safety_net.process([message])
    assert after.data == before
    assert SAFETY_NET not in after.as_dict(only_output_properties=True)


@pytest.mark.parametrize(
    "text", ["a dead raccoon by the road near the school", "j'aimerais un dos d'âne dans ma rue, ça roule trop vite"]
)
def test_a_request_that_merely_names_a_hazard_takes_back_the_classifiers_emergency_guess(safety_net: SafetyNet, text):
    ranking = [
        {"name": "report_municipal_emergency", "confidence": 0.7},
        {"name": "report_problem", "confidence": 0.3},
    ]
    message = Message(data={"text": text, "intent": ranking[0], "intent_ranking": ranking})
    [message] = safety_net.process([message])
    assert message.get("intent") == {"name": "report_problem", "confidence": 0.3}
    assert message.get(SAFETY_NET) == {"dismissed": True, "classifier_guess": "report_municipal_emergency"}


def test_a_dismissed_emergency_guess_is_never_answered_with_a_learned_netiquette_intent(safety_net: SafetyNet):
    ranking = [
        {"name": "report_municipal_emergency", "confidence": 0.5},
        {"name": "advertising_or_spam", "confidence": 0.16},
        {"name": "out_of_scope", "confidence": 0.32},
    ]
    message = Message(data={"text": "a dead raccoon by the road near the school", "intent": ranking[0]})
    message.set("intent_ranking", ranking)
    [message] = safety_net.process([message])
    assert message.get("intent") == {"name": "out_of_scope", "confidence": 0.32}
    assert [rank["name"] for rank in message.get("intent_ranking")] == ["out_of_scope"]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("last year our basement was flooded", "out_of_scope"),
        ("l'an passé, notre sous-sol a été inondé", "out_of_scope"),
        ("if my basement floods, who do I call?", "nlu_fallback"),
        ("que faire si mon sous-sol est inondé?", "nlu_fallback"),
    ],
)
def test_a_sure_emergency_guess_dismissed_with_no_likely_other_intent_is_set_aside(
    safety_net: SafetyNet, text: str, answer: str
):
    """What was left of the classifier's sure guess ("thank", 0.004) would have answered "you're welcome": a
    statement is answered as a comment, a question as not understood; both answers give the emergency numbers."""
    ranking = [
        {"name": "report_municipal_emergency", "confidence": 0.99},
        {"name": "thank", "confidence": 0.004},
        {"name": "report_problem", "confidence": 0.003},
    ]
    message = Message(data={"text": text, "intent": ranking[0], "intent_ranking": ranking})
    [message] = safety_net.process([message])
    assert message.get("intent") == {"name": answer, "confidence": 1.0}
    assert [rank["name"] for rank in message.get("intent_ranking")] == [answer, "thank", "report_problem"]
    assert message.get(SAFETY_NET) == {"dismissed": True, "classifier_guess": "report_municipal_emergency"}


def test_a_message_without_text_is_left_untouched(safety_net: SafetyNet):
    message = Message(data={"intent": {"name": "greet", "confidence": 0.9}})
    [after] = safety_net.process([message])
    assert after.get("intent") == {"name": "greet", "confidence": 0.9}


def test_the_safety_net_is_built_by_rasa_like_any_component_and_ignores_training_data():
    component = SafetyNet.create({}, Mock(), Mock(), Mock())
    [message] = component.process([classified("sa sent le gaz dans la cuisine")])
    assert message.get("intent")["name"] == "report_life_threatening_emergency"
    training_data = Mock()
    assert component.process_training_data(training_data) is training_data
