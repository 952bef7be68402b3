"""`make validate` passes on the project and fails, naming file and problem, on a copy broken on purpose.

The real `make validate` (the Makefile's own commands) runs in a temporary copy of the project, with this
checkout's virtual environment, on the unchanged copy and for MIN_EXAMPLES; each broken case runs the same project
checks in this process (`scripts/validate_project.py`, seconds instead of a make and Rasa start-up each), and
Rasa's own validation has its case below.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pointe_claire.language import LinguaIdentifier
from scripts.rasa_validate import main as rasa_validate
from scripts.validate_project import main as validate_project
from scripts.validate_project import run_checks

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
# What `make validate`, `make new-intent` and `make train` read. Copied with their times, so that make sees the
# virtual environment as up to date (and `-o` below makes sure it never reinstalls it).
PROJECT_FILES = (
    "Makefile",
    "requirements.txt",
    "requirements-dev.txt",
    "requirements.lock",
    "pyproject.toml",
    "config.yml",
    "domain.yml",
    "city_facts.yml",
    "moderation.yml",
    "endpoints.yml",
    "credentials.yml",
)
PROJECT_FOLDERS = ("data", "lexicons", "pointe_claire", "actions", "scripts", "tests/evaluation", "tests/safety")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


def copy_project(destination: Path) -> Path:
    """A copy of the project a test may break or extend; /work/main's data is never touched."""
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, destination / name)
    for folder in PROJECT_FOLDERS:
        shutil.copytree(ROOT / folder, destination / folder, ignore=IGNORED)
    return destination


# Set in this process by importing TensorFlow (1: its warnings shown); a trainer's shell leaves the Makefile's default.
IMPORTED_ENVIRONMENT = ("TF_CPP_MIN_LOG_LEVEL",)


def make(project: Path, *arguments: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`make <arguments>` in a project copy, with this checkout's .venv (never reinstalled), in the environment a
    trainer's shell would give it."""
    environment = {name: value for name, value in os.environ.items() if name not in IMPORTED_ENVIRONMENT}
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(project), f"VENV={VENV}", "-o", f"{VENV}/.installed", *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
    )


def validated(project: Path, capsys: pytest.CaptureFixture[str]) -> subprocess.CompletedProcess[str]:
    """The project checks of `make validate` on `project`, in this process: exit code and what they print."""
    capsys.readouterr()
    code = validate_project(["validate_project", str(project)])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["validate_project", str(project)], code, out, err)


def errors(run: subprocess.CompletedProcess[str]) -> list[str]:
    return [line[len("error: ") :] for line in run.stdout.splitlines() if line.startswith("error: ")]


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    return copy_project(tmp_path)


def test_the_project_passes_its_own_checks():
    assert [str(p) for p in run_checks(ROOT, identifier=LinguaIdentifier())] == []


def test_the_project_checks_say_one_line_when_they_pass(capsys: pytest.CaptureFixture[str]):
    assert validate_project(["validate_project", str(ROOT)]) == 0
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and out.startswith("Project checks passed") and err == ""


def _edit(path: Path, change: Callable[[str], str]) -> None:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def remove_french_examples(project: Path) -> None:
    (project / "data/nlu/fr/jobs.yml").write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")


def drop_english_variant(project: Path) -> None:
    def change(domain: str) -> str:
        start = domain.index("  utter_jobs:")
        english = domain.index("    - condition: [{type: slot, name: language, value: en}]", start)
        end = domain.index("\n\n", english)
        return domain[:english] + domain[end + 1 :]

    _edit(project / "domain.yml", change)


def duplicate_example(project: Path) -> None:
    _edit(
        project / "data/nlu/en/jobs.yml",
        lambda text: (
            text + "    - are you hiring lifeguards this summer\n"
            "- intent: ask_events\n  examples: |\n    - are you hiring lifeguards this summer\n"
        ),
    )


def accent_twin_under_another_intent(project: Path) -> None:
    _edit(
        project / "data/nlu/fr/events.yml",
        lambda text: text.rstrip("\n") + "\n- intent: ask_events\n  examples: |\n    - emplois d'ete a la ville\n",
    )


