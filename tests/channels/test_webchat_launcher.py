"""The launcher on the City's pages (launcher.js), in headless Chromium: a plain page of another origin that the
assistant allows (tests/city_site.py, WEBCHAT_ALLOWED_ORIGINS) opens the chat in a panel, with the emergency
numbers on screen; an origin not allowed gets no launcher, and the chat page refuses to be framed there.

Screenshots of the launcher closed and open at 390 px are kept in tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.shadowroot import ShadowRoot
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from pointe_claire.channels.webchat import load_page_text
from pointe_claire.channels.webchat_widget import DEFAULT_COLOURS
from scripts.servers import Assistant
from tests.channels import test_webchat as chat_page
from tests.channels.test_webchat import AXE, emulate_width, session_confirmed
from tests.channels.test_webchat_doors import answer_to, quick_replies, run_axe, text_of
from tests.city_site import CitySite

pytestmark = pytest.mark.browser
page_url = chat_page.page_url
browser = chat_page.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def launcher_url(assistant: Assistant) -> str:
    return f"{assistant.base_url}/webhooks/webchat/launcher.js"


def launcher_root(browser: WebDriver) -> ShadowRoot:
    host = WebDriverWait(browser, 10).until(lambda _: browser.find_element(By.ID, "pointe-claire-chat"))
    return host.shadow_root


def focused_in_launcher(browser: WebDriver) -> str:
    return str(browser.execute_script("const a = document.activeElement; return a.shadowRoot.activeElement.className"))


def box(browser: WebDriver, element: WebElement) -> dict[str, float]:
    found: dict[str, float] = browser.execute_script("return arguments[0].getBoundingClientRect().toJSON()", element)
    return found


def rgba(hex_colour: str) -> str:
    return "rgba({}, {}, {}, 1)".format(*(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)))


def reduced_motion(browser: WebDriver, reduce: bool) -> None:
    value = "reduce" if reduce else "no-preference"
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-reduced-motion", "value": value}]}
    )


def test_the_launcher_opens_the_chat_over_a_page_of_an_allowed_origin(
    assistant: Assistant, city_site: CitySite, browser: WebDriver
):
    words = load_page_text()["fr"]
    emulate_width(browser, 390, 844)
    browser.get(city_site.page(city_site.allowed_origin, launcher_url(assistant), "fr"))
    root = launcher_root(browser)
    opener = root.find_element(By.CSS_SELECTOR, ".launcher")
    panel = root.find_element(By.CSS_SELECTOR, ".panel")
    # Its stylesheet comes from the assistant; the colours from widget.yml.
    WebDriverWait(browser, 10).until(
        lambda _: opener.value_of_css_property("background-color") == rgba(DEFAULT_COLOURS["brand"])
    )
    assert opener.text.endswith(words["launcher_open"]) and opener.get_attribute("aria-expanded") == "false"
    assert not panel.is_displayed()
    launcher_box = box(browser, opener)
    assert launcher_box["right"] <= 390 and launcher_box["bottom"] <= 844
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "launcher-closed-390.png"))

    # Keyboard alone: Tab reaches the launcher, Enter opens the panel and puts the focus in the chat.
    reduced_motion(browser, False)
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert focused_in_launcher(browser) == "launcher"
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    WebDriverWait(browser, 5).until(lambda _: panel.is_displayed())
    assert opener.get_attribute("aria-expanded") == "true"
    assert panel.value_of_css_property("animation-name") == "rise"
    browser.execute_script("return Promise.all(arguments[0].getAnimations().map((a) => a.finished))", panel)
    panel_box = box(browser, panel)
    assert (panel_box["left"], panel_box["top"], panel_box["width"]) == (0, 0, 390)  # the whole phone screen
    numbers = root.find_elements(By.CSS_SELECTOR, ".emergency a")
    assert [(a.text, a.get_attribute("href")) for a in numbers] == [
        ("9-1-1", "tel:911"),
        ("514-630-1234", "tel:+15146301234"),
    ]
    assert all(box(browser, a)["bottom"] <= 844 and box(browser, a)["top"] >= 0 for a in numbers)
    frame = root.find_element(By.CSS_SELECTOR, "iframe")
    assert frame.get_attribute("src").endswith("/webhooks/webchat/?lang=fr&embed=1")
    assert browser.execute_script("return document.activeElement.shadowRoot.activeElement.tagName") == "IFRAME"

    # The chat works in the frame (the assistant's own origin): the welcome, a button, its answer.
    browser.switch_to.frame(frame)
    session_confirmed(browser)
    assert browser.find_elements(By.ID, "emergency") == [], "the panel's header shows the numbers"
    answer = answer_to(browser, quick_replies(browser)[3].click)
    assert "communications@pointe-claire.ca" in text_of(answer)
    browser.switch_to.default_content()
    assert all(box(browser, a)["top"] >= 0 for a in numbers), "the numbers stay on screen while chatting"
    browser.save_screenshot(str(ARTIFACTS / "launcher-open-390.png"))

    # Closing gives the focus back to the launcher; with less motion asked for, the panel no longer slides in.
    root.find_element(By.CSS_SELECTOR, ".close").click()
    assert not panel.is_displayed() and focused_in_launcher(browser) == "launcher"
    reduced_motion(browser, True)
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert panel.is_displayed() and panel.value_of_css_property("animation-name") == "none"
    root.find_element(By.CSS_SELECTOR, ".close").send_keys(Keys.ESCAPE)
    assert not panel.is_displayed()


def test_the_launchers_panel_and_the_page_under_it_pass_axe(
    assistant: Assistant, city_site: CitySite, browser: WebDriver
):
    emulate_width(browser, 1280, 800)
    browser.get(city_site.page(city_site.allowed_origin, launcher_url(assistant), "en"))
    root = launcher_root(browser)
    opener = root.find_element(By.CSS_SELECTOR, ".launcher")
    assert opener.text.endswith(load_page_text()["en"]["launcher_open"])
    opener.click()
    panel = root.find_element(By.CSS_SELECTOR, ".panel")
    # It slides in from transparent: under load the first frames still count as hidden.
    WebDriverWait(browser, 10).until(lambda _: panel.is_displayed())
    browser.execute_script("return Promise.all(arguments[0].getAnimations().map((a) => a.finished))", panel)
    assert panel.get_attribute("lang") == "en"
    panel_box = box(browser, panel)
    assert panel_box["right"] <= 1280 and panel_box["width"] < 500  # a panel in the corner, the page beside it
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, { iframes: false, runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] })
          .then((result) => done(result.violations.map((v) => ({ id: v.id,
            targets: v.nodes.map((n) => JSON.stringify(n.target)) }))));
        """
    )
    assert violations == []
    browser.switch_to.frame(root.find_element(By.CSS_SELECTOR, "iframe"))
    session_confirmed(browser)
    assert run_axe(browser) == []


