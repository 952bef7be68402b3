"""Finds messages that report an emergency happening now (someone in danger, or City infrastructure failing).

Called by the NLU component `pointe_claire.nlu.safety_net`, last in the pipeline, which overrides the intent
whatever the classifier thought, and by tests/test_safety_net.py. The patterns live in lexicons/emergencies.yml.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
import yaml
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from pointe_claire.city_facts import PROJECT_ROOT
from pointe_claire.text_normalization import fold, words

DEFAULT_LEXICON_PATH = PROJECT_ROOT / "lexicons" / "emergencies.yml"

LIFE_THREATENING = "life_threatening"
MUNICIPAL = "municipal"
# In order of precedence: someone in danger matters more than a broken pipe in the same message.
KINDS = (LIFE_THREATENING, MUNICIPAL)
# The intents of the assistant that answer each kind: the one place that says which intents are emergencies.
INTENT_FOR_KIND = {LIFE_THREATENING: "report_life_threatening_emergency", MUNICIPAL: "report_municipal_emergency"}
EMERGENCY_INTENTS = frozenset(INTENT_FOR_KIND.values())

# Kinds of `not_now` cues in the lexicon (see its header for what each does).
HYPOTHETICAL = "hypothetical"
NOT_A_CONDITION = "not_a_condition"
RESOLVED = "resolved"
PAST = "past"
HABITUAL = "habitual"
PLANNED = "planned"
NOW = "now"
CUE_KINDS = (HYPOTHETICAL, NOT_A_CONDITION, RESOLVED, PAST, HABITUAL, PLANNED, NOW)
_ANOTHER_TIME = (PAST, HABITUAL, PLANNED)

_EXCLUSION = "exclusion"
_CUE = "cue"

# `..` and `...` in a pattern: how many words of any kind they may stand for.
_GAPS = {"..": 3, "...": 8}
# A gap never jumps over the end of a sentence: "fire drill today. Also the tree..." is two statements.
_SENTENCE_ENDS = [".", "!", "?", ";"]
_FRAGMENT = re.compile(r"\{\{(\w+)\}\}")
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")
_LIGATURES = {"œ": "oe", "æ": "ae"}
_CLAUSE_PUNCTUATION = r"[.!?;:,\n]"
# spaCy's tokenizer takes quadratic time on one long run without spaces (5,000 emojis: 6 s). No lexicon word is
# that long, so such runs are cut every _RUN_CUT characters, in place, which keeps the quoted phrase aligned.
_LONG_RUN = re.compile(r"\S{40,}")
_RUN_CUT = 20


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
    """One family of emergencies (fire, flooding...) and the patterns that find it."""

    kind: str
    name: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Exclusion:
    """Look-alike contexts that veto the matches they overlap, for some concerns (all when `applies_to` is None)."""

    name: str
    applies_to: frozenset[str] | None
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class EmergencyLexicon:
    """Trainer-editable patterns (lexicons/emergencies.yml), with fragments already expanded."""

    concerns: tuple[Concern, ...]
    exclusions: tuple[Exclusion, ...]
    cues: Mapping[str, tuple[str, ...]]
    clause_breaks: tuple[str, ...]
    cue_scope: int

    @classmethod
    def load(cls, path: Path = DEFAULT_LEXICON_PATH) -> EmergencyLexicon:
        with path.open(encoding="utf-8") as handle:
            raw = yaml.load(handle, Loader=yaml.BaseLoader)  # all strings: a pattern "no" stays the word "no"
        fragments: dict[str, str] = {}
        for name, value in raw.get("fragments", {}).items():  # in order: a fragment may use the ones above it
            fragments[name] = _expand_fragments("".join(value.split()), fragments)

        def expand(patterns: Iterable[str]) -> tuple[str, ...]:
            return tuple(_expand_fragments(pattern, fragments) for pattern in patterns)

        unknown_kinds = set(raw["kinds"]) - set(KINDS)
        if unknown_kinds:
            raise ValueError(f"{path}: unknown kinds {sorted(unknown_kinds)}; expected {KINDS}")
        concerns = tuple(
            Concern(kind, name, expand(patterns))
            for kind in KINDS
            for name, patterns in raw["kinds"].get(kind, {}).items()
        )
        names = {concern.name for concern in concerns}
        exclusions = []
        for name, entry in raw.get("exclusions", {}).items():
            applies_to = frozenset(entry["applies_to"]) if "applies_to" in entry else None
            if applies_to is not None and not applies_to <= names:
                raise ValueError(f"{path}: exclusion {name} applies to unknown concerns {sorted(applies_to - names)}")
            exclusions.append(Exclusion(name, applies_to, expand(entry["patterns"])))
        cues = {kind: expand(patterns) for kind, patterns in raw.get("not_now", {}).items()}
        if not set(cues) <= set(CUE_KINDS):
            raise ValueError(f"{path}: unknown not_now cues {sorted(set(cues) - set(CUE_KINDS))}")
        return cls(
            concerns=concerns,
            exclusions=tuple(exclusions),
            cues=cues,
            clause_breaks=tuple(fold(word) for word in raw.get("clause_breaks", [])),
            cue_scope=int(raw["settings"]["cue_scope"]),
        )


def _expand_fragments(pattern: str, fragments: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(1) not in fragments:
            raise ValueError(f"unknown fragment {{{{{match.group(1)}}}}} in pattern {pattern!r}")
        return fragments[match.group(1)]

    return _FRAGMENT.sub(replace, pattern)


def searchable(text: str) -> tuple[str, list[tuple[int, int]] | None]:
    """The text as patterns see it (folded, "œ" -> "oe", "feuuu" -> "feu"), and where each of its characters
    came from in `text` (start, end).

    The origins are None when every character stayed in place, which is nearly always: then no list is built.
    """
    folded = fold(text)
    if len(folded) == len(text) and not _ELONGATED.search(folded) and not any(lig in folded for lig in _LIGATURES):
        return folded, None
    pieces: list[tuple[str, tuple[int, int]]] = []
    for index, character in enumerate(text):
        for out in fold(character):
            pieces.extend((piece, (index, index + 1)) for piece in _LIGATURES.get(out, out))
    # Squeeze runs of three or more identical letters to one, as language.py does for "heyyy"; the letter kept
    # stands for the whole run, so that the phrase quoted is "FEUUUU", not "FEU".
    kept: list[tuple[str, tuple[int, int]]] = []
    for character, run in itertools.groupby(pieces, key=lambda piece: piece[0]):
        letters = list(run)
        if len(letters) >= 3 and character.isalpha():
            letters = [(character, (letters[0][1][0], letters[-1][1][1]))]
        kept.extend(letters)
    return "".join(character for character, _ in kept), [origin for _, origin in kept]


# --- patterns -> spaCy Matcher patterns -------------------------------------------------------------------------

_Token = dict[str, Any]
_Tokenize = Callable[[str], list[str]]


def _choice_tokens(choice: str, tokenize: _Tokenize) -> list[str]:
    """The words of one choice; an elision written alone ("d'", "l'") is cut as it is before a word ("d'eau")."""
    if choice.endswith("'"):
        probe = tokenize(choice + "x")
        if len(probe) > 1 and probe[-1] == "x":
            return probe[:-1]
    return tokenize(choice)


def _slot_choices(slot: str, tokenize: _Tokenize, pattern: str) -> list[list[_Token]]:
    """The token sequences one slot of a pattern stands for ([] for an absent optional slot)."""
    if slot in _GAPS:
        return [[{"ORTH": {"NOT_IN": _SENTENCE_ENDS}, "OP": f"{{0,{_GAPS[slot]}}}"}]]
    optional = slot.endswith("?") and len(slot) > 1
    slot = slot[:-1] if optional else slot
    if slot.startswith("/") and slot.endswith("/") and len(slot) > 2:
        choices: list[list[_Token]] = [[{"NORM": {"REGEX": f"^(?:{slot[1:-1]})$"}}]]
    else:
        whole_words: list[str] = []
        prefixes: list[str] = []
        choices = []
        for choice in slot.split("|"):
            is_prefix = choice.endswith("*")
            tokens = _choice_tokens(searchable(choice.rstrip("*").replace("_", " "))[0], tokenize)
            if not tokens:
                raise ValueError(f"empty choice in slot {slot!r} of pattern {pattern!r}")
            if len(tokens) == 1:
                (prefixes if is_prefix else whole_words).append(tokens[0])
            elif is_prefix:
                prefix = {"NORM": {"REGEX": f"^{re.escape(tokens[-1])}"}}
                choices.append([*({"NORM": token} for token in tokens[:-1]), prefix])
            else:
                choices.append([{"NORM": token} for token in tokens])
        if whole_words:
            choices.insert(0, [{"NORM": {"IN": sorted(set(whole_words))}}])
        if prefixes:
            alternatives = "|".join(re.escape(prefix) for prefix in sorted(set(prefixes)))
            choices.insert(0, [{"NORM": {"REGEX": f"^(?:{alternatives})"}}])
    if optional:
        if len(choices) == 1 and len(choices[0]) == 1:
            return [[{**choices[0][0], "OP": "?"}]]
        choices.append([])
    return choices


def compile_pattern(pattern: str, tokenize: _Tokenize) -> list[list[_Token]]:
    """spaCy Matcher patterns for one lexicon pattern, its words cut by `tokenize` like a message's."""
    slots = pattern.split()
    if not slots or slots[0] in _GAPS or slots[-1] in _GAPS:
        raise ValueError(f"pattern {pattern!r} must start and end with a word, not a gap")
    sequences = [
        [token for part in combination for token in part]
        for combination in itertools.product(*(_slot_choices(slot, tokenize, pattern) for slot in slots))
    ]
    required = [sequence for sequence in sequences if any("OP" not in token for token in sequence)]
    if not required:
        raise ValueError(f"pattern {pattern!r} has no required word")
    return required


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
        self._starts = [match.end() for match in breaks.finditer(text)]

    def index(self, position: int) -> int:
        return bisect_right(self._starts, position)


