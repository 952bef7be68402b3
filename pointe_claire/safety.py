"""Finds messages that report an emergency happening now (someone in danger, or City infrastructure failing).

Called by the NLU component `pointe_claire.nlu.safety_net`, last in the pipeline, which overrides the intent
whatever the classifier thought, and by tests/test_safety_net.py. The patterns live in lexicons/emergencies.yml.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from pointe_claire.city_facts import PROJECT_ROOT
from pointe_claire.lexicon_reading import LexiconReading, same_length_fold
from pointe_claire.names import LIFE_THREATENING, MUNICIPAL
from pointe_claire.patterns import (
    Compiler,
    PatternError,
    PatternIndex,
    WordLists,
    check_patterns,
    read_lexicon,
    together_parts,
    where,
)
from pointe_claire.text_normalization import fold, words

DEFAULT_LEXICON_PATH = PROJECT_ROOT / "lexicons" / "emergencies.yml"

# In order of precedence: someone in danger matters more than a broken pipe in the same message.
KINDS = (LIFE_THREATENING, MUNICIPAL)

# Kinds of `not_now` cues in the lexicon (see its header for what each does).
HYPOTHETICAL = "hypothetical"
NOT_A_CONDITION = "not_a_condition"
RESOLVED = "resolved"
PAST = "past"
HABITUAL = "habitual"
PLANNED = "planned"
ELSEWHERE = "elsewhere"
NOW = "now"
NEGATED = "negated"
AFTERMATH = "aftermath"
CUE_KINDS = (HYPOTHETICAL, NOT_A_CONDITION, RESOLVED, PAST, HABITUAL, PLANNED, ELSEWHERE, NOW, NEGATED, AFTERMATH)
# `negated` and `aftermath` cues qualify only the words right after them ("no fire", "depuis le bris"): one word
# further they may be about something else ("not kidding fire in the kitchen"). An aftermath cue may also end inside
# a match, before at most this many of its last words ("the bike path [since the] flooding").
_LAST_WORDS = 3
# Words that may stand between an event and the `now` word that dates it: "le bris d'aqueduc de ce matin".
_TIME_LINKS = frozenset({"de", "du", "d'", "of", "from", "at", "on"})
# Another time, or someone else's disaster heard of (news, sympathy): a `now` word in the clause cancels them.
_ANOTHER_TIME = (PAST, HABITUAL, PLANNED, ELSEWHERE)
# Times that may stand as a clause of their own before the event they date ("Last year, ...", "Chaque printemps, ...").
_FRONTED_TIMES = (PAST, HABITUAL, PLANNED)

_EXCLUSION = "exclusion"
_CUE = "cue"
_PART = "part"  # a part of a concern's `together` group

_CLAUSE_PUNCTUATION = r"[.!?;:,\n]"


@dataclass(frozen=True)
class EmergencyMatch:
    """An emergency found in a message: its kind, the words that showed it, and the lexicon concern they belong to."""

    kind: str  # LIFE_THREATENING or MUNICIPAL
    phrase: str  # as the resident wrote it ("respire pus", "INONDÉ")
    concern: str  # the lexicon's name for it ("not_breathing", "flooding")


@dataclass(frozen=True)
class SafetyAssessment:
    """What the lexicon makes of a message: the emergency it reports, or whether its emergency words were all
    dismissed as look-alikes, hypotheticals or past events ("fire prevention week", "if there's a flood")."""

    match: EmergencyMatch | None
    dismissed: bool = False


@dataclass(frozen=True)
class Concern:
    """One family of emergencies (fire, flooding...) under its kind, and the patterns that find it; its name is
    what a match reports (`EmergencyMatch.concern`). A `together` group finds it when each of its parts is found
    somewhere in the message ("HELP NEEDED!" ... "1 adult and 5 kids"): the first part is the match, judged by
    exclusions and cues like any other."""

    kind: str
    name: str
    patterns: tuple[str, ...]
    together: tuple[tuple[tuple[str, ...], ...], ...] = ()


@dataclass(frozen=True)
class Exclusion:
    """Look-alike contexts that veto the matches they overlap, for some concerns (all when `applies_to` is None)."""

    name: str
    applies_to: frozenset[str] | None
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class EmergencyLexicon:
    """Trainer-editable patterns (lexicons/emergencies.yml) and the word lists they use, in the one pattern
    language of pointe_claire.patterns."""

    concerns: tuple[Concern, ...]
    exclusions: tuple[Exclusion, ...]
    cues: Mapping[str, tuple[str, ...]]
    clause_breaks: tuple[str, ...]
    cue_scope: int
    words: Mapping[str, str] = field(default_factory=dict)
    source: str = "emergencies.yml"

    @classmethod
    def load(cls, path: Path = DEFAULT_LEXICON_PATH, source: str | None = None) -> EmergencyLexicon:
        """The lexicon at `path`; `source` is how errors name the file (its path in the project by default)."""
        raw = read_lexicon(path, all_strings=True)  # all strings: a pattern "no" stays the word "no"
        source = source or _source_name(path)
        unknown_kinds = set(raw["kinds"]) - set(KINDS)
        if unknown_kinds:
            raise PatternError(source, f"unknown kinds {sorted(unknown_kinds)}; expected {KINDS}")
        concerns = tuple(
            _concern(kind, name, items, source) for kind in KINDS for name, items in raw["kinds"].get(kind, {}).items()
        )
        names = {concern.name for concern in concerns}
        exclusions = []
        for name, entry in raw.get("exclusions", {}).items():
            applies_to = frozenset(entry["applies_to"]) if "applies_to" in entry else None
            if applies_to is not None and not applies_to <= names:
                unknown = sorted(applies_to - names)
                raise PatternError(where(source, name), f"exclusion {name} applies to unknown concerns {unknown}")
            exclusions.append(Exclusion(name, applies_to, tuple(entry["patterns"])))
        cues = {kind: tuple(patterns) for kind, patterns in raw.get("not_now", {}).items()}
        if not set(cues) <= set(CUE_KINDS):
            raise PatternError(source, f"unknown not_now cues {sorted(set(cues) - set(CUE_KINDS))}")
        return cls(
            concerns=concerns,
            exclusions=tuple(exclusions),
            cues=cues,
            clause_breaks=tuple(fold(word) for word in raw.get("clause_breaks", [])),
            cue_scope=int(raw["settings"]["cue_scope"]),
            words=dict(raw.get("words") or {}),
            source=source,
        )

    def patterns(self) -> list[tuple[str, str, str]]:
        """(category, name, pattern) of every pattern: concerns under their kind (the parts of `together` groups
        too), then exclusions, then cues."""
        return [
            *((concern.kind, concern.name, pattern) for concern in self.concerns for pattern in concern.patterns),
            *(
                (concern.kind, concern.name, pattern)
                for concern in self.concerns
                for group in concern.together
                for part in group
                for pattern in part
            ),
            *((_EXCLUSION, exclusion.name, p) for exclusion in self.exclusions for p in exclusion.patterns),
            *((_CUE, cue_kind, pattern) for cue_kind, patterns in self.cues.items() for pattern in patterns),
        ]

    def problems(self) -> list[PatternError]:
        """The lexicon's syntax mistakes, each with its file:line (for `make validate`)."""
        entries = [(pattern, f"{category} / {name}") for category, name, pattern in self.patterns()]
        return check_patterns(entries, self.words, self.source)


