"""`make new-intent NAME=ask_parking [TOPIC=parking]`: the YAML a new intent needs, in both languages, as stubs.

Writes French and English example files (or adds to the topic's existing ones), the intent and a response with
its French and English variations in domain.yml, and a rule. Every stub holds TODO placeholders, so that
`make validate` then lists what the trainer still has to write. Text is inserted into domain.yml, never
re-dumped, so its comments and layout stay as they are.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from scripts.nlu_files import PROJECT_ROOT
from scripts.validate_project import PLACEHOLDER, UNTRAINED_INTENTS

INTENT_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# A leading verb names what the resident does: ask_parking is answered by utter_parking, in parking.yml files.
VERBS = ("ask_", "report_", "request_")

EXAMPLE_STUBS = {
    "fr": (
        f"{PLACEHOLDER} écrivez ici une vraie question de résident, en français (au moins 25 exemples)",
        f"{PLACEHOLDER} une autre façon de le dire, sans accents ou en joual, comme on l'écrit sur Facebook",
        f"{PLACEHOLDER} une version très courte, trois ou quatre mots",
    ),
    "en": (
        f"{PLACEHOLDER} write a real resident's question here, in English (at least 25 examples)",
        f"{PLACEHOLDER} another way to say it, with the typos people make on their phone",
        f"{PLACEHOLDER} a very short version, three or four words",
    ),
}
RESPONSE_STUBS = {
    "fr": f"{PLACEHOLDER} la réponse en français. Faits de city_facts.yml : {{web_home_fr}}, {{phone_general}}.",
    "en": f"{PLACEHOLDER} the reply in English. Facts come from city_facts.yml: {{web_home_en}}, {{phone_general}}.",
}


class NewIntentError(ValueError):
    """The name cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class NewIntent:
    name: str
    topic: str  # names the files: data/nlu/<language>/<topic>.yml, data/rules/<topic>.yml

    @property
    def subject(self) -> str:
        """The name without its leading verb: ask_parking -> parking."""
        verb = next((v for v in VERBS if self.name.startswith(v) and len(self.name) > len(v)), "")
        return self.name[len(verb) :]

    @property
    def response(self) -> str:
        return f"utter_{self.subject}"

    @classmethod
    def named(cls, name: str, topic: str | None = None) -> NewIntent:
        if not INTENT_NAME.match(name):
            raise NewIntentError(
                f"'{name}' is not a snake_case name: use lower-case words joined by _, e.g. ask_parking"
            )
        if topic is not None and not INTENT_NAME.match(topic):
            raise NewIntentError(f"topic '{topic}' is not a snake_case name, e.g. parking")
        return cls(name, topic or cls(name, "").subject)


def _nlu_block(intent: NewIntent, language: str) -> str:
    examples = "".join(f"    - {text}\n" for text in EXAMPLE_STUBS[language])
    return f"# {intent.name}: what the resident wants, in one line (also add it to docs/intents.md)\n" + (
        f"- intent: {intent.name}\n  examples: |\n{examples}"
    )


def _response_block(intent: NewIntent) -> str:
    variations = "".join(
        f"    - condition: [{{type: slot, name: language, value: {language}}}]\n"
        f'      text: "{RESPONSE_STUBS[language]}"\n'
        for language in ("fr", "en")
    )
    title = f"  # --- {intent.subject.replace('_', ' ')} (make new-intent) "
    return f"{title}{'-' * max(3, 110 - len(title))}\n  {intent.response}:\n{variations}"


def _rule_block(intent: NewIntent) -> str:
    return (
        f"  - rule: answer {intent.name.replace('_', ' ')}\n"
        f"    steps:\n      - intent: {intent.name}\n      - action: {intent.response}\n"
    )


def _top_level_section(lines: list[str], key: str) -> tuple[int, int]:
    """First and one-past-last line index of a top-level key's section."""
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"^[a-z_]+:", lines[i])), len(lines))
    return start, end


def add_to_domain(domain_text: str, intent: NewIntent) -> str:
    """The intent after the last trained intent, the response at the end of the responses."""
    lines = domain_text.splitlines()
    start, end = _top_level_section(lines, "intents")
    trained = [
        i
        for i in range(start + 1, end)
        if re.match(r"^\s+- (\w+)", lines[i]) and lines[i].split()[1] not in UNTRAINED_INTENTS
    ]
    lines.insert((trained[-1] if trained else start) + 1, f"  - {intent.name}")
    start, end = _top_level_section(lines, "responses")
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    lines[end:end] = ["", *_response_block(intent).rstrip("\n").split("\n")]
    return "\n".join(lines) + "\n"


def create(intent: NewIntent, root: Path = PROJECT_ROOT) -> list[Path]:
    """Writes every stub; refuses a name or response already in the domain. Returns the files touched."""
    domain_path = root / "domain.yml"
    domain_text = domain_path.read_text(encoding="utf-8")
    domain = yaml.safe_load(domain_text) or {}
    if intent.name in (domain.get("intents") or []):
        raise NewIntentError(f"intent '{intent.name}' already exists in domain.yml: edit its examples instead")
    if intent.response in (domain.get("responses") or {}):
        raise NewIntentError(f"response '{intent.response}' already exists in domain.yml: choose another NAME")

    touched = []
    for language in ("fr", "en"):
        path = root / "data" / "nlu" / language / f"{intent.topic}.yml"
        if path.exists():
            path.write_text(
                path.read_text(encoding="utf-8").rstrip("\n") + "\n" + _nlu_block(intent, language), "utf-8"
            )
        else:
            path.write_text(f'version: "3.1"\nnlu:\n{_nlu_block(intent, language)}', encoding="utf-8")
        touched.append(path)

    domain_path.write_text(add_to_domain(domain_text, intent), encoding="utf-8")
    touched.append(domain_path)

    rules = root / "data" / "rules" / f"{intent.topic}.yml"
    if rules.exists():
        rules.write_text(rules.read_text(encoding="utf-8").rstrip("\n") + "\n" + _rule_block(intent), encoding="utf-8")
    else:
        rules.write_text(f'version: "3.1"\n\nrules:\n{_rule_block(intent)}', encoding="utf-8")
    touched.append(rules)
    return touched


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?", default="", help="the intent, e.g. ask_parking")
    parser.add_argument("--topic", default="", help="the files to write to; default: the name without ask_")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if not args.name:
            raise NewIntentError("say which intent: make new-intent NAME=ask_parking (TOPIC=parking is optional)")
        intent = NewIntent.named(args.name, args.topic or None)
        touched = create(intent, args.root)
    except NewIntentError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"New intent '{intent.name}' (response '{intent.response}'), stubs written to:")
    for path in touched:
        print(f"  {path.relative_to(args.root)}")
    print(next_steps(intent))
    return 0


def next_steps(intent: NewIntent) -> str:
    """What the trainer does next, and what `make validate` will tell them about the new intent."""
    return (
        "Next:\n"
        f"  1. Replace every TODO: at least 25 examples per language, the two texts of '{intent.response}'.\n"
        "  2. Run:  make validate\n"
        "     It lists what is still missing and, until you commit, warns when an example of "
        f"'{intent.name}' is close to\n"
        "     another intent's example or held-out message, naming each one's file:line and intent: "
        "move those here\n"
        "     (and relabel such held-out messages), or reword yours to say what is different.\n"
        "     docs/trainers.md: 'Adding an intent, end to end' and "
        "'Splitting a topic out of an existing intent'."
    )


if __name__ == "__main__":
    sys.exit(main())
