"""The staff review web app (Sanic): login, inbox, transcript, staff actions, exports, overview, user admin.

`create_app(settings)` builds it; `python -m review serve` (`make review`) runs it on localhost. Every route but the
login page, the language switch and the stylesheet needs a session; every POST needs the session's CSRF token.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Coroutine, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Request, Sanic
from sanic.exceptions import NotFound, SanicException
from sanic.response import HTTPResponse, file, html, redirect, text

from pointe_claire import clock
from review import auth, exports, index, staff
from review.conversations import (
    StoredEvent,
    conversation_events,
    events_of,
    local_time,
    tracker_engine,
    transcript,
)
from review.i18n import COOKIE, LANGUAGES, Translator, choose_language
from review.inbox import Filters, conversation_row, filter_choices, inbox_page, matching_rows
from review.overview import bar_chart_svg, overview
from review.settings import PROJECT_ROOT, Settings
from review.store import review_engine

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "review_session"
LOGIN_COOKIE = "review_login"  # CSRF token of the login form, before any session exists
PUBLIC_PATHS = frozenset({"/login", "/static/style.css", "/favicon.ico"})
MAX_EXPORT_CONVERSATIONS = 20_000
EXPORT_CHUNK = 500
USER_NOTICES = frozenset({"user_added", "user_removed"})
Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


@lru_cache(maxsize=1)
def domain_intents(domain_path: Path = PROJECT_ROOT / "domain.yml") -> tuple[str, ...]:
    """The assistant's intents, offered when exporting messages for training."""
    with domain_path.open(encoding="utf-8") as handle:
        domain = yaml.safe_load(handle) or {}
    names = [next(iter(item)) if isinstance(item, dict) else str(item) for item in domain.get("intents") or []]
    return tuple(sorted(names))


