"""How the trainer-edited lexicons read a message: the one tokenisation of lexicons/emergencies.yml and
lexicons/netiquette.yml, so that a word written in either lexicon meets a message's words the same way.

A message is cut by spaCy's blank French tokenizer, which splits elisions ("l'eau", "j'vais", "t'es"); the English
contractions it splits by mistake are joined back ("don'" + "t" -> "don't"). Each word gets a norm: lower case, no
accents, no apostrophes ("Don't" -> "dont", "l'" -> "l", "Œuf" -> "oeuf"). A word the lexicon does not know may
stand for one it knows: letters drawn out ("FEUUUU" -> "feu"), digits for letters ("r3tard"), and, for the words of
the netiquette's `obfuscated` lists only, signs for letters ("f*ck") or letters spaced out ("f u c k"). Web and
e-mail addresses read as `<link>`, `<city-link>` and `<email>`. Offsets stay those of the text the resident wrote.

Used through pointe_claire.patterns (which compiles the lexicons for this reading) by pointe_claire.safety and
pointe_claire.netiquette; the trainer's guide is docs/lexicons.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc
from spacy.vocab import Vocab

from pointe_claire.text_normalization import fold

# The norm of web addresses, so that `<link>` is a word like any other; the City's own, and e-mail addresses.
LINK = "<link>"
CITY_LINK = "<city-link>"
EMAIL = "<email>"
EMOJI = "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]"
# Sentence ends: a gap or <any> never stands for them ("fire drill today. Also the tree..." is two statements).
SENTENCE_ENDS = (".", "!", "?", ";", "…")
# Appended to every message so that a pattern can require something after a word ("has to go <punct>") even at
# the end of the message; never part of a match's words.
_SENTINEL = " ."
# Elided French words the tokenizer rightly splits off ("l'", "qu'"). Any other word ending in an apostrophe is the
# head of an English contraction the French tokenizer split by mistake ("don'" + "t") and is joined back.
_FRENCH_ELISIONS = frozenset({"c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"})
_APOSTROPHES = str.maketrans({ch: "'" for ch in "’‘`´ʼ"})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
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
# An elision typed with a comma for its apostrophe, as in SMS: "nous n, avons pas d, eau", "j,aimerais". French
# elides only before a vowel or an h; the comma becomes the apostrophe, so the text keeps its length. Lower case,
# or a capital written against its word ("J,ai"): "Plan C, and" is English.
_COMMA_ELISION = re.compile(
    r"(?<![^\W_])((?:[cdjlmnst]|qu),(?= ?[aeiouyhàâéèêëîïôûü])|(?:[CDJLMNST]|QU|Qu),(?=[^\W\d_]))"
)
# One letter, with or without its dot: "S. O. S.", "s V p" spell a word out. Any one character: "f u c k", "c @ l".
_SPELLED_LETTER = re.compile(r"[^\W\d_]\.?")
_ONE_CHARACTER = re.compile(r".", re.DOTALL)
_MAX_SPELLED = 16
_CHUNK = re.compile(r"\S+")
_WEB_ADDRESS = re.compile(r"://|^www\.|@|[^\W_]\.[a-z]{2,}(?:/|$)", re.IGNORECASE)
# spaCy's tokenizer takes quadratic time on one long run without spaces (5,000 emojis: 6 s). No lexicon word is
# that long, so such runs (web addresses apart) are cut every _RUN_CUT characters, in place.
_LONG_RUN = 40
_RUN_CUT = 20
_MAX_KNOWN_NORMS = 200_000


def base_norm(text: str) -> str:
    """The form words are compared in: lower-case, no accents or apostrophes ("Don't" -> "dont", "Œil" -> "oeil")."""
    return fold(text.translate(_APOSTROPHES)).translate(_LIGATURES).replace("'", "")


def same_length_fold(text: str) -> str:
    """`fold(text)` character by character, so that offsets in it are offsets in `text` ("Été" -> "ete")."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded
    return "".join(f if len(f := fold(ch)) == 1 else ch for ch in text)


