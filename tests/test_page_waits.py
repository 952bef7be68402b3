"""The browser tests' wait (tests/page_waits.py): a page being replaced is waited through, any other error fails."""

from __future__ import annotations

from typing import Any, cast

import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.remote.webdriver import WebDriver

from tests.page_waits import PageWait

INSPECTOR_ERROR = (
    'unknown error: unhandled inspector error: {"code":-32000,"message":"Node with given id does not belong to the'
    ' document"}'
)


def answers(*steps: Exception | str) -> Any:
    """A condition that raises or returns each step in turn."""
    remaining = list(steps)

    def condition(_: Any) -> str:
        step = remaining.pop(0)
        if isinstance(step, Exception):
            raise step
        return step

    return condition


def test_the_wait_asks_again_while_the_page_is_being_replaced() -> None:
    condition = answers(WebDriverException(INSPECTOR_ERROR), StaleElementReferenceException("stale"), "the new page")
    assert PageWait(cast(WebDriver, object()), timeout=5).until(condition) == "the new page"


def test_any_other_browser_error_fails_at_once() -> None:
    with pytest.raises(WebDriverException, match="chrome not reachable"):
        PageWait(cast(WebDriver, object()), timeout=5).until(
            answers(WebDriverException("chrome not reachable"), "never")
        )
