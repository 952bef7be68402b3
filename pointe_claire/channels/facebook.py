"""Facebook Messenger: Rasa's built-in connector, with its settings read from environment variables and a
configurable Graph API address, so that no secret sits in the repository and tests can stand in for Facebook.

Referenced in credentials.yml (`pointe_claire.channels.facebook.FacebookMessengerInput`). Compared with Rasa's
`FacebookInput`: a missing or wrong `X-Hub-Signature` gets 403 (Rasa answers 200 "not validated", and a
malformed header made it fail with 500), unconfigured it answers 503, every message of a delivery is answered (Rasa
stops after the first), the Page's own echoes are ignored, the Graph API is called off the event loop with a
timeout, and a message that got no reply gets the response-only fallback with the emergency numbers. Conversations
are `facebook:<page-scoped id>` (`conversation_ids`); a message id (`mid`) Meta delivers again is not answered again
(`seen_events`); a like, an attachment, a location and Get Started get an answer of their own, in the
conversation's language (lexicons/channel_texts.yml); the verification echoes only a challenge shaped as Meta's.
An answer is one Messenger message, its French and English paragraphs together (Rasa sends one per paragraph).
A staff member's reply from the review app goes out as Meta allows by the time since the resident's last message
(the tracker's): a response within 24 hours, tagged HUMAN_AGENT up to 7 days, not at all after (staff are told).
Comments on the Page's posts (the `feed` field, delivered to this same webhook) are answered by `page_comments`
when credentials.yml says `answer_comments: true`, under the same signature check; staff replies to a comment
thread are sent by it too (in public, or in private with personal information).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput, Messenger, MessengerBot
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from pointe_claire import clock
from pointe_claire.channels.conversation_ids import FACEBOOK, conversation_id, raw_id
from pointe_claire.channels.env_settings import Unconfigured, from_environment, keys_from_environment, platform_webhook
from pointe_claire.channels.graph_comments import GraphComments
from pointe_claire.channels.messenger_events import (
    ATTACHMENT,
    GET_STARTED,
    LIKE,
    LOCATION,
    TEXT,
    MessengerEvent,
    read_event,
)
from pointe_claire.channels.moderators import offer_moderation
from pointe_claire.channels.page_comments import PageComments
from pointe_claire.channels.public_reply import PARAGRAPH, default_texts
from pointe_claire.channels.reply_guard import GuardedTurns
from pointe_claire.channels.retries import RetryPolicy
from pointe_claire.channels.seen_events import SeenEvents
from pointe_claire.channels.staff_delivery import StaffReply, Undeliverable, offer_delivery
from pointe_claire.channels.untrusted_input import MalformedBody, json_body, signature_matches, signature_refusal
from pointe_claire.moderation_names import FACEBOOK as FACEBOOK_PLATFORM
from pointe_claire.nlg import LANGUAGE_SLOT
from pointe_claire.text_normalization import resident_text

logger = logging.getLogger(__name__)

DEFAULT_GRAPH_API_URL = "https://graph.facebook.com"
DEFAULT_GRAPH_API_VERSION = "21.0"
GRAPH_TIMEOUT_SECONDS = 10.0
MESSENGER_TEXT_LIMIT = 2000  # characters in one Messenger text message (the Send API refuses more)
# Environment variables read when credentials.yml does not name others (`<setting>_env: NAME`).
DEFAULT_VARIABLES = {
    "verify": "FACEBOOK_VERIFY_TOKEN",
    "secret": "FACEBOOK_APP_SECRET",
    "page_access_token": "FACEBOOK_PAGE_ACCESS_TOKEN",
}
# fbmessenger passes the Page access token as a query parameter: never let it reach the log with a URL.
_ACCESS_TOKEN = re.compile(r"access_token=[^&\s'\"]+")
# Meta signs each delivery with the app secret: X-Hub-Signature (sha1) and X-Hub-Signature-256.
SIGNATURE_HEADERS = (("X-Hub-Signature-256", "sha256"), ("X-Hub-Signature", "sha1"))
# Meta's verification challenge is a number (letters, - and _ let through); nothing else is echoed (see
# `token_verification`).
CHALLENGE = re.compile(r"[0-9A-Za-z_-]{1,128}")
ECHO_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
# Get Started opens with the assistant's own greeting (domain.yml), in both languages until the resident writes.
GREETING_RESPONSE = "utter_greet"


def redacted(text: str) -> str:
    """`text` with any `access_token=...` query parameter replaced, so that the Page token is never logged."""
    return _ACCESS_TOKEN.sub("access_token=<redacted>", text)


def _graph_error(answer: Any) -> str | None:
    """The Graph API's error (code and message) when its answer is `{"error": ...}`; None for a success."""
    if not isinstance(answer, dict) or "error" not in answer:
        return None
    error = answer["error"]
    if isinstance(error, dict):
        return redacted(f"code {error.get('code')}: {str(error.get('message') or '')[:300]}")
    return redacted(str(error)[:300])


