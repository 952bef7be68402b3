"""The one pattern language of the trainer-edited lexicons (lexicons/emergencies.yml, lexicons/netiquette.yml): reads
a pattern, reports a trainer's mistake with its file:line, compiles it into spaCy Matcher patterns and finds matches.

Called by pointe_claire.safety and pointe_claire.netiquette, which decide what a match means (which emergency
wins, which rule is broken), and by scripts/validate_project.py. The trainer's guide is docs/lexicons.md.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS
from spacy.lang.fr.stop_words import STOP_WORDS as FRENCH_STOP_WORDS
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from pointe_claire.lexicon_reading import EMOJI, LINK, LexiconReading, Vocabulary

# `...3`: a gap of 0 to 3 words. The bound is always written: the old lexicons had `..` = 3, `...` = 8 or 3.
_GAP = re.compile(r"^\.\.\.(\d+)$")
MAX_GAP = 20
# A pattern whose alternatives multiply into more spaCy patterns than this is a mistake in the lexicon.
MAX_VARIANTS = 5000
KINDS = ("name", "number", "link", "emoji", "any", "punct")
_NUMBER = r"^\d+(?:[.,]\d+)*$"
_REFERENCE = re.compile(r"^@(\w+)$")
# `_` joins the words of one alternative: `no_longer`, `vous_êtes`, `hôtel_de_ville`.
JOINER = "_"

TokenSpec = dict[str, Any]
Variant = list[TokenSpec]


class PatternError(ValueError):
    """A trainer's mistake in a lexicon, with where it is (`lexicons/netiquette.yml:212`) and what to fix."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class LocatedText(str):
    """A string read from a lexicon, with the line it starts on, so that an error can point at it."""

    line: int = 0


def _located(base: type[yaml.SafeLoader] | type[yaml.BaseLoader]) -> Any:
    class Loader(base):  # type: ignore[misc, valid-type]
        def construct_scalar(self, node: yaml.Node) -> Any:
            value = super().construct_scalar(node)
            if isinstance(value, str):
                value = LocatedText(value)
                value.line = node.start_mark.line + 1
            return value

    return Loader


# libyaml's parser when PyYAML has it (the wheels do): several times faster; the marks give the same line numbers.
_LOADERS = {
    True: _located(getattr(yaml, "CBaseLoader", yaml.BaseLoader)),
    False: _located(getattr(yaml, "CSafeLoader", yaml.SafeLoader)),
}


def read_lexicon(path: Path, all_strings: bool = False) -> Any:
    """A lexicon's YAML with every string located; `all_strings` keeps `no` or `on` as words, not booleans."""
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_LOADERS[all_strings])  # noqa: S506 (safe and base loaders only)


def where(source: str, text: str, what: str = "") -> str:
    """`file:line` of a located string (just `file` otherwise), then what it is ("abuse / insults")."""
    line = getattr(text, "line", 0)
    place = f"{source}:{line}" if line else source
    return f"{place}: {what}" if what else place


def items(value: Any) -> list[str]:
    """A word list written `a | b | c` (folded over lines, `|` and spaces as you like) or as a YAML list."""
    parts = value.split("|") if isinstance(value, str) else [str(item) for item in value]
    return [" ".join(part.split()) for part in parts if part.strip()]


# --- reading a pattern ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One slot of a pattern: the alternatives for one word (or a gap), and how it may be absent or negated."""

    alternatives: tuple[str, ...] = ()  # words, `stem*`, `@list`, `<kind>`, `a_b` (several words), or one `/regex/`
    gap: int = 0  # a gap of 0 to `gap` words, when > 0
    optional: bool = False  # `slot?`
    negated: bool = False  # `!a|b`: one word that is none of these
    sentence_start: bool = False  # `^slot`

    @property
    def required(self) -> bool:
        return not self.gap and not self.optional


def parse(pattern: str, place: str) -> tuple[Slot, ...]:
    """The slots of a pattern, or a PatternError saying what to write instead."""
    slots = tuple(_parse_slot(text, pattern, place) for text in pattern.split())
    if not slots:
        raise PatternError(place, "empty pattern")
    if slots[0].gap or slots[-1].gap:
        raise PatternError(place, f"pattern {pattern!r} must start and end with a word, not a gap")
    if not any(slot.required for slot in slots):
        raise PatternError(place, f"pattern {pattern!r} has no required word")
    return slots


