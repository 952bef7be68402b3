"""Decides what the City says under a comment on its Facebook Page, and what it sends in private instead.

Called by `page_comments`. The same privacy rule as X's public replies (`public_reply.involves_personal_information`):
personal information in the comment or the answer sends the answer as Facebook's private reply, and the public reply
only says a private message was sent. An emergency's public reply always gives the emergency numbers. The first
reply in a thread starts with the bot disclosure. No length limit to fit (a comment takes 8,000 characters).
Texts: lexicons/channel_texts.yml.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pointe_claire.channels.public_reply import (
    PARAGRAPH,
    ChannelTexts,
    default_texts,
    involves_personal_information,
    joined,
)
from pointe_claire.redaction import Redactor


@dataclass(frozen=True)
class CommentReplies:
    """The public reply under the comment; the private reply, if any; and the public reply to add when Facebook
    refuses the private one (already sent, too late, the author cannot be reached)."""

    public: str
    private: str | None = None
    if_private_refused: str | None = None


def plan_comment_answer(
    resident_text: str,
    answers: Iterable[str],
    responses: Iterable[str],
    language: str | None,
    emergency: bool = False,
    first_reply: bool = False,
    texts: ChannelTexts | None = None,
    redactor: Redactor | None = None,
) -> CommentReplies:
    """The replies to one comment, in the resident's language (both, French first, while it is not known). The
    disclosure comes first, but after the answer for an emergency: nothing before the numbers."""
    texts = texts or default_texts()
    full = joined(answers)
    disclosure = [texts.in_language(texts.automated_assistant, language)] if first_reply else []

    def disclosed(text: str) -> str:
        return PARAGRAPH.join([text, *disclosure] if emergency else [*disclosure, text])

    if not involves_personal_information(resident_text, full, responses, texts, redactor):
        return CommentReplies(disclosed(full))
    first = (texts.emergency_numbers,) if emergency else ()
    notice = texts.together(*first, texts.moved_to_private_message, language=language)
    return CommentReplies(
        public=disclosed(notice),
        private=full or None,
        if_private_refused=texts.in_language(texts.private_message_refused, language),
    )
