"""Finds what in a resident's message breaks the City's netiquette (abuse and threats, politics, solicitation,
personal information, illegal activity). Called by the assistant, and by the tests and `make evaluate` via `score()`.

Personal information is decided here, on top of the Redactor's findings: e-mails, plates... always count, an
address only when the lexicon's `decides: STREET_ADDRESS` entry ties it to a person (the place of a problem is no
one's information), a phone unless the `releases: PHONE` entry shows it is an organisation's published line (a
hotline, a relief fund's number) or the message is an ad this lexicon flags (the advertiser's line). What
the tracker store removes is the Redactor's business alone and does not change: it removes them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pointe_claire.city_facts import PROJECT_ROOT, cached_city_facts
from pointe_claire.lexicon_reading import LexiconReading
from pointe_claire.names import (  # the rules are named there: the review app reads them without spaCy
    ABUSE,
    NETIQUETTE_RULES,
    PERSONAL_INFORMATION,
    POLITICAL,
    SOLICITATION,
    THREAT,
)
from pointe_claire.patterns import (
    Compiler,
    PatternError,
    PatternIndex,
    WordLists,
    check_patterns,
    items,
    read_lexicon,
    together_parts,
    where,
)
from pointe_claire.redaction import Redactor, default_redactor

DEFAULT_LEXICON_PATH = PROJECT_ROOT / "lexicons" / "netiquette.yml"

RULES = NETIQUETTE_RULES  # in the order of a message's findings
# The learned layer: intents the classifier is trained on (data/nlu/*/netiquette.yml) for what the lexicon cannot
# list (partisan posts, hateful generalisations, ads). The NetiquetteFlagger turns each into its rule's finding.
LEARNED_RULES = {"partisan_comment": POLITICAL, "abusive_comment": ABUSE, "advertising_or_spam": SOLICITATION}


@dataclass(frozen=True)
class Violation:
    """One breach of the netiquette: which rule, what in the message shows it, and whether it is a threat.

    For personal information the evidence is the kind of information ("[PHONE]"), never the value itself.
    """

    rule: str
    evidence: str
    threat: bool = False


@dataclass(frozen=True)
class LexiconEntry:
    """One entry of lexicons/netiquette.yml: its patterns, or the patterns that must all be found (`together`)."""

    rule: str
    name: str
    patterns: tuple[str, ...]
    together: tuple[tuple[str, ...], ...]  # parts, each a pattern or its alternatives
    threat: bool
    placeholder: str | None
    examples: tuple[str, ...]
    not_after: str | None = None  # a slot ("@negation"): matches right after one of its words do not count
    also: tuple[str, ...] = ()  # further rules the entry's matches break ("set fire to city hall": illegal too)
    # A kind of the Redactor ("STREET_ADDRESS") this entry decides: its findings are personal information only when
    # one of the entry's patterns matches the message as the Redactor writes it ("my neighbour at [ADDRESS]").
    decides: str | None = None
    # A kind of the Redactor ("PHONE") this entry releases: its findings are NOT personal information when one of the
    # entry's patterns matches the message as the Redactor writes it ("FEMA's hotline: [PHONE]").
    releases: str | None = None
    spares: tuple[str, ...] = ()  # messages the entry must not flag: the look-alikes a trainer should keep in mind

    @property
    def where(self) -> str:
        return f"{self.rule} / {self.name}"


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    evidence: str
    threat: bool


def _load_entries(raw: Mapping[str, Any], source: str) -> tuple[LexiconEntry, ...]:
    entries = []
    for rule, rule_entries in (raw.get("rules") or {}).items():
        if rule not in RULES:
            raise PatternError(where(source, rule), f"unknown rule {rule!r}, expected one of {RULES}")
        for entry in rule_entries:
            name = str(entry.get("name", "?"))
            place = where(source, entry.get("name", ""), f"{rule} / {name}")
            patterns = tuple(_text(p) for p in entry.get("patterns") or ())
            together = together_parts(entry["together"], place) if entry.get("together") else ()
            if bool(patterns) == bool(together):
                raise PatternError(place, "give either `patterns` or `together`")
            threat = bool(entry.get("threat"))
            if threat and rule != ABUSE:
                raise PatternError(place, "a threat is always abuse; move it under abuse")
            also = tuple(str(r) for r in entry.get("also") or ())
            if any(r not in RULES or r == rule for r in also):
                raise PatternError(place, f"`also` lists other rules among {RULES}")
            placeholder = entry.get("placeholder")
            if (placeholder is None) == (rule == PERSONAL_INFORMATION):
                raise PatternError(place, "`placeholder` is for personal information only")
            decides, releases = entry.get("decides"), entry.get("releases")
            for field, kind in (("decides", decides), ("releases", releases)):
                if kind is not None and (rule != PERSONAL_INFORMATION or together):
                    raise PatternError(place, f"`{field}` is for personal information entries with `patterns`")
            if decides is not None and releases is not None:
                raise PatternError(place, "an entry either `decides` a kind or `releases` one, not both")
            entries.append(
                LexiconEntry(
                    rule=rule,
                    name=name,
                    patterns=patterns,
                    together=together,
                    threat=threat,
                    placeholder=None if placeholder is None else str(placeholder),
                    examples=tuple(str(e) for e in entry.get("examples") or ()),
                    not_after=None if entry.get("not_after") is None else _text(entry["not_after"]),
                    also=also,
                    decides=None if decides is None else str(decides),
                    releases=None if releases is None else str(releases),
                    spares=tuple(str(e) for e in entry.get("spares") or ()),
                )
            )
    return tuple(entries)


def lexicon_problems(path: Path, source: str) -> list[PatternError]:
    """The mistakes a trainer made in a netiquette lexicon, each with its `file:line` (for `make validate`)."""
    raw = read_lexicon(path)
    try:
        entries = _load_entries(raw, source)
    except PatternError as error:
        return [error]
    patterns = [
        (pattern, entry.where)
        for entry in entries
        for pattern in (
            *entry.patterns,
            *(p for part in entry.together for p in part),
            *([entry.not_after] if entry.not_after else []),
        )
    ]
    return check_patterns(patterns, raw.get("words") or {}, source)


def _text(value: Any) -> str:
    """A lexicon string as read (with its line, for errors); anything else YAML made of it, as text."""
    return value if isinstance(value, str) else str(value)


def _city_hosts() -> frozenset[str]:
    """The City's web domains (city_facts.yml `web`): its own links are never a sales pitch."""
    hosts = set()
    for key, value in cached_city_facts().variables.items():
        if key.startswith("web_") and "://" in value:
            hosts.add(value.split("://", 1)[1].split("/")[0].lower().removeprefix("www."))
    return frozenset(hosts)