def near_copy_of_a_held_out_message(project: Path) -> None:
    _edit(project / "data/nlu/en/jobs.yml", lambda text: text + "    - how do i apply for a day camp counselor job?\n")


def near_copy_under_another_intent(project: Path) -> None:
    _edit(
        project / "data/nlu/en/events.yml",
        lambda text: text.rstrip("\n") + "\n- intent: ask_events\n  examples: |\n    - any summer jobs at the city\n",
    )


def english_in_french_file(project: Path) -> None:
    _edit(
        project / "data/nlu/fr/jobs.yml", lambda text: text + "    - where can I apply for a summer job at the city\n"
    )


def wrong_phone_in_response(project: Path) -> None:
    _edit(
        project / "domain.yml",
        lambda text: text.replace(
            "{email_communications} or by phone at {phone_general}",
            "{email_communications} or by phone at 514-555-0199",
        ),
    )


def unused_intent(project: Path) -> None:
    (project / "data/rules/jobs.yml").write_text('version: "3.1"\nrules: []\n', encoding="utf-8")


def safe_intent_answer_without_9_1_1(project: Path) -> None:
    _edit(
        project / "domain.yml",
        lambda text: text.replace(
            "Pour les services de la Ville : {phone_general}. Si c'est urgent : urgence municipale au "
            "{phone_municipal_emergency} (24/7); si quelqu'un est en danger, composez le {phone_emergency}.",
            "Pour les services de la Ville : {phone_general}.",
        ),
    )


def violation_answer_without_9_1_1(project: Path) -> None:
    _edit(
        project / "domain.yml",
        lambda text: text.replace(
            "I'm here to help. If it's urgent: municipal emergency {phone_municipal_emergency} (24/7); if anyone is "
            "in danger, call {phone_emergency}.",
            "I'm here to help.",
        ),
    )


def topic_word_removed(project: Path) -> None:
    _edit(project / "lexicons/intent_topics.yml", lambda text: text.replace("journalist*|journaliste*|", ""))


def emergency_gated_by_topic(project: Path) -> None:
    _edit(
        project / "lexicons/intent_topics.yml",
        lambda text: text.replace("intents:\n", "intents:\n  report_life_threatening_emergency:\n    - fire\n"),
    )


def unsent_response(project: Path) -> None:
    _edit(
        project / "domain.yml",
        lambda text: text.replace(
            "responses:\n",
            "responses:\n  utter_parking:\n"
            '    - condition: [{type: slot, name: language, value: fr}]\n      text: "Stationnement."\n'
            '    - condition: [{type: slot, name: language, value: en}]\n      text: "Parking."\n\n',
            1,
        ),
    )


def english_button_to_another_door(project: Path) -> None:
    _edit(
        project / "domain.yml",
        lambda text: text.replace(
            '{title: "City Council", payload: "/ask_council"}', '{title: "Jobs", payload: "/ask_jobs"}'
        ),
    )


def button_to_no_intent(project: Path) -> None:
    _edit(project / "domain.yml", lambda text: text.replace('payload: "/ask_council"}', 'payload: "/ask_counsil"}'))


def gap_without_its_bound(project: Path) -> None:
    _edit(
        project / "lexicons/emergencies.yml", lambda text: text.replace("smelling ...3 burning", "smelling .. burning")
    )


def channel_text_without_english(project: Path) -> None:
    _edit(
        project / "lexicons/channel_texts.yml",
        lambda text: text.replace('  en: "🤖 Reply from the City of Pointe-Claire\'s automated assistant."\n', ""),
    )


