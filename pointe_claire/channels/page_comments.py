"""Answers residents' comments on the City's Facebook Page posts: the `feed` field of the Page webhook, which Meta
delivers to the Messenger webhook (`facebook`, which checks the signature and hands each delivery here).

Each new comment (`feed_events`) is answered once (`seen_events`, keyed by comment id), in the background (Meta
waits only a few seconds for its 200), through the reply guard like every message, in the conversation of its
thread (`facebook_comments:<top-level comment id>`). What the City says in public and in private is decided by
`comment_reply`; the calls are `graph_comments`. A reply the Graph API would not take after its retries is shown
to staff (`delivery_flags`). A comment breaking a rule staff turned on in moderation.yml is then hidden
(`auto_hide`). The stored message keeps what the moderation queue needs (names.PUBLIC_COMMENT_KEY;
its netiquette rule is in its parse data, as for every message).

A staff member's reply from the review app (`staff_delivery`) goes where the assistant's would, by the same privacy
rule (`public_reply.involves_personal_information`, on the reply's words): in public under the thread, or, when it
holds personal information, as Facebook's private reply to the resident's last comment and nothing in public.
Facebook takes one private reply per comment, within 7 days of it: past that (the assistant's clock) or when Meta
says one was sent already (the assistant's own, say), the reply is refused for staff to see why
(PRIVATE_REPLY_UNAVAILABLE).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint

from pointe_claire import clock
from pointe_claire.channels.auto_hide import hide_if_turned_on
from pointe_claire.channels.collected_turn import collected_turn
from pointe_claire.channels.comment_reply import plan_comment_answer
from pointe_claire.channels.conversation_ids import FACEBOOK_COMMENTS, raw_id
from pointe_claire.channels.delivery_flags import flag_not_delivered
from pointe_claire.channels.feed_events import GRAPH_ID, PLATFORM, PageComment, comments_to_answer
from pointe_claire.channels.graph_comments import GraphComments, private_reply_gone
from pointe_claire.channels.graph_moderation import GraphModeration
from pointe_claire.channels.public_reply import involves_personal_information
from pointe_claire.channels.reply_guard import GuardedTurns
from pointe_claire.channels.retries import Outcome
from pointe_claire.channels.seen_events import SeenEvents
from pointe_claire.channels.staff_delivery import StaffReply, Undeliverable, offer_delivery
from pointe_claire.names import PUBLIC_COMMENT_KEY
from pointe_claire.text_normalization import resident_text

logger = logging.getLogger(__name__)

# Facebook's private reply to a comment: one, within 7 days of the comment.
PRIVATE_REPLY_WINDOW = timedelta(days=7)
# Why a staff reply with personal information was not sent (review/i18n.py `reply_reason_<reason>`).
PRIVATE_REPLY_UNAVAILABLE = "private_reply_unavailable"


def _graph_id(value: Any) -> str | None:
    return value if isinstance(value, str) and GRAPH_ID.fullmatch(value) else None


def private_reply_target(metadata: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """The Page and the comment a private reply answers: the comment of the resident's last message (its stored
    record), on the Page whose post it is (a Page post's id is `<page id>_<post>`); None when it cannot be told."""
    record = (metadata or {}).get(PUBLIC_COMMENT_KEY)
    if not isinstance(record, Mapping):
        return None
    comment_id, post_id = _graph_id(record.get("comment_id")), _graph_id(record.get("post_id"))
    if comment_id is None or post_id is None or "_" not in post_id:
        return None
    return post_id.partition("_")[0], comment_id


def private_reply_open(comment_at: float | None, now: datetime) -> bool:
    """Facebook still takes a private reply to a comment written at `comment_at` (epoch seconds)."""
    return comment_at is not None and now - datetime.fromtimestamp(comment_at, timezone.utc) <= PRIVATE_REPLY_WINDOW


class PageComments:
    """The comments side of the Facebook connector."""

    def __init__(self, graph: GraphComments, seen: SeenEvents | None = None, moderation_file: str = "") -> None:
        self.graph = graph
        self.moderation = GraphModeration(graph)
        self.moderation_file = moderation_file or None  # moderation.yml at the project's root unless named
        self._seen = seen or SeenEvents.for_channel(FACEBOOK_COMMENTS)
        self._tasks: set[asyncio.Task[None]] = set()

    def offer_staff_delivery(self, blueprint: Blueprint) -> None:
        """Staff replies to comment threads sent by this channel once the server serving `blueprint` starts."""
        offer_delivery(blueprint, FACEBOOK_COMMENTS, self.deliver_staff_reply)

    async def deliver_staff_reply(self, reply: StaffReply) -> bool:
        """In public under the thread, or (personal information) as the private reply to the resident's last
        comment; True once Meta took it, Undeliverable when Facebook no longer allows the private reply."""
        if not involves_personal_information("", reply.text, ()):
            thread_id = _graph_id(raw_id(FACEBOOK_COMMENTS, reply.conversation))  # it goes into the API's path
            return thread_id is not None and (await self._post_under_thread(thread_id, reply.text)).ok
        target = private_reply_target(reply.resident_metadata)
        if target is None or not private_reply_open(reply.resident_wrote_at, clock.now()):
            raise Undeliverable(PRIVATE_REPLY_UNAVAILABLE)
        sent = await self.graph.reply_privately(*target, reply.text)
        if private_reply_gone(sent):
            raise Undeliverable(PRIVATE_REPLY_UNAVAILABLE)
        return sent.ok

    async def take(self, payload: object, turns: GuardedTurns, agent: Agent | None) -> int:
        """Starts answering the delivery's new comments; returns how many (a repeated delivery: 0)."""
        comments = [
            comment
            for comment in comments_to_answer(payload)
            if await asyncio.to_thread(self._seen.first_time, comment.comment_id)  # Redis, when shared, off the loop
        ]
        if comments:
            task = asyncio.create_task(self._answer_all(comments, turns, agent))
            self._tasks.add(task)  # a reference, so the task is not collected before it finishes
            task.add_done_callback(self._tasks.discard)
        return len(comments)

    async def _answer_all(self, comments: list[PageComment], turns: GuardedTurns, agent: Agent | None) -> None:
        for comment in comments:
            try:
                await self._answer(comment, turns, agent)
            except Exception:  # one bad comment must not stop the others
                logger.exception("Facebook comments: could not answer comment %s", comment.comment_id)

    async def _answer(self, comment: PageComment, turns: GuardedTurns, agent: Agent | None) -> None:
        conversation = comment.conversation_id
        message = UserMessage(
            resident_text(comment.text),
            None,
            conversation,
            input_channel=FACEBOOK_COMMENTS,
            message_id=comment.comment_id,
            metadata={"channel": FACEBOOK_COMMENTS, PUBLIC_COMMENT_KEY: comment.record()},
        )
        # Through the guard: with no reply, an error, PostgreSQL or Redis unreachable, the resident still gets the
        # emergency numbers, in public.
        turn = await collected_turn(turns, agent, message)
        if not turn.collector.answers:
            return  # a staff member holds the thread
        plan = plan_comment_answer(
            comment.text,
            turn.collector.answers,
            turn.collector.responses,
            turn.language,
            emergency=turn.emergency,
            first_reply=turn.first_reply,
        )
        problems: list[str] = []
        # Public first: an emergency's numbers go out at once, before the private reply and its retries.
        await self._reply_publicly(comment, plan.public, problems)
        if plan.private:
            sent = await self.graph.reply_privately(comment.page_id, comment.comment_id, plan.private)
            if not sent.ok:
                problems.append(f"private reply: {sent.problem}")
                if plan.if_private_refused:
                    await self._reply_publicly(comment, plan.if_private_refused, problems)
        if problems:
            await flag_not_delivered(agent, conversation, "; ".join(problems))
        await hide_if_turned_on(
            turn,
            PLATFORM,
            comment.comment_id,
            lambda: self.moderation.hide(comment.comment_id),
            agent,
            self.moderation_file,
        )

    async def _reply_publicly(self, comment: PageComment, text: str, problems: list[str]) -> None:
        posted = await self._post_under_thread(comment.thread_id, text)
        if not posted.ok:
            problems.append(f"public reply: {posted.problem}")

    async def _post_under_thread(self, thread_id: str, text: str) -> Outcome:
        # Under the thread's top-level comment: Facebook threads are one level deep.
        posted = await self.graph.reply_publicly(thread_id, text)
        if posted.value and isinstance(posted.value.get("id"), str):
            # Its delivery comes back from the Page: never answered, even if Meta left out who wrote it.
            await asyncio.to_thread(self._seen.first_time, posted.value["id"])
        return posted
