"""The second opinion (pointe_claire/nlu/second_opinion.py): what the classifier gave up on is read again with a
sentence encoder and answered when the second classifier is sure enough; never an emergency, never a sure intent
overridden. A hand-made encoder for the logic, the real one (multilingual-e5-small) for what it is there for, and
the deployed assistant for what the resident receives."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from pointe_claire.city_facts import PROJECT_ROOT, load_city_facts
from pointe_claire.nlu.safety_net import SAFETY_NET, SafetyNet
from pointe_claire.nlu.second_opinion import SECOND_OPINION_KEY, SecondOpinion
from pointe_claire.nlu.sentence_encoder import TrainingVectors, default_encoder
from scripts.evaluate import stored_parse_data
from scripts.servers import Assistant

# Each keyword points along one axis, so the second classifier's decision is known in advance.
AXES = {"pothole": 0, "pool": 1, "fire": 2, "vote": 3}


class KeywordEncoder:
    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        vectors = np.full((len(texts), len(AXES)), 0.01, dtype=np.float32)
        for row, text in enumerate(texts):
            for word, axis in AXES.items():
                if word in text.lower():
                    vectors[row, axis] = 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


TRAINING = {
    "report_problem": ["pothole on my street", "big pothole", "another pothole here", "nid de poule pothole"],
    "ask_city_services": ["pool hours", "is the pool open", "pool schedule", "la piscine pool"],
    "report_life_threatening_emergency": ["fire in the kitchen", "house on fire", "fire!", "au feu fire"],
    "partisan_comment": ["vote for us", "vote them out", "votez vote", "never vote liberal"],
}


def trained(tmp_path: Path, threshold: float = 0.3, **settings: Any) -> tuple[SecondOpinion, KeywordEncoder]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(tmp_path)
    resource = Resource("second_opinion")
    encoder = KeywordEncoder()
    config = {**SecondOpinion.get_default_config(), "threshold": threshold, **settings}
    component = SecondOpinion(config, storage, resource, encoder=encoder)
    examples = [Message(data={TEXT: text, INTENT: intent}) for intent, texts in TRAINING.items() for text in texts]
    component.train(TrainingData(examples))
    loaded = SecondOpinion.load(config, storage, resource, execution_context=None)
    loaded._encoder = encoder
    return loaded, encoder


def parsed(text: str, intent: str, confidence: float = 0.45) -> Message:
    message = Message(data={TEXT: text})
    ranking = [{INTENT_NAME_KEY: intent, "confidence": confidence}, {INTENT_NAME_KEY: "greet", "confidence": 0.4}]
    message.set(INTENT, ranking[0])
    message.set(INTENT_RANKING_KEY, ranking)
    return message


def intent_of(message: Message) -> str:
    return str(message.get(INTENT)[INTENT_NAME_KEY])


def left_alone(tmp_path: Path, text: str, guess: str, confidence: float, settings: dict[str, Any]) -> bool:
    """Whether the second opinion, configured with `settings`, leaves the classifier's `guess` as it was."""
    component, _ = trained(tmp_path, **settings)
    message = parsed(text, guess, confidence)
    component.process([message])
    return intent_of(message) == guess and message.get(SECOND_OPINION_KEY) is None


def test_a_message_the_classifier_gave_up_on_gets_the_second_opinion_and_says_so(tmp_path: Path) -> None:
    component, _ = trained(tmp_path)
    message = parsed("the POTHOLE is back", "nlu_fallback")
    component.process([message])
    assert intent_of(message) == "report_problem"
    opinion: dict[str, Any] = message.get(SECOND_OPINION_KEY)
    assert opinion[INTENT_NAME_KEY] == "report_problem" and opinion["confidence"] > 0.5
    # the fallback and the classifier's guesses stay below it, for staff and the safety net
    assert [rank[INTENT_NAME_KEY] for rank in message.get(INTENT_RANKING_KEY)] == [
        "report_problem",
        "nlu_fallback",
        "greet",
    ]


@pytest.mark.parametrize("confidence", [0.97, 0.8])  # recheck_below: 0.8
def test_what_the_classifier_was_sure_of_is_left_alone_and_the_encoder_not_run(
    tmp_path: Path, confidence: float
) -> None:
    component, encoder = trained(tmp_path)
    calls_after_training = encoder.calls
    message = parsed("pool hours please", "greet", confidence=confidence)
    component.process([message])
    assert intent_of(message) == "greet" and message.get(SECOND_OPINION_KEY) is None
    assert encoder.calls == calls_after_training


