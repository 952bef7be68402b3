"""What every blueprint of the review app shares: the site's engines and templates, page rendering, cookies, form
values, safe redirects, the index refresh, and the hooks run on every request (session, CSRF, headers, errors).

Used by `review.app` (the factory registers the hooks) and by the blueprints in `review/routes/`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Request
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse, html, redirect, text
from sqlalchemy.engine import Engine

from review import auth, index, queue
from review.conversations import local_time
from review.i18n import COOKIE, LANGUAGES, Translator, choose_language
from review.settings import Settings

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "review_session"
LOGIN_COOKIE = "review_login"  # CSRF token of the login form, before any session exists
STYLESHEET = "/static/style.css"
SCRIPT = "/static/review.js"  # the keyboard shortcuts; the pages work without it
STATIC_FILES = {STYLESHEET: "style.css", SCRIPT: "review.js"}
PUBLIC_PATHS = frozenset({"/login", *STATIC_FILES, "/favicon.ico"})
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True)
class Site:
    """One app's settings, databases and templates; kept on `app.ctx.site` for the handlers."""

    settings: Settings
    review: Engine  # the review app's own tables
    tracker: Engine  # the assistant's tracker store, read only
    templates: Environment


def format_time(timestamp: float) -> str:
    return local_time(timestamp).strftime("%Y-%m-%d %H:%M")


def templates() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True), auto_reload=False
    )
    environment.filters["localtime"] = format_time
    return environment


def site_of(request: Request) -> Site:
    return cast(Site, request.app.ctx.site)


def refresh_index(site: Site) -> bool:
    """Brings the index up to date with the tracker; False (and the last index) when the tracker is down."""
    try:
        index.refresh(site.tracker, site.review)
        return True
    except Exception:  # a tracker outage must not take the staff pages down with it
        logger.exception("could not refresh the conversation index from the tracker store")
        return False


def safe_next(target: str | None) -> str:
    """Only a path of this app: a login link must not send staff to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    # Browsers drop tabs and line breaks from link addresses: "/\t/evil.example" would become "//evil.example".
    if any(ord(character) < 0x21 or ord(character) == 0x7F for character in target):
        return "/"
    return target


def form_value(request: Request, name: str) -> str:
    form = request.form
    value = form.get(name) if form else None
    return str(value) if value is not None else ""


def language_of(request: Request) -> str:
    return choose_language(request.cookies.get(COOKIE), request.headers.get("accept-language"))


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTTPResponse:
    t = Translator(language_of(request))
    session = getattr(request.ctx, "session", None)
    site = site_of(request)
    page = site.templates.get_template(name).render(
        t=t,
        lang=t.language,
        other_language=next(code for code in LANGUAGES if code != t.language),
        session=session,
        user=session.user if session else None,
        csrf=session.csrf_token if session else "",
        path=request.path + (f"?{request.query_string}" if request.query_string else ""),
        open_work=queue.open_work(site.review) if session else None,
        held=queue.held_by(site.review, session.user.name) if session else None,
        **context,
    )
    return html(page, status=status)


def message_page(request: Request, key: str, status: int) -> HTTPResponse:
    return render(request, "message.html", status=status, message_key=key)


def download(body: str, content_type: str, filename: str) -> HTTPResponse:
    return text(body, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def set_cookie(request: Request, response: HTTPResponse, name: str, value: str, max_age: int | None = None) -> None:
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Lax"
    cookie["path"] = "/"
    if site_of(request).settings.secure_cookies:
        cookie["secure"] = True
    if max_age is not None:
        cookie["max-age"] = max_age


# --- hooks of every request, registered by the factory on the app ---------------------------------------------


async def require_session(request: Request) -> HTTPResponse | None:
    site = site_of(request)
    session_id = auth.unsign(request.cookies.get(SESSION_COOKIE), site.settings.secret_key)
    request.ctx.session = auth.find_session(site.review, session_id)
    if request.path in PUBLIC_PATHS or request.path.startswith("/lang/"):
        return None
    if request.ctx.session is None:
        target = request.path + (f"?{request.query_string}" if request.query_string else "")
        return redirect("/login?" + urlencode({"next": target}), status=303)
    if request.method == "POST":
        if not auth.csrf_matches(request.ctx.session.csrf_token, form_value(request, "csrf_token")):
            return message_page(request, "csrf_failed", 403)
    return None


async def security_headers(request: Request, response: HTTPResponse) -> None:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if request.path not in STATIC_FILES:
        response.headers["Cache-Control"] = "no-store"


async def not_found(request: Request, exception: Exception) -> HTTPResponse:
    if not hasattr(request.ctx, "session"):
        request.ctx.session = None
    return message_page(request, "not_found", 404)


async def any_error(request: Request, exception: Exception) -> HTTPResponse:
    if not hasattr(request.ctx, "session"):
        request.ctx.session = None
    if isinstance(exception, SanicException) and exception.status_code < 500:
        return message_page(request, "error", exception.status_code)
    logger.exception("review app error on %s", request.path, exc_info=exception)
    return message_page(request, "error", 500)