def _concern(kind: str, name: str, items: list[Any], source: str) -> Concern:
    """A concern's list: patterns, and `together` groups (mappings) among them."""
    groups = tuple(
        together_parts(item["together"], where(source, name, f"{kind} / {name}"))
        for item in items
        if isinstance(item, Mapping)
    )
    return Concern(kind, name, tuple(item for item in items if not isinstance(item, Mapping)), groups)


def _source_name(path: Path) -> str:
    """The lexicon's path as a trainer opens it: relative to the project when it is the project's."""
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else path.name


@dataclass(frozen=True)
class _Found:
    """A pattern match in the searchable text: [start, end) characters, what it is and its name."""

    start: int
    end: int
    category: str  # a kind, _EXCLUSION or _CUE
    name: str  # concern, exclusion or cue kind

    def overlaps(self, other: _Found) -> bool:
        return self.start < other.end and other.start < self.end


class _Clauses:
    """Where the clauses of a text begin: cues count only inside the clause of the match they qualify."""

    def __init__(self, text: str, breaks: re.Pattern[str]) -> None:
        self._text = text
        self._starts = [match.end() for match in breaks.finditer(text)]

    def index(self, position: int) -> int:
        return bisect_right(self._starts, position)

    def is_fronted(self, cue: _Found) -> bool:
        """Whether the cue is a clause of its own that a comma ends: "last year, our basement flooded" dates the
        clause that follows it as "last year our basement flooded" does."""
        clause = self.index(cue.start)
        start = self._starts[clause - 1] if clause else 0
        end = self._starts[clause] if clause < len(self._starts) else len(self._text)
        return (
            end < len(self._text)
            and self._text[end - 1] == ","
            and not words(self._text[start : cue.start])
            and not words(self._text[cue.end : end])
        )


