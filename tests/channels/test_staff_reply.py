"""Issue 16, item 2, end to end: a staff member in the review app (headless Chromium, the real `python -m review
serve`) replies to residents of the web chat (the reply appears in the resident's open page), X (a direct message at
X's stand-in) and Messenger (a Send API call at the Graph stand-in), through the real assistant's staff endpoint;
the reply is stored in the conversation as the staff member's, and axe-core finds nothing on either page. While
staff hold a conversation the assistant does not answer an ordinary message but still answers an emergency with the
numbers; handing back makes it answer again. A Messenger reply goes out as Meta allows by the time since the
resident's last message (the assistant's clock frozen at FROZEN_TIME): a response, the HUMAN_AGENT tag, or not at all.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from bench import review_app
from bench.review_app import PASSWORD, ReviewServer, review_environment, review_server, run_cli
from review import store
from scripts.browser import chromium_missing, headless_chromium
from scripts.servers import Assistant, environment
from tests.channels.standins import STAFF_TOKEN, Recorded, StandInApi
from tests.channels.test_facebook_channel import _texts_to, delivery, post_delivery
from tests.channels.test_webchat import bot_messages, focus_message_field_with_keyboard, open_chat, say
from tests.channels.test_webchat_doors import run_axe
from tests.channels.test_x_channel import _dm_to, direct_message, post_event
from tests.conftest import FROZEN_TIME
from tests.page_waits import PageWait

STAFF = "claire"


@pytest.fixture(scope="module")
def site(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewServer]:
    """The review app, pointed at the channels' assistant's store and staff endpoint."""
    workdir = tmp_path_factory.mktemp("staff-reply")
    tracker_url, review_url = f"sqlite:///{assistant.tracker_db}", f"sqlite:///{workdir / 'review.db'}"
    env = review_environment(tracker_url, review_url)
    created = run_cli(env, "users", "add", STAFF, "--role", "reviewer", "--password-stdin", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    link = {"REVIEW_ASSISTANT_URL": assistant.base_url, "ASSISTANT_STAFF_TOKEN": STAFF_TOKEN}
    with environment(link), review_server(tracker_url, review_url, workdir) as server:
        yield server


def _chromium(language: str) -> Iterator[WebDriver]:
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    with headless_chromium(language) as driver:
        yield driver


@pytest.fixture(scope="module")
def staff_browser(site: ReviewServer) -> Iterator[WebDriver]:
    """A staff member logged in to the review app (French interface)."""
    for driver in _chromium("fr"):
        driver.get(site.base_url + "/lang/fr?next=/")
        driver.find_element(By.ID, "name").send_keys(STAFF)
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.ID, "login").click()
        PageWait(driver).until(lambda d: d.find_elements(By.ID, "current-user"))
        yield driver


@pytest.fixture
def resident_browser() -> Iterator[WebDriver]:
    yield from _chromium("en")


def _open(driver: WebDriver, site: ReviewServer, conversation: str) -> None:
    driver.get(f"{site.base_url}/conversation?id={conversation}")
    PageWait(driver).until(lambda d: d.find_elements(By.ID, "reply-form"))


def _press(driver: WebDriver, element_id: str, done: Callable[[WebDriver], Any]) -> None:
    driver.find_element(By.ID, element_id).click()
    PageWait(driver, 120).until(done)  # the click may replace the page


def reply_from_the_inbox(driver: WebDriver, site: ReviewServer, conversation: str, text: str, **ticks: bool) -> str:
    """Writes `text` in the transcript's reply form, ticks what is asked, sends; returns what the page said."""
    _open(driver, site, conversation)
    driver.find_element(By.ID, "reply-text").send_keys(text)
    for box, wanted in ticks.items():
        if wanted:
            driver.find_element(By.ID, f"reply-{box.replace('_', '-')}").click()
    _press(driver, "reply-send", lambda d: d.find_elements(By.ID, "reply-outcome"))
    return str(driver.find_element(By.ID, "reply-outcome").text)


