"""Tokenizer for French and English social-media text, first in the NLU pipeline (config.yml).

Splits French elisions ("l'eau" -> "l'", "eau"; "c'tu" -> "c'", "tu"), keeps emojis as tokens (they carry
meaning: 🚨, 🙏) and gives each token an accent-folded lemma so "probleme" and "problème" are one feature.
Social-media noise must not drown the words: a web address is one `<link>` token and an @mention one `<mention>`
token, whatever their letters ("@VillePointeClaire" is not a word the classifier should learn), and a #hashtag
is the words it joins ("#PotHole" -> "Pot", "Hole"; "#PointeClaireStrong" -> "Pointe", "Claire", "Strong").
A long letter is understood by its request, not drowned by its story: in a message of three sentences or more, the
sentences that ask something (a question, "please", "svp", "pouvez-vous"...) are given twice, so their words weigh
double in the classifier's features (measured on tests/evaluation/resident_style_*.yml: docs/evaluation.md).
Being first, it also hands every later component well-formed text (see `process`). And importing it installs the
quicker load of DIET and TED (pointe_claire/nlu/tf_model_load.py): Rasa imports every component of config.yml before
it loads any, and this one is in every pipeline of ours. Not in the package's `__init__`: the sentence encoder is
imported without TensorFlow (its thread test, the benchmarks).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from pointe_claire.city_facts import EMAIL_PATTERN, URL_PATTERN
from pointe_claire.nlu import tf_model_load
from pointe_claire.patterns import LINK
from pointe_claire.text_normalization import fold, hashtag_words, sentence_spans, strip_control_characters

tf_model_load.install()

MENTION = "<mention>"
EMAIL = "<email>"

_TOKEN = re.compile(
    rf"(?P<link>{URL_PATTERN.pattern})"
    rf"|(?P<email>{EMAIL_PATTERN.pattern})"
    r"|(?P<mention>(?<![\w@])@\w+(?:\.\w+)*)"  # @VillePointeClaire, @pc.travaux
    r"|(?P<hashtag>(?<![\w#])#[^\W_]\w*)"  # #PotHole, #tempête
    r"|(?:jusqu|lorsqu|puisqu|qu|[cdjlmnst])['’](?=[^\W\d_])"  # French elision: l', qu', c'...
    r"|[^\W_]+(?:['’-][^\W_]+)*"  # words and numbers, with inner apostrophes and hyphens
    r"|\S",  # anything else, one character at a time (emojis, symbols, punctuation)
    re.IGNORECASE,
)

# What makes a sentence a request, on accent-folded lower-case text. Bare "when", "how", "quand", "comment" are
# not: they also start a story's clauses ("when I wrote to you"); a question has its "?".
_REQUEST = re.compile(
    r"\?|\b(?:please|pls|plz|can you|could you|would you|can someone|could someone|can anyone|i need|we need|"
    r"i want|we want|i'd like|i would like|send|fix|repair|asap|svp|stp|s'il vous plait|pouvez|pourriez|"
    r"pourrais|peux|peut-tu|peut tu|j'aimerais|je veux|on veut|j'ai besoin|on a besoin|envoyez|reparez|reparer|"
    r"faut-tu|faut tu|vite)\b"
)
REQUEST_FOCUS_MIN_SENTENCES = 3

# Classification needs the start of a message; a 20,000-character message still gets an answer quickly.
MAX_TOKENS = 300


def _is_punctuation(text: str) -> bool:
    return all(unicodedata.category(ch).startswith("P") or ch in "\ufe0f\u200d" for ch in text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class BilingualTokenizer(Tokenizer):
    """Whitespace-and-punctuation tokenizer aware of French elisions, emojis and missing accents."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BilingualTokenizer:
        return cls(config)

    @staticmethod
    def supported_languages() -> list[str] | None:
        return None

    def process(self, messages: list[Message]) -> list[Message]:
        """Tokenizes each message after removing control characters and lone surrogates from its text: the channels
        do it already (`resident_text`), but a message from elsewhere (Rasa's HTTP API) with a lone surrogate would
        crash spaCy in the safety and netiquette layers, and the resident would get no answer."""
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                message.set(TEXT, strip_control_characters(text))
        return super().process(messages)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute) or ""
        tokens: list[Token] = []
        for match in _TOKEN.finditer(text):
            found, start = match.group(), match.start()
            if match.lastgroup == "link":
                tokens.append(Token(found.rstrip(".,;:!?"), start, lemma=LINK))
            elif match.lastgroup == "email":
                tokens.append(Token(found, start, lemma=EMAIL))
            elif match.lastgroup == "mention":
                tokens.append(Token(found, start, lemma=MENTION))
            elif match.lastgroup == "hashtag":
                tokens += [Token(word, start + 1 + at, lemma=fold(word)) for at, word in hashtag_words(found[1:])]
            elif not _is_punctuation(found):
                tokens.append(Token(found, start, lemma=fold(found)))
        return self._apply_token_pattern(_with_requests_repeated(text, tokens))


def request_spans(text: str) -> list[tuple[int, int]]:
    """The sentences of a long message that ask for something; none for a short message, or one whose every
    sentence asks (nothing to weigh against)."""
    sentences = sentence_spans(text)
    if len(sentences) < REQUEST_FOCUS_MIN_SENTENCES:
        return []
    requests = [(start, end) for start, end in sentences if _REQUEST.search(fold(text[start:end]))]
    return requests if len(requests) < len(sentences) else []


def _with_requests_repeated(text: str, tokens: list[Token]) -> list[Token]:
    """The tokens, then a copy of the request sentences' tokens (same offsets), within MAX_TOKENS."""
    spans = request_spans(text)
    repeated = [
        Token(t.text, t.start, t.end, lemma=t.lemma) for t in tokens if any(a <= t.start < b for a, b in spans)
    ][: MAX_TOKENS // 2]
    return tokens[: MAX_TOKENS - len(repeated)] + repeated
