"""The moderation queue (GET /moderation), the actions on a comment's platform (POST /moderation/act: hide,
unhide, delete with a reason, ban with a reason by an administrator), and the audit of those actions as CSV
(GET /moderation/audit.csv, administrators).

The platform is called through the assistant's staff endpoint (`review.assistant_link`), which holds the platforms'
keys and retries what the platform says will pass; its answer, success or failure, is recorded
(`review.moderation_log`) and shown to the staff member. What is acted on is read from the stored comment (its
post, its author), never from the form.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from pointe_claire import clock
from pointe_claire.moderation_names import ACTIONS, ADMIN_ONLY, BAN, HIDE, NEEDS_A_REASON, STAFF_MODERATE_PATH, UNHIDE
from pointe_claire.moderation_settings import ModerationSettings, moderation_settings
from review import audit, exports, moderation_log
from review.assistant_link import AssistantRefused, call
from review.moderation_queue import QueueItem, find, moderation_queue
from review.web import download, form_value, message_page, refresh_index, render, site_of

MAX_REASON_CHARACTERS = 500
EXPORT_MODERATION_CSV = "export_moderation_csv"


def _queue(request: Request) -> tuple[list[QueueItem], ModerationSettings, bool]:
    site = site_of(request)
    fresh = refresh_index(site)
    settings = moderation_settings()
    return moderation_queue(site.tracker, site.review, settings, clock.now().timestamp()), settings, fresh


async def queue_page(request: Request) -> HTTPResponse:
    items, settings, fresh = _queue(request)
    shown = {name: str(request.args.get(name) or "")[:60] for name in ("done", "ok", "problem")}
    return render(request, "moderation.html", items=items, settings=settings, fresh=fresh, shown=shown)


def _refusal(item: QueueItem | None, action: str, reason: str, is_admin: bool) -> str | None:
    """The i18n key of why the action is refused before the platform is called, or None."""
    if item is None:
        return "moderation_not_found"
    if action not in ACTIONS:
        return "error"
    if action in ADMIN_ONLY and not is_admin:
        return "forbidden"
    if action in NEEDS_A_REASON and not reason:
        return "moderation_reason_needed"
    if action in (HIDE, UNHIDE) and not item.hideable:
        return "moderation_not_hideable"
    if action == BAN and not item.author_id:
        return "moderation_not_found"
    return None


async def act(request: Request) -> HTTPResponse:
    site = site_of(request)
    user = request.ctx.session.user
    action = form_value(request, "action")
    reason = " ".join(form_value(request, "reason").split())[:MAX_REASON_CHARACTERS]
    items, settings, _fresh = _queue(request)
    item = find(items, form_value(request, "platform"), form_value(request, "comment_id"))
    refusal = _refusal(item, action, reason, user.is_admin)
    if refusal is not None or item is None:
        return message_page(request, refusal or "error", 403 if refusal == "forbidden" else 400)
    payload = {"platform": item.platform, "action": action, "comment_id": item.comment_id, "staff": user.name}
    payload.update({key: value for key, value in (("post_id", item.post_id), ("author_id", item.author_id)) if value})
    try:
        answer = await call(site.settings, STAFF_MODERATE_PATH, payload)
    except AssistantRefused as refused:
        answer = {"ok": False, "problem": refused.key, "attempts": 0}
    rule = item.shown_rules[0] if item.shown_rules else ""
    detail = {"platform": item.platform, "comment_id": item.comment_id, "post_id": item.post_id, "rule": rule}
    detail.update(clause=settings.clause(rule, "en"), reason=reason)
    if action == BAN:
        detail["author_id"] = item.author_id
    target = moderation_log.author_target(str(item.author_id)) if action == BAN else item.comment_id
    moderation_log.record_action(site.review, action, user.name, item.platform, target, detail, answer)
    shown = {"done": action, "ok": "yes" if answer.get("ok") is True else "no"}
    if answer.get("ok") is not True:
        shown["problem"] = str(answer.get("problem") or "?")[:60]
    return redirect(f"/moderation?{urlencode(shown)}#item-{item.key}", status=303)


async def audit_csv(request: Request) -> HTTPResponse:
    user = request.ctx.session.user
    if not user.is_admin:
        return message_page(request, "forbidden", 403)
    site = site_of(request)
    records = moderation_log.moderation_records(site.review)
    audit.record(site.review, EXPORT_MODERATION_CSV, user.name, {}, len(records))
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return download(exports.moderation_csv(records), "text/csv; charset=utf-8", f"moderation-{stamp}.csv")


def blueprint() -> Blueprint:
    routes = Blueprint("moderation")
    routes.add_route(queue_page, "/moderation", methods=["GET"])
    routes.add_route(act, "/moderation/act", methods=["POST"])
    routes.add_route(audit_csv, "/moderation/audit.csv", methods=["GET"])
    return routes
