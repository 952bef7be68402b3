"""The web chat page, driven in headless Chromium with the keyboard, against the real assistant.

The page is served by the running Rasa server (credentials.yml's webchat channel) and talks to it over socket.io;
the replies come from the trained model and the action server (tests/conftest.py), and the conversation is read
back from the SQLite tracker store.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sqlite3
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import socketio
import yaml
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from pointe_claire.channels import webchat
from pointe_claire.channels.conversation_ids import WEBCHAT, conversation_id
from pointe_claire.channels.webchat import DIST, load_page_text
from pointe_claire.city_facts import cached_city_facts
from pointe_claire.language import LinguaIdentifier
from scripts.browser import chromium_missing, headless_chromium
from scripts.servers import Assistant, http
from tests.channels.conftest import stored_user_events

IDENTIFIER = LinguaIdentifier()
ANSWER_SECONDS = 30  # the first message of a run also warms the model up


@pytest.fixture(scope="module")
def page_url(assistant: Assistant) -> str:
    assert (DIST / "chat.js").exists() and (DIST / "socket.io.min.js").exists(), "run `make webchat` first"
    return f"{assistant.base_url}/webhooks/webchat/"


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    """Headless Chromium; the tests that need it are skipped only where Debian's chromium is not installed."""
    missing = chromium_missing()
    if missing:
        pytest.skip(missing)
    with headless_chromium() as driver:
        yield driver


def open_chat(browser: WebDriver, url: str) -> str:
    """Opens the page and waits for the server to confirm the session; returns the session id."""
    browser.get(url)
    return session_confirmed(browser)


def session_confirmed(browser: WebDriver) -> str:
    chat = browser.find_element(By.ID, "chat")
    WebDriverWait(browser, 20).until(lambda _: chat.get_attribute("data-session-id"))
    return str(chat.get_attribute("data-session-id"))


def bot_messages(browser: WebDriver) -> list[WebElement]:
    return browser.find_elements(By.CSS_SELECTOR, "#log .message.bot .text")


def answer_to(browser: WebDriver, press: Callable[[], None]) -> list[WebElement]:
    """Does `press` (typing, a click, a key) and returns the assistant's answer, every part."""
    before = len(bot_messages(browser))
    press()
    WebDriverWait(browser, ANSWER_SECONDS).until(lambda _: len(bot_messages(browser)) > before)
    # Rasa sends a reply in several socket.io messages: wait until none came for a second.
    count, quiet_since = len(bot_messages(browser)), time.monotonic()
    while time.monotonic() - quiet_since < 1.0:
        time.sleep(0.1)
        if len(bot_messages(browser)) != count:
            count, quiet_since = len(bot_messages(browser)), time.monotonic()
    return bot_messages(browser)[before:]


def say(browser: WebDriver, text: str) -> list[WebElement]:
    """Types the message into the focused field, presses Enter, and returns the assistant's answer (every part)."""
    return answer_to(browser, lambda: browser.switch_to.active_element.send_keys(text, Keys.ENTER))


def focus_message_field_with_keyboard(browser: WebDriver) -> None:
    """Tab to the skip link, Enter: the message field has the focus, as for a keyboard-only resident."""
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    skip_link = browser.switch_to.active_element
    assert skip_link.get_attribute("class") == "skip-link" and skip_link.is_displayed()
    skip_link.send_keys(Keys.ENTER)
    WebDriverWait(browser, 5).until(lambda _: browser.switch_to.active_element.get_attribute("id") == "message")
    assert browser.switch_to.active_element.value_of_css_property("outline-style") == "solid", "focus must show"


def links(answer: list[WebElement]) -> dict[str, str]:
    """Every link in the answer: text -> href."""
    return {a.text: str(a.get_attribute("href")) for part in answer for a in part.find_elements(By.TAG_NAME, "a")}


def text_of(answer: list[WebElement]) -> str:
    return "\n".join(part.text for part in answer)