def _parse_slot(text: str, pattern: str, place: str) -> Slot:
    gap = _GAP.match(text)
    if gap:
        if not 1 <= int(gap.group(1)) <= MAX_GAP:
            raise PatternError(place, f"{pattern!r}: a gap is `...1` to `...{MAX_GAP}`, not {text!r}")
        return Slot(gap=int(gap.group(1)))
    if set(text) == {"."} and len(text) > 1:
        raise PatternError(place, f"{pattern!r}: write how many words a gap may stand for: `...3`, not {text!r}")
    if "{{" in text:
        raise PatternError(place, f"{pattern!r}: {text!r}: a word list is written `@name`, not `{{{{name}}}}`")
    sentence_start, negated = text.startswith("^"), text.startswith("!")
    body = text[1:] if sentence_start or negated else text
    is_regex = len(body) > 2 and body.startswith("/") and body.endswith("/")
    optional = body.endswith("?") and len(body) > 1 and not is_regex
    body = body[:-1] if optional else body
    is_regex = len(body) > 2 and body.startswith("/") and body.endswith("/")
    if not body:
        raise PatternError(place, f"{pattern!r}: empty slot {text!r}")
    if sentence_start and optional:
        raise PatternError(place, f"{pattern!r}: {text!r}: a sentence start cannot be optional")
    if is_regex:
        try:
            re.compile(body[1:-1])
        except re.error as error:
            raise PatternError(place, f"{pattern!r}: {body}: {error}") from error
        alternatives: tuple[str, ...] = (body,)
    else:
        alternatives = tuple(body.split("|"))
        if not all(alternatives):
            raise PatternError(place, f"{pattern!r}: empty choice in slot {text!r}")
        for alternative in alternatives:
            _check_alternative(alternative, f"{pattern!r}", place)
    return Slot(alternatives, optional=optional, negated=negated, sentence_start=sentence_start)


def _check_alternative(alternative: str, context: str, place: str) -> None:
    if alternative.startswith("<") and alternative.endswith(">") and alternative[1:-1] not in KINDS:
        raise PatternError(place, f"{context}: unknown {alternative}, expected one of {KINDS}")


# --- words and word lists ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """What the alternatives of a slot stand for, sorted by how spaCy can match them."""

    words: frozenset[str]  # one-word literals
    phrases: tuple[tuple[str, ...], ...]  # several-word literals
    regexes: tuple[str, ...]  # stems and /regex/, as regular expressions for the whole norm
    kinds: tuple[str, ...]
    stems: tuple[str, ...]
    prefixed_phrases: tuple[tuple[str, ...], ...] = ()  # several words, the last one a stem (`a_b*`)


