"""Answers residents' comments on the City's Facebook Page posts: the `feed` field of the Page webhook, which Meta
delivers to the Messenger webhook (`facebook`, which checks the signature and hands each delivery here).

Each new comment (`feed_events`) is answered once (`seen_events`, keyed by comment id), in the background (Meta
waits only a few seconds for its 200), through the reply guard like every message, in the conversation of its
thread (`facebook_comments:<top-level comment id>`). What the City says in public and in private is decided by
`comment_reply`; the calls are `graph_comments`. A reply the Graph API would not take after its retries is shown
to staff (`delivery_flags`). A comment breaking a rule staff turned on in moderation.yml is then hidden
(`auto_hide`). The stored message keeps what the moderation queue needs (names.PUBLIC_COMMENT_KEY;
its netiquette rule is in its parse data, as for every message).
"""

from __future__ import annotations

import asyncio
import logging

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage

from pointe_claire.channels.auto_hide import hide_if_turned_on
from pointe_claire.channels.collected_turn import collected_turn
from pointe_claire.channels.comment_reply import plan_comment_answer
from pointe_claire.channels.conversation_ids import FACEBOOK_COMMENTS
from pointe_claire.channels.delivery_flags import flag_not_delivered
from pointe_claire.channels.feed_events import PLATFORM, PageComment, comments_to_answer
from pointe_claire.channels.graph_comments import GraphComments
from pointe_claire.channels.graph_moderation import GraphModeration
from pointe_claire.channels.reply_guard import GuardedTurns
from pointe_claire.channels.seen_events import SeenEvents
from pointe_claire.names import PUBLIC_COMMENT_KEY
from pointe_claire.text_normalization import resident_text

logger = logging.getLogger(__name__)


class PageComments:
    """The comments side of the Facebook connector."""

    def __init__(self, graph: GraphComments, seen: SeenEvents | None = None, moderation_file: str = "") -> None:
        self.graph = graph
        self.moderation = GraphModeration(graph)
        self.moderation_file = moderation_file or None  # moderation.yml at the project's root unless named
        self._seen = seen or SeenEvents.for_channel(FACEBOOK_COMMENTS)
        self._tasks: set[asyncio.Task[None]] = set()

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
        # Under the thread's top-level comment: Facebook threads are one level deep.
        posted = await self.graph.reply_publicly(comment.thread_id, text)
        if not posted.ok:
            problems.append(f"public reply: {posted.problem}")
        elif posted.value and isinstance(posted.value.get("id"), str):
            # Its delivery comes back from the Page: never answered, even if Meta left out who wrote it.
            await asyncio.to_thread(self._seen.first_time, posted.value["id"])