# --- the checker ----------------------------------------------------------------------------------------------------


class NetiquetteChecker:
    """The lexicon's patterns compiled once (pointe_claire.patterns), plus the Redactor for personal information."""

    def __init__(
        self,
        path: Path | str = DEFAULT_LEXICON_PATH,
        redactor: Redactor | None = None,
        city_hosts: Iterable[str] | None = None,
    ) -> None:
        source = Path(path)
        raw = read_lexicon(source)
        self._redactor = redactor or default_redactor()
        self._placeholders = {pattern.kind: pattern.placeholder for pattern in self._redactor.patterns}
        self._reading = LexiconReading(frozenset(city_hosts) if city_hosts is not None else _city_hosts())
        self._entries = _load_entries(raw, source.name)
        lists = WordLists(raw.get("words") or {}, self._reading, source.name)
        compiler = Compiler(lists, self._reading)
        self._index = PatternIndex(self._reading.vocab)
        # Entries that decide or release a kind of the Redactor are read on the redacted message, in an index of
        # their own.
        self._redacted_index = PatternIndex(self._reading.vocab)
        self._decided: dict[str, str] = {}  # Redactor kind -> the key of the entry that decides it
        self._released: dict[str, str] = {}  # Redactor kind -> the key of the entry that releases it
        self._keys: dict[str, tuple[int, int]] = {}
        self._not_after: dict[int, frozenset[str]] = {}
        for index, entry in enumerate(self._entries):
            for field, kind, table in (
                ("decides", entry.decides, self._decided),
                ("releases", entry.releases, self._released),
            ):
                if kind is None:
                    continue
                if kind not in self._placeholders:
                    raise PatternError(where(source.name, entry.name, entry.where), f"unknown kind {kind!r}")
                key = f"{entry.rule}/{index}/{field}"
                for pattern in entry.patterns:
                    self._redacted_index.add(key, compiler.compile(pattern, where(source.name, pattern, entry.where)))
                table[kind] = key
            if entry.decides is not None or entry.releases is not None:
                continue
            # One key per part that must be found: every pattern of an entry is one part (any may match), every
            # part of `together` is a part of its own (all must match).
            parts = [list(part) for part in entry.together] or [list(entry.patterns)]
            for part, patterns in enumerate(parts):
                key = f"{entry.rule}/{index}/{part}"
                for pattern in patterns:
                    self._index.add(key, compiler.compile(pattern, where(source.name, pattern, entry.where)))
                self._keys[key] = (index, part)
            if entry.not_after:
                self._not_after[index] = lists.single_words(
                    entry.not_after, where(source.name, entry.not_after, entry.where)
                )
        # Phrase lists read on their own, for the learned layer (pointe_claire/nlu/netiquette_flagger.py): idioms it
        # may take for a violation ("vache à lait" is a cash cow, not an insult), and how a question opens (its unsure
        # guess on a question is "not understood", on a statement a comment).
        self._civil_index = self._phrase_index(raw, "civil_phrases", compiler, source.name)
        self._question_index = self._phrase_index(raw, "questions", compiler, source.name)
        # What a learned guess of a rule needs to stand (`learned_needs`: an ad offers something), and what makes it
        # civil after all (`learned_unless`: an opinion on institutions is not partisan).
        self._learned_needs, self._learned_unless = (
            {
                str(rule): self._phrase_index({rule: patterns}, str(rule), compiler, source.name)
                for rule, patterns in (raw.get(key) or {}).items()
            }
            for key in ("learned_needs", "learned_unless")
        )
        hidden = [lists.list_terms(name, "obfuscated") for name in raw.get("obfuscated") or ()]
        self._vocabulary = lists.vocabulary_read(hidden)
        self._mild_words = tuple(items(raw.get("mild_words") or ""))

    @property
    def entries(self) -> tuple[LexiconEntry, ...]:
        return self._entries

    @property
    def mild_words(self) -> tuple[str, ...]:
        """Words the lexicon documents as civil on their own ("maudit", "damn")."""
        return self._mild_words

    def is_civil_phrase(self, text: str) -> bool:
        """Whether the message holds one of the lexicon's `civil_phrases`: the learned layer's guess is then
        overruled (the lexicon's own findings never are)."""
        return self._holds(self._civil_index, text)

    def supports_learned(self, rule: str, text: str) -> bool:
        """Whether the message shows what the learned layer's guess of `rule` needs (`learned_needs`: an ad offers
        something; a rule without such a list needs nothing) and nothing that makes it civil (`learned_unless`)."""
        needs, unless = self._learned_needs.get(rule), self._learned_unless.get(rule)
        return (needs is None or self._holds(needs, text)) and (unless is None or not self._holds(unless, text))

    def is_question(self, text: str) -> bool:
        """Whether the message asks something: a question mark, or a sentence opening as the lexicon's `questions`
        do ("when is the next election", "c'tu vrai que...")."""
        return "?" in text or self._holds(self._question_index, text)

    def _phrase_index(self, raw: dict[str, Any], key: str, compiler: Compiler, source: str) -> PatternIndex:
        """The patterns of one of the lexicon's phrase lists (`civil_phrases`, `questions`, a `learned_needs` or
        `learned_unless` rule)."""
        index = PatternIndex(self._reading.vocab)
        for pattern in raw.get(key) or ():
            index.add(key, compiler.compile(str(pattern), where(source, pattern, key)))
        return index

    def _holds(self, index: PatternIndex, text: str) -> bool:
        return any(True for _ in index.find(self._reading.doc(text, self._vocabulary)))

    def check(self, text: str) -> list[Violation]:
        """Every rule the message breaks, rule by rule in the order of RULES, with what shows it."""
        found: dict[str, list[_Found]] = {rule: [] for rule in RULES}
        self._match(text, found)
        redaction = self._redactor.redact(text)
        keys = self._redacted_keys(redaction.text, redaction.kinds)
        for kind in redaction.kinds:
            if kind in self._decided and self._decided[kind] not in keys:
                continue  # an address that is only the place of a problem ("a pothole in front of 12 Cedar")
            if kind in self._released and (self._released[kind] in keys or found[SOLICITATION]):
                # An organisation's published line ("call the relief fund at 514-..."), or the advertiser's in a
                # message this lexicon finds to be an ad ("Free estimates! call 514-..."). Not on the learned
                # layer's ad guess alone: "Textez-moi au 514-... quand le camion passe" is a resident's own number,
                # and a privacy reminder too many costs less than one missing.
                continue
            found[PERSONAL_INFORMATION].append(_Found(-1, -1, self._placeholders[kind], False))
        violations = []
        for rule in RULES:
            for item in _without_overlaps(found[rule]):
                evidence = item.evidence
                if rule != PERSONAL_INFORMATION:
                    # Evidence is shown to staff and logged: never repeat a phone or address it happens to span.
                    evidence = self._redactor.redact(evidence).text
                violations.append(Violation(rule, evidence, item.threat))
        return _deduplicated(violations)

    def _redacted_keys(self, redacted: str, kinds: Sequence[str]) -> frozenset[str]:
        """The deciding and releasing entries that match the message as the Redactor writes it: read once, and only
        when one of its kinds is decided or released."""
        if not any(kind in self._decided or kind in self._released for kind in kinds):
            return frozenset()
        doc = self._reading.doc(redacted, self._vocabulary)
        return frozenset(key for key, _, _ in self._redacted_index.find(doc))

    def _match(self, text: str, found: dict[str, list[_Found]]) -> None:
        doc = self._reading.doc(text, self._vocabulary)
        spans: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for key, start, end in self._index.find(doc):
            index, part = self._keys[key]
            if start > 0 and doc[start - 1].norm_ in self._not_after.get(index, ()):
                continue
            start_char = doc[start].idx
            end_char = min(doc[end - 1].idx + len(doc[end - 1].text), len(text))
            if start_char < end_char:
                spans.setdefault((index, part), []).append((start_char, end_char))
        for index, entry in enumerate(self._entries):
            parts = [sorted(spans.get((index, part), [])) for part in range(len(entry.together) or 1)]
            if not all(parts):
                continue
            if entry.together:
                # All parts found: one piece of evidence made of the first occurrence of each.
                firsts = sorted(min(part, key=lambda s: (s[0], s[0] - s[1])) for part in parts)
                evidence = " … ".join(text[s:e] for s, e in firsts)
                start_char, end_char = firsts[0][0], max(e for _, e in firsts)
                found[entry.rule].append(_Found(start_char, end_char, entry.placeholder or evidence, entry.threat))
                for rule in entry.also:
                    found[rule].append(_Found(start_char, end_char, evidence, False))
                continue
            for start_char, end_char in (span for part in parts for span in part):
                evidence = entry.placeholder or text[start_char:end_char]
                found[entry.rule].append(_Found(start_char, end_char, evidence, entry.threat))
                for rule in entry.also:
                    found[rule].append(_Found(start_char, end_char, evidence, False))


