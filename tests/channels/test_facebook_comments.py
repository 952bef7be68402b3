"""Comments on the City's Facebook Page posts through the real Rasa server, model and action server, against the
stand-in Graph API on localhost. Deliveries are `feed` changes to the Messenger webhook, signed with the app secret
(X-Hub-Signature-256) as Meta signs them; the replies are answered in the background, so the tests wait for the
stand-in to receive them. A staff member's reply (the assistant's staff endpoint, as the review app calls it) goes
under the thread in public, or with personal information as Facebook's private reply while Facebook allows one."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime
from typing import Any

import pytest

from bench import review_app
from pointe_claire.channels.public_reply import default_texts
from pointe_claire.names import REPLY_NOT_DELIVERED
from pointe_claire.redaction import default_redactor
from scripts.servers import Assistant, http
from tests.channels.conftest import post_to_facebook, stored_conversations_mentioning, stored_user_events
from tests.channels.standins import FACEBOOK_KEYS, STAFF_TOKEN, StandInApi
from tests.conftest import FROZEN_TIME

pytestmark = pytest.mark.usefixtures("assistant")

PAGE_ID = "108204651234567"
POST_ID = f"{PAGE_ID}_901234567890123"
PERMALINK = "https://www.facebook.com/pointeclaire/posts/901234567890123"


def new_comment_id() -> str:
    return f"901234567890123_{time.time_ns()}"


def comment_change(author_id: str, text: str, comment_id: str, **value: Any) -> dict[str, Any]:
    """A `feed` change for a new comment (top-level unless `parent_id` names a comment), as Meta delivers it."""
    return {
        "field": "feed",
        "value": {
            "from": {"id": author_id, "name": "A Resident"},
            "post": {"id": POST_ID, "permalink_url": PERMALINK, "status_type": "added_photos"},
            "message": text,
            "post_id": POST_ID,
            "comment_id": comment_id,
            "parent_id": POST_ID,
            "created_time": int(time.time()),
            "item": "comment",
            "verb": "add",
            **value,
        },
    }


def feed_delivery(*changes: Any) -> dict[str, Any]:
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": int(time.time()), "changes": list(changes)}]}


def _under(thread_id: str) -> Any:
    return lambda r: r.path == f"/v21.0/{thread_id}/comments" and r.status == 200


def comment_and_reply(assistant: Assistant, graph_api: StandInApi, author_id: str, text: str) -> tuple[str, str]:
    """A new top-level comment delivered, and the City's public reply under it."""
    comment_id = new_comment_id()
    assert post_to_facebook(assistant, feed_delivery(comment_change(author_id, text, comment_id))) == 200
    (reply,) = replies_under(graph_api, comment_id)
    return comment_id, reply


def replies_under(graph_api: StandInApi, thread_id: str, count: int = 1) -> list[str]:
    """The texts the City posted under the thread's top-level comment, once there are `count` of them."""
    return [r.body["message"] for r in graph_api.wait_for(_under(thread_id), count)]


def _private_to(comment_id: str) -> Any:
    """Facebook's private reply to the comment (Send API, recipient {comment_id})."""
    return lambda r: (
        r.path == f"/v21.0/{PAGE_ID}/messages"
        and isinstance(r.body, dict)
        and r.body.get("recipient") == {"comment_id": comment_id}
    )


@pytest.mark.parametrize(
    ("question", "language", "words"),
    [
        ("Bonjour, quelles sont les heures d'ouverture de l'hôtel de ville?", "fr", "hôtel de ville"),
        ("Hello, what are the City Hall office hours?", "en", "City Hall"),
    ],
)
def test_a_signed_comment_gets_a_public_reply_under_it_in_its_language_with_the_disclosure_first(
    assistant: Assistant, graph_api: StandInApi, user_id: str, question: str, language: str, words: str
) -> None:
    disclosure = default_texts().automated_assistant
    comment_id, reply = comment_and_reply(assistant, graph_api, user_id, question)
    assert reply.startswith(disclosure[language] + "\n\n") and words in reply
    other = "en" if language == "fr" else "fr"
    assert disclosure[other] not in reply
    (sent,) = graph_api.received(_under(comment_id))
    assert sent.headers["authorization"] == f"Bearer {FACEBOOK_KEYS['FACEBOOK_PAGE_ACCESS_TOKEN']}"
    assert graph_api.received(_private_to(comment_id)) == []
    (stored,) = stored_user_events(assistant, f"facebook_comments:{comment_id}")
    assert stored["input_channel"] == "facebook_comments" and stored["message_id"] == comment_id


