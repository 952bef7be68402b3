"""The staff review web app (Sanic): login, inbox, transcript, staff actions, exports, overview, user admin, alerts,
the moderation queue of public comments.

`create_app(settings)` builds it from the blueprints in `review/routes/`; `python -m review serve` (`make review`)
runs it on localhost, tests call it in-process. Every route but the login page, the language switch and the
stylesheet needs a session; every POST needs the session's CSRF token (`review.web.require_session`).
"""

from __future__ import annotations

import secrets
from typing import Any

from sanic import Sanic
from sanic.exceptions import NotFound

from review import web
from review.conversations import tracker_engine
from review.routes import (
    alerts,
    conversation,
    inbox,
    interface,
    login,
    moderation,
    overview,
    privacy,
    reply,
    triage,
    users,
)
from review.settings import Settings
from review.store import review_engine

BLUEPRINTS = (login, interface, inbox, conversation, reply, overview, triage, users, privacy, alerts, moderation)


def create_app(settings: Settings) -> Sanic:
    if not settings.secret_key:
        raise ValueError("a secret key is required to sign session cookies")
    app = Sanic(f"review_{secrets.token_hex(4)}")
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.config.ACCESS_LOG = False
    app.config.PROXIES_COUNT = settings.proxies_count
    app.ctx.site = web.Site(
        settings=settings,
        review=review_engine(settings.review_db_url),
        tracker=tracker_engine(settings.tracker_db_url),
        templates=web.templates(),
    )
    # On the app, not on a blueprint: a path no route matches must also get the login redirect without a session.
    app.on_request(web.require_session)
    app.on_response(web.security_headers)
    app.exception(NotFound)(web.not_found)
    app.exception(Exception)(web.any_error)
    for routes in BLUEPRINTS:
        app.blueprint(routes.blueprint())
    app.before_server_start(build_index)
    return app


async def build_index(app: Sanic, _loop: Any) -> None:
    """The first full pass can take seconds on a large store: done before the first request."""
    web.refresh_index(app.ctx.site)