@dataclass(frozen=True)
class _Line:
    """One lexicon pattern compiled for one tokenizer, with the words one of which any match must contain."""

    category: str
    name: str
    matcher: Matcher
    anchor_words: frozenset[str]
    anchor_regexes: tuple[re.Pattern[str], ...]


def _anchor(sequence: list[_Token], common: frozenset[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The most selective required token of a sequence: rare words rather than "a" or "la", few rather than many,
    words rather than regexes."""
    candidates: list[tuple[int, int, int, frozenset[str], tuple[str, ...]]] = []
    for token in sequence:
        if "OP" in token or "NORM" not in token:
            continue
        value = token["NORM"]
        if isinstance(value, str) or "IN" in value:
            choices = frozenset([value] if isinstance(value, str) else value["IN"])
            is_common = any(choice in common or len(choice) <= 2 for choice in choices)
            candidates.append((0, int(is_common), len(choices), choices, ()))
        else:
            candidates.append((1, 0, 0, frozenset(), (value["REGEX"],)))
    *_, words_, regexes = min(candidates, key=lambda candidate: candidate[:3])
    return words_, regexes


class _Index:
    """Lexicon patterns compiled for one tokenizer, one small Matcher each, indexed by their anchor words.

    One Matcher for all patterns would evaluate every choice list and regex on every token (4 ms a message);
    running only the patterns whose anchor word is in the message keeps a message well under a millisecond.
    """

    def __init__(self, nlp: Language, entries: Iterable[tuple[str, str, str]], common: frozenset[str]) -> None:
        self.lines: list[_Line] = []
        self._by_word: dict[str, list[int]] = {}
        self._by_regex: list[tuple[re.Pattern[str], int]] = []

        def tokenize(text: str) -> list[str]:
            return [token.norm_ for token in nlp.tokenizer(text)]

        for category, name, pattern in entries:
            sequences = compile_pattern(pattern, tokenize)
            matcher = Matcher(nlp.vocab)
            matcher.add(f"{category}:{name}", sequences)
            anchors = [_anchor(sequence, common) for sequence in sequences]
            line = _Line(
                category,
                name,
                matcher,
                frozenset().union(*(words_ for words_, _ in anchors)),
                tuple(re.compile(regex) for regex in sorted({r for _, regexes in anchors for r in regexes})),
            )
            index = len(self.lines)
            self.lines.append(line)
            for word in line.anchor_words:
                self._by_word.setdefault(word, []).append(index)
            self._by_regex.extend((regex, index) for regex in line.anchor_regexes)

    def find(self, doc: Doc, norms: set[str]) -> Iterable[_Found]:
        candidates = {index for norm in norms for index in self._by_word.get(norm, ())}
        candidates.update(index for regex, index in self._by_regex if any(regex.search(norm) for norm in norms))
        for index in sorted(candidates):
            line = self.lines[index]
            for _, start, end in line.matcher(doc):
                last = doc[end - 1]
                yield _Found(doc[start].idx, last.idx + len(last), line.category, line.name)


@dataclass(frozen=True)
class _Reader:
    """One spaCy tokenizer and the lexicon compiled for it; exclusions and cues apart, as they are needed less."""

    nlp: Language
    concerns: _Index
    context: _Index


class EmergencyDetector:
    """Matches the lexicon's patterns with spaCy's French and English tokenizers; both see every message."""

    def __init__(self, lexicon: EmergencyLexicon) -> None:
        self._lexicon = lexicon
        entries = [
            *((concern.kind, concern.name, pattern) for concern in lexicon.concerns for pattern in concern.patterns),
            *((_EXCLUSION, exclusion.name, p) for exclusion in lexicon.exclusions for p in exclusion.patterns),
            *((_CUE, cue_kind, pattern) for cue_kind, patterns in lexicon.cues.items() for pattern in patterns),
        ]
        pipelines = [spacy.blank(language) for language in ("fr", "en")]
        # Words too frequent to tell which pattern may match, in either language (residents mix them).
        common = frozenset(word for nlp in pipelines for word in nlp.Defaults.stop_words)
        concerns = [entry for entry in entries if entry[0] in KINDS]
        context = [entry for entry in entries if entry[0] not in KINDS]
        self._readers = [_Reader(nlp, _Index(nlp, concerns, common), _Index(nlp, context, common)) for nlp in pipelines]
        breaks = "|".join(re.escape(word) for word in lexicon.clause_breaks)
        self._clause_breaks = re.compile(rf"{_CLAUSE_PUNCTUATION}|\b(?:{breaks})\b" if breaks else _CLAUSE_PUNCTUATION)
        self._applies_to = {exclusion.name: exclusion.applies_to for exclusion in lexicon.exclusions}

    @classmethod
    def from_path(cls, path: Path = DEFAULT_LEXICON_PATH) -> EmergencyDetector:
        return cls(EmergencyLexicon.load(path))

    def detect(self, text: str) -> EmergencyMatch | None:
        """The emergency this message reports, or None. Someone in danger wins over a municipal problem."""
        return self.assess(text).match

    def assess(self, text: str) -> SafetyAssessment:
        """The emergency this message reports, or whether the emergency words it holds were all dismissed."""
        normalized = unicodedata.normalize("NFC", text)
        folded, origins = searchable(normalized)
        folded = _LONG_RUN.sub(_cut_run, folded)
        readings = []
        for reader in self._readers:
            doc = reader.nlp.make_doc(folded)
            readings.append((reader, doc, {token.norm_ for token in doc}))
        emergencies = {item for reader, doc, norms in readings for item in reader.concerns.find(doc, norms)}
        context = {item for reader, doc, norms in readings for item in reader.context.find(doc, norms)}
        exclusions = [item for item in context if item.category == _EXCLUSION]
        if not emergencies:
            # No emergency words, but a known look-alike context ("firefighter", "pool water"): say so, so that a
            # classifier's emergency guess can be taken back.
            return SafetyAssessment(None, dismissed=bool(exclusions))
        cues = [item for item in context if item.category == _CUE]
        clauses = _Clauses(folded, self._clause_breaks)
        standing = [
            item
            for item in emergencies
            if not self._excluded(item, exclusions) and not self._not_now(item, cues, clauses, folded)
        ]
        if not standing:
            return SafetyAssessment(None, dismissed=True)
        # The most serious kind; then the first words the resident wrote, as long as the lexicon could read them.
        best = min(standing, key=lambda item: (KINDS.index(item.category), item.start, item.start - item.end))
        if origins is None:
            phrase = normalized[best.start : best.end]
        else:
            phrase = normalized[origins[best.start][0] : origins[best.end - 1][1]]
        return SafetyAssessment(EmergencyMatch(kind=best.category, phrase=phrase, concern=best.name))

    def _excluded(self, match: _Found, exclusions: list[_Found]) -> bool:
        for exclusion in exclusions:
            applies_to = self._applies_to[exclusion.name]
            if exclusion.overlaps(match) and (applies_to is None or match.name in applies_to):
                return True
        return False

    def _not_now(self, match: _Found, cues: list[_Found], clauses: _Clauses, folded: str) -> bool:
        clause = clauses.index(match.start)
        in_clause = [cue for cue in cues if clauses.index(cue.start) == clause]
        scope = self._lexicon.cue_scope

        def before(cue: _Found) -> bool:
            return cue.start < match.start and len(words(folded[cue.end : match.start])) <= scope

        def after(cue: _Found) -> bool:
            return cue.end > match.end and len(words(folded[match.end : cue.start])) <= scope

        def within(cue: _Found) -> bool:  # "l'eau sera coupée": the time is said inside the words that matched
            return match.start <= cue.start and cue.end <= match.end

        doubts = [cue for cue in in_clause if cue.name == NOT_A_CONDITION]
        for cue in in_clause:
            if cue.name == HYPOTHETICAL and before(cue) and not any(cue.overlaps(doubt) for doubt in doubts):
                return True
            if cue.name == RESOLVED and before(cue):
                return True
        if any(cue.name == NOW for cue in in_clause):
            return False
        return any(cue.name in _ANOTHER_TIME and (before(cue) or after(cue) or within(cue)) for cue in in_clause)


def _cut_run(match: re.Match[str]) -> str:
    run = list(match.group())
    for position in range(_RUN_CUT, len(run), _RUN_CUT):
        run[position] = " "
    return "".join(run)


@lru_cache(maxsize=1)
def default_detector() -> EmergencyDetector:
    """The detector the assistant uses, built once per process (compiling the lexicon takes a few seconds)."""
    return EmergencyDetector.from_path()
