"""Moderation of comments on the City's Facebook Page through the Graph API, as the Page: hide or unhide
(POST /{comment-id} is_hidden), delete (DELETE /{comment-id}), and block the author from the Page
(POST /{page-id}/blocked user=<id>). Retried as the replies are (`graph_comments`).

Registered by the Facebook connector for the staff endpoint (`moderators`), and used by automatic hiding.
"""

from __future__ import annotations

from pointe_claire.channels.graph_comments import GraphComments
from pointe_claire.channels.moderators import ModerationTarget, refused
from pointe_claire.channels.retries import Outcome
from pointe_claire.moderation_names import BAN, DELETE, HIDE, UNHIDE


def page_of(post_id: str | None) -> str | None:
    """The Page's id, the first part of a Page post's id (`<page id>_<post id>`)."""
    page, separator, _ = (post_id or "").partition("_")
    return page if separator and page.isdigit() else None


class GraphModeration:
    def __init__(self, graph: GraphComments) -> None:
        self.graph = graph

    async def hide(self, comment_id: str, hidden: bool = True) -> Outcome:
        return await self.graph.call("POST", f"/{comment_id}", {"is_hidden": hidden}, "hide" if hidden else "unhide")

    async def __call__(self, action: str, target: ModerationTarget) -> Outcome:
        if action in (HIDE, UNHIDE):
            return await self.hide(target.comment_id, action == HIDE)
        if action == DELETE:
            return await self.graph.call("DELETE", f"/{target.comment_id}", None, "delete")
        page = page_of(target.post_id)
        if action == BAN and page and target.author_id:
            return await self.graph.call("POST", f"/{page}/blocked", {"user": target.author_id}, "block")
        return refused(f"{action} is not possible for this comment")