class EmergencyDetector:
    """Matches the lexicon's patterns in messages read the way every lexicon reads them
    (pointe_claire.lexicon_reading)."""

    def __init__(self, lexicon: EmergencyLexicon) -> None:
        self._lexicon = lexicon
        self._reading = LexiconReading()
        lists = WordLists(lexicon.words, self._reading, lexicon.source)
        compiler = Compiler(lists, self._reading)
        # Exclusions and cues apart: they are only needed when emergency words were found.
        self._concerns, self._context = PatternIndex(self._reading.vocab), PatternIndex(self._reading.vocab)
        # Each part of a `together` group under its own key, `part:<concern>/<group>/<part>`, and what it is part of.
        self._parts: dict[str, tuple[Concern, int, int]] = {}
        for concern in lexicon.concerns:
            place = f"{concern.kind} / {concern.name}"
            for pattern in concern.patterns:
                self._concerns.add(
                    f"{concern.kind}:{concern.name}", compiler.compile(pattern, where(lexicon.source, pattern, place))
                )
            for number, group in enumerate(concern.together):
                for part, patterns in enumerate(group):
                    name = f"{concern.name}/{number}/{part}"
                    self._parts[name] = (concern, number, part)
                    for pattern in patterns:
                        self._concerns.add(
                            f"{_PART}:{name}", compiler.compile(pattern, where(lexicon.source, pattern, place))
                        )
        for category, name, pattern in lexicon.patterns():
            if category not in KINDS:
                place = where(lexicon.source, pattern, f"{category} / {name}")
                self._context.add(f"{category}:{name}", compiler.compile(pattern, place))
        self._vocabulary = lists.vocabulary_read()
        breaks = "|".join(re.escape(word) for word in lexicon.clause_breaks)
        self._clause_breaks = re.compile(rf"{_CLAUSE_PUNCTUATION}|\b(?:{breaks})\b" if breaks else _CLAUSE_PUNCTUATION)
        self._applies_to = {exclusion.name: exclusion.applies_to for exclusion in lexicon.exclusions}
        self._concern_order = {concern.name: order for order, concern in enumerate(lexicon.concerns)}

    @classmethod
    def from_path(cls, path: Path = DEFAULT_LEXICON_PATH) -> EmergencyDetector:
        return cls(EmergencyLexicon.load(path))

    def detect(self, text: str) -> EmergencyMatch | None:
        """The emergency this message reports, or None. Someone in danger wins over a municipal problem."""
        return self.assess(text).match

    def assess(self, text: str) -> SafetyAssessment:
        """The emergency this message reports, or whether the emergency words it holds were all dismissed."""
        normalized = unicodedata.normalize("NFC", text)
        doc = self._reading.doc(normalized, self._vocabulary)
        norms = {token.norm_ for token in doc}
        emergencies = self._emergencies(set(_found(self._concerns, doc, norms)))
        context = set(_found(self._context, doc, norms))
        exclusions = [item for item in context if item.category == _EXCLUSION]
        if not emergencies:
            # No emergency words, but a known look-alike context ("firefighter", "pool water"): say so, so that a
            # classifier's emergency guess can be taken back.
            return SafetyAssessment(None, dismissed=bool(exclusions))
        cues = [item for item in context if item.category == _CUE]
        folded = same_length_fold(normalized)  # offsets in it are the matches' offsets
        clauses = _Clauses(folded, self._clause_breaks)
        candidates = [item for item in emergencies if not self._excluded(item, exclusions)]
        not_now = [item for item in candidates if self._not_now(item, cues, clauses, folded)]
        # Words inside a match that is about another time are about that time too ("since the water [main break]").
        standing = [
            item
            for item in candidates
            if item not in not_now and not any(other.start <= item.start and item.end <= other.end for other in not_now)
        ]
        if not standing:
            return SafetyAssessment(None, dismissed=True)
        # The most serious kind; then the first words the resident wrote, as long as the lexicon could read them;
        # then the concern the lexicon lists first, so that staff see the same concern for the same message.
        best = min(
            standing,
            key=lambda item: (
                KINDS.index(item.category),
                item.start,
                item.start - item.end,
                self._concern_order[item.name],
            ),
        )
        phrase = normalized[best.start : best.end]
        return SafetyAssessment(EmergencyMatch(kind=best.category, phrase=phrase, concern=best.name))

    def _emergencies(self, found: set[_Found]) -> set[_Found]:
        """The concerns' matches, with each `together` group whose parts were all found as its first part's
        matches."""
        parts = {item for item in found if item.category == _PART}
        seen: dict[tuple[str, int], set[int]] = {}
        for item in parts:
            concern, group, part = self._parts[item.name]
            seen.setdefault((concern.name, group), set()).add(part)
        firsts = set()
        for item in parts:
            concern, group, part = self._parts[item.name]
            if part == 0 and len(seen[(concern.name, group)]) == len(concern.together[group]):
                firsts.add(_Found(item.start, item.end, concern.kind, concern.name))
        return (found - parts) | firsts

    def _excluded(self, match: _Found, exclusions: list[_Found]) -> bool:
        for exclusion in exclusions:
            applies_to = self._applies_to[exclusion.name]
            if exclusion.overlaps(match) and (applies_to is None or match.name in applies_to):
                return True
        return False

    def _not_now(self, match: _Found, cues: list[_Found], clauses: _Clauses, folded: str) -> bool:
        clause = clauses.index(match.start)
        in_clause = [
            cue
            for cue in cues
            if clauses.index(cue.start) == clause
            or (cue.name in _FRONTED_TIMES and clauses.index(cue.start) == clause - 1 and clauses.is_fronted(cue))
        ]
        scope = self._lexicon.cue_scope

        def before(cue: _Found) -> bool:
            return cue.start < match.start and len(words(folded[cue.end : match.start])) <= scope

        def after(cue: _Found) -> bool:
            return cue.end > match.end and len(words(folded[match.end : cue.start])) <= scope

        def within(cue: _Found) -> bool:  # "l'eau sera coupée": the time is said inside the words that matched
            return match.start <= cue.start and cue.end <= match.end

        def right_before(cue: _Found) -> bool:  # ends where the match begins, no word between
            return cue.end <= match.start and not words(folded[cue.end : match.start])

        def leads_into(cue: _Found) -> bool:  # "the bike path [since the] flooding": ends inside, on its last words
            return match.start < cue.end <= match.end and len(words(folded[cue.end : match.end])) <= _LAST_WORDS

        if any(cue.name == NEGATED and right_before(cue) for cue in in_clause):
            return True
        # A `now` word right after the event dates it ("since the water main break this morning"); elsewhere it is
        # about something else ("still not repainted since the break", "the cracks from the break are still there").
        now_after = any(
            cue.name == NOW and cue.start >= match.end and set(words(folded[match.end : cue.start])) <= _TIME_LINKS
            for cue in in_clause
        )
        # "Since" that begins a recent time is a duration, not a cause: "no power since last night" is still out.
        durations = {cue.start for cue in in_clause if cue.name == NOW}
        if not now_after and any(
            cue.name == AFTERMATH and cue.start not in durations and (right_before(cue) or leads_into(cue))
            for cue in in_clause
        ):
            return True
        doubts = [cue for cue in in_clause if cue.name == NOT_A_CONDITION]
        for cue in in_clause:
            if cue.name == HYPOTHETICAL and before(cue) and not any(cue.overlaps(doubt) for doubt in doubts):
                return True
            if cue.name == RESOLVED and before(cue):
                return True
        if any(cue.name == NOW for cue in in_clause):
            return False
        return any(cue.name in _ANOTHER_TIME and (before(cue) or after(cue) or within(cue)) for cue in in_clause)


def _found(index: PatternIndex, doc: Doc, norms: set[str]) -> Iterable[_Found]:
    for key, start, end in index.find(doc, norms):
        category, name = key.split(":", 1)
        last = doc[end - 1]
        yield _Found(doc[start].idx, last.idx + len(last), category, name)


@lru_cache(maxsize=1)
def default_detector() -> EmergencyDetector:
    """The detector the assistant uses, built once per process (compiling the lexicon takes a few seconds)."""
    return EmergencyDetector.from_path()
