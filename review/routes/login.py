"""Login, logout: the login form's own CSRF token (no session yet), the rate limit, the session cookie.

Registered by `review.app.create_app`.
"""

from __future__ import annotations

import secrets

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from review import auth
from review.web import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    form_value,
    message_page,
    render,
    safe_next,
    set_cookie,
    site_of,
)


async def login_form(request: Request) -> HTTPResponse:
    if request.ctx.session is not None:
        return redirect(safe_next(request.args.get("next")), status=303)
    secret_key = site_of(request).settings.secret_key
    # The same token while the cookie lasts: a second tab, or the browser's favicon request, must not
    # invalidate the form already on screen.
    token = auth.unsign(request.cookies.get(LOGIN_COOKIE), secret_key) or secrets.token_urlsafe(32)
    response = render(request, "login.html", login_token=token, next=safe_next(request.args.get("next")))
    set_cookie(request, response, LOGIN_COOKIE, auth.sign(token, secret_key))
    return response


async def login(request: Request) -> HTTPResponse:
    site = site_of(request)
    settings = site.settings
    expected = auth.unsign(request.cookies.get(LOGIN_COOKIE), settings.secret_key)
    if expected is None or not auth.csrf_matches(expected, form_value(request, "csrf_token")):
        return message_page(request, "csrf_failed", 403)
    name = form_value(request, "name")[: auth.MAX_NAME_LENGTH]
    password = form_value(request, "password")
    target = safe_next(form_value(request, "next"))
    address = request.remote_addr or request.ip or "unknown"  # remote_addr: forwarded by a trusted proxy
    if auth.login_refused(site.review, name, address, settings.max_failed_logins, settings.login_window_seconds):
        # Not recorded: a refused attempt must not extend the lock, or anyone could keep an account locked.
        return _login_again(request, expected, target, "login_limited", 429)
    user = auth.authenticate(site.review, name, password)
    auth.record_login(site.review, name, address, succeeded=user is not None)
    if user is None:
        return _login_again(request, expected, target, "login_failed", 401)
    session = auth.open_session(site.review, user, settings.session_hours)
    response = redirect(target, status=303)
    signed = auth.sign(session.id, settings.secret_key)
    set_cookie(request, response, SESSION_COOKIE, signed, settings.session_hours * 3600)
    del response.cookies[LOGIN_COOKIE]
    return response


def _login_again(request: Request, token: str, target: str, error: str, status: int) -> HTTPResponse:
    return render(request, "login.html", status=status, login_token=token, next=target, error_key=error)


async def logout(request: Request) -> HTTPResponse:
    auth.close_session(site_of(request).review, request.ctx.session.id)
    response = redirect("/login", status=303)
    del response.cookies[SESSION_COOKIE]
    return response


def blueprint() -> Blueprint:
    routes = Blueprint("login")
    routes.add_route(login_form, "/login", methods=["GET"])
    routes.add_route(login, "/login", methods=["POST"])
    routes.add_route(logout, "/logout", methods=["POST"])
    return routes
