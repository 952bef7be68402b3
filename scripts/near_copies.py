"""Messages that are nearly the same: a few letters, a word or the accents apart ("how fast do you usually respond"
and "how fast do you usually reply"). `make validate` uses it to keep the held-out set unseen and to stop one
message from being taught under two intents, which exact comparison alone lets through; and, at a lower
similarity (CLOSE), to warn that a new intent's examples sit close to another intent's messages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from difflib import SequenceMatcher

from pointe_claire.text_normalization import fold, words
from scripts.nlu_files import Example

NEAR = 0.9  # similarity of the folded words (difflib's ratio) from which two messages are one
# From this similarity, a new intent's example is close enough to another intent's message to be worth a look
# ("what time does the library open", "what time does city hall open": 0.77): a warning, not an error.
CLOSE = 0.75
_RARE_WORDS = 2  # a near copy shares at least one of a message's two rarest words


def comparable(text: str) -> str:
    """The text as compared: lower-case, no accents, words only."""
    return " ".join(words(fold(text)))


def similarity(first: str, second: str) -> float:
    return SequenceMatcher(None, comparable(first), comparable(second), autojunk=False).ratio()


# difflib matchers per compared text, and the ratios found, kept for the process: `make validate` builds several
# NearCopies over the same examples, and the tests run the checks on some 30 copies of the project.
_MATCHERS: dict[str, SequenceMatcher] = {}
_RATIOS: dict[tuple[str, str], float] = {}


def _matcher(key: str) -> SequenceMatcher:
    """A matcher of `key` as its second sequence, which difflib indexes once, for every text."""
    matcher = _MATCHERS.get(key)
    if matcher is None:
        matcher = _MATCHERS[key] = SequenceMatcher(None, b=key, autojunk=False)
    return matcher


def _ratio(text_key: str, example_key: str, threshold: float) -> float | None:
    """difflib's ratio of the two keys, or None when its upper bounds are already below `threshold`."""
    pair = (text_key, example_key)
    if pair in _RATIOS:
        return _RATIOS[pair]
    matcher = _matcher(example_key)
    matcher.set_seq1(text_key)
    # Upper bounds of ratio(), from lengths then letter counts: most candidates stop there (validate's slowest
    # check, 5 times faster), with the same findings.
    if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
        return None
    ratio = _RATIOS[pair] = matcher.ratio()
    return ratio


class NearCopies:
    """Finds, among examples, those nearly the same as a message; candidates share one of its rarest words."""

    def __init__(self, examples: Iterable[Example]) -> None:
        self._examples = list(examples)
        self._keys = [comparable(example.text) for example in self._examples]
        self._frequency = Counter(word for key in self._keys for word in set(key.split()))
        self._with_word: dict[str, list[int]] = defaultdict(list)
        for index, key in enumerate(self._keys):
            for word in set(key.split()):
                self._with_word[word].append(index)

    def of(self, text: str, threshold: float = NEAR) -> list[tuple[float, Example]]:
        """The examples at least `threshold` similar to `text` (an exact copy too), most similar first."""
        key = comparable(text)
        rarest = sorted(set(key.split()), key=lambda word: (self._frequency.get(word, 0), word))[:_RARE_WORDS]
        candidates = sorted({index for word in rarest for index in self._with_word.get(word, ())})
        found = []
        for index in candidates:
            ratio = _ratio(key, self._keys[index], threshold)
            if ratio is not None and ratio >= threshold:
                found.append((ratio, self._examples[index]))
        return sorted(found, key=lambda item: -item[0])

    def close_to(self, text: str, threshold: float = CLOSE) -> list[tuple[float, Example]]:
        """The examples at least `threshold` similar to `text`, compared with every one (no rare-word shortcut: a
        new intent's rarest words are often its own), most similar first."""
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(comparable(text))  # difflib caches what it learns of the second sequence
        found = []
        for index, key in enumerate(self._keys):
            matcher.set_seq1(key)
            if matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold:
                ratio = matcher.ratio()
                if ratio >= threshold:
                    found.append((ratio, self._examples[index]))
        return sorted(found, key=lambda item: -item[0])
