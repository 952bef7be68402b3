"""Fast triage from the lists: one form acts on the ticked conversations (mark reviewed or not, close their
handoffs, tag them), and a staff member's named saved views are kept and removed.

Registered by `review.app.create_app`. Every POST carries the session's CSRF token (`review.web.require_session`)
and ends in a redirect to the list it came from (POST, then GET).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from review import saved_views, triage
from review.inbox import Filters
from review.web import form_value, message_page, safe_next, site_of


def _back(request: Request, **notice: str) -> HTTPResponse:
    """To the list the form was on, with a notice for staff ("3 conversations changed")."""
    back = safe_next(form_value(request, "back"))
    parts = urlsplit(back)
    query = {key: values[0] for key, values in parse_qs(parts.query).items() if key not in ("done", "changed")}
    return redirect(parts.path + "?" + urlencode({**query, **notice}), status=303)


async def bulk(request: Request) -> HTTPResponse:
    action = form_value(request, "action")
    if action not in triage.BULK_ACTIONS:
        return message_page(request, "bulk_bad_action", 400)
    tag = form_value(request, "tag")
    if action == "tag" and not tag.strip():
        return message_page(request, "bulk_no_tag", 400)
    chosen = [str(value)[:255] for value in (request.form.getlist("id") if request.form else None) or []]
    if not chosen:
        return message_page(request, "bulk_none", 400)
    user = request.ctx.session.user
    changed = triage.apply_bulk(site_of(request).review, action, chosen, tag, user.name)
    return _back(request, done="bulk", changed=str(changed))


async def save_view(request: Request) -> HTTPResponse:
    filters = Filters.from_query(parse_qs(urlsplit(safe_next(form_value(request, "back"))).query))
    saved = saved_views.save_view(
        site_of(request).review, request.ctx.session.user.name, form_value(request, "name"), filters
    )
    if not saved:
        return message_page(request, "view_refused", 400)
    return _back(request, done="view_saved")


async def delete_view(request: Request) -> HTTPResponse:
    value = form_value(request, "view_id")
    view_id = int(value) if value.isdigit() and len(value) < 12 else 0
    saved_views.delete_view(site_of(request).review, request.ctx.session.user.name, view_id)
    return _back(request, done="view_deleted")


def blueprint() -> Blueprint:
    routes = Blueprint("triage")
    routes.add_route(bulk, "/bulk", methods=["POST"])
    routes.add_route(save_view, "/views", methods=["POST"])
    routes.add_route(delete_view, "/views/delete", methods=["POST"])
    return routes