def visible(text: str) -> str:
    """The text the tokenizer reads: same length as the original, so offsets point into what the resident wrote.

    Hyphens between letters become spaces ("nid-de-poule", "sans-dessein", "f-u-c-k") except in web and e-mail
    addresses; curly apostrophes become straight ones, and so does a comma typed for an elision's apostrophe ("d,
    eau"); emoji joiners become spaces; very long runs without a space are cut.
    """
    text = _EMOJI_JOINERS.sub(" ", text)
    text = _COMMA_ELISION.sub(lambda match: match.group()[:-1] + "'", text.translate(_APOSTROPHES))

    def readable(match: re.Match[str]) -> str:
        chunk = match.group()
        if _WEB_ADDRESS.search(chunk):
            return chunk
        chunk = _HYPHEN_BETWEEN_LETTERS.sub(" ", chunk)
        if len(chunk) < _LONG_RUN:
            return chunk
        return "".join(" " if i and i % _RUN_CUT == 0 else ch for i, ch in enumerate(chunk))

    return _CHUNK.sub(readable, text)


@dataclass(frozen=True)
class Vocabulary:
    """The words and stems a lexicon uses: a word of a message the lexicon does not know is read as one it knows
    when it is that word drawn out or in leet ("FEUUUU", "r3tard"); `hidden_words` (the netiquette's `obfuscated`
    lists, most common first) are also found behind signs or spaced out, where a wrong guess costs least."""

    words: frozenset[str]
    stems: tuple[str, ...] = ()
    hidden_words: tuple[str, ...] = ()
    hidden_stems: tuple[str, ...] = ()

    # Norms already worked out, by the text of a word: residents use the same words over and over.
    _known_norms: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def norm(self, text: str) -> str:
        """The norm of a word of a message: the lexicon word it stands for, or its own."""
        norm = self._known_norms.get(text)
        if norm is None:
            norm = self._norm(text)
            if len(self._known_norms) < _MAX_KNOWN_NORMS:
                self._known_norms[text] = norm
        return norm

    def _norm(self, text: str) -> str:
        base = base_norm(text)
        if self.is_known(base) or not any(ch.isalpha() for ch in base):
            return base
        if base.isalpha() and not _LONG_REPEATS.search(base):
            return base  # nearly every word: no spelling to undo
        known = next((c for c in _decodings(base) if c != base and self.is_known(c)), None)
        return known or self.unhide(base) or base

    def unhide(self, base: str) -> str | None:
        """The hidden word `base` stands for, or None."""
        if not self.hidden_words and not self.hidden_stems or not any(ch.isalpha() for ch in base):
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
        return base in self.words or (bool(self.stems) and base.startswith(self.stems))

    def is_hidden(self, base: str) -> bool:
        """Whether `base` is one of the hidden words."""
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
    """The spellings a word may be read as: without spaces or dots, leet decoded, long repeats cut."""
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


class LexiconReading:
    """The reading (pointe_claire.patterns.Reading) of every lexicon: lexicon words and messages cut alike."""

    sentence_ends = SENTENCE_ENDS

    def __init__(self, city_hosts: frozenset[str] = frozenset()) -> None:
        self._nlp = _blank_french()
        self._sentencizer = Sentencizer()
        self._city_hosts = city_hosts

    @property
    def vocab(self) -> Vocab:
        return self._nlp.vocab

    def literal(self, text: str) -> tuple[str, ...]:
        """The norms of a lexicon word or phrase, tokenized exactly like a message: a hyphen between letters is a
        space in both ("sous-sol" is `sous_sol`: it finds "sous-sol" and "sous sol")."""
        doc = self._nlp.make_doc(visible(text))
        self._join(doc, None)
        # A lone elision ("l'", "d'") loses its apostrophe to the tokenizer: the apostrophe token is dropped.
        return tuple(norm for token in doc if not token.is_space and (norm := base_norm(token.text)))

    def doc(self, text: str, vocabulary: Vocabulary) -> Doc:
        """`text` cut into words, each with its norm (token.norm_) and sentence starts; token offsets are offsets
        in `text`, and one sentence end more follows it."""
        doc = self._nlp.make_doc(visible(text) + _SENTINEL)
        self._join(doc, vocabulary)
        for token in doc:
            if token.like_email:
                token.norm_ = EMAIL
            elif token.like_url:
                token.norm_ = CITY_LINK if self._is_city(token.text) else LINK
            elif _EMOJI_ONLY.fullmatch(token.text):
                token.norm_ = token.text
            else:
                token.norm_ = vocabulary.norm(token.text)
        return self._sentencizer(doc)

    def _is_city(self, address: str) -> bool:
        host = re.sub(r"^[a-z]+://", "", address.lower()).split("/")[0].split("@")[-1]
        host = host.removeprefix("www.")
        return any(host == city or host.endswith("." + city) for city in self._city_hosts)

    def _join(self, doc: Doc, vocabulary: Vocabulary | None) -> None:
        """Merges the tokens of one word the tokenizer cut apart (see `_joined_end`)."""
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(doc) - 1:
            end = _joined_end(doc, i, vocabulary)
            if end > i + 1:
                spans.append((i, end))
                i = end
            else:
                i += 1
        if spans:
            with doc.retokenize() as retokenizer:
                for start, end in spans:
                    retokenizer.merge(doc[start:end])


