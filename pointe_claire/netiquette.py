"""Finds what in a resident's message breaks the City's netiquette (abuse and threats, politics, solicitation,
personal information, illegal activity). Called by the assistant, and by the tests and `make evaluate` via `score()`.

Personal information is decided here, on top of the Redactor's findings: phones, e-mails, plates... always count,
an address only when the lexicon's `decides: STREET_ADDRESS` entry ties it to a person (the place of a problem is
no one's information). What the tracker store removes is the Redactor's business alone and does not change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
import yaml
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc
from spacy.vocab import Vocab

from pointe_claire.city_facts import PROJECT_ROOT, cached_city_facts
from pointe_claire.patterns import (
    EMOJI,
    LINK,
    Compiler,
    PatternError,
    PatternIndex,
    WordLists,
    check_patterns,
    items,
    read_lexicon,
    where,
)
from pointe_claire.redaction import Redactor, default_redactor
from pointe_claire.text_normalization import fold

DEFAULT_LEXICON_PATH = PROJECT_ROOT / "lexicons" / "netiquette.yml"

ABUSE = "abuse"
POLITICAL = "political"
SOLICITATION = "solicitation"
PERSONAL_INFORMATION = "personal_information"
ILLEGAL = "illegal"
RULES = (ABUSE, POLITICAL, SOLICITATION, PERSONAL_INFORMATION, ILLEGAL)
# Not a rule of the netiquette but a flag on abuse; `score()` reports it like a rule.
THREAT = "threat"

# Sentence ends: a gap or <any> never crosses them.
_SENTENCE_END = (".", "!", "?", "…")
# Appended to every message so that a pattern can require something after a word ("has to go <punct>") even at
# the end of the message; never part of the evidence.
_SENTINEL = " ."
# Elided French words the tokenizer rightly splits off ("l'", "qu'"). Any other word ending in an apostrophe is the
# head of an English contraction the French tokenizer split by mistake ("don'" + "t") and is joined back.
_FRENCH_ELISIONS = frozenset({"c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"})
_APOSTROPHES = str.maketrans({ch: "'" for ch in "’‘`´ʼ"})
# Characters people put in a word to hide it ("f*ck", "f#ck", "c_lisse") and digits or signs that stand for letters.
_WILDCARDS = "*#_"
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"})
_OBFUSCATION_CHARS = frozenset(_WILDCARDS) | frozenset("@40135!$7")
_SEPARATORS = re.compile(r"[.\-'\s]")
_LONG_REPEATS = re.compile(r"(.)\1{2,}")
# Emoji presentation selector, zero-width joiner and skin tones: they split one emoji into several tokens.
_EMOJI_JOINERS = re.compile("[\ufe0f\u200d\U0001f3fb-\U0001f3ff]")
_EMOJI_ONLY = re.compile(f"{EMOJI}+")
_HYPHEN_BETWEEN_LETTERS = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_CHUNK = re.compile(r"\S+")
_WEB_ADDRESS = re.compile(r"://|^www\.|@|[^\W_]\.[a-z]{2,}(?:/|$)", re.IGNORECASE)
# Norms the tokenizer gives web and e-mail addresses, so that patterns can list them with words in one set
# (`<link>` is pointe_claire.patterns.LINK).
_CITY_LINK = "<city-link>"
_EMAIL = "<email>"


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
    together: tuple[str, ...]
    threat: bool
    placeholder: str | None
    examples: tuple[str, ...]
    not_after: str | None = None  # a slot ("@negation"): matches right after one of its words do not count
    also: tuple[str, ...] = ()  # further rules the entry's matches break ("set fire to city hall": illegal too)
    # A kind of the Redactor ("STREET_ADDRESS") this entry decides: its findings are personal information only when
    # one of the entry's patterns matches the message as the Redactor writes it ("my neighbour at [ADDRESS]").
    decides: str | None = None
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


# --- text to tokens ----------------------------------------------------------------------------------------------


def _base_norm(text: str) -> str:
    """The form words are compared in: lower-case, no accents, no apostrophes ("Don't" -> "dont", "t'" -> "t")."""
    return fold(text).replace("'", "")


def _visible(text: str) -> str:
    """The text the tokenizer reads: same length as the original, so offsets point into what the resident wrote.

    Hyphens between letters become spaces ("nid-de-poule", "sans-dessein", "f-u-c-k") except in web and e-mail
    addresses; curly apostrophes become straight ones; emoji joiners become spaces.
    """
    text = _EMOJI_JOINERS.sub(" ", text)
    text = text.translate(_APOSTROPHES)

    def unhyphenate(match: re.Match[str]) -> str:
        chunk = match.group()
        return chunk if _WEB_ADDRESS.search(chunk) else _HYPHEN_BETWEEN_LETTERS.sub(" ", chunk)

    return _CHUNK.sub(unhyphenate, text)


@dataclass(frozen=True)
class _Canon:
    """Undoes obfuscations by finding which lexicon word an odd token stands for ("c@lisse" -> "calisse")."""

    vocabulary: frozenset[str]
    stems: tuple[str, ...]
    hidden_words: tuple[str, ...]  # words of the `obfuscated` lists, in their order (most common abuse first)
    hidden_stems: tuple[str, ...]

    def norm(self, text: str) -> str:
        base = _base_norm(text)
        if self.is_known(base) or not any(ch.isalpha() for ch in base):
            return base
        # Decoded spellings may stand for any word of the lexicon ("r3tard", "gooooo"); guessing behind
        # wildcards is kept to the `obfuscated` lists, where a wrong guess costs least.
        known = next((c for c in _decodings(base) if c != base and self.is_known(c)), None)
        return known or self.unhide(base) or base

    def unhide(self, base: str) -> str | None:
        """The hidden word of the `obfuscated` lists that `base` stands for, or None."""
        if not any(ch.isalpha() for ch in base):
            return None
        candidates = _decodings(base)
        for candidate in candidates:
            if candidate != base and self.is_hidden(candidate):
                return candidate
        for candidate in candidates:
            if any(ch in _WILDCARDS for ch in candidate):
                found = self._wildcard(candidate)
                if found:
                    return found
        return None

    def is_known(self, base: str) -> bool:
        """Whether `base` is a word of the lexicon, or starts like one of its stems."""
        return base in self.vocabulary or (bool(self.stems) and base.startswith(self.stems))

    def is_hidden(self, base: str) -> bool:
        """Whether `base` is a word of the `obfuscated` lists."""
        return base in self.hidden_words or (bool(self.hidden_stems) and base.startswith(self.hidden_stems))

    def _wildcard(self, masked: str) -> str | None:
        letters = sum(ch.isalpha() for ch in masked)
        if letters < 1 or not masked[0].isalpha():
            return None

        def fits(word: str) -> bool:
            return all(m == w or m in _WILDCARDS for m, w in zip(masked, word, strict=True))

        # "f*ck", "tabar***": one hidden letter per sign, the usual way.
        for word in self.hidden_words:
            if len(word) == len(masked) and fits(word):
                return word
        # "f**king": a stem followed by an ending.
        for stem in self.hidden_stems:
            if len(masked) >= len(stem) and _fits_prefix(masked, stem):
                return stem + masked[len(stem) :]
        # "tabar*": the signs stand for the rest of the word.
        prefix = masked.rstrip(_WILDCARDS)
        if len(prefix) >= 3 and prefix.isalpha() and len(prefix) < len(masked):
            return next((w for w in self.hidden_words if w.startswith(prefix) and len(w) > len(prefix)), None)
        return None


def _decodings(base: str) -> tuple[str, ...]:
    """The spellings a hidden word may be read as: without spaces or dots, leet decoded, long repeats cut."""
    squeezed = base.replace(" ", "")
    return tuple(
        dict.fromkeys(
            variant
            for form in (squeezed, _SEPARATORS.sub("", squeezed))
            for decoded in (form, form.translate(_LEET))
            for variant in (decoded, _LONG_REPEATS.sub(r"\1", decoded), _LONG_REPEATS.sub(r"\1\1", decoded))
        )
    )


def _fits_prefix(masked: str, stem: str) -> bool:
    """Whether the start of `masked` spells `stem`, wildcards standing for any letter."""
    return all(m == s or m in _WILDCARDS for m, s in zip(masked, stem, strict=False))


class _Tokenizer:
    """spaCy's blank French tokenizer, plus the fixes social-media text needs; sets each token's norm. The reading
    (pointe_claire.patterns.Reading) of the netiquette lexicon."""

    sentence_ends = _SENTENCE_END

    def __init__(self, city_hosts: frozenset[str]) -> None:
        # The French rules split elisions ("l'hôtel", "j'vais", "t'es"); the English tokenizer would leave them
        # whole. English contractions the French rules split ("don'" + "t") are joined back in `_join`.
        self._nlp = _blank_french()
        self._sentencizer = Sentencizer()
        self._city_hosts = city_hosts

    @property
    def vocab(self) -> Vocab:
        return self._nlp.vocab

    def literal(self, text: str) -> tuple[str, ...]:
        """The norms of a lexicon word or phrase, tokenized exactly like a message."""
        doc = self._nlp.make_doc(_visible(text))
        self._join(doc, None)
        # A lone elision ("l'", "d'") loses its apostrophe to the tokenizer: the apostrophe token is dropped.
        return tuple(norm for token in doc if not token.is_space and (norm := _base_norm(token.text)))

    def doc(self, text: str, canon: _Canon) -> Doc:
        doc = self._nlp.make_doc(_visible(text) + _SENTINEL)
        self._join(doc, canon)
        for token in doc:
            if token.like_email:
                token.norm_ = _EMAIL
            elif token.like_url:
                token.norm_ = _CITY_LINK if self._is_city(token.text) else LINK
            elif _EMOJI_ONLY.fullmatch(token.text):
                token.norm_ = token.text
            else:
                token.norm_ = canon.norm(token.text)
        return self._sentencizer(doc)

    def _is_city(self, address: str) -> bool:
        host = re.sub(r"^[a-z]+://", "", address.lower()).split("/")[0].split("@")[-1]
        host = host.removeprefix("www.")
        return any(host == city or host.endswith("." + city) for city in self._city_hosts)

    def _join(self, doc: Doc, canon: _Canon | None) -> None:
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(doc) - 1:
            end = self._joined_end(doc, i, canon)
            if end > i + 1:
                spans.append((i, end))
                i = end
            else:
                i += 1
        if spans:
            with doc.retokenize() as retokenizer:
                for start, end in spans:
                    retokenizer.merge(doc[start:end])

    def _joined_end(self, doc: Doc, i: int, canon: _Canon | None) -> int:
        token, following = doc[i], doc[i + 1]
        # "don'" + "t", "I'" + "ll": English contractions, one word as residents also type them ("dont", "ill").
        if (
            token.text.endswith("'")
            and not token.whitespace_
            and following.is_alpha
            and _base_norm(token.text) not in _FRENCH_ELISIONS
        ):
            return i + 2
        if canon is None:
            return i
        # "tabar" + "***", "1d10" + "t": pieces of one hidden word the tokenizer cut apart.
        chunk_end = i + 1
        while chunk_end < len(doc) and not doc[chunk_end - 1].whitespace_ and not doc[chunk_end].is_space:
            chunk_end += 1
        if chunk_end > i + 1 and any(ch in _OBFUSCATION_CHARS for ch in doc[i:chunk_end].text):
            for end in range(chunk_end, i + 1, -1):
                if canon.unhide(_base_norm(doc[i:end].text)):
                    return end
        # "f u c k", "T A B A R N A K": letters spaced out.
        if len(token.text) == 1:
            run_end = i
            while run_end < len(doc) and len(doc[run_end].text) == 1 and doc[run_end].whitespace_ in (" ", ""):
                run_end += 1
            for end in range(run_end, i + 2, -1):
                joined = "".join(t.text for t in doc[i:end])
                hidden = canon.unhide(_base_norm(joined)) or _base_norm(joined)
                if canon.is_hidden(hidden):
                    return end
        return i


@lru_cache(maxsize=1)
def _blank_french() -> Language:
    """spaCy's blank French pipeline, built once per process: its tokenizer rules take seconds to compile."""
    return spacy.blank("fr")


