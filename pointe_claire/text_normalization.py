"""Small text helpers shared by the tokenizer, the language detector and the checks.

People write "probleme" for "problème" and "ALLO" for "allô": folding makes them the same word.
"""

from __future__ import annotations

import re
import unicodedata

# C0/C1 control characters except tab and newline, plus zero-width and bidirectional marks.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)


def fold(text: str) -> str:
    """Lower-cases and strips accents: "Allô Problème" -> "allo probleme"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("’", "'")


def strip_control_characters(text: str) -> str:
    """Removes characters that carry no meaning but can break logs, YAML or HTML (NUL, zero-width, bidi)."""
    return _CONTROL_CHARACTERS.sub("", text)


def words(text: str) -> list[str]:
    """The words of a text (letters only, with inner apostrophes), in order."""
    return _WORD.findall(text)