def test_an_unsure_answer_is_overruled_when_the_second_opinion_is_clearly_for_another(tmp_path: Path) -> None:
    component, _ = trained(tmp_path)
    message = parsed("pool hours please", "greet", confidence=0.79)
    component.process([message])
    assert intent_of(message) == "ask_city_services"
    assert message.get(SECOND_OPINION_KEY)["overruled"] == "greet"
    assert [rank[INTENT_NAME_KEY] for rank in message.get(INTENT_RANKING_KEY)][:2] == ["ask_city_services", "greet"]


def test_an_unsure_answer_stays_when_the_second_opinion_agrees_or_hesitates(tmp_path: Path) -> None:
    component, _ = trained(tmp_path)
    agrees = parsed("pool hours please", "ask_city_services", confidence=0.6)
    hesitates = parsed("pothole near the pool", "greet", confidence=0.6)  # halfway between two intents
    component.process([agrees, hesitates])
    assert intent_of(agrees) == "ask_city_services" and agrees.get(SECOND_OPINION_KEY) is None
    assert intent_of(hesitates) == "greet" and hesitates.get(SECOND_OPINION_KEY) is None


@pytest.mark.parametrize(
    ("text", "guess"),
    [
        ("pool hours please", "report_life_threatening_emergency"),  # the safety net's to take back, not ours
        ("pool hours please", "partisan_comment"),  # the netiquette flagger's to judge
        ("fire!!", "report_problem"),  # the second opinion never puts an emergency in
    ],
)
def test_emergencies_and_the_netiquettes_intents_are_never_overruled_nor_given(
    tmp_path: Path, text: str, guess: str
) -> None:
    assert left_alone(tmp_path, text, guess, 0.6, {})


TAKE_BACK: dict[str, Any] = {"emergency_support": 0.3, "safe_intents": ["report_problem"]}


def test_an_emergency_only_the_classifier_saw_is_taken_back_for_a_safe_answer(tmp_path: Path) -> None:
    """config.yml's emergency_support: the second classifier gives the emergencies almost nothing and prefers a
    safe intent, whose answer still names 9-1-1 and 514-630-1234."""
    component, _ = trained(tmp_path, **TAKE_BACK)
    message = parsed("the pothole is back, what a disaster", "report_life_threatening_emergency", confidence=0.9)
    component.process([message])
    assert intent_of(message) == "report_problem"
    assert message.get(SECOND_OPINION_KEY)["overruled"] == "report_life_threatening_emergency"
    ranking = [rank[INTENT_NAME_KEY] for rank in message.get(INTENT_RANKING_KEY)]
    assert ranking[:2] == ["report_problem", "report_life_threatening_emergency"]  # kept below, for staff


def test_an_unsupported_emergency_guess_gets_the_safe_answer_even_when_another_intent_is_preferred(
    tmp_path: Path,
) -> None:
    """The second classifier prefers the pool's opening hours, whose answer names no emergency number: the safe
    intent answers instead (report_problem's answer names 9-1-1 and 514-630-1234)."""
    component, _ = trained(tmp_path, **TAKE_BACK)
    message = parsed("pool hours please", "report_life_threatening_emergency", confidence=0.9)
    component.process([message])
    assert intent_of(message) == "report_problem"
    assert message.get(SECOND_OPINION_KEY)["overruled"] == "report_life_threatening_emergency"


@pytest.mark.parametrize(
    ("text", "settings"),
    [
        ("house on fire", TAKE_BACK),  # the second classifier supports it
        ("pool hours please", {**TAKE_BACK, "safe_intents": []}),  # no safe intent to answer with
        ("the pothole is back", {"safe_intents": ["report_problem"]}),  # emergency_support unset: never
    ],
)
def test_an_emergency_guess_stays_when_supported_or_when_no_safe_answer_would_replace_it(
    tmp_path: Path, text: str, settings: dict[str, Any]
) -> None:
    assert left_alone(tmp_path, text, "report_life_threatening_emergency", 0.9, settings)


