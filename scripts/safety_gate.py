"""The safety gate of `make report` and `make test`: a change to the data may not cost an emergency, nor turn an
ordinary message into one.

Emergencies: every message of tests/safety/emergencies_<language>.yml and every held-out message labelled as an
emergency must get an emergency intent (either kind: both answers give 9-1-1 and 514-630-1234). Ordinary messages:
the look-alikes of tests/safety/lookalikes.yml and every other held-out message must not. A miss always fails; a
false alarm fails unless the previous report (another model) had it too, so the gate names what the change broke.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from pointe_claire.names import EMERGENCY_INTENTS
from scripts.nlu_files import LANGUAGES, PROJECT_ROOT, evaluation_examples

SAFETY_DIR = PROJECT_ROOT / "tests" / "safety"


@dataclass(frozen=True)
class SafetyCase:
    """One message the gate sends: whether it reports an emergency, and where a trainer finds it."""

    language: str
    text: str
    emergency: bool
    where: str


@dataclass
class LanguageSafety:
    """Emergency recall and false alarms of one language."""

    language: str
    emergencies: int = 0
    ordinary: int = 0
    misses: list[SafetyCase] = field(default_factory=list)
    alarms: list[tuple[SafetyCase, str]] = field(default_factory=list)  # the message and the emergency intent it got

    @property
    def recall(self) -> float:
        return 1 - len(self.misses) / self.emergencies if self.emergencies else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return len(self.alarms) / self.ordinary if self.ordinary else 0.0


def emergencies_of(language: str) -> list[dict[str, str]]:
    """tests/safety/emergencies_<language>.yml: each message with its kind (`text`, `kind`)."""
    path = SAFETY_DIR / f"emergencies_{language}.yml"
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["messages"])


def lookalikes_of(language: str) -> list[str]:
    """tests/safety/lookalikes.yml's messages of one language."""
    return list(yaml.safe_load((SAFETY_DIR / "lookalikes.yml").read_text(encoding="utf-8"))["messages"][language])


def safety_cases(languages: Iterable[str] = LANGUAGES) -> list[SafetyCase]:
    """The safety sets and the held-out set, both languages, in a fixed order."""
    cases = []
    for language in languages:
        where = f"tests/safety/emergencies_{language}.yml"
        cases += [SafetyCase(language, item["text"], True, where) for item in emergencies_of(language)]
        cases += [SafetyCase(language, text, False, "tests/safety/lookalikes.yml") for text in lookalikes_of(language)]
        cases += [
            SafetyCase(language, example.text, example.intent in EMERGENCY_INTENTS, example.where)
            for example in evaluation_examples(language)
        ]
    return cases


def judge(cases: list[SafetyCase], intents: list[str]) -> dict[str, LanguageSafety]:
    """Recall and false alarms per language, from the intent the model chose for each case."""
    results = {language: LanguageSafety(language) for language in dict.fromkeys(case.language for case in cases)}
    for case, intent in zip(cases, intents, strict=True):
        result = results[case.language]
        if case.emergency:
            result.emergencies += 1
            if intent not in EMERGENCY_INTENTS:
                result.misses.append(case)
        else:
            result.ordinary += 1
            if intent in EMERGENCY_INTENTS:
                result.alarms.append((case, intent))
    return results


def failures(results: dict[str, LanguageSafety], known_alarms: Collection[str] = ()) -> list[str]:
    """What stops the change, one line a message: every missed emergency, every false alarm not known before."""
    lines = []
    for result in results.values():
        lines += [f"missed emergency [{case.language}] {case.where}: {case.text}" for case in result.misses]
        lines += [
            f"false alarm [{case.language}] {case.where}: {case.text} -> {intent}"
            for case, intent in result.alarms
            if case.text not in known_alarms
        ]
    return lines


def to_json(results: dict[str, LanguageSafety]) -> dict[str, dict[str, object]]:
    """The report's safety section: numbers, and the texts the next report compares with."""
    return {
        language: {
            "emergencies": r.emergencies,
            "recall": r.recall,
            "ordinary": r.ordinary,
            "false_alarm_rate": r.false_alarm_rate,
            "missed": [case.text for case in r.misses],
            "false_alarms": [case.text for case, _ in r.alarms],
        }
        for language, r in results.items()
    }


def known_alarms(previous_report: Mapping[str, Any] | None) -> set[str]:
    """The false alarms the previous report already had (its `safety` section), if there was one."""
    section = (previous_report or {}).get("safety") or {}
    return {text for per_language in section.values() for text in per_language.get("false_alarms", [])}


def summary(results: dict[str, LanguageSafety]) -> str:
    return "\n".join(
        f"[{r.language}] safety: {r.emergencies - len(r.misses)}/{r.emergencies} emergencies recognised "
        f"({r.recall:.1%}), {len(r.alarms)} false alarms in {r.ordinary} ordinary messages ({r.false_alarm_rate:.1%})"
        for r in results.values()
    )
