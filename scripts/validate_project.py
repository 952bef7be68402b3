"""Project checks that `rasa data validate` does not make, run by `make validate` (and so by `make test`).

Each problem names the file and line a trainer must open: missing examples in one language, a response
without its French or English variant, an unused intent, an example under two intents, an example in the
wrong language, a training example nearly the same as a held-out message or as an example of another intent
(scripts/near_copies.py), a placeholder left by `make new-intent`, a response nothing sends, a button that opens no
intent (or other doors in each language), a phone number, e-mail or web address that city_facts.yml does not hold,
or a mistake in a lexicon pattern (docs/lexicons.md). The minimum
number of examples per language is MIN_EXAMPLES_PER_LANGUAGE (`make validate MIN_EXAMPLES=30`), 25 by default.
"""

from __future__ import annotations

import argparse
import itertools
import re
import string
import subprocess
import sys
import weakref
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from actions.follow_up import TEMPLATE_VARIABLES as FOLLOW_UP_VARIABLES
from pointe_claire import settings
from pointe_claire.channels.public_reply import ChannelTexts
from pointe_claire.city_facts import SECTION_PREFIXES, CityFacts, contact_section, contacts_in_text, load_city_facts
from pointe_claire.language import LanguageIdentifier, default_identifier
from pointe_claire.moderation_settings import problems as moderation_problems
from pointe_claire.names import EMERGENCY_INTENTS, FALLBACK_INTENT, VIOLATION_INTENT
from pointe_claire.netiquette import LEARNED_RULES
from pointe_claire.netiquette import lexicon_problems as netiquette_lexicon_problems
from pointe_claire.patterns import PatternError
from pointe_claire.safety import EmergencyLexicon
from pointe_claire.text_normalization import fold
from pointe_claire.topics import TopicLexicon
from scripts.near_copies import CLOSE, NEAR, NearCopies
from scripts.nlu_files import LANGUAGES, PROJECT_ROOT, Example, load_yaml, read_examples

MIN_EXAMPLES_ENV = "MIN_EXAMPLES_PER_LANGUAGE"
LANGUAGE_NAMES = {"fr": "French", "en": "English"}
# Intents that no trainer writes examples for: the classifier or our components set them.
UNTRAINED_INTENTS = {FALLBACK_INTENT, "other_language", VIOLATION_INTENT}
# Template variables that custom actions pass to their responses, on top of facts and slots.
ACTION_TEMPLATE_VARIABLES = set(FOLLOW_UP_VARIABLES)


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Project:
    """The files the checks read, from a project folder (the real one, or a copy in a test)."""

    root: Path
    domain: Mapping
    examples: dict[str, list[Example]]
    facts: CityFacts

    @classmethod
    def load(cls, root: Path = PROJECT_ROOT) -> Project:
        domain = load_yaml((root / "domain.yml").read_text(encoding="utf-8"))
        examples = {
            language: [
                ex
                for path in sorted((root / "data" / "nlu" / language).glob("*.yml"))
                for ex in read_examples(path, language, root)
            ]
            for language in LANGUAGES
        }
        return cls(root, domain, examples, load_city_facts(root / "city_facts.yml"))

    def where(self, path: Path, line: int) -> str:
        return f"{path.relative_to(self.root)}:{line}"

    @cached_property
    def held_out(self) -> list[Example]:
        """The authored held-out messages (tests/evaluation/nlu_<language>.yml), never trained on."""
        return [
            ex
            for language in LANGUAGES
            if (path := self.root / "tests" / "evaluation" / f"nlu_{language}.yml").exists()
            for ex in read_examples(path, language, self.root)
        ]

    def domain_line(self, needle: str) -> str:
        return f"domain.yml:{domain_line_number(self.root, needle) or 1}"

    @cached_property
    def _domain_lines(self) -> list[str]:
        return (self.root / "domain.yml").read_text(encoding="utf-8").splitlines()

    @cached_property
    def _response_text_spans(self) -> dict[tuple[str, int], tuple[int, int]]:
        return response_text_spans("\n".join(self._domain_lines))

    def response_text_line(self, name: str, variation: int, needle: str = "") -> str:
        """domain.yml:line of a response's text (its `variation`-th, from 0): the line holding `needle` when the
        text runs over several lines, else the line its text starts on; the response's name line if not found."""
        span = self._response_text_spans.get((name, variation))
        if span is None:
            return self.domain_line(f"{name}:")
        first, last = span
        found = next((n for n in range(first, last + 1) if needle and needle in self._domain_lines[n - 1]), first)
        return f"domain.yml:{found}"


