"""Replaces personal information in what residents write (phone, e-mail, SIN, address...) by typed placeholders.

Called by the SQL tracker store (`pointe_claire.tracker_store`) before a conversation is written, and by the tests.
The patterns live in lexicons/personal_information.yml; the City's own contacts (city_facts.yml) are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pointe_claire.city_facts import PROJECT_ROOT, URL_PATTERN, cached_city_facts
from pointe_claire.text_normalization import fold

DEFAULT_LEXICON_PATH = PROJECT_ROOT / "lexicons" / "personal_information.yml"

# Template variables of city_facts.yml that hold the City's public contacts: they are not personal information.
PUBLIC_CONTACT_PREFIXES = ("phone_", "email_", "address_")

# Kinds whose matches are compared with the City's contacts in a writing-independent way.
PHONE = "PHONE"
EMAIL = "EMAIL"
STREET_ADDRESS = "STREET_ADDRESS"

# Text already claimed by a kind is overwritten with this private-use character in the copy later kinds read:
# it is neither a letter, a digit nor a space, so no pattern can match it or use it as context, and offsets
# stay those of the original text.
_CLAIMED = "\ue000"
_FRAGMENT = re.compile(r"\{\{(\w+)\}\}")
_ALPHANUMERIC = re.compile(r"[a-z0-9]+")
# "St-Jean", "Ste-Anne", "St. Louis": saints abbreviated the way residents write them.
_SAINT = re.compile(r"\bst(e?)(?:\.\s*|-)(?=[a-z])")
# A web address as replies and the tokenizer read one (city_facts.URL_PATTERN), in any case: residents write "WWW.".
WEB_ADDRESS = re.compile(URL_PATTERN.pattern, re.IGNORECASE)
# A value of a web address's query ("amazon.com/dp/B00?qid=1408929523", "facebook.com/photo.php?set=vb.1727483389"):
# an id the site made, not someone's phone; nothing is taken inside it.
_QUERY_PARAMETER = re.compile(r"[?&;](?P<name>[^=&;?\s]*)=(?P<value>[^&;\s]*)")
_PHONE_PARAMETER = re.compile(r"tel|phone|mobile|cell", re.IGNORECASE)
# Small words in street names that tell nothing about which street it is ("boulevard de la ...").
_PARTICLES = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "of", "the"})


@dataclass(frozen=True)
class Redaction:
    """A text with its personal information replaced, and the kinds replaced, in order of first appearance."""

    text: str
    kinds: tuple[str, ...]

    @property
    def found_any(self) -> bool:
        return bool(self.kinds)


@dataclass(frozen=True)
class PiiPattern:
    """One compiled pattern of the lexicon, with the examples that document and test it."""

    kind: str
    placeholder: str
    name: str
    regex: re.Pattern[str]
    examples: Mapping[str, str]
    keeps: tuple[str, ...]

    def span(self, match: re.Match[str]) -> tuple[int, int]:
        """What to replace: the group named `value` when the pattern has one (its context stays), else all."""
        return match.span("value") if "value" in self.regex.groupindex else match.span()


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    kind: str
    placeholder: str | None  # None: a public contact of the City, kept as written


def _address_key(text: str, street_words: frozenset[str]) -> tuple[str | None, frozenset[str]]:
    """Civic number and distinctive words: "451, boulevard St-Jean" -> ("451", {"saint", "jean"})."""
    tokens = _ALPHANUMERIC.findall(_SAINT.sub(r"saint\1 ", fold(text)))
    civic = next((token for token in tokens if token[0].isdigit()), None)
    words = frozenset(t for t in tokens if not t[0].isdigit() and t not in street_words and t not in _PARTICLES)
    return civic, words


def _phone_key(text: str) -> str:
    """The ten digits of a North American number, without country code or extension."""
    digits = re.sub(r"\D", "", text)
    if digits.startswith("1") and len(digits) >= 11:
        digits = digits[1:]
    return digits[:10]


@dataclass(frozen=True)
class PublicContacts:
    """The City's own phone numbers, e-mails and addresses, in forms that ignore how a resident wrote them."""

    phones: frozenset[str]
    emails: frozenset[str]
    addresses: tuple[tuple[str | None, frozenset[str]], ...]
    others: frozenset[str]
    street_words: frozenset[str]

    @classmethod
    def from_values(cls, values: Iterable[str], street_words: frozenset[str] = frozenset()) -> PublicContacts:
        values = [v for v in values if v.strip()]
        return cls(
            phones=frozenset(key for key in map(_phone_key, values) if key),
            emails=frozenset(v.strip().casefold() for v in values),
            addresses=tuple(_address_key(v, street_words) for v in values if re.search(r"\d", v)),
            others=frozenset(_ALPHANUMERIC.sub("", fold(v)) for v in values),
            street_words=street_words,
        )

    def covers(self, kind: str, text: str) -> bool:
        """Whether `text`, found as `kind`, is one of the City's contacts however written."""
        if kind == PHONE:
            return _phone_key(text) in self.phones
        if kind == EMAIL:
            return text.strip().casefold() in self.emails
        if kind == STREET_ADDRESS:
            civic, words = _address_key(text, self.street_words)
            # Same civic number and every distinctive word of the City's address ("451 boul. Saint-Jean,
            # Pointe-Claire" is City Hall even with the town's name caught by the pattern).
            return any(
                civic == public_civic and public_words and public_words <= words
                for public_civic, public_words in self.addresses
            )
        return "".join(_ALPHANUMERIC.findall(fold(text))) in self.others


