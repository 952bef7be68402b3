"""A staff member's day in a real headless Chromium, on conversations held with the real assistant: log in, see the
action queue, filter to the flagged conversation, open it, add a note, export CSV, log out; then the same pages on a
390 px phone. One review server and one Chromium serve both tests."""

from __future__ import annotations

import csv
import io
import os
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from bench.review_app import (
    PASSWORD,
    ReviewServer,
    resident_message,
    review_environment,
    review_server,
    run_cli,
    write_events,
)
from review import staff
from scripts.browser import chromium_missing, headless_chromium
from scripts.servers import Assistant
from tests.page_waits import PageWait

FIRE = "Il y a un feu dans la maison de mon voisin"
HUMAN = "I want to talk to a human"


@pytest.fixture(scope="module")
def conversations(assistant: Assistant) -> dict[str, str]:
    """Two real conversations: a French emergency and an English request for a person."""
    fire, human = f"fire-{uuid.uuid4().hex[:8]}", f"human-{uuid.uuid4().hex[:8]}"
    assert "9-1-1" in assistant.reply_text(fire, FIRE)
    assistant.send(human, HUMAN)
    return {"fire": fire, "human": human}


@pytest.fixture(scope="module")
def site(
    assistant: Assistant, conversations: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ReviewServer]:
    workdir = tmp_path_factory.mktemp("review-browser")
    tracker_url, review_url = f"sqlite:///{assistant.tracker_db}", f"sqlite:///{workdir / 'review.db'}"
    created = run_cli(
        review_environment(tracker_url, review_url),
        "users",
        "add",
        "claire",
        "--role",
        "reviewer",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    with review_server(tracker_url, review_url, workdir) as server:
        yield server


def _wait_for_file(folder: Path, suffix: str, timeout: float = 20) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [path for path in folder.iterdir() if path.name.endswith(suffix)]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} downloaded into {folder}: {os.listdir(folder)}")


def _filter(driver: WebDriver, flag: str) -> list[str]:
    """Chooses a flag in the inbox filters, applies it, and returns the conversations listed."""
    Select(driver.find_element(By.ID, "flag")).select_by_value(flag)
    driver.find_element(By.ID, "apply-filters").click()
    wanted = "flag=" + urllib.parse.quote(flag, safe="")
    PageWait(driver).until(
        lambda d: wanted in d.current_url and d.execute_script("return document.readyState") == "complete"
    )
    # Read inside a wait: a link found while the new page settles can go stale before its text is read.
    links: tuple[list[str]] = PageWait(driver).until(
        lambda d: ([link.text for link in d.find_elements(By.CLASS_NAME, "conversation-link")],)
    )
    return links[0]


def _click_and_wait(driver: WebDriver, element_id: str, condition: Callable[[WebDriver], bool]) -> None:
    driver.find_element(By.ID, element_id).click()
    PageWait(driver).until(condition)


def _log_in(driver: WebDriver, base_url: str) -> None:
    driver.get(base_url + "/lang/fr?next=/")  # headless Chromium asks for English whatever --lang says
    driver.delete_all_cookies()  # each test starts logged out, even after another failed before logging out
    driver.get(base_url + "/lang/fr?next=/")
    assert "/login" in driver.current_url  # no session: the login page
    driver.find_element(By.ID, "name").send_keys("claire")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    _click_and_wait(driver, "login", lambda d: bool(d.find_elements(By.ID, "current-user")))
    assert driver.find_element(By.ID, "current-user").text == "claire"


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    reason = chromium_missing()
    if reason and not os.environ.get("CI"):
        pytest.skip(reason)
    with headless_chromium("fr") as chromium:
        yield chromium


