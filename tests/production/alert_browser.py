"""What the cluster's alert test does in the review app through headless Chromium (issue 17 item 1): an admin logs
in, publishes an alert with the form, and later moves its end time; and how it checks what every instance says."""

from __future__ import annotations

import time
from collections.abc import Callable

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from bench.review_app import PASSWORD
from tests.page_waits import PageWait


def log_in(driver: WebDriver, base_url: str, name: str) -> None:
    driver.get(base_url + "/lang/fr?next=/alerts")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login").click()
    PageWait(driver).until(lambda d: bool(d.find_elements(By.ID, "alert-form")))


def fill_and_submit(driver: WebDriver, fields: dict[str, str]) -> None:
    """Types each field (datetime-local inputs set by script: their typing depends on the browser's locale), then
    submits the form and waits for the alert's page."""
    for name, value in fields.items():
        element = driver.find_element(By.ID, name)
        if element.get_attribute("type") == "datetime-local":
            driver.execute_script("arguments[0].value = arguments[1]", element, value)
        else:
            element.clear()
            element.send_keys(value)
    driver.find_element(By.ID, "alert-submit").click()
    PageWait(driver).until(lambda d: bool(d.find_elements(By.ID, "alert-done")))


def seconds_after(since: float, check: Callable[[], bool], timeout: float) -> float | None:
    """Seconds from `since` (time.monotonic()) to the first time `check()` held, polled; None if it did not hold
    before `timeout` seconds from `since` had passed."""
    while True:
        held, elapsed = check(), time.monotonic() - since
        if held and elapsed <= timeout:
            return elapsed
        if elapsed > timeout:
            return None
        time.sleep(0.1)