def emergency_banner_in_view(browser: WebDriver) -> bool:
    """The banner with both emergency numbers is on screen (not just in the page), at the current scroll position."""
    banner = browser.find_element(By.ID, "emergency")
    box: dict[str, Any] = browser.execute_script("return arguments[0].getBoundingClientRect().toJSON()", banner)
    numbers = {a.get_attribute("href") for a in banner.find_elements(By.TAG_NAME, "a")}
    return (
        banner.is_displayed() and box["top"] >= 0 and box["height"] > 0 and numbers >= {"tel:911", "tel:+15146301234"}
    )


def stored_webchat_events(assistant: Assistant, session_id: str) -> list[dict[str, Any]]:
    """The resident's messages of this web chat session, as the tracker store holds them."""
    return stored_user_events(assistant, conversation_id(WEBCHAT, session_id))


def test_french_resident_reports_a_leak_and_gets_a_french_answer_with_the_number_to_tap(
    assistant: Assistant, page_url: str, browser: WebDriver
):
    session_id = open_chat(browser, page_url)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert emergency_banner_in_view(browser)
    focus_message_field_with_keyboard(browser)

    answer = say(browser, "Bonjour, il y a une fuite d'eau dans ma rue")

    assert IDENTIFIER.identify(text_of(answer)).language == "fr", text_of(answer)
    assert links(answer).get("514-630-1234") == "tel:+15146301234", text_of(answer)
    assert emergency_banner_in_view(browser)
    assert [event["text"] for event in stored_webchat_events(assistant, session_id)] == [
        "Bonjour, il y a une fuite d'eau dans ma rue"
    ]
    assert {event["input_channel"] for event in stored_webchat_events(assistant, session_id)} == {"webchat"}


def test_english_resident_reports_a_fire_and_gets_an_english_answer_with_9_1_1(
    assistant: Assistant, page_url: str, browser: WebDriver
):
    open_chat(browser, page_url)
    # The language switch is a link reached with the keyboard: Tab from the message field back to it.
    switch = browser.find_element(By.CSS_SELECTOR, "nav a[hreflang='en']")
    assert switch.text == "English" and switch.get_attribute("lang") == "en"
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB, Keys.TAB, Keys.TAB, Keys.TAB)
    assert browser.switch_to.active_element == switch
    switch.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda _: browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    session_id = session_confirmed(browser)
    assert browser.find_element(By.ID, "status").text == "Connected."
    focus_message_field_with_keyboard(browser)

    answer = say(browser, "My neighbour's house is on fire")

    assert IDENTIFIER.identify(text_of(answer)).language == "en", text_of(answer)
    assert links(answer).get("9-1-1") == "tel:911", text_of(answer)
    assert emergency_banner_in_view(browser)
    assert [(event["text"], event["input_channel"]) for event in stored_webchat_events(assistant, session_id)] == [
        ("My neighbour's house is on fire", "webchat")
    ]


def test_a_reload_keeps_the_conversation_and_the_banner_stays_on_screen_as_it_grows(
    assistant: Assistant, page_url: str, browser: WebDriver
):
    session_id = open_chat(browser, page_url)
    focus_message_field_with_keyboard(browser)
    say(browser, "Bonjour, mon sous-sol est inondé")
    shown_before = browser.find_element(By.ID, "log").text

    assert open_chat(browser, page_url) == session_id
    assert browser.find_element(By.ID, "log").text == shown_before
    focus_message_field_with_keyboard(browser)
    for message in ("Merci", "Où puis-je trouver les offres d'emploi de la Ville?", "Et les séances du conseil?"):
        say(browser, message)
        assert emergency_banner_in_view(browser)

    assert browser.execute_script("return window.scrollY") > 0, "the conversation should be longer than the window"
    assert len(stored_webchat_events(assistant, session_id)) == 4


def on_screen_below_the_banner(browser: WebDriver, element: WebElement) -> bool:
    """The element is wholly in the window and not hidden under the sticky emergency banner."""
    return bool(
        browser.execute_script(
            """
            const box = arguments[0].getBoundingClientRect();
            const banner = document.getElementById("emergency").getBoundingClientRect();
            return box.top >= banner.bottom && box.bottom <= window.innerHeight;
            """,
            element,
        )
    )


