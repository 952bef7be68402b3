"""Decides what the City may say in public on X and fits it in one post of 280 characters.

Called by the X connector (`pointe_claire.channels.x`) for mentions and replies to the City's posts. The policy's
privacy section: a public answer never holds personal information, so an answer that would echo or ask for it
goes by direct message, and the public reply only says so. Texts: lexicons/channel_texts.yml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pointe_claire.city_facts import LANGUAGES, PROJECT_ROOT, URL_PATTERN, cached_city_facts, contacts_in_text
from pointe_claire.language import LanguageIdentifier, default_identifier
from pointe_claire.redaction import Redactor, default_redactor

DEFAULT_TEXTS_PATH = PROJECT_ROOT / "lexicons" / "channel_texts.yml"
POST_LIMIT = 280
# X counts every web address as 23 characters (t.co), whatever its length.
URL_WEIGHT = 23
PARAGRAPH = "\n\n"
ELLIPSIS = "…"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# X's weighted count: these code points count 1, every other (CJK, emoji…) counts 2.
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def _weight(character: str) -> int:
    code = ord(character)
    return 1 if any(low <= code <= high for low, high in _LIGHT_RANGES) else 2


def weighted_length(text: str) -> int:
    """The length X counts for a post: URLs 23, wide characters and emoji 2, others 1."""
    total, position = 0, 0
    for match in URL_PATTERN.finditer(text):
        total += sum(_weight(c) for c in text[position : match.start()]) + URL_WEIGHT
        position = match.end()
    return total + sum(_weight(c) for c in text[position:])


@dataclass(frozen=True)
class ChannelTexts:
    """lexicons/channel_texts.yml, with the facts of city_facts.yml filled in."""

    moved_to_direct_message: Mapping[str, str]
    more: Mapping[str, str]
    direct_message_responses: frozenset[str]
    thanks_for_like: Mapping[str, str]
    attachment_not_opened: Mapping[str, str]
    location_received: Mapping[str, str]

    @classmethod
    def load(cls, path: Path | str = DEFAULT_TEXTS_PATH) -> ChannelTexts:
        raw: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        variables = cached_city_facts().variables

        def bilingual(key: str) -> dict[str, str]:
            texts = raw.get(key) or {}
            missing = [language for language in LANGUAGES if not str(texts.get(language) or "").strip()]
            if missing:
                raise ValueError(f"{path}: '{key}' needs a text in {', '.join(missing)}")
            return {language: str(texts[language]).format(**variables) for language in LANGUAGES}

        return cls(
            moved_to_direct_message=bilingual("moved_to_direct_message"),
            more=bilingual("more_by_phone_or_web"),
            direct_message_responses=frozenset(str(name) for name in raw.get("direct_message_responses") or ()),
            thanks_for_like=bilingual("thanks_for_like"),
            attachment_not_opened=bilingual("attachment_not_opened"),
            location_received=bilingual("location_received"),
        )

    def in_language(self, texts: Mapping[str, str], language: str | None) -> str:
        """The text in the resident's language, or both (French first) while it is not known."""
        if language in LANGUAGES:
            return texts[str(language)]
        return PARAGRAPH.join(texts[code] for code in LANGUAGES)


@lru_cache(maxsize=1)
def default_texts() -> ChannelTexts:
    return ChannelTexts.load()


def _cut_to(text: str, budget: int) -> str:
    """The longest run of whole words of `text` that fits `budget` with an ellipsis."""
    if weighted_length(text) <= budget:
        return text
    words, kept = text.split(" "), ""
    for word in words:
        candidate = f"{kept} {word}" if kept else word
        if weighted_length(candidate + ELLIPSIS) > budget:
            break
        kept = candidate
    return kept.rstrip(" ,;:") + ELLIPSIS