class WordLists:
    """The `words:` section of a lexicon: named lists a pattern uses as `@name`, each cut by the lexicon's reading.

    Also collects every word and stem the lexicon's patterns use (the netiquette decodes obfuscations into them).
    """

    def __init__(self, raw: Mapping[str, Any], reading: LexiconReading, source: str) -> None:
        self._reading = reading
        self._source = source
        self._raw = {name: (value, items(value)) for name, value in raw.items()}
        self._resolved: dict[str, Terms] = {}
        self.vocabulary: set[str] = set()
        self.stems: set[str] = set()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._raw)

    def vocabulary_read(self, hidden: Iterable[Terms] = ()) -> Vocabulary:
        """The words and stems the patterns compiled so far use, and the `hidden` ones (found behind signs): what
        the reading turns a message's odd spellings into. Called once every pattern is compiled."""
        hidden = tuple(hidden)
        return Vocabulary(
            words=frozenset(self.vocabulary),
            stems=tuple(sorted(self.stems)),
            hidden_words=tuple(dict.fromkeys(word for terms in hidden for word in sorted(terms.words))),
            hidden_stems=tuple(dict.fromkeys(stem for terms in hidden for stem in terms.stems)),
        )

    def list_terms(self, name: str, place: str, seen: tuple[str, ...] = ()) -> Terms:
        if name in self._resolved:
            return self._resolved[name]
        if name not in self._raw:
            raise PatternError(place, f"unknown word list @{name}")
        value, alternatives = self._raw[name]
        if name in seen:
            raise PatternError(where(self._source, value), f"word list @{name} includes itself")
        terms = self.terms(alternatives, where(self._source, value, f"@{name}"), (*seen, name))
        self._resolved[name] = terms
        return terms

    def terms(self, alternatives: Iterable[str], place: str, seen: tuple[str, ...] = ()) -> Terms:
        words: set[str] = set()
        phrases: list[tuple[str, ...]] = []
        prefixed: list[tuple[str, ...]] = []
        regexes: list[str] = []
        kinds: list[str] = []
        stems: list[str] = []
        for alternative in alternatives:
            reference = _REFERENCE.match(alternative)
            if reference:
                inner = self.list_terms(reference.group(1), place, seen)
                words |= inner.words
                phrases += inner.phrases
                prefixed += inner.prefixed_phrases
                regexes += inner.regexes
                kinds += inner.kinds
                stems += inner.stems
            elif alternative.startswith("<") and alternative.endswith(">") and len(alternative) > 2:
                _check_alternative(alternative, "word list", place)
                if alternative == LINK:
                    words.add(alternative)  # the norm a reading gives a web address
                else:
                    kinds.append(alternative[1:-1])
            elif len(alternative) > 2 and alternative.startswith("/") and alternative.endswith("/"):
                try:
                    re.compile(alternative[1:-1])
                except re.error as error:
                    raise PatternError(place, f"{alternative}: {error}") from error
                regexes.append(f"(?:{alternative[1:-1]})")
            else:
                is_stem = alternative.endswith("*") and len(alternative) > 1
                tokens = self._reading.literal(alternative.rstrip("*").replace(JOINER, " "))
                if not tokens:
                    raise PatternError(place, f"{alternative!r} has no word")
                if is_stem and len(tokens) == 1:
                    stems.append(tokens[0])
                    regexes.append(re.escape(tokens[0]) + ".*")
                elif is_stem:
                    prefixed.append(tokens)
                elif len(tokens) == 1:
                    words.add(tokens[0])
                else:
                    phrases.append(tokens)
        self.vocabulary |= words | {token for phrase in phrases for token in phrase}
        self.stems |= set(stems)
        return Terms(
            frozenset(words),
            tuple(dict.fromkeys(phrases)),
            tuple(regexes),
            tuple(kinds),
            tuple(stems),
            tuple(dict.fromkeys(prefixed)),
        )

    def single_words(self, slot: str, place: str) -> frozenset[str]:
        """The one-word alternatives of a slot ("@negation"), for checks a lexicon makes outside the Matcher."""
        terms = self.terms(slot.split("|"), place)
        if terms.phrases or terms.regexes or terms.kinds or terms.prefixed_phrases:
            raise PatternError(place, f"{slot!r} must list single words")
        return terms.words

    def check(self) -> list[PatternError]:
        """Every mistake in the word lists (unknown or circular list, bad regex, item without a word)."""
        problems = []
        for name in self._raw:
            try:
                self.list_terms(name, self._source)
            except PatternError as error:
                problems.append(error)
        return problems


# --- patterns to spaCy Matcher patterns ----------------------------------------------------------------------------


