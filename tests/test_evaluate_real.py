"""The real-message set's tooling: the manifest holds labels and no text, the builder anonymises what it takes,
and the scores `make evaluate` reports count what residents received. Messages here are our own wordings."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from pointe_claire.language import LinguaIdentifier
from scripts import evaluate_real, real_set
from scripts.evaluate_real import LanguageReport, Outcome, RealMessage, outcome, score
from scripts.nlu_files import PROJECT_ROOT

LABEL_KEYS = {"source", "row", "language", "intents", "emergency", "netiquette", "category", "mask"}


def message(
    language: str, intents: set[str], emergency: str = "none", rules: set[str] | None = None, row: str = "s:1"
) -> RealMessage:
    return RealMessage(row, "texte", language, frozenset(intents), emergency, frozenset(rules or ()))


def result(m: RealMessage, intent: str, *, alarm: bool = False, rules: set[str] | None = None, **kw: object) -> Outcome:
    return Outcome(
        message=m,
        reply=str(kw.get("reply", "")),
        reply_language=str(kw.get("reply_language", m.language)),
        intent=intent,
        confidence=0.9,
        rules=frozenset(rules or ()),
        emergency_answer=alarm,
        not_understood=intent == "nlu_fallback",
    )


def test_the_manifest_labels_every_message_with_known_doors_and_holds_no_text() -> None:
    _, labels = real_set.load_manifest()
    raw = yaml.safe_load(real_set.MANIFEST.read_text(encoding="utf-8"))
    intents = set(yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])
    assert all(set(item) <= LABEL_KEYS for item in raw["labels"]), "a label carries more than ids and judgements"
    assert len({(label.source, label.row) for label in labels}) == len(labels)
    assert len(labels) >= 400 and sum(label.language == "fr" for label in labels) >= 150
    for label in labels:
        assert label.source in raw["sources"]
        assert label.language in ("fr", "en") and set(label.intents) <= intents, label
        assert label.emergency in real_set.EMERGENCY_KINDS and set(label.netiquette) <= set(real_set.RULES), label
    assert {rule for label in labels for rule in label.netiquette} == set(real_set.RULES)


@pytest.mark.parametrize(
    ("text", "mask", "kept", "gone"),
    [
        (
            "Aidez Gisèle Papineau, coincée au 2e, 45 rue Prince-Arthur, 514 321-7788 @voisin_gg",
            ((6, 21, "NAME"),),
            ("Alex Martin", "514-555-0199", "@user", "coincée au 2e"),
            ("Gisèle", "321-7788", "voisin_gg"),
        ),
        (
            "Help Brent Caldwell, stuck on his roof, call +63 917 555 2046 or brent.c@mailbox.org",
            ((5, 19, "NAME"),),
            ("Alex Martin", "514-555-0199", "alex.martin@example.com", "stuck on his roof"),
            ("Brent", "2046", "mailbox.org"),
        ),
        ("LIVE 2016-10-08 09:39: children trapped in a B&B", (), ("2016-10-08 09:39", "children trapped"), ("514",)),
        (
            "great deal http://www.ebay.com/itm/191234567890?x=1 or call +63 917 555 2046",
            (),
            ("http://www.ebay.com/itm/191234567890?x=1", "514-555-0199"),
            ("2046",),
        ),
    ],
)
def test_the_builder_replaces_names_phones_e_mails_and_handles_with_stand_ins(
    text: str, mask: tuple[tuple[int, int, str], ...], kept: tuple[str, ...], gone: tuple[str, ...]
) -> None:
    anonymised = real_set.anonymised(text, mask)
    assert all(part in anonymised for part in kept), anonymised
    assert not any(part in anonymised for part in gone), anonymised


@pytest.mark.parametrize(
    ("text", "placeholder", "expected"),
    [
        ("@USER @USER Vote them out URL", "URL", f"@USER @USER Vote them out {real_set.LINK_STAND_IN}"),
        (
            "What is the URL of your site? URLs, CURL",
            "URL",
            f"What is the {real_set.LINK_STAND_IN} of your site? URLs, CURL",
        ),
        ("What is the URL of your site?", "", "What is the URL of your site?"),
    ],
)
def test_a_sources_placeholder_for_removed_links_becomes_a_link_again(
    text: str, placeholder: str, expected: str
) -> None:
    assert real_set.with_links(text, placeholder) == expected


def test_the_builder_reads_labelled_rows_at_the_manifests_commit_and_writes_the_set(tmp_path: Path) -> None:
    repo = tmp_path / "mirrors" / "someone+tweets" / "repo"
    work = tmp_path / "work"
    work.mkdir()
    (work / "t.csv").write_text(
        'Tweet ID, Tweet Text, Label\n"11","Le ponceau déborde sur la rue, ça monte vite!",x\n"12","merci!",y\n',
        encoding="utf-8",
    )
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "t.csv"], check=True)
    subprocess.run([*git, "commit", "-qm", "data"], check=True)
    commit = subprocess.run([*git[:3], "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(repo)], check=True)
    (work / "t.csv").write_text("Tweet ID, Tweet Text, Label\n", encoding="utf-8")  # the work tree is never read
    manifest = tmp_path / "manifest.yml"
    manifest.write_text(
        yaml.safe_dump(
            {
                "sources": {
                    "tw": {"repo": "someone/tweets", "path": "t.csv", "commit": commit, "licence": "MIT"}
                    | {"format": "crisislex_csv"}
                },
                "labels": [
                    {"source": "tw", "row": "11", "language": "fr", "intents": ["report_municipal_emergency"]}
                    | {"emergency": "municipal"}
                ],
            }
        ),
        encoding="utf-8",
    )
    messages = real_set.build(tmp_path / "mirrors", tmp_path / "out", manifest)
    written = [json.loads(line) for line in (tmp_path / "out" / real_set.SET_FILE).read_text().splitlines()]
    assert written == messages and len(written) == 1
    assert written[0]["text"] == "Le ponceau déborde sur la rue, ça monte vite!"
    assert written[0]["emergency"] == "municipal" and written[0]["id"] == "tw:11"
    assert "| tw | someone/tweets | t.csv |" in (tmp_path / "out" / "SOURCES.md").read_text()


def test_scores_count_what_each_resident_received() -> None:
    fr_emergency = message("fr", {"report_municipal_emergency"}, "municipal")
    fr_abuse = message("fr", {"netiquette_violation"}, rules={"abuse"})
    fr_plain = message("fr", {"out_of_scope"})
    en_emergency = message("en", {"report_life_threatening_emergency"}, "life_threatening")
    en_plain = message("en", {"thank", "goodbye"})
    en_spam = message("en", {"netiquette_violation"}, rules={"solicitation"})
    reports = score(
        [
            result(fr_emergency, "report_problem", alarm=False),  # missed
            result(fr_abuse, "netiquette_violation", rules={"abuse", "political"}),  # right, one extra rule
            result(fr_plain, "nlu_fallback", reply_language="en"),  # not understood, in English
            result(en_emergency, "report_life_threatening_emergency", alarm=True),
            result(en_plain, "report_municipal_emergency", alarm=True),  # false alarm
            result(en_spam, "out_of_scope"),  # solicitation missed
        ]
    )
    fr, en = reports["fr"], reports["en"]
    assert (fr.messages, fr.correct, fr.emergency_recall, fr.not_understood, fr.wrong_language) == (3, 1, 0.0, 1, 1)
    assert fr.rules["abuse"].precision == 1.0 and fr.rules["abuse"].recall == 1.0
    assert fr.rules["political"].precision == 0.0 and fr.rules["political"].recall is None
    assert (en.correct, en.emergency_recall, en.false_alarms, en.others) == (1, 1.0, 1, 2)
    assert en.false_alarm_rate == 0.5 and en.rules["solicitation"].recall == 0.0
    table = evaluate_real.markdown(reports)
    assert "| French | 3 | 33% | 0% (0/1) | 0.0% (0/2) | 33% (1) | 1 |" in table
    assert "| English | 3 | 33% | 100% (1/1) | 50.0% (1/2) | 0% (0) | 0 |" in table
    assert "| (none) | 1/3 | 1/3 |" in table  # by kind of message: none of these has a category


def test_each_source_of_the_development_set_is_counted_apart() -> None:
    fire = message("en", {"report_life_threatening_emergency"}, "life_threatening", row="humaid_fire:7")
    tally = message("en", {"out_of_scope"}, row="humaid_fire:8")
    insult = message("fr", {"netiquette_violation"}, rules={"abuse"}, row="ado:3")
    civil = message("fr", {"out_of_scope"}, row="ado:4")
    scores = evaluate_real.by_source(
        [
            result(fire, "out_of_scope"),  # missed
            result(tally, "report_life_threatening_emergency", alarm=True),  # false alarm
            result(insult, "out_of_scope"),  # abuse not found
            result(civil, "netiquette_violation", rules={"abuse"}),  # a civil row flagged
        ]
    )
    fires, ado = scores["humaid_fire"], scores["ado"]
    assert (fires.messages, fires.correct, fires.emergencies) == (2, 0, 1)
    assert (fires.emergencies_answered, fires.false_alarms, fires.civil_flagged) == (0, 1, 0)
    assert (ado.messages, ado.correct, ado.emergencies, ado.false_alarms) == (2, 0, 0, 0)
    assert (ado.rules["abuse"].examples, ado.rules["abuse"].true_positives, ado.civil_flagged) == (1, 0, 1)
    table = evaluate_real.source_table(scores)
    assert "| humaid_fire | 0/2 | 0/1 | 1 | – | 0 |" in table
    assert "| ado | 0/2 | – | 0 | 0/1 | 1 |" in table


def test_a_reply_in_both_languages_is_not_in_the_wrong_language() -> None:
    identifier = LinguaIdentifier()
    both = (
        "Désolé, ce compte de la Ville ne peut pas vous aider avec cela. Pour les services de la Ville, appelez-nous."
        "\nSorry, that's not something the City's account can help with. For City services, please call us."
    )
    assert evaluate_real.reply_language(identifier, both) == evaluate_real.BOTH_LANGUAGES
    assert evaluate_real.reply_language(identifier, both.splitlines()[1]) == "en"
    reports = score(
        [
            result(message("en", {"out_of_scope"}), "out_of_scope", reply_language=evaluate_real.BOTH_LANGUAGES),
            result(message("en", {"out_of_scope"}), "out_of_scope", reply_language="fr"),
        ]
    )
    assert reports["en"].wrong_language == 1


def test_a_rule_is_marked_from_fifteen_examples() -> None:
    report = LanguageReport()
    report.rules["abuse"].examples = 14
    assert not report.rules["abuse"].marked
    report.rules["abuse"].examples = 15
    assert report.rules["abuse"].marked


@pytest.mark.parametrize("language", ["fr", "en"])
def test_emergency_and_not_understood_answers_are_recognised_from_the_domains_texts(language: str) -> None:
    emergency_marks, not_understood = evaluate_real.answer_marks()
    responses = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    text = {
        name: next(v["text"] for v in responses[name] if v["condition"][0]["value"] == language)
        for name in ("utter_call_911", "utter_default", "utter_netiquette_threat")
    }
    m = message(language, {"report_life_threatening_emergency"}, "life_threatening")
    parse = {"intent": {"name": "netiquette_violation", "confidence": 1.0}, "netiquette": [{"rule": "abuse"}]}
    alarm = outcome(m, text["utter_call_911"], language, parse, emergency_marks, not_understood.values())
    assert alarm.emergency_answer and not alarm.not_understood and alarm.rules == {"abuse"}
    # The fallback and the threat reminder name 9-1-1 too, but are not an emergency answer.
    for name in ("utter_default", "utter_netiquette_threat"):
        other = outcome(m, text[name], language, {}, emergency_marks, not_understood.values())
        assert not other.emergency_answer and other.not_understood == (name == "utter_default")


def test_without_the_set_make_evaluate_says_how_to_build_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REAL_SET_DIR", str(tmp_path / "nowhere"))
    assert evaluate_real.load_real_set() == []
    assert "python -m scripts.real_set" in evaluate_real.how_to_get_the_set()
