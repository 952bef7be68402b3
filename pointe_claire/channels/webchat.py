"""The web chat page the City can put on its website, and the socket.io channel it talks to (credentials.yml).

One block in credentials.yml gives both, on the assistant's own origin (no CORS, no CDN): the page at
/webhooks/webchat/, its files (built into webchat/dist/ by `make webchat` from the npm registry) under
/webhooks/webchat/static/, and Rasa's socket.io endpoint at /socket.io. Compared with Rasa's socket.io channel,
malformed events are refused instead of raising, and a message that got no reply at all (action server down) or
could not be handled (PostgreSQL or Redis unreachable) gets the same response-only fallback with the emergency
numbers as the REST channel, and the socket.io endpoint accepts only the origins allowed for the web chat (Rasa's
accepts every web origin, so any site could open a chat in its visitors' browsers). Conversations are stored as
`webchat:<session id>` (`conversation_ids`). A new session opens with the welcome and its buttons
(`webchat_buttons`); the City's pages show the chat through /webhooks/webchat/launcher.js (`webchat_widget`).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import yaml
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from pointe_claire.alerts import active
from pointe_claire.alerts.records import Alert
from pointe_claire.channels.conversation_ids import WEBCHAT, conversation_id, raw_id
from pointe_claire.channels.env_settings import from_environment
from pointe_claire.channels.reply_guard import GuardedTurns
from pointe_claire.channels.rest import MAX_MESSAGE_CHARACTERS
from pointe_claire.channels.staff_delivery import Deliver, StaffReply, offer_delivery
from pointe_claire.channels.untrusted_input import MAX_JSON_DEPTH, nesting_depth
from pointe_claire.channels.webchat_buttons import (
    Button,
    RendersResponses,
    handoff_button,
    offered_buttons,
    parse_data,
    welcome,
)
from pointe_claire.channels.webchat_widget import (
    frame_ancestors,
    launcher_config,
    launcher_script,
    load_colours,
    theme_css,
)
from pointe_claire.city_facts import cached_city_facts
from pointe_claire.names import BILINGUAL_PARTS_KEY, LANGUAGES, REPLY_LANGUAGE_KEY
from pointe_claire.text_normalization import has_visible_text, resident_text
from pointe_claire.tracker_store import redacting_store

logger = logging.getLogger(__name__)

WEBCHAT_ROOT = Path(__file__).resolve().parents[2] / "webchat"
DIST = WEBCHAT_ROOT / "dist"
PAGE_TEXT = WEBCHAT_ROOT / "page_text.yml"
WIDGET = WEBCHAT_ROOT / "widget.yml"
PAGE_LANGUAGES = LANGUAGES  # French first: the page opens in French unless ?lang=en
# The page's note with the emergency numbers appears when no answer came within this delay.
ANSWER_TIMEOUT_MS = 10_000
# Session ids are the client's key to its conversation (and its socket.io room): uuid4 hex from us, or similar.
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_NON_DIGITS = re.compile(r"\D")
# Read when credentials.yml does not name another variable (`allowed_origins_env`).
ALLOWED_ORIGINS_VARIABLE = "WEBCHAT_ALLOWED_ORIGINS"
# Key of a bot_uttered message that a staff member wrote (the page labels it as the City's staff's).
STAFF_MESSAGE_KEY = "staff"

# The page's own files are served with a strict policy: no inline script, nothing from another origin; framed only
# by itself and the allowed origins (`page_headers`).
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}


def page_headers(origins: list[str]) -> dict[str, str]:
    """PAGE_HEADERS with the sites allowed to show the page in a frame (the launcher's panel)."""
    policy = f"{PAGE_HEADERS['Content-Security-Policy']}; {frame_ancestors(origins)}"
    return {**PAGE_HEADERS, "Content-Security-Policy": policy}


def own_origins(request_env: Mapping[str, Any]) -> set[str]:
    """The assistant's own origin as the request names it (and as a proxy forwards it), as python-engineio's own
    check computes it."""
    host = str(request_env.get("HTTP_HOST") or "")
    if not host:
        return set()
    scheme = str(request_env.get("wsgi.url_scheme") or "http")
    forwarded_scheme = str(request_env.get("HTTP_X_FORWARDED_PROTO") or scheme).split(",")[0].strip()
    forwarded_host = str(request_env.get("HTTP_X_FORWARDED_HOST") or host).split(",")[0].strip()
    return {f"{scheme}://{host}", f"{forwarded_scheme}://{forwarded_host}"}


def tel_href(number: str) -> str:
    """`tel:` link of a number as replies write it: 514-630-1234 -> tel:+15146301234, 9-1-1 -> tel:911."""
    digits = _NON_DIGITS.sub("", number)
    return f"tel:+1{digits}" if len(digits) == 10 else f"tel:{digits}"


# What can go wrong with the page's files after staff edit them: missing, not YAML, a word missing in one language.
PAGE_ERRORS = (OSError, ValueError, AttributeError, KeyError, TypeError, yaml.YAMLError, jinja2.TemplateError)


def load_page_text(path: Path | None = None) -> dict[str, dict[str, str]]:
    """The page's words per language; refuses a file where one language lacks a key the other has."""
    path = path or PAGE_TEXT
    with path.open(encoding="utf-8") as handle:
        texts: dict[str, dict[str, str]] = yaml.safe_load(handle)
    keys = {language: set(texts.get(language) or {}) for language in PAGE_LANGUAGES}
    if keys["fr"] != keys["en"]:
        raise ValueError(f"{path}: French and English differ in {sorted(keys['fr'] ^ keys['en'])}")
    return texts


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEBCHAT_ROOT / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a missing word or fact is an error, not a blank on the page
    )
    environment.filters["tel_href"] = tel_href
    return environment