def emulate_width(browser: WebDriver, width: int, height: int) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_after_each_reply_the_message_field_stays_on_screen(page_url: str, browser: WebDriver, width: int, height: int):
    emulate_width(browser, width, height)
    open_chat(browser, page_url)
    focus_message_field_with_keyboard(browser)
    field = browser.find_element(By.ID, "message")
    for message in ("Bonjour", "Où puis-je trouver les offres d'emploi de la Ville?", "Et les séances du conseil?"):
        answer = say(browser, message)
        assert on_screen_below_the_banner(browser, field), f"after {message!r} the field is off screen at {width}px"
        assert on_screen_below_the_banner(browser, answer[-1]), "the new reply is just above the field"
        assert emergency_banner_in_view(browser)
    assert browser.switch_to.active_element == field  # the resident types on, no click needed


def test_phone_numbers_are_never_cut_across_two_lines(page_url: str, browser: WebDriver):
    emulate_width(browser, 320, 568)
    open_chat(browser, page_url)
    focus_message_field_with_keyboard(browser)
    answer = say(browser, "Il y a de la fumée et des flammes chez mon voisin")
    assert {"tel:911"} <= {a.get_attribute("href") for part in answer for a in part.find_elements(By.TAG_NAME, "a")}
    # Every number wherever it falls on a line: a reply bubble of the page, the number pushed one word further each
    # time, so that one of them ends a line (where "9-1-1" used to break after a hyphen).
    cut: list[str] = browser.execute_script(
        """
        const log = document.getElementById("log");
        const cut = [];
        for (const number of ["9-1-1", "514-630-1234", "514-630-1200"]) {
          for (let words = 0; words < 40; words++) {
            const item = document.createElement("li");
            item.className = "message bot";
            const text = document.createElement("div");
            text.className = "text";
            text.appendChild(PointeClaireLinkify.render("ab ".repeat(words) + "appelez le " + number, document));
            item.appendChild(text);
            log.appendChild(item);
            if (text.querySelector("a").getClientRects().length > 1) cut.push(number + " after " + words + " words");
            item.remove();
          }
        }
        return cut;
        """
    )
    assert cut == []
    for number in browser.find_elements(By.CSS_SELECTOR, "a[href^='tel:']"):  # the banner, the replies, the footer
        assert browser.execute_script("return arguments[0].getClientRects().length", number) == 1, number.text


def test_each_reply_bubble_names_its_language_for_screen_readers(page_url: str, browser: WebDriver):
    open_chat(browser, page_url)  # the French page
    focus_message_field_with_keyboard(browser)
    say(browser, "Hello, where can I find the City's job offers?")
    say(browser, "Merci! Et les séances du conseil municipal?")
    bubbles = browser.find_elements(By.CSS_SELECTOR, "#log .message.bot")
    languages = [bubble.get_attribute("lang") for bubble in bubbles]
    assert "en" in languages and "fr" in languages, languages
    for bubble, language in zip(bubbles, languages, strict=True):
        text = bubble.find_element(By.CLASS_NAME, "text").text
        assert language == IDENTIFIER.identify(text).language, (language, text)
    # Kept with the conversation: a reload shows the same bubbles with the same languages.
    open_chat(browser, page_url)
    assert [b.get_attribute("lang") for b in browser.find_elements(By.CSS_SELECTOR, "#log .message.bot")] == languages


def test_a_message_of_only_invisible_characters_is_not_sent_and_the_page_says_why(
    assistant: Assistant, page_url: str, browser: WebDriver
):
    session_id = open_chat(browser, page_url + "?lang=en")
    focus_message_field_with_keyboard(browser)
    field = browser.find_element(By.ID, "message")
    # Zero-width space, word joiner, Hangul filler, blank Braille pattern, no-break space: nothing to see.
    browser.execute_script("arguments[0].value = arguments[1]", field, "\u200b\u2060\u3164\u2800\u00a0")
    field.send_keys(Keys.ENTER)
    assert browser.find_element(By.ID, "status").text == load_page_text()["en"]["empty"]
    classes = [entry.get_attribute("class") for entry in browser.find_elements(By.CSS_SELECTOR, "#log .message")]
    assert classes == ["message bot"]  # the welcome only
    assert field.get_attribute("value") == ""
    answer = say(browser, "Hello")  # the next message is sent and answered as usual
    assert answer and browser.find_element(By.ID, "status").text == "Connected."
    classes = [entry.get_attribute("class") for entry in browser.find_elements(By.CSS_SELECTOR, "#log .message")]
    assert classes[:2] == ["message bot", "message user"]
    assert [event["text"] for event in stored_webchat_events(assistant, session_id)] == ["Hello"]