def test_staff_member_logs_in_filters_reads_notes_exports_and_logs_out(
    site: ReviewServer, conversations: dict[str, str], driver: WebDriver, tmp_path: Path
) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    _log_in(driver, site.base_url)
    assert driver.find_element(By.TAG_NAME, "h1").text == "À traiter"  # the action queue
    # The request for a person waits among the open handoffs, with its age and the deadline promised; the
    # emergency the assistant answered stands apart.
    waiting = driver.find_element(By.ID, "waiting-handoffs")
    row = next(row for row in waiting.find_elements(By.CSS_SELECTOR, "tbody tr") if conversations["human"] in row.text)
    assert row.find_element(By.CLASS_NAME, "age").text and row.find_element(By.CLASS_NAME, "deadline").text
    assert conversations["fire"] not in waiting.text
    assert conversations["fire"] in driver.find_element(By.ID, "answered-emergencies").text

    # Filter to emergencies: the French fire is there, the request for a person is not.
    emergencies = _filter(driver, "emergency")
    assert conversations["fire"] in emergencies and conversations["human"] not in emergencies
    assert conversations["human"] in _filter(driver, "handoff:open")

    _filter(driver, "emergency")
    driver.find_element(By.LINK_TEXT, conversations["fire"]).click()
    PageWait(driver).until(lambda d: bool(d.find_elements(By.ID, "sender-id")))
    page = driver.find_element(By.TAG_NAME, "main").text
    assert FIRE in page and "9-1-1" in page  # both sides of the conversation
    assert "report_life_threatening_emergency" in page and "Urgence (9-1-1)" in page

    note = "Appelé les pompiers pour confirmer : intervention en cours."
    driver.find_element(By.ID, "note").send_keys(note)
    _click_and_wait(driver, "add-note", lambda d: note in d.find_element(By.ID, "notes").text)
    assert "claire" in driver.find_element(By.ID, "notes").text

    driver.find_element(By.LINK_TEXT, "Retour").click()
    PageWait(driver).until(lambda d: bool(d.find_elements(By.ID, "apply-filters")))
    _filter(driver, "emergency")
    driver.find_element(By.ID, "export-csv").click()
    exported = _wait_for_file(downloads, ".csv")
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    fire_rows = [row for row in rows if row["conversation"] == conversations["fire"]]
    assert any(row["speaker"] == "resident" and row["text"] == FIRE for row in fire_rows)
    assert any(row["speaker"] == "assistant" and "9-1-1" in row["text"] for row in fire_rows)
    assert all(row["conversation"] != conversations["human"] for row in rows)

    _click_and_wait(driver, "logout", lambda d: "/login" in d.current_url)
    driver.get(site.base_url + "/conversation?id=" + conversations["fire"])
    assert "/login" in driver.current_url and note not in driver.page_source


PHONE_WIDTH = 390  # an iPhone 12-15's width in CSS pixels
LONG_ID = "messenger-" + "7" * 40
LONG_WORD = "https://www.pointe-claire.ca/" + "tres-long-chemin-" * 8


def test_every_page_fits_a_390_px_phone_without_sideways_scrolling(
    site: ReviewServer, assistant: Assistant, conversations: dict[str, str], driver: WebDriver, tmp_path: Path
) -> None:
    """Beside the real conversations, one with the longest things a row holds: a Messenger-length id, an unbroken
    word, a long tag and note. The transcripts carry the reply form (with the open handoff's box on `human`)."""
    write_events(
        f"sqlite:///{assistant.tracker_db}",
        LONG_ID,
        [resident_message(time.time(), f"Voir {LONG_WORD} svp", "netiquette_violation", "fr")],
    )
    review = sa.create_engine(site.env["REVIEW_DB_URL"], future=True)
    staff.add_tag(review, LONG_ID, "suivi-avec-le-service-des-travaux-publics-urgent", "claire")
    staff.add_note(review, LONG_ID, LONG_WORD, "claire")
    review.dispose()
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": 844, "deviceScaleFactor": 3, "mobile": True},
    )
    try:
        _log_in(driver, site.base_url)
        widths = {}
        for path in (
            "/",
            "/?view=all",
            "/?view=all&flag=netiquette",
            f"/conversation?id={LONG_ID}",
            f"/conversation?id={conversations['human']}",
            "/overview",
        ):
            driver.get(site.base_url + path)
            assert driver.find_elements(By.ID, "current-user"), path
            if path.startswith("/conversation"):  # the reply form and take-over panel are measured too
                assert driver.find_elements(By.ID, "reply-form") and driver.find_elements(By.ID, "takeover-state")
            widths[path] = driver.execute_script(
                "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            )
        driver.get(site.base_url + "/")
        driver.save_screenshot(str(tmp_path / "queue-390px.png"))  # kept in pytest's temporary folder to look at
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    too_wide = {path: width for path, width in widths.items() if width > PHONE_WIDTH}
    assert not too_wide, f"wider than {PHONE_WIDTH} px: {too_wide}"
