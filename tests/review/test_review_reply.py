"""Replying from the transcript and take-overs, in-process (the assistant's side and the browser are in
tests/channels/test_staff_reply.py): the form and its facts, what is refused before anything reaches the assistant
(no session, no CSRF token, an empty or too long reply, a colleague's take-over for a reviewer), a clear page when
replying is not configured, and how stored staff replies and held messages read in the transcript."""

from __future__ import annotations

import html
import time

import pytest
import sqlalchemy as sa
from review_fixtures import ADMIN, REVIEWER, ReviewSite

from bench.review_app import StaffClient, resident_message, write_events
from pointe_claire import takeover
from pointe_claire.names import MAX_STAFF_REPLY_CHARACTERS
from review import staff, store
from review.reply_facts import facts_for, with_facts

CONVERSATION = "emergency-fr"


def _form(client: StaffClient, conversation: str = CONVERSATION, **fields: str) -> dict[str, str]:
    token = client.get(f"/conversation?id={conversation}").csrf_token()
    return {"csrf_token": token, "id": conversation, "back": "/", **fields}


def _replies_logged(site: ReviewSite) -> int:
    engine = sa.create_engine(site.review_url)
    with engine.connect() as connection:
        query = sa.select(sa.func.count()).select_from(store.changes).where(store.changes.c.change == staff.STAFF_REPLY)
        count = int(connection.execute(query).scalar_one())
    engine.dispose()
    return count


def test_the_transcript_offers_a_reply_in_the_conversations_language_with_the_citys_facts(
    admin: StaffClient,
) -> None:
    page = html.unescape(admin.get(f"/conversation?id={CONVERSATION}").body)
    assert 'id="reply-form"' in page and 'action="/conversation/reply"' in page
    assert "Écrivez-la en français." in page  # the conversation is French
    assert (
        "Renseignements et requêtes : 514-630-1200" in page
        and "Urgence municipale (24 h sur 24) : 514-630-1234" in page
    )
    assert 'lang="fr"' in page and f'maxlength="{MAX_STAFF_REPLY_CHARACTERS}"' in page
    assert "L'assistant répond dans cette conversation." in page and 'id="take-over"' in page


def test_the_facts_picker_adds_the_ticked_facts_in_the_replys_language() -> None:
    assert with_facts("Bonjour,", ["fact_phone_general"], "fr") == "Bonjour,\nRenseignements et requêtes : 514-630-1200"
    english = with_facts("Hello,", ["fact_web_home", "fact_phone_general"], "en")
    assert english == "Hello,\nInformation and requests: 514-630-1200\nCity website: https://www.pointe-claire.ca/en/"
    assert [fact.key for fact in facts_for(None)] == [fact.key for fact in facts_for("fr")]  # unknown: French


def test_replying_needs_a_session_and_the_csrf_token(review_site: ReviewSite, admin: StaffClient) -> None:
    anonymous = review_site.client(None)
    refused = anonymous.post("/conversation/reply", {"id": CONVERSATION, "text": "Bonjour"})
    assert refused.status == 303 and "/login" in refused.headers["location"]
    forged = admin.post("/conversation/reply", {"id": CONVERSATION, "text": "Bonjour", "csrf_token": "forged"})
    assert forged.status == 403 and "formulaire a expiré" in html.unescape(forged.body)
    assert _replies_logged(review_site) == 0


@pytest.mark.parametrize("text", ["", "   \n  ", "\u200b"])
def test_an_empty_reply_is_refused_with_a_clear_message(review_site: ReviewSite, admin: StaffClient, text: str) -> None:
    answer = admin.post("/conversation/reply", _form(admin, text=text))
    assert answer.status == 400 and "La réponse est vide" in html.unescape(answer.body)
    assert _replies_logged(review_site) == 0


def test_a_reply_over_the_limit_is_refused_in_english_too(review_site: ReviewSite, admin: StaffClient) -> None:
    admin.get("/lang/en?next=/")
    answer = admin.post("/conversation/reply", _form(admin, text="x" * (MAX_STAFF_REPLY_CHARACTERS + 1)))
    assert answer.status == 400 and f"over {MAX_STAFF_REPLY_CHARACTERS} characters" in answer.body
    admin.get("/lang/fr?next=/")


def test_a_reply_to_an_unknown_conversation_is_a_404(admin: StaffClient) -> None:
    answer = admin.post("/conversation/reply", {**_form(admin), "id": "no-such-conversation", "text": "Bonjour"})
    assert answer.status == 404


