"""Fast triage (issue 16, item 4): bulk actions from the lists, "save and next" and previous/next on the transcript
in the order of the list it was opened from, named saved views per staff member, the keyboard shortcuts' script and
help panel, and the transcript before the follow-up panel. In-process, on the module's own site."""

from __future__ import annotations

import html
import re
import urllib.parse

import pytest
from review_fixtures import ADMIN, REVIEWER, ReviewSite
from test_review_fixes import found
from test_review_pages import inbox_ids

from bench.review_app import StaffClient
from review import staff
from review.store import review_engine


def token(client: StaffClient) -> str:
    return client.get("/").csrf_token()


def history(site: ReviewSite, sender_id: str) -> list[tuple[str, str]]:
    engine = review_engine(site.review_url)
    try:
        return [(change.change, change.user_name) for change in staff.staff_record(engine, sender_id).changes]
    finally:
        engine.dispose()


def bulk(client: StaffClient, action: str, ids: list[str], back: str = "/", **fields: str) -> tuple[int, str]:
    response = client.post("/bulk", {"csrf_token": token(client), "action": action, "id": ids, "back": back, **fields})
    return response.status, response.headers.get("Location", "")


def test_bulk_mark_reviewed_takes_the_ticked_conversations_out_of_the_queue(
    review_site: ReviewSite, admin: StaffClient
) -> None:
    queue = admin.get("/").body
    to_review = queue.split('id="to-review"')[1].split("</section>")[0]
    assert "rude-en" in to_review and "new-kind" in to_review
    assert 'form="bulk" name="id" value="rude-en"' in queue  # a checkbox per row, in the one bulk form
    status, location = bulk(admin, "reviewed", ["rude-en", "new-kind", "no-such-conversation"])
    assert status == 303 and location == "/?done=bulk&changed=2"
    after = admin.get(location).body
    assert "Conversations modifiées : 2." in after
    to_review = after.split('id="to-review"')[1].split("</section>")[0]
    assert "rude-en" not in to_review and "new-kind" not in to_review
    assert ("reviewed", ADMIN) in history(review_site, "rude-en") and ("reviewed", ADMIN) in history(
        review_site, "new-kind"
    )
    # Marked again: nothing changes, nothing more is logged.
    assert bulk(admin, "reviewed", ["rude-en"])[1] == "/?done=bulk&changed=0"
    assert history(review_site, "rude-en").count(("reviewed", ADMIN)) == 1
    assert bulk(admin, "unreviewed", ["rude-en"])[1] == "/?done=bulk&changed=1"
    assert "rude-en" in admin.get("/").body.split('id="to-review"')[1].split("</section>")[0]


def test_bulk_close_and_tag_by_a_reviewer_return_to_the_filtered_list(
    review_site: ReviewSite, reviewer: StaffClient
) -> None:
    back = "/?view=all&language=en&sort=oldest"
    status, location = bulk(reviewer, "close", ["handoff-en"], back)
    assert status == 303
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(location).query) == {
        "view": ["all"],
        "language": ["en"],
        "sort": ["oldest"],
        "done": ["bulk"],
        "changed": ["1"],
    }
    assert "handoff-en" not in reviewer.get("/").body.split('id="waiting-handoffs"')[1].split("</section>")[0]
    assert ("handoff_closed", REVIEWER) in history(review_site, "handoff-en")
    assert bulk(reviewer, "tag", ["handoff-en", "emergency-fr"], back, tag="  suivi   voirie ")[1].endswith("changed=2")
    assert sorted(inbox_ids(reviewer, "view=all&tag=suivi+voirie")) == ["emergency-fr", "handoff-en"]


@pytest.mark.parametrize(
    "fields",
    [
        {"action": "delete_everything", "id": ["rude-en"]},
        {"action": "reviewed"},
        {"action": "tag", "id": ["rude-en"], "tag": "   "},
        {"action": ["reviewed", "close"], "id": ["x" * 5000]},
    ],
)
def test_bulk_refuses_bad_input_with_a_4xx_and_changes_nothing(
    review_site: ReviewSite, admin: StaffClient, fields: dict[str, object]
) -> None:
    before = history(review_site, "rude-en")
    response = admin.post("/bulk", {"csrf_token": token(admin), "back": "/", **fields})
    assert response.status in (303, 400), response.status
    assert history(review_site, "rude-en") == before


def test_bulk_without_the_csrf_token_is_refused(review_site: ReviewSite, admin: StaffClient) -> None:
    before = history(review_site, "emergency-fr")
    response = admin.post("/bulk", {"action": "reviewed", "id": ["emergency-fr"], "back": "/"})
    assert response.status == 403
    assert history(review_site, "emergency-fr") == before
    assert review_site.client(None).post("/bulk", {"action": "reviewed", "id": ["emergency-fr"]}).status == 303