class Compiler:
    """Turns the patterns of one lexicon into spaCy Matcher patterns for one reading."""

    def __init__(self, lists: WordLists, reading: LexiconReading) -> None:
        self.lists = lists
        self._ends = list(reading.sentence_ends)
        names = lists.names
        self._not_a_name = sorted(lists.list_terms("not_a_name", "<name>").words) if "not_a_name" in names else []

    def compile(self, pattern: str, place: str) -> list[Variant]:
        """Every spaCy pattern a lexicon pattern stands for (its alternatives of different lengths multiply)."""
        slots = parse(pattern, place)
        per_slot = [self._slot(slot, f"{place}: {pattern!r}") for slot in slots]
        count = 1
        for variants in per_slot:
            count *= len(variants)
        if count > MAX_VARIANTS:
            raise PatternError(place, f"{pattern!r} stands for {count} patterns; split it")
        compiled = [[spec for part in combination for spec in part] for combination in itertools.product(*per_slot)]
        # A combination of absent optional slots only would match anything: "le? feu?" needs one of its words.
        required = [variant for variant in compiled if any("OP" not in spec for spec in variant)]
        if not required:
            raise PatternError(place, f"pattern {pattern!r} has no required word")
        return required

    def _slot(self, slot: Slot, place: str) -> list[Variant]:
        if slot.gap:
            return [[{"NORM": {"NOT_IN": self._ends}, "OP": f"{{0,{slot.gap}}}"}]]
        terms = self.lists.terms(slot.alternatives, place)
        if slot.negated:
            if terms.phrases or terms.regexes or terms.kinds or terms.prefixed_phrases:
                raise PatternError(place, "'!' takes single words only")
            spec: TokenSpec = {"NORM": {"NOT_IN": sorted(terms.words)}}
            return [[{**spec, "OP": "?"}] if slot.optional else [spec]]
        variants: list[Variant] = []
        if terms.words:
            variants.append([{"NORM": {"IN": sorted(terms.words)}}])
        if terms.regexes:
            variants.append([{"NORM": {"REGEX": "^(?:" + "|".join(terms.regexes) + ")$"}}])
        variants += [[self._kind(kind)] for kind in terms.kinds]
        variants += [[_in(words) for words in rectangle] for rectangle in _rectangles(terms.phrases)]
        variants += [
            [*({"NORM": word} for word in phrase[:-1]), {"NORM": {"REGEX": f"^{re.escape(phrase[-1])}"}}]
            for phrase in terms.prefixed_phrases
        ]
        if slot.sentence_start:
            variants = [[{**variant[0], "IS_SENT_START": True}, *variant[1:]] for variant in variants]
        if slot.optional:
            if len(variants) == 1 and len(variants[0]) == 1:
                return [[{**variants[0][0], "OP": "?"}]]
            variants.append([])
        return variants

    def _kind(self, kind: str) -> TokenSpec:
        if kind == "name":
            return {"IS_TITLE": True, "NORM": {"NOT_IN": self._not_a_name}}
        if kind == "number":
            return {"NORM": {"REGEX": _NUMBER}}
        if kind == "emoji":
            return {"NORM": {"REGEX": f"^{EMOJI}+$"}}
        if kind == "punct":
            return {"IS_PUNCT": True}
        return {"NORM": {"NOT_IN": self._ends}}


def _in(words: frozenset[str]) -> TokenSpec:
    return {"NORM": next(iter(words))} if len(words) == 1 else {"NORM": {"IN": sorted(words)}}


def _rectangles(phrases: Iterable[tuple[str, ...]]) -> list[tuple[frozenset[str], ...]]:
    """Several-word alternatives grouped, exactly, into as few spaCy patterns as possible.

    Phrases that differ in one word only become one pattern with a set at that word ("we should", "someone
    should" -> {we, someone} should); merging repeats until nothing changes, so "city hall | town hall" is one
    pattern, while "let us | i will" stay two (one pattern would also accept "let will"). Each spaCy pattern is
    tried at every word of every message, so their number is what matching speed depends on.
    """
    shapes = {tuple(frozenset([word]) for word in phrase) for phrase in phrases}
    changed = True
    while changed:
        changed = False
        for position in range(max((len(shape) for shape in shapes), default=0)):
            groups: dict[tuple[Any, ...], set[tuple[frozenset[str], ...]]] = {}
            for shape in shapes:
                if position < len(shape):
                    key = (len(shape), shape[:position], shape[position + 1 :])
                    groups.setdefault(key, set()).add(shape)
            for members in groups.values():
                if len(members) > 1:
                    merged = frozenset().union(*(shape[position] for shape in members))
                    sample = next(iter(members))
                    shapes -= members
                    shapes.add((*sample[:position], merged, *sample[position + 1 :]))
                    changed = True
    return sorted(shapes, key=lambda shape: [sorted(words) for words in shape])


# --- finding matches fast ------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Words too frequent to tell which pattern may match, in either language (residents mix them)."""
    return frozenset(FRENCH_STOP_WORDS | ENGLISH_STOP_WORDS)


@dataclass(frozen=True)
class _Line:
    key: str
    matcher: Matcher
    anchor_words: frozenset[str]
    anchor_regexes: tuple[re.Pattern[str], ...]
    always: bool  # some variant has no word to anchor it (`<name> <name>`): tried on every message