def test_the_page_says_the_assistant_is_writing_until_its_reply_comes(page_url: str, browser: WebDriver):
    open_chat(browser, page_url + "?lang=en")
    focus_message_field_with_keyboard(browser)
    # What the log went through while the message was answered: each indicator shown or taken away, and where.
    browser.execute_script(
        """
        window.typingSeen = [];
        new MutationObserver((changes) => {
          for (const change of changes) {
            for (const node of change.addedNodes) {
              if (node.classList && node.classList.contains("typing")) {
                window.typingSeen.push(["shown", node.textContent, node.previousElementSibling.className]);
              }
            }
            for (const node of change.removedNodes) {
              if (node.classList && node.classList.contains("typing")) window.typingSeen.push(["gone"]);
            }
          }
        }).observe(document.getElementById("log"), { childList: true });
        """
    )
    say(browser, "When is the next council meeting?")
    seen = browser.execute_script("return window.typingSeen")
    assert seen[0] == ["shown", load_page_text()["en"]["typing"], "message user"], seen
    assert seen[1] == ["gone"], seen
    assert browser.find_elements(By.CSS_SELECTOR, "#log .typing") == []
    assert browser.find_elements(By.CSS_SELECTOR, "#log .message")[-1].get_attribute("class") == "message bot"


def test_each_message_shows_the_time_it_was_written_and_keeps_it_on_reload(page_url: str, browser: WebDriver):
    open_chat(browser, page_url)
    focus_message_field_with_keyboard(browser)
    say(browser, "Bonjour, quelles sont les heures de la bibliothèque?")
    times = browser.find_elements(By.CSS_SELECTOR, "#log .message .who time")
    assert len(times) == len(browser.find_elements(By.CSS_SELECTOR, "#log .message")) >= 2
    now = time.time()
    stamps = [str(t.get_attribute("datetime")) for t in times]
    for stamp, shown in zip(stamps, times, strict=True):
        written = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
        assert now - 120 < written <= now + 1, stamp
        assert re.fullmatch(r"\d{1,2} h \d{2}", shown.text), shown.text  # fr-CA: "14 h 05"
    open_chat(browser, page_url)
    assert [t.get_attribute("datetime") for t in browser.find_elements(By.CSS_SELECTOR, "#log .who time")] == stamps


def test_reply_text_is_shown_as_text_with_only_addresses_emails_and_numbers_as_links(page_url: str, browser: WebDriver):
    open_chat(browser, page_url)
    shown: dict[str, Any] = browser.execute_script(
        """
        const box = document.createElement("div");
        box.appendChild(PointeClaireLinkify.render(arguments[0], document));
        return {
          text: box.textContent,
          bold: box.querySelectorAll("b, script, img").length,
          links: Array.from(box.querySelectorAll("a"), (a) => [a.textContent, a.getAttribute("href")]),
        };
        """,
        "<b>Urgent</b> <img src=x onerror=alert(1)> Voir https://www.pointe-claire.ca/fr/. Écrivez à "
        "communications@pointe-claire.ca, appelez le 514-630-1200 ou le 9-1-1; javascript:alert(1) www.example.ca",
    )
    assert shown["bold"] == 0
    assert shown["text"].startswith("<b>Urgent</b> <img src=x onerror=alert(1)> Voir")
    assert shown["links"] == [
        ["https://www.pointe-claire.ca/fr/", "https://www.pointe-claire.ca/fr/"],
        ["communications@pointe-claire.ca", "mailto:communications@pointe-claire.ca"],
        ["514-630-1200", "tel:+15146301200"],
        ["9-1-1", "tel:911"],
        ["www.example.ca", "https://www.example.ca"],
    ]


