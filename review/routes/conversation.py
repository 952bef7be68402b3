"""One conversation: its transcript, the staff actions on it (reviewed, handoff closed, tags, notes), and the
export of chosen resident messages as Rasa training data.

Registered by `review.app.create_app`. Every action redirects back to the transcript (POST, then GET), with the
inbox page it was opened from (`back`, filters kept) still behind its "Back" link.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from pointe_claire import clock
from pointe_claire.channels.conversation_ids import FACEBOOK_COMMENTS, namespace_of
from pointe_claire.names import MAX_STAFF_REPLY_CHARACTERS
from review import audit, auth, exports, staff, triage
from review.conversations import conversation_events, transcript
from review.flags import HANDOFF
from review.i18n import reply_reason
from review.inbox import conversation_row
from review.reply_facts import facts_for
from review.settings import PROJECT_ROOT
from review.takeover_state import current_takeover
from review.web import Site, download, form_value, message_page, refresh_index, render, safe_next, site_of

Handler = Callable[[Request], Coroutine[Any, Any, HTTPResponse]]
Action = Callable[[Site, Request, str, auth.User], None]


def conversation_url(sender_id: str, back: str = "/") -> str:
    """The transcript's address; `back` (a path of this app) is where its "Back" link goes."""
    back = safe_next(back)
    return "/conversation?" + urlencode({"id": sender_id, **({"back": back} if back != "/" else {})})


def handoff_closed_flags(flags: list[Any], handoffs_closed: int) -> list[bool | None]:
    """For each flag of the transcript, whether it is a handoff now closed (True), still open (False), or no
    handoff (None): staff close handoffs in the order they were asked for."""
    states: list[bool | None] = []
    seen = 0
    for flag in flags:
        if flag.kind == HANDOFF:
            states.append(seen < handoffs_closed)
            seen += 1
        else:
            states.append(None)
    return states


@lru_cache(maxsize=1)
def domain_intents(domain_path: Path = PROJECT_ROOT / "domain.yml") -> tuple[str, ...]:
    """The assistant's intents, offered when exporting messages for training."""
    with domain_path.open(encoding="utf-8") as handle:
        domain = yaml.safe_load(handle) or {}
    names = [next(iter(item)) if isinstance(item, dict) else str(item) for item in domain.get("intents") or []]
    return tuple(sorted(names))


async def conversation(request: Request) -> HTTPResponse:
    site = site_of(request)
    sender_id = str(request.args.get("id") or "")[:255]
    fresh = refresh_index(site)
    row = conversation_row(site.review, sender_id) if sender_id else None
    if row is None:
        return message_page(request, "conversation_not_found", 404)
    stored = conversation_events(site.tracker, sender_id) if fresh else []
    record = staff.staff_record(site.review, sender_id)
    read = transcript(stored, sender_id)
    back = safe_next(request.args.get("back"))
    return render(
        request,
        "conversation.html",
        fresh=fresh,
        row=row,
        transcript=read,
        flag_states=handoff_closed_flags(read.flags, record.handoffs_closed),
        record=record,
        staff_names=[account.name for account in auth.list_users(site.review)],
        intents=domain_intents(),
        back=back,
        neighbours=triage.neighbours(site.review, back, sender_id, request.ctx.session.user.name),
        conversation_url=conversation_url,
        takeover_held=current_takeover(site, sender_id),
        facts=facts_for(read.language or row.language),
        reply_outcome=str(request.args.get("reply") or "")[:20],
        reply_reason=reply_reason(request.args.get("reason")),
        max_reply=MAX_STAFF_REPLY_CHARACTERS,
        public_thread=namespace_of(sender_id) == FACEBOOK_COMMENTS,  # a staff reply there is posted in public
    )


def _conversation_action(apply: Action) -> Handler:
    async def handler(request: Request) -> HTTPResponse:
        site = site_of(request)
        sender_id = form_value(request, "id")[:255]
        if not sender_id or conversation_row(site.review, sender_id) is None:
            return message_page(request, "conversation_not_found", 404)
        try:
            apply(site, request, sender_id, request.ctx.session.user)
        except staff.NoteRefused:
            return message_page(request, "not_your_note", 403)
        # "Save and next": the button names the conversation listed after this one.
        following = form_value(request, "next_id")[:255] or sender_id
        return redirect(conversation_url(following, form_value(request, "back")), status=303)

    return handler