def hub_signature_valid(app_secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """True when a signature header holds the HMAC of `body` under the app secret (compared in constant time)."""
    for header, method in SIGNATURE_HEADERS:
        given = headers.get(header) or ""
        if given.startswith(f"{method}="):
            expected = hmac.new(app_secret.encode("utf-8"), body, getattr(hashlib, method)).hexdigest()
            return signature_matches(given[len(method) + 1 :], expected)
    return False


@dataclass(frozen=True)
class MessagingType:
    """How the Send API is told why a message is sent: Meta refuses a message outside the window its type allows."""

    name: str
    tag: str | None = None


# An answer, or any message within 24 hours of the resident's last message.
RESPONSE = MessagingType("RESPONSE")
# A person's reply from 24 hours to 7 days after it (the app needs Meta's `human_agent` permission, docs/channels.md).
HUMAN_AGENT = MessagingType("MESSAGE_TAG", "HUMAN_AGENT")
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
# Why a staff reply was not sent after that (the review app explains it: review/i18n.py `reply_reason_<reason>`).
MESSENGER_WINDOW_CLOSED = "messenger_window_closed"


def staff_messaging_type(resident_wrote_at: float | None, now: datetime) -> MessagingType | None:
    """How a staff member's reply may be sent `now`: RESPONSE within 24 hours of the resident's last message,
    HUMAN_AGENT up to 7 days after it; None after that (or when the resident never wrote): Meta would refuse it."""
    if resident_wrote_at is None:
        return None
    age = now - datetime.fromtimestamp(resident_wrote_at, timezone.utc)
    if age <= STANDARD_WINDOW:
        return RESPONSE
    return HUMAN_AGENT if age <= HUMAN_AGENT_WINDOW else None


class _GraphBot(MessengerBot):
    """Rasa's Messenger output, calling the Graph API in a worker thread with a timeout; never raises."""

    def __init__(self, messenger_client: Any, messaging_type: MessagingType = RESPONSE) -> None:
        super().__init__(messenger_client)
        self.messaging_type = messaging_type
        self.delivered = 0  # what the Graph API accepted: the reply guard counts this, not the attempts

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        # Rasa addresses replies to the conversation id; the Graph API to the page-scoped id inside it.
        await super().send_response(raw_id(FACEBOOK, recipient_id), message)

    def send(self, recipient_id: str, element: Any) -> None:
        recipient_id = raw_id(FACEBOOK, recipient_id)
        try:
            answer = self.messenger_client.send(
                element.to_dict(),
                recipient_id,
                self.messaging_type.name,
                timeout=GRAPH_TIMEOUT_SECONDS,
                tag=self.messaging_type.tag,
            )
        except Exception as error:  # the Graph API unreachable: logged (no traceback: it holds the token), carry on
            logger.error(
                "Facebook: a reply to %s could not be sent: %s: %s",
                recipient_id,
                type(error).__name__,
                redacted(str(error))[:500],
            )
            return
        problem = _graph_error(answer)
        if problem is not None:  # fbmessenger does not raise on an HTTP error: the Graph API's answer says it
            logger.error("Facebook: the Graph API refused a reply to %s (%s)", recipient_id, problem)
            return
        self.delivered += 1

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        def call() -> None:
            for part in _text_elements(text):
                self.send(recipient_id, part)

        await asyncio.to_thread(call)

    async def send_action(self, recipient_id: str, sender_action: str) -> None:
        recipient_id = raw_id(FACEBOOK, recipient_id)

        def call() -> None:
            try:
                answer = self.messenger_client.send_action(sender_action, recipient_id, timeout=GRAPH_TIMEOUT_SECONDS)
            except Exception as error:
                logger.warning(
                    "Facebook: sender action %s to %s failed (%s)", sender_action, recipient_id, type(error).__name__
                )
                return
            problem = _graph_error(answer)
            if problem is not None:
                logger.warning("Facebook: sender action %s to %s refused (%s)", sender_action, recipient_id, problem)

        await asyncio.to_thread(call)


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The dict items of a list; [] for anything else (a signed but oddly shaped delivery)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text_elements(text: str) -> list[Any]:
    from fbmessenger.elements import Text as FBText

    # One Messenger message per answer, French and English in it (Rasa's MessengerBot sends one per paragraph).
    return [FBText(text=part) for part in messenger_messages(text)]


def messenger_messages(text: str, limit: int = MESSENGER_TEXT_LIMIT) -> list[str]:
    """An answer as Messenger messages: one, unless it is over Messenger's length limit; then cut between
    paragraphs (or, for a paragraph alone over the limit, between words) so that no part is refused."""
    messages: list[str] = []
    for paragraph in (part.strip() for part in text.strip().split(PARAGRAPH)):
        for piece in _within(paragraph, limit):
            if messages and len(messages[-1]) + len(PARAGRAPH) + len(piece) <= limit:
                messages[-1] += PARAGRAPH + piece
            else:
                messages.append(piece)
    return messages


def _within(paragraph: str, limit: int) -> list[str]:
    """A paragraph in pieces of at most `limit` characters, cut between words."""
    pieces: list[str] = []
    for word in paragraph.split():
        if pieces and len(pieces[-1]) + 1 + len(word) <= limit:
            pieces[-1] += " " + word
        else:
            pieces.extend(word[i : i + limit] for i in range(0, len(word), limit))
    return pieces


class _Messenger(Messenger):
    """Rasa's webhook handler with the changes listed in the module docstring."""

    def __init__(
        self,
        page_access_token: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        graph_url: str,
        turns: GuardedTurns,
        agent: Agent | None,
        seen: SeenEvents,
    ) -> None:
        super().__init__(page_access_token, on_new_message)
        self.client.graph_url = graph_url
        self._turns = turns
        self._agent = agent
        self._seen = seen

    async def handle(self, payload: dict, metadata: dict[str, Any] | None) -> None:
        for entry in _dicts(payload.get("entry")):
            for item in _dicts(entry.get("messaging")):
                try:
                    event = read_event(item)
                    if event is not None and await self._first_time(event):
                        await self._answer(event, metadata)
                except Exception:  # one odd event must not stop the others, nor make the webhook answer 500
                    logger.exception("Facebook: could not handle a messaging event")

    async def _first_time(self, event: MessengerEvent) -> bool:
        # Meta delivers a message again when it got no 200 in time, possibly to another instance.
        return event.mid is None or await asyncio.to_thread(self._seen.first_time, event.mid)

    async def _answer(self, event: MessengerEvent, metadata: dict[str, Any] | None) -> None:
        out_channel = _GraphBot(self.client)
        conversation = conversation_id(FACEBOOK, event.sender_id)
        await out_channel.send_action(conversation, sender_action="mark_seen")
        await out_channel.send_action(conversation, sender_action="typing_on")
        if event.kind == TEXT:
            handler, text, parse_data = self.on_new_message, resident_text(event.text), None
        else:  # not for NLU: kept in the conversation as what it was, and answered by the channel
            handler, text = self._record_and_answer(event), event.text
            parse_data = {"intent": {"name": None, "confidence": 1.0}, "entities": [], "text": event.text}
        message = UserMessage(
            text,
            out_channel,
            conversation,
            parse_data=parse_data,
            input_channel=self.name(),
            message_id=event.mid,
            metadata=metadata,
        )
        # Through the guard: with no reply, an error, PostgreSQL or Redis unreachable, the resident still gets the
        # emergency numbers.
        await self._turns.answer_with(handler, message)
        await out_channel.send_action(conversation, sender_action="typing_off")

    def _record_and_answer(self, event: MessengerEvent) -> Callable[[UserMessage], Awaitable[None]]:
        """Keeps the event and the channel's answer in the conversation, under its lock, as Rasa keeps a turn."""

        async def record(message: UserMessage) -> None:
            agent = self._agent
            if agent is None or agent.processor is None:
                return  # no model loaded: the fallback answers
            async with agent.lock_store.lock(message.sender_id):
                tracker = await agent.processor.log_message(message, should_save_tracker=False)
                reply = await self._reply_to(event, tracker, agent)
                if reply and message.output_channel is not None:
                    await message.output_channel.send_text_message(message.sender_id, reply)
                    tracker.update(BotUttered(reply, metadata={"messenger_event": event.kind}))
                await agent.processor.save_tracker(tracker)

        return record

    async def _reply_to(self, event: MessengerEvent, tracker: DialogueStateTracker, agent: Agent) -> str:
        """The answer in the conversation's language, or in both (French first) while it is not known."""
        if event.kind == GET_STARTED:
            rendered = await agent.nlg.generate(GREETING_RESPONSE, tracker, self.name())
            return str((rendered or {}).get("text") or "")
        texts = default_texts()
        chosen = {
            LIKE: texts.thanks_for_like,
            ATTACHMENT: texts.attachment_not_opened,
            LOCATION: texts.location_received,
        }[event.kind]
        return texts.in_language(chosen, tracker.get_slot(LANGUAGE_SLOT))


class FacebookMessengerInput(FacebookInput):
    """GET /webhooks/facebook/webhook (Meta's verification), POST the same path (signed message deliveries)."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        values, missing = keys_from_environment(credentials, DEFAULT_VARIABLES)
        base = from_environment(credentials, "graph_api_url", "FACEBOOK_GRAPH_API_URL") or DEFAULT_GRAPH_API_URL
        version = str(credentials.get("graph_api_version") or DEFAULT_GRAPH_API_VERSION).lstrip("v")
        graph_url = f"{base.rstrip('/')}/v{version}"
        comments = None
        if credentials.get("answer_comments") is True:
            retry = RetryPolicy.from_credentials(credentials, "comments_retry")
            moderation_file = from_environment(credentials, "moderation_file", "MODERATION_FILE")
            comments = PageComments(GraphComments(graph_url, values["page_access_token"], retry), None, moderation_file)
        return cls(
            values["verify"],
            values["secret"],
            values["page_access_token"],
            graph_url=graph_url,
            missing=missing,
            comments=comments,
        )

    def __init__(
        self,
        fb_verify: str,
        fb_secret: str,
        fb_access_token: str,
        graph_url: str = f"{DEFAULT_GRAPH_API_URL}/v{DEFAULT_GRAPH_API_VERSION}",
        missing: list[str] | None = None,
        comments: PageComments | None = None,
    ) -> None:
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.graph_url = graph_url
        self.comments = comments  # the Page's `feed` deliveries answered (credentials.yml: answer_comments)
        self.unconfigured = Unconfigured(self.name(), missing or [])
        self._turns = GuardedTurns(_no_handler)  # replaced by blueprint(): output-only use needs no guard
        self._seen = SeenEvents.for_channel(self.name())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook, turns = platform_webhook("fb_webhook", self.unconfigured, on_new_message)
        self._turns = turns
        offer_delivery(webhook, self.name(), self._staff_delivery)
        if self.comments is not None:
            self.comments.offer_staff_delivery(webhook)
            if not self.unconfigured:
                offer_moderation(webhook, FACEBOOK_PLATFORM, self.comments.moderation)

        @webhook.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            if self.unconfigured:
                return self.unconfigured.refusal()
            given = request.args.get("hub.verify_token") or ""
            if signature_matches(given, self.fb_verify):
                # Echo only what Meta sends (mode subscribe, a numeric challenge), as plain text: whoever learns
                # the verify token cannot make the City's address serve text or markup of their choosing.
                challenge = request.args.get("hub.challenge") or ""
                if request.args.get("hub.mode") == "subscribe" and CHALLENGE.fullmatch(challenge):
                    return response.text(challenge, headers=ECHO_HEADERS)
                return response.json(
                    {
                        "status": 400,
                        "error": "Not a verification request.",
                        "error_fr": "Requête de vérification invalide.",
                    },
                    status=400,
                )
            logger.warning("Facebook: wrong verify token; it must match the one set in the Meta app's webhook")
            return response.json(
                {"status": 403, "error": "Invalid verify token.", "error_fr": "Jeton de vérification invalide."},
                status=403,
            )

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.unconfigured:
                return self.unconfigured.refusal()
            if not hub_signature_valid(self.fb_secret, request.body, request.headers):
                logger.warning("Facebook: refused a delivery whose X-Hub-Signature is missing or wrong")
                return signature_refusal()
            try:
                payload = json_body(request.body)
            except MalformedBody:
                payload = None
            if not isinstance(payload, dict):
                return response.json(
                    {"status": 400, "error": "The body must be a JSON object.", "error_fr": "Objet JSON attendu."},
                    status=400,
                )
            agent = getattr(request.app.ctx, "agent", None)
            messenger = _Messenger(self.fb_access_token, on_new_message, self.graph_url, turns, agent, self._seen)
            try:
                await messenger.handle(payload, self.get_metadata(request))
                if self.comments is not None:
                    await self.comments.take(payload, turns, agent)
            except Exception as error:  # logged; Meta would retry a 500 delivery again and again
                logger.error("Facebook: could not handle a delivery (%s)", type(error).__name__)
            return response.text("success")

        return webhook

    async def _staff_delivery(self, reply: StaffReply) -> bool:
        """A staff member's reply through the Send API, as Meta allows it by the time since the resident's last
        message (`staff_messaging_type`; after 7 days, Undeliverable); True once the Graph API accepted every part."""
        if self.unconfigured:
            return False
        messaging_type = staff_messaging_type(reply.resident_wrote_at, clock.now())
        if messaging_type is None:
            raise Undeliverable(MESSENGER_WINDOW_CLOSED)
        bot = self.get_output_channel(messaging_type)
        await bot.send_text_message(reply.conversation, reply.text)
        return bot.delivered == len(messenger_messages(reply.text))

    def get_output_channel(self, messaging_type: MessagingType = RESPONSE) -> _GraphBot:
        client = _Messenger(self.fb_access_token, _no_handler, self.graph_url, self._turns, None, self._seen).client
        return _GraphBot(client, messaging_type)


async def _no_handler(message: UserMessage) -> None:
    """Output-only use (Rasa's API sending a message): nothing comes in."""
