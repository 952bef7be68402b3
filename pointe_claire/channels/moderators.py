"""How the staff endpoint reaches each platform's moderation calls (hide, unhide, delete, ban): each channel that
can moderate registers its way here when the server starts, as channels register their staff-reply delivery
(`staff_delivery`); the staff endpoint (`pointe_claire.channels.staff`, POST /webhooks/staff/moderate) picks the
platform's. One registry per Rasa server, on `app.ctx`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sanic import Blueprint, Sanic

from pointe_claire.channels.retries import Outcome


@dataclass(frozen=True)
class ModerationTarget:
    """What the platform's call needs: the comment (or post), the post it answers, its author."""

    comment_id: str
    post_id: str | None = None
    author_id: str | None = None


# (action, target) -> the platform's last answer (retried by `retries` when it says the failure passes).
Moderate = Callable[[str, ModerationTarget], Awaitable[Outcome]]


def refused(problem: str) -> Outcome:
    """An action the platform cannot take (a ban on X, an id missing): not tried."""
    return Outcome(None, problem, 0)


def moderators(app: Sanic) -> dict[str, Moderate]:
    if getattr(app.ctx, "moderators", None) is None:
        app.ctx.moderators = {}
    found: dict[str, Moderate] = app.ctx.moderators
    return found


def offer_moderation(blueprint: Blueprint, platform: str, moderate: Moderate) -> None:
    """Registers `moderate` for `platform` when the server that serves `blueprint` starts."""

    @blueprint.listener("after_server_start")
    async def register(app: Sanic, _loop: Any) -> None:
        moderators(app)[platform] = moderate