def test_an_emergency_guess_the_lexicon_knows_is_not_read_again_and_the_safety_net_answers_it(
    tmp_path: Path,
) -> None:
    """The keyword encoder only sees "pothole" and would take the guess back; the lexicon knows "not breathing", so
    the safety net would answer with the emergency anyway: the encoder is not run, and the emergency stands."""
    component, encoder = trained(tmp_path, **TAKE_BACK)
    calls_after_training = encoder.calls
    message = parsed("pothole outside, my neighbour fell in and is not breathing", "report_life_threatening_emergency")
    component.process([message])
    assert encoder.calls == calls_after_training and message.get(SECOND_OPINION_KEY) is None
    SafetyNet.build().process([message])
    assert intent_of(message) == "report_life_threatening_emergency"
    assert message.get(SAFETY_NET)["kind"] == "life_threatening"


def test_the_safety_net_after_it_still_answers_an_emergency_the_lexicon_knows(tmp_path: Path) -> None:
    """Taking back a guess never outranks the lexicon: a fallback's second opinion is a safe intent, and the safety
    net, after, decides on the lexicon's words."""
    component, _ = trained(tmp_path, **TAKE_BACK)
    message = parsed("pothole outside, my neighbour fell in and is not breathing", "nlu_fallback")
    component.process([message])
    assert intent_of(message) == "report_problem"  # the keyword encoder only sees "pothole"
    SafetyNet.build().process([message])
    assert intent_of(message) == "report_life_threatening_emergency"
    assert message.get(SAFETY_NET)["kind"] == "life_threatening"


AGREE: dict[str, Any] = {"netiquette_support": 0.3}


def test_an_unsure_netiquette_guess_the_second_classifier_also_puts_first_is_marked_as_agreed(tmp_path: Path) -> None:
    """The flagger calls a learned guess under 0.75 a violation only with this agreement (tests/
    test_learned_netiquette.py); the intent itself is left to the flagger."""
    component, _ = trained(tmp_path, **AGREE)
    message = parsed("our vote matters this fall", "partisan_comment", confidence=0.6)
    component.process([message])
    assert intent_of(message) == "partisan_comment"
    opinion = message.get(SECOND_OPINION_KEY)
    assert opinion[INTENT_NAME_KEY] == "partisan_comment" and opinion["agrees"] is True and opinion["confidence"] > 0.3


@pytest.mark.parametrize(
    ("text", "confidence", "settings"),
    [
        ("pool hours please", 0.6, AGREE),  # the second classifier puts another intent first
        ("our vote matters this fall", 0.6, {}),  # netiquette_support unset: never
    ],
)
def test_no_agreement_when_the_second_classifier_prefers_another_intent_or_is_not_asked(
    tmp_path: Path, text: str, confidence: float, settings: dict[str, Any]
) -> None:
    assert left_alone(tmp_path, text, "partisan_comment", confidence, settings)


def test_a_netiquette_guess_the_flagger_is_sure_of_is_not_read(tmp_path: Path) -> None:
    component, encoder = trained(tmp_path, **AGREE)
    calls_after_training = encoder.calls
    message = parsed("our vote matters this fall", "partisan_comment", confidence=0.8)
    component.process([message])
    assert encoder.calls == calls_after_training and message.get(SECOND_OPINION_KEY) is None


DISPUTE: dict[str, Any] = {"netiquette_support": 0.3, "netiquette_dispute": 0.15}


def test_a_sure_netiquette_guess_the_second_classifier_gives_little_is_disputed(tmp_path: Path) -> None:
    """The flagger then calls no violation (tests/test_learned_netiquette.py); the intent is left to it."""
    component, _ = trained(tmp_path, **DISPUTE)
    message = parsed("can we donate to the pool fund online?", "partisan_comment", confidence=0.92)
    component.process([message])
    assert intent_of(message) == "partisan_comment"
    opinion = message.get(SECOND_OPINION_KEY)
    assert opinion[INTENT_NAME_KEY] == "ask_city_services" and opinion["disputes"] == "partisan_comment"
    assert opinion["support"] < 0.15


@pytest.mark.parametrize(
    ("text", "settings"),
    [
        ("our vote matters this fall", DISPUTE),  # the second classifier supports it
        ("can we donate to the pool fund online?", AGREE),  # netiquette_dispute unset: never disputed
    ],
)
def test_a_sure_netiquette_guess_is_left_alone_when_supported_or_when_disputes_are_off(
    tmp_path: Path, text: str, settings: dict[str, Any]
) -> None:
    assert left_alone(tmp_path, text, "partisan_comment", 0.92, settings)


