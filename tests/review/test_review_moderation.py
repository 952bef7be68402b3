"""The moderation queue in the review app, in-process (issue 15, items 2 to 4): public comments that break the
netiquette listed with the rule, the policy clause quoted in the staff member's language (moderation.yml), the
redacted text escaped, the author, the post and its link; what the assistant hid by itself first and audited as
its own; repeat offenders' next step; roles, reasons and CSRF on the actions; a platform's refusal recorded and
shown; the audit exported as CSV. Hiding on the real platforms is tested end to end in
tests/channels/test_comment_moderation.py.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from review_fixtures import OFFICE_HOURS_TS, SCRIPT_MESSAGE, ReviewSite

from bench.review_app import StaffClient, resident_message, slot_event, write_events
from pointe_claire.moderation_settings import moderation_settings
from review.exports import UTF8_BOM

POST = "108204651234567_901234567890123"
PERMALINK = "https://www.facebook.com/pointeclaire/posts/901234567890123"
REPEAT_AUTHOR = "7300000000000003"


def _comment(
    ts: float, text: str, comment_id: str, author: str, rules: list[str], platform: str = "facebook", **record: Any
) -> dict[str, Any]:
    netiquette = [{"rule": rule, "threat": False, "language": "fr"} for rule in rules]
    event = resident_message(ts, text, "netiquette_violation" if rules else "ask_hours", "fr", netiquette=netiquette)
    event["input_channel"] = "facebook_comments" if platform == "facebook" else "x"
    event["metadata"] = {
        "public_comment": {
            "platform": platform,
            "comment_id": comment_id,
            "post_id": POST if platform == "facebook" else "1861000000000000001",
            "parent_id": POST,
            "author_id": author,
            "permalink": PERMALINK,
            **record,
        }
    }
    return event


@pytest.fixture(scope="module")
def comments(review_site: ReviewSite) -> ReviewSite:
    url, ts = review_site.tracker_url, OFFICE_HOURS_TS
    write_events(
        url, "facebook_comments:9001_1", [_comment(ts, SCRIPT_MESSAGE, "9001_1", "7300000000000001", ["abuse"])]
    )
    write_events(url, "facebook_comments:9001_2", [_comment(ts + 5, "Quelles sont les heures?", "9001_2", "73", [])])
    # Hidden by the assistant (moderation.yml), older than the others: listed first all the same.
    write_events(
        url,
        "facebook_comments:9001_3",
        [
            _comment(ts - 3600, "Achetez des abonnés sur spam.biz", "9001_3", "7300000000000002", ["solicitation"]),
            slot_event(
                ts - 3599,
                "flags",
                [
                    {
                        "kind": "auto_hidden",
                        "platform": "facebook",
                        "comment_id": "9001_3",
                        "rule": "solicitation",
                        "hidden": True,
                        "attempts": 1,
                        "at": "2026-11-18T09:00:01-05:00",
                    }
                ],
            ),
        ],
    )
    # A mention of the City on X, not a reply to its posts: X lets the City hide only those.
    write_events(
        url,
        "x:public:7300000000000004",
        [
            _comment(
                ts + 10,
                "You are all idiots",
                "1861000000000000099",
                "7300000000000004",
                ["abuse"],
                platform="x",
                hideable=False,
            )
        ],
    )
    # One account, three violations in a few days: a ban is proposed.
    write_events(
        url,
        f"x:public:{REPEAT_AUTHOR}",
        [
            _comment(
                ts + 20 + n,
                f"idiots {n}",
                f"18610000000000001{n}",
                REPEAT_AUTHOR,
                ["abuse"],
                platform="x",
                hideable=True,
            )
            for n in range(3)
        ],
    )
    return review_site


def _queue(client: StaffClient) -> str:
    page = client.get("/moderation")
    assert page.status == 200, page.body[:500]
    return page.body


def test_the_queue_shows_each_violation_with_its_clause_in_the_staff_language_hidden_ones_first(
    comments: ReviewSite, reviewer: StaffClient
) -> None:
    body = _queue(reviewer)
    # The assistant's hiding first; the comment that breaks nothing is not listed.
    assert body.index('id="item-facebook-9001_3"') < body.index('id="item-facebook-9001_1"')
    assert "Masqué par l&#39;assistant" in body and "item-facebook-9001_2" not in body
    # The rule's clause in French; what the resident wrote escaped; the author, post and link.
    assert moderation_settings().clause("abuse", "fr").replace("'", "&#39;") in body
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "7300000000000001" in body and POST in body and f'href="{PERMALINK}"' in body
    # An X mention cannot be hidden (no button); a reply under the City's post can.
    assert 'id="hide-x-1861000000000000099"' not in body and 'id="hide-x-186100000000000010"' in body
    # Repeat offenders: three violations in 90 days propose a ban; one, a reminder.
    assert body.count("3 manquement(s) en 90 jours") == 3 and "proposer un bannissement" in body
    english = reviewer.get("/lang/en?next=/moderation")
    assert english.status in (302, 303)
    assert moderation_settings().clause("abuse", "en") in _queue(reviewer)


def test_the_assistants_own_hiding_is_audited_as_the_assistants_once(comments: ReviewSite, admin: StaffClient) -> None:
    _queue(admin)
    _queue(admin)
    exported = admin.get("/moderation/audit.csv")
    rows = [
        row
        for row in csv.DictReader(io.StringIO(exported.body.removeprefix(UTF8_BOM)))
        if row["comment_id"] == "9001_3"
    ]
    assert [(row["action"], row["staff"], row["rule"], row["ok"]) for row in rows] == [
        ("auto_hide", "assistant", "solicitation", "yes")
    ]


def _act(client: StaffClient, **fields: str) -> Any:
    token = client.get("/moderation").csrf_token()
    return client.post(
        "/moderation/act", {"csrf_token": token, "platform": "facebook", "comment_id": "9001_1", **fields}
    )


def test_delete_needs_a_reason_ban_an_administrator_and_every_action_the_csrf_token(
    comments: ReviewSite, reviewer: StaffClient, admin: StaffClient
) -> None:
    before = admin.get("/moderation/audit.csv").body.count("\n")
    assert _act(admin, action="delete").status == 400
    assert _act(reviewer, action="ban", reason="threats, third time").status == 403
    assert "ban-facebook-9001_1" not in _queue(reviewer) and "ban-facebook-9001_1" in _queue(admin)
    forged = reviewer.post("/moderation/act", {"platform": "facebook", "comment_id": "9001_1", "action": "hide"})
    assert forged.status == 403
    assert _act(reviewer, action="hide", comment_id="9999_9").status == 400  # not a comment of the queue
    assert admin.get("/moderation/audit.csv").body.count("\n") == before  # nothing was tried, nothing recorded


def test_a_platform_that_could_not_be_reached_is_recorded_and_shown_to_staff(
    comments: ReviewSite, reviewer: StaffClient
) -> None:
    # No assistant in these tests (no staff token): the action fails as a platform outage would.
    answer = _act(reviewer, action="hide", reason="insultes")
    assert answer.status == 303 and "ok=no" in answer.headers["Location"]
    body = _queue(reviewer)
    assert 'id="problem-facebook-9001_1"' in body and "assistant_not_configured" in body
    assert 'id="hide-facebook-9001_1"' in body  # still visible: nothing changed on the platform


def test_the_moderation_audit_exports_as_csv_with_bom_and_formulas_neutralised(
    comments: ReviewSite, reviewer: StaffClient, admin: StaffClient
) -> None:
    _act(admin, action="delete", reason='=HYPERLINK("http://evil.example")')
    assert reviewer.get("/moderation/audit.csv").status == 403
    exported = admin.get("/moderation/audit.csv")
    assert exported.status == 200 and exported.body.startswith(UTF8_BOM)
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.body.removeprefix(UTF8_BOM))))
    (deleted,) = [row for row in rows if row["action"] == "delete"]
    assert deleted["staff"] == "alice" and deleted["reason"] == '\'=HYPERLINK("http://evil.example")'
    assert deleted["rule"] == "abuse" and deleted["clause"].startswith("Do not make any offensive")
    assert deleted["ok"] == "no" and deleted["platform_answer"] == "assistant_not_configured"
