"""Replying to a resident from the transcript, through the resident's own channel, and taking a conversation over
(the assistant silent in it) or handing it back. The assistant does the sending and keeps the state
(`review.assistant_link`); this app records who did what, when, in its change log.

Roles: any staff member replies, takes over and hands back a conversation nobody else holds; one a colleague holds
(a running take-over) only its holder or an administrator.
"""

from __future__ import annotations

from urllib.parse import urlencode

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from pointe_claire.names import (
    MAX_STAFF_REPLY_CHARACTERS,
    STAFF_HAND_BACK_PATH,
    STAFF_REPLY_PATH,
    STAFF_TAKEOVER_PATH,
)
from pointe_claire.text_normalization import has_visible_text
from review import auth, staff
from review.assistant_link import AssistantRefused, call
from review.i18n import reply_reason
from review.inbox import Row, conversation_row
from review.reply_facts import with_facts
from review.routes.conversation import conversation_url
from review.takeover_state import held_by_colleague
from review.web import Site, form_value, message_page, render, site_of


def _back_to(request: Request, sender_id: str, **shown: str) -> HTTPResponse:
    url = conversation_url(sender_id, form_value(request, "back"))
    return redirect(url + ("&" + urlencode(shown) if shown else ""), status=303)


def _checked(request: Request) -> tuple[Site, str, Row, auth.User] | HTTPResponse:
    """The conversation and staff member of a POST, or the page refusing it."""
    site = site_of(request)
    sender_id = form_value(request, "id")[:255]
    row = conversation_row(site.review, sender_id) if sender_id else None
    if row is None:
        return message_page(request, "conversation_not_found", 404)
    user: auth.User = request.ctx.session.user
    if held_by_colleague(site, sender_id, user):
        return message_page(request, "held_by_colleague", 403)
    return site, sender_id, row, user


def _refused_page(request: Request, refused: AssistantRefused) -> HTTPResponse:
    return message_page(request, refused.key, refused.status)


async def reply(request: Request) -> HTTPResponse:
    checked = _checked(request)
    if isinstance(checked, HTTPResponse):
        return checked
    site, sender_id, row, user = checked
    facts = [str(value) for value in (request.form.getlist("fact") if request.form else None) or []]
    text = with_facts(form_value(request, "text"), facts, row.language)
    if not has_visible_text(text):  # nothing, or only spaces and invisible characters
        return message_page(request, "reply_empty", 400)
    if len(text) > MAX_STAFF_REPLY_CHARACTERS:
        limit = {"limit": MAX_STAFF_REPLY_CHARACTERS}
        return render(request, "message.html", status=400, message_key="reply_too_long", message_values=limit)
    hand_back = form_value(request, "hand_back") == "yes"
    try:
        answer = await call(
            site.settings,
            STAFF_REPLY_PATH,
            {"conversation": sender_id, "staff": user.name, "text": text, "hand_back": hand_back},
        )
    except AssistantRefused as refused:
        return _refused_page(request, refused)
    outcome = str(answer.get("outcome") or "")
    staff.log_change(site.review, sender_id, staff.STAFF_REPLY, outcome, user.name)
    if form_value(request, "close_handoff") == "yes" and row.handoff_open:
        staff.close_handoffs(site.review, sender_id, row.handoffs, user.name)
    if hand_back:
        staff.log_change(site.review, sender_id, "handed_back", "", user.name)
    else:
        staff.assign(site.review, sender_id, user.name, user.name)
    reason = reply_reason(answer.get("reason"))
    return _back_to(request, sender_id, reply=outcome, **({"reason": reason} if reason else {}))


async def _hold_or_release(request: Request, path: str, change: str, assign: bool) -> HTTPResponse:
    """Asks the assistant to take the conversation over or hand it back, then records who did it (and, for a
    take-over, assigns the conversation to them): only once the assistant agreed."""
    checked = _checked(request)
    if isinstance(checked, HTTPResponse):
        return checked
    site, sender_id, _row, user = checked
    try:
        await call(site.settings, path, {"conversation": sender_id, "staff": user.name})
    except AssistantRefused as refused:
        return _refused_page(request, refused)
    staff.log_change(site.review, sender_id, change, "", user.name)
    if assign:
        staff.assign(site.review, sender_id, user.name, user.name)
    return _back_to(request, sender_id)


async def take_over(request: Request) -> HTTPResponse:
    return await _hold_or_release(request, STAFF_TAKEOVER_PATH, "taken_over", assign=True)


async def hand_back(request: Request) -> HTTPResponse:
    return await _hold_or_release(request, STAFF_HAND_BACK_PATH, "handed_back", assign=False)


def blueprint() -> Blueprint:
    routes = Blueprint("reply")
    routes.add_route(reply, "/conversation/reply", methods=["POST"], name="reply")
    routes.add_route(take_over, "/conversation/takeover", methods=["POST"], name="takeover")
    routes.add_route(hand_back, "/conversation/handback", methods=["POST"], name="handback")
    return routes