def test_page_fits_a_320_pixel_phone_with_the_emergency_numbers_on_screen(page_url: str, browser: WebDriver):
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 320, "height": 568, "deviceScaleFactor": 2, "mobile": True}
    )
    open_chat(browser, page_url + "?lang=en")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 320
    assert emergency_banner_in_view(browser)
    banner_height = browser.find_element(By.ID, "emergency").size["height"]
    assert banner_height < 568 / 3, f"the banner takes {banner_height}px of a 568px screen"
    send = browser.find_element(By.CSS_SELECTOR, "#composer button[type=submit]")
    assert send.is_displayed() and send.text == "Send"


def test_without_an_answer_the_page_shows_the_emergency_numbers_in_both_languages(page_url: str, browser: WebDriver):
    open_chat(browser, page_url)
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    focus_message_field_with_keyboard(browser)
    browser.switch_to.active_element.send_keys("Il y a un arbre tombé sur les fils", Keys.ENTER)

    note = WebDriverWait(browser, 20).until(lambda _: browser.find_element(By.CSS_SELECTOR, "#log .message.note"))
    paragraphs = note.find_elements(By.CSS_SELECTOR, "p[lang]")
    assert [p.get_attribute("lang") for p in paragraphs] == ["fr", "en"]
    for paragraph in paragraphs:
        hrefs = {a.get_attribute("href") for a in paragraph.find_elements(By.TAG_NAME, "a")}
        assert hrefs == {"tel:911", "tel:+15146301234", "tel:+15146301200"}


def test_action_server_down_the_page_still_gets_the_emergency_numbers_in_french(
    assistant: Assistant, page_url: str, browser: WebDriver
):
    open_chat(browser, page_url)
    focus_message_field_with_keyboard(browser)
    say(browser, "Bonjour, ma question porte sur les taxes")
    assistant.actions.stop()
    try:
        answer = say(browser, "Quand est-ce que quelqu'un va me répondre?")
    finally:
        assistant.actions.start()

    assert IDENTIFIER.identify(text_of(answer)).language == "fr", text_of(answer)
    assert links(answer).get("514-630-1234") == "tel:+15146301234" and links(answer).get("9-1-1") == "tel:911"
    assert browser.find_elements(By.CSS_SELECTOR, "#log .message.note") == [], "the server's answer came in time"


async def _misbehaving_client(base_url: str) -> tuple[str, list[list[str]]]:
    """Sends malformed socket.io events, then a long and a normal message; returns the session id and the answers
    to the last three (each a list of socket.io messages)."""
    client = socketio.AsyncClient(reconnection=False)
    received: asyncio.Queue[str] = asyncio.Queue()
    confirmed: asyncio.Queue[str] = asyncio.Queue()
    client.on("bot_uttered", lambda data: received.put_nowait(data.get("text", "")))
    client.on("session_confirm", confirmed.put_nowait)

    async def answer(event: Any, wait: float = ANSWER_SECONDS) -> list[str]:
        await client.emit("user_uttered", event)
        parts: list[str] = []
        with contextlib.suppress(asyncio.TimeoutError):
            parts.append(await asyncio.wait_for(received.get(), wait))
            while True:  # the other parts of the same answer follow within a second
                parts.append(await asyncio.wait_for(received.get(), 1.0))
        return parts

    # Long-polling: python-socketio 5.18's websocket client needs a newer aiohttp than Rasa 3.6 pins (3.9.5).
    await client.connect(base_url, socketio_path="/socket.io", transports=["polling"])
    try:
        await client.emit("session_request", "not an object")
        session_id = await asyncio.wait_for(confirmed.get(), 10)
        await client.emit("session_request", {"session_id": "<script>alert(1)</script>"})
        assert await asyncio.wait_for(confirmed.get(), 10) != "<script>alert(1)</script>"
        await client.emit("session_request", {"session_id": session_id})
        assert await asyncio.wait_for(confirmed.get(), 10) == session_id
        while not received.empty():
            received.get_nowait()  # the welcomes of the two new sessions, sent before their confirmations
        for malformed in (
            "just a string",
            ["a", "list"],
            {"message": 5, "session_id": session_id},
            {"message": "no session id"},
            {"message": "bad session id", "session_id": "../../etc/passwd"},
        ):
            await client.emit("user_uttered", malformed)
        answers = [
            await answer({"message": "   \u200b  ", "session_id": session_id}, wait=2.0),
            await answer({"message": "b" * 60_000, "session_id": session_id}),
            await answer({"message": "Bonjour!", "session_id": session_id, "metadata": "{not json"}),
        ]
    finally:
        # Closed without waiting for the pending long-poll to end (up to the server's 25 s ping interval).
        await client.eio.disconnect(abort=True)
    return session_id, answers