def _until(condition: Callable[[], Any], timeout: float = 30) -> None:
    """Polls what no browser shows (the stand-ins, the tracker store) until `condition` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.2)


def stored_events(assistant: Assistant, conversation: str, kind: str) -> list[dict[str, Any]]:
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = ? ORDER BY id", (conversation, kind)
        ).fetchall()
    return [json.loads(row[0]) for row in rows]


def staff_replies(assistant: Assistant, conversation: str) -> list[dict[str, Any]]:
    return [e for e in stored_events(assistant, conversation, "bot") if "staff_reply" in (e.get("metadata") or {})]


def _wait_for_stored_user_messages(assistant: Assistant, conversation: str, count: int) -> list[dict[str, Any]]:
    _until(lambda: len(stored_events(assistant, conversation, "user")) >= count, timeout=60)
    return stored_events(assistant, conversation, "user")


def held_without_answer(assistant: Assistant, conversation: str, count: int) -> dict[str, Any]:
    """The resident's `count`th message once stored, checked to have no answer stored after it.

    No waiting for an answer that should not come: an answered turn stores the message and its answer together, at
    its end, so a message stored alone was not answered (and the next message's answer proves the turn is over)."""
    _wait_for_stored_user_messages(assistant, conversation, count)
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute(
            "SELECT id, type_name, data FROM events WHERE sender_id = ? AND type_name IN ('user', 'bot') ORDER BY id",
            (conversation,),
        ).fetchall()
    users = [index for index, (_id, kind, _data) in enumerate(rows) if kind == "user"]
    held_at = users[count - 1]
    held = json.loads(rows[held_at][2])
    after = [kind for _id, kind, _data in rows[held_at + 1 :]]
    assert after == [], f"answered although held: {after}"
    return held


def logged(site: ReviewServer, conversation: str, *kinds: str) -> list[tuple[str, str, str]]:
    """The review app's change log for the conversation (change, detail, who), only the `kinds` of change asked."""
    changes = store.changes.c
    query = (
        sa.select(changes.change, changes.detail, changes.user_name)
        .where(changes.sender_id == conversation, changes.change.in_(kinds))
        .order_by(changes.id)
    )
    engine = sa.create_engine(site.env["REVIEW_DB_URL"])
    with engine.connect() as connection:
        rows = [(row.change, row.detail, row.user_name) for row in connection.execute(query)]
    engine.dispose()
    return rows


def staff_bubbles(browser: WebDriver) -> list[WebElement]:
    return browser.find_elements(By.CSS_SELECTOR, "#log .message.staff")


def test_a_staff_reply_appears_in_the_residents_open_web_chat_and_a_take_over_silences_all_but_emergencies(
    assistant: Assistant, site: ReviewServer, staff_browser: WebDriver, resident_browser: WebDriver
) -> None:
    session = open_chat(resident_browser, f"{assistant.base_url}/webhooks/webchat/?lang=en")
    conversation = f"webchat:{session}"
    focus_message_field_with_keyboard(resident_browser)  # as a resident would: `say` types where the focus is
    say(resident_browser, "I want to talk to a human")  # a handoff, in English

    reply = "Hello, this is Claire from the City. Your request is forwarded to Public Works."
    outcome = reply_from_the_inbox(staff_browser, site, conversation, reply, close_handoff=True)
    assert outcome == "Réponse envoyée au résident."  # the staff page's own language
    # The resident's open page shows it, labelled as the City's staff's (not the assistant's), in English.
    WebDriverWait(resident_browser, 20).until(staff_bubbles)
    (bubble,) = staff_bubbles(resident_browser)
    assert bubble.find_element(By.CLASS_NAME, "who").text.startswith("City staff")
    assert bubble.find_element(By.CLASS_NAME, "text").text == reply
    assert bubble.get_attribute("lang") == "en"
    # Stored in the conversation as Claire's, delivered; the handoff closed; the take-over shown.
    (stored,) = staff_replies(assistant, conversation)
    assert stored["text"] == reply and stored["metadata"]["staff_reply"]["by"] == STAFF
    assert stored["metadata"]["staff_reply"]["delivered"] is True
    assert "fermé" in staff_browser.find_element(By.ID, "handoff-state").text
    assert STAFF in staff_browser.find_element(By.ID, "takeover-state").text
    assert reply in staff_browser.find_element(By.CSS_SELECTOR, ".turn.staff_member").text
    # axe-core finds nothing on either side: the staff bubble, and the transcript with its reply form and outcome.
    assert {"resident": run_axe(resident_browser), "staff": run_axe(staff_browser)} == {"resident": [], "staff": []}

    # Held: an ordinary message is stored, marked, and left unanswered...
    shown = len(bot_messages(resident_browser))
    resident_browser.switch_to.active_element.send_keys("What are the library's opening hours?\n")
    held = held_without_answer(assistant, conversation, 2)
    assert held["metadata"]["held_by_staff"] == {"by": STAFF}
    # ... but an emergency still gets the numbers, and nothing else came between.
    answer = say(resident_browser, "There is a fire in my neighbour's house, people are inside")
    assert bot_messages(resident_browser)[shown:] == answer
    assert "9-1-1" in answer[0].text

    # Handed back: the assistant answers again, an unmarked message.
    _open(staff_browser, site, conversation)
    _press(staff_browser, "hand-back", lambda d: d.find_elements(By.ID, "take-over"))
    assert "répond" in staff_browser.find_element(By.ID, "takeover-state").text
    assert say(resident_browser, "What are the library's opening hours?")
    last = stored_events(assistant, conversation, "user")[-1]
    assert "held_by_staff" not in (last.get("metadata") or {})


def test_a_staff_reply_to_a_french_x_dm_reaches_x_and_the_take_over_keeps_only_emergencies(
    assistant: Assistant, site: ReviewServer, staff_browser: WebDriver, x_api: StandInApi, user_id: str
) -> None:
    conversation = f"x:dm:{user_id}"
    post_event(assistant, direct_message(user_id, "Je veux parler à une personne"))
    x_api.wait_for(_dm_to(user_id))
    reply = "Bonjour, ici Claire de la Ville. Un inspecteur passera demain."
    assert reply_from_the_inbox(staff_browser, site, conversation, reply) == "Réponse envoyée au résident."
    sent = x_api.wait_for(lambda r: _dm_to(user_id)(r) and r.body.get("text") == reply)
    assert sent[0].status < 300
    assert staff_replies(assistant, conversation)[0]["metadata"]["staff_reply"]["channel"] == "x"

    dms_before = len(x_api.received(_dm_to(user_id)))
    post_event(assistant, direct_message(user_id, "Quelles sont les heures de la bibliothèque?"))
    held = held_without_answer(assistant, conversation, 2)  # silent while Claire holds it
    assert held["metadata"]["held_by_staff"] == {"by": STAFF}
    post_event(assistant, direct_message(user_id, "Il y a un feu dans la maison de mon voisin"))
    emergency = x_api.wait_for(_dm_to(user_id), count=dms_before + 1)[dms_before]  # the first DM since the reply
    assert "9-1-1" in emergency.body["text"]


def test_a_messenger_conversation_taken_over_gets_the_staff_reply_at_the_graph_api_and_is_handed_back_with_it(
    assistant: Assistant, site: ReviewServer, staff_browser: WebDriver, graph_api: StandInApi, user_id: str
) -> None:
    conversation = f"facebook:{user_id}"
    assert post_delivery(assistant, delivery(user_id, "Il y a un nid-de-poule sur ma rue")) == 200
    _until(lambda: _texts_to(graph_api, user_id))
    _open(staff_browser, site, conversation)
    _press(staff_browser, "take-over", lambda d: d.find_elements(By.ID, "hand-back"))
    assert STAFF in staff_browser.find_element(By.ID, "takeover-state").text
    reply = "Merci, l'équipe des travaux publics a reçu votre signalement."
    outcome = reply_from_the_inbox(staff_browser, site, conversation, reply, hand_back=True)
    assert outcome == "Réponse envoyée au résident."
    _until(lambda: reply in _texts_to(graph_api, user_id))
    assert "répond" in staff_browser.find_element(By.ID, "takeover-state").text  # handed back with the reply
    before = len(_texts_to(graph_api, user_id))
    assert post_delivery(assistant, delivery(user_id, "Merci beaucoup!")) == 200
    _until(lambda: len(_texts_to(graph_api, user_id)) > before)  # the assistant answers again
    assert logged(site, conversation, "taken_over", "replied", "handed_back") == [
        ("taken_over", "", STAFF),
        ("replied", "sent", STAFF),
        ("handed_back", "", STAFF),
    ]
    assert "held_by_staff" not in (stored_events(assistant, conversation, "user")[-1].get("metadata") or {})


def _messenger_conversation_written_at(assistant: Assistant, user_id: str, hours_ago: float) -> str:
    """A French Messenger conversation whose resident last wrote `hours_ago` before the assistant's frozen clock,
    an answer of the assistant after it (it does not reopen Meta's window: only the resident's message does)."""
    conversation = f"facebook:{user_id}"
    last = datetime.fromisoformat(FROZEN_TIME).timestamp() - hours_ago * 3600
    message = review_app.resident_message(last, "Le nid-de-poule est toujours là", "report_problem", "fr")
    message["input_channel"] = "facebook"
    answer = {"event": "bot", "timestamp": last + 600, "text": "Merci, c'est noté.", "data": {}, "metadata": {}}
    events = [review_app.slot_event(last - 60, "language", "fr"), message, answer]
    review_app.write_events(f"sqlite:///{assistant.tracker_db}", conversation, events)
    return conversation


def _sent_to(graph_api: StandInApi, user_id: str) -> list[Recorded]:
    return graph_api.received(lambda r: isinstance(r.body, dict) and r.body.get("recipient", {}).get("id") == user_id)


def test_a_messenger_reply_is_a_response_within_24_hours_and_tagged_human_agent_up_to_7_days(
    assistant: Assistant, site: ReviewServer, staff_browser: WebDriver, graph_api: StandInApi
) -> None:
    reply = "Bonjour, ici Claire de la Ville : une équipe passera cette semaine."
    sent_as = {}
    for hours_ago in (2, 48, 6.9 * 24):
        resident = str(random.randrange(10**17, 10**18))
        conversation = _messenger_conversation_written_at(assistant, resident, hours_ago)
        outcome = reply_from_the_inbox(staff_browser, site, conversation, reply, hand_back=True)
        assert outcome == "Réponse envoyée au résident."
        (sent,) = _sent_to(graph_api, resident)
        assert sent.body["message"]["text"] == reply and sent.status == 200
        sent_as[hours_ago] = (sent.body["messaging_type"], sent.body.get("tag"))
    assert sent_as == {
        2: ("RESPONSE", None),
        48: ("MESSAGE_TAG", "HUMAN_AGENT"),
        6.9 * 24: ("MESSAGE_TAG", "HUMAN_AGENT"),
    }


def test_a_messenger_reply_8_days_after_the_residents_last_message_is_not_sent_and_staff_see_why(
    assistant: Assistant, site: ReviewServer, staff_browser: WebDriver, graph_api: StandInApi, user_id: str
) -> None:
    conversation = _messenger_conversation_written_at(assistant, user_id, 8 * 24)
    reply = "Bonjour, ici Claire de la Ville : une équipe passera cette semaine."
    outcome = reply_from_the_inbox(staff_browser, site, conversation, reply, hand_back=True)
    assert outcome == (
        "Réponse conservée, mais non envoyée : Messenger refuse toute réponse plus de 7 jours après le dernier "
        "message du résident (il doit écrire de nouveau)."
    )
    assert _sent_to(graph_api, user_id) == []  # nothing reached the Graph API: Meta would have refused it
    (stored,) = staff_replies(assistant, conversation)
    assert stored["metadata"]["staff_reply"]["delivered"] is False
    assert stored["metadata"]["staff_reply"]["reason"] == "messenger_window_closed"
    # The transcript says why too, later, for whoever reads it.
    turn = staff_browser.find_element(By.CSS_SELECTOR, ".turn.staff_member .staff-reply").text
    assert "non remise : plus de 7 jours après le dernier message du résident (Messenger)" in turn
