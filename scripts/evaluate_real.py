"""A real-message set through the deployed assistant: what real residents would have received.

The evaluation set (public messages people wrote, labelled with the doors that are right for them;
docs/evaluation.md) lives outside the repository, in REAL_SET_DIR (/work/realdata), rebuilt by
`python -m scripts.real_set`; the development set (other sources, to look at and tune on) in REAL_SET_DIR/dev, rebuilt
by `python -m scripts.real_set --set dev`. Each message
opens its own conversation on the real Rasa server and action server (REST channel); intent and netiquette
findings are read back from the tracker store, the reply is what the resident would see. Reported per language:
accuracy (the intent is one of the acceptable ones), emergency recall, false alarms, "not understood", netiquette
precision and recall per rule, replies in the wrong language. Numbers go to reports/real_set.{md,json}
(reports/real_dev.{md,json} for the development set); the failures, with their texts, only beside the set (never
into the repository).

    python -m scripts.evaluate_real [--failures failures_before.md]
    python -m scripts.evaluate_real --set dev
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pointe_claire.language import LinguaIdentifier
from pointe_claire.names import FALLBACK_INTENT
from scripts.evaluate import parsed_intent, stored_parse_data
from scripts.nlu_files import LANGUAGES, PROJECT_ROOT
from scripts.real_set import RULES, SET_FILE, SETS, set_directory
from scripts.servers import Assistant, running_assistant

MARKED_RULE_EXAMPLES = 15  # the bars apply to rules with at least this many examples in a language
REPORT_DIR = PROJECT_ROOT / "reports"
BOTH_LANGUAGES = "fr+en"
LANGUAGE_NAMES = {"fr": "French", "en": "English"}


@dataclass(frozen=True)
class RealMessage:
    id: str
    text: str
    language: str
    intents: frozenset[str]
    emergency: str  # none | life_threatening | municipal
    netiquette: frozenset[str]
    category: str = ""

    @property
    def is_emergency(self) -> bool:
        return self.emergency != "none"

    @property
    def source(self) -> str:
        """The manifest's source key: ids are `<source>:<row>`."""
        return self.id.rpartition(":")[0] or self.id


@dataclass(frozen=True)
class Outcome:
    """What the deployed assistant did with one message."""

    message: RealMessage
    reply: str
    reply_language: str | None
    intent: str
    confidence: float
    rules: frozenset[str]
    emergency_answer: bool
    not_understood: bool

    @property
    def correct(self) -> bool:
        return self.intent in self.message.intents

    @property
    def wrong_language(self) -> bool:
        """A reply in both languages (sent while the resident's language is unknown) holds the resident's."""
        return self.reply_language not in (self.message.language, BOTH_LANGUAGES)


@dataclass
class RuleScore:
    examples: int = 0
    true_positives: int = 0
    false_positives: int = 0

    @property
    def precision(self) -> float | None:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.examples if self.examples else None

    @property
    def marked(self) -> bool:
        return self.examples >= MARKED_RULE_EXAMPLES


@dataclass
class LanguageReport:
    """What a group of outcomes got: one language's (`score`), or one source's of the development set (`by_source`)."""

    messages: int = 0
    correct: int = 0
    emergencies: int = 0
    emergencies_answered: int = 0
    others: int = 0
    false_alarms: int = 0
    not_understood: int = 0
    wrong_language: int = 0
    civil_flagged: int = 0  # messages labelled with no rule that got a netiquette finding
    rules: dict[str, RuleScore] = field(default_factory=lambda: {rule: RuleScore() for rule in RULES})
    categories: dict[str, list[int]] = field(default_factory=dict)  # category: [messages, correct]

    def add(self, o: Outcome) -> None:
        self.messages += 1
        self.correct += o.correct
        self.not_understood += o.not_understood
        self.wrong_language += o.wrong_language
        self.civil_flagged += bool(o.rules) and not o.message.netiquette
        counts = self.categories.setdefault(o.message.category, [0, 0])
        counts[0] += 1
        counts[1] += o.correct
        if o.message.is_emergency:
            self.emergencies += 1
            self.emergencies_answered += o.emergency_answer
        else:
            self.others += 1
            self.false_alarms += o.emergency_answer
        for rule, rule_score in self.rules.items():
            expected, found = rule in o.message.netiquette, rule in o.rules
            rule_score.examples += expected
            rule_score.true_positives += expected and found
            rule_score.false_positives += found and not expected

    @property
    def accuracy(self) -> float:
        return self.correct / self.messages if self.messages else 0.0

    @property
    def emergency_recall(self) -> float | None:
        return self.emergencies_answered / self.emergencies if self.emergencies else None

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.others if self.others else 0.0

    @property
    def not_understood_rate(self) -> float:
        return self.not_understood / self.messages if self.messages else 0.0


def by_source(outcomes: Iterable[Outcome]) -> dict[str, LanguageReport]:
    """Each source's counts: how a batch of fresh rows did, measured once before anyone tunes on it."""
    reports: dict[str, LanguageReport] = {}
    for o in outcomes:
        reports.setdefault(o.message.source, LanguageReport()).add(o)
    return reports