def test_malformed_socket_events_are_ignored_and_the_next_message_is_answered(assistant: Assistant):
    log = assistant.workdir / "rasa.log"
    log_before = log.stat().st_size
    session_id, answers = asyncio.run(_misbehaving_client(assistant.base_url))

    blank, too_long, greeting = answers
    # Only invisible characters: a clear answer, never the silence the page would take for "no answer".
    assert blank == [load_page_text()[language]["empty"] for language in ("fr", "en")]
    assert too_long == [
        "Votre message est trop long; veuillez le raccourcir.",
        "Your message is too long; please shorten it.",
    ]
    assert greeting and greeting[0].startswith("Bonjour"), greeting
    assert [event["text"] for event in stored_webchat_events(assistant, session_id)] == ["Bonjour!"]
    with log.open(errors="replace") as server_log:
        server_log.seek(log_before)
        assert "Traceback" not in server_log.read()


def test_conversation_store_down_the_page_still_gets_the_emergency_numbers(
    assistant: Assistant, page_url: str, browser: WebDriver
):
    session_id = open_chat(browser, page_url)
    focus_message_field_with_keyboard(browser)
    with sqlite3.connect(assistant.tracker_db) as db:
        db.execute("ALTER TABLE events RENAME TO events_unreachable")  # every read and write of Rasa now fails
    try:
        answer = say(browser, "Bonjour, je suis journaliste : à qui dois-je m'adresser?")
    finally:
        with sqlite3.connect(assistant.tracker_db) as db:
            db.execute("ALTER TABLE events_unreachable RENAME TO events")

    assert links(answer).get("514-630-1234") == "tel:+15146301234" and links(answer).get("9-1-1") == "tel:911"
    assert "communications@" not in text_of(answer), "not an answer from a conversation kept nowhere"
    # Nothing lost (pointe_claire.spool): the message waits in the spool, then is stored once, marked, by the
    # background replay (every 10 s) or the next message.
    deadline = time.monotonic() + 30
    while not (stored := stored_webchat_events(assistant, session_id)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert [event["text"] for event in stored] == ["Bonjour, je suis journaliste : à qui dois-je m'adresser?"]
    assert stored[0]["metadata"]["spooled"]["reason"] == "tracker_store_unreachable"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("?lang=en", 200),
        ("?lang=de", 200),  # any other value: the French page
        ("?lang=%ff%00", 200),
        ("static/chat.js", 200),
        ("static/socket.io.min.js", 200),
        ("static/..%2f..%2f..%2fcredentials.yml", 404),
        ("static/%2e%2e/page_text.yml", 404),
        ("static/nothing.js", 404),
    ],
)
def test_page_and_files_answer_bad_paths_with_4xx_and_never_serve_what_is_outside_dist(
    page_url: str, path: str, status: int
):
    answered, body = http("GET", page_url + path)
    assert answered == status
    assert b"user_message_evt" not in body and b"fr:" not in body


def test_page_is_sent_with_a_policy_that_allows_only_its_own_origin(page_url: str):
    request = urllib.request.Request(page_url + "?lang=de")
    with urllib.request.urlopen(request, timeout=10) as response:
        policy = response.headers["Content-Security-Policy"]
        page = response.read().decode("utf-8")
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert '<html lang="fr">' in page and "<script>" not in page and "http://" not in page.replace("https://", "")


