"""The tokenizer splits French elisions, keeps emojis and folds accents for features."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from pointe_claire.nlu.tokenizer import MAX_TOKENS, BilingualTokenizer, request_spans


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


def test_mentions_links_and_emails_are_one_placeholder_each():
    text = "@VillePointeClaire @pc.travaux voir https://www.pointe-claire.ca/loisirs?x=1. ou ecrire a jean@exemple.ca"
    assert [lemma for _, lemma in tokens_of(text)] == [
        "<mention>",
        "<mention>",
        "voir",
        "<link>",
        "ou",
        "ecrire",
        "a",
        "<email>",
    ]


def test_two_residents_mentioning_different_accounts_give_the_same_features():
    assert [lemma for _, lemma in tokens_of("@PublicWorksPC thank you!")] == [
        lemma for _, lemma in tokens_of("@VillePointeClaire thank you!")
    ]


def test_hashtags_are_split_into_the_words_they_join():
    assert [
        lemma for _, lemma in tokens_of("#PotHole #PointeClaireStrong #hiverPC #PCWinter2026 #tempête #snow_day")
    ] == [
        "pot",
        "hole",
        "pointe",
        "claire",
        "strong",
        "hiver",
        "pc",
        "pc",
        "winter",
        "2026",
        "tempete",
        "snow",
        "day",
    ]


def test_a_lone_at_or_hash_sign_is_not_a_mention_or_hashtag():
    assert [lemma for _, lemma in tokens_of("rdv @ 5pm, porte # 2")] == ["rdv", "5pm", "porte", "2"]


def test_offsets_of_split_hashtags_and_placeholders_point_into_the_original_text():
    text = "#NidDePoule devant chez nous @VillePC https://x.ca/a"
    tokenizer = BilingualTokenizer(BilingualTokenizer.get_default_config())
    for token in tokenizer.tokenize(Message(data={"text": text}), "text"):
        assert text[token.start : token.end] == token.text


def test_a_long_letter_gives_its_request_twice():
    letter = "J'habite ici depuis 1987. On adore le quartier. Pourriez-vous tailler l'arbre devant chez nous svp?"
    lemmas = [lemma for _, lemma in tokens_of(letter)]
    assert lemmas.count("tailler") == 2
    assert lemmas.count("quartier") == 1


def test_a_short_message_or_one_that_only_asks_is_left_as_written():
    assert [lemma for _, lemma in tokens_of("Lampadaire brûlé. Pouvez-vous le réparer?")] == [
        "lampadaire",
        "brule",
        "pouvez-vous",
        "le",
        "reparer",
    ]
    assert request_spans("Can you fix it? When? Who do I call?") == []


def test_a_story_clause_starting_with_when_is_not_a_request():
    story = "I wrote to you when the basement flooded. The crew came the next day. Thanks to everyone."
    assert request_spans(story) == []
