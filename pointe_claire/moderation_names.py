"""Names of comment moderation shared by the assistant (its staff endpoint, automatic hiding) and the review app
(the moderation queue): the actions, the staff endpoint's path, the kind of the record automatic hiding leaves.

A module of its own rather than pointe_claire/names.py, which feeds the trained model's fingerprint.
"""

from __future__ import annotations

HIDE, UNHIDE, DELETE, BAN = "hide", "unhide", "delete", "ban"
ACTIONS = (HIDE, UNHIDE, DELETE, BAN)
NEEDS_A_REASON = frozenset({DELETE, BAN})  # irreversible or about a person: never without a reason
ADMIN_ONLY = frozenset({BAN})

FACEBOOK, X = "facebook", "x"  # the `platform` of a stored public comment (names.PUBLIC_COMMENT_KEY)

# POST {"platform", "action", "comment_id", "post_id"?, "author_id"?, "staff"} with ASSISTANT_STAFF_TOKEN.
STAFF_MODERATE_PATH = "/webhooks/staff/moderate"

# Kind of a `flags` record the assistant adds when it hid a comment by itself (moderation.yml `auto_hide`):
# {"kind", "platform", "comment_id", "rule", "hidden": whether the platform took it, "problem"?, "at": ISO 8601}.
AUTO_HIDDEN = "auto_hidden"
# In a public comment record (names.PUBLIC_COMMENT_KEY) of X: the post answers one of the City's own posts, so the
# City may hide it (X hides only replies in conversations the account started).
HIDEABLE_KEY = "hideable"
