"""The X (Twitter) channel: Account Activity webhooks in, API v2 direct messages and public replies out.

Referenced in credentials.yml (`pointe_claire.channels.x.XInput`), which names the environment variables that
hold the keys. Routes: GET /webhooks/x/webhook answers X's CRC challenge; POST /webhooks/x/webhook takes events
signed by X (`x-twitter-webhooks-signature`), answers 200 at once and replies in the background, since X waits
only a few seconds. Direct messages are answered by direct message; mentions publicly, within 280 characters, or
by direct message when the answer involves personal information (`pointe_claire.channels.public_reply`), with the
emergency numbers in public for an emergency, and a public fallback when X refuses the direct message. The first
public reply to a resident starts with the bot disclosure (`collected_turn` tells whether it is the first). Staff
hide and unhide replies under the City's posts (`moderators`), and moderation.yml may hide them automatically.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from pointe_claire.alerts import active, notice
from pointe_claire.channels.auto_hide import hide_if_turned_on
from pointe_claire.channels.collected_turn import collected_turn
from pointe_claire.channels.conversation_ids import X, raw_id
from pointe_claire.channels.env_settings import Unconfigured, from_environment, keys_from_environment, platform_webhook
from pointe_claire.channels.moderators import ModerationTarget, offer_moderation, refused
from pointe_claire.channels.public_reply import PARAGRAPH, plan_public_answer
from pointe_claire.channels.reply_guard import GuardedTurns
from pointe_claire.channels.retries import Outcome, RetryPolicy
from pointe_claire.channels.seen_events import SeenEvents
from pointe_claire.channels.staff_delivery import StaffReply, offer_delivery
from pointe_claire.channels.untrusted_input import MalformedBody, json_body, signature_matches, signature_refusal
from pointe_claire.channels.x_api import DEFAULT_API_BASE_URL, XApi, XKeys
from pointe_claire.channels.x_events import DIRECT, XMessage, messages_to_answer
from pointe_claire.moderation_names import HIDE, UNHIDE
from pointe_claire.names import ALERTS_KEY, LANGUAGES, PRIVATE, PUBLIC, PUBLIC_COMMENT_KEY, X_VISIBILITY_KEY
from pointe_claire.text_normalization import resident_text

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
# Environment variables read when credentials.yml does not name others (`<setting>_env: NAME`).
DEFAULT_VARIABLES = {
    "consumer_key": "X_CONSUMER_KEY",
    "consumer_secret": "X_CONSUMER_SECRET",
    "access_token": "X_ACCESS_TOKEN",
    "access_token_secret": "X_ACCESS_TOKEN_SECRET",
    "account_id": "X_ACCOUNT_ID",
}
# What X's CRC tokens look like: a short string of base64 characters. The CRC answer is the very signature that
# authenticates a delivery, so it is given only for strings no delivery body can be (a JSON body starts with "{"):
# otherwise anyone could have a forged body signed here, then post it as X.
CRC_TOKEN = re.compile(r"[A-Za-z0-9+/_=-]{1,128}")


def signature(consumer_secret: str, payload: bytes) -> str:
    """`sha256=<base64 HMAC-SHA256>` of `payload` under the app's consumer secret: X's CRC answer and signature."""
    digest = hmac.new(consumer_secret.encode("utf-8"), payload, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


def _metadata(message: XMessage) -> dict[str, Any]:
    """Where the message was written; for a public post, what the moderation queue needs."""
    if message.kind == DIRECT:
        return {"channel": X, X_VISIBILITY_KEY: PRIVATE}
    return {"channel": X, X_VISIBILITY_KEY: PUBLIC, PUBLIC_COMMENT_KEY: message.record()}


def _alert_short_forms(tracker: DialogueStateTracker | None) -> dict[str, str] | None:
    """The short forms, by language, of the running alerts the resident's post matched (the reply generator leaves
    them out of a public post's answer: they go in whole, within the length limit)."""
    message = tracker.latest_message if tracker else None
    alerts = active.recent((message.parse_data or {}).get(ALERTS_KEY)) if message else []
    return {code: notice.short(alerts, code) for code in LANGUAGES} if alerts else None


