"""Waiting in a browser test while a click's navigation replaces the page: the one wait every browser test uses.

While the old page goes, Chromium answers a question about one of its elements with a stale reference, a missing
element, or (Chromium 156, seen in `make test`) an inspector error, "Node with given id does not belong to the
document". All three mean the page is changing: the wait asks again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

T = TypeVar("T")
_REPLACED_NODE = "does not belong to the document"


def page_is_changing(error: WebDriverException) -> bool:
    """Whether Selenium's error only says that the element asked about belongs to a page being replaced."""
    return isinstance(error, NoSuchElementException | StaleElementReferenceException) or _REPLACED_NODE in str(error)


class PageWait(WebDriverWait):
    """A WebDriverWait whose condition is asked again while the page is changing, instead of failing the test."""

    def __init__(self, driver: WebDriver, timeout: float = 15) -> None:
        super().__init__(driver, timeout)

    def until(self, method: Callable[[Any], T], message: str = "") -> T:  # type: ignore[override]
        def asked_again_while_changing(driver: Any) -> T | bool:
            try:
                return method(driver)
            except WebDriverException as error:
                if page_is_changing(error):
                    return False
                raise

        return super().until(asked_again_while_changing, message)  # type: ignore[return-value]
