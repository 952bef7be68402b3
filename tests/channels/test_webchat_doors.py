"""The web chat's doors, in headless Chromium against the real assistant: the welcome's buttons by mouse and by
keyboard, "talk to a person", "end conversation", and axe-core at three widths in both languages.

Shares test_webchat.py's server (the session's assistant), its browser fixture and its helpers; each expected
answer is the domain's response rendered by the assistant's own reply generator, so a wrong door shows as a diff.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from functools import lru_cache
from typing import Any

import pytest
import socketio
from rasa.shared.core.domain import Domain
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from actions.follow_up import follow_up_variables
from pointe_claire.channels.webchat import load_page_text
from pointe_claire.city_facts import PROJECT_ROOT
from pointe_claire.nlg import BilingualFactsNLG
from scripts.servers import Assistant
from tests.channels import test_webchat as chat_page
from tests.channels.test_webchat import (
    ANSWER_SECONDS,
    AXE,
    answer_to,
    emulate_width,
    focus_message_field_with_keyboard,
    open_chat,
    say,
    stored_webchat_events,
    text_of,
)
from tests.conftest import FROZEN_TIME

pytestmark = pytest.mark.browser
# test_webchat.py's fixtures: the page on the session's assistant, a fresh headless Chromium per test.
page_url = chat_page.page_url
browser = chat_page.browser

TITLES = {
    "fr": ["Signaler un problème", "Numéros d'urgence", "Conseil municipal", "Médias", "Parler à une personne"],
    "en": ["Report a problem", "Emergency numbers", "City Council", "Media", "Talk to a person"],
}


@lru_cache(maxsize=1)
def _nlg() -> BilingualFactsNLG:
    return BilingualFactsNLG(domain=Domain.load(PROJECT_ROOT / "domain.yml"))


def expected(response: str, language: str, **variables: str) -> str:
    """The response as the page shows it: rendered like the assistant does, one bubble per paragraph."""
    rendered = _nlg().render(response, {"language": language}, "webchat", None, None, **variables)
    assert rendered is not None
    return rendered["text"].replace("\n\n", "\n")


def quick_replies(browser: WebDriver) -> list[WebElement]:
    return browser.find_elements(By.CSS_SELECTOR, "#log .quick-replies button")


def welcome_bubble(browser: WebDriver) -> WebElement:
    return browser.find_element(By.CSS_SELECTOR, "#log .message.bot")


def tab_to(browser: WebDriver, text: str, backwards: bool = False, most: int = 12) -> WebElement:
    """Presses Tab (Shift+Tab: `backwards`) from where the focus is (the page's start when nothing has it) until the
    focused element reads `text`, as a keyboard-only resident."""
    keys = (Keys.SHIFT, Keys.TAB) if backwards else (Keys.TAB,)
    for _ in range(most):
        browser.switch_to.active_element.send_keys(*keys)
        focused = browser.switch_to.active_element
        if focused.text == text:
            assert focused.value_of_css_property("outline-style") == "solid", "focus must show"
            return focused
    raise AssertionError(f"{text!r} not reached with Tab")


def stored_intents(assistant: Assistant, session_id: str) -> list[tuple[str, str]]:
    return [(e["text"], e["parse_data"]["intent"]["name"]) for e in stored_webchat_events(assistant, session_id)]


@pytest.mark.parametrize(
    ("language", "door", "response"), [("fr", 2, "utter_council"), ("en", 3, "utter_media_contact")]
)
def test_a_welcome_button_clicked_shows_its_title_and_gets_its_answer(
    assistant: Assistant, page_url: str, browser: WebDriver, language: str, door: int, response: str
):
    session_id = open_chat(browser, f"{page_url}?lang={language}")
    welcome = welcome_bubble(browser)
    assert welcome.get_attribute("lang") == language
    assert welcome.find_element(By.CLASS_NAME, "text").text == expected("utter_welcome", language)
    buttons = quick_replies(browser)
    assert [b.text for b in buttons] == TITLES[language]
    assert {b.tag_name for b in buttons} == {"button"}

    answer = answer_to(browser, buttons[door].click)

    assert text_of(answer) == expected(response, language)
    assert {b.get_attribute("lang") for b in browser.find_elements(By.CSS_SELECTOR, "#log .message.bot")} == {language}
    user_bubbles = browser.find_elements(By.CSS_SELECTOR, "#log .message.user .text")
    assert [b.text for b in user_bubbles] == [TITLES[language][door]]  # the label, not the payload
    assert quick_replies(browser) == [], "each door is offered once"
    assert stored_intents(assistant, session_id) == [(TITLES[language][door], response_intent(response))]


def response_intent(response: str) -> str:
    return {"utter_council": "ask_council", "utter_media_contact": "ask_media_relations"}[response]


@pytest.mark.parametrize(("language", "key"), [("fr", Keys.ENTER), ("en", Keys.SPACE)])
def test_a_welcome_button_pressed_with_the_keyboard_gets_its_answer(
    assistant: Assistant, page_url: str, browser: WebDriver, language: str, key: str
):
    session_id = open_chat(browser, f"{page_url}?lang={language}")
    door = tab_to(browser, TITLES[language][1])  # emergency numbers

    answer = answer_to(browser, lambda: door.send_keys(key))

    assert text_of(answer) == expected("utter_emergency_numbers", language)
    hrefs = {a.get_attribute("href") for part in answer for a in part.find_elements(By.TAG_NAME, "a")}
    assert {"tel:911", "tel:+15146301234", "tel:+15146301200"} <= hrefs
    assert stored_intents(assistant, session_id) == [(TITLES[language][1], "ask_emergency_numbers")]
    assert browser.switch_to.active_element.get_attribute("id") == "message", "the resident types on"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_talk_to_a_person_opens_a_handoff_that_says_when_staff_will_read_it(
    assistant: Assistant, page_url: str, browser: WebDriver, language: str
):
    session_id = open_chat(browser, f"{page_url}?lang={language}")
    focus_message_field_with_keyboard(browser)
    say(browser, "Bonjour" if language == "fr" else "Hello")  # the welcome's buttons are gone; this one stays
    button = browser.find_element(By.ID, "talk-to-person")
    assert button.text == TITLES[language][4] and button.is_displayed()
    button = tab_to(browser, TITLES[language][4], backwards=True)  # from the message field, up

    answer = answer_to(browser, lambda: button.send_keys(Keys.ENTER))

    # The tests' clock is a Friday at 5:45 p.m., after office hours: the answer names the next business day.
    follow_up = follow_up_variables(datetime.fromisoformat(FROZEN_TIME))
    assert text_of(answer) == expected("utter_handoff", language, **follow_up)
    assert follow_up[f"follow_up_{language}"] in text_of(answer)
    events = stored_webchat_events(assistant, session_id)
    assert (events[-1]["text"], events[-1]["parse_data"]["intent"]["name"]) == (TITLES[language][4], "ask_for_human")


def test_end_conversation_asks_first_then_clears_the_page_and_starts_a_new_conversation(
    assistant: Assistant, page_url: str, browser: WebDriver
):
    words = load_page_text()["en"]
    first_session = open_chat(browser, f"{page_url}?lang=en")
    focus_message_field_with_keyboard(browser)
    say(browser, "When is the next council meeting?")
    shown = browser.find_element(By.ID, "log").text
    dialog = browser.find_element(By.ID, "end-dialog")

    # Escape keeps the conversation; the focus comes back to the message field.
    tab_to(browser, words["end_conversation"], backwards=True).send_keys(Keys.ENTER)
    assert dialog.get_attribute("open") is not None
    assert browser.switch_to.active_element.text == words["end_cancel"], "the safe choice has the focus"
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert dialog.get_attribute("open") is None and browser.find_element(By.ID, "log").text == shown
    assert browser.switch_to.active_element.get_attribute("id") == "message"

    tab_to(browser, words["end_conversation"], backwards=True).send_keys(Keys.ENTER)
    browser.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)  # to "End"
    assert browser.switch_to.active_element.text == words["end_confirm"]
    browser.switch_to.active_element.send_keys(Keys.ENTER)

    WebDriverWait(browser, 10).until(
        lambda _: browser.find_element(By.ID, "chat").get_attribute("data-session-id") not in (None, first_session)
    )
    new_session = str(browser.find_element(By.ID, "chat").get_attribute("data-session-id"))
    assert browser.find_element(By.ID, "status").text == words["ended"]
    messages = browser.find_elements(By.CSS_SELECTOR, "#log .message")
    assert [m.get_attribute("class") for m in messages] == ["message bot"]  # the new welcome only
    assert [b.text for b in quick_replies(browser)] == TITLES["en"]
    stored: dict[str, Any] = browser.execute_script(
        "return {id: sessionStorage.getItem('pointe-claire-webchat-session'),"
        " log: JSON.parse(sessionStorage.getItem('pointe-claire-webchat-log'))}"
    )
    assert stored["id"] == new_session and [entry["who"] for entry in stored["log"]] == ["bot"]

    say(browser, "Thanks!")
    assert [e["text"] for e in stored_webchat_events(assistant, new_session)] == ["Thanks!"]
    assert [e["text"] for e in stored_webchat_events(assistant, first_session)] == ["When is the next council meeting?"]
    open_chat(browser, f"{page_url}?lang=en")  # a reload keeps the new conversation
    assert browser.find_element(By.ID, "chat").get_attribute("data-session-id") == new_session


def run_axe(browser: WebDriver) -> list[dict[str, Any]]:
    if not browser.execute_script("return typeof axe !== 'undefined'"):
        browser.execute_script(AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] })
          .then((result) => done(result.violations.map((v) => ({ id: v.id, impact: v.impact,
            targets: v.nodes.map((n) => n.target.join(" ")) }))));
        """
    )
    return violations