# (how the copy is broken, the file the message names, what it says)
BROKEN = {
    "french examples removed": (
        remove_french_examples,
        r"data/nlu/fr/jobs\.yml:\d+",
        "intent 'ask_jobs' has 0 French examples in data/nlu/fr/",
    ),
    "english variant dropped": (
        drop_english_variant,
        r"domain\.yml:\d+",
        "response 'utter_jobs' has no English variation",
    ),
    "example duplicated": (duplicate_example, r"data/nlu/en/jobs\.yml:\d+", "already appears under intent 'ask_jobs'"),
    "accent-less twin under another intent": (
        accent_twin_under_another_intent,
        r"data/nlu/fr/jobs\.yml:\d+",  # both places are named: the later file's line, the earlier in the message
        "differs only by accents from 'emplois d'ete a la ville' under intent 'ask_events' at data/nlu/fr/events.yml:",
    ),
    "near copy of a held-out message": (
        near_copy_of_a_held_out_message,
        r"data/nlu/en/jobs\.yml:\d+",
        "is nearly the held-out message 'how do I apply for a day camp counsellor job' (tests/evaluation/nlu_en.yml:",
    ),
    "near copy under another intent": (
        near_copy_under_another_intent,
        r"data/nlu/en/events\.yml:\d+",
        "is nearly 'summer jobs at the city?' under intent 'ask_jobs' at data/nlu/en/jobs.yml:",
    ),
    "english in a french file": (english_in_french_file, r"data/nlu/fr/jobs\.yml:\d+", "looks English"),
    "wrong phone number": (
        wrong_phone_in_response,
        r"domain\.yml:\d+",
        "response 'utter_media_contact' (English text) writes '514-555-0199' itself: it is not a City fact yet",
    ),
    "intent in no rule": (unused_intent, r"domain\.yml:\d+", "intent 'ask_jobs' is used by no rule or story"),
    "safe intent answered without the emergency numbers": (
        safe_intent_answer_without_9_1_1,
        r"domain\.yml:\d+",
        "'utter_out_of_scope' answers the safe intent 'out_of_scope' but not every variation names {phone_emergency}, "
        "{phone_municipal_emergency}",
    ),
    "violation answered without the emergency numbers": (
        violation_answer_without_9_1_1,
        r"domain\.yml:\d+",
        "'utter_netiquette_noted' answers the safe intent 'netiquette_violation' but not every variation names "
        "{phone_emergency}, {phone_municipal_emergency}: give both emergency numbers: it follows the reminders",
    ),
    "example without its topic word": (
        topic_word_removed,
        r"data/nlu/(en|fr)/media\.yml:\d+",
        "(ask_media_relations) names none of its topic words in lexicons/intent_topics.yml",
    ),
    "emergency listed in the topic gate": (
        emergency_gated_by_topic,
        r"lexicons/intent_topics\.yml: report_life_threatening_emergency",
        "'report_life_threatening_emergency' may not be listed: the gate is for narrow answers",
    ),
    "response sent by nothing": (unsent_response, r"domain\.yml:\d+", "response 'utter_parking' is sent by no rule"),
    "buttons open other doors in english": (
        english_button_to_another_door,
        r"domain\.yml:\d+",
        "response 'utter_welcome': the French buttons open ['/report_problem', '/ask_emergency_numbers', '/ask_coun",
    ),
    "button to no intent": (
        button_to_no_intent,
        r"domain\.yml:\d+",
        "response 'utter_welcome': button 'Conseil municipal' opens '/ask_counsil', not `/<intent>` of domain.yml",
    ),
    "lexicon gap without its bound": (
        gap_without_its_bound,
        r"lexicons/emergencies\.yml:\d+: life_threatening / fire",
        "write how many words a gap may stand for: `...3`, not '..'",
    ),
    "channel text without english": (
        channel_text_without_english,
        r"lexicons/channel_texts\.yml",
        "'automated_assistant' needs a text in en",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_validate_fails_naming_the_file_and_the_problem(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    breaks, where, problem = BROKEN[case]
    project = copy_project(tmp_path)
    breaks(project)
    run = validated(project, capsys)
    assert run.returncode != 0
    assert any(re.match(where + ": ", e) and problem in e for e in errors(run)), run.stdout


def test_make_validate_min_examples_is_the_trainers_to_set(project_copy: Path):
    run = make(project_copy, "validate", "MIN_EXAMPLES=1000")
    assert run.returncode != 0
    assert any("at least 1000 are needed" in e for e in errors(run))


def test_rasa_warnings_fail_the_build_although_rasa_exits_0(project_copy: Path, capsys: pytest.CaptureFixture[str]):
    """Rasa 3.6 exits 0 on an unused response even with --fail-on-warnings; our wrapper does not."""
    unsent_response(project_copy)
    assert rasa_validate(project_copy) == 1
    output = capsys.readouterr().out
    assert re.search(r"error: domain\.yml:\d+: The utterance 'utter_parking' is not used in any story or rule", output)
