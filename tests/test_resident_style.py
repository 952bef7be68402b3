"""The resident-style development set (tests/evaluation/resident_style_*.yml) stays unseen and keeps its reach.

It measures what the authored held-out set misses (terse reports, @mentions, #hashtags, links, long letters, crisis
questions): a message that is also a training example would flatter the score, and an intent it lacks would go
unmeasured.
"""

from __future__ import annotations

import pytest

from pointe_claire.netiquette import LEARNED_RULES
from scripts.nlu_files import EVALUATION_DIR, LANGUAGES, read_examples, training_examples
from scripts.validate_project import normalise_example


def resident_style(language: str):
    return read_examples(EVALUATION_DIR / f"resident_style_{language}.yml", language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_resident_style_message_is_a_training_example(language: str) -> None:
    training = {normalise_example(ex.text) for lang in LANGUAGES for ex in training_examples(lang)}
    trained_on = [ex.where for ex in resident_style(language) if normalise_example(ex.text) in training]
    assert trained_on == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_resident_style_set_covers_every_trained_intent(language: str) -> None:
    examples = resident_style(language)
    assert len(examples) >= 60
    # The learned netiquette intents never answer a resident as themselves (the NetiquetteFlagger turns them into
    # violations); tests/netiquette/ holds their sets.
    trained = {ex.intent for ex in training_examples(language)} - set(LEARNED_RULES)
    assert trained == {ex.intent for ex in examples}
