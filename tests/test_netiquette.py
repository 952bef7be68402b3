"""The netiquette checker flags each rule on the labelled sets, spares civil messages and never echoes personal data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pointe_claire.names import ABUSE, ILLEGAL, PERSONAL_INFORMATION, POLITICAL, THREAT
from pointe_claire.netiquette import (
    DEFAULT_LEXICON_PATH,
    RULES,
    LabelledMessage,
    NetiquetteChecker,
    RuleScore,
    default_checker,
    lexicon_problems,
    load_labelled,
    score,
)
from pointe_claire.redaction import default_redactor

SETS = Path(__file__).resolve().parent / "netiquette"
LANGUAGES = ("en", "fr")
CHECKER = default_checker()
LABELLED: dict[str, tuple[LabelledMessage, ...]] = {
    language: load_labelled(SETS / f"netiquette_{language}.yml", language) for language in LANGUAGES
}
ALL_MESSAGES = [message for language in LANGUAGES for message in LABELLED[language]]

# On these sets the checker finds everything but KNOWN_MISSES: they have taught the lexicon. What it does on new
# messages shows in the two held-out rounds (recall when first scored, English / French, before the lexicon was
# generalised to them; both now in the sets):
#                   round 2     round 3
#   abuse           .61 / .67   .77 / .54
#   threat          .67 / .50   .60 / .20
#   political       .30 / .70   .50 / .75
#   solicitation    .50 / .70   .88 / .62
#   personal info  1.00 / 1.00 1.00 / 1.00
#   illegal         .60 / .50   .62 / .75
# with one civil message flagged in round 3 ("This speed bump is going to break someone's car", since fixed).
# Labelled messages the checker misses on purpose, with the reason; every other labelled message must be found.
KNOWN_MISSES = {
    # Breaking in told as a plain instruction: any pattern for it ("entrez ... la nuit ... serrure") also flags the
    # City's own kind of notice ("entrez par la porte arrière ce soir, l'avant est fermé").
    ("illegal", "Entrez au centre communautaire la nuit, la serrure est brisée"),
}
# Recall each (rule, language) must keep: 1.0 except where KNOWN_MISSES lowers it (French illegal: 39 of 40).
RECALL_BARS = {("illegal", "fr"): 0.96}
RECALL_BAR = 1.0
# Every flag on the sets is a labelled rule today; 0.95 leaves room for a defensible second rule a trainer has
# not labelled yet, and is asserted per (rule, language) together with zero flags on civil messages.
PRECISION_BAR = 0.95


def rules_of(text: str) -> set[str]:
    return {violation.rule for violation in CHECKER.check(text)}


def labelled_params(rule: str) -> list[Any]:
    return [
        pytest.param(message.text, id=f"{message.language}: {message.text[:50]}")
        for message in ALL_MESSAGES
        if rule in message.rules
    ]


# --- the labelled sets ------------------------------------------------------------------------------------------


def test_each_set_has_enough_messages_per_rule_threats_and_civil_ones():
    for language, messages in LABELLED.items():
        for rule in RULES:
            assert sum(rule in m.rules for m in messages) >= 16, (language, rule)
        assert sum(m.threat for m in messages) >= 8, language
        assert sum(not m.rules for m in messages) >= 25, language


@pytest.mark.parametrize("rule", RULES)
def test_every_labelled_message_gets_its_rule(rule: str):
    missed = [
        m.text
        for m in ALL_MESSAGES
        if rule in m.rules and rule not in rules_of(m.text) and (rule, m.text) not in KNOWN_MISSES
    ]
    assert missed == []


def test_known_misses_are_still_missed_so_the_list_stays_true():
    assert [(rule, text) for rule, text in sorted(KNOWN_MISSES) if rule in rules_of(text)] == []


@pytest.mark.parametrize("text", [pytest.param(m.text, id=m.text[:50]) for m in ALL_MESSAGES if m.threat])
def test_threats_are_abuse_flagged_as_threats(text: str):
    violations = CHECKER.check(text)
    assert any(v.rule == ABUSE and v.threat for v in violations), violations


@pytest.mark.parametrize("text", [pytest.param(m.text, id=m.text[:50]) for m in ALL_MESSAGES if not m.rules])
def test_civil_messages_are_not_flagged(text: str):
    assert CHECKER.check(text) == []


def test_no_message_outside_the_threats_is_a_threat():
    assert [m.text for m in ALL_MESSAGES if not m.threat and any(v.threat for v in CHECKER.check(m.text))] == []


def test_recall_and_precision_meet_their_bars(capsys: pytest.CaptureFixture[str]):
    scores = score(CHECKER, ALL_MESSAGES)
    with capsys.disabled():
        print("\n" + format_scores(scores))
    for (rule, language), result in scores.items():
        assert result.recall >= RECALL_BARS.get((rule, language), RECALL_BAR), (rule, language, result.missed)
        assert result.precision >= PRECISION_BAR, (rule, language, result.false_flags)


def format_scores(scores: dict[tuple[str, str], RuleScore]) -> str:
    lines = [f"{'rule':22} {'lang':4} {'precision':>9} {'recall':>7}"]
    for (rule, language), result in sorted(
        scores.items(), key=lambda item: ((*RULES, THREAT).index(item[0][0]), item[0][1])
    ):
        lines.append(f"{rule:22} {language:4} {result.precision:9.2f} {result.recall:7.2f}")
    return "\n".join(lines)


def test_score_counts_misses_and_false_flags_against_the_labels():
    labelled = [
        LabelledMessage("you are a bunch of clowns", "en", frozenset({ABUSE}), False),
        LabelledMessage("vote for Jane Smith!", "en", frozenset({ABUSE}), False),  # wrongly labelled on purpose
        LabelledMessage("When is the next election?", "en", frozenset(), False),
    ]
    scores = score(CHECKER, labelled)
    assert scores[(ABUSE, "en")] == RuleScore(1.0, 0.5, ("vote for Jane Smith!",), ())
    assert scores[(POLITICAL, "en")] == RuleScore(0.0, 1.0, (), ("vote for Jane Smith!",))


# --- personal information ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", labelled_params(PERSONAL_INFORMATION))
def test_personal_information_evidence_is_its_kind_never_the_value(text: str):
    redactor = default_redactor()
    for violation in CHECKER.check(text):
        if violation.rule == PERSONAL_INFORMATION:
            assert violation.evidence.startswith("[") and violation.evidence.endswith("]"), violation
            assert violation.evidence not in text
        # Whatever the rule, evidence carries nothing the redactor would hide.
        assert redactor.redact(violation.evidence).kinds == (), violation


def test_the_citys_own_phone_email_and_web_site_are_not_personal_information_nor_links():
    assert CHECKER.check("Call 514-630-1200 or write to communications@pointe-claire.ca") == []
    assert CHECKER.check("Any deals on pool passes? See https://www.pointe-claire.ca/en/") == []
    assert rules_of("Any deals on pool passes? See https://www.poolpasses.example.com") == {"solicitation"}


def test_a_named_neighbour_with_an_address_is_reported_without_the_name():
    violations = CHECKER.check("mon voisin Marc Gagnon au 45 rue Cedar fait du bruit")
    evidence = {v.evidence for v in violations if v.rule == PERSONAL_INFORMATION}
    assert evidence == {"[NAMED_PERSON]", "[ADDRESS]"}
    assert not any("Gagnon" in v.evidence or "45" in v.evidence for v in violations)


# --- abuse ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "swear",
    [
        "f*ck",
        "f**k",
        "fck",
        "fuuuuck",
        "f u c k",
        "F.U.C.K",
        "f**king",
        "sh!t",
        "a$$hole",
        "1d10ts",
        "tabar***",
        "t@b@rn@k",
        "c@lisse",
        "c*lisse",
        "0stie",
        "ostiiiie",
        "T A B A R N A K",
        "crisss",
        "câlice",
    ],
)
def test_obfuscated_swears_are_caught(swear: str):
    assert rules_of(f"{swear} de nid-de-poule sur Cedar") == {ABUSE}


def test_a_swear_spelled_out_after_many_lone_letters_is_still_caught():
    # Each run of lone letters is read at most 16 letters ahead (lexicon_reading._letters_end): a message of
    # thousands of them once cost their square, two minutes for 2,000 characters.
    assert rules_of("a " * 400 + "f u c k sur Cedar") == {ABUSE}
    assert rules_of("a " * 400 + "sur Cedar") == set()


@pytest.mark.parametrize(
    "text",
    [
        "damn potholes",
        "maudit nid-de-poule",
        "what the hell",
        "tabarouette, encore",
        "c'est n'importe quoi",
        "ça n'a pas de bon sens",
        "this is ridiculous",
        "what a joke",
        "c'est un scandale",
        "I'm so angry",
    ],
)
def test_strong_but_civil_words_are_not_flagged(text: str):
    assert CHECKER.check(text) == []


@pytest.mark.parametrize("word", CHECKER.mild_words)
def test_every_mild_word_of_the_lexicon_is_civil_on_its_own(word: str):
    assert CHECKER.check(f"{word}, encore un nid-de-poule!") == []


def test_maudit_becomes_abuse_in_front_of_a_group_or_an_insult():
    assert rules_of("maudits immigrants") == {ABUSE}
    assert rules_of("maudit cave") == {ABUSE}
    assert rules_of("maudite neige") == set()


def test_ordinary_words_that_can_insult_are_abuse_only_when_aimed():
    assert rules_of("ma cave est inondée") == set()
    assert rules_of("gang de caves") == {ABUSE}
    assert rules_of("le bus est en retard") == set()
    assert rules_of("you retard") == {ABUSE}


# --- several rules, evidence ------------------------------------------------------------------------------------


def test_a_complaint_mixed_with_an_insult_yields_the_insult():
    violations = CHECKER.check("Fix the pothole on Cedar already, you bunch of f*cking morons")
    assert {v.rule for v in violations} == {ABUSE}
    assert any("morons" in v.evidence for v in violations)


def test_several_rules_can_fire_on_one_message():
    text = "Vote for Jane Smith, the mayor is a crook, DM me for prices at jane.smith82@gmail.com"
    assert rules_of(text) == {ABUSE, POLITICAL, "solicitation", PERSONAL_INFORMATION}


def test_the_phone_in_an_ad_is_the_advertisers_line_not_personal_information():
    # The ad gets the solicitation reminder only; a resident's own phone and an e-mail in an ad still count.
    assert rules_of("Free estimates! call 514-555-0123") == {"solicitation"}
    assert rules_of("Room for rent, $700 all included, call 514-555-0123") == {"solicitation"}
    assert rules_of("Déneigement à bas prix, soumission sans frais, texte-moi au 514-555-7878") == {"solicitation"}
    assert rules_of("call me at 514-555-0123 for the fence, my neighbour won't listen") == {PERSONAL_INFORMATION}
    assert rules_of("Room for rent, $700 all included, write jean.tremblay82@gmail.com") == {
        "solicitation",
        PERSONAL_INFORMATION,
    }


def test_violations_come_rule_by_rule_in_the_documented_order():
    violations = CHECKER.check("call 514-555-0199, fuck the council, vote them out")
    order = [RULES.index(v.rule) for v in violations]
    assert order == sorted(order)


def test_a_threat_to_set_fire_to_a_building_is_also_illegal():
    violations = CHECKER.check("On va brûler l'hôtel de ville")
    assert {(v.rule, v.threat) for v in violations} == {(ABUSE, True), (ILLEGAL, False)}


def test_a_threat_is_always_abuse_and_a_mere_insult_is_not_a_threat():
    assert [(v.rule, v.threat) for v in CHECKER.check("I'll kill you")] == [(ABUSE, True)]
    assert [(v.rule, v.threat) for v in CHECKER.check("you clown")] == [(ABUSE, False)]


# --- the lexicon ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        pytest.param(entry.rule, example, id=f"{entry.rule} / {entry.name}: {example}")
        for entry in CHECKER.entries
        for example in entry.examples
    ],
)
def test_every_example_written_in_the_lexicon_is_flagged_with_its_rule(rule: str, text: str):
    assert rule in rules_of(text)


def test_every_word_list_of_the_lexicon_is_used():
    raw = yaml.safe_load(DEFAULT_LEXICON_PATH.read_text(encoding="utf-8"))
    lists = [raw["rules"], raw["learned_needs"], raw["learned_unless"]]
    text = yaml.safe_dump(lists) + " ".join(str(v) for v in raw["words"].values())
    used = {name for name in raw["words"] if re.search(rf"@{name}\b", text)} | {"not_a_name", *raw["obfuscated"]}
    assert sorted(set(raw["words"]) - used) == []


def test_every_lexicon_entry_has_an_example():
    assert [entry.name for entry in CHECKER.entries if not entry.examples] == []


def lexicon_file(directory: Path, rules: str) -> Path:
    """A netiquette lexicon of the given `rules:` section (YAML indented by two), in `directory`."""
    lexicon = directory / "netiquette.yml"
    lexicon.write_text("words: {}\nrules:\n" + rules, encoding="utf-8")
    return lexicon


def test_threat_entries_outside_abuse_are_refused(tmp_path: Path):
    lexicon = lexicon_file(tmp_path, "  illegal:\n    - name: burn\n      threat: true\n      patterns: [burn]\n")
    with pytest.raises(ValueError, match="a threat is always abuse"):
        NetiquetteChecker(lexicon)


def test_a_part_of_together_may_be_a_list_of_patterns_any_of_which_finds_it(tmp_path: Path):
    """The same `together` as lexicons/emergencies.yml's: every part somewhere in the message, in any sentence."""
    entry = "  political:\n    - name: warning\n      examples: ['x']\n      together: "
    checker = NetiquetteChecker(lexicon_file(tmp_path, entry + "[[election, elections], [remember, souviendra]]\n"))
    assert [f.rule for f in checker.check("Elections are coming. We will remember.")] == ["political"]
    assert [f.rule for f in checker.check("On s'en souviendra. Aux élections!")] == ["political"]
    assert checker.check("the election is on November 2") == []
    with pytest.raises(ValueError, match="`together` needs two parts or more"):
        NetiquetteChecker(lexicon_file(tmp_path, entry + "[[election]]\n"))


def test_an_unknown_word_list_is_reported_with_its_entry(tmp_path: Path):
    lexicon = lexicon_file(tmp_path, "  abuse:\n    - name: insults\n      patterns: ['@insultz']\n")
    with pytest.raises(ValueError, match=r"abuse / insults.*unknown word list @insultz"):
        NetiquetteChecker(lexicon)


def test_a_mistake_in_a_pattern_is_reported_at_its_file_and_line(tmp_path: Path):
    rules = "  abuse:\n    - name: insults\n      patterns:\n        - clown\n        - 'mayor ... corrupt'\n"
    lexicon = lexicon_file(tmp_path, rules)
    with pytest.raises(ValueError, match=r"^netiquette.yml:7: abuse / insults: .*write how many words a gap"):
        NetiquetteChecker(lexicon)
    [problem] = lexicon_problems(lexicon, "lexicons/netiquette.yml")
    assert problem.where == "lexicons/netiquette.yml:7: abuse / insults"


def test_the_lexicons_have_no_pattern_mistake():
    assert lexicon_problems(DEFAULT_LEXICON_PATH, "lexicons/netiquette.yml") == []


def test_default_checker_is_built_once():
    assert default_checker() is default_checker()
