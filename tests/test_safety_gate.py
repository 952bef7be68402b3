"""The safety gate (scripts/safety_gate.py): in `make test` on the trained model, and how it decides."""

from __future__ import annotations

from pathlib import Path

from scripts import safety_gate
from scripts.report import evaluate
from scripts.safety_gate import SafetyCase, failures, judge, known_alarms, to_json


def test_the_trained_model_passes_the_safety_gate(trained_model: Path) -> None:
    _, safety = evaluate(trained_model)
    problems = failures(safety)
    assert not problems, "\n".join(problems)
    for language in ("fr", "en"):
        assert safety[language].emergencies >= 100 and safety[language].ordinary >= 300


CASES = [
    SafetyCase("fr", "mon père respire pus", True, "tests/safety/emergencies_fr.yml"),
    SafetyCase("fr", "le chien du voisin jappe toute la nuit", False, "tests/evaluation/nlu_fr.yml:12"),
    SafetyCase("en", "tree on the power lines, sparks everywhere", True, "tests/safety/emergencies_en.yml"),
    SafetyCase("en", "when is fire prevention week?", False, "tests/safety/lookalikes.yml"),
]


def test_the_gate_names_each_missed_emergency_and_each_new_false_alarm() -> None:
    intents = ["report_problem", "report_life_threatening_emergency", "report_municipal_emergency", "ask_events"]
    results = judge(CASES, intents)
    assert failures(results) == [
        "missed emergency [fr] tests/safety/emergencies_fr.yml: mon père respire pus",
        "false alarm [fr] tests/evaluation/nlu_fr.yml:12: le chien du voisin jappe toute la nuit"
        " -> report_life_threatening_emergency",
    ]
    assert results["fr"].recall == 0.0 and results["en"].recall == 1.0
    assert results["fr"].false_alarm_rate == 1.0 and results["en"].false_alarm_rate == 0.0


def test_a_false_alarm_the_previous_model_had_is_reported_but_does_not_fail_a_miss_always_does() -> None:
    intents = ["report_problem", "report_life_threatening_emergency", "report_municipal_emergency", "ask_events"]
    results = judge(CASES, intents)
    previous = {"safety": to_json(results)}
    assert known_alarms(previous) == {"le chien du voisin jappe toute la nuit"}
    assert failures(results, known_alarms(previous)) == [
        "missed emergency [fr] tests/safety/emergencies_fr.yml: mon père respire pus"
    ]
    assert known_alarms(None) == set()


def test_the_gate_reads_both_safety_sets_and_the_whole_held_out_set() -> None:
    cases = safety_gate.safety_cases()
    for language in ("fr", "en"):
        mine = [case for case in cases if case.language == language]
        assert any(case.emergency and "emergencies_" in case.where for case in mine)
        assert any(not case.emergency and case.where.endswith("lookalikes.yml") for case in mine)
        assert any(case.emergency and "evaluation" in case.where for case in mine)
        assert any(not case.emergency and "evaluation" in case.where for case in mine)
