"""The assistant's staff endpoint, which the review app calls: a staff member's reply to send to a resident through
the resident's own channel and keep in the conversation, and a take-over to start or end (credentials.yml).

POST /webhooks/staff/reply     {"conversation", "staff", "text", "hand_back"?}
POST /webhooks/staff/takeover  {"conversation", "staff"}
POST /webhooks/staff/handback  {"conversation", "staff"}
POST /webhooks/staff/moderate  {"platform", "action", "comment_id", "post_id"?, "author_id"?, "staff"}

Each call needs `Authorization: Bearer <ASSISTANT_STAFF_TOKEN>` (unset: 503, the endpoint is off). Why an endpoint
of the assistant and not a row the review app writes: the review app never writes the tracker store, and the one
process that can reach a web chat resident is a Rasa instance (the page's socket.io session). Behind the load
balancer any instance may take the call: the conversation and take-over live in the shared database, X and
Messenger are reached from anywhere, and a web chat page connected to another instance through Redis
(`staff_relay`). The staff member learns at once whether the resident's channel took the reply, and why not when
the channel says (Messenger, 7 days after the resident's last message). Moderation (hide, unhide, delete, ban) goes
through the platform's connector (`moderators`), which holds its keys; its answer is returned whatever it is (200,
`ok` false with the platform's problem after the retries), for the review app to record and show.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from pointe_claire import takeover
from pointe_claire.channels.env_settings import Unconfigured, from_environment
from pointe_claire.channels.feed_events import GRAPH_ID
from pointe_claire.channels.moderators import ModerationTarget, moderators
from pointe_claire.channels.staff_delivery import StaffDeliveries, StaffReply
from pointe_claire.channels.untrusted_input import MalformedBody, json_body, signature_matches
from pointe_claire.moderation_names import ACTIONS
from pointe_claire.names import LANGUAGE_SLOT, MAX_STAFF_REPLY_CHARACTERS, STAFF_REPLY_KEY
from pointe_claire.text_normalization import has_visible_text, strip_control_characters
from pointe_claire.tracker_store import RedactingSQLTrackerStore, redacting_store

logger = logging.getLogger(__name__)

TOKEN_VARIABLE = "ASSISTANT_STAFF_TOKEN"
MAX_CONVERSATION_CHARACTERS = 255
MAX_STAFF_NAME_CHARACTERS = 80
# What became of a reply: sent through the channel, refused by it, or kept for the caller to fetch (REST).
SENT, NOT_DELIVERED, STORED_FOR_POLLING = "sent", "not_delivered", "stored"


class Refused(Exception):
    """A request the endpoint answers with a 4xx/5xx, in both languages."""

    def __init__(self, status: int, english: str, french: str) -> None:
        super().__init__(english)
        self.status, self.english, self.french = status, english, french

    def answer(self) -> HTTPResponse:
        return response.json({"status": self.status, "error": self.english, "error_fr": self.french}, self.status)


def _text_field(payload: Mapping[str, Any], key: str, limit: int) -> str:
    value = payload.get(key)
    cleaned = strip_control_characters(value).strip() if isinstance(value, str) else ""
    if not cleaned or len(cleaned) > limit or not has_visible_text(cleaned):
        raise Refused(
            400,
            f'"{key}" must be a non-empty string of at most {limit} characters.',
            f"« {key} » doit être une chaîne non vide d'au plus {limit} caractères.",
        )
    return cleaned


def _conversation_and_staff(payload: Mapping[str, Any]) -> tuple[str, str]:
    conversation = _text_field(payload, "conversation", MAX_CONVERSATION_CHARACTERS)
    if not conversation.isprintable():
        raise Refused(400, '"conversation" must be printable.', "« conversation » doit être imprimable.")
    return conversation, _text_field(payload, "staff", MAX_STAFF_NAME_CHARACTERS)


def _store_and_agent(request: Request) -> tuple[Agent, RedactingSQLTrackerStore]:
    agent = getattr(request.app.ctx, "agent", None)
    store = redacting_store(agent)
    if agent is None or store is None or agent.processor is None:
        raise Refused(
            503,
            "The assistant has no model or conversation store loaded yet.",
            "L'assistant n'a pas encore chargé de modèle ni de magasin de conversations.",
        )
    return agent, store


async def _existing(agent: Agent, conversation: str) -> DialogueStateTracker:
    """The stored conversation; a 404 when there is none (staff answer residents who wrote, never a new id)."""
    tracker = await agent.tracker_store.retrieve(conversation) if agent.tracker_store else None
    if tracker is None or not tracker.events:
        raise Refused(404, "No such conversation.", "Conversation introuvable.")
    return tracker


def staff_reply(conversation: str, text: str, tracker: DialogueStateTracker) -> StaffReply:
    """The reply with what its channel needs from the conversation: its language, and when the resident last wrote
    (the last user event, held or answered, a restart's too) with that message's metadata (a Facebook comment
    thread's private reply answers that comment)."""
    last = next((event for event in reversed(tracker.events) if isinstance(event, UserUttered)), None)
    if last is None:
        return StaffReply(conversation, text, tracker.get_slot(LANGUAGE_SLOT), None)
    metadata = dict(last.metadata) if isinstance(last.metadata, dict) else None
    return StaffReply(conversation, text, tracker.get_slot(LANGUAGE_SLOT), float(last.timestamp), metadata)


def held_answer(held: takeover.TakeOver | None) -> dict[str, Any]:
    return {"held_by": held.held_by, "expires_at": held.expires_at} if held else {"held_by": None}


class StaffInput(InputChannel):
    """Not a channel residents write through: the review app's way into the assistant."""

    @classmethod
    def name(cls) -> str:
        return "staff"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(
            from_environment(credentials, "token", TOKEN_VARIABLE),
            str((credentials or {}).get("token_env") or TOKEN_VARIABLE),
        )

    def __init__(self, token: str = "", variable: str = TOKEN_VARIABLE) -> None:
        self.token = token
        self.unconfigured = Unconfigured(self.name(), [] if token else [variable])

    def _authorised(self, request: Request) -> bool:
        return signature_matches(request.headers.get("authorization", ""), f"Bearer {self.token}")

    def _endpoint(
        self, handle: Callable[[Request, Mapping[str, Any]], Awaitable[dict[str, Any]]]
    ) -> Callable[[Request], Coroutine[Any, Any, HTTPResponse]]:
        """`handle` behind the token and a JSON object body; every refusal a 4xx/5xx in both languages."""

        async def endpoint(request: Request) -> HTTPResponse:
            if self.unconfigured:
                return self.unconfigured.refusal()
            if not self._authorised(request):
                logger.warning("Staff endpoint: refused a call without the staff token")
                return Refused(403, "Wrong or missing staff token.", "Jeton du personnel absent ou erroné.").answer()
            try:
                payload = json_body(request.body)
                if not isinstance(payload, dict):
                    raise MalformedBody()
                return response.json(await handle(request, payload))
            except MalformedBody:
                return Refused(400, "The body must be a JSON object.", "Le corps doit être un objet JSON.").answer()
            except Refused as refused:
                return refused.answer()

        return endpoint

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        staff = Blueprint("staff_endpoint", __name__)
        staff.add_route(self._endpoint(self._reply), "/reply", methods=["POST"], name="reply")
        staff.add_route(self._endpoint(self._take_over), "/takeover", methods=["POST"], name="takeover")
        staff.add_route(self._endpoint(self._hand_back), "/handback", methods=["POST"], name="handback")
        staff.add_route(self._endpoint(_moderate), "/moderate", methods=["POST"], name="moderate")
        return staff

    async def _reply(self, request: Request, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Sends the reply through the resident's channel, then keeps it in the conversation (redacted by the store)
        with who sent it, when, and whether it was delivered; the staff member then holds the conversation, unless
        they hand it back with this reply."""
        conversation, staff_name = _conversation_and_staff(payload)
        text = _text_field(payload, "text", MAX_STAFF_REPLY_CHARACTERS)
        agent, store = _store_and_agent(request)
        stored = await _existing(agent, conversation)
        language = stored.get_slot(LANGUAGE_SLOT)
        deliveries = StaffDeliveries.of(request.app)
        channel = deliveries.channel_for(conversation)
        outcome, reason = STORED_FOR_POLLING, None
        if channel is not None:
            delivery = await deliveries.deliver(staff_reply(conversation, text, stored))
            outcome, reason = (SENT if delivery.delivered else NOT_DELIVERED), delivery.reason
        record = {"by": staff_name, "at": time.time(), "delivered": outcome == SENT, "channel": channel or "rest"}
        if reason:
            record["reason"] = reason
        async with agent.lock_store.lock(conversation):
            tracker = await _existing(agent, conversation)
            tracker.update(BotUttered(text, metadata={STAFF_REPLY_KEY: record}))
            await agent.processor.save_tracker(tracker)
        if payload.get("hand_back") is True:
            takeover.hand_back(store.engine, conversation)
            held = None
        else:
            held = takeover.take_over(store.engine, conversation, staff_name)
        answer = {"outcome": outcome, "channel": channel or "rest", "language": language, **held_answer(held)}
        return {**answer, "reason": reason} if reason else answer

    async def _take_over(self, request: Request, payload: Mapping[str, Any]) -> dict[str, Any]:
        conversation, staff_name = _conversation_and_staff(payload)
        agent, store = _store_and_agent(request)
        await _existing(agent, conversation)
        return held_answer(takeover.take_over(store.engine, conversation, staff_name))

    async def _hand_back(self, request: Request, payload: Mapping[str, Any]) -> dict[str, Any]:
        conversation, _staff_name = _conversation_and_staff(payload)
        _agent, store = _store_and_agent(request)
        return {"handed_back": takeover.hand_back(store.engine, conversation), "held_by": None}


def _platform_id(payload: Mapping[str, Any], key: str, required: bool = True) -> str | None:
    """An id the platform gave (digits, `<post>_<comment>`): it goes into an API path."""
    value = payload.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > 100 or not GRAPH_ID.fullmatch(value):
        raise Refused(400, f'"{key}" must be a platform id.', f"« {key} » doit être un identifiant de plateforme.")
    return value


async def _moderate(request: Request, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Hides, unhides, deletes a comment or bans its author on its platform; the platform's answer (or problem)."""
    _text_field(payload, "staff", MAX_STAFF_NAME_CHARACTERS)
    action, platform = payload.get("action"), payload.get("platform")
    if action not in ACTIONS:
        raise Refused(400, f'"action" must be one of {ACTIONS}.', f"« action » doit être l'une de {ACTIONS}.")
    moderate = moderators(request.app).get(str(platform))
    if moderate is None:
        raise Refused(503, "That platform is not connected.", "Cette plateforme n'est pas branchée.")
    target = ModerationTarget(
        str(_platform_id(payload, "comment_id")),
        _platform_id(payload, "post_id", required=False),
        _platform_id(payload, "author_id", required=False),
    )
    outcome = await moderate(str(action), target)
    return {"ok": outcome.ok, "answer": outcome.value, "problem": outcome.problem, "attempts": outcome.attempts}
