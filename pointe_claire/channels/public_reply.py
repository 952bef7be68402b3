"""Decides what the City may say in public on X and fits it in one post of 280 characters.

Called by the X connector (`pointe_claire.channels.x`) for mentions and replies to the City's posts. The policy's
privacy section: a public answer never holds personal information, so an answer that would echo or ask for it
goes by direct message, and the public reply only says so. An emergency's public reply always gives the emergency
numbers (they are not personal information): the resident may not accept direct messages. Texts:
lexicons/channel_texts.yml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pointe_claire.city_facts import (
    EMAIL_PATTERN,
    PHONE_PATTERN,
    PROJECT_ROOT,
    URL_PATTERN,
    cached_city_facts,
    contacts_in_text,
)
from pointe_claire.names import LANGUAGES
from pointe_claire.redaction import Redactor, default_redactor

DEFAULT_TEXTS_PATH = PROJECT_ROOT / "lexicons" / "channel_texts.yml"
POST_LIMIT = 280
# X counts every web address as 23 characters (t.co), whatever its length.
URL_WEIGHT = 23
PARAGRAPH = "\n\n"
ELLIPSIS = "…"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# city_facts.yml's phones that a shortened post never drops.
EMERGENCY_PHONES = ("emergency", "municipal_emergency")
# A first sentence cut shorter than this says nothing ("Pour…"): left out instead.
MIN_LEAD_WORDS = 4
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
    emergency_numbers: Mapping[str, str]
    direct_message_refused: Mapping[str, str]
    more: Mapping[str, str]
    direct_message_responses: frozenset[str]
    thanks_for_like: Mapping[str, str]
    attachment_not_opened: Mapping[str, str]
    location_received: Mapping[str, str]
    automated_assistant: Mapping[str, str]
    moved_to_private_message: Mapping[str, str]
    private_message_refused: Mapping[str, str]

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
            emergency_numbers=bilingual("emergency_numbers"),
            direct_message_refused=bilingual("direct_message_refused"),
            more=bilingual("more_by_phone_or_web"),
            direct_message_responses=frozenset(str(name) for name in raw.get("direct_message_responses") or ()),
            thanks_for_like=bilingual("thanks_for_like"),
            attachment_not_opened=bilingual("attachment_not_opened"),
            location_received=bilingual("location_received"),
            automated_assistant=bilingual("automated_assistant"),
            moved_to_private_message=bilingual("moved_to_private_message"),
            private_message_refused=bilingual("private_message_refused"),
        )

    def in_language(self, texts: Mapping[str, str], language: str | None) -> str:
        """The text in the resident's language, or both (French first) while it is not known."""
        if language in LANGUAGES:
            return texts[str(language)]
        return PARAGRAPH.join(texts[code] for code in LANGUAGES)

    def posts(self, *parts: Mapping[str, str], language: str | None) -> tuple[str, ...]:
        """`parts` one after the other, in the resident's language; while it is not known, French then English in
        one post, or in a thread of two when both do not fit in one."""
        by_language = [" ".join(part[code] for part in parts) for code in LANGUAGES]
        both = self.together(*parts, language=language)
        if language in LANGUAGES or weighted_length(both) <= POST_LIMIT:
            return (both,)
        return tuple(by_language)

    def together(self, *parts: Mapping[str, str], language: str | None) -> str:
        """`parts` one after the other in the resident's language; while it is not known, French then English."""
        codes = (str(language),) if language in LANGUAGES else LANGUAGES
        return PARAGRAPH.join(" ".join(part[code] for part in parts) for code in codes)


@lru_cache(maxsize=1)
def default_texts() -> ChannelTexts:
    return ChannelTexts.load()


def _needed_contacts(text: str, emergency: bool) -> set[str]:
    """What a shortened post must keep: its first contact (phone, e-mail or link), the one the answer is there to
    give, and for an emergency every emergency number the text gives."""
    phones = cached_city_facts().phones
    needed = contacts_in_text(text) & {str(phones[key]) for key in EMERGENCY_PHONES if key in phones and emergency}
    found = [match for pattern in (PHONE_PATTERN, EMAIL_PATTERN, URL_PATTERN) for match in pattern.finditer(text)]
    if found:
        needed |= contacts_in_text(min(found, key=lambda match: match.start()).group())
    return needed


