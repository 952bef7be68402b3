"""`make validate` passes on the project and fails, naming file and problem, on data broken on purpose."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pointe_claire.language import LinguaIdentifier
from scripts.validate_project import run_checks

ROOT = Path(__file__).resolve().parent.parent
IDENTIFIER = LinguaIdentifier()


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    for name in ("domain.yml", "city_facts.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copytree(ROOT / "tests" / "evaluation", tmp_path / "tests" / "evaluation")
    return tmp_path


def problems_in(root: Path) -> list[str]:
    return [str(p) for p in run_checks(root, identifier=IDENTIFIER)]


def test_the_project_passes_its_own_checks():
    assert problems_in(ROOT) == []


def test_removing_the_french_examples_of_an_intent_is_reported(project_copy: Path):
    path = project_copy / "data/nlu/fr/jobs.yml"
    path.write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")
    assert any("intent 'ask_jobs' has 0 French examples" in p for p in problems_in(project_copy))


def test_dropping_a_response_variant_is_reported(project_copy: Path):
    domain = (project_copy / "domain.yml").read_text(encoding="utf-8")
    start = domain.index("  utter_jobs:")
    english = domain.index("    - condition: [{type: slot, name: language, value: en}]", start)
    end = domain.index("\n\n", english)
    (project_copy / "domain.yml").write_text(domain[:english] + domain[end + 1 :], encoding="utf-8")
    problems = problems_in(project_copy)
    assert any(re.match(r"domain\.yml:\d+: response 'utter_jobs' has no English variation", p) for p in problems)


def test_a_duplicated_example_is_reported_with_both_places(project_copy: Path):
    path = project_copy / "data/nlu/en/jobs.yml"
    path.write_text(
        path.read_text(encoding="utf-8") + "    - are you hiring lifeguards this summer\n"
        "- intent: ask_events\n  examples: |\n    - are you hiring lifeguards this summer\n",
        encoding="utf-8",
    )
    problems = problems_in(project_copy)
    assert any(
        p.startswith("data/nlu/en/jobs.yml:") and "already appears under intent 'ask_jobs'" in p for p in problems
    )


def test_english_in_a_french_file_is_reported(project_copy: Path):
    path = project_copy / "data/nlu/fr/jobs.yml"
    path.write_text(
        path.read_text(encoding="utf-8") + "    - where can I apply for a summer job at the city\n", encoding="utf-8"
    )
    problems = problems_in(project_copy)
    assert any(p.startswith("data/nlu/fr/jobs.yml:") and "looks English" in p for p in problems)


def test_a_phone_number_written_into_a_response_is_reported(project_copy: Path):
    domain = (project_copy / "domain.yml").read_text(encoding="utf-8")
    (project_copy / "domain.yml").write_text(
        domain.replace(
            "{email_communications} or by phone at {phone_general}",
            "{email_communications} or by phone at 514-555-0199",
        ),
        encoding="utf-8",
    )
    problems = problems_in(project_copy)
    assert any("response 'utter_media_contact' writes '514-555-0199' itself" in p for p in problems)


def test_an_unused_intent_is_reported(project_copy: Path):
    rules = project_copy / "data/rules/jobs.yml"
    rules.write_text('version: "3.1"\nrules: []\n', encoding="utf-8")
    assert any("intent 'ask_jobs' is used by no rule or story" in p for p in problems_in(project_copy))
