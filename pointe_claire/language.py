"""Tells which language a resident wrote in: French, English, another language, or "not sure".

Called by the NLU component `pointe_claire.nlu.language_detector` and by the language benchmark. The detector
sits behind one small interface (`LanguageIdentifier`) so that it can be swapped and compared.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import yaml

from pointe_claire.city_facts import PROJECT_ROOT
from pointe_claire.names import ENGLISH, FRENCH, LANGUAGES
from pointe_claire.text_normalization import fold, words

OTHER = "other"
OFFICIAL_LANGUAGES = LANGUAGES

DEFAULT_HINTS_PATH = PROJECT_ROOT / "lexicons" / "language_hints.yml"

# A message needs this many words before a statistical verdict is trusted.
MIN_WORDS_FOR_STATISTICS = 3
# Lingua's confidence (English vs French) above which the verdict is "sure".
SURE_CONFIDENCE = 0.70
# How far one marker word ("svp", "pis", "thx") moves a hesitant verdict.
MARKER_WEIGHT = 0.12
# A one- or two-word message outside the hint lists is decided only when the detector is this sure
# ("farewell", "au revoir"); "ok", "merci", "lol" stay undecided and keep the conversation's language.
SHORT_MESSAGE_CONFIDENCE = 0.95
# Another language is declared only for a real sentence that the other languages together clearly win over French
# and English together ("gotta go, bye" must not be taken for Tagalog). Together, because close languages split the
# vote: "¿A qué hora abre la biblioteca?" is 0.47 Spanish, 0.37 Portuguese, 0.08 Italian and 0.06 French, and was
# answered in French when one language had to reach 0.60. No French or English example of the training and
# evaluation data (2,803 of 4 words or more) reaches these thresholds.
OTHER_LANGUAGE_MIN_WORDS = 4
OTHER_LANGUAGE_CONFIDENCE = 0.60
OTHER_LANGUAGE_MAX_OFFICIAL = 0.20

_NOISE = re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[@#]\w+")
_LATIN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿœŒ]")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_REPEATED_LETTERS = re.compile(r"(.)\1{2,}")


@dataclass(frozen=True)
class LanguageGuess:
    """A verdict: `language` is "fr", "en", "other", or None when the text cannot be told."""

    language: str | None
    confidence: float
    reason: str

    @property
    def is_sure(self) -> bool:
        return self.language is not None


class LanguageIdentifier(Protocol):
    """Anything that can name the language of a message."""

    def identify(self, text: str) -> LanguageGuess: ...


@dataclass(frozen=True)
class LanguageHints:
    """Trainer-editable word lists (lexicons/language_hints.yml), accent-folded."""

    place_names: Sequence[str]
    short_messages: dict[str, frozenset[str]]
    markers: dict[str, frozenset[str]]

    @classmethod
    def load(cls, path: Path = DEFAULT_HINTS_PATH) -> LanguageHints:
        with path.open(encoding="utf-8") as handle:
            raw = yaml.load(handle, Loader=yaml.BaseLoader)  # all strings: "no" and "yes" stay words
        return cls(
            # Longest first, so "des sources" goes before "sources" would.
            place_names=sorted((fold(p) for p in raw["place_names"]), key=len, reverse=True),
            short_messages={lang: frozenset(fold(w) for w in ws) for lang, ws in raw["short_messages"].items()},
            markers={lang: frozenset(fold(w) for w in ws) for lang, ws in raw["markers"].items()},
        )


def _without_noise(text: str, hints: LanguageHints) -> str:
    """The message without links, e-mails, mentions and place names, accents kept (the detector needs them)."""
    text = _NOISE.sub(" ", text)
    # Fold character by character so that a place found in the folded text can be blanked in the original.
    folded_chars = [fold(ch)[:1] or " " for ch in text]
    folded = "".join(folded_chars)
    kept = list(text)
    for place in hints.place_names:
        start = folded.find(place)
        while start != -1:
            kept[start : start + len(place)] = " " * len(place)
            folded = folded[:start] + " " * len(place) + folded[start + len(place) :]
            start = folded.find(place, start + len(place))
    return "".join(kept)


class LinguaIdentifier:
    """Lingua restricted to French and English, tipped by Québec/English marker words.

    Chosen by measurement (bench/language_id.py): on short citizen messages it is right far more often than
    langdetect. A second Lingua model over the Latin-script languages most spoken in Montréal after French and
    English recognises messages in another language; other scripts are recognised by their letters. Its
    high-accuracy mode is needed: the low-accuracy one took "lampadaire brulé près du parc" for Romanian.
    """

    def __init__(self, hints: LanguageHints | None = None) -> None:
        from lingua import Language, LanguageDetectorBuilder

        self._hints = hints or LanguageHints.load()
        self._official = (
            LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH)
            .with_preloaded_language_models()
            .build()
        )
        self._any = (
            LanguageDetectorBuilder.from_languages(
                Language.FRENCH,
                Language.ENGLISH,
                Language.SPANISH,
                Language.PORTUGUESE,
                Language.ITALIAN,
                Language.GERMAN,
            )
            .with_preloaded_language_models()
            .build()
        )

    def identify(self, text: str) -> LanguageGuess:
        letters = _LETTER.findall(text)
        if letters and sum(1 for ch in letters if _LATIN.match(ch)) < len(letters) / 2:
            return LanguageGuess(OTHER, 1.0, "non-latin script")
        original_words = words(_without_noise(text, self._hints))
        if not original_words:
            return LanguageGuess(None, 0.0, "no words")
        if len(original_words) < MIN_WORDS_FOR_STATISTICS:
            return self._identify_short(original_words)
        return self._identify_long(original_words)

    def _identify_short(self, original_words: list[str]) -> LanguageGuess:
        content = [_REPEATED_LETTERS.sub(r"\1", fold(word)) for word in original_words]  # "heyyy" -> "hey"
        for language in OFFICIAL_LANGUAGES:
            if all(word in self._hints.short_messages[language] for word in content):
                return LanguageGuess(language, 1.0, "short message, known words")
        best = self._official.compute_language_confidence_values(" ".join(original_words))[0]
        if best.value >= SHORT_MESSAGE_CONFIDENCE:
            return LanguageGuess(best.language.iso_code_639_1.name.lower(), best.value, "short message, sure")
        return LanguageGuess(None, 0.0, "short message, ambiguous")

    def _identify_long(self, original_words: list[str]) -> LanguageGuess:
        # Letters drawn out past two are no clue to the language, and mislead the statistics: "on se calmmmmmm" read
        # as English (0.70), "on se calmm" as neither.
        sentence = " ".join(_REPEATED_LETTERS.sub(r"\1\1", word) for word in original_words)
        content = [fold(w) for w in original_words]
        scores = {
            value.language.iso_code_639_1.name.lower(): value.value
            for value in self._official.compute_language_confidence_values(sentence)
        }
        markers = {lang: sum(1 for w in content if w in self._hints.markers[lang]) for lang in OFFICIAL_LANGUAGES}
        if len(content) >= OTHER_LANGUAGE_MIN_WORDS:
            other = self._other_language(sentence)
            if other is not None:
                return other
        # Each marker word moves the verdict by MARKER_WEIGHT, so a hesitant 0.55 with "svp" becomes sure.
        shift = MARKER_WEIGHT * (markers[FRENCH] - markers[ENGLISH])
        french = min(1.0, max(0.0, scores.get(FRENCH, 0.0) + shift))
        if french >= SURE_CONFIDENCE:
            return LanguageGuess(FRENCH, french, "statistics and markers")
        if 1.0 - french >= SURE_CONFIDENCE:
            return LanguageGuess(ENGLISH, 1.0 - french, "statistics and markers")
        return LanguageGuess(None, max(french, 1.0 - french), "hesitant")

    def _other_language(self, sentence: str) -> LanguageGuess | None:
        values = self._any.compute_language_confidence_values(sentence)
        official = sum(v.value for v in values if v.language.iso_code_639_1.name.lower() in OFFICIAL_LANGUAGES)
        others = 1.0 - official
        if others >= OTHER_LANGUAGE_CONFIDENCE and official < OTHER_LANGUAGE_MAX_OFFICIAL:
            return LanguageGuess(OTHER, others, f"looks like {values[0].language.iso_code_639_1.name.lower()}")
        return None


class LangdetectIdentifier:
    """langdetect restricted to a French/English verdict: the design card's first choice, kept for comparison."""

    def __init__(self) -> None:
        from langdetect import DetectorFactory

        DetectorFactory.seed = 0  # langdetect is random unless seeded

    def identify(self, text: str) -> LanguageGuess:
        from langdetect import detect_langs
        from langdetect.lang_detect_exception import LangDetectException

        try:
            candidates = detect_langs(text)
        except LangDetectException:
            return LanguageGuess(None, 0.0, "no features")
        for candidate in candidates:
            if candidate.lang in OFFICIAL_LANGUAGES:
                return LanguageGuess(candidate.lang, candidate.prob, "langdetect")
        return LanguageGuess(OTHER, candidates[0].prob, f"langdetect: {candidates[0].lang}")


@lru_cache(maxsize=1)
def default_identifier() -> LanguageIdentifier:
    """The identifier the assistant uses, built once per process (its models take a moment to load)."""
    return LinguaIdentifier()