def domain_line_number(root: Path, needle: str) -> int | None:
    """The line of domain.yml that holds `needle` ("- ask_jobs", "utter_jobs:") as a whole entry, not a prefix
    ("- ask_jobs" must not find "- ask_jobs_fair")."""
    return line_number(root / "domain.yml", needle)


def line_number(path: Path, needle: str) -> int | None:
    """The line of a YAML file that holds `needle` as a whole entry (see domain_line_number)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, text in enumerate(lines, start=1):
        entry = text.strip()
        if entry == needle or (entry.startswith(needle) and entry[len(needle)] in " :#"):
            return number
    return None


def response_text_spans(domain_text: str) -> dict[tuple[str, int], tuple[int, int]]:
    """(response, variation index) -> first and last line (1-based) of domain.yml its `text` is written on."""
    root = yaml.compose(domain_text)
    spans: dict[tuple[str, int], tuple[int, int]] = {}
    if not isinstance(root, yaml.MappingNode):
        return spans
    responses = next((value for key, value in root.value if key.value == "responses"), None)
    if not isinstance(responses, yaml.MappingNode):
        return spans
    for name, variations in responses.value:
        if not isinstance(variations, yaml.SequenceNode):
            continue
        for index, variation in enumerate(variations.value):
            if not isinstance(variation, yaml.MappingNode):
                continue
            for key, value in variation.value:
                if key.value == "text":
                    # A block scalar's end mark is the line after its last one.
                    last = value.end_mark.line - (1 if value.end_mark.column == 0 else 0)
                    spans[(name.value, index)] = (value.start_mark.line + 1, max(last, value.start_mark.line) + 1)
    return spans


def check_examples_per_language(project: Project, minimum: int) -> list[Problem]:
    """Every intent has at least `minimum` examples in each language."""
    problems = []
    counts: dict[str, dict[str, int]] = {lang: defaultdict(int) for lang in LANGUAGES}
    first_seen: dict[str, Example] = {}
    for language, examples in project.examples.items():
        for ex in examples:
            counts[language][ex.intent] += 1
            first_seen.setdefault(ex.intent, ex)
    intents = set(project.domain.get("intents", [])) - UNTRAINED_INTENTS - button_only_intents(project)
    for intent in sorted(intents):
        for language in LANGUAGES:
            count = counts[language].get(intent, 0)
            if count < minimum:
                folder = f"data/nlu/{language}/"
                where = _where_examples_go(project, intent, language, first_seen.get(intent))
                problems.append(
                    Problem(
                        where,
                        f"intent '{intent}' has {count} {LANGUAGE_NAMES[language]} examples in "
                        f"{folder}; at least {minimum} are needed",
                    )
                )
    for language in LANGUAGES:
        for intent in sorted(set(counts[language]) - intents):
            ex = next(e for e in project.examples[language] if e.intent == intent)
            problems.append(Problem(ex.where, f"intent '{intent}' is not listed under intents in domain.yml"))
    return problems


# A button's payload (the web chat's quick replies, utter_welcome): the intent it opens, as Rasa writes it.
_BUTTON_PAYLOAD = re.compile(r"/(\w+)")


def _buttons(project: Project) -> Iterable[tuple[str, int, Mapping]]:
    """(response, variation index, button) for every button of every response."""
    for name, variations in (project.domain.get("responses") or {}).items():
        for index, variation in enumerate(variations):
            for button in variation.get("buttons") or []:
                yield name, index, button


def button_only_intents(project: Project) -> set[str]:
    """Intents only a button leads to (no example in any language): the classifier never predicts them, so typed
    messages cannot land there ("Emergency numbers" must not draw messages about an emergency away from it)."""
    trained = {ex.intent for examples in project.examples.values() for ex in examples}
    payloads = {_BUTTON_PAYLOAD.fullmatch(str(button.get("payload", ""))) for _, _, button in _buttons(project)}
    return {match.group(1) for match in payloads if match} - trained


def check_buttons(project: Project) -> list[Problem]:
    """Every button opens an intent of the domain (`/intent`), its title states no fact itself, and a response's
    French and English variations offer the same doors in the same order."""
    problems = []
    intents = set(project.domain.get("intents", []))
    doors: dict[str, dict[str | None, list[str]]] = defaultdict(dict)
    for name, index, button in _buttons(project):
        variation = project.domain["responses"][name][index]
        language = _language_of_variation(variation)
        title, payload = str(button.get("title", "")), str(button.get("payload", ""))
        where = project.domain_line(f"{name}:")
        doors[name].setdefault(language, []).append(payload)
        match = _BUTTON_PAYLOAD.fullmatch(payload)
        if not match or match.group(1) not in intents:
            problems.append(
                Problem(where, f"response '{name}': button '{title}' opens '{payload}', not `/<intent>` of domain.yml")
            )
        for literal in sorted(contacts_in_text(title)):
            problems.append(
                Problem(where, f"response '{name}': button '{title}' writes '{literal}' itself: use its fact variable")
            )
    for name, by_language in doors.items():
        french, english = by_language.get("fr", []), by_language.get("en", [])
        if french != english:
            problems.append(
                Problem(
                    project.domain_line(f"{name}:"),
                    f"response '{name}': the French buttons open {french}, the English ones {english}: the same doors "
                    "in the same order in both languages",
                )
            )
    return problems


def _where_examples_go(project: Project, intent: str, language: str, other: Example | None) -> str:
    """The intent's first example in this language, else the same topic's file of this language, else domain.yml."""
    own = next((e for e in project.examples[language] if e.intent == intent), None)
    if own:
        return own.where
    if other:
        mirror = project.root / "data" / "nlu" / language / other.path.name
        return project.where(mirror, 1) if mirror.exists() else other.where
    return project.domain_line(f"- {intent}")


def _language_of_variation(variation: Mapping) -> str | None:
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return str(condition.get("value"))
    return None


def check_response_variants(project: Project, identifier: LanguageIdentifier) -> list[Problem]:
    """Every response has a French and an English variation; a response with neither must hold both languages."""
    problems = []
    for name, variations in (project.domain.get("responses") or {}).items():
        languages = {_language_of_variation(v) for v in variations}
        where = project.domain_line(f"{name}:")
        if languages == {None}:
            found = {identifier.identify(p).language for v in variations for p in str(v.get("text", "")).split("\n\n")}
            if not {"fr", "en"} <= found:
                problems.append(
                    Problem(
                        where,
                        f"response '{name}' has no French or English variation "
                        "(add `condition: [{type: slot, name: language, value: fr}]` "
                        "and the same for en)",
                    )
                )
            continue
        for language in LANGUAGES:
            if language not in languages:
                problems.append(Problem(where, f"response '{name}' has no {LANGUAGE_NAMES[language]} variation"))
    return problems


def _steps(root: Path, folders: tuple[str, ...] = ("rules", "stories")) -> Iterator[list[Mapping[str, Any]]]:
    """The steps of every rule and story in data/<folder>/, one list per rule or story."""
    for folder in folders:
        for path in sorted((root / "data" / folder).glob("*.yml")):
            document = load_yaml(path.read_text(encoding="utf-8")) or {}
            for block in (document.get("rules") or []) + (document.get("stories") or []):
                yield block.get("steps") or []


def _story_and_rule_intents(root: Path) -> set[str]:
    used: set[str] = set()
    for steps in _steps(root):
        for step in steps:
            if "intent" in step:
                used.add(step["intent"])
            for option in step.get("or") or []:
                if "intent" in option:
                    used.add(option["intent"])
    return used


def check_intents_used(project: Project) -> list[Problem]:
    """Every intent leads somewhere: a rule or a story uses it (the learned netiquette intents lead to the
    `netiquette_violation` rule through the NetiquetteFlagger)."""
    used = _story_and_rule_intents(project.root)
    return [
        Problem(
            project.domain_line(f"- {intent}"),
            f"intent '{intent}' is used by no rule or story in "
            "data/rules/ or data/stories/: the assistant would not answer it",
        )
        for intent in project.domain.get("intents", [])
        if intent not in used and intent not in LEARNED_RULES
    ]


# What an answer must name to stand in for the fallback's when a message nobody understood may be an emergency.
EMERGENCY_NUMBER_FACTS = ("phone_emergency", "phone_municipal_emergency")
SECOND_OPINION = "pointe_claire.nlu.second_opinion.SecondOpinion"


def _rule_answers(root: Path) -> dict[str, set[str]]:
    """For each intent, the actions the rules take right after it."""
    answers: dict[str, set[str]] = defaultdict(set)
    for steps in _steps(root, ("rules",)):
        for step, following in itertools.pairwise(steps):
            if "intent" in step and "action" in following:
                answers[step["intent"]].add(following["action"])
    return answers


def check_safe_intents(project: Project) -> list[Problem]:
    """Intents whose answer stands where a missed emergency may be, so every variation names both emergency
    numbers, as the fallback's does: the second opinion's `safe_intents` (config.yml), which it may answer a
    fallback with at a lower bar, and a message that is only a netiquette violation (a rescue plea with a phone or
    an address the safety net missed is answered by the privacy reminder and this answer alone)."""
    config_path = project.root / "config.yml"
    config = load_yaml(config_path.read_text(encoding="utf-8")) or {}
    entry: Mapping[str, Any] = next((c for c in config.get("pipeline") or [] if c.get("name") == SECOND_OPINION), {})
    config_line = f"config.yml:{line_number(config_path, 'safe_intents') or 1}"
    # intent -> (where it is named, what else could be done)
    named = {
        intent: (config_line, f", or take '{intent}' out of the second opinion's safe_intents in config.yml")
        for intent in entry.get("safe_intents") or []
    }
    named[VIOLATION_INTENT] = (
        "data/rules/",
        ": it follows the reminders of a message that is only a violation, maybe a plea the safety net missed",
    )
    answers = _rule_answers(project.root)
    responses = project.domain.get("responses") or {}
    problems = []
    for intent, (where, alternative) in named.items():
        if not answers.get(intent):
            problems.append(Problem(where, f"safe intent '{intent}' is answered by no rule in data/rules/"))
        for action in sorted(answers.get(intent, ())):
            variations = responses.get(action) or []
            missing = [
                fact
                for fact in EMERGENCY_NUMBER_FACTS
                if not variations or any(f"{{{fact}}}" not in (v.get("text") or "") for v in variations)
            ]
            if missing:
                problems.append(
                    Problem(
                        project.domain_line(f"{action}:"),
                        f"'{action}' answers the safe intent '{intent}' but not every variation names "
                        f"{', '.join('{' + fact + '}' for fact in missing)}: give both emergency numbers{alternative}",
                    )
                )
    return problems


PLACEHOLDER = "TODO"


def check_placeholders(project: Project) -> list[Problem]:
    """Nothing `make new-intent` left to write is still there: TODO examples and TODO response texts."""
    problems = [
        Problem(ex.where, f"example '{ex.text}' ({ex.intent}) is a placeholder: replace it with a real message")
        for examples in project.examples.values()
        for ex in examples
        if PLACEHOLDER in ex.text
    ]
    for name, variations in (project.domain.get("responses") or {}).items():
        for index, variation in enumerate(variations):
            if PLACEHOLDER in str(variation.get("text", "")):
                language = LANGUAGE_NAMES.get(_language_of_variation(variation) or "", "default")
                problems.append(
                    Problem(
                        project.response_text_line(name, index, PLACEHOLDER),
                        f"response '{name}' still has a placeholder in its {language} text: write the reply",
                    )
                )
    for path in sorted((project.root / "data").glob("*/*.yml")):
        if path.parent.name in ("rules", "stories"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if PLACEHOLDER in line:
                    problems.append(Problem(project.where(path, number), "a placeholder is left here: finish it"))
    return problems


_NAME_IN_CODE = re.compile(r"""["'](utter_\w+)["']""")
_PREFIX_IN_CODE = re.compile(r"""f["'](utter_\w*)\{""")


def responses_sent_by_code(root: Path) -> tuple[set[str], set[str]]:
    """Response names our Python sends (actions, NLG, policies, channels), and name prefixes it completes."""
    names: set[str] = set()
    prefixes: set[str] = set()
    for folder in ("actions", "pointe_claire"):
        for path in (root / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            names.update(_NAME_IN_CODE.findall(source))
            prefixes.update(_PREFIX_IN_CODE.findall(source))
    return names, prefixes


def sent_by_code(name: str, sent: tuple[set[str], set[str]]) -> bool:
    names, prefixes = sent
    return name in names or any(name.startswith(prefix) for prefix in prefixes)


def _story_and_rule_actions(root: Path) -> set[str]:
    return {step["action"] for steps in _steps(root) for step in steps if "action" in step}


def check_responses_used(project: Project) -> list[Problem]:
    """Every response is sent by a rule, a story or our Python: otherwise no resident ever reads it."""
    used = _story_and_rule_actions(project.root)
    sent = responses_sent_by_code(project.root)
    return [
        Problem(
            project.domain_line(f"{name}:"),
            f"response '{name}' is sent by no rule or story in data/rules/ or data/stories/ (nor by our Python)",
        )
        for name in (project.domain.get("responses") or {})
        if name not in used and not sent_by_code(name, sent)
    ]


def normalise_example(text: str) -> str:
    return re.sub(r"\s+", " ", text.casefold()).strip(" " + string.punctuation)


def check_duplicate_examples(project: Project) -> list[Problem]:
    """No example is written twice, in any intent or language; nor twice under two intents but for its accents.

    Accent-less variants under the same intent are good practice ("bénévole", "benevole"); under two intents
    they are the same message with two answers.
    """
    problems = []
    seen: dict[str, Example] = {}
    folded: dict[str, Example] = {}
    for examples in project.examples.values():
        for ex in examples:
            key = normalise_example(ex.text)
            loose = fold(key)
            if key in seen:
                first = seen[key]
                same = "the same intent" if first.intent == ex.intent else f"intent '{first.intent}'"
                problems.append(
                    Problem(
                        ex.where, f"example '{ex.text}' ({ex.intent}) already appears under {same} at {first.where}"
                    )
                )
                continue
            seen[key] = ex
            other = folded.setdefault(loose, ex)
            if other.intent != ex.intent:
                problems.append(
                    Problem(
                        ex.where,
                        f"example '{ex.text}' ({ex.intent}) differs only by accents from '{other.text}' under "
                        f"intent '{other.intent}' at {other.where}",
                    )
                )
    return problems


# Each identifier's verdict per example text, kept for the process: the tests run the checks on some 30 copies of
# the project that differ by a line, and identifying 3,000 examples again took a third of each run.
_LANGUAGE_VERDICTS: weakref.WeakKeyDictionary[LanguageIdentifier, dict[str, str | None]] = weakref.WeakKeyDictionary()


def check_example_languages(project: Project, identifier: LanguageIdentifier) -> list[Problem]:
    """No example is clearly written in the other language than its file's."""
    problems = []
    verdicts = _LANGUAGE_VERDICTS.setdefault(identifier, {})
    for language, examples in project.examples.items():
        for ex in examples:
            if ex.text not in verdicts:
                verdicts[ex.text] = identifier.identify(ex.text).language
            found = verdicts[ex.text]
            if found is not None and found != language:
                name = LANGUAGE_NAMES.get(found, "another language")
                problems.append(
                    Problem(
                        ex.where,
                        f"example '{ex.text}' looks {name}, but the file is "
                        f"data/nlu/{language}/: move it or rewrite it",
                    )
                )
    return problems


_TEMPLATE_VARIABLE = re.compile(r"\{(\w+)\}")


def check_response_facts(project: Project) -> list[Problem]:
    """Responses state facts only through city_facts.yml variables, and every contact they state is in it.

    A contact typed into a reply is one problem, named at the line of the text: with the variable to write instead
    when city_facts.yml holds it, else with how to add it there (a new fact: docs/city-facts.md)."""
    problems = []
    slots = set((project.domain.get("slots") or {}).keys())
    known = set(project.facts.variables) | slots | ACTION_TEMPLATE_VARIABLES
    stated = project.facts.stated_contacts()
    for name, variations in (project.domain.get("responses") or {}).items():
        for index, variation in enumerate(variations):
            text = str(variation.get("text", ""))
            language = _language_of_variation(variation)
            label = f"response '{name}' ({LANGUAGE_NAMES.get(language or '', 'default')} text)"
            literals = contacts_in_text(text)
            for literal in sorted(literals):
                problems.append(
                    Problem(
                        project.response_text_line(name, index, literal),
                        f"{label} writes '{literal}' itself: "
                        + _how_to_state(project.facts.variables_holding(literal), literal, name, language),
                    )
                )
            for variable in sorted(set(_TEMPLATE_VARIABLE.findall(text)) - known):
                problems.append(
                    Problem(
                        project.response_text_line(name, index, f"{{{variable}}}"),
                        f"{label} uses {{{variable}}}, which neither city_facts.yml nor a slot defines",
                    )
                )
            # A variable with text glued to it ("{web_home_en}jobs") makes a contact no fact holds.
            rendered = _TEMPLATE_VARIABLE.sub(lambda m: project.facts.variables.get(m.group(1), ""), text)
            for contact in sorted(contacts_in_text(rendered) - stated - literals):
                problems.append(
                    Problem(
                        project.response_text_line(name, index),
                        f"{label} states '{contact}', which city_facts.yml does not hold: write its variable "
                        "alone, with nothing glued to it",
                    )
                )
    return problems


def _how_to_state(holders: list[str], literal: str, response: str, language: str | None) -> str:
    """The fix for a contact typed into a reply: the variable that holds it, or how to make it a City fact."""
    if len(holders) == 1:
        return f"write {{{holders[0]}}} instead, the city_facts.yml variable that holds it"
    if holders:
        # Those of the text's own language (web_home_fr in a French text) first.
        ordered = sorted(holders, key=lambda variable: (not variable.endswith(f"_{language}"), variable))
        listed = ", ".join(f"{{{variable}}}" for variable in ordered)
        return (
            "write instead one of the city_facts.yml variables that hold it, the one named for what the reply "
            f"points to: {listed}"
        )
    section = contact_section(literal)
    key = _fact_key(literal, section) or response.removeprefix("utter_")
    if section == "web" and language:
        other = next(other for other in LANGUAGES if other != language)
        entry = f'{key}: {{{language}: "{literal}", {other}: "…"}}'
        variable = f"web_{key}_{language}"
    else:
        entry, variable = f'{key}: "{literal}"', f"{SECTION_PREFIXES[section]}_{key}"
    return (
        f"it is not a City fact yet. To add it, propose it in city_facts.yml under `{section}:` (e.g. `{entry}`, "
        f"with a comment saying where the City publishes it), then write {{{variable}}} here; the Communications "
        "Department, who own city_facts.yml, approve it in review (docs/city-facts.md, 'Adding a fact')"
    )


def _fact_key(contact: str, section: str) -> str:
    """A name for a new fact from the contact itself: an e-mail's mailbox, a web address's last path segment."""
    if section == "emails":
        name = contact.split("@")[0]
    elif section == "web":
        path = re.sub(r"^(https?://)?[^/]+", "", contact)
        name = next((part for part in reversed(path.split("/")) if part and part not in LANGUAGES), "")
    else:
        return ""
    return "_".join(re.findall(r"[a-z0-9]+", fold(name).casefold()))


def check_evaluation_held_out(project: Project) -> list[Problem]:
    """The evaluation set stays unseen: none of its messages is a training example, nor nearly one."""
    training = NearCopies(ex for examples in project.examples.values() for ex in examples)
    return [
        Problem(
            twin.where,
            f"training example '{twin.text}' ({twin.intent}) is {'also' if ratio == 1.0 else 'nearly'} the held-out "
            f"message '{ex.text}' ({ex.where}): reword or remove the training example, or the score would flatter",
        )
        for ex in project.held_out
        for ratio, twin in training.of(ex.text)
    ]


def check_near_copies_across_intents(project: Project) -> list[Problem]:
    """No message is taught under two intents in nearly the same words: the model could not tell which answer."""
    examples = [ex for language_examples in project.examples.values() for ex in language_examples]
    near = NearCopies(examples)
    problems = []
    for ex in examples:
        for ratio, twin in near.of(ex.text):
            # Exact copies and accent-only twins are check_duplicate_examples' findings; each pair is said once.
            if twin.intent != ex.intent and ratio < 1.0 and (ex.where, ex.text) < (twin.where, twin.text):
                problems.append(
                    Problem(
                        ex.where,
                        f"example '{ex.text}' ({ex.intent}) is nearly '{twin.text}' under intent '{twin.intent}' "
                        f"at {twin.where}: one message, two answers (similarity {ratio:.2f} >= {NEAR}); "
                        "keep it under one intent, or say what tells them apart",
                    )
                )
    return problems


def intents_last_committed(root: Path) -> set[str] | None:
    """The intents of domain.yml as the last commit has it (git HEAD); None outside a git checkout."""
    shown = subprocess.run(["git", "-C", str(root), "show", "HEAD:./domain.yml"], capture_output=True, text=True)
    if shown.returncode != 0:
        return None
    return set((load_yaml(shown.stdout) or {}).get("intents") or [])


def new_intents(project: Project) -> set[str]:
    """Intents added since the last commit: the ones whose examples are still being written. None outside git."""
    committed = intents_last_committed(project.root)
    if committed is None:
        return set()
    return set(project.domain.get("intents") or []) - committed - UNTRAINED_INTENTS


SHOWN_PER_INTENT = 5


def check_new_intent_overlaps(project: Project, new: Collection[str]) -> list[Problem]:
    """Warnings, not errors: a new intent's examples close to another intent's examples or held-out messages
    (similarity CLOSE to NEAR; from NEAR on they are errors), the closest SHOWN_PER_INTENT per new intent.

    They show which messages the new topic takes from an existing intent: move those examples to the new intent
    and relabel those held-out messages, or make the new examples say what tells the two apart."""
    if not new:
        return []
    training = [ex for examples in project.examples.values() for ex in examples]
    others = NearCopies(ex for ex in [*training, *project.held_out] if ex.intent not in new)
    problems = []
    for intent in sorted(new):
        close = sorted(
            (
                (ratio, ex, twin)
                for ex in training
                if ex.intent == intent and PLACEHOLDER not in ex.text
                for ratio, twin in others.close_to(ex.text)
                if ratio < NEAR
            ),
            key=lambda found: (-found[0], found[1].where, found[2].where),
        )
        for ratio, ex, twin in close[:SHOWN_PER_INTENT]:
            kind = "the held-out message" if "tests/evaluation/" in twin.where else "the example"
            problems.append(
                Problem(
                    ex.where,
                    f"new intent '{intent}': '{ex.text}' is close to {kind} '{twin.text}' of intent "
                    f"'{twin.intent}' at {twin.where} (similarity {ratio:.2f} >= {CLOSE})",
                )
            )
        if len(close) > SHOWN_PER_INTENT:
            problems.append(
                Problem(
                    project.domain_line(f"- {intent}"),
                    f"new intent '{intent}': {len(close) - SHOWN_PER_INTENT} more close pair(s) not shown",
                )
            )
    return problems


def check_lexicons(project: Project) -> list[Problem]:
    """Mistakes in the trainer-edited pattern lexicons (lexicons/emergencies.yml, lexicons/netiquette.yml), in the
    one pattern language of docs/lexicons.md, each at its file:line."""
    emergencies = project.root / "lexicons" / "emergencies.yml"
    netiquette = project.root / "lexicons" / "netiquette.yml"
    try:
        errors = EmergencyLexicon.load(emergencies, str(emergencies.relative_to(project.root))).problems()
    except PatternError as error:
        errors = [error]
    errors += netiquette_lexicon_problems(netiquette, str(netiquette.relative_to(project.root)))
    return [Problem(error.where, error.message) for error in errors]


def check_intent_topics(project: Project) -> list[Problem]:
    """lexicons/intent_topics.yml reads, and every training and held-out example of an intent it lists names that
    intent's topic: the TopicGate would otherwise answer the example with something else."""
    path = project.root / "lexicons" / "intent_topics.yml"
    try:
        topics = TopicLexicon(path)
    except PatternError as error:
        return [Problem(error.where, error.message)]
    # An emergency is never set aside for lack of a topic word, nor an answer that stands in for one.
    never = sorted(topics.intents & {*EMERGENCY_INTENTS, FALLBACK_INTENT, VIOLATION_INTENT})
    problems = [
        Problem(
            f"lexicons/intent_topics.yml: {intent}", f"'{intent}' may not be listed: the gate is for narrow answers"
        )
        for intent in never
    ]
    examples = [*(ex for language_examples in project.examples.values() for ex in language_examples), *project.held_out]
    return problems + [
        Problem(
            ex.where,
            f"'{ex.text}' ({ex.intent}) names none of its topic words in lexicons/intent_topics.yml: add the word "
            "that tells its topic there, or the assistant would answer it as a comment",
        )
        for ex in examples
        if not topics.names_topic(ex.intent, ex.text)
    ]


def check_channel_texts(project: Project) -> list[Problem]:
    """lexicons/channel_texts.yml, the texts the social-media connectors add (bot disclosure, private-reply
    notices…): each in French and English, its facts known to city_facts.yml."""
    path = project.root / "lexicons" / "channel_texts.yml"
    try:
        ChannelTexts.load(path)
    except (ValueError, KeyError, OSError, yaml.YAMLError) as error:
        return [Problem(str(path.relative_to(project.root)), f"{type(error).__name__}: {error}")]
    return []


def check_moderation(project: Project) -> list[Problem]:
    """moderation.yml, which staff edit: known rules switched by true or false, every rule's policy clause in French
    and English, readable election periods."""
    path = project.root / "moderation.yml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        return [Problem(path.name, f"{type(error).__name__}: {error}")]
    return [Problem(path.name, problem) for problem in moderation_problems(raw)]


def run_checks(
    root: Path = PROJECT_ROOT, minimum: int | None = None, identifier: LanguageIdentifier | None = None
) -> list[Problem]:
    project = Project.load(root)
    identifier = identifier or default_identifier()
    minimum = minimum if minimum is not None else settings.integer(MIN_EXAMPLES_ENV)
    checks: Iterable[list[Problem]] = (
        check_examples_per_language(project, minimum),
        check_response_variants(project, identifier),
        check_intents_used(project),
        check_safe_intents(project),
        check_responses_used(project),
        check_placeholders(project),
        check_duplicate_examples(project),
        check_example_languages(project, identifier),
        check_response_facts(project),
        check_buttons(project),
        check_evaluation_held_out(project),
        check_near_copies_across_intents(project),
        check_lexicons(project),
        check_intent_topics(project),
        check_channel_texts(project),
        check_moderation(project),
    )
    return [problem for problems in checks for problem in problems]


def main(argv: list[str]) -> int:
    """`make validate`: the project checks, then (with --rasa) Rasa's own validation; one line when all pass.

    --verbose (`make validate VERBOSE=1`) also shows Rasa's output and the libraries' warnings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=PROJECT_ROOT, help="the project (default: this one)")
    parser.add_argument("--rasa", action="store_true", help="also run `rasa data validate` (scripts/rasa_validate.py)")
    parser.add_argument("--verbose", action="store_true", help="show Rasa's output even when it passes")
    args = parser.parse_args(argv[1:])
    from scripts import rasa_validate  # imported here: it imports this module's checks

    root = args.root.resolve()
    problems = run_checks(root)
    project = Project.load(root)
    warnings = check_new_intent_overlaps(project, new_intents(project))
    for warning in warnings:
        print(f"warning: {warning}")
    if warnings:
        print(
            f"{len(warnings)} warning(s): a new intent's examples are close to another intent's messages. Move them "
            "to the new intent (and relabel such held-out messages), or reword them to say what tells the intents "
            "apart: docs/trainers.md, 'Splitting a topic out of an existing intent'. Warnings do not fail the build."
        )
    for problem in problems:
        print(f"error: {problem}")
    if problems:
        print(f"{len(problems)} problem(s) found: the build fails until they are fixed.")
    rasa_failed = False
    if args.rasa:
        rasa_failed = rasa_validate.main(root, verbose=args.verbose, quiet=True) != 0
    if problems or rasa_failed:
        return 1
    passed = "Project checks passed: both languages, responses, intents, examples, facts and lexicons agree"
    if warnings:
        passed += f" ({len(warnings)} warning(s) above)"
    if args.rasa:
        passed += f"; rasa data validate passed ({rasa_validate.EXPECTED_WARNINGS})"
    print(f"{passed}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