def test_a_netiquette_guess_whose_rule_the_lexicon_finds_is_not_read(tmp_path: Path) -> None:
    """The political lexicon itself finds "vote them all out": the flagger reports it whatever the encoder says, so
    the encoder is not run, for a sure guess or an unsure one."""
    component, encoder = trained(tmp_path, **DISPUTE)
    calls_after_training = encoder.calls
    for confidence in (0.92, 0.6):
        message = parsed("vote them all out", "partisan_comment", confidence=confidence)
        component.process([message])
        assert message.get(SECOND_OPINION_KEY) is None
    assert encoder.calls == calls_after_training


def test_an_emergency_is_never_the_second_opinions_answer(tmp_path: Path) -> None:
    component, _ = trained(tmp_path)
    message = parsed("fire fire fire", "nlu_fallback")
    component.process([message])
    assert intent_of(message) == "nlu_fallback"  # the fallback's answer gives both emergency numbers
    assert message.get(SECOND_OPINION_KEY) is None


def test_an_unsure_second_opinion_keeps_the_fallback(tmp_path: Path) -> None:
    component, _ = trained(tmp_path, threshold=0.9)
    message = parsed("pothole near the pool", "nlu_fallback")  # halfway between two intents
    component.process([message])
    assert intent_of(message) == "nlu_fallback"


def test_an_intent_whose_answer_gives_the_emergency_numbers_answers_a_fallback_at_a_lower_bar(tmp_path: Path) -> None:
    """config.yml's safe_intents: their answers name 9-1-1 and 514-630-1234 as the fallback's does (make validate)."""
    probe, _ = trained(tmp_path / "probe", threshold=0.0)
    message = parsed("the POTHOLE is back", "nlu_fallback")
    probe.process([message])
    sureness = message.get(SECOND_OPINION_KEY)["confidence"]
    bars = {"threshold": sureness + 0.01, "safe_threshold": sureness - 0.01}
    for safe_intents, expected in (([], "nlu_fallback"), (["report_problem"], "report_problem")):
        component, _ = trained(tmp_path / str(len(safe_intents)), **bars, safe_intents=safe_intents)
        message = parsed("the POTHOLE is back", "nlu_fallback")
        component.process([message])
        assert intent_of(message) == expected


COURTESIES: dict[str, Any] = {"courtesy_intents": ["thank", "greet", "goodbye"]}


def test_a_courtesy_given_to_a_longer_message_is_read_again_as_a_fallback_is(tmp_path: Path) -> None:
    """A request wrapped in thanks ("Je voudrais savoir où est la piscine. Merci"), which DIET was sure of."""
    component, _ = trained(tmp_path, **COURTESIES)
    message = parsed("hello, the pool opens when? thanks", "thank", confidence=0.99)
    component.process([message])
    assert intent_of(message) == "ask_city_services"
    assert message.get(SECOND_OPINION_KEY)["overruled"] == "thank"


@pytest.mark.parametrize(
    ("text", "settings"),
    [
        ("pool thanks", COURTESIES),  # a short courtesy is what it says
        ("hello, the pool opens when? thanks", {}),  # config.yml names no courtesy: nothing is read again
        ("thanks so much for the fire fire fire", COURTESIES),  # an emergency is never the answer: the safety net's
    ],
)
def test_short_courtesies_and_emergencies_keep_the_classifiers_answer(
    tmp_path: Path, text: str, settings: dict[str, Any]
) -> None:
    assert left_alone(tmp_path, text, "thank", 0.99, settings)


def test_a_sure_courtesy_is_not_traded_for_another_courtesy(tmp_path: Path) -> None:
    """Read again only for its other intents: the regression's preferring another courtesy overrules nothing."""
    component, _ = trained(tmp_path, courtesy_intents=["thank", "report_problem"])  # report_problem plays "goodbye"
    message = parsed("thanks again for that pothole, bye now", "thank", confidence=0.99)
    component.process([message])
    assert intent_of(message) == "thank" and message.get(SECOND_OPINION_KEY) is None


def test_a_longer_courtesy_stays_when_the_second_opinion_is_not_sure_enough(tmp_path: Path) -> None:
    component, _ = trained(tmp_path, threshold=0.9, **COURTESIES)
    message = parsed("thanks for the pothole near the pool", "thank", confidence=0.99)  # halfway between two
    component.process([message])
    assert intent_of(message) == "thank"


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂🙂", "x" * 100_000, "\x00\x01 binary"])
def test_empty_huge_or_odd_messages_are_read_without_error(tmp_path: Path, text: str) -> None:
    component, _ = trained(tmp_path)
    message = parsed(text, "nlu_fallback")
    component.process([message])
    assert intent_of(message) in {"nlu_fallback", *TRAINING}


