"""The Alerts page: every staff member sees the alerts, running and past, with the number of messages each
answered and the conversations they came from; admins publish, edit and lift them, each change written to the
audit log with who and when.

Registered by `review.app.create_app`. The alerts live in the assistant's database (`pointe_claire.alerts`), which
every instance reads within seconds; it is opened for writing only for the time of a change, as the privacy page
does for a deletion.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from pointe_claire.alerts import records
from review import alerts, audit, retention
from review.web import form_value, message_page, render, site_of

PUBLISHED, EDITED, LIFTED = "alert_published", "alert_edited", "alert_lifted"


def _list_view(request: Request, form: alerts.Form | None = None, status: int = 200) -> HTTPResponse:
    site = site_of(request)
    every = records.every(site.tracker)
    moment = records.now()
    return render(
        request,
        "alerts.html",
        status=status,
        running=[alert for alert in every if alert.is_active(moment)],
        other=[alert for alert in every if not alert.is_active(moment)],
        counts={alert_id: len(ids) for alert_id, ids in alerts.matched(site.tracker).items()},
        form=form or alerts.Form({name: "" for name in alerts.form_names()}),
        now=moment,
        done=str(request.args.get("done") or ""),
    )


def _alert_view(
    request: Request, alert: records.Alert, form: alerts.Form | None = None, status: int = 200
) -> HTTPResponse:
    site = site_of(request)
    return render(
        request,
        "alert.html",
        status=status,
        alert=alert,
        active=alert.is_active(records.now()),
        conversations=alerts.conversations(site.tracker, alert.id),
        form=form or alerts.Form(alerts.values_of(alert)),
        done=str(request.args.get("done") or ""),
    )


async def alerts_page(request: Request) -> HTTPResponse:
    return _list_view(request)


async def alert_page(request: Request, alert_id: int) -> HTTPResponse:
    alert = records.get(site_of(request).tracker, alert_id)
    return _alert_view(request, alert) if alert else message_page(request, "not_found", 404)


def _change(request: Request, action: str, alert_id: int | None = None) -> HTTPResponse:
    """Publishes (no `alert_id`), edits or lifts, then records it; the page again with its errors when the form
    is wrong."""
    user = request.ctx.session.user
    if not user.is_admin:
        return message_page(request, "forbidden", 403)
    site = site_of(request)
    alert = records.get(site.tracker, alert_id) if alert_id is not None else None
    if alert_id is not None and alert is None:
        return message_page(request, "not_found", 404)
    form = None if action == LIFTED else alerts.read_form(lambda name: form_value(request, name))
    if form is not None and not form.valid:
        return _alert_view(request, alert, form, 400) if alert else _list_view(request, form, 400)
    tracker = retention.writable_tracker(site.settings.tracker_db_url)
    try:
        if form is None:
            records.lift(tracker, int(alert_id or 0), user.name)
        elif alert is None:
            alert_id = records.publish(tracker, form.content, user.name)
        else:
            records.edit(tracker, alert.id, form.content, user.name)
    finally:
        tracker.dispose()
    title = alert.title_fr if alert else str(form.content["title_fr"] if form else "")
    audit.record(site.review, action, user.name, {"alert": alert_id, "title": title}, rows=1)
    return redirect(f"/alerts/{alert_id}?done={action}", status=303)


async def publish(request: Request) -> HTTPResponse:
    return _change(request, PUBLISHED)


async def edit(request: Request, alert_id: int) -> HTTPResponse:
    return _change(request, EDITED, alert_id)


async def lift(request: Request, alert_id: int) -> HTTPResponse:
    return _change(request, LIFTED, alert_id)


def blueprint() -> Blueprint:
    routes = Blueprint("alerts")
    routes.add_route(alerts_page, "/alerts", methods=["GET"])
    routes.add_route(publish, "/alerts", methods=["POST"], name="publish")
    routes.add_route(alert_page, "/alerts/<alert_id:int>", methods=["GET"])
    routes.add_route(edit, "/alerts/<alert_id:int>", methods=["POST"], name="edit")
    routes.add_route(lift, "/alerts/<alert_id:int>/lift", methods=["POST"], name="lift")
    return routes