def _joined_end(doc: Doc, i: int, vocabulary: Vocabulary | None) -> int:
    """Where the word that starts at token `i` ends, when the tokenizer cut it into pieces: a word written with
    hyphens that the lexicon knows as one ("hold-up"; in the lexicon, every hyphenated word), an English
    contraction, a hidden word."""
    token, following = doc[i], doc[i + 1]
    # "d" + "'" (then a space): an elision whose apostrophe the tokenizer cut off, as in "pas d' eau".
    if following.text == "'" and not token.whitespace_ and base_norm(token.text) in _FRENCH_ELISIONS:
        return i + 2
    # "don'" + "t", "I'" + "ll": English contractions, one word as residents also type them ("dont", "ill").
    if (
        token.text.endswith("'")
        and not token.whitespace_
        and following.is_alpha
        and base_norm(token.text) not in _FRENCH_ELISIONS
    ):
        return i + 2
    if vocabulary is None:
        return i
    spelled_end = _spelled_out_end(doc, i, vocabulary)
    if spelled_end > i + 1:
        return spelled_end
    if not (vocabulary.hidden_words or vocabulary.hidden_stems):
        return i
    # "tabar" + "***", "1d10" + "t": pieces of one hidden word the tokenizer cut apart.
    chunk_end = i + 1
    while chunk_end < len(doc) and not doc[chunk_end - 1].whitespace_ and not doc[chunk_end].is_space:
        chunk_end += 1
    if chunk_end > i + 1 and any(ch in _OBFUSCATION_CHARS for ch in doc[i:chunk_end].text):
        for end in range(chunk_end, i + 1, -1):
            if vocabulary.unhide(base_norm(doc[i:end].text)):
                return end
    # "f u c k", "T A B A R N A K": letters spaced out.
    if len(token.text) == 1:
        for end in range(_letters_end(doc, i, _ONE_CHARACTER), i + 2, -1):
            joined = "".join(t.text for t in doc[i:end])
            hidden = vocabulary.unhide(base_norm(joined)) or base_norm(joined)
            if vocabulary.is_hidden(hidden):
                return end
    return i


def _spelled_out_end(doc: Doc, i: int, vocabulary: Vocabulary) -> int:
    """Where a lexicon word spelled out letter by letter ends, when one starts at token `i`: "S. O. S.", "s V p".
    Three letters at least, or dotted ones: two bare letters are words of their own ("il y a")."""
    for end in range(_letters_end(doc, i, _SPELLED_LETTER), i + 1, -1):
        letters = doc[i:end]
        dotted = all(token.text.endswith(".") for token in letters[:-1])
        if (end - i >= 3 or dotted) and vocabulary.is_known(base_norm("".join(t.text.rstrip(".") for t in letters))):
            return end
    return i


def _letters_end(doc: Doc, i: int, letter: re.Pattern[str]) -> int:
    """Where a run of one-letter tokens from token `i` ends, at most _MAX_SPELLED of them: no lexicon word is
    longer, and a message of thousands of lone letters must not cost their square."""
    end, longest = i, min(len(doc), i + _MAX_SPELLED)
    while end < longest and letter.fullmatch(doc[end].text) and doc[end].whitespace_ in (" ", ""):
        end += 1
    return end


@lru_cache(maxsize=1)
def _blank_french() -> Language:
    """spaCy's blank French pipeline, built once per process: its tokenizer rules take seconds to compile."""
    return spacy.blank("fr")