def _reviewed(site: Site, request: Request, sender_id: str, user: auth.User) -> None:
    staff.set_reviewed(site.review, sender_id, form_value(request, "reviewed") == "yes", user.name)


def _close_handoff(site: Site, request: Request, sender_id: str, user: auth.User) -> None:
    row = conversation_row(site.review, sender_id)
    if row is not None and row.handoff_open:
        staff.close_handoffs(site.review, sender_id, row.handoffs, user.name)


def _add_tag(site: Site, request: Request, sender_id: str, user: auth.User) -> None:
    staff.add_tag(site.review, sender_id, form_value(request, "tag"), user.name)


def _remove_tag(site: Site, request: Request, sender_id: str, user: auth.User) -> None:
    staff.remove_tag(site.review, sender_id, form_value(request, "tag"), user.name)


def _add_note(site: Site, request: Request, sender_id: str, user: auth.User) -> None:
    staff.add_note(site.review, sender_id, form_value(request, "note"), user.name)


def _assign(site: Site, request: Request, sender_id: str, user: auth.User) -> None:
    """ "Take it" assigns to oneself, "Release" to nobody, the menu to a colleague (any account)."""
    holder = form_value(request, "holder")[: auth.MAX_NAME_LENGTH]
    staff.assign(site.review, sender_id, holder or None, user.name)


def _note_id(request: Request) -> int:
    value = form_value(request, "note_id")
    return int(value) if value.isdigit() and len(value) < 12 else 0


def _edit_note(site: Site, request: Request, sender_id: str, user: auth.User) -> None:
    staff.edit_note(site.review, sender_id, _note_id(request), form_value(request, "note"), user.name, user.is_admin)


def _delete_note(site: Site, request: Request, sender_id: str, user: auth.User) -> None:
    staff.delete_note(site.review, sender_id, _note_id(request), user.name, user.is_admin)


async def export_training(request: Request) -> HTTPResponse:
    site = site_of(request)
    sender_id = form_value(request, "id")[:255]
    intent = form_value(request, "intent")
    if intent not in domain_intents():
        return message_page(request, "training_bad_intent", 400)
    values = request.form.getlist("event") if request.form else []
    chosen = {int(value) for value in values or [] if str(value).isdigit()}
    turns = [
        turn
        for turn in transcript(conversation_events(site.tracker, sender_id), sender_id).resident_turns
        if turn.event_id in chosen
    ]
    if not turns:
        return message_page(request, "training_none", 400)
    languages = {turn.language or "unknown" for turn in turns}
    if len(languages) != 1:
        return message_page(request, "training_mixed", 400)
    language = languages.pop()
    try:
        body = exports.training_yaml(
            intent, language, [turn.text for turn in turns], request.ctx.session.user.name, clock.now()
        )
    except ValueError:  # nothing left once control characters and blanks are dropped
        return message_page(request, "training_none", 400)
    detail = {"intent": intent, "language": language}  # not the conversation: the log outlives it
    audit.record(site.review, audit.EXPORT_TRAINING, request.ctx.session.user.name, detail, len(turns))
    return download(body, "application/yaml; charset=utf-8", f"{language}-{intent}.yml")


def blueprint() -> Blueprint:
    routes = Blueprint("conversation")
    routes.add_route(conversation, "/conversation", methods=["GET"])
    routes.add_route(_conversation_action(_reviewed), "/conversation/reviewed", methods=["POST"], name="reviewed")
    routes.add_route(_conversation_action(_close_handoff), "/conversation/handoff", methods=["POST"], name="handoff")
    routes.add_route(_conversation_action(_add_tag), "/conversation/tags", methods=["POST"], name="add_tag")
    routes.add_route(_conversation_action(_remove_tag), "/conversation/tags/remove", methods=["POST"], name="rm_tag")
    routes.add_route(_conversation_action(_add_note), "/conversation/notes", methods=["POST"], name="add_note")
    routes.add_route(_conversation_action(_edit_note), "/conversation/notes/edit", methods=["POST"], name="edit_note")
    routes.add_route(
        _conversation_action(_delete_note), "/conversation/notes/delete", methods=["POST"], name="delete_note"
    )
    routes.add_route(_conversation_action(_assign), "/conversation/assign", methods=["POST"], name="assign")
    routes.add_route(export_training, "/export/training", methods=["POST"])
    return routes