def test_a_reply_to_a_reply_lands_in_the_same_thread_without_a_second_disclosure(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    thread, _ = comment_and_reply(assistant, graph_api, user_id, "Hello, what are the City Hall office hours?")
    # The resident answers the City's reply: Facebook gives its parent as the thread's top-level comment.
    follow_up = new_comment_id()
    change = comment_change(user_id, "And where is City Hall?", follow_up, parent_id=thread)
    assert post_to_facebook(assistant, feed_delivery(change)) == 200
    first, second = replies_under(graph_api, thread, count=2)
    assert default_texts().automated_assistant["en"] in first
    assert default_texts().automated_assistant["en"] not in second
    assert graph_api.received(lambda r: r.path == f"/v21.0/{follow_up}/comments") == []
    stored = stored_user_events(assistant, f"facebook_comments:{thread}")
    assert [event["message_id"] for event in stored] == [thread, follow_up]


def test_a_comment_with_a_phone_number_gets_a_private_reply_and_a_public_notice_without_it(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    text = "Pouvez-vous me rappeler au 514-555-0187 au sujet de mon compte de taxes?"
    comment_id, notice = comment_and_reply(assistant, graph_api, user_id, text)
    assert default_texts().moved_to_private_message["fr"] in notice
    assert "514-555-0187" not in notice and not default_redactor().redact(notice).found_any
    (private,) = graph_api.wait_for(_private_to(comment_id))
    assert private.body["message"]["text"].strip()
    (stored,) = stored_user_events(assistant, f"facebook_comments:{comment_id}")
    assert "514-555-0187" not in stored["text"]  # redacted before storage, as every message


def test_forged_or_missing_signatures_are_refused_and_nothing_is_stored(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    comment_id = new_comment_id()
    payload = feed_delivery(comment_change(user_id, "Quand passe la collecte des feuilles?", comment_id))
    assert post_to_facebook(assistant, payload, secret="not-the-app-secret") == 403
    assert post_to_facebook(assistant, payload, secret=None) == 403
    time.sleep(1)  # anything wrongly taken would be answered in the background by now
    assert graph_api.received(lambda r: comment_id in r.path) == []
    assert stored_conversations_mentioning(assistant, comment_id) == []
    # Refused deliveries leave no trace, not even in the memory of comments seen: Meta's own delivery is answered.
    assert post_to_facebook(assistant, payload) == 200
    replies_under(graph_api, comment_id)
    assert len(stored_user_events(assistant, f"facebook_comments:{comment_id}")) == 1


def test_the_citys_own_comments_edits_deletions_hides_tags_and_emoji_are_not_answered(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    ignored = [new_comment_id() for _ in range(6)]
    question = "Quand passe la collecte des feuilles?"
    changes = [
        comment_change(PAGE_ID, question, ignored[0]),  # the City's own
        comment_change(user_id, question, ignored[1], verb="edited"),
        comment_change(user_id, question, ignored[2], verb="remove"),
        comment_change(user_id, question, ignored[3], verb="hide"),
        comment_change(user_id, "Marie Tremblay", ignored[4], message_tags=[{"id": "6", "name": "Marie Tremblay"}]),
        comment_change(user_id, "👍😍", ignored[5]),
    ]
    answered = new_comment_id()
    # One delivery, the comment to answer last: comments are answered in order, so once it is, the others were
    # passed over.
    assert post_to_facebook(assistant, feed_delivery(*changes, comment_change(user_id, question, answered))) == 200
    replies_under(graph_api, answered)
    assert graph_api.received(lambda r: any(comment in r.path for comment in ignored)) == []
    assert all(stored_conversations_mentioning(assistant, comment) == [] for comment in ignored)


def test_a_duplicate_delivery_is_answered_once(assistant: Assistant, graph_api: StandInApi, user_id: str) -> None:
    comment_id, later = new_comment_id(), new_comment_id()
    change = comment_change(user_id, "What day is garbage collection?", comment_id)
    assert post_to_facebook(assistant, feed_delivery(change)) == 200
    assert post_to_facebook(assistant, feed_delivery(change)) == 200  # Meta delivers it again
    replies_under(graph_api, comment_id)
    again = feed_delivery(change, comment_change(user_id, "What day is recycling collection?", later))
    assert post_to_facebook(assistant, again) == 200
    replies_under(graph_api, later)
    assert len(graph_api.received(_under(comment_id))) == 1
    assert len(stored_user_events(assistant, f"facebook_comments:{comment_id}")) == 1


def test_an_emergency_comment_gets_the_emergency_numbers_publicly(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    _, reply = comment_and_reply(assistant, graph_api, user_id, "Il y a un bris d'aqueduc devant chez moi!!")
    assert "514-630-1234" in reply and "urgence municipale" in reply.lower()
    # The numbers first; the bot disclosure of a thread's first reply after them.
    assert reply.index("514-630-1234") < reply.index(default_texts().automated_assistant["fr"])


def test_with_the_action_server_down_a_comment_still_gets_the_emergency_numbers_publicly(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    assistant.actions.stop()
    try:
        question = "Quand est-ce que quelqu'un va me répondre?"  # answered by a custom action
        _, reply = comment_and_reply(assistant, graph_api, user_id, question)
    finally:
        assistant.actions.start()
    assert all(number in reply for number in ("514-630-1234", "9-1-1"))


def _stored_flags(assistant: Assistant, conversation: str) -> list[dict[str, Any]]:
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot' ORDER BY id", (conversation,)
        ).fetchall()
    slots = [json.loads(row[0]) for row in rows]
    return [flag for slot in slots if slot.get("name") == "flags" for flag in slot.get("value") or []]


def test_graph_api_errors_are_retried_then_recorded_for_staff(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    comment_id = new_comment_id()
    path = f"/v21.0/{comment_id}/comments"
    for status, error in ((400, {"code": 613}), (429, {"code": 4}), (500, {"code": 2}), (403, {"code": 32})):
        graph_api.script(
            path, status, body={"error": {"message": "Calls to this api have exceeded the rate limit.", **error}}
        )
    text = "Hello, what are the City Hall office hours?"
    assert post_to_facebook(assistant, feed_delivery(comment_change(user_id, text, comment_id))) == 200
    attempts = graph_api.wait_for(lambda r: r.path == path, count=4)
    assert [r.status for r in attempts] == [400, 429, 500, 403]
    conversation = f"facebook_comments:{comment_id}"
    deadline = time.monotonic() + 20
    while not _stored_flags(assistant, conversation) and time.monotonic() < deadline:
        time.sleep(0.2)
    (flag,) = _stored_flags(assistant, conversation)
    assert flag["kind"] == REPLY_NOT_DELIVERED and "code 32" in flag["reason"] and flag["at"]


def test_an_abusive_comment_is_stored_with_its_rule_and_what_the_moderation_queue_needs(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    text = "Your snow removal crews are a bunch of useless idiots"
    comment_id, reply = comment_and_reply(assistant, graph_api, user_id, text)
    assert "respectful" in reply
    (stored,) = stored_user_events(assistant, f"facebook_comments:{comment_id}")
    assert [record["rule"] for record in stored["parse_data"]["netiquette"]]
    assert stored["metadata"]["public_comment"] == {
        "platform": "facebook",
        "comment_id": comment_id,
        "post_id": POST_ID,
        "parent_id": POST_ID,
        "author_id": user_id,
        "permalink": PERMALINK,
    }


def test_malformed_feed_deliveries_are_never_a_500_nor_stop_the_comments_after_them(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    comment = comment_change(user_id, "allo", new_comment_id())["value"]
    for payload in (
        {"object": "page", "entry": [{"id": PAGE_ID, "changes": "x"}]},
        {"object": "page", "entry": [{"id": PAGE_ID, "changes": [5, {"field": "feed", "value": "x"}]}]},
        {"object": "page", "entry": [{"id": [PAGE_ID], "changes": [{"field": "feed", "value": comment}]}]},
        {
            "object": "page",
            "entry": [{"id": PAGE_ID, "changes": [{"field": "feed", "value": {**comment, "message": 5}}]}],
        },
        {
            "object": "page",
            "entry": [{"id": PAGE_ID, "changes": [{"field": "feed", "value": {**comment, "comment_id": {}}}]}],
        },
        [1, 2],
    ):
        assert post_to_facebook(assistant, payload) in (200, 400), payload
    assert post_to_facebook(assistant, {"object": "page", "entry": "x"}) == 200
    answered = new_comment_id()
    # A comment whose author Meta did not give is still answered (the City's own replies are remembered by id).
    no_author = {"field": "feed", "value": {**comment, "from": "x"}}
    odd: list[Any] = [
        5,
        {"field": "feed", "value": {**comment, "comment_id": None}},
        {"field": "feed", "value": {}},
        no_author,
    ]
    delivery = feed_delivery(*odd, comment_change(user_id, "Quand ouvre la piscine?", answered))
    assert post_to_facebook(assistant, delivery) == 200
    replies_under(graph_api, answered)
    replies_under(graph_api, comment["comment_id"])


# --- staff replies from the review app --------------------------------------------------------------------------


def staff_reply(assistant: Assistant, conversation: str, text: str) -> dict[str, Any]:
    """The staff endpoint's answer to a reply, as the review app sends it."""
    body = json.dumps({"conversation": conversation, "staff": "claire", "text": text, "hand_back": True})
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {STAFF_TOKEN}"}
    status, answer = http("POST", f"{assistant.base_url}/webhooks/staff/reply", body.encode("utf-8"), headers)
    assert status == 200, answer
    return dict(json.loads(answer))


def stored_staff_reply(assistant: Assistant, conversation: str) -> dict[str, Any]:
    """The one staff reply stored in the conversation: its text and record."""
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'bot' ORDER BY id", (conversation,)
        ).fetchall()
    (reply,) = [event for event in map(json.loads, (row[0] for row in rows)) if "staff_reply" in event["metadata"]]
    return {"text": reply["text"], **reply["metadata"]["staff_reply"]}


def _holding(text: str) -> Any:
    """Any request to the Graph API whose body holds `text`."""
    return lambda r: text in json.dumps(r.body, ensure_ascii=False)


def _staff_reply_in_a_thread(
    assistant: Assistant, graph_api: StandInApi, user_id: str, reply: str
) -> tuple[str, str, dict[str, Any]]:
    """A top-level comment and the resident's reply under the City's answer, both answered, then a staff member's
    reply in the thread: the thread, the follow-up comment and the staff endpoint's answer."""
    thread, _ = comment_and_reply(assistant, graph_api, user_id, "Hello, what are the City Hall office hours?")
    follow_up = new_comment_id()
    change = comment_change(user_id, "Thanks! Is it open on Saturday?", follow_up, parent_id=thread)
    assert post_to_facebook(assistant, feed_delivery(change)) == 200
    replies_under(graph_api, thread, count=2)
    return thread, follow_up, staff_reply(assistant, f"facebook_comments:{thread}", reply)


def test_a_staff_reply_without_personal_information_is_posted_under_the_threads_top_level_comment(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    reply = "Hello, this is Claire from the City: City Hall is closed on Saturdays."
    thread, follow_up, answer = _staff_reply_in_a_thread(assistant, graph_api, user_id, reply)
    assert (answer["outcome"], answer["channel"]) == ("sent", "facebook_comments")
    # Under the top-level comment (Facebook threads are one level deep), as the Page, and nowhere else.
    (posted,) = graph_api.received(_holding(reply))
    assert posted.path == f"/v21.0/{thread}/comments" and posted.body == {"message": reply} and posted.status == 200
    assert posted.headers["authorization"] == f"Bearer {FACEBOOK_KEYS['FACEBOOK_PAGE_ACCESS_TOKEN']}"
    assert graph_api.received(lambda r: follow_up in r.path) == []
    stored = stored_staff_reply(assistant, f"facebook_comments:{thread}")
    assert (stored["text"], stored["by"], stored["delivered"], stored["channel"]) == (
        reply,
        "claire",
        True,
        "facebook_comments",
    )


def test_a_staff_reply_with_a_phone_number_goes_as_the_private_reply_to_the_residents_last_comment_only(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    reply = "Bonjour, ici Claire de la Ville : appelez-moi directement au 514-555-0142."
    thread, follow_up, answer = _staff_reply_in_a_thread(assistant, graph_api, user_id, reply)
    assert answer["outcome"] == "sent"
    (private,) = graph_api.received(_holding("514-555-0142"))  # nothing public holds it
    assert private.path == f"/v21.0/{PAGE_ID}/messages" and private.status == 200
    assert private.body == {"recipient": {"comment_id": follow_up}, "message": {"text": reply}}
    assert len(graph_api.received(_under(thread))) == 2  # the assistant's two answers, nothing since
    stored = stored_staff_reply(assistant, f"facebook_comments:{thread}")
    assert stored["delivered"] is True and "514-555-0142" not in stored["text"]  # redacted, as every message


def _comment_thread_written_at(assistant: Assistant, user_id: str, days_ago: float) -> str:
    """A comment thread whose resident wrote `days_ago` before the assistant's frozen clock, stored as the comments
    channel stores it (with the comment's ids), with the assistant's answer."""
    comment_id = new_comment_id()
    written = datetime.fromisoformat(FROZEN_TIME).timestamp() - days_ago * 24 * 3600
    message = review_app.resident_message(written, "Le nid-de-poule est toujours là", "report_problem", "fr")
    change = comment_change(user_id, message["text"], comment_id)["value"]
    record = {key: change[key] for key in ("comment_id", "post_id", "parent_id")}
    message["input_channel"] = "facebook_comments"
    message["metadata"] = {"public_comment": {"platform": "facebook", **record, "author_id": user_id}}
    answer = {"event": "bot", "timestamp": written + 5, "text": "Merci, c'est noté.", "data": {}, "metadata": {}}
    conversation = f"facebook_comments:{comment_id}"
    review_app.write_events(f"sqlite:///{assistant.tracker_db}", conversation, [message, answer])
    return conversation


def test_a_private_staff_reply_8_days_after_the_comment_is_refused_and_kept_with_the_reason(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    conversation = _comment_thread_written_at(assistant, user_id, days_ago=8)
    reply = "Bonjour, ici Claire : écrivez-moi à claire.dupuis@pointe-claire.ca."
    answer = staff_reply(assistant, conversation, reply)
    assert (answer["outcome"], answer["reason"]) == ("not_delivered", "private_reply_unavailable")
    comment_id = conversation.split(":", 1)[1]
    # Neither in private (Facebook would refuse it) nor in public.
    assert graph_api.received(lambda r: _holding(reply)(r) or comment_id in r.path) == []
    stored = stored_staff_reply(assistant, conversation)
    assert (stored["delivered"], stored["reason"]) == (False, "private_reply_unavailable")
    # Within the 7 days the same reply goes, as the private reply to that comment.
    recent = _comment_thread_written_at(assistant, str(int(user_id) + 1), days_ago=6.5)
    assert staff_reply(assistant, recent, reply)["outcome"] == "sent"
    (private,) = graph_api.received(_holding("claire.dupuis@pointe-claire.ca"))
    assert private.body["recipient"] == {"comment_id": recent.split(":", 1)[1]}


def test_a_private_staff_reply_facebook_refuses_as_already_sent_is_refused_with_the_reason_and_not_posted(
    assistant: Assistant, graph_api: StandInApi, user_id: str
) -> None:
    # The assistant answered the comment in private already: Facebook takes no second private reply to it.
    text = "Pouvez-vous me rappeler au 514-555-0187 au sujet de mon compte de taxes?"
    comment_id, _ = comment_and_reply(assistant, graph_api, user_id, text)
    graph_api.wait_for(_private_to(comment_id))
    refusal = {"error": {"message": "(#10900) Activity already replied to", "type": "OAuthException", "code": 10900}}
    graph_api.script(f"/v21.0/{PAGE_ID}/messages", 400, body=refusal)
    reply = "Bonjour, ici Claire : je vous rappelle au 514-555-0187 demain matin."
    answer = staff_reply(assistant, f"facebook_comments:{comment_id}", reply)
    assert (answer["outcome"], answer["reason"]) == ("not_delivered", "private_reply_unavailable")
    (tried,) = graph_api.received(_holding("demain matin"))  # once: not retried, and not posted in public
    assert tried.status == 400 and tried.path == f"/v21.0/{PAGE_ID}/messages"
