"""Which `feed` changes of a Page webhook delivery are residents' comments to answer, read as Meta documents them
(Webhooks for Pages, field `feed`)."""

from __future__ import annotations

from typing import Any

import pytest

from pointe_claire.channels.feed_events import comments_to_answer, has_words

PAGE_ID = "108204651234567"
POST_ID = f"{PAGE_ID}_901234567890123"


def feed_change(**value: Any) -> dict[str, Any]:
    """One comment change (`item: comment`, `verb: add` unless given), as the Page webhook delivers it."""
    comment = {
        "from": {"id": "6000000000000001", "name": "A Resident"},
        "post": {"id": POST_ID, "permalink_url": "https://www.facebook.com/pointeclaire/posts/901234567890123"},
        "message": "Quand passe la collecte des feuilles?",
        "post_id": POST_ID,
        "comment_id": "901234567890123_111",
        "parent_id": POST_ID,
        "created_time": 1764770000,
        "item": "comment",
        "verb": "add",
        **value,
    }
    return {
        "object": "page",
        "entry": [{"id": PAGE_ID, "time": 1764770000, "changes": [{"field": "feed", "value": comment}]}],
    }


def test_a_residents_comment_is_read_with_what_the_moderation_queue_needs() -> None:
    (comment,) = comments_to_answer(feed_change())
    assert comment.conversation_id == "facebook_comments:901234567890123_111"
    assert comment.thread_id == comment.comment_id and comment.page_id == PAGE_ID
    assert comment.record() == {
        "platform": "facebook",
        "comment_id": "901234567890123_111",
        "post_id": POST_ID,
        "parent_id": POST_ID,
        "author_id": "6000000000000001",
        "permalink": "https://www.facebook.com/pointeclaire/posts/901234567890123",
    }
    assert "A Resident" not in str(comment.record())  # the author's name is not kept


def test_a_reply_to_a_reply_belongs_to_the_top_level_comments_thread() -> None:
    (reply,) = comments_to_answer(feed_change(comment_id="901234567890123_222", parent_id="901234567890123_111"))
    assert reply.thread_id == "901234567890123_111"
    assert reply.conversation_id == "facebook_comments:901234567890123_111"


@pytest.mark.parametrize(
    "change",
    [
        {"from": {"id": PAGE_ID, "name": "Ville de Pointe-Claire"}},  # the City's own comment
        {"verb": "edited"},
        {"verb": "remove"},
        {"verb": "hide"},
        {"verb": "unhide"},
        {"item": "reaction", "reaction_type": "like"},
        {"item": "status"},
        {"message": "Marie Tremblay", "message_tags": [{"id": "6000000000000002", "name": "Marie Tremblay"}]},
        {"message": "😡😡👍"},
        {"message": "  !!! "},
        {"message": None, "photo": "https://scontent.xx.fbcdn.net/photo.jpg"},
        {"comment_id": None},
        {"comment_id": ["a"]},
        {"comment_id": "../108204651234567/feed"},  # ids go into Graph API paths
        {"parent_id": "1_2?fields=x"},
    ],
)
def test_what_is_not_a_new_residents_comment_is_not_answered(change: dict[str, Any]) -> None:
    assert comments_to_answer(feed_change(**change)) == []


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "x",
        {"entry": 5},
        {"entry": [5]},
        {"entry": [{"id": PAGE_ID, "changes": "x"}]},
        {"entry": [{"changes": [{"field": "feed", "value": {"item": "comment", "verb": "add"}}]}]},
        {"object": "instagram", "entry": [{"id": PAGE_ID, "changes": [{"field": "feed", "value": {}}]}]},
        {"entry": [{"id": PAGE_ID, "changes": [{"field": "feed", "value": "x"}, 5, {"field": "feed"}]}]},
    ],
)
def test_oddly_shaped_deliveries_hold_no_comment(payload: Any) -> None:
    assert comments_to_answer(payload) == []


def test_a_tag_with_a_question_still_has_words() -> None:
    tags = [{"name": "Marie Tremblay"}]
    assert has_words("Marie Tremblay quand ouvre la piscine?", tags)
    assert not has_words("Marie Tremblay 👀", tags)