def test_a_model_trained_without_examples_gives_no_second_opinion(tmp_path: Path) -> None:
    storage, resource = LocalModelStorage(tmp_path), Resource("empty")
    SecondOpinion({}, storage, resource, encoder=KeywordEncoder()).train(TrainingData([]))
    component = SecondOpinion.load({}, storage, resource, execution_context=None)
    message = parsed("pothole", "nlu_fallback")
    component.process([message])
    assert intent_of(message) == "nlu_fallback"


def test_the_real_encoder_puts_a_request_near_its_translation_and_its_rewording() -> None:
    """What the second opinion is for: words no example used, and the other language."""
    flooded, french, reworded, unrelated = default_encoder().encode(
        [
            "my basement is flooded",
            "mon sous-sol est inondé",
            "water keeps coming into the basement",
            "what time does the pool open",
        ]
    )
    # e5's similarities are all high (0.8 and more): what carries the meaning is their order
    assert flooded @ reworded > flooded @ french > flooded @ unrelated
    assert np.allclose(np.linalg.norm([flooded, french]), np.sqrt(2), atol=1e-3)  # unit vectors


def test_the_real_encoder_gives_each_text_its_own_vector_in_the_order_given() -> None:
    """Texts are encoded in batches sorted by length: the rows still come back in the caller's order."""
    texts = [f"{'very ' * (count % 7)}long request number {count} about a pothole" for count in range(40)]
    texts[3] = "🚒"
    texts[17] = "mon sous-sol est inondé depuis ce matin, l'eau monte encore, que faire?" * 3
    encoder = default_encoder()
    together = encoder.encode(texts)
    assert together.shape == (40, 384) and together.dtype == np.float32
    alone = np.concatenate([encoder.encode([text]) for text in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


class CountingEncoder(KeywordEncoder):
    """A keyword encoder that says what its vectors depend on, and counts the texts it encodes."""

    def __init__(self, identity: str = "keywords v1") -> None:
        super().__init__()
        self.identity = identity
        self.texts: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts += texts
        return super().encode(texts)


def test_training_vectors_are_kept_and_only_new_texts_encoded(tmp_path: Path) -> None:
    cache = TrainingVectors(tmp_path / "vectors.sqlite3")
    encoder = CountingEncoder()
    first = cache.encode(encoder, ["pothole on my street", "pool hours", "pothole on my street"])
    assert encoder.texts == ["pothole on my street", "pool hours", "pothole on my street"]
    again = cache.encode(encoder, ["fire in the kitchen", "pool hours", "pothole on my street"])
    assert encoder.texts[3:] == ["fire in the kitchen"]  # the other two were kept
    assert np.array_equal(again[1:], first[1::-1]) and again.dtype == np.float32
    assert np.array_equal(again, KeywordEncoder().encode(["fire in the kitchen", "pool hours", "pothole on my street"]))
    # another engine or model: nothing kept applies
    other = CountingEncoder("keywords v2")
    cache.encode(other, ["pool hours"])
    assert other.texts == ["pool hours"]


def test_training_uses_the_kept_vectors_and_parsing_never_stores_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "vectors.sqlite3"
    monkeypatch.setenv("ENCODER_CACHE_FILE", str(store))
    encoder = CountingEncoder()
    (tmp_path / "model").mkdir()
    storage, resource = LocalModelStorage(tmp_path / "model"), Resource("second_opinion")
    component = SecondOpinion(SecondOpinion.get_default_config(), storage, resource, encoder=encoder)
    examples = [Message(data={TEXT: text, INTENT: intent}) for intent, texts in TRAINING.items() for text in texts]
    component.train(TrainingData(examples))
    component.train(TrainingData(examples))  # the trainer's retraining: nothing encoded again
    assert len(encoder.texts) == len(examples)
    with sqlite3.connect(store) as kept:
        assert kept.execute("SELECT COUNT(*) FROM vectors").fetchone() == (len(examples),)
    loaded = SecondOpinion.load(SecondOpinion.get_default_config(), storage, resource, execution_context=None)
    loaded._encoder = encoder
    loaded.process([parsed("my pothole at 12 Cedar, call me at 514-555-0199", "nlu_fallback")])
    assert encoder.texts[-1].startswith("my pothole")  # read, but not kept
    with sqlite3.connect(store) as kept:
        assert kept.execute("SELECT COUNT(*) FROM vectors").fetchone() == (len(examples),)
    monkeypatch.setenv("ENCODER_CACHE_FILE", "off")
    component.train(TrainingData(examples))
    assert len(encoder.texts) == 2 * len(examples) + 1


THREADS_AFTER_ENCODING = """
import os
from pointe_claire.nlu.sentence_encoder import default_encoder
default_encoder().encode(["is the pool open today", "nid-de-poule sur ma rue"] * 40)
print(len(os.listdir("/proc/self/task")))
"""


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: the engine starts no other thread")
def test_the_encoders_threads_follow_the_setting() -> None:
    """`make test` sets ENCODER_THREADS=1: on a shared machine a second thread only waits for the other core."""

    def threads(setting: str) -> int:
        environment = {**os.environ, "ENCODER_THREADS": setting, "PYTHONPATH": str(PROJECT_ROOT)}
        environment.pop("OMP_NUM_THREADS", None)
        run = subprocess.run(
            [sys.executable, "-c", THREADS_AFTER_ENCODING], env=environment, capture_output=True, text=True, check=True
        )
        return int(run.stdout.split()[-1])

    assert threads("2") == threads("1") + 1


# Requests with words no example uses (lost and found, a cart in the creek, a cracked court). The encoder and the
# regression give the same numbers on every machine, and put report_problem first for each; DIET's own answers
# differ from one machine's training to another's (its floating point follows the CPU), so which of these DIET is
# unsure of varies. On this project's machines it was unsure of at least one per language, or guessed an emergency
# the second opinion took back (the last of each list: the rink's boards, the fountain, with three seeds and 30 or 50
# epochs), and the second opinion must then have given the request door.
SECOND_OPINION_MESSAGES = {
    "en": (
        [
            "found a set of keys on the bench by the library",
            "a shopping cart has been sitting in the creek for weeks",
            "there's a huge crack running across the tennis court at Valois park",
            "the fence at the dog park is busted and dogs are getting out",
            "the rink boards have a big gap and pucks fly out",
        ],
        "So that your request or complaint is handled",
    ),
    "fr": (
        [
            "mon chat est disparu depuis mardi, tigré gris, s'appelle Mimi",
            "y'a une grosse fissure sur le terrain de tennis au parc Valois",
            "quelqu'un a laissé un vieux matelas pis un divan derrière l'aréna",
            "un panier d'épicerie traîne dans le ruisseau depuis des semaines",
            "la fontaine du parc coule pu pantoute",
        ],
        "Pour que votre requête ou votre plainte",
    ),
}


@pytest.mark.parametrize("language", sorted(SECOND_OPINION_MESSAGES))
def test_through_the_assistant_the_second_opinion_gives_the_request_door(assistant: Assistant, language: str) -> None:
    texts, reply_opening = SECOND_OPINION_MESSAGES[language]
    opinions = 0
    for text in texts:
        sender = f"second-opinion-{uuid.uuid4().hex[:12]}"
        reply = assistant.reply_text(sender, text)
        parse_data = stored_parse_data(assistant.tracker_db, [sender])[sender]
        if SECOND_OPINION_KEY not in parse_data:
            continue  # DIET was sure, or the second opinion agreed with it
        opinions += 1
        assert parse_data[SECOND_OPINION_KEY][INTENT_NAME_KEY] == "report_problem", text
        assert parse_data["intent"][INTENT_NAME_KEY] == "report_problem", text
        assert reply.startswith(reply_opening), reply
    assert opinions, f"DIET was sure of every {language} message here: add requests in words it does not know"


# A request that ends in thanks, as residents write them: DIET took each for thanks on this project's machines; the
# regression, whose numbers are the same on every machine, puts ask_jobs first, above the fallback's bar.
THANKFUL_REQUESTS = {
    "fr": ("bonsoir, je suis menuisier pis je cherche un emploi à la ville. merci", "Ça nous fait plaisir"),
    "en": ("good evening I am an electrician and I need a job. thank you", "You're welcome"),
}


@pytest.mark.parametrize("language", sorted(THANKFUL_REQUESTS))
def test_through_the_assistant_a_request_that_ends_in_thanks_gets_its_door(assistant: Assistant, language: str) -> None:
    text, welcome = THANKFUL_REQUESTS[language]
    reply = assistant.reply_text(f"thankful-{uuid.uuid4().hex[:12]}", text)
    assert load_city_facts().variables[f"web_jobs_{language}"] in reply, reply
    assert welcome not in reply
