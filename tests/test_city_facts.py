"""The facts file is the one source of what the assistant states; responses agree with it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pointe_claire.city_facts import contacts_in_text, load_city_facts
from scripts.validate_project import Project, check_response_facts

ROOT = Path(__file__).resolve().parent.parent


def test_policy_contacts_are_in_the_facts_file():
    facts = load_city_facts()
    assert facts.phones["general"] == "514-630-1200"
    assert facts.phones["municipal_emergency"] == "514-630-1234"
    assert facts.phones["emergency"] == "9-1-1"
    assert facts.emails["communications"] == "communications@pointe-claire.ca"


def test_office_hours_are_stated_in_words_from_the_structured_hours():
    variables = load_city_facts().variables
    assert variables["office_hours_regular_en"] == "Monday to Friday, 8:30 a.m. to 4:30 p.m."
    assert variables["office_hours_summer_fr"] == "du lundi au jeudi, de 8 h à 16 h 30; le vendredi, de 8 h à midi"


def test_contacts_are_found_in_text():
    text = "Call 514-630-1234 or 9-1-1, write to communications@pointe-claire.ca, see https://www.pointe-claire.ca/en/."
    assert contacts_in_text(text) == {
        "514-630-1234",
        "9-1-1",
        "communications@pointe-claire.ca",
        "https://www.pointe-claire.ca/en/",
    }


def test_responses_state_only_facts_from_the_file():
    assert check_response_facts(Project.load(ROOT)) == []


def test_a_changed_phone_number_in_the_facts_file_reaches_the_responses(tmp_path: Path):
    edited = (ROOT / "city_facts.yml").read_text(encoding="utf-8").replace("514-630-1200", "514-630-9999")
    (tmp_path / "city_facts.yml").write_text(edited, encoding="utf-8")
    facts = load_city_facts(tmp_path / "city_facts.yml")
    assert facts.variables["phone_general"] == "514-630-9999"


# The English text of utter_media_contact, as domain.yml writes it: the tests type contacts into it.
MEDIA_CONTACT_EN = "by e-mail at {email_communications} or by phone at {phone_general}."


def project_with_reply(tmp_path: Path, old: str, new: str) -> Project:
    """The files check_response_facts reads (domain.yml, city_facts.yml), with one reply edited, in tmp_path."""
    for name in ("domain.yml", "city_facts.yml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    for language in ("fr", "en"):
        (tmp_path / "data" / "nlu" / language).mkdir(parents=True)
    domain = (tmp_path / "domain.yml").read_text(encoding="utf-8")
    assert domain.count(old) == 1
    (tmp_path / "domain.yml").write_text(domain.replace(old, new), encoding="utf-8")
    return Project.load(tmp_path)


def line_of(project: Project, where: str) -> str:
    """The text of the domain.yml line a problem names ("domain.yml:118")."""
    path, _, number = where.partition(":")
    return (project.root / path).read_text(encoding="utf-8").splitlines()[int(number) - 1]


@pytest.mark.parametrize(
    ("typed", "variable"),
    [
        ("https://www.pointe-claire.ca/en/", "{web_home_en}"),
        ("https://www.pointe-claire.ca/en", "{web_home_en}"),  # the final slash left out
        ("514.630.1200", "{phone_general}"),  # dots for dashes
        ("communications@pointe-claire.ca", "{email_communications}"),
    ],
)
def test_a_contact_typed_into_a_reply_is_one_error_at_its_text_naming_the_variable(
    tmp_path: Path, typed: str, variable: str
):
    project = project_with_reply(tmp_path, MEDIA_CONTACT_EN, f"by e-mail or at {typed} or by phone.")
    problems = check_response_facts(project)
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert typed in line_of(project, problem.where) and "text:" in line_of(project, problem.where)
    assert f"response 'utter_media_contact' (English text) writes '{typed}' itself" in problem.message
    assert f"write {variable} instead" in problem.message


def test_a_french_page_held_by_several_variables_names_them_all(tmp_path: Path):
    french = "par courriel à {email_communications} ou par téléphone au {phone_general}."
    project = project_with_reply(tmp_path, french, "sur https://www.pointe-claire.ca/fr/ ou au {phone_general}.")
    [problem] = check_response_facts(project)
    assert "(French text)" in problem.message and "https://www.pointe-claire.ca/fr/" in line_of(project, problem.where)
    assert "write instead one of the city_facts.yml variables that hold it" in problem.message
    for variable in ("{web_home_fr}", "{web_jobs_fr}", "{web_council_meetings_fr}", "{web_search_by_address_fr}"):
        assert variable in problem.message


def test_a_contact_no_fact_holds_says_how_to_add_it(tmp_path: Path):
    typed = "https://www.pointe-claire.ca/en/library/"
    project = project_with_reply(tmp_path, MEDIA_CONTACT_EN, f"see {typed} or call {{phone_general}}.")
    problems = check_response_facts(project)
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert typed in line_of(project, problem.where)
    assert "use its variable" not in problem.message
    assert f"writes '{typed}' itself: it is not a City fact yet" in problem.message
    assert "city_facts.yml under `web:`" in problem.message
    assert f'library: {{en: "{typed}", fr: "…"}}' in problem.message and "{web_library_en}" in problem.message
    assert "Communications Department, who own city_facts.yml, approve it in review" in problem.message
    # The place the message sends the trainer to exists and says the same.
    guide = (ROOT / "docs" / "city-facts.md").read_text(encoding="utf-8")
    assert "## Adding a fact" in guide and "Communications approve" in guide


def test_an_unknown_phone_and_email_go_under_their_own_sections(tmp_path: Path):
    project = project_with_reply(
        tmp_path, MEDIA_CONTACT_EN, "by e-mail at library@pointe-claire.ca or by phone at 514-555-0199."
    )
    phone, email = sorted(problem.message for problem in check_response_facts(project))
    assert 'city_facts.yml under `emails:` (e.g. `library: "library@pointe-claire.ca"`' in email
    assert "write {email_library} here" in email
    assert 'city_facts.yml under `phones:` (e.g. `media_contact: "514-555-0199"`' in phone
    assert "write {phone_media_contact} here" in phone


def test_a_contact_in_a_reply_written_over_several_lines_is_named_at_its_own_line(tmp_path: Path):
    block = "|\n        First line of the reply.\n        Second line: see https://www.pointe-claire.ca/en/ today.\n"
    english = (
        '"Journalists and media outlets are invited to contact the Communications Department, which handles media '
        f'relations, {MEDIA_CONTACT_EN}"'
    )
    project = project_with_reply(tmp_path, english, block)
    [problem] = check_response_facts(project)
    assert line_of(project, problem.where).strip() == "Second line: see https://www.pointe-claire.ca/en/ today."
