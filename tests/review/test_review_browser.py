"""A staff member's day in a real headless Chromium, on conversations held with the real assistant: log in,
filter to the flagged conversation, open it, add a note, export CSV, log out."""

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
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from bench.review_app import PASSWORD, ReviewServer, review_environment, review_server, run_cli
from scripts.browser import chromium_missing, headless_chromium
from scripts.servers import Assistant

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


def _wait(driver: WebDriver) -> WebDriverWait:
    """Waits through the moment a click's navigation replaces the page (elements found just before go stale)."""
    return WebDriverWait(driver, 15, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))


def _filter(driver: WebDriver, flag: str) -> list[str]:
    """Chooses a flag in the inbox filters, applies it, and returns the conversations listed."""
    Select(driver.find_element(By.ID, "flag")).select_by_value(flag)
    driver.find_element(By.ID, "apply-filters").click()
    wanted = "flag=" + urllib.parse.quote(flag, safe="")
    _wait(driver).until(lambda d: wanted in d.current_url)
    return [link.text for link in driver.find_elements(By.CLASS_NAME, "conversation-link")]


def _click_and_wait(driver: WebDriver, element_id: str, condition: Callable[[WebDriver], bool]) -> None:
    driver.find_element(By.ID, element_id).click()
    _wait(driver).until(condition)


def _log_in(driver: WebDriver, base_url: str) -> None:
    driver.get(base_url + "/lang/fr?next=/")  # headless Chromium asks for English whatever --lang says
    assert "/login" in driver.current_url  # no session: the login page
    driver.find_element(By.ID, "name").send_keys("claire")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    _click_and_wait(driver, "login", lambda d: bool(d.find_elements(By.ID, "current-user")))
    assert driver.find_element(By.ID, "current-user").text == "claire"


def test_staff_member_logs_in_filters_reads_notes_exports_and_logs_out(
    site: ReviewServer, conversations: dict[str, str], tmp_path: Path
) -> None:
    reason = chromium_missing()
    if reason and not os.environ.get("CI"):
        pytest.skip(reason)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with headless_chromium("fr") as driver:
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        _log_in(driver, site.base_url)
        assert driver.find_element(By.TAG_NAME, "h1").text == "À traiter"  # the action queue
        # The request for a person waits among the open handoffs, with its age and the deadline promised; the
        # emergency the assistant answered stands apart.
        waiting = driver.find_element(By.ID, "waiting-handoffs")
        row = next(
            row for row in waiting.find_elements(By.CSS_SELECTOR, "tbody tr") if conversations["human"] in row.text
        )
        assert row.find_element(By.CLASS_NAME, "age").text and row.find_element(By.CLASS_NAME, "deadline").text
        assert conversations["fire"] not in waiting.text
        assert conversations["fire"] in driver.find_element(By.ID, "answered-emergencies").text

        # Filter to emergencies: the French fire is there, the request for a person is not.
        emergencies = _filter(driver, "emergency")
        assert conversations["fire"] in emergencies and conversations["human"] not in emergencies
        assert conversations["human"] in _filter(driver, "handoff:open")

        _filter(driver, "emergency")
        driver.find_element(By.LINK_TEXT, conversations["fire"]).click()
        _wait(driver).until(lambda d: bool(d.find_elements(By.ID, "sender-id")))
        page = driver.find_element(By.TAG_NAME, "main").text
        assert FIRE in page and "9-1-1" in page  # both sides of the conversation
        assert "report_life_threatening_emergency" in page and "Urgence (9-1-1)" in page

        note = "Appelé les pompiers pour confirmer : intervention en cours."
        driver.find_element(By.ID, "note").send_keys(note)
        _click_and_wait(driver, "add-note", lambda d: note in d.find_element(By.ID, "notes").text)
        assert "claire" in driver.find_element(By.ID, "notes").text

        driver.find_element(By.LINK_TEXT, "Retour").click()
        _wait(driver).until(lambda d: bool(d.find_elements(By.ID, "apply-filters")))
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
