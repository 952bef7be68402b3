"""Small text helpers shared by the tokenizer, the language detector, the checks and the input channels.

People write "probleme" for "problème" and "ALLO" for "allô": folding makes them the same word.
"""

from __future__ import annotations

import re
import unicodedata

# C0/C1 control characters except tab and newline, zero-width and bidirectional marks, and surrogates: JSON's
# "\ud800" decodes to a lone one (a valid pair decodes to one code point), which no UTF-8 encoder accepts.
_CONTROL_CHARACTERS = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ud800-\udfff]"
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
# Rasa's INTENT_MESSAGE_PREFIX, with the spaces UserMessage strips around it.
_COMMAND_PREFIX = re.compile(r"^[\s/]+")


def fold(text: str) -> str:
    """Lower-cases and strips accents: "Allô Problème" -> "allo probleme"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("’", "'")


def strip_control_characters(text: str) -> str:
    """Removes characters that carry no meaning but can break logs, YAML, HTML or UTF-8 (NUL, zero-width, bidi,
    lone surrogates)."""
    return _CONTROL_CHARACTERS.sub("", text)


# Letters that are drawn as nothing (Hangul fillers, the blank Braille pattern): used to post "empty" messages.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def has_visible_text(text: str) -> bool:
    """Whether `text` shows anything: a message of spaces, format characters (zero-width, bidi) and blank fillers
    shows nothing, and an empty bubble is no message."""
    return any(not unicodedata.category(ch).startswith(("Z", "C")) and ch not in _BLANK_LETTERS for ch in text)


def without_command_prefix(text: str) -> str:
    """`text` without the leading "/" (and spaces) that would make Rasa run it as an `/intent{"slot": "value"}`
    command, skipping NLU and setting slots. (Staff tools that need commands use Rasa's HTTP API, behind a token.)"""
    return _COMMAND_PREFIX.sub("", text)


def resident_text(raw: str) -> str:
    """What a channel hands Rasa of a resident's message: no control characters, and never a command — a
    resident's words always go through NLU. Every input channel (REST, web chat, X, Messenger) calls it."""
    return without_command_prefix(strip_control_characters(raw))


def words(text: str) -> list[str]:
    """The words of a text (letters only, with inner apostrophes), in order."""
    return _WORD.findall(text)


def hashtag_words(body: str) -> list[tuple[int, str]]:
    """The words a hashtag's body joins, each with its offset: "PotHole" -> [(0, "Pot"), (3, "Hole")],
    "hiverPC" -> hiver, PC; "PCWinter2026" -> PC, Winter, 2026; "pothole" stays one word (no dictionary here)."""
    found: list[tuple[int, str]] = []
    start = 0
    for at in range(1, len(body) + 1):
        if at == len(body) or _starts_hashtag_word(body, at):
            if body[start:at].strip("_"):
                found.append((start, body[start:at]))
            start = at
    return found


def _starts_hashtag_word(body: str, at: int) -> bool:
    before, here = body[at - 1], body[at]
    after = body[at + 1] if at + 1 < len(body) else ""
    if here == "_" or before == "_" or here.isdigit() != before.isdigit():
        return True
    if here.isupper() and before.islower():  # potHole
        return True
    return here.isupper() and before.isupper() and after.islower()  # PCWinter: "W" starts "Winter"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: text ending at ".", "!", "?" or "…" followed by a space, or at a line break."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if text[start : match.start()].strip():
            spans.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans
