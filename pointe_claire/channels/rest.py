"""The REST channel with its input checked before Rasa sees it (credentials.yml).

Rasa's own REST channel answers 500 to a body that is not a JSON object, silently drops a message that is not a
string, and files every message without a sender under one shared "default" conversation. Here each of those
gets a clear 4xx in both languages, and text keeps everything but invisible control characters. A sender in
another channel's namespace (`facebook:…`, `x:…`, `webchat:…`) is refused too: the REST channel never writes into
another channel's conversation. A message that got no reply at all (action server down), or could not be handled
(PostgreSQL or Redis unreachable), gets the response-only fallback with the emergency numbers.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from pointe_claire.channels.conversation_ids import namespace_of
from pointe_claire.channels.reply_guard import GuardedTurns
from pointe_claire.channels.untrusted_input import MAX_JSON_DEPTH, MalformedBody, json_body
from pointe_claire.names import STAFF_REPLY_KEY
from pointe_claire.text_normalization import resident_text
from pointe_claire.tracker_store import redacting_store

# HAProxy names each request once (scripts/cluster.py) and keeps the name when it retries the request on another
# instance: the message is stored under that id, and a retry of a stored message is answered from the store.
REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID = re.compile(r"[0-9A-Za-z:._-]{8,128}")
# Set by the request middleware, read while the same request's message is handled (same task).
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

MAX_MESSAGE_CHARACTERS = 50_000
MAX_SENDER_CHARACTERS = 256


def _refusal(status: int, english: str, french: str) -> HTTPResponse:
    return response.json({"status": status, "error": english, "error_fr": french}, status=status)


def check_payload(body: bytes) -> tuple[dict[str, Any] | None, HTTPResponse | None]:
    """The decoded payload, or the 4xx answer that explains what is wrong with it."""
    try:
        payload = json_body(body)
    except MalformedBody:
        return None, _refusal(
            400,
            f"The body must be JSON in UTF-8, nested at most {MAX_JSON_DEPTH} levels deep.",
            f"Le corps doit être du JSON en UTF-8, d'au plus {MAX_JSON_DEPTH} niveaux d'imbrication.",
        )
    if not isinstance(payload, dict):
        return None, _refusal(
            400,
            'The body must be a JSON object: {"sender": "...", "message": "..."}.',
            'Le corps doit être un objet JSON : {"sender": "...", "message": "..."}.',
        )
    sender, message = payload.get("sender"), payload.get("message")
    # Printable: a lone surrogate ("\ud800" in JSON) or a control character cannot be stored as a conversation id.
    if (
        not isinstance(sender, str)
        or not sender.strip()
        or len(sender) > MAX_SENDER_CHARACTERS
        or not sender.isprintable()
    ):
        return None, _refusal(
            400,
            f'"sender" must be a non-empty string of at most {MAX_SENDER_CHARACTERS} printable characters.',
            f"« sender » doit être une chaîne non vide d'au plus {MAX_SENDER_CHARACTERS} caractères imprimables.",
        )
    channel = namespace_of(sender)
    if channel is not None:  # another channel's conversation, named from ids anyone may know (a Messenger id)
        return None, _refusal(
            400,
            f'"sender" must not start with "{channel}:": those conversations belong to the {channel} channel.',
            f"« sender » ne doit pas commencer par « {channel}: » : ces conversations sont celles du canal {channel}.",
        )
    if not isinstance(message, str):
        return None, _refusal(400, '"message" must be a string.', "« message » doit être une chaîne de caractères.")
    if len(message) > MAX_MESSAGE_CHARACTERS:
        return None, _refusal(
            413,
            f"The message is longer than {MAX_MESSAGE_CHARACTERS} characters; please shorten it.",
            f"Le message dépasse {MAX_MESSAGE_CHARACTERS} caractères; veuillez le raccourcir.",
        )
    if "metadata" in payload and not isinstance(payload["metadata"], (dict, type(None))):
        return None, _refusal(400, '"metadata" must be a JSON object.', "« metadata » doit être un objet JSON.")
    return payload, None


class ValidatedRestInput(RestInput):
    """POST /webhooks/rest/webhook {"sender": "...", "message": "..."}, with its input checked."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def __init__(self) -> None:
        super().__init__()
        self._turns: GuardedTurns | None = None

    def _extract_message(self, req: Request) -> str | None:
        return resident_text(req.json["message"])

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def answer_once(message: UserMessage) -> None:
            request_id = _request_id.get()
            if request_id is not None:
                message.message_id = request_id
                earlier = self._stored_answer(message.sender_id, request_id)
                if earlier is not None:  # a retry of a message an instance stored before it died
                    for text in earlier:
                        await message.output_channel.send_text_message(message.sender_id, text)
                    return
            await on_new_message(message)

        turns = self._turns = GuardedTurns(answer_once)

        async def answered(message: UserMessage) -> None:
            await turns(message)

        webhook = super().blueprint(answered)
        turns.attach(webhook)

        @webhook.middleware("request")
        async def refuse_malformed(request: Request) -> HTTPResponse | None:
            if request.method != "POST":
                return None
            request_id = request.headers.get(REQUEST_ID_HEADER, "")
            _request_id.set(request_id if REQUEST_ID.fullmatch(request_id) else None)
            payload, refusal = check_payload(request.body)
            if refusal is not None:
                return refusal
            request.parsed_json = payload  # type: ignore[assignment]  # Sanic declares it None until parsed
            return None

        @webhook.route("/staff_replies", methods=["GET"])
        async def staff_replies(request: Request) -> HTTPResponse:
            """The REST channel's outbox: a REST conversation's staff replies (as stored), for its caller to poll,
            since REST cannot write first."""
            sender = request.args.get("sender") or ""
            if not sender.strip() or len(sender) > MAX_SENDER_CHARACTERS or namespace_of(sender) is not None:
                return _refusal(
                    400, '"sender" must name a REST conversation.', "« sender » doit nommer une conversation REST."
                )
            store = redacting_store(self._turns.agent if self._turns else None)
            tracker = await store.retrieve(sender) if store is not None else None
            events = tracker.events if tracker is not None else []
            return response.json(
                [
                    {"text": event.text, **event.metadata[STAFF_REPLY_KEY]}
                    for event in events
                    if isinstance(event, BotUttered) and STAFF_REPLY_KEY in (event.metadata or {})
                ]
            )

        return webhook

    def _stored_answer(self, sender_id: str, request_id: str) -> list[str] | None:
        store = redacting_store(self._turns.agent if self._turns else None)
        return store.stored_answer(sender_id, request_id) if store is not None else None
