"""Issue 15, items 2 to 4, end to end: comments that break the netiquette land in the review app's moderation
queue; a staff member (headless Chromium, the real `python -m review serve`) hides and restores them on their
platform through the real assistant's staff endpoint, at the stand-ins of the Graph API (`is_hidden`) and X's API
(the hide-replies endpoint), and the audit log names who, why and what the platform answered. Automatic hiding
(moderation.yml) hides a comment breaking a rule turned on, at once, and nothing otherwise; the queue lists it first
and one click restores it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from bench.review_app import ReviewServer
from scripts.servers import Assistant
from tests.channels.conftest import post_to_facebook, stored_user_events
from tests.channels.standins import X_ACCOUNT_ID, X_KEYS, Recorded, StandInApi
from tests.channels.test_facebook_comments import (
    _stored_flags,
    comment_change,
    feed_delivery,
    new_comment_id,
    replies_under,
)
from tests.channels.test_staff_reply import STAFF, site, staff_browser  # noqa: F401  (fixtures, reused)
from tests.channels.test_x_channel import _reply_to, mention, post_event
from tests.page_waits import PageWait, page_is_changing

pytestmark = pytest.mark.browser

ABUSE = "Vous êtes tous des idiots et des incompétents à la mairie"
ABUSE_CLAUSE_FR = "Ne tenez aucun propos offensant, diffamatoire, malveillant, menaçant"
CITY_POST = "1861000000000000001"  # a post of the City's account


def _hiding(comment_id: str, hidden: bool) -> Any:
    return lambda r: r.path == f"/v21.0/{comment_id}" and r.method == "POST" and r.body == {"is_hidden": hidden}


def _queue_item(driver: WebDriver, server: ReviewServer, key: str) -> Any:
    driver.get(f"{server.base_url}/moderation")
    PageWait(driver).until(lambda d: d.find_elements(By.ID, "moderation-queue"))
    return driver.find_element(By.ID, f"item-{key}")


def _replaced(page: WebElement) -> bool:
    """Selenium's `staleness_of`, where every error saying the page is changing means the old page is gone."""
    try:
        page.is_enabled()
    except WebDriverException as error:
        if page_is_changing(error):
            return True
        raise
    return False


def _act(driver: WebDriver, button: str, reason: str = "") -> str:
    key = button.split("-", 1)[1]
    if reason:
        driver.find_element(By.ID, f"reason-{key}").send_keys(reason)
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, button).click()
    # The page before may show the last action's outcome: the answer is the outcome of the page that replaces it.
    WebDriverWait(driver, 120).until(lambda _: _replaced(page))
    outcome = PageWait(driver, 120).until(lambda d: d.find_elements(By.ID, "moderation-outcome"))
    return str(outcome[0].text)


def audit_records(server: ReviewServer, action: str) -> list[tuple[str, dict[str, Any]]]:
    engine = sa.create_engine(server.env["REVIEW_DB_URL"])
    query = sa.text("SELECT user_name, detail FROM review_audit WHERE action = :action ORDER BY id")
    with engine.connect() as connection:
        rows = [(row.user_name, json.loads(row.detail)) for row in connection.execute(query, {"action": action})]
    engine.dispose()
    return rows


def _abusive_comment(assistant: Assistant, graph_api: StandInApi, author: str, *others: str) -> list[str]:
    """An abusive comment delivered (with `others`, each a comment of its own, after it), once all are answered;
    their ids."""
    comment_id = new_comment_id()
    changes = [comment_change(author, ABUSE, comment_id)]
    later = [new_comment_id() for _ in others]
    changes += [comment_change(author, text, other) for text, other in zip(others, later, strict=True)]
    assert post_to_facebook(assistant, feed_delivery(*changes)) == 200
    for thread in [comment_id, *later]:
        replies_under(graph_api, thread)  # answered in order: the last reply means the others' turns are over
    return [comment_id, *later]


def test_an_abusive_comment_is_queued_then_hidden_and_restored_by_staff_and_audited(
    assistant: Assistant,
    graph_api: StandInApi,
    site: ReviewServer,  # noqa: F811
    staff_browser: WebDriver,  # noqa: F811
    user_id: str,
) -> None:
    (comment_id,) = _abusive_comment(assistant, graph_api, user_id)
    assert graph_api.received(_hiding(comment_id, True)) == []  # automatic hiding is off: nothing by itself
    item = _queue_item(staff_browser, site, f"facebook-{comment_id}")
    # What staff need: the rule, its clause quoted in their language, the redacted text, the author and the post.
    assert ABUSE_CLAUSE_FR in item.find_element(By.CLASS_NAME, "clause").text
    assert ABUSE in item.find_element(By.CLASS_NAME, "comment").text
    assert user_id in item.find_element(By.CLASS_NAME, "author").text
    assert "rappel" in item.find_element(By.CLASS_NAME, "next-step").text  # a first violation: a reminder

    assert _act(staff_browser, f"hide-facebook-{comment_id}", "insultes envers le personnel") == "Commentaire masqué."
    (hidden,) = graph_api.received(_hiding(comment_id, True))
    assert hidden.headers["authorization"] == "Bearer test-page-access-token"
    ((who, why),) = [r for r in audit_records(site, "moderation_hide") if r[1]["comment_id"] == comment_id]
    assert who == STAFF and why["rule"] == "abuse" and why["reason"] == "insultes envers le personnel"
    assert why["clause"].startswith("Do not make any offensive") and why["ok"] is True
    assert json.loads(why["answer"]) == {"success": True}

    assert _act(staff_browser, f"unhide-facebook-{comment_id}") == "Commentaire rétabli."
    assert len(graph_api.received(_hiding(comment_id, False))) == 1
    assert "Visible" in staff_browser.find_element(By.ID, f"state-facebook-{comment_id}").text
    assert [who for who, detail in audit_records(site, "moderation_unhide") if detail["comment_id"] == comment_id] == [
        STAFF
    ]