def _anchor(variant: Variant) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """The most selective required token of a variant: rare words rather than "a" or "la", few rather than many,
    words rather than regexes; None when no required token names its words."""
    candidates: list[tuple[int, int, int, frozenset[str], tuple[str, ...]]] = []
    for spec in variant:
        value = spec.get("NORM")
        if "OP" in spec or value is None:
            continue
        if isinstance(value, str) or "IN" in value:
            choices = frozenset([value] if isinstance(value, str) else value["IN"])
            is_common = any(choice in common_words() or len(choice) <= 2 for choice in choices)
            candidates.append((0, int(is_common), len(choices), choices, ()))
        elif "REGEX" in value:
            candidates.append((1, 0, 0, frozenset(), (value["REGEX"],)))
    if not candidates:
        return None
    *_, words, regexes = min(candidates, key=lambda candidate: candidate[:3])
    return words, regexes


class PatternIndex:
    """Compiled patterns, one small Matcher each, indexed by the words one of which any of their matches contains.

    One Matcher for all patterns evaluates every word list and regex at every word of a message (emergencies: 4 ms
    a message); running only the patterns whose anchor word is in the message keeps most messages well under one.
    """

    def __init__(self, vocab: Vocab) -> None:
        self._vocab = vocab
        self._lines: list[_Line] = []
        self._by_word: dict[str, list[int]] = {}
        self._by_regex: list[tuple[re.Pattern[str], int]] = []
        self._always: list[int] = []

    def add(self, key: str, variants: list[Variant]) -> None:
        matcher = Matcher(self._vocab)
        matcher.add(key, variants)
        anchors = [_anchor(variant) for variant in variants]
        found = [anchor for anchor in anchors if anchor is not None]
        line = _Line(
            key,
            matcher,
            frozenset().union(*(words for words, _ in found)),
            tuple(re.compile(regex) for regex in sorted({r for _, regexes in found for r in regexes})),
            always=len(found) < len(anchors),
        )
        index = len(self._lines)
        self._lines.append(line)
        for word in line.anchor_words:
            self._by_word.setdefault(word, []).append(index)
        self._by_regex.extend((regex, index) for regex in line.anchor_regexes)
        if line.always:
            self._always.append(index)

    def find(self, doc: Doc, norms: set[str] | None = None) -> Iterator[tuple[str, int, int]]:
        """(key, start token, end token) of every match in `doc`, once each."""
        norms = {token.norm_ for token in doc} if norms is None else norms
        candidates = {index for norm in norms for index in self._by_word.get(norm, ())}
        candidates.update(index for regex, index in self._by_regex if any(regex.search(norm) for norm in norms))
        candidates.update(self._always)
        seen: set[tuple[str, int, int]] = set()  # several patterns of one key may find the same words
        for index in sorted(candidates):
            line = self._lines[index]
            for _, start, end in line.matcher(doc):
                if (line.key, start, end) not in seen:
                    seen.add((line.key, start, end))
                    yield line.key, start, end


def together_parts(value: Any, place: str) -> tuple[tuple[str, ...], ...]:
    """A lexicon's `together`: parts that must all be found in one message, in any sentence. A part is one pattern
    or a list of patterns, any of which finds it."""
    parts = tuple(
        tuple(p if isinstance(p, str) else str(p) for p in (part if isinstance(part, list) else [part]))
        for part in value or ()
    )
    if len(parts) < 2 or not all(parts):
        raise PatternError(place, "`together` needs two parts or more, each a pattern or a list of patterns")
    return parts


def check_patterns(patterns: Iterable[tuple[str, str]], lists: Mapping[str, Any], source: str) -> list[PatternError]:
    """Every syntax mistake in a lexicon's patterns (given with what they belong to) and word lists, without
    compiling them: what `make validate` reports, each with its file:line."""
    problems: list[PatternError] = []
    for pattern, what in patterns:
        place = where(source, pattern, what)
        try:
            for slot in parse(pattern, place):
                for alternative in slot.alternatives:
                    reference = _REFERENCE.match(alternative)
                    if reference and reference.group(1) not in lists:
                        raise PatternError(place, f"{pattern!r}: unknown word list @{reference.group(1)}")
        except PatternError as error:
            problems.append(error)
    for name, value in lists.items():
        for item in items(value):
            reference = _REFERENCE.match(item)
            if reference and reference.group(1) not in lists:
                problems.append(PatternError(where(source, value, f"@{name}"), f"unknown word list {item}"))
            elif not reference:
                try:
                    _check_alternative(item, f"@{name}", where(source, value))
                except PatternError as error:
                    problems.append(error)
    return problems
