"""Staff alerts on the assistant's side (issue 17 item 1), in-process: the table and its changes, phrases in the
lexicons' pattern language, the end time passing on the fixed clock, the reply generator putting the alert first
(after an emergency answer, never before), and the short form in a public X post within 280 characters."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from pointe_claire.alerts import active, matching, records
from pointe_claire.channels.public_reply import POST_LIMIT, plan_public_answer, weighted_length
from pointe_claire.city_facts import PROJECT_ROOT
from pointe_claire.clock import FROZEN_TIME_ENV
from pointe_claire.names import ALERTS_KEY, X_VISIBILITY_KEY
from pointe_claire.nlg import BilingualFactsNLG

NOON = "2026-11-25T12:00:00-05:00"
NOON_TS = 1795626000.0  # NOON as epoch seconds
HOUR = 3600.0
BOIL_WATER = {
    "title_fr": "Avis d'ébullition",
    "title_en": "Boil-water notice",
    "text_fr": "Faites bouillir l'eau une minute avant de la boire, jusqu'à nouvel ordre.",
    "text_en": "Boil tap water for one minute before drinking it, until further notice.",
    "short_fr": "",
    "short_en": "Boil-water notice in effect: boil tap water 1 min.",
    "phrases_fr": "eau ...3 potable|buvable\nbouill*",
    "phrases_en": "# the question residents ask\nwater ...3 safe|drinkable\nboil*",
    "link": "https://www.pointe-claire.ca/avis",
    "starts_at": NOON_TS - HOUR,
    "ends_at": NOON_TS + HOUR,
}


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.engine.Engine]:
    monkeypatch.setenv(FROZEN_TIME_ENV, NOON)
    monkeypatch.setattr(active, "CACHE_SECONDS", 0.0)
    created = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}", future=True)
    records.create_table(created)
    records.create_table(created)  # every instance tries at start-up: twice is harmless
    active.forget_reads()
    yield created
    active.forget_reads()
    created.dispose()


def test_an_alert_is_stored_with_who_and_when_edited_and_lifted(engine: sa.engine.Engine) -> None:
    alert_id = records.publish(engine, BOIL_WATER, "claire")
    (alert,) = records.every(engine)
    assert (alert.id, alert.published_by, alert.published_at) == (alert_id, "claire", NOON_TS)
    assert alert.phrases("en") == ["water ...3 safe|drinkable", "boil*"]
    assert alert.short("fr") == "Avis d'ébullition https://www.pointe-claire.ca/avis"  # derived when blank
    assert alert.short("en") == BOIL_WATER["short_en"]
    assert records.edit(engine, alert_id, {**BOIL_WATER, "title_en": "Boil water"}, "marc", at=NOON_TS + 60)
    assert records.lift(engine, alert_id, "ana", at=NOON_TS + 120)
    assert not records.lift(engine, alert_id, "ana")  # already lifted
    edited = records.get(engine, alert_id)
    assert edited is not None and edited.title_en == "Boil water"
    assert (edited.edited_by, edited.edited_at, edited.lifted_by, edited.lifted_at) == (
        "marc",
        NOON_TS + 60,
        "ana",
        NOON_TS + 120,
    )
    assert not edited.is_active(NOON_TS + 121)
    assert records.every(engine, unfinished_at=NOON_TS) == []


def test_an_older_database_without_the_table_has_no_alert(tmp_path: Path) -> None:
    bare = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}", future=True)
    assert records.every(bare) == []
    assert active.running(bare) == []


def test_phrases_match_in_either_language_like_the_lexicons(engine: sa.engine.Engine) -> None:
    records.publish(engine, BOIL_WATER, "claire")
    other = records.publish(
        engine, {**BOIL_WATER, "phrases_fr": "donegani ...2 ferm*", "phrases_en": "donegani ...2 closed"}, "claire"
    )
    boil = records.every(engine)[1].id
    assert active.matching(engine, "Est-ce que l'EAU du robinet est POTABLE?") == [boil]
    assert active.matching(engine, "Is the tap water safe to drink?") == [boil]
    assert active.matching(engine, "Faut-il faire bouillir?") == [boil]
    assert active.matching(engine, "Est-ce que Donegani est fermé?") == [other]
    assert active.matching(engine, "Is Donegani closed and is the water safe?") == [other, boil]
    assert active.matching(engine, "Quand ouvre la piscine?") == []


def test_a_wrong_phrase_is_reported_with_what_to_write() -> None:
    problems = matching.problems({"fr": ["eau .. potable"], "en": ["water ...3 @unknown"]})
    assert any("write how many words a gap may stand for" in problem for problem in problems)
    assert any("unknown word list @unknown" in problem for problem in problems)
    assert matching.problems({"fr": ["eau"], "en": []}) == ["en: at least one phrase"]
    assert matching.problems({"fr": ["eau ...3 potable"], "en": ["boil*"]}) == []


def test_an_alert_ends_by_itself_at_its_end_time(engine: sa.engine.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    records.publish(engine, BOIL_WATER, "claire")
    later = records.publish(engine, {**BOIL_WATER, "starts_at": NOON_TS + HOUR / 2, "ends_at": None}, "claire")
    assert [alert.title_en for alert in active.running(engine)] == ["Boil-water notice"]
    monkeypatch.setenv(FROZEN_TIME_ENV, "2026-11-25T12:59:59-05:00")
    assert len(active.running(engine)) == 2
    monkeypatch.setenv(FROZEN_TIME_ENV, "2026-11-25T13:00:00-05:00")  # the first one's end time
    assert [alert.id for alert in active.running(engine)] == [later]
    assert active.matching(engine, "Is the water safe?") == [later]
    monkeypatch.setenv(FROZEN_TIME_ENV, "2027-06-01T00:00:00-04:00")  # until lifted: still running
    assert [alert.id for alert in active.running(engine)] == [later]


def test_every_instance_reads_a_change_within_its_cache(engine: sa.engine.Engine, monkeypatch) -> None:
    monkeypatch.setattr(active, "CACHE_SECONDS", 3600.0)
    assert active.running(engine) == []
    records.publish(engine, BOIL_WATER, "claire")
    assert active.running(engine) == []  # read less than CACHE_SECONDS ago
    monkeypatch.setattr(active, "CACHE_SECONDS", 0.0)
    assert len(active.running(engine)) == 1
    assert active.CACHE_SECONDS <= 5


# --- the reply ------------------------------------------------------------------------------------------------------


def _reply(nlg: BilingualFactsNLG, response: str, tracker: DialogueStateTracker, channel: str = "rest") -> dict:
    reply = asyncio.run(nlg.generate(response, tracker, channel))
    assert reply is not None
    return reply


DOMAIN = Domain.load(PROJECT_ROOT / "domain.yml")


def _nlg() -> BilingualFactsNLG:
    return BilingualFactsNLG(domain=DOMAIN)


def _tracker(intent: str, alert_ids: list[int], language: str | None, metadata: dict | None = None):
    tracker = DialogueStateTracker("resident", DOMAIN.slots)
    if language:
        tracker.update(SlotSet("language", language))
    parse_data = {"intent": {"name": intent, "confidence": 1.0}, "entities": [], ALERTS_KEY: alert_ids}
    tracker.update(UserUttered("…", parse_data["intent"], [], parse_data, metadata=metadata))
    return tracker


def test_the_answer_opens_with_the_alert_in_the_residents_language(engine: sa.engine.Engine) -> None:
    alert_id = records.publish(engine, BOIL_WATER, "claire")
    active.running(engine)  # the reply guard's read before the turn
    nlg = _nlg()
    french = _reply(nlg, "utter_greet", _tracker("greet", [alert_id], "fr"), "rest")
    assert french is not None
    alert, answer = french["text"].split("\n\n", 1)
    assert alert == f"Avis de la Ville – Avis d'ébullition : {BOIL_WATER['text_fr']} {BOIL_WATER['link']}"
    assert answer == _reply(nlg, "utter_greet", _tracker("greet", [], "fr"))["text"]
    english = _reply(nlg, "utter_greet", _tracker("greet", [alert_id], "en"), "rest")
    assert english is not None and english["text"].startswith("City notice – Boil-water notice: Boil tap water")
    both = _reply(nlg, "utter_greet", _tracker("greet", [alert_id], None), "rest")
    assert both is not None and both["bilingual_parts"]["fr"].startswith("Avis de la Ville")
    assert both["bilingual_parts"]["en"].startswith("City notice")


def test_an_emergency_answer_comes_before_the_alert(engine: sa.engine.Engine) -> None:
    alert_id = records.publish(engine, BOIL_WATER, "claire")
    active.running(engine)
    tracker = _tracker("report_municipal_emergency", [alert_id], "en")
    reply = _reply(_nlg(), "utter_municipal_emergency", tracker, "rest")
    assert reply is not None
    assert "514-630-1234" in reply["text"].split("\n\n")[0]
    assert reply["text"].endswith(BOIL_WATER["link"]) and "City notice" in reply["text"]


def test_the_alert_opens_the_first_answer_of_the_turn_only_and_not_a_public_x_post(
    engine: sa.engine.Engine,
) -> None:
    alert_id = records.publish(engine, BOIL_WATER, "claire")
    active.running(engine)
    nlg = _nlg()
    public = _tracker("greet", [alert_id], "en", metadata={X_VISIBILITY_KEY: "public"})
    assert "City notice" not in _reply(nlg, "utter_greet", public, "x")["text"]
    tracker = _tracker("greet", [alert_id], "en")
    first = _reply(nlg, "utter_greet", tracker, "rest")
    tracker.update(BotUttered(first["text"]))
    second = _reply(nlg, "utter_greet", tracker, "rest")
    assert second is not None and "City notice" not in second["text"]


def test_a_public_x_post_carries_the_short_form_within_the_limit() -> None:
    short = {"fr": "Avis d'ébullition en vigueur : faites bouillir l'eau 1 min.", "en": str(BOIL_WATER["short_en"])}
    long_answer = "The water is tested every day by the City. " * 12
    plan = plan_public_answer("is the water safe?", [long_answer], ["utter_x"], "en", alert=short)
    (post,) = plan.public
    assert post.startswith(short["en"]) and weighted_length(post) <= POST_LIMIT
    emergency = "Call 514-630-1234 (24/7) now. If anyone is in danger, call 9-1-1. " * 3
    plan = plan_public_answer("water main broke", [emergency], ["utter_x"], "en", emergency=True, alert=short)
    (post,) = plan.public
    assert post.index("514-630-1234") < post.index(short["en"]) and weighted_length(post) <= POST_LIMIT
    unknown = plan_public_answer("eau?", ["x"], [], None, parts={"fr": "Bonjour.", "en": "Hello."}, alert=short)
    assert [post.split("\n\n")[0] for post in unknown.public] == [short["fr"], short["en"]]
    assert plan_public_answer("hi", ["Hello."], [], "en").public == ("Hello.",)


def test_a_first_public_reply_carries_the_disclosure_and_the_alert_whole_within_the_limit() -> None:
    """The bot disclosure of a first reply and an alert's short form both fit whole, the answer shortened to the room
    they leave: disclosure, alert, answer; the emergency numbers before both."""
    from pointe_claire.channels.public_reply import default_texts

    disclosure = default_texts().automated_assistant["en"]
    short = {"fr": "Avis d'ébullition en vigueur : faites bouillir l'eau 1 min.", "en": str(BOIL_WATER["short_en"])}
    long_answer = "The water is tested every day by the City. " * 12
    (post,) = plan_public_answer("is the water safe?", [long_answer], [], "en", alert=short, first_reply=True).public
    assert weighted_length(post) <= POST_LIMIT
    assert post.index(disclosure) < post.index(short["en"]) < post.index("The water is tested")
    emergency = "Call 514-630-1234 (24/7) now. If anyone is in danger, call 9-1-1. " * 3
    (post,) = plan_public_answer(
        "water main broke", [emergency], [], "en", emergency=True, alert=short, first_reply=True
    ).public
    assert weighted_length(post) <= POST_LIMIT
    assert post.index("514-630-1234") < post.index(disclosure) < post.index(short["en"])