class XInput(InputChannel):
    """Webhook for the City's X account (Account Activity API)."""

    @classmethod
    def name(cls) -> str:
        return "x"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        values, missing = keys_from_environment(credentials, DEFAULT_VARIABLES)
        base_url = from_environment(credentials, "api_base_url", "X_API_BASE_URL") or DEFAULT_API_BASE_URL
        ignored = {str(i) for i in credentials.get("ignored_account_ids") or ()}
        ignored |= {
            i.strip()
            for i in from_environment(credentials, "ignored_account_ids", "X_IGNORED_ACCOUNT_IDS").split(",")
            if i.strip()
        }
        channel = cls(values, base_url, frozenset(ignored), RetryPolicy.from_credentials(credentials), missing)
        channel.moderation_file = from_environment(credentials, "moderation_file", "MODERATION_FILE") or None
        return channel

    def __init__(
        self,
        values: Mapping[str, str],
        api_base_url: str = DEFAULT_API_BASE_URL,
        ignored_accounts: frozenset[str] = frozenset(),
        retry: RetryPolicy | None = None,
        missing: list[str] | None = None,
    ) -> None:
        self.consumer_secret = values.get("consumer_secret", "")
        self.account_id = values.get("account_id", "")
        self.ignored_accounts = ignored_accounts
        self.unconfigured = Unconfigured(self.name(), missing or [])
        keys = XKeys(
            values.get("consumer_key", ""),
            self.consumer_secret,
            values.get("access_token", ""),
            values.get("access_token_secret", ""),
        )
        self.api = XApi(keys, api_base_url, retry)
        self._seen = SeenEvents.for_channel(self.name())
        self._tasks: set[asyncio.Task[None]] = set()
        self.moderation_file: str | None = None  # moderation.yml at the project's root unless named

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook, turns = platform_webhook("x_webhook", self.unconfigured, on_new_message)
        offer_delivery(webhook, self.name(), self._staff_delivery)
        if not self.unconfigured:
            offer_moderation(webhook, X, self._moderate)

        @webhook.route("/webhook", methods=["GET"])
        async def challenge(request: Request) -> HTTPResponse:
            if self.unconfigured:
                return self.unconfigured.refusal()
            token = request.args.get("crc_token")
            if not token:
                return response.json(
                    {"status": 400, "error": "crc_token is missing.", "error_fr": "crc_token est absent."}, status=400
                )
            if not CRC_TOKEN.fullmatch(token):
                logger.warning("X webhook: refused a CRC challenge whose token is not shaped as X's")
                return response.json(
                    {
                        "status": 400,
                        "error": "crc_token must be at most 128 base64 characters.",
                        "error_fr": "crc_token doit compter au plus 128 caractères base64.",
                    },
                    status=400,
                )
            return response.json({"response_token": signature(self.consumer_secret, token.encode("utf-8"))})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.unconfigured:
                return self.unconfigured.refusal()
            given = request.headers.get(SIGNATURE_HEADER, "")
            if not signature_matches(given, signature(self.consumer_secret, request.body)):
                logger.warning("X webhook: refused a POST whose signature is missing or wrong")
                return signature_refusal()
            try:
                payload = json_body(request.body)
            except MalformedBody:
                return response.json(
                    {"status": 400, "error": "The body must be JSON.", "error_fr": "Le corps doit être du JSON."},
                    status=400,
                )
            messages = [
                m
                for m in messages_to_answer(payload, self.account_id, self.ignored_accounts)
                if await asyncio.to_thread(self._seen.first_time, m.event_id)  # Redis, when shared, off the loop
            ]
            if messages:
                task = asyncio.create_task(self._answer_all(messages, turns, request.app.ctx.agent))
                self._tasks.add(task)  # a reference, so the task is not collected before it finishes
                task.add_done_callback(self._tasks.discard)
            return response.json({"status": "ok"})

        return webhook

    async def _staff_delivery(self, reply: StaffReply) -> bool:
        """A staff member's reply, by direct message, for a public conversation too: a person's follow-up may hold
        what is not for a public thread."""
        user_id = raw_id(X, reply.conversation).rpartition(":")[2]
        return not self.unconfigured and user_id.isdigit() and await self.api.send_direct_message(user_id, reply.text)

    async def _answer_all(self, messages: list[XMessage], turns: GuardedTurns, agent: Agent) -> None:
        for message in messages:
            try:
                await self._answer(message, turns, agent)
            except Exception:  # one bad event must not stop the others, nor reach Sanic
                logger.exception("X: could not answer event %s", message.event_id)

    async def _answer(self, message: XMessage, turns: GuardedTurns, agent: Agent) -> None:
        # Through the guard: with no reply, an error, PostgreSQL or Redis unreachable, the resident still gets the
        # emergency numbers.
        turn = await collected_turn(
            turns,
            agent,
            UserMessage(
                resident_text(message.text),
                None,
                message.conversation_id,
                input_channel=self.name(),
                metadata=_metadata(message),
            ),
            read_back=message.kind != DIRECT,
        )
        answers = turn.collector.answers
        if not answers:
            return
        if message.kind == DIRECT:
            await self.api.send_direct_message(message.user_id, PARAGRAPH.join(answers))
            return
        plan = plan_public_answer(
            message.text,
            answers,
            turn.collector.responses,
            turn.language,
            emergency=turn.emergency,
            parts=turn.collector.bilingual_parts,
            alert=_alert_short_forms(turn.tracker),
            first_reply=turn.first_reply,
        )
        last = await self._thread(str(message.tweet_id), plan.public)
        if plan.direct and not await self.api.send_direct_message(message.user_id, plan.direct):
            await self._thread(last or str(message.tweet_id), plan.if_direct_refused)
        if message.answers_the_city and message.tweet_id:
            tweet_id = message.tweet_id
            await hide_if_turned_on(
                turn, X, tweet_id, lambda: self.api.hide_reply(tweet_id), agent, self.moderation_file
            )

    async def _thread(self, in_reply_to: str, posts: tuple[str, ...]) -> str | None:
        """Posts `posts` as a thread under `in_reply_to`, each answering the one before; the id to answer next
        (None once X refused one)."""
        last: str | None = in_reply_to
        for post in posts:
            last = await self.api.reply_publicly(last, post) if last else None
        return last

    async def _moderate(self, action: str, target: ModerationTarget) -> Outcome:
        """Staff's hide and unhide (X has no delete or block of another's post for the City's app)."""
        if action not in (HIDE, UNHIDE) or not target.comment_id.isdigit():
            return refused(f"{action} is not possible on X")
        return await self.api.hide_reply(target.comment_id, action == HIDE)

    def get_output_channel(self) -> None:
        # Answers go out only as replies to what residents wrote: no proactive messages through this channel.
        return None
