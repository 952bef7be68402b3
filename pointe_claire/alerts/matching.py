"""Which alerts a message is about: each alert's phrases, in the one pattern language of the lexicons
(docs/lexicons.md), compiled by `pointe_claire.patterns` and matched on messages read the way every lexicon reads
them (`pointe_claire.lexicon_reading`). A phrase of either language counts for a message in any language.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from pointe_claire.alerts.records import Alert
from pointe_claire.lexicon_reading import LexiconReading
from pointe_claire.names import LANGUAGES
from pointe_claire.patterns import Compiler, PatternError, PatternIndex, WordLists

SOURCE = "alert"


@lru_cache(maxsize=1)
def reading() -> LexiconReading:
    """One reading per process (it holds a spaCy pipeline)."""
    return LexiconReading()


def problems(phrases: dict[str, list[str]]) -> list[str]:
    """What is wrong with phrases given by language, one sentence each for the form ("fr, line 2: ..."); a
    language needs at least one phrase."""
    found = []
    compiler = Compiler(WordLists({}, reading(), SOURCE), reading())
    for language in LANGUAGES:
        if not phrases.get(language):
            found.append(f"{language}: at least one phrase")
        for number, phrase in enumerate(phrases.get(language, ()), start=1):
            try:
                compiler.compile(phrase, f"{language}, line {number}")
            except PatternError as error:
                found.append(str(error))
    return found


class AlertMatcher:
    """The phrases of some alerts, compiled once; `matching(text)` gives the ids of the alerts a text matches."""

    def __init__(self, alerts: Iterable[Alert]) -> None:
        lists = WordLists({}, reading(), SOURCE)
        compiler = Compiler(lists, reading())
        self._index = PatternIndex(reading().vocab)
        self.ids: tuple[int, ...] = ()
        for alert in alerts:
            compiled = []
            for language in LANGUAGES:
                for phrase in alert.phrases(language):
                    try:
                        compiled += compiler.compile(phrase, f"alert {alert.id}")
                    except PatternError:
                        continue  # refused by the form; a phrase stored otherwise must not stop the others
            if compiled:
                self._index.add(str(alert.id), compiled)
                self.ids += (alert.id,)
        self._vocabulary = lists.vocabulary_read()

    def matching(self, text: str) -> list[int]:
        """Ids of the alerts whose phrases `text` holds, in the order the alerts were given."""
        if not self.ids or not text.strip():
            return []
        doc = reading().doc(unicodedata.normalize("NFC", text), self._vocabulary)
        found = {int(key) for key, _, _ in self._index.find(doc)}
        return [alert_id for alert_id in self.ids if alert_id in found]