def source_table(reports: dict[str, LanguageReport]) -> str:
    lines = [
        "| source | right | emergencies answered | false alarms | netiquette rules found | civil rows flagged |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for source, s in sorted(reports.items()):
        emergencies = f"{s.emergencies_answered}/{s.emergencies}" if s.emergencies else "–"
        expected = sum(rule.examples for rule in s.rules.values())
        found = sum(rule.true_positives for rule in s.rules.values())
        flags = f"{found}/{expected}" if expected else "–"
        lines.append(
            f"| {source} | {s.correct}/{s.messages} | {emergencies} | {s.false_alarms} | {flags} | {s.civil_flagged} |"
        )
    return "\n".join(lines)


def set_path(name: str = "eval") -> Path:
    return set_directory(name) / SET_FILE


def load_real_set(path: Path | None = None, name: str = "eval") -> list[RealMessage]:
    """The set, or [] when it was not built on this machine."""
    path = path or set_path(name)
    if not path.is_file():
        return []
    messages = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            messages.append(
                RealMessage(
                    id=raw["id"],
                    text=raw["text"],
                    language=raw["language"],
                    intents=frozenset(raw["intents"]),
                    emergency=raw["emergency"],
                    netiquette=frozenset(raw.get("netiquette") or ()),
                    category=raw.get("category", ""),
                )
            )
    return messages


def how_to_get_the_set(name: str = "eval") -> str:
    real_set = SETS[name]
    option = "" if name == "eval" else f" --set {name}"
    return (
        f"Real-message set: not measured, {set_path(name)} is absent. It is kept out of the repository: fetch the "
        f"sources named in {real_set.manifest.relative_to(PROJECT_ROOT)} (the `fetch` tool, github:<owner>/<name>), "
        f"then run `python -m scripts.real_set{option}` (REAL_SET_DIR chooses where it goes) and measure again."
    )


def answer_marks() -> tuple[tuple[str, ...], dict[str, str]]:
    """How a reply is recognised, from domain.yml: the sign an emergency answer opens with (🚨, ⚠️), and the first
    sentence of the "didn't understand" answer in each language."""
    responses = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    emergency = tuple(
        sorted(
            {v["text"].split()[0] for name in ("utter_call_911", "utter_municipal_emergency") for v in responses[name]}
        )
    )
    default = {v["condition"][0]["value"]: v["text"].split(".")[0] for v in responses["utter_default"]}
    return emergency, default


def outcome(
    message: RealMessage,
    reply: str,
    reply_language: str | None,
    parse_data: dict[str, Any],
    emergency_marks: Sequence[str],
    not_understood_texts: Iterable[str],
) -> Outcome:
    intent, confidence = parsed_intent(parse_data)
    rules = frozenset(record["rule"] for record in parse_data.get("netiquette") or ())
    return Outcome(
        message=message,
        reply=reply,
        reply_language=reply_language,
        intent=intent,
        confidence=confidence,
        rules=rules,
        emergency_answer=reply.lstrip().startswith(tuple(emergency_marks)),
        not_understood=intent == FALLBACK_INTENT or any(text in reply for text in not_understood_texts),
    )


def score(outcomes: Iterable[Outcome]) -> dict[str, LanguageReport]:
    reports = {language: LanguageReport() for language in LANGUAGES}
    for o in outcomes:
        reports[o.message.language].add(o)
    return reports


def reply_language(identifier: LinguaIdentifier, reply: str) -> str | None:
    """The reply's language, or `BOTH_LANGUAGES` when its lines are in French and in English (the response
    generator's answer while the resident's language is unknown: French first, then English, one bubble each on
    REST)."""
    parts = [part for part in reply.splitlines() if part.strip()]
    languages = [identifier.identify(part).language for part in parts]
    if set(LANGUAGES) <= set(languages):
        return BOTH_LANGUAGES
    if len(parts) == 1:  # the usual one-line reply: its line's language is the reply's, read once
        return languages[0]
    return identifier.identify(reply).language


def run(assistant: Assistant, messages: Sequence[RealMessage]) -> list[Outcome]:
    """Each message in a conversation of its own, through the REST channel; what was stored read back after."""
    identifier = LinguaIdentifier()
    emergency_marks, not_understood = answer_marks()
    sent: list[tuple[RealMessage, str, str]] = []
    for message in messages:
        sender = f"real-{uuid.uuid4().hex[:12]}"
        sent.append((message, sender, assistant.reply_text(sender, message.text)))
    stored = stored_parse_data(assistant.tracker_db, [sender for _, sender, _ in sent])
    return [
        outcome(
            message,
            reply,
            reply_language(identifier, reply),
            stored.get(sender, {}),
            emergency_marks,
            not_understood.values(),
        )
        for message, sender, reply in sent
    ]


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def markdown(reports: dict[str, LanguageReport]) -> str:
    lines = [
        "| language | messages | accuracy | emergency recall | false alarms | not understood | wrong language |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for language, r in reports.items():
        lines.append(
            f"| {LANGUAGE_NAMES[language]} | {r.messages} | {r.accuracy:.0%} | "
            f"{_percent(r.emergency_recall)} ({r.emergencies_answered}/{r.emergencies}) | "
            f"{r.false_alarm_rate:.1%} ({r.false_alarms}/{r.others}) | {r.not_understood_rate:.0%} "
            f"({r.not_understood}) | {r.wrong_language} |"
        )
    lines += [
        "",
        f"Netiquette per rule (examples; * = at least {MARKED_RULE_EXAMPLES}, where the bars apply):",
        "",
        "| rule | language | examples | precision | recall |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for rule in RULES:
        for language, r in reports.items():
            s = r.rules[rule]
            mark = "*" if s.marked else ""
            lines.append(
                f"| {rule} | {language} | {s.examples}{mark} | {_percent(s.precision)} | {_percent(s.recall)} |"
            )
    lines += ["", "Accuracy by kind of message (docs/evaluation.md, the labelling guide):", ""]
    lines += ["| kind | " + " | ".join(LANGUAGE_NAMES[language] for language in reports) + " |"]
    lines += ["| --- |" + " ---: |" * len(reports)]
    for category in sorted({c for r in reports.values() for c in r.categories}):
        cells = []
        for r in reports.values():
            n, correct = r.categories.get(category, [0, 0])
            cells.append(f"{correct}/{n}" if n else "–")
        lines.append(f"| {category or '(none)'} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def as_json(reports: dict[str, LanguageReport]) -> dict[str, Any]:
    return {
        language: {
            **{k: v for k, v in asdict(r).items() if k != "rules"},
            "accuracy": r.accuracy,
            "emergency_recall": r.emergency_recall,
            "false_alarm_rate": r.false_alarm_rate,
            "not_understood_rate": r.not_understood_rate,
            "rules": {
                rule: {**asdict(s), "precision": s.precision, "recall": s.recall, "marked": s.marked}
                for rule, s in r.rules.items()
            },
        }
        for language, r in reports.items()
    }


def failures(outcomes: Iterable[Outcome]) -> str:
    """Every message not answered as labelled, with its text: for REAL_SET_DIR only, never the repository."""
    lines = ["# Failures on the real-message set", ""]
    for o in outcomes:
        m = o.message
        problems = []
        if not o.correct:
            problems.append(f"intent {o.intent} ({o.confidence:.2f}) not in {sorted(m.intents)}")
        if m.is_emergency and not o.emergency_answer:
            problems.append(f"{m.emergency} emergency missed")
        if not m.is_emergency and o.emergency_answer:
            problems.append("false alarm")
        if o.not_understood:
            problems.append("not understood")
        if o.wrong_language:
            problems.append(f"reply in {o.reply_language}")
        if o.rules != m.netiquette:
            problems.append(f"netiquette {sorted(o.rules)} expected {sorted(m.netiquette)}")
        if problems:
            lines.append(f"- `{m.id}` [{m.language}, {m.category}] {'; '.join(problems)}")
            lines.append(f"  - message: {m.text}")
            lines.append(f"  - reply: {o.reply[:200]}")
    return "\n".join(lines) + "\n"


def report(
    outcomes: Sequence[Outcome],
    messages: Sequence[RealMessage],
    failures_name: str = "failures_latest.md",
    name: str = "eval",
) -> str:
    """Writes reports/<set's report>.{md,json} (numbers only) and the failures beside the set; returns the table.
    The development set's report also counts each source apart, so that a fresh batch can be measured once before
    anyone tunes on it; the evaluation set's stays per language and kind: per-source numbers would point at what to
    tune on it."""
    reports = score(outcomes)
    table = markdown(reports)
    if name != "eval":
        table += "\n\nBy source (the manifest's keys):\n\n" + source_table(by_source(outcomes))
    real_set, where = SETS[name], set_path(name).parent
    heading = "Real-message set" if name == "eval" else real_set.title.capitalize()
    title = f"{heading} ({len(messages)} messages people wrote, {where}; never trained on)"
    REPORT_DIR.mkdir(exist_ok=True)
    (REPORT_DIR / f"{real_set.report}.md").write_text(f"# {title}\n\n{table}\n", encoding="utf-8")
    (REPORT_DIR / f"{real_set.report}.json").write_text(json.dumps(as_json(reports), indent=2) + "\n", encoding="utf-8")
    (where / failures_name).write_text(failures(outcomes), encoding="utf-8")
    return f"{title}\n\n{table}\n\nFailures (with texts): {where / failures_name}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="eval", help="which set (default: the evaluation set)")
    parser.add_argument("--failures", default="failures_latest.md", help="file name of the failures list")
    parser.add_argument(
        "--model", type=Path, default=PROJECT_ROOT / "models" / "pointe-claire.tar.gz", help="model to measure"
    )
    args = parser.parse_args(argv)
    messages = load_real_set(name=args.set)
    if not messages:
        print(how_to_get_the_set(args.set))
        return 0
    with tempfile.TemporaryDirectory() as workdir, running_assistant(args.model, Path(workdir)) as assistant:
        outcomes = run(assistant, messages)
    print(report(outcomes, messages, args.failures, args.set))
    return 0


if __name__ == "__main__":
    sys.exit(main())
