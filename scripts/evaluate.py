"""`make evaluate`: the held-out evaluation set sent through the real REST channel, scored per language.

Each held-out message opens its own conversation on the running assistant (action server included). The intent
is read back from what the tracker store recorded, so the score is that of the whole deployed path. Bars:
intent F1 >= 0.95 in each language, >= 99% of replies in the message's language, every emergency answered with
its number. Used by tests/test_evaluation.py too.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pointe_claire.city_facts import load_city_facts
from pointe_claire.language import LinguaIdentifier
from pointe_claire.names import EMERGENCY_INTENTS
from scripts.intent_scores import LanguageScores, score
from scripts.nlu_files import LANGUAGES, PROJECT_ROOT, Example, evaluation_examples
from scripts.safety_gate import emergencies_of, lookalikes_of
from scripts.servers import Assistant, running_assistant

F1_BAR = 0.95
RIGHT_LANGUAGE_BAR = 0.99

# The door each kind of message must be shown: facts of city_facts.yml ("{lang}" is the message's language).
EXPECTED_FACTS: dict[str, tuple[str, ...]] = {
    "report_life_threatening_emergency": ("phone_emergency",),
    "report_municipal_emergency": ("phone_municipal_emergency",),
    "report_problem": ("phone_general", "app_reporting", "web_home_{lang}"),
    "ask_city_services": ("phone_general",),
    "ask_media_relations": ("email_communications",),
    "ask_council": ("web_council_meetings_{lang}", "web_search_by_address_{lang}"),
    "ask_events": ("web_home_{lang}",),
    "ask_jobs": ("web_jobs_{lang}",),
    "ask_public_notices": ("web_home_{lang}",),
    "ask_logo_use": ("email_communications",),
}
NUMBER_FOR_KIND = {"life_threatening": "phone_emergency", "municipal": "phone_municipal_emergency"}


@dataclass
class SafetyResult:
    """The safety sets (tests/safety/) through the deployed path: every emergency caught, no false alarm."""

    language: str
    emergencies: int = 0
    caught: int = 0
    lookalikes: int = 0
    false_alarms: int = 0
    misses: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.caught / self.emergencies if self.emergencies else 1.0


def run_safety_evaluation(assistant: Assistant) -> dict[str, SafetyResult]:
    """An emergency is caught when its reply holds its number; a look-alike alarms when it gets an emergency intent."""
    facts = load_city_facts().variables
    results: dict[str, SafetyResult] = {}
    for language in LANGUAGES:
        result = results[language] = SafetyResult(language)
        for item in emergencies_of(language):
            reply = assistant.reply_text(f"safety-{uuid.uuid4().hex[:12]}", item["text"])
            result.emergencies += 1
            if facts[NUMBER_FOR_KIND[item["kind"]]] in reply:
                result.caught += 1
            else:
                result.misses.append(item["text"])
        senders = {}
        for text in lookalikes_of(language):
            sender = f"lookalike-{uuid.uuid4().hex[:12]}"
            assistant.send(sender, text)
            senders[sender] = text
        stored = _stored_intents(assistant.tracker_db, list(senders))
        for sender, text in senders.items():
            result.lookalikes += 1
            if stored.get(sender, ("", 0.0))[0] in EMERGENCY_INTENTS:
                result.false_alarms += 1
                result.alarms.append(text)
    return results


def format_safety(results: dict[str, SafetyResult]) -> str:
    lines = ["Safety net through the REST channel (tests/safety/)", ""]
    lines.append(f"{'language':<9} {'emergencies':>11} {'recall':>7} {'look-alikes':>11} {'false alarms':>12}")
    for language, r in results.items():
        lines.append(f"{language:<9} {r.emergencies:>11} {r.recall:>7.1%} {r.lookalikes:>11} {r.false_alarms:>12}")
    for r in results.values():
        lines += [f"  [{r.language}] missed: {text}" for text in r.misses]
        lines += [f"  [{r.language}] false alarm: {text}" for text in r.alarms]
    return "\n".join(lines)


@dataclass
class Exchange:
    example: Example
    sender: str
    reply: str
    reply_language: str | None = None
    predicted_intent: str = ""
    confidence: float = 0.0


@dataclass
class Evaluation:
    intents: dict[str, LanguageScores]
    right_language: dict[str, float]
    wrong_language: list[Exchange] = field(default_factory=list)
    missing_contact: list[tuple[Exchange, str]] = field(default_factory=list)
    emergencies: int = 0
    emergencies_answered: int = 0

    @property
    def passed(self) -> bool:
        return (
            all(s.weighted_f1 >= F1_BAR for s in self.intents.values())
            and all(rate >= RIGHT_LANGUAGE_BAR for rate in self.right_language.values())
            and self.emergencies_answered == self.emergencies
        )


def stored_parse_data(tracker_db: Path, senders: list[str]) -> dict[str, dict[str, Any]]:
    """What the deployed assistant recorded of each conversation's (single) resident message: intent, netiquette.
    Only the wanted conversations' rows are read (a test asks for one among thousands)."""
    found: dict[str, dict[str, Any]] = {}
    with sqlite3.connect(tracker_db) as connection:
        rows = connection.execute(
            "SELECT sender_id, data FROM events WHERE type_name = 'user' "
            "AND sender_id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (json.dumps(list(senders)),),
        )
        for sender_id, data in rows:
            found[sender_id] = json.loads(data).get("parse_data", {})
    return found


def _stored_intents(tracker_db: Path, senders: list[str]) -> dict[str, tuple[str, float]]:
    """The intent the deployed assistant recorded for each conversation's (single) resident message."""
    return {sender: parsed_intent(data) for sender, data in stored_parse_data(tracker_db, senders).items()}