def test_page_words_exist_in_both_languages_and_a_word_missing_in_one_is_refused(tmp_path: Path):
    texts = load_page_text()
    assert set(texts["fr"]) == set(texts["en"]) and all(texts["fr"].values()) and all(texts["en"].values())
    broken = tmp_path / "page_text.yml"
    broken.write_text(yaml.safe_dump({"fr": texts["fr"], "en": {**texts["en"], "extra": "x"}}))
    with pytest.raises(ValueError, match="extra"):
        load_page_text(broken)


@pytest.mark.parametrize("content", ["fr: [unclosed", "just text", "fr: {title: x}\n", ""])
def test_a_broken_page_text_file_gives_a_page_error_and_the_503_text_still_has_the_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str
):
    broken = tmp_path / "page_text.yml"
    broken.write_text(content)
    monkeypatch.setattr(webchat, "PAGE_TEXT", broken)
    with pytest.raises(webchat.PAGE_ERRORS):
        webchat.render_page("fr", webchat.WebChatInput(), "/static")
    facts = cached_city_facts().variables
    notice = webchat.unavailable_text()
    for number in (facts["phone_emergency"], facts["phone_municipal_emergency"], facts["phone_general"]):
        assert notice.count(number) == 2  # once in French, once in English


AXE = DIST.parent / "node_modules" / "axe-core" / "axe.min.js"  # devDependency of webchat/package.json


@pytest.mark.parametrize("language", ["fr", "en"])
def test_axe_finds_no_accessibility_problem_in_a_conversation(page_url: str, browser: WebDriver, language: str):
    open_chat(browser, f"{page_url}?lang={language}")
    focus_message_field_with_keyboard(browser)
    say(browser, "Il y a un arbre tombé sur ma rue" if language == "fr" else "A tree fell on my street")
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] })
          .then((result) => done(result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length,
            targets: v.nodes.map((n) => n.target.join(" ")) }))));
        """
    )
    assert violations == [], violations


async def _one_message(base_url: str, text: str) -> tuple[str, list[str]]:
    """Opens a session over socket.io, says `text`; returns the session id and the answer's parts."""
    client = socketio.AsyncClient(reconnection=False)
    received: asyncio.Queue[str] = asyncio.Queue()
    confirmed: asyncio.Queue[str] = asyncio.Queue()
    client.on("bot_uttered", lambda data: received.put_nowait(data.get("text", "")))
    client.on("session_confirm", confirmed.put_nowait)
    await client.connect(base_url, socketio_path="/socket.io", transports=["polling"])
    try:
        await client.emit("session_request", {})
        session_id = await asyncio.wait_for(confirmed.get(), 10)
        await client.emit("user_uttered", {"message": text, "session_id": session_id})
        parts = [await asyncio.wait_for(received.get(), ANSWER_SECONDS)]
        with contextlib.suppress(asyncio.TimeoutError):
            while True:
                parts.append(await asyncio.wait_for(received.get(), 1.0))
    finally:
        await client.eio.disconnect(abort=True)
    return session_id, parts


def test_the_rest_channel_cannot_write_into_a_web_chat_conversation(assistant: Assistant):
    session_id, answer = asyncio.run(_one_message(assistant.base_url, "Bonjour, je suis journaliste."))
    assert any("communications@pointe-claire.ca" in part for part in answer)  # replies reach the session's room
    with sqlite3.connect(assistant.tracker_db) as db:
        ((conversation,),) = db.execute(
            "SELECT DISTINCT sender_id FROM events WHERE sender_id LIKE ?", (f"%{session_id}%",)
        ).fetchall()
    answered, _ = assistant.post_raw(json.dumps({"sender": conversation, "message": "I want a person"}).encode())
    assert answered == 400
    assert conversation == f"webchat:{session_id}"
    assert [event["text"] for event in stored_webchat_events(assistant, session_id)] == [
        "Bonjour, je suis journaliste."
    ]