def _without_overlaps(found: list[_Found]) -> list[_Found]:
    """The longest finding where several overlap; a threat among them makes the kept one a threat."""
    kept: list[_Found] = []
    for item in sorted(found, key=lambda f: (f.start, f.start - f.end)):
        overlapping = next(
            (i for i, k in enumerate(kept) if item.start >= 0 and k.start >= 0 and item.start < k.end), None
        )
        if overlapping is None:
            kept.append(item)
        elif item.threat and not kept[overlapping].threat:
            k = kept[overlapping]
            kept[overlapping] = _Found(k.start, k.end, k.evidence, True)
    return kept


def _deduplicated(violations: list[Violation]) -> list[Violation]:
    seen: dict[tuple[str, str], int] = {}
    result: list[Violation] = []
    for violation in violations:
        key = (violation.rule, violation.evidence.casefold())
        if key in seen:
            if violation.threat and not result[seen[key]].threat:
                result[seen[key]] = Violation(violation.rule, violation.evidence, True)
            continue
        seen[key] = len(result)
        result.append(violation)
    return result


@lru_cache(maxsize=1)
def default_checker() -> NetiquetteChecker:
    """The checker the assistant uses, built once per process (staff restart the assistant after lexicon edits)."""
    return NetiquetteChecker()


# --- scoring on labelled messages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelledMessage:
    """A message of tests/netiquette/*.yml with the rules it breaks (none for a civil one)."""

    text: str
    language: str
    rules: frozenset[str]
    threat: bool


