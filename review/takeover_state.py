"""Whether a staff member holds a conversation (the assistant silent in it), as the transcript page and the reply
routes read it: from the assistant's own database (`pointe_claire.takeover`), through the read-only tracker engine.
"""

from __future__ import annotations

import logging

from pointe_claire import takeover
from review import auth
from review.web import Site

logger = logging.getLogger(__name__)

TAKEOVER_UNKNOWN = "unknown"


def current_takeover(site: Site, sender_id: str) -> takeover.TakeOver | str | None:
    """The running take-over, None, or TAKEOVER_UNKNOWN when it cannot be read (the tracker store down): the page
    says so instead of failing."""
    try:
        return takeover.held(site.tracker, sender_id)
    except Exception as error:
        logger.warning("Could not read the take-over of %s: %s", sender_id, type(error).__name__)
        return TAKEOVER_UNKNOWN


def held_by_colleague(site: Site, sender_id: str, user: auth.User) -> bool:
    """A colleague's running take-over, which only they or an administrator may reply in or end."""
    held = current_takeover(site, sender_id)
    return isinstance(held, takeover.TakeOver) and held.held_by != user.name and not user.is_admin