def _cut_to(text: str, budget: int, keep: set[str] | frozenset[str] = frozenset()) -> str | None:
    """`text` if it fits `budget`; else the longest run of its whole words from the start, with an ellipsis, that
    fits and still gives the contacts of `keep` it holds; else the words leading up to those contacts, cut in front.
    None when not even that fits."""
    if weighted_length(text) <= budget:
        return text
    words = text.split(" ")
    must = set(keep) & contacts_in_text(text)

    def cut(start: int, end: int) -> str:
        kept = " ".join(words[start:end]).rstrip(" ,;:")
        # Glued to a link, the ellipsis would become part of its address.
        tail = "" if end == len(words) else (" " if URL_PATTERN.search(words[end - 1]) else "") + ELLIPSIS
        return (ELLIPSIS if start else "") + kept + tail

    last = next(end for end in range(1, len(words) + 1) if must <= contacts_in_text(" ".join(words[:end])))
    candidates = [cut(0, end) for end in range(len(words) - 1, 0, -1)]
    candidates += [cut(start, last) for start in range(1, last)]
    for candidate in candidates:
        if weighted_length(candidate) <= budget and must <= contacts_in_text(candidate):
            return candidate
    return None


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


def shorten_for_post(text: str, more: str, limit: int = POST_LIMIT, emergency: bool = False) -> str:
    """`text` itself when it fits; else as many of its sentences as fit, in their order, chosen: each paragraph's
    first sentence (it carries the answer) and the sentences giving the contacts a post must keep (the first
    contact: the number or link the answer is for; for an `emergency`, every emergency number), then sentences
    giving other contacts, then the rest; followed by `more` unless its links are already there. When the sentences
    chosen first do not fit, they are cut on whole words with an ellipsis, around the contacts to keep."""
    text = text.strip()
    if weighted_length(text) <= limit:
        return text
    paragraphs = [_sentences(part) for part in text.split(PARAGRAPH) if part.strip()]
    keys = [(i, j) for i, sentences in enumerate(paragraphs) for j in range(len(sentences))]
    needed = _needed_contacts(text, emergency)
    links = URL_PATTERN.findall(more)
    ending = f"{PARAGRAPH}{more}" if more and not all(link in text for link in links) else ""

    def sentence(key: tuple[int, int]) -> str:
        return paragraphs[key[0]][key[1]]

    def render(chosen: set[tuple[int, int]]) -> str:
        parts = [
            " ".join(s for j, s in enumerate(sentences) if (i, j) in chosen) for i, sentences in enumerate(paragraphs)
        ]
        short = PARAGRAPH.join(part for part in parts if part)
        return short + (ending if ending and not all(link in short for link in links) else "")

    required = {(i, 0) for i in range(len(paragraphs))}
    for contact in needed:
        holder = next((key for key in keys if contact in contacts_in_text(sentence(key))), None)
        required |= {holder} if holder else set()
    if weighted_length(render(required)) <= limit:
        chosen = set(required)
        rest = sorted(set(keys) - chosen, key=lambda key: (not contacts_in_text(sentence(key)), key))
        for key in rest:  # contacts first
            if weighted_length(render(chosen | {key})) <= limit:
                chosen.add(key)
        return render(chosen)
    runs = [[s for j, s in enumerate(sentences) if (i, j) in required] for i, sentences in enumerate(paragraphs)]
    holding = [run for run in runs if needed & contacts_in_text(" ".join(run))]
    # Every paragraph its share; if that loses a contact to keep, only the paragraphs giving them; if even that
    # does, the contacts on a line of their own (a text nobody wrote for X, e.g. one long sentence).
    line = " · ".join(sorted(needed, key=text.find))
    short = ""
    for group, last_line in ((runs, ""), (holding, ""), (runs, line)):
        if not group:
            continue
        tail = (PARAGRAPH + last_line if last_line else "") + ending
        budget = (limit - weighted_length(tail) - len(PARAGRAPH) * (len(group) - 1)) // len(group)
        cuts = [_cut_paragraph(run, budget, set() if last_line else needed) for run in group]
        short = (PARAGRAPH.join(cut for cut in cuts if cut) + tail).strip()
        if needed <= contacts_in_text(short):
            break
    return short


def _cut_paragraph(sentences: list[str], budget: int, needed: set[str]) -> str | None:
    """The sentences, whole if they fit `budget`; else those giving contacts of `needed` whole, after the others
    (the paragraph's first sentence) cut to the room left; else all cut around those contacts."""
    whole = " ".join(sentences)
    if weighted_length(whole) <= budget:
        return whole
    holders = [s for s in sentences if needed & contacts_in_text(s)]
    kept = " ".join(holders)
    if holders and weighted_length(kept) < budget:
        others = " ".join(s for s in sentences if s not in holders)
        lead = _cut_to(others, budget - weighted_length(kept) - 1) if others else None
        return f"{lead} {kept}" if lead and len(lead.split()) >= MIN_LEAD_WORDS else kept
    return _cut_to(whole, budget, needed)


