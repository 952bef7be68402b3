"""What a narrow answer is about (lexicons/intent_topics.yml): the classifier's intent stands only when the message
names its topic.

On real messages the classifier gives narrow intents to messages that share only their shape with the examples
("je suis informaticien" read as "je suis journaliste"); a topic word is what the answer needs to be the right one.
Read with the pattern engine every trainer lexicon uses (pointe_claire.patterns), by the TopicGate NLU component and
by `make validate`, which checks the examples of each listed intent against it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pointe_claire.lexicon_reading import LexiconReading
from pointe_claire.patterns import Compiler, PatternError, PatternIndex, WordLists, read_lexicon, where

DEFAULT_TOPICS_PATH = Path(__file__).resolve().parent.parent / "lexicons" / "intent_topics.yml"


class TopicLexicon:
    """Each listed intent's topic patterns, compiled once."""

    def __init__(self, path: Path | str = DEFAULT_TOPICS_PATH) -> None:
        source = Path(path)
        raw = read_lexicon(source) or {}
        self._reading = LexiconReading()
        lists = WordLists(raw.get("words") or {}, self._reading, source.name)
        compiler = Compiler(lists, self._reading)
        self._indexes: dict[str, PatternIndex] = {}
        intents = raw.get("intents") or {}
        if not isinstance(intents, dict):
            raise PatternError(where(source.name, "intents"), "`intents` maps an intent to a list of patterns")
        for intent, patterns in intents.items():
            index = PatternIndex(self._reading.vocab)
            for pattern in patterns or ():
                index.add(str(intent), compiler.compile(str(pattern), where(source.name, pattern, str(intent))))
            self._indexes[str(intent)] = index
        self._vocabulary = lists.vocabulary_read()  # once every pattern is compiled

    @property
    def intents(self) -> frozenset[str]:
        """The intents whose answer needs its topic named."""
        return frozenset(self._indexes)

    def names_topic(self, intent: str, text: str) -> bool:
        """Whether `text` names `intent`'s topic; an intent the lexicon does not list needs nothing."""
        index = self._indexes.get(intent)
        if index is None:
            return True
        return any(True for _ in index.find(self._reading.doc(text, self._vocabulary)))


@lru_cache(maxsize=1)
def default_topics() -> TopicLexicon:
    """The lexicon the assistant uses, built once per process."""
    return TopicLexicon()
