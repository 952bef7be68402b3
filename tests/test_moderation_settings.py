"""moderation.yml, the staff-edited settings of comment moderation (issue 15, item 3): automatic hiding off by
default and turned on per rule, partisan content only during an election period, a threat by its own switch, the
repeat-offender steps, the clauses in both languages; `make validate` names a staff member's typo, and a file that
cannot be read hides nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from pointe_claire.moderation_settings import DEFAULT_PATH, moderation_settings, parse, problems

ABUSE = [{"rule": "abuse", "threat": False}]
THREAT = [{"rule": "abuse", "threat": True}]
PARTISAN = [{"rule": "political", "threat": False, "learned": True}]
DAY, ELECTION_DAY = date(2026, 12, 3), date(2029, 10, 15)


def _shipped() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_the_shipped_file_hides_nothing_and_quotes_every_rule_in_both_languages() -> None:
    settings = moderation_settings()
    assert settings.auto_hide == frozenset()
    assert [settings.rule_to_hide(records, ELECTION_DAY) for records in (ABUSE, THREAT, PARTISAN)] == [None] * 3
    assert problems(_shipped()) == []
    assert settings.clause("political", "fr").startswith("Ne faites pas la promotion d'un parti politique")
    assert settings.clause("political", "en").startswith("Do not promote or discredit a political party")


def test_each_rule_hides_only_when_turned_on_and_partisan_content_only_during_an_election() -> None:
    raw = _shipped()
    raw["auto_hide"].update(abuse=True, political=True)
    settings = parse(raw)
    assert settings.rule_to_hide(ABUSE, DAY) == "abuse"
    assert settings.rule_to_hide([{"rule": "solicitation"}], DAY) is None
    assert settings.rule_to_hide(PARTISAN, DAY) is None and settings.rule_to_hide(PARTISAN, ELECTION_DAY) == "political"
    raw["auto_hide"].update(abuse=False, threat=True)
    threats_only = parse(raw)
    assert threats_only.rule_to_hide(THREAT, DAY) == "threat" and threats_only.rule_to_hide(ABUSE, DAY) is None


def test_repeat_offenders_follow_the_citys_escalation() -> None:
    settings = moderation_settings()
    assert [settings.next_step(count) for count in (1, 2, 3, 7)] == ["reminder", "hide", "ban_proposal", "ban_proposal"]


def test_a_typo_is_reported_and_an_unreadable_file_hides_nothing(tmp_path: Path) -> None:
    raw = _shipped()
    raw["auto_hide"]["abuses"] = True
    raw["auto_hide"]["spam"] = "yes"
    del raw["clauses"]["illegal"]["fr"]
    assert problems(raw) == [
        "auto_hide: 'abuses' must be one of ('threat', 'abuse', 'political', 'solicitation', 'personal_information', "
        "'illegal'), set to true or false",
        "auto_hide: 'spam' must be one of ('threat', 'abuse', 'political', 'solicitation', 'personal_information', "
        "'illegal'), set to true or false",
        "clauses: illegal needs its clause in fr",
    ]
    broken = tmp_path / "moderation.yml"
    broken.write_text("auto_hide: {abuse: true\n", encoding="utf-8")
    assert moderation_settings(broken).auto_hide == frozenset()
    assert moderation_settings(tmp_path / "missing.yml").auto_hide == frozenset()