def _load_entries(raw: Mapping[str, Any], source: str) -> tuple[LexiconEntry, ...]:
    entries = []
    for rule, rule_entries in (raw.get("rules") or {}).items():
        if rule not in RULES:
            raise PatternError(where(source, rule), f"unknown rule {rule!r}, expected one of {RULES}")
        for entry in rule_entries:
            name = str(entry.get("name", "?"))
            place = where(source, entry.get("name", ""), f"{rule} / {name}")
            patterns = tuple(_text(p) for p in entry.get("patterns") or ())
            together = tuple(_text(p) for p in entry.get("together") or ())
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
            decides = entry.get("decides")
            if decides is not None and (rule != PERSONAL_INFORMATION or together):
                raise PatternError(place, "`decides` is for personal information entries with `patterns`")
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
        for pattern in (*entry.patterns, *entry.together, *([entry.not_after] if entry.not_after else []))
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
        self._tokenizer = _Tokenizer(frozenset(city_hosts) if city_hosts is not None else _city_hosts())
        self._entries = _load_entries(raw, source.name)
        lists = WordLists(raw.get("words") or {}, self._tokenizer, source.name)
        compiler = Compiler(lists, self._tokenizer)
        self._index = PatternIndex(self._tokenizer.vocab)
        # Entries that decide a kind of the Redactor are read on the redacted message, in an index of their own.
        self._redacted_index = PatternIndex(self._tokenizer.vocab)
        self._decided: dict[str, str] = {}  # Redactor kind -> the key of the entry that decides it
        self._keys: dict[str, tuple[int, int]] = {}
        self._not_after: dict[int, frozenset[str]] = {}
        for index, entry in enumerate(self._entries):
            if entry.decides is not None:
                if entry.decides not in self._placeholders:
                    raise PatternError(where(source.name, entry.name, entry.where), f"unknown kind {entry.decides!r}")
                key = f"{entry.rule}/{index}/decides"
                for pattern in entry.patterns:
                    self._redacted_index.add(key, compiler.compile(pattern, where(source.name, pattern, entry.where)))
                self._decided[entry.decides] = key
                continue
            # One key per part that must be found: every pattern of an entry is one part (any may match), every
            # pattern of `together` is a part of its own (all must match).
            parts = [[pattern] for pattern in entry.together] or [list(entry.patterns)]
            for part, patterns in enumerate(parts):
                key = f"{entry.rule}/{index}/{part}"
                for pattern in patterns:
                    self._index.add(key, compiler.compile(pattern, where(source.name, pattern, entry.where)))
                self._keys[key] = (index, part)
            if entry.not_after:
                self._not_after[index] = lists.single_words(
                    entry.not_after, where(source.name, entry.not_after, entry.where)
                )
        hidden = [lists.list_terms(name, "obfuscated") for name in raw.get("obfuscated") or ()]
        self._canon = _Canon(
            vocabulary=frozenset(lists.vocabulary),
            stems=tuple(sorted(lists.stems)),
            hidden_words=tuple(dict.fromkeys(w for terms in hidden for w in sorted(terms.words))),
            hidden_stems=tuple(dict.fromkeys(s for terms in hidden for s in terms.stems)),
        )
        self._mild_words = tuple(items(raw.get("mild_words") or ""))

    @property
    def entries(self) -> tuple[LexiconEntry, ...]:
        return self._entries

    @property
    def mild_words(self) -> tuple[str, ...]:
        """Words the lexicon documents as civil on their own ("maudit", "damn")."""
        return self._mild_words

    def check(self, text: str) -> list[Violation]:
        """Every rule the message breaks, rule by rule in the order of RULES, with what shows it."""
        found: dict[str, list[_Found]] = {rule: [] for rule in RULES}
        self._match(text, found)
        redaction = self._redactor.redact(text)
        for kind in redaction.kinds:
            if kind in self._decided and not self._tied(redaction.text, self._decided[kind]):
                continue  # an address that is only the place of a problem ("a pothole in front of 12 Cedar")
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

    def _tied(self, redacted: str, key: str) -> bool:
        """Whether the deciding entry `key` matches the redacted message (the finding is tied to a person)."""
        doc = self._tokenizer.doc(redacted, self._canon)
        return any(found_key == key for found_key, _, _ in self._redacted_index.find(doc))

    def _match(self, text: str, found: dict[str, list[_Found]]) -> None:
        doc = self._tokenizer.doc(text, self._canon)
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