@dataclass(frozen=True)
class RuleScore:
    """Precision and recall of one rule in one language, with the messages behind the misses."""

    precision: float
    recall: float
    missed: tuple[str, ...]  # labelled with the rule, not flagged
    false_flags: tuple[str, ...]  # flagged, not labelled with the rule


def load_labelled(path: Path | str, language: str) -> tuple[LabelledMessage, ...]:
    """Reads a labelled set: `rules: {rule: [...]}`, `threats: [...]` (abuse too), `civil: [...]`.

    A message listed in several sections has all their rules.
    """
    source = Path(path)
    with source.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    rules: dict[str, set[str]] = {}
    threats: set[str] = set()
    for rule, messages in (raw.get("rules") or {}).items():
        if rule not in RULES:
            raise ValueError(f"{source.name}: unknown rule {rule!r}")
        for text in messages:
            rules.setdefault(str(text), set()).add(rule)
    for text in raw.get("threats") or ():
        rules.setdefault(str(text), set()).add(ABUSE)
        threats.add(str(text))
    for text in raw.get("civil") or ():
        if str(text) in rules:
            raise ValueError(f"{source.name}: {text!r} is both civil and labelled {sorted(rules[str(text)])}")
        rules[str(text)] = set()
    return tuple(LabelledMessage(text, language, frozenset(r), text in threats) for text, r in rules.items())