def test_save_and_next_marks_reviewed_and_opens_the_next_conversation_of_the_list(
    review_site: ReviewSite, admin: StaffClient
) -> None:
    query = "view=all&sort=newest&language=fr"
    listed = inbox_ids(admin, query)
    assert len(listed) > 3
    back = "/?" + query
    first = admin.get("/conversation?" + urllib.parse.urlencode({"id": listed[0], "back": back})).body
    assert 'id="previous-conversation"' not in first
    assert re.search(r'id="next-conversation"', first)
    second_url = "/conversation?" + urllib.parse.urlencode({"id": listed[1], "back": back})
    second = admin.get(second_url).body
    assert html.unescape(found(r'href="([^"]*)" id="previous-conversation"', second)).startswith(
        "/conversation?id=" + urllib.parse.quote(listed[0])
    )
    assert f'name="next_id" value="{listed[2]}" id="save-next"' in second
    response = admin.post(
        "/conversation/reviewed",
        {"csrf_token": token(admin), "id": listed[1], "back": back, "reviewed": "yes", "next_id": listed[2]},
    )
    assert response.status == 303
    assert response.headers["Location"] == "/conversation?" + urllib.parse.urlencode({"id": listed[2], "back": back})
    assert "Révisée" in admin.get(second_url).body.split('id="reviewed-state">')[1][:20]
    # The last one has no next; opened from the Overview (no list), none either.
    last = admin.get("/conversation?" + urllib.parse.urlencode({"id": listed[-1], "back": back})).body
    assert 'id="next-conversation"' not in last and 'id="save-next"' not in last
    overview = admin.get("/conversation?" + urllib.parse.urlencode({"id": listed[0], "back": "/overview"})).body
    assert 'id="next-conversation"' not in overview and 'id="previous-conversation"' not in overview


def test_next_in_the_queue_follows_the_queue_order(admin: StaffClient) -> None:
    listed = inbox_ids(admin)  # the queue: waiting handoffs oldest first, then flagged
    assert len(listed) > 2
    page = admin.get("/conversation?" + urllib.parse.urlencode({"id": listed[0], "back": "/"})).body
    link = html.unescape(found(r'href="([^"]*)" id="next-conversation"', page))
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["id"] == [listed[1]]


def test_saved_views_belong_to_their_staff_member(review_site: ReviewSite, reviewer: StaffClient) -> None:
    alice = review_site.client(ADMIN)
    hostile = '<img src=x onerror=alert(1)> Abus "en" anglais'
    back = "/?view=all&language=en&flag=netiquette%3Aabuse&page=3&bogus=1"
    response = alice.post("/views", {"csrf_token": token(alice), "name": hostile, "back": back})
    assert response.status == 303 and "done=view_saved" in response.headers["Location"]
    page = alice.get("/?view=all").body
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt; Abus &#34;en&#34; anglais" in page
    saved = html.unescape(found(r'<ul id="saved-views">\s*<li><a href="([^"]*)"', page))
    # The filters as the inbox reads them: page 1, the unknown parameter dropped.
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(saved).query) == {
        "view": ["all"],
        "language": ["en"],
        "flag": ["netiquette:abuse"],
    }
    assert "rude-en" in inbox_ids(alice, urllib.parse.urlsplit(saved).query)
    assert inbox_ids(alice, urllib.parse.urlsplit(saved).query) == inbox_ids(
        alice, "view=all&language=en&flag=netiquette:abuse"
    )
    # Saved again under the same name: replaced, not doubled.
    alice.post("/views", {"csrf_token": token(alice), "name": hostile, "back": "/?view=all&language=fr"})
    page = alice.get("/?view=all").body
    assert page.count("Abus &#34;en&#34; anglais</a>") == 1 and "language=fr" in page.split('id="saved-views"')[1]
    # Bob sees none of Alice's views and cannot delete them.
    assert "Abus" not in reviewer.get("/?view=all").body
    view_id = found(r'name="view_id" value="(\d+)"', page)
    reviewer.post("/views/delete", {"csrf_token": token(reviewer), "view_id": view_id, "back": "/?view=all"})
    assert "Abus" in alice.get("/?view=all").body
    for bad in ("", "abc", "9" * 40):
        assert reviewer.post("/views/delete", {"csrf_token": token(reviewer), "view_id": bad}).status == 303
    assert alice.post("/views", {"csrf_token": token(alice), "name": "   ", "back": "/"}).status == 400
    assert alice.post("/views", {"name": "sans jeton", "back": "/"}).status == 403
    alice.post("/views/delete", {"csrf_token": token(alice), "view_id": view_id, "back": "/?view=all"})
    assert "Abus" not in alice.get("/?view=all").body


def test_keyboard_shortcuts_script_is_served_under_a_strict_policy_with_its_help_in_both_languages(
    review_site: ReviewSite, admin: StaffClient
) -> None:
    script = review_site.client(None).get("/static/review.js")  # public, as the stylesheet
    assert script.status == 200 and "javascript" in script.headers["Content-Type"]
    assert '"?": toggleHelp' in script.body and "keydown" in script.body
    page = admin.get("/")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert '<script src="/static/review.js" defer></script>' in page.body
    assert re.search(r"<script(?! src=\"/static/review\.js\")", page.body) is None  # no inline script
    assert '<dialog id="shortcuts" aria-labelledby="shortcuts-title">' in page.body
    assert "<kbd>j</kbd></dt><dd>conversation suivante" in page.body
    english = review_site.client()
    english.get("/lang/en?next=/")
    assert "<kbd>r</kbd></dt><dd>mark reviewed" in english.get("/overview").body


def test_the_transcript_comes_before_the_follow_up_panel(admin: StaffClient) -> None:
    page = admin.get("/conversation?id=emergency-fr").body
    layout = page.split('<div class="conversation-layout">')[1]
    assert layout.index('id="transcript-title"') < layout.index('id="staff-title"')