def render_page(
    language: str,
    channel: SocketIOInput,
    static_url: str,
    handoff: Button | None = None,
    embedded: bool = False,
    alerts: tuple[Alert, ...] | list[Alert] = (),
) -> str:
    """The page in `language` (fr or en), with the City's numbers from city_facts.yml; `handoff`: the "talk to a
    person" button it keeps on screen; `embedded`: in the launcher's panel, whose header shows the title and the
    emergency numbers; `alerts`: the staff alerts running now, under the emergency numbers."""
    texts = load_page_text()
    return (
        _templates()
        .get_template("chat.html")
        .render(
            lang=language,
            other_lang="en" if language == "fr" else "fr",
            t=texts[language],
            texts=texts,
            facts=cached_city_facts().variables,
            static=static_url,
            theme=static_url.removesuffix("/static") + "/theme.css",
            handoff=handoff,
            embedded=embedded,
            alerts=alerts,
            socket_path=channel.socketio_path,
            user_event=channel.user_message_evt,
            bot_event=channel.bot_message_evt,
            max_characters=MAX_MESSAGE_CHARACTERS,
            answer_timeout_ms=ANSWER_TIMEOUT_MS,
        )
    )


def unavailable_text() -> str:
    """What the page's address shows when its files are broken: still the numbers, in both languages."""
    facts = cached_city_facts().variables
    emergency, municipal, general = facts["phone_emergency"], facts["phone_municipal_emergency"], facts["phone_general"]
    return (
        f"La page de clavardage est indisponible. Urgence : {emergency}. Urgence municipale (24 h sur 24) : "
        f"{municipal}. Autres questions : {general}.\n"
        f"The chat page is unavailable. Emergency: {emergency}. Municipal emergency (24/7): {municipal}. "
        f"Other questions: {general}.\n"
    )


def allowed_origins(credentials: Mapping[str, Any]) -> list[str]:
    """The web origins (`https://host[:port]`) credentials.yml's `allowed_origins` and the variable list (comma-
    separated); empty means the assistant's own origin only (python-engineio compares Origin with the Host header)."""
    listed = [str(origin) for origin in credentials.get("allowed_origins") or ()]
    listed += from_environment(credentials, "allowed_origins", ALLOWED_ORIGINS_VARIABLE).split(",")
    return sorted({origin.strip().rstrip("/") for origin in listed if origin.strip()})


def valid_session_id(value: Any) -> str | None:
    return value if isinstance(value, str) and _SESSION_ID.fullmatch(value) else None


class WebChatOutput(SocketIOOutput):
    """Rasa's socket.io output, addressed to the session's room, with a bilingual reply in two bubbles."""

    @classmethod
    def name(cls) -> str:
        return WebChatInput.name()

    # Rasa addresses replies to the conversation id (`webchat:<session>`); socket.io rooms are the bare session ids.
    async def _send_message(self, socket_id: str, response: Any) -> None:
        await super()._send_message(raw_id(WEBCHAT, socket_id), response)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await super().send_custom_json(raw_id(WEBCHAT, recipient_id), json_message, **kwargs)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """One bubble per paragraph (as Rasa's socket.io output), each with the `lang` of its language when the reply
        generator named it, so that a screen reader reads an English reply on the French page with an English voice."""
        await self._send_paragraphs(recipient_id, text, kwargs)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """As text, the buttons as quick replies under the last bubble (Rasa's socket.io output drops `lang`)."""
        quick_replies = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in buttons]
        await self._send_paragraphs(recipient_id, text, kwargs, quick_replies)

    async def _send_paragraphs(
        self, recipient_id: str, text: str, kwargs: Mapping[str, Any], quick_replies: list[dict[str, str]] | None = None
    ) -> None:
        parts: dict[str, str] = kwargs.get(BILINGUAL_PARTS_KEY) or {}
        pieces = parts.items() if parts else [(kwargs.get(REPLY_LANGUAGE_KEY), text)]  # French first
        messages = [
            {"text": paragraph, **({"lang": language} if language in LANGUAGES else {})}
            for language, part in pieces
            for paragraph in part.strip().split("\n\n")
        ]
        if quick_replies and messages:
            messages[-1]["quick_replies"] = quick_replies
        for message in messages:
            await self._send_message(recipient_id, message)