def _reply_under_city_post(author: str, text: str) -> dict[str, Any]:
    delivery = mention(author, text)
    tweet = delivery["tweet_create_events"][0]
    tweet.update(in_reply_to_status_id_str=CITY_POST, in_reply_to_user_id_str=X_ACCOUNT_ID)
    return delivery


def test_an_abusive_x_reply_under_a_city_post_is_hidden_through_the_hide_replies_endpoint(
    assistant: Assistant,
    x_api: StandInApi,
    site: ReviewServer,  # noqa: F811
    staff_browser: WebDriver,  # noqa: F811
    user_id: str,
) -> None:
    delivery = _reply_under_city_post(user_id, "You are all idiots at city hall")
    tweet_id = delivery["tweet_create_events"][0]["id_str"]
    assert post_event(assistant, delivery)[0] == 200
    x_api.wait_for(_reply_to(tweet_id))
    (stored,) = stored_user_events(assistant, f"x:public:{user_id}")
    assert stored["metadata"]["public_comment"]["hideable"] is True
    _queue_item(staff_browser, site, f"x-{tweet_id}")
    assert _act(staff_browser, f"hide-x-{tweet_id}") == "Commentaire masqué."
    (hidden,) = x_api.received(lambda r: r.path == f"/2/tweets/{tweet_id}/hidden")
    assert hidden.method == "PUT" and hidden.body == {"hidden": True}
    # Signed with the City's own user-context token (OAuth 1.0a), as X requires for hiding replies.
    assert f'oauth_token="{X_KEYS["X_ACCESS_TOKEN"]}"' in hidden.headers["authorization"]
    hides = audit_records(site, "moderation_hide")
    assert [who for who, detail in hides if detail["comment_id"] == tweet_id] == [STAFF]


@pytest.fixture
def abuse_hidden_automatically(moderation_file: Path) -> Iterator[None]:
    """moderation.yml with automatic hiding turned on for abuse only; everything off again afterwards."""
    shipped = moderation_file.read_text(encoding="utf-8")
    settings = yaml.safe_load(shipped)
    settings["auto_hide"]["abuse"] = True
    moderation_file.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    try:
        yield
    finally:
        moderation_file.write_text(shipped, encoding="utf-8")


def _all_requests_for(api: StandInApi, comment_id: str) -> list[Recorded]:
    return api.received(lambda r: r.path == f"/v21.0/{comment_id}")


def test_automatic_hiding_hides_a_rule_turned_on_at_once_and_one_click_restores_it(
    assistant: Assistant,
    graph_api: StandInApi,
    site: ReviewServer,  # noqa: F811
    staff_browser: WebDriver,  # noqa: F811
    abuse_hidden_automatically: None,
    user_id: str,
) -> None:
    # Turned on for abuse: the abusive comment is hidden; the spam after it (solicitation, off) is not.
    spam = "Buy cheap followers now at www.spam-deals.biz"
    comment_id, spam_id = _abusive_comment(assistant, graph_api, user_id, spam)
    assert len(graph_api.received(_hiding(comment_id, True))) == 1
    assert _all_requests_for(graph_api, spam_id) == []
    deadline = time.monotonic() + 30
    while not _stored_flags(assistant, f"facebook_comments:{comment_id}") and time.monotonic() < deadline:
        time.sleep(0.2)
    (flag,) = _stored_flags(assistant, f"facebook_comments:{comment_id}")
    assert flag["kind"] == "auto_hidden" and flag["rule"] == "abuse" and flag["hidden"] is True

    # First in the queue, as hidden by the assistant, recorded so in the audit; one click restores it.
    staff_browser.get(f"{site.base_url}/moderation")
    first = staff_browser.find_elements(By.CSS_SELECTOR, "#moderation-queue > li")[0]
    assert first.get_attribute("id") == f"item-facebook-{comment_id}"
    assert "Masqué par l'assistant" in first.text
    assert [who for who, d in audit_records(site, "moderation_auto_hide") if d["comment_id"] == comment_id] == [
        "assistant"
    ]
    assert _act(staff_browser, f"unhide-facebook-{comment_id}") == "Commentaire rétabli."
    assert [r.body for r in _all_requests_for(graph_api, comment_id)] == [{"is_hidden": True}, {"is_hidden": False}]