def score(checker: NetiquetteChecker, labelled: Sequence[LabelledMessage]) -> dict[tuple[str, str], RuleScore]:
    """Precision and recall per (rule, language), THREAT included as a rule; civil messages count as negatives.

    With nothing flagged precision is 1.0, with nothing to find recall is 1.0: neither is a failure.
    """
    predicted = {message: checker.check(message.text) for message in labelled}
    scores = {}
    for language in sorted({message.language for message in labelled}):
        messages = [message for message in labelled if message.language == language]
        for rule in (*RULES, THREAT):
            true_positives = sum(1 for m in messages if _expected(m, rule) and _flagged(predicted[m], rule))
            missed = tuple(m.text for m in messages if _expected(m, rule) and not _flagged(predicted[m], rule))
            false_flags = tuple(m.text for m in messages if _flagged(predicted[m], rule) and not _expected(m, rule))
            flagged_count = true_positives + len(false_flags)
            labelled_count = true_positives + len(missed)
            scores[(rule, language)] = RuleScore(
                precision=true_positives / flagged_count if flagged_count else 1.0,
                recall=true_positives / labelled_count if labelled_count else 1.0,
                missed=missed,
                false_flags=false_flags,
            )
    return scores


def _expected(message: LabelledMessage, rule: str) -> bool:
    return message.threat if rule == THREAT else rule in message.rules


def _flagged(violations: Sequence[Violation], rule: str) -> bool:
    return any(v.threat for v in violations) if rule == THREAT else any(v.rule == rule for v in violations)
