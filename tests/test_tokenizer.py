"""The tokenizer splits French elisions, keeps emojis and folds accents for features."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from pointe_claire.nlu.tokenizer import MAX_TOKENS, BilingualTokenizer


def tokens_of(text: str) -> list[tuple[str, str]]:
    tokenizer = BilingualTokenizer(BilingualTokenizer.get_default_config())
    return [(t.text, t.lemma) for t in tokenizer.tokenize(Message(data={"text": text}), "text")]


def test_french_elisions_are_separate_tokens():
    assert [text for text, _ in tokens_of("l'eau c'tu qu'il j'ai")] == [
        "l'",
        "eau",
        "c'",
        "tu",
        "qu'",
        "il",
        "j'",
        "ai",
    ]


def test_words_with_inner_apostrophes_or_hyphens_stay_whole():
    assert [text for text, _ in tokens_of("aujourd'hui don't Pointe-Claire")] == [
        "aujourd'hui",
        "don't",
        "Pointe-Claire",
    ]


def test_lemmas_are_lower_case_without_accents():
    assert tokens_of("Problème ÉGOUT") == [("Problème", "probleme"), ("ÉGOUT", "egout")]


def test_emojis_are_tokens_and_punctuation_is_not():
    assert [text for text, _ in tokens_of("help!! 🚨 ???")] == ["help", "🚨"]


def test_offsets_point_into_the_original_text():
    text = "allo, l'égout refoule"
    tokenizer = BilingualTokenizer(BilingualTokenizer.get_default_config())
    for token in tokenizer.tokenize(Message(data={"text": text}), "text"):
        assert text[token.start : token.end] == token.text


def test_a_huge_message_is_cut_to_a_bounded_number_of_tokens():
    assert len(tokens_of("mot " * 20_000)) == MAX_TOKENS