@pytest.mark.parametrize("language", ["fr", "en"])
def test_axe_finds_nothing_with_the_welcome_buttons_and_the_dialog_from_320_to_1280_pixels(
    page_url: str, browser: WebDriver, language: str
):
    open_chat(browser, f"{page_url}?lang={language}")
    answer_to(browser, quick_replies(browser)[0].click)  # a question and its answer on the page too
    found: dict[int | str, list[dict[str, Any]]] = {}
    for width, height in ((320, 568), (390, 844), (1280, 800)):
        emulate_width(browser, width, height)
        found[width] = run_axe(browser)
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    browser.find_element(By.ID, "end-conversation").click()
    found["dialog"] = run_axe(browser)
    open_chat(browser, f"{page_url}?lang={language}&embed=1")  # the page as the launcher's panel shows it
    found["embedded"] = run_axe(browser)
    assert found == {320: [], 390: [], 1280: [], "dialog": [], "embedded": []}


async def _button_events(base_url: str, events: list[dict[str, Any]]) -> tuple[str, list[list[str]]]:
    """Opens a session over socket.io and sends each event; returns the session id and each answer's parts."""
    client = socketio.AsyncClient(reconnection=False)
    received: asyncio.Queue[str] = asyncio.Queue()
    confirmed: asyncio.Queue[str] = asyncio.Queue()
    client.on("bot_uttered", lambda data: received.put_nowait(data.get("text", "")))
    client.on("session_confirm", confirmed.put_nowait)
    await client.connect(base_url, socketio_path="/socket.io", transports=["polling"])
    answers = []
    try:
        await client.emit("session_request", {"lang": "en"})
        session_id = await asyncio.wait_for(confirmed.get(), 10)
        while not received.empty():
            received.get_nowait()  # the welcome
        for event in events:
            await client.emit("user_uttered", {**event, "session_id": session_id})
            parts = [await asyncio.wait_for(received.get(), ANSWER_SECONDS)]
            with contextlib.suppress(asyncio.TimeoutError):
                while True:
                    parts.append(await asyncio.wait_for(received.get(), 1.0))
            answers.append(parts)
    finally:
        await client.eio.disconnect(abort=True)
    return session_id, answers


def test_only_the_welcomes_own_pairs_of_title_and_payload_skip_nlu(assistant: Assistant):
    fire = "My neighbour's house is on fire"
    session_id, answers = asyncio.run(
        _button_events(
            assistant.base_url,
            [
                {"message": fire, "payload": "/ask_council"},  # a forged pair: the words go through NLU
                {"message": "City Council", "payload": '/ask_council{"language": "fr"}'},  # no such button
                {"message": "City Council", "payload": "/ask_council"},
            ],
        )
    )
    assert any("9-1-1" in part for part in answers[0]), answers[0]
    assert "\n".join(answers[2]) == expected("utter_council", "en")
    events = stored_webchat_events(assistant, session_id)
    assert [e["text"] for e in events] == [fire, "City Council", "City Council"]
    assert events[0]["parse_data"]["intent"]["name"] == "report_life_threatening_emergency"
    # Read by the classifier (it ranks every intent) but the last, the welcome's own pair.
    assert [len(e["parse_data"]["intent_ranking"]) > 1 for e in events] == [True, True, False]
    assert events[2]["parse_data"]["intent"] == {"name": "ask_council", "confidence": 1.0}