def test_without_the_staff_token_nothing_is_sent_and_staff_are_told_why(
    review_site: ReviewSite, admin: StaffClient
) -> None:
    answer = admin.post("/conversation/reply", _form(admin, text="Bonjour, ici la Ville."))
    assert (
        answer.status == 503
        and "ASSISTANT_STAFF_TOKEN" in answer.body
        and "Rien n'a été envoyé" in html.unescape(answer.body)
    )
    assert admin.post("/conversation/takeover", _form(admin)).status == 503
    assert _replies_logged(review_site) == 0


def test_a_colleagues_take_over_is_shown_and_only_an_administrator_may_reply_or_hand_back(
    review_site: ReviewSite, admin: StaffClient, reviewer: StaffClient
) -> None:
    engine = sa.create_engine(review_site.tracker_url)
    takeover.create_table(engine)
    takeover.take_over(engine, "handoff-en", ADMIN)
    try:
        page = html.unescape(reviewer.get("/conversation?id=handoff-en").body)
        assert f"{ADMIN} la tient jusqu'à" in page and 'id="hand-back"' in page
        for path, fields in (("/conversation/reply", {"text": "Hello"}), ("/conversation/handback", {})):
            refused = reviewer.post(path, _form(reviewer, "handoff-en", **fields))
            assert refused.status == 403 and "seul un administrateur" in html.unescape(refused.body)
        # The administrator is not refused by the role check: the call goes on to the assistant (not configured).
        assert admin.post("/conversation/handback", _form(admin, "handoff-en")).status == 503
        assert takeover.held(engine, "handoff-en") is not None  # still held: nothing reached the assistant
    finally:
        takeover.hand_back(engine, "handoff-en")
        engine.dispose()
    assert REVIEWER != ADMIN


def test_stored_staff_replies_and_held_messages_read_as_such_in_the_transcript(
    review_site: ReviewSite, admin: StaffClient
) -> None:
    now = time.time()
    held = resident_message(now, "Et la bibliothèque?", "ask_city_services", "fr")
    held["metadata"] = {"held_by_staff": {"by": ADMIN}}
    write_events(
        review_site.tracker_url,
        "staff-replied",
        [
            resident_message(now - 60, "Je veux parler à quelqu'un", "ask_human", "fr"),
            {
                "event": "bot",
                "timestamp": now - 30,
                "text": "Bonjour, ici Alice.",
                "data": {},
                "metadata": {"staff_reply": {"by": ADMIN, "at": now - 30, "delivered": False, "channel": "x"}},
            },
            held,
        ],
    )
    page = html.unescape(admin.get("/conversation?id=staff-replied").body)
    assert 'class="turn staff_member"' in page and "Bonjour, ici Alice." in page
    assert "non remise" in page
    assert "reçu pendant une prise en main : l'assistant n'a pas répondu (alice)" in page


def test_a_facebook_comment_thread_warns_that_the_reply_is_public_and_shows_why_a_private_one_was_refused(
    review_site: ReviewSite, admin: StaffClient
) -> None:
    now = time.time()
    conversation = "facebook_comments:901234567890123_4567"
    comment = resident_message(now - 60, "Le nid-de-poule est toujours là", "report_problem", "fr")
    comment["input_channel"] = "facebook_comments"
    refused = {"by": ADMIN, "at": now - 30, "delivered": False, "channel": "facebook_comments"}
    # As the assistant's staff endpoint stores a reply the comments channel refused (Undeliverable).
    refused["reason"] = "private_reply_unavailable"
    reply = {"event": "bot", "timestamp": now - 30, "text": "Appelez-moi au [PHONE].", "data": {}}
    write_events(review_site.tracker_url, conversation, [comment, {**reply, "metadata": {"staff_reply": refused}}])
    page = html.unescape(admin.get(f"/conversation?id={conversation}").body)
    assert "Cette réponse sera publique, sous le fil de commentaires sur Facebook." in page
    assert page.index('id="reply-public-notice"') < page.index('id="reply-text"')  # read before writing
    said = page[page.index('class="meta staff-reply"') :].split("</p>", 1)[0]
    assert said.endswith(
        "<strong>non remise</strong> : renseignements personnels, et plus de réponse privée possible à ce "
        "commentaire (Facebook)"
    )
    # The outcome staff see right after sending it, in English too.
    admin.get("/lang/en?next=/")
    outcome = html.unescape(
        admin.get(f"/conversation?id={conversation}&reply=not_delivered&reason=private_reply_unavailable").body
    )
    admin.get("/lang/fr?next=/")
    assert "Facebook allows one private reply per comment, within 7 days" in outcome
    assert "This reply will be public, under the comment thread on Facebook." in outcome
    # Other channels' replies are not public: no notice.
    assert 'id="reply-public-notice"' not in admin.get(f"/conversation?id={CONVERSATION}").body
