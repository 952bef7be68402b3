"""The facts file is the one source of what the assistant states; responses agree with it."""

from __future__ import annotations

from pathlib import Path

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