def _sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph; a fact that holds sentence punctuation ("Voilà! Signalement") stays whole."""
    protected = {
        value: f"\ue001{index}\ue001"
        for index, value in enumerate(cached_city_facts().variables.values())
        if _SENTENCE_END.search(str(value))
    }
    for value, token in protected.items():
        paragraph = paragraph.replace(value, token)
    sentences = _SENTENCE_END.split(paragraph.strip())
    for value, token in protected.items():
        sentences = [sentence.replace(token, value) for sentence in sentences]
    return [sentence for sentence in sentences if sentence]


def shorten_for_post(text: str, more: str, limit: int = POST_LIMIT) -> str:
    """`text` itself when it fits; else as many of its sentences as fit, in their order, chosen first sentence of
    each paragraph first (it carries the answer, and an emergency number first), then sentences giving a contact
    (phone, e-mail, link), then the rest; followed by `more` unless its links are already there. Whole words only,
    cut with an ellipsis if even the first sentences do not fit."""
    text = text.strip()
    if weighted_length(text) <= limit:
        return text
    paragraphs = [_sentences(part) for part in text.split(PARAGRAPH) if part.strip()]
    firsts = [sentences[0] for sentences in paragraphs]
    links = URL_PATTERN.findall(more)
    ending = f"{PARAGRAPH}{more}" if more and not all(link in text for link in links) else ""

    def render(chosen: set[tuple[int, int]]) -> str:
        parts = [
            " ".join(s for j, s in enumerate(sentences) if (i, j) in chosen) for i, sentences in enumerate(paragraphs)
        ]
        short = PARAGRAPH.join(part for part in parts if part)
        return short + (ending if ending and not all(link in short for link in links) else "")

    chosen = {(i, 0) for i in range(len(paragraphs))}
    if weighted_length(render(chosen)) > limit:
        budget = (limit - weighted_length(ending) - len(PARAGRAPH) * (len(firsts) - 1)) // len(firsts)
        return PARAGRAPH.join(_cut_to(first, budget) for first in firsts) + ending
    rest = [(i, j) for i, sentences in enumerate(paragraphs) for j in range(1, len(sentences))]
    rest.sort(key=lambda key: not contacts_in_text(paragraphs[key[0]][key[1]]))  # stable: contacts first
    for key in rest:
        if weighted_length(render(chosen | {key})) <= limit:
            chosen.add(key)
    return render(chosen)


@dataclass(frozen=True)
class XReplies:
    """What to post for one public message: the public reply (a thread of two posts, French then English, when
    the resident's language is not known and both do not fit in one), and the direct message that follows, if any."""

    public: tuple[str, ...]
    direct: str | None


def _by_language(answers: list[str], identifier: LanguageIdentifier) -> dict[str, str]:
    """A bilingual answer's French and English paragraphs, each group in its order; {} unless every paragraph is
    surely French or English and both languages are there."""
    paragraphs = [part.strip() for answer in answers for part in answer.split(PARAGRAPH) if part.strip()]
    languages = [identifier.identify(paragraph).language for paragraph in paragraphs]
    if set(languages) != set(LANGUAGES):
        return {}
    return {
        code: PARAGRAPH.join(p for p, found in zip(paragraphs, languages, strict=True) if found == code)
        for code in LANGUAGES
    }


def plan_public_answer(
    resident_text: str,
    answers: Iterable[str],
    responses: Iterable[str],
    language: str | None,
    texts: ChannelTexts | None = None,
    redactor: Redactor | None = None,
    identifier: LanguageIdentifier | None = None,
) -> XReplies:
    """Public reply and direct message for a mention: the answer moves to a direct message when the resident's
    post or the answer holds personal information, or the answer is one that asks for personal details."""
    texts = texts or default_texts()
    redactor = redactor or default_redactor()
    answers = [answer.strip() for answer in answers if answer and answer.strip()]
    full = PARAGRAPH.join(answers)
    private = (
        redactor.redact(resident_text).found_any
        or redactor.redact(full).found_any
        or bool(texts.direct_message_responses.intersection(responses))
    )
    if private:
        return XReplies(public=(texts.in_language(texts.moved_to_direct_message, language),), direct=full or None)
    halves: dict[str, str] = {}
    if language not in LANGUAGES and weighted_length(full) > POST_LIMIT:
        halves = _by_language(answers, identifier or default_identifier())
    if halves:
        return XReplies(tuple(shorten_for_post(halves[code], texts.more[code]) for code in LANGUAGES), direct=None)
    return XReplies(public=(shorten_for_post(full, texts.in_language(texts.more, language)),), direct=None)