def frame_shows_the_chat(browser: WebDriver, url: str) -> bool:
    """Puts an iframe of `url` on the current page (as a site could without the launcher) and says whether the chat
    page loaded in it."""
    browser.execute_script(
        """
        const frame = document.createElement("iframe");
        frame.id = "forced";
        frame.title = "forced";
        frame.addEventListener("load", () => { frame.dataset.loaded = "yes"; });  // a refused frame loads too
        frame.src = arguments[0];
        document.body.append(frame);
        """,
        url,
    )
    frame = browser.find_element(By.ID, "forced")
    WebDriverWait(browser, 10).until(lambda _: frame.get_attribute("data-loaded") == "yes")
    browser.switch_to.frame(frame)
    try:
        return bool(browser.find_elements(By.ID, "chat"))
    finally:
        browser.switch_to.default_content()


def test_an_origin_not_allowed_gets_no_launcher_and_cannot_frame_the_chat(
    assistant: Assistant, city_site: CitySite, page_url: str, browser: WebDriver
):
    url = launcher_url(assistant)
    browser.get(city_site.page(city_site.refused_origin, url, "fr"))
    WebDriverWait(browser, 10).until(lambda _: browser.execute_script("return document.readyState") == "complete")
    assert browser.execute_script("return performance.getEntriesByName(arguments[0]).length", url) == 1  # it ran
    assert browser.find_elements(By.ID, "pointe-claire-chat") == []
    assert not frame_shows_the_chat(browser, page_url + "?embed=1")

    browser.get(city_site.page(city_site.allowed_origin, url, "fr"))  # the same page where it is allowed
    launcher_root(browser)
    assert frame_shows_the_chat(browser, page_url + "?embed=1")
