"""The netiquette on real-looking text (issue 13): the held-out sets keep the recall and precision reached without
being tuned on, the tuning sets are all found, and the place of a problem is not a person's information."""

from __future__ import annotations

from pathlib import Path

import pytest

from pointe_claire.names import ABUSE, PERSONAL_INFORMATION, POLITICAL, SOLICITATION
from pointe_claire.netiquette import (
    LabelledMessage,
    NetiquetteChecker,
    default_checker,
    load_labelled,
    score,
)
from pointe_claire.patterns import PatternError
from pointe_claire.redaction import default_redactor

SETS = Path(__file__).resolve().parent / "netiquette"
LANGUAGES = ("fr", "en")
CHECKER = default_checker()
HELDOUT = {language: load_labelled(SETS / f"heldout_{language}.yml", language) for language in LANGUAGES}
TUNING = [m for language in LANGUAGES for m in load_labelled(SETS / f"tuning_{language}.yml", language)]
RULES_MEASURED = (ABUSE, POLITICAL, SOLICITATION, PERSONAL_INFORMATION)

# heldout_{fr,en}.yml were written before the lexicon was tuned for issue 13 and never tuned on. Precision / recall
# with the lexicon before tuning, then after (tuned on netiquette_*.yml and tuning_*.yml only):
#                          French                      English
#   abuse                  1.00 / 0.18 -> 1.00 / 1.00  1.00 / 0.19 -> 1.00 / 0.94
#   political              1.00 / 0.18 -> 1.00 / 0.76  1.00 / 0.50 -> 1.00 / 1.00
#   solicitation           1.00 / 0.38 -> 1.00 / 0.94  1.00 / 0.25 -> 1.00 / 1.00
#   personal information   0.76 / 1.00 -> 1.00 / 1.00  0.76 / 1.00 -> 1.00 / 1.00
# (before, the five place-only addresses of each set's civil messages got the privacy rule). The same hands wrote
# both sets: read these as what the lexicon does on new wordings of known constructions, not on real messages.
# Floors: what was reached, so that a change that loses a held-out message fails here.
RECALL_FLOORS = {
    (ABUSE, "fr"): 1.0,
    (ABUSE, "en"): 0.93,
    (POLITICAL, "fr"): 0.76,
    (POLITICAL, "en"): 1.0,
    (SOLICITATION, "fr"): 0.93,
    (SOLICITATION, "en"): 1.0,
    (PERSONAL_INFORMATION, "fr"): 1.0,
    (PERSONAL_INFORMATION, "en"): 1.0,
}
PRECISION_FLOOR = 1.0


def rules_of(text: str) -> set[str]:
    return {violation.rule for violation in CHECKER.check(text)}


def test_each_held_out_set_has_15_positives_per_rule_and_25_civil_messages():
    for language, messages in HELDOUT.items():
        for rule in RULES_MEASURED:
            assert sum(rule in m.rules for m in messages) >= 15, (language, rule)
        assert sum(not m.rules for m in messages) >= 25, language


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("rule", RULES_MEASURED)
def test_held_out_recall_and_precision_stay_at_what_was_reached(rule: str, language: str):
    result = score(CHECKER, HELDOUT[language])[(rule, language)]
    assert result.recall >= RECALL_FLOORS[(rule, language)], result.missed
    assert result.precision >= PRECISION_FLOOR, result.false_flags


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_held_out_civil_message_is_flagged(language: str):
    assert [m.text for m in HELDOUT[language] if not m.rules and CHECKER.check(m.text)] == []


@pytest.mark.parametrize("message", [pytest.param(m, id=f"{m.language}: {m.text[:50]}") for m in TUNING if m.rules])
def test_every_tuning_message_gets_its_rules(message: LabelledMessage):
    assert message.rules <= rules_of(message.text)


@pytest.mark.parametrize(
    "text", [pytest.param(m.text, id=f"{m.language}: {m.text[:50]}") for m in TUNING if not m.rules]
)
def test_civil_tuning_messages_are_not_flagged(text: str):
    assert CHECKER.check(text) == []


@pytest.mark.parametrize(
    ("rule", "text"),
    [pytest.param(e.rule, text, id=f"{e.rule}: {text[:50]}") for e in CHECKER.entries for text in e.spares],
)
def test_no_lexicon_entry_flags_the_look_alikes_it_spares(rule: str, text: str):
    assert rule not in rules_of(text)


