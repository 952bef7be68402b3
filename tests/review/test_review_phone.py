"""The review app on a 390 px phone (an iPhone 12-15's width) in a real headless Chromium: no page is wider than
the screen, so staff never scroll sideways. Generated conversations plus one with the longest things a row holds
(a Messenger-length id, an unbroken word, a long tag)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from review_fixtures import FIXTURE_NOW, GENERATED_UNTIL_TS, OFFICE_HOURS_TS, known_conversations
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from bench.review_app import PASSWORD, ReviewServer, generate_tracker, resident_message, review_server, write_events
from review import auth, staff
from review.store import review_engine
from scripts.browser import chromium_missing, headless_chromium

PHONE_WIDTH = 390
LONG_ID = "messenger-" + "7" * 40
LONG_WORD = "https://www.pointe-claire.ca/" + "tres-long-chemin-" * 8


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewServer]:
    workdir = tmp_path_factory.mktemp("review-phone")
    tracker_url, review_url = f"sqlite:///{workdir / 'tracker.db'}", f"sqlite:///{workdir / 'review.db'}"
    generate_tracker(tracker_url, 60, seed=3, end=GENERATED_UNTIL_TS)
    known_conversations(tracker_url)
    write_events(
        tracker_url,
        LONG_ID,
        [resident_message(OFFICE_HOURS_TS + 90, f"Voir {LONG_WORD} svp", "netiquette_violation", "fr")],
    )
    engine = review_engine(review_url)
    auth.add_user(engine, "claire", PASSWORD, "reviewer")
    staff.add_tag(engine, LONG_ID, "suivi-avec-le-service-des-travaux-publics-urgent", "claire")
    staff.add_note(engine, LONG_ID, LONG_WORD, "claire")
    engine.dispose()
    with review_server(tracker_url, review_url, workdir, frozen_time=FIXTURE_NOW) as server:
        yield server


def _log_in(driver: WebDriver, base_url: str) -> None:
    driver.get(base_url + "/lang/fr?next=/")
    driver.find_element(By.ID, "name").send_keys("claire")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login").click()
    WebDriverWait(driver, 15).until(lambda d: bool(d.find_elements(By.ID, "current-user")))


def test_every_page_fits_a_390_px_phone_without_sideways_scrolling(site: ReviewServer, tmp_path: Path) -> None:
    reason = chromium_missing()
    if reason and not os.environ.get("CI"):
        pytest.skip(reason)
    with headless_chromium("fr") as driver:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": PHONE_WIDTH, "height": 844, "deviceScaleFactor": 3, "mobile": True},
        )
        _log_in(driver, site.base_url)
        widths = {}
        for path in (
            "/",
            "/?view=all",
            "/?view=all&flag=netiquette",
            f"/conversation?id={LONG_ID}",
            "/conversation?id=handoff-en",
            "/overview",
        ):
            driver.get(site.base_url + path)
            assert driver.find_elements(By.ID, "current-user"), path
            widths[path] = driver.execute_script(
                "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            )
        driver.get(site.base_url + "/")
        driver.save_screenshot(str(tmp_path / "queue-390px.png"))  # kept in pytest's temporary folder to look at
    too_wide = {path: width for path, width in widths.items() if width > PHONE_WIDTH}
    assert not too_wide, f"wider than {PHONE_WIDTH} px: {too_wide}"
