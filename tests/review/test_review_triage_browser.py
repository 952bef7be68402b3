"""Fast triage and the phone layout in a real headless Chromium, on generated conversations under a fixed clock (no
trained model needed): every page, the Overview's key figures included, fits a 390 px phone without sideways
scrolling (screenshots in tests/artifacts/); the keyboard shortcuts and their help panel work; the follow-up panel
stands beside the transcript on a wide screen and below it on a phone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from review_fixtures import FIXTURE_NOW, known_conversations
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from bench.review_app import (
    PASSWORD,
    ReviewServer,
    generate_staff_work,
    generate_tracker,
    review_environment,
    review_server,
    run_cli,
)
from review import saved_views, staff
from review.inbox import Filters
from scripts.browser import chromium_missing, headless_chromium
from tests.page_waits import PageWait

PHONE_WIDTH = 390
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
LONG_TAG = "suivi-avec-le-service-des-travaux-publics-urgent"
LONG_VIEW = "Nids-de-poule-signalés-en-anglais-pendant-la-fin-de-semaine-x"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewServer]:
    workdir = tmp_path_factory.mktemp("review-triage-browser")
    tracker_url, review_url = f"sqlite:///{workdir / 'tracker.db'}", f"sqlite:///{workdir / 'review.db'}"
    now = datetime.fromisoformat(FIXTURE_NOW).timestamp()
    generate_tracker(tracker_url, 400, seed=5, days=40, end=now, other_languages=0.03)
    known_conversations(tracker_url)
    env = review_environment(tracker_url, review_url)
    created = run_cli(env, "users", "add", "claire", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    generate_staff_work(tracker_url, review_url, until=now, seed=5)
    review = sa.create_engine(review_url, future=True)
    staff.add_tag(review, "rude-en", LONG_TAG, "claire")
    saved_views.save_view(review, "claire", LONG_VIEW, Filters(language="en", flag="netiquette", view="all"))
    review.dispose()
    with review_server(tracker_url, review_url, workdir, frozen_time=FIXTURE_NOW) as server:
        yield server


@pytest.fixture(scope="module")
def driver(site: ReviewServer) -> Iterator[WebDriver]:
    reason = chromium_missing()
    if reason and not os.environ.get("CI"):
        pytest.skip(reason)
    with headless_chromium("fr") as chromium:
        chromium.get(site.base_url + "/lang/fr?next=/")
        chromium.find_element(By.ID, "name").send_keys("claire")
        chromium.find_element(By.ID, "password").send_keys(PASSWORD)
        chromium.find_element(By.ID, "login").click()
        PageWait(chromium).until(lambda d: bool(d.find_elements(By.ID, "current-user")))
        yield chromium


def _press(driver: WebDriver, key: str) -> None:
    driver.find_element(By.TAG_NAME, "body").send_keys(key)


def _open(driver: WebDriver, url: str) -> None:
    driver.get(url)
    PageWait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def test_every_page_fits_a_390_px_phone_without_sideways_scrolling(site: ReviewServer, driver: WebDriver) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pages = {
        "queue": "/",
        "all": "/?view=all",
        "filtered": "/?view=all&flag=netiquette&language=en",
        "mine": "/?view=mine",
        "transcript": "/conversation?id=rude-en&back=%2F%3Fview%3Dall",
        "handoff": "/conversation?id=handoff-en&back=%2F",
        "overview": "/overview",
        "overview-90": "/overview?days=90",
        "overview-7": "/overview?days=7",
        "users": "/users",
    }
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    widths = {}
    try:
        for name, path in pages.items():
            _open(driver, site.base_url + path)
            assert driver.find_elements(By.ID, "current-user"), path
            widths[name] = driver.execute_script(
                "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            )
            driver.save_screenshot(str(ARTIFACTS / f"review-{name}-390px.png"))
        # The key figures are on the page, as cards: each figure with its column's name.
        _open(driver, site.base_url + "/overview")
        labels = driver.execute_script(
            "return Array.from(document.querySelectorAll('#kpi-fr td'), "
            "cell => getComputedStyle(cell, '::before').content)"
        )
        assert '"Répondues sans personne : "' in labels and '"Délai de fermeture du transfert : "' in labels
        assert "%" in driver.find_element(By.ID, "kpi-fr").text
        # The help panel fits too.
        _press(driver, "?")
        panel = driver.find_element(By.ID, "shortcuts")
        assert panel.get_attribute("open") is not None and panel.rect["width"] <= PHONE_WIDTH
        driver.save_screenshot(str(ARTIFACTS / "review-shortcuts-390px.png"))
        _press(driver, Keys.ESCAPE)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    too_wide = {name: width for name, width in widths.items() if width > PHONE_WIDTH}
    assert not too_wide, f"wider than {PHONE_WIDTH} px: {too_wide}"


def test_keyboard_triage_moves_ticks_opens_marks_and_goes_to_the_next(site: ReviewServer, driver: WebDriver) -> None:
    _open(driver, site.base_url + "/?view=all&sort=newest&language=fr")
    links = [link.text for link in driver.find_elements(By.CLASS_NAME, "conversation-link")]
    assert len(links) > 3
    _press(driver, "?")  # the help panel, a modal dialog that takes the focus
    panel = driver.find_element(By.ID, "shortcuts")
    assert panel.get_attribute("open") is not None and panel.is_displayed()
    assert "conversation suivante" in panel.text
    assert driver.execute_script("return document.getElementById('shortcuts').contains(document.activeElement)")
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    PageWait(driver).until(lambda d: d.find_element(By.ID, "shortcuts").get_attribute("open") is None)
    _press(driver, "j")
    _press(driver, "j")
    assert driver.switch_to.active_element.text == links[1]  # the second row is chosen
    _press(driver, "k")
    assert driver.switch_to.active_element.text == links[0]
    driver.switch_to.active_element.send_keys("x")  # ticks the chosen row's box
    ticked = driver.find_elements(By.CSS_SELECTOR, "input.pick-row:checked")
    assert [box.get_attribute("value") for box in ticked] == [links[0]]
    driver.switch_to.active_element.send_keys("o")
    PageWait(driver).until(lambda d: d.find_elements(By.ID, "sender-id") and d.find_element(By.ID, "sender-id").text)
    assert driver.find_element(By.ID, "sender-id").text == links[0]
    _press(driver, "s")  # mark reviewed and go to the next of the list
    PageWait(driver).until(lambda d: d.find_element(By.ID, "sender-id").text == links[1])
    _press(driver, "k")  # back to the first: now reviewed
    PageWait(driver).until(lambda d: d.find_element(By.ID, "sender-id").text == links[0])
    assert driver.find_element(By.ID, "reviewed-state").text == "Révisée"
    _press(driver, "r")  # already reviewed: the key never un-reviews
    assert driver.find_element(By.ID, "reviewed-state").text == "Révisée"
    # Typing in a field is typing, not a shortcut.
    driver.find_element(By.ID, "note").send_keys("j")
    assert driver.find_element(By.ID, "sender-id").text == links[0]


def test_the_follow_up_panel_is_beside_the_transcript_on_a_wide_screen_and_below_it_on_a_phone(
    site: ReviewServer, driver: WebDriver
) -> None:
    driver.set_window_size(1280, 900)
    _open(driver, site.base_url + "/conversation?id=emergency-fr")
    transcript = driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=transcript-title]").rect
    panel = driver.find_element(By.CSS_SELECTOR, "section.staff").rect
    assert panel["x"] >= transcript["x"] + transcript["width"] and abs(panel["y"] - transcript["y"]) < 40
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        _open(driver, site.base_url + "/conversation?id=emergency-fr")
        transcript = driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=transcript-title]").rect
        panel = driver.find_element(By.CSS_SELECTOR, "section.staff").rect
        assert panel["y"] >= transcript["y"] + transcript["height"]
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