def joined(answers: Iterable[str]) -> str:
    """The answers of a turn as one text, a blank line between them."""
    return PARAGRAPH.join(answer.strip() for answer in answers if answer and answer.strip())


def involves_personal_information(
    resident_text: str,
    answer: str,
    responses: Iterable[str],
    texts: ChannelTexts | None = None,
    redactor: Redactor | None = None,
) -> bool:
    """The policy's privacy rule for every public platform: the resident's words or the answer hold personal
    information (the redactor finds it), or the answer is one that asks for personal details. Then the answer goes
    in private, and the public reply only says so."""
    texts = texts or default_texts()
    redactor = redactor or default_redactor()
    return (
        redactor.redact(resident_text).found_any
        or redactor.redact(answer).found_any
        or bool(texts.direct_message_responses.intersection(responses))
    )


@dataclass(frozen=True)
class XReplies:
    """What to post for one public message: the public reply (a thread of two posts, French then English, when
    the resident's language is not known and both do not fit in one), the direct message that follows, if any, and
    what to post instead when X refuses that direct message (the resident does not accept them)."""

    public: tuple[str, ...]
    direct: str | None
    if_direct_refused: tuple[str, ...] = ()


def plan_public_answer(
    resident_text: str,
    answers: Iterable[str],
    responses: Iterable[str],
    language: str | None,
    texts: ChannelTexts | None = None,
    redactor: Redactor | None = None,
    emergency: bool = False,
    parts: Mapping[str, str] | None = None,
    alert: Mapping[str, str] | None = None,
    first_reply: bool = False,
) -> XReplies:
    """Public reply and direct message for a mention: the answer moves to a direct message when the resident's
    post or the answer holds personal information, or the answer is one that asks for personal details. For an
    `emergency`, the public notice starts with the emergency numbers. `parts`: the answer's French and English
    parts, as the reply generator gave them while the language is unknown: one post each when both do not fit.
    `alert`: the short form, by language, of the staff alerts the post is about: whole in the public reply, first
    (after the answer for an emergency), the answer shortened to the room left; after the notice of a direct
    message, in a post of its own. The `first_reply` to a resident in public carries the bot disclosure, within the
    same 280 characters (after the emergency numbers for an emergency)."""
    texts = texts or default_texts()
    full = joined(answers)
    intro = (texts.automated_assistant,) if first_reply else ()
    if involves_personal_information(resident_text, full, responses, texts, redactor):
        first = (texts.emergency_numbers,) if emergency else ()
        alert_posts = texts.posts(alert, language=language) if alert else ()
        return XReplies(
            public=(*texts.posts(*first, *intro, texts.moved_to_direct_message, language=language), *alert_posts),
            direct=full or None,
            if_direct_refused=texts.posts(*first, texts.direct_message_refused, language=language),
        )
    lead = texts.together(*intro, language=language) if intro else ""
    alert_text = texts.in_language(alert, language) if alert else ""
    # One post per language when the answer comes in both and they do not fit in one with the disclosure (with an
    # alert, always: each post carries the alert whole in its language).
    whole = PARAGRAPH.join(part for part in (lead, full) if part)
    if parts and set(parts) == set(LANGUAGES) and (alert or weighted_length(whole) > POST_LIMIT):
        return XReplies(
            tuple(
                _post(
                    intro[0][code] if intro else "",
                    parts[code],
                    texts.more[code],
                    alert[code] if alert else "",
                    emergency,
                )
                for code in LANGUAGES
            ),
            direct=None,
        )
    more = texts.in_language(texts.more, language)
    return XReplies(public=(_post(lead, full, more, alert_text, emergency),), direct=None)


def _post(lead: str, answer: str, more: str, alert: str, emergency: bool) -> str:
    """One post: the bot disclosure (`lead`, or nothing) and the alert's short form whole, the answer shortened to
    the room they leave. The order: disclosure, alert, answer; for an emergency the answer first (its numbers
    lead), then the disclosure and the alert."""
    fixed = [part for part in (lead, alert) if part]
    room = POST_LIMIT - sum(weighted_length(part) + len(PARAGRAPH) for part in fixed)
    body = shorten_for_post(answer, more, limit=room, emergency=emergency)
    ordered = [body, *fixed] if emergency else [*fixed, body]
    return PARAGRAPH.join(part for part in ordered if part)