# --- the cases of the CEO's measurement quoted in issue 13, and their kin ----------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Une magnifique incompétente notre mairesse", ABUSE),
        ("this clown of a councillor", ABUSE),
        ("Bravo au génie qui a planifié les travaux en plein mois de juillet", ABUSE),
        ("Congrats to the genius who closed the arena in January", ABUSE),
        ("votez pour Sylvie Leduc", POLITICAL),
        ("ce maire doit partir", POLITICAL),
        ("this mayor has to go, vote him out", POLITICAL),
        ("3 1/2 à louer, 1 200 $ par mois, écrivez-moi en privé", SOLICITATION),
        ("Nice 2 bedroom for rent, $1200/mois, DM me", SOLICITATION),
        ("Déneigement résidentiel, soumission gratuite", SOLICITATION),
        ("Roofing, free estimate, visit roofguys.com", SOLICITATION),
    ],
)
def test_the_issues_cases_are_flagged(text: str, rule: str):
    assert rule in rules_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "I am furious, this is the third time my street was skipped",
        "Je suis furieux, c'est la troisième fois qu'on oublie ma rue",
        "When is the next municipal election?",
        "C'est quand les prochaines élections?",
        "How do I reach my councillor?",
        "Does my contractor need a permit to build a deck?",
        "Mon entrepreneur doit-il avoir un permis pour la toiture?",
        "Merci à la mairesse pour la belle fête, bravo!",
        "Thank you to the crews, great job on the snow",
    ],
)
def test_compliments_civil_complaints_and_questions_are_not_flagged(text: str):
    assert CHECKER.check(text) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("a pothole in front of 12 Douglas-Shand Ave", "STREET_ADDRESS"),
        ("lampadaire brisé devant le 245 chemin du Bord-du-Lac", "STREET_ADDRESS"),
        ("Nid-de-poule au 40 avenue Maywood", "STREET_ADDRESS"),
        ("Water leak in front of 88 Lakeshore Road", "STREET_ADDRESS"),
        # An organisation's published line (the lexicon's `releases: PHONE`).
        ("Red Cross helpline for flood victims: 514-555-0199", "PHONE"),
        ("Pour faire un don au fonds de secours, composez le 514-555-0199", "PHONE"),
        ("Residents who need a ride to the shelter can call 514-555-0199", "PHONE"),
    ],
)
def test_the_place_of_a_problem_or_a_published_line_is_not_personal_information_but_is_still_redacted(
    text: str, kind: str
):
    assert PERSONAL_INFORMATION not in rules_of(text)
    assert default_redactor().redact(text).kinds == (kind,)  # the store removes it all the same


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        ("my neighbour John lives at 12 Maple Street", "[ADDRESS]"),
        ("mon voisin Réal au 12 rue Cedar fait du bruit", "[ADDRESS]"),
        ("J'habite au 57 avenue Braebrook, personne a ramassé mes bacs", "[ADDRESS]"),
        ("The lady at 14 Drayton Road feeds the raccoons", "[ADDRESS]"),
        ("Le pothole devant chez nous au 8 rue Prince", "[ADDRESS]"),
        ("Rappelez-moi au 514-555-0199", "[PHONE]"),
        ("write to me at jo.smith@example.com", "[EMAIL]"),
        ("the car with plate ABC 123 is blocking my driveway", "[LICENCE_PLATE]"),
    ],
)
def test_a_persons_address_phone_email_or_plate_is_personal_information(text: str, evidence: str):
    found = {v.evidence for v in CHECKER.check(text) if v.rule == PERSONAL_INFORMATION}
    assert evidence in found


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "abuse:\n    - name: x\n      decides: STREET_ADDRESS\n      patterns: ['idiot']\n",
            "`decides` is for personal information",
        ),
        (
            "personal_information:\n    - name: x\n      placeholder: '[PHONE]'\n      decides: PHONE\n"
            "      releases: PHONE\n      patterns: ['hotline']\n",
            "either `decides` a kind or `releases` one",
        ),
    ],
)
def test_decides_and_releases_are_refused_where_they_mean_nothing(tmp_path: Path, entry: str, message: str):
    lexicon = tmp_path / "netiquette.yml"
    lexicon.write_text("rules:\n  " + entry, encoding="utf-8")
    with pytest.raises(PatternError, match=message):
        NetiquetteChecker(lexicon)


@pytest.mark.parametrize(
    "text",
    [
        "ces tarlouzes devraient se cacher",
        "encore un bicot dans le quartier",
        "t4rlouze va",
        "les p3dés du parc",
        "allez vous faire enculer",
    ],
)
def test_french_slurs_and_vulgar_verbs_are_abuse_whatever_their_spelling(text: str):
    assert ABUSE in rules_of(text)


@pytest.mark.parametrize("text", ["the PD showed up fast, thanks", "le PDG de la compagnie a répondu"])
def test_abbreviations_that_are_also_slurs_elsewhere_are_not_flagged(text: str):
    assert ABUSE not in rules_of(text)