def _city_contact_values() -> list[str]:
    variables = cached_city_facts().variables
    return [value for key, value in variables.items() if key.startswith(PUBLIC_CONTACT_PREFIXES)]


def _expand(regex: str, fragments: Mapping[str, str], where: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in fragments:
            raise ValueError(f"{where}: unknown fragment {{{{{name}}}}}")
        return fragments[name]

    return _FRAGMENT.sub(replace, regex)


def _load_patterns(raw: Mapping[str, Any], source: Path) -> tuple[PiiPattern, ...]:
    fragments = {name: str(text) for name, text in (raw.get("fragments") or {}).items()}
    patterns: list[PiiPattern] = []
    for kind_entry in raw["kinds"]:
        kind, placeholder = str(kind_entry["kind"]), str(kind_entry["placeholder"])
        for entry in kind_entry["patterns"]:
            name = str(entry["name"])
            where = f"{source.name}: {kind} / {name}"
            flags = re.VERBOSE if entry.get("case_sensitive") else re.VERBOSE | re.IGNORECASE
            try:
                regex = re.compile(_expand(str(entry["regex"]), fragments, where), flags)
            except re.error as error:
                raise ValueError(f"{where}: {error}") from error
            patterns.append(
                PiiPattern(
                    kind=kind,
                    placeholder=placeholder,
                    name=name,
                    regex=regex,
                    examples={str(k): str(v) for k, v in (entry.get("examples") or {}).items()},
                    keeps=tuple(str(text) for text in entry.get("keeps") or ()),
                )
            )
    return tuple(patterns)


def _street_words(raw: Mapping[str, Any]) -> frozenset[str]:
    """The street-type words of the lexicon ("rue", "boul", "street"...), which say nothing about which street."""
    fragments = raw.get("fragments") or {}
    text = " ".join(str(fragments.get(name, "")) for name in ("street_type_fr", "street_type_en"))
    return frozenset(_ALPHANUMERIC.findall(fold(text)))


class Redactor:
    """The lexicon's patterns, compiled once, applied in the lexicon's order; the City's contacts are kept."""

    def __init__(self, path: Path | str = DEFAULT_LEXICON_PATH, public_contacts: Iterable[str] | None = None) -> None:
        source = Path(path)
        with source.open(encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
        self._patterns = _load_patterns(raw, source)
        values = _city_contact_values() if public_contacts is None else public_contacts
        self._public = PublicContacts.from_values(values, _street_words(raw))

    @property
    def patterns(self) -> tuple[PiiPattern, ...]:
        return self._patterns

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every kind, in the order they are applied."""
        return tuple(dict.fromkeys(pattern.kind for pattern in self._patterns))

    def redact(self, text: str) -> Redaction:
        found = self._find(text)
        if not any(item.placeholder for item in found):
            return Redaction(text=text, kinds=())
        pieces: list[str] = []
        position = 0
        for item in sorted(found, key=lambda f: f.start):
            if item.placeholder is None:
                continue
            pieces.append(text[position : item.start])
            pieces.append(item.placeholder)
            position = item.end
        pieces.append(text[position:])
        kinds = dict.fromkeys(item.kind for item in sorted(found, key=lambda f: f.start) if item.placeholder)
        return Redaction(text="".join(pieces), kinds=tuple(kinds))

    def _find(self, text: str) -> list[_Found]:
        # A resident could paste the marker character itself; it must not hide their words from the patterns.
        visible = text.replace(_CLAIMED, " ")
        query_values = _query_values(visible)
        found: list[_Found] = []
        for pattern in self._patterns:
            claimed: list[tuple[int, int]] = []
            for match in pattern.regex.finditer(visible):
                start, end = pattern.span(match)
                if start == end or _CLAIMED in visible[start:end] or any(start in value for value in query_values):
                    continue
                value = text[start:end]
                public = self._public.covers(pattern.kind, value)
                found.append(_Found(start, end, pattern.kind, None if public else pattern.placeholder))
                claimed.append((start, end))
            # Claimed only after the pattern's own pass: finditer reads the text it was given.
            for start, end in claimed:
                visible = visible[:start] + _CLAIMED * (end - start) + visible[end:]
        return found


def _query_values(text: str) -> list[range]:
    """Where the values of web addresses' queries are ("...?qid=1408929523&set=vb.1727483389"), but for a
    parameter named for a phone ("?tel=5145550199" is one)."""
    return [
        range(link.start() + parameter.start("value"), link.start() + parameter.end("value"))
        for link in WEB_ADDRESS.finditer(text)
        for parameter in _QUERY_PARAMETER.finditer(link.group())
        if not _PHONE_PARAMETER.search(parameter.group("name"))
    ]


@lru_cache(maxsize=1)
def default_redactor() -> Redactor:
    """The redactor the tracker store uses, built once per process (staff restart the assistant after edits)."""
    return Redactor()