class WebChatInput(SocketIOInput):
    """Rasa's socket.io channel, named `webchat` (the `input_channel` stored with each message), plus the page."""

    @classmethod
    def name(cls) -> str:
        return WEBCHAT

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        channel = super().from_credentials(credentials)
        if isinstance(channel, WebChatInput):
            channel.allowed_origins = allowed_origins(credentials or {})
        return channel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_origins: list[str] = []  # none listed: the assistant's own origin only
        try:
            load_page_text()  # checked now, so that a broken file shows in the start-up log
        except PAGE_ERRORS:
            # Logged, not raised: a typo in the page's words must not take the REST, X and Facebook channels down.
            logger.exception("webchat/page_text.yml is broken: the web chat page answers 503 until it is fixed.")
        if not (DIST / "chat.js").exists() or not (DIST / "socket.io.min.js").exists():
            logger.error("The web chat page's files are missing from %s: run `make webchat`.", DIST)

    def get_output_channel(self) -> OutputChannel | None:
        return WebChatOutput(self.sio, self.bot_message_evt) if self.sio else super().get_output_channel()

    def origin_allowed(self, origin: str | None, request_env: Mapping[str, Any]) -> bool:
        """The socket.io handshake's check: the assistant's own origin (its page, also in the launcher's panel) and
        the allowed ones. (python-engineio, given a list, accepts only the list: the page itself was refused.)"""
        return origin in self.allowed_origins or origin in own_origins(request_env)

    @staticmethod
    def _running_alerts(turns: GuardedTurns) -> list[Alert]:
        """The staff alerts running now, from the tracker store's database (none without one)."""
        store = redacting_store(turns.agent)
        return active.running(store.engine) if store is not None else []

    def _nlg(self, turns: GuardedTurns) -> RendersResponses | None:
        nlg = getattr(turns.agent, "nlg", None)
        return nlg if hasattr(nlg, "render") else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Rasa passes [] (no check: any site's page could connect). A handshake from another origin gets 400
        # before any session exists.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.origin_allowed)
        self.sio = sio
        webchat = SocketBlueprint(sio, self.socketio_path or "/socket.io", "webchat", __name__)
        webchat.static("/static", str(DIST), name="webchat_static")
        turns = GuardedTurns(on_new_message)
        turns.attach(webchat)
        offer_delivery(webchat, self.name(), self._staff_delivery(sio), relayed=True)
        colours = load_colours(WIDGET)  # read once: staff restart the assistant after editing widget.yml

        @webchat.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            language = request.args.get("lang", "fr")
            language = language if language in PAGE_LANGUAGES else "fr"
            nlg = self._nlg(turns)
            handoff = handoff_button(nlg, language, self.name()) if nlg else None
            embedded = request.args.get("embed") == "1"
            try:
                static = f"{request.path.rstrip('/')}/static"
                html = render_page(language, self, static, handoff, embedded, self._running_alerts(turns))
            except PAGE_ERRORS:
                logger.exception("The web chat page could not be rendered: check webchat/page_text.yml and templates/.")
                return response.text(unavailable_text(), status=503, headers={"Retry-After": "60"})
            return response.html(html, headers=page_headers(self.allowed_origins))

        @webchat.route("/theme.css", methods=["GET"])
        async def theme(request: Request) -> HTTPResponse:
            headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
            return response.text(theme_css(colours), content_type="text/css; charset=utf-8", headers=headers)

        @webchat.route("/launcher.js", methods=["GET"])
        async def launcher(request: Request) -> HTTPResponse:
            try:
                facts = cached_city_facts().variables
                numbers = {
                    kind: (facts[name], tel_href(facts[name]))
                    for kind, name in (("danger", "phone_emergency"), ("municipal", "phone_municipal_emergency"))
                }
                config = launcher_config(self.allowed_origins, load_page_text(), numbers, colours)
                source = (DIST / "launcher.js").read_text(encoding="utf-8")
            except PAGE_ERRORS:
                logger.exception("launcher.js could not be built: check webchat/page_text.yml and `make webchat`.")
                return response.text("", status=503, content_type="text/javascript", headers={"Retry-After": "60"})
            # Loaded by the City's pages (another origin): a classic script, no credentials, cached briefly.
            headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=300"}
            script = launcher_script(source, config)
            return response.text(script, content_type="text/javascript; charset=utf-8", headers=headers)

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: Any) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            return isinstance(token, str) and bool(decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            requested = valid_session_id(data.get("session_id") if isinstance(data, dict) else None)
            session_id = requested or uuid.uuid4().hex
            if self.session_persistence:
                # Awaited: Rasa 3.6's channel calls this coroutine (python-socketio 5.18) without `await`, so it
                # never ran, and replies sent to the session's room never reached the page.
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            if not requested:
                # A new conversation opens with the welcome and its buttons, before the confirmation, so that the
                # page shows it first. Not stored: opening the page is not writing to the City.
                language = data.get("lang") if isinstance(data, dict) else None
                await self._send_welcome(sio, sid, turns, language if language in PAGE_LANGUAGES else "fr")
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on("session_end", namespace=self.namespace)
        async def session_end(sid: str, data: Any) -> None:
            # "End conversation": this socket hears nothing more of the old conversation (stored as it was, for
            # staff); the page asks for a new session next.
            ended = valid_session_id(data.get("session_id") if isinstance(data, dict) else None)
            if ended and self.session_persistence:
                await sio.leave_room(sid, ended, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            await self._handle_message(sio, sid, data, turns)

        return webchat

    def _staff_delivery(self, sio: AsyncServer) -> Deliver:
        """A staff member's reply, pushed to the resident's open page (the session's room), which shows it as the
        City's staff's. Delivered when a page of the session is open on this instance (with several instances, the
        relay asks each, `staff_relay`); a page closed meanwhile does not get it (the conversation keeps it for
        staff)."""

        async def deliver(reply: StaffReply) -> bool:
            language = reply.language
            message = {
                "text": reply.text,
                STAFF_MESSAGE_KEY: True,
                **({"lang": language} if language in LANGUAGES else {}),
            }
            room = raw_id(WEBCHAT, reply.conversation)
            if not any(True for _ in sio.manager.get_participants(self.namespace or "/", room)):
                return False
            await sio.emit(self.bot_message_evt, message, room=room, namespace=self.namespace)
            return True

        return deliver

    async def _send_welcome(self, sio: AsyncServer, sid: str, turns: GuardedTurns, language: str) -> None:
        nlg = self._nlg(turns)
        message = welcome(nlg, language, self.name()) if nlg else None
        if message:
            await sio.emit(self.bot_message_evt, message, room=sid, namespace=self.namespace)

    async def _handle_message(self, sio: AsyncServer, sid: str, data: Any, turns: GuardedTurns) -> None:
        """One resident message: checked, handed to Rasa, and never left without an answer."""
        if not isinstance(data, Mapping) or not isinstance(data.get("message"), str):
            logger.warning("Web chat event without a text message ignored (socket %s).", sid)
            return
        session = valid_session_id(data.get("session_id")) if self.session_persistence else sid
        if session is None:
            logger.warning("Web chat message without a valid session id ignored (socket %s).", sid)
            return
        sender_id = conversation_id(WEBCHAT, session)
        output = WebChatOutput(sio, self.bot_message_evt)
        text = resident_text(data["message"]).strip()
        # Nothing to read (only spaces or invisible characters), or too long: the page's notice, never silence
        # (the page would then warn that no answer came).
        notice = "too_long" if len(text) > MAX_MESSAGE_CHARACTERS else None if has_visible_text(text) else "empty"
        if notice:
            try:
                texts = load_page_text()
                parts = {lang: texts[lang][notice] for lang in PAGE_LANGUAGES}
                await output.send_text_message(sender_id, "\n\n".join(parts.values()), **{BILINGUAL_PARTS_KEY: parts})
            except PAGE_ERRORS:
                await output.send_text_message(sender_id, unavailable_text())
            return
        metadata = data.get(self.metadata_key)
        # A button of the welcome: its title as the resident's message, its intent without NLU. Any other payload
        # is ignored, and the text goes through NLU like typed words.
        nlg = self._nlg(turns)
        payload = data.get("payload")
        button = offered_buttons(nlg, self.name()).get((text, payload)) if nlg and isinstance(payload, str) else None
        message = UserMessage(
            text,
            output,
            sender_id,
            parse_data=parse_data(button) if button else None,
            input_channel=self.name(),
            metadata=metadata if isinstance(metadata, dict) and nesting_depth(metadata) <= MAX_JSON_DEPTH else None,
        )
        # Through the guard: with no reply, an error, PostgreSQL or Redis unreachable, the resident still gets the
        # emergency numbers.
        await turns(message)
