"""The privacy page, for admins only: the retention period, a resident's deletion request (by conversation id, or by
channel and platform id), and the audit log (exports, purges, deletions).

Registered by `review.app.create_app`. The deletion is `review.retention.forget`, the same as `make forget`; it
asks for the request's reference and an explicit confirmation, and opens the tracker store for writing only for
the time of the request.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from review import audit, retention
from review.web import form_value, message_page, render, site_of

DONE = "forgotten"


def _privacy_view(request: Request, status: int = 200, error_key: str = "", **values: str) -> HTTPResponse:
    site = site_of(request)
    return render(
        request,
        "privacy.html",
        status=status,
        retention_days=site.settings.retention_days,
        channels=retention.CHANNELS,
        records=audit.latest(site.review),
        error_key=error_key,
        done=str(request.args.get("done") or "") == DONE,
        values=values,
    )


async def privacy_page(request: Request) -> HTTPResponse:
    if not request.ctx.session.user.is_admin:
        return message_page(request, "forbidden", 403)
    return _privacy_view(request, conversation=str(request.args.get("conversation") or "")[:255])


async def forget(request: Request) -> HTTPResponse:
    user = request.ctx.session.user
    if not user.is_admin:
        return message_page(request, "forbidden", 403)
    site = site_of(request)
    values = {name: form_value(request, name)[:255] for name in ("conversation", "channel", "platform_id", "reference")}
    if form_value(request, "confirm") != "yes":
        return _privacy_view(request, 400, "privacy_confirm_needed", **values)
    tracker = retention.writable_tracker(site.settings.tracker_db_url)
    try:
        retention.valid_reference(values["reference"])
        if values["conversation"]:
            ids, how = [values["conversation"]], "conversation"
        else:
            ids = retention.conversations_of(tracker, site.review, values["channel"], values["platform_id"])
            how = f"platform_id:{values['channel']}"
        retention.forget(tracker, site.review, ids, values["reference"], user.name, how=how)
    except retention.RequestRefused as refused:
        return _privacy_view(request, 400, f"privacy_{refused.key}", **values)
    finally:
        tracker.dispose()
    return redirect(f"/privacy?done={DONE}", status=303)


def blueprint() -> Blueprint:
    routes = Blueprint("privacy")
    routes.add_route(privacy_page, "/privacy", methods=["GET"])
    routes.add_route(forget, "/privacy/forget", methods=["POST"])
    return routes