def parsed_intent(parse_data: dict[str, Any]) -> tuple[str, float]:
    intent = parse_data.get("intent", {})
    return intent.get("name", ""), float(intent.get("confidence") or 0.0)


def run_evaluation(assistant: Assistant) -> Evaluation:
    facts = load_city_facts().variables
    identifier = LinguaIdentifier()
    exchanges: dict[str, list[Exchange]] = {}
    for language in LANGUAGES:
        exchanges[language] = []
        for example in evaluation_examples(language):
            sender = f"evaluation-{uuid.uuid4().hex[:12]}"
            reply = assistant.reply_text(sender, example.text)
            exchanges[language].append(Exchange(example, sender, reply, identifier.identify(reply).language))
    all_exchanges = [e for language in LANGUAGES for e in exchanges[language]]
    stored = _stored_intents(assistant.tracker_db, [e.sender for e in all_exchanges])
    for exchange in all_exchanges:
        exchange.predicted_intent, exchange.confidence = stored.get(exchange.sender, ("(nothing stored)", 0.0))

    evaluation = Evaluation(
        intents={
            language: score(
                [e.example for e in exchanges[language]],
                [(e.predicted_intent, e.confidence) for e in exchanges[language]],
                language,
            )
            for language in LANGUAGES
        },
        right_language={
            language: sum(e.reply_language == language for e in exchanges[language]) / len(exchanges[language])
            for language in LANGUAGES
        },
    )
    for exchange in all_exchanges:
        language = exchange.example.language
        if exchange.reply_language != language:
            evaluation.wrong_language.append(exchange)
        expected = [facts[key.format(lang=language)] for key in EXPECTED_FACTS.get(exchange.example.intent, ())]
        missing = [value for value in expected if value not in exchange.reply]
        for value in missing:
            evaluation.missing_contact.append((exchange, value))
        if exchange.example.intent in EMERGENCY_INTENTS:
            evaluation.emergencies += 1
            evaluation.emergencies_answered += not missing
    return evaluation


def format_evaluation(evaluation: Evaluation) -> str:
    lines = ["Held-out evaluation through the REST channel (tests/evaluation/, never used for training)", ""]
    lines.append(
        f"{'language':<9} {'intent F1 (weighted)':>20} {'macro F1':>9} {'accuracy':>9} {'reply in language':>18}"
    )
    for language in LANGUAGES:
        s = evaluation.intents[language]
        lines.append(
            f"{language:<9} {s.weighted_f1:>20.3f} {s.macro_f1:>9.3f} {s.accuracy:>9.3f} "
            f"{evaluation.right_language[language]:>18.1%}"
        )
    lines.append(
        f"emergencies answered with the right number: {evaluation.emergencies_answered}/{evaluation.emergencies}"
    )
    lines.append(f"replies missing the expected contact: {len(evaluation.missing_contact)}")
    lines.append("")
    for language in LANGUAGES:
        for ex, predicted, confidence in evaluation.intents[language].errors:
            lines.append(f"  [{language}] {ex.intent} -> {predicted} ({confidence:.2f}): {ex.text}")
    for exchange in evaluation.wrong_language:
        lines.append(f"  reply not in {exchange.example.language}: {exchange.example.text!r}")
    for exchange, value in evaluation.missing_contact:
        lines.append(f"  no {value!r} in the reply to ({exchange.example.intent}) {exchange.example.text!r}")
    lines.append("")
    lines.append(
        f"Bars: intent F1 >= {F1_BAR} per language, >= {RIGHT_LANGUAGE_BAR:.0%} of replies in the right language, "
        f"every emergency answered with its number: {'PASSED' if evaluation.passed else 'FAILED'}"
    )
    return "\n".join(lines)


def format_netiquette() -> str:
    """Netiquette precision and recall per rule and language on tests/netiquette/ (the checker the assistant runs)."""
    from pointe_claire.netiquette import default_checker, load_labelled, score

    labelled = [
        m
        for lang in LANGUAGES
        for m in load_labelled(PROJECT_ROOT / "tests" / "netiquette" / f"netiquette_{lang}.yml", lang)
    ]
    lines = ["Netiquette on tests/netiquette/ (these sets also shaped the lexicon: see tests/test_netiquette.py)", ""]
    lines.append(f"{'rule':<22} {'language':<9} {'precision':>9} {'recall':>7}")
    for (rule, language), result in sorted(score(default_checker(), labelled).items()):
        lines.append(f"{rule:<22} {language:<9} {result.precision:>9.2f} {result.recall:>7.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from scripts import evaluate_real, quiet

    # The servers' own output goes to their log files; this keeps what loads in this process quiet too.
    quiet.quiet_this_process(progress="--progress" in (sys.argv[1:] if argv is None else argv))

    model = PROJECT_ROOT / "models" / "pointe-claire.tar.gz"
    real_set = evaluate_real.load_real_set()
    with tempfile.TemporaryDirectory() as workdir, running_assistant(model, Path(workdir)) as assistant:
        evaluation = run_evaluation(assistant)
        safety = run_safety_evaluation(assistant)
        real = evaluate_real.run(assistant, real_set) if real_set else None
    print(format_evaluation(evaluation))
    print()
    print(format_safety(safety))
    print()
    print(format_netiquette())
    print()
    # Reported, not a bar: the real-message set measures how far the assistant is from real residents.
    print(evaluate_real.report(real, real_set) if real else evaluate_real.how_to_get_the_set())
    safe = all(r.recall == 1.0 and r.false_alarms == 0 for r in safety.values())
    return 0 if evaluation.passed and safe else 1


if __name__ == "__main__":
    sys.exit(main())