def safe_next(target: str | None) -> str:
    """Only a path of this app: a login link must not send staff to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    # Browsers drop tabs and line breaks from link addresses: "/\t/evil.example" would become "//evil.example".
    if any(ord(character) < 0x21 or ord(character) == 0x7F for character in target):
        return "/"
    return target


def format_time(timestamp: float) -> str:
    return local_time(timestamp).strftime("%Y-%m-%d %H:%M")


def create_app(settings: Settings) -> Sanic:
    if not settings.secret_key:
        raise ValueError("a secret key is required to sign session cookies")
    app = Sanic(f"review_{secrets.token_hex(4)}")
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.config.ACCESS_LOG = False
    app.config.PROXIES_COUNT = settings.proxies_count
    review = review_engine(settings.review_db_url)
    tracker = tracker_engine(settings.tracker_db_url)
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True), auto_reload=False
    )
    templates.filters["localtime"] = format_time

    def refresh_index() -> bool:
        """Brings the index up to date with the tracker; False (and the last index) when the tracker is down."""
        try:
            index.refresh(tracker, review)
            return True
        except Exception:  # a tracker outage must not take the staff pages down with it
            logger.exception("could not refresh the conversation index from the tracker store")
            return False

    def language_of(request: Request) -> str:
        return choose_language(request.cookies.get(COOKIE), request.headers.get("accept-language"))

    def render(request: Request, name: str, status: int = 200, **context: Any) -> HTTPResponse:
        t = Translator(language_of(request))
        session = getattr(request.ctx, "session", None)
        page = templates.get_template(name).render(
            t=t,
            lang=t.language,
            other_language=next(code for code in LANGUAGES if code != t.language),
            session=session,
            user=session.user if session else None,
            csrf=session.csrf_token if session else "",
            path=request.path + (f"?{request.query_string}" if request.query_string else ""),
            **context,
        )
        return html(page, status=status)

    def message_page(request: Request, key: str, status: int) -> HTTPResponse:
        return render(request, "message.html", status=status, message_key=key)

    def set_cookie(response: HTTPResponse, name: str, value: str, max_age: int | None = None) -> None:
        response.cookies[name] = value
        cookie = response.cookies[name]
        cookie["httponly"] = True
        cookie["samesite"] = "Lax"
        cookie["path"] = "/"
        if settings.secure_cookies:
            cookie["secure"] = True
        if max_age is not None:
            cookie["max-age"] = max_age

    # --- every request: session, CSRF, headers -------------------------------------------------------------------

    @app.on_request
    async def require_session(request: Request) -> HTTPResponse | None:
        session_id = auth.unsign(request.cookies.get(SESSION_COOKIE), settings.secret_key)
        request.ctx.session = auth.find_session(review, session_id)
        if request.path in PUBLIC_PATHS or request.path.startswith("/lang/"):
            return None
        if request.ctx.session is None:
            target = request.path + (f"?{request.query_string}" if request.query_string else "")
            return redirect("/login?" + urlencode({"next": target}), status=303)
        if request.method == "POST":
            if not auth.csrf_matches(request.ctx.session.csrf_token, _form_value(request, "csrf_token")):
                return message_page(request, "csrf_failed", 403)
        return None

    @app.on_response
    async def security_headers(request: Request, response: HTTPResponse) -> None:
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if request.path != "/static/style.css":
            response.headers["Cache-Control"] = "no-store"

    @app.exception(NotFound)
    async def not_found(request: Request, exception: Exception) -> HTTPResponse:
        if not hasattr(request.ctx, "session"):
            request.ctx.session = None
        return message_page(request, "not_found", 404)

    @app.exception(Exception)
    async def any_error(request: Request, exception: Exception) -> HTTPResponse:
        if not hasattr(request.ctx, "session"):
            request.ctx.session = None
        if isinstance(exception, SanicException) and exception.status_code < 500:
            return message_page(request, "error", exception.status_code)
        logger.exception("review app error on %s", request.path, exc_info=exception)
        return message_page(request, "error", 500)

    # --- login, logout, language ---------------------------------------------------------------------------------

    @app.get("/login")
    async def login_form(request: Request) -> HTTPResponse:
        if request.ctx.session is not None:
            return redirect(safe_next(request.args.get("next")), status=303)
        # The same token while the cookie lasts: a second tab, or the browser's favicon request, must not
        # invalidate the form already on screen.
        token = auth.unsign(request.cookies.get(LOGIN_COOKIE), settings.secret_key) or secrets.token_urlsafe(32)
        response = render(request, "login.html", login_token=token, next=safe_next(request.args.get("next")))
        set_cookie(response, LOGIN_COOKIE, auth.sign(token, settings.secret_key))
        return response

    @app.post("/login")
    async def login(request: Request) -> HTTPResponse:
        expected = auth.unsign(request.cookies.get(LOGIN_COOKIE), settings.secret_key)
        if expected is None or not auth.csrf_matches(expected, _form_value(request, "csrf_token")):
            return message_page(request, "csrf_failed", 403)
        name = _form_value(request, "name")[: auth.MAX_NAME_LENGTH]
        password = _form_value(request, "password")
        target = safe_next(_form_value(request, "next"))
        address = request.remote_addr or request.ip or "unknown"  # remote_addr: forwarded by a trusted proxy
        if auth.login_refused(review, name, address, settings.max_failed_logins, settings.login_window_seconds):
            # Not recorded: a refused attempt must not extend the lock, or anyone could keep an account locked.
            return _login_again(request, expected, target, "login_limited", 429)
        user = auth.authenticate(review, name, password)
        auth.record_login(review, name, address, succeeded=user is not None)
        if user is None:
            return _login_again(request, expected, target, "login_failed", 401)
        session = auth.open_session(review, user, settings.session_hours)
        response = redirect(target, status=303)
        set_cookie(response, SESSION_COOKIE, auth.sign(session.id, settings.secret_key), settings.session_hours * 3600)
        del response.cookies[LOGIN_COOKIE]
        return response

    def _login_again(request: Request, token: str, target: str, error: str, status: int) -> HTTPResponse:
        return render(request, "login.html", status=status, login_token=token, next=target, error_key=error)

    @app.post("/logout")
    async def logout(request: Request) -> HTTPResponse:
        auth.close_session(review, request.ctx.session.id)
        response = redirect("/login", status=303)
        del response.cookies[SESSION_COOKIE]
        return response

    @app.get("/lang/<code:str>")
    async def switch_language(request: Request, code: str) -> HTTPResponse:
        response = redirect(safe_next(request.args.get("next")), status=303)
        if code in LANGUAGES:
            set_cookie(response, COOKIE, code, 365 * 24 * 3600)
        return response

    @app.get("/static/style.css")
    async def stylesheet(request: Request) -> HTTPResponse:
        return await file(HERE / "static" / "style.css", headers={"Cache-Control": "max-age=3600"})

    # --- inbox, transcript, staff actions ------------------------------------------------------------------------

    @app.get("/")
    async def inbox(request: Request) -> HTTPResponse:
        fresh = refresh_index()
        filters = Filters.from_query(request.args)
        page = inbox_page(review, filters, settings.page_size)
        tags = staff.tags_by_conversation(review, [row.sender_id for row in page.rows])
        return render(
            request,
            "inbox.html",
            fresh=fresh,
            filters=filters,
            page=page,
            tags=tags,
            choices=filter_choices(review),
            query=lambda **changes: urlencode(filters.query(**changes)),
            # "Back" on the transcript returns to this page of the inbox, filters kept.
            conversation_link=lambda sender_id: (
                "/conversation?" + urlencode({"id": sender_id, "back": "/?" + urlencode(filters.query())})
            ),
        )

    @app.get("/conversation")
    async def conversation(request: Request) -> HTTPResponse:
        sender_id = str(request.args.get("id") or "")[:255]
        fresh = refresh_index()
        row = conversation_row(review, sender_id) if sender_id else None
        if row is None:
            return message_page(request, "conversation_not_found", 404)
        stored = conversation_events(tracker, sender_id) if fresh else []
        return render(
            request,
            "conversation.html",
            fresh=fresh,
            row=row,
            transcript=transcript(stored, sender_id),
            record=staff.staff_record(review, sender_id),
            intents=domain_intents(),
            back=safe_next(request.args.get("back")),
        )

    def _conversation_action(apply: Callable[[Request, str, auth.User], None]) -> Handler:
        async def handler(request: Request) -> HTTPResponse:
            sender_id = _form_value(request, "id")[:255]
            if not sender_id or conversation_row(review, sender_id) is None:
                return message_page(request, "conversation_not_found", 404)
            apply(request, sender_id, request.ctx.session.user)
            return redirect("/conversation?" + urlencode({"id": sender_id}), status=303)

        return handler

    def _reviewed(request: Request, sender_id: str, user: auth.User) -> None:
        staff.set_reviewed(review, sender_id, _form_value(request, "reviewed") == "yes", user.name)

    def _close_handoff(request: Request, sender_id: str, user: auth.User) -> None:
        row = conversation_row(review, sender_id)
        if row is not None and row.handoff_open:
            staff.close_handoffs(review, sender_id, row.handoffs, user.name)

    def _add_tag(request: Request, sender_id: str, user: auth.User) -> None:
        staff.add_tag(review, sender_id, _form_value(request, "tag"), user.name)

    def _remove_tag(request: Request, sender_id: str, user: auth.User) -> None:
        staff.remove_tag(review, sender_id, _form_value(request, "tag"), user.name)

    def _add_note(request: Request, sender_id: str, user: auth.User) -> None:
        staff.add_note(review, sender_id, _form_value(request, "note"), user.name)

    app.add_route(_conversation_action(_reviewed), "/conversation/reviewed", methods=["POST"], name="reviewed")
    app.add_route(_conversation_action(_close_handoff), "/conversation/handoff", methods=["POST"], name="handoff")
    app.add_route(_conversation_action(_add_tag), "/conversation/tags", methods=["POST"], name="add_tag")
    app.add_route(_conversation_action(_remove_tag), "/conversation/tags/remove", methods=["POST"], name="rm_tag")
    app.add_route(_conversation_action(_add_note), "/conversation/notes", methods=["POST"], name="add_note")

    # --- exports -------------------------------------------------------------------------------------------------

    def _filtered_transcripts(filters: Filters) -> Iterator[tuple[Any, dict[str, Any]]]:
        rows = matching_rows(review, filters, MAX_EXPORT_CONVERSATIONS)
        tags = staff.tags_by_conversation(review, [row.sender_id for row in rows])
        for start in range(0, len(rows), EXPORT_CHUNK):  # one query per chunk of conversations, in inbox order
            chunk = rows[start : start + EXPORT_CHUNK]
            stored: dict[str, list[StoredEvent]] = {}
            for event in events_of(tracker, [row.sender_id for row in chunk]):
                stored.setdefault(event.sender_id, []).append(event)
            for row in chunk:
                extra = {
                    "reviewed": row.reviewed,
                    "handoff_open": row.handoff_open,
                    "tags": tags.get(row.sender_id, []),
                }
                yield transcript(stored.get(row.sender_id, []), row.sender_id), extra

    def _download(body: str, content_type: str, filename: str) -> HTTPResponse:
        return text(
            body,
            content_type=content_type,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @app.get("/export.csv")
    async def export_csv(request: Request) -> HTTPResponse:
        refresh_index()
        body = "".join(exports.csv_rows(_filtered_transcripts(Filters.from_query(request.args))))
        stamp = clock.now().strftime("%Y%m%d-%H%M")
        return _download(body, "text/csv; charset=utf-8", f"conversations-{stamp}.csv")

    @app.get("/export.jsonl")
    async def export_jsonl(request: Request) -> HTTPResponse:
        refresh_index()
        body = "".join(exports.jsonl_lines(_filtered_transcripts(Filters.from_query(request.args))))
        stamp = clock.now().strftime("%Y%m%d-%H%M")
        return _download(body, "application/jsonl; charset=utf-8", f"conversations-{stamp}.jsonl")

    @app.post("/export/training")
    async def export_training(request: Request) -> HTTPResponse:
        sender_id = _form_value(request, "id")[:255]
        intent = _form_value(request, "intent")
        if intent not in domain_intents():
            return message_page(request, "training_bad_intent", 400)
        values = request.form.getlist("event") if request.form else []
        chosen = {int(value) for value in values or [] if str(value).isdigit()}
        turns = [
            turn
            for turn in transcript(conversation_events(tracker, sender_id), sender_id).resident_turns
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
        return _download(body, "application/yaml; charset=utf-8", f"{language}-{intent}.yml")

    # --- overview ------------------------------------------------------------------------------------------------

    @app.get("/overview")
    async def overview_page(request: Request) -> HTTPResponse:
        fresh = refresh_index()
        stats = overview(review, clock.now().date())
        t = Translator(language_of(request))
        return render(
            request, "overview.html", fresh=fresh, stats=stats, chart=bar_chart_svg(stats.days, t("messages_per_day"))
        )

    # --- users (admin) -------------------------------------------------------------------------------------------

    def users_view(request: Request, status: int = 200, notice: str = "", error_key: str = "") -> HTTPResponse:
        return render(
            request,
            "users.html",
            status=status,
            users=auth.list_users(review),
            roles=auth.ROLES,
            notice=notice if notice in USER_NOTICES else "",
            error_key=error_key,
        )

    @app.get("/users")
    async def users_page(request: Request) -> HTTPResponse:
        if not request.ctx.session.user.is_admin:
            return message_page(request, "forbidden", 403)
        return users_view(request, notice=str(request.args.get("done") or ""))

    @app.post("/users")
    async def add_user(request: Request) -> HTTPResponse:
        if not request.ctx.session.user.is_admin:
            return message_page(request, "forbidden", 403)
        try:
            auth.add_user(
                review, _form_value(request, "name"), _form_value(request, "password"), _form_value(request, "role")
            )
        except auth.AccountRefused as refused:
            return users_view(request, 400, error_key=f"refused_{refused.key}")
        return redirect("/users?done=user_added", status=303)

    @app.post("/users/remove")
    async def remove_user(request: Request) -> HTTPResponse:
        user = request.ctx.session.user
        if not user.is_admin:
            return message_page(request, "forbidden", 403)
        name = _form_value(request, "name")
        if name == user.name:
            return users_view(request, 400, error_key="cannot_remove_self")
        auth.remove_user(review, name)
        return redirect("/users?done=user_removed", status=303)

    @app.before_server_start
    async def build_index(app: Sanic, _loop: Any) -> None:
        refresh_index()  # the first full pass can take seconds on a large store: do it before the first request

    return app


def _form_value(request: Request, name: str) -> str:
    form = request.form
    value = form.get(name) if form else None
    return str(value) if value is not None else ""
