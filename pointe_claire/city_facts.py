"""Loads `city_facts.yml`, the one file that holds every fact the assistant states.

Used by the response generator (template variables), the actions, the checks and the tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pointe_claire import settings
from pointe_claire.hours_text import describe_week
from pointe_claire.names import LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FACTS_PATH = PROJECT_ROOT / "city_facts.yml"
FACTS_PATH_ENV = "CITY_FACTS_FILE"


@dataclass(frozen=True)
class CityFacts:
    """The raw facts file plus the flat template variables responses use."""

    raw: Mapping[str, Any]
    variables: Mapping[str, str] = field(default_factory=dict)

    @property
    def phones(self) -> Mapping[str, str]:
        return self.raw["phones"]

    @property
    def emails(self) -> Mapping[str, str]:
        return self.raw["emails"]

    @property
    def office_hours(self) -> Mapping[str, Any]:
        return self.raw["office_hours"]

    def stated_contacts(self) -> set[str]:
        """Every phone number, e-mail and web address a response may state."""
        return {value for name, value in self.variables.items() if name.startswith(CONTACT_PREFIXES)}

    def variables_holding(self, contact: str) -> list[str]:
        """The template variables whose value is this contact, written the same way or nearly (514.630.1200 for
        514-630-1200, a missing final slash, capitals), so that a trainer who typed it is told which to use."""
        wanted = comparable_contact(contact)
        return sorted(
            name
            for name, value in self.variables.items()
            if name.startswith(CONTACT_PREFIXES) and comparable_contact(value) == wanted
        )


# The sections of city_facts.yml that become template variables, and the prefix of their variables' names.
SECTION_PREFIXES = {
    "phones": "phone",
    "emails": "email",
    "web": "web",
    "apps": "app",
    "addresses": "address",
    "schedules": "schedule",
}
# The sections that hold contacts (phone numbers, e-mails, web addresses): replies state none but these.
CONTACT_SECTIONS = ("phones", "emails", "web")
CONTACT_PREFIXES = tuple(f"{SECTION_PREFIXES[section]}_" for section in CONTACT_SECTIONS)


def flatten_variables(raw: Mapping[str, Any]) -> dict[str, str]:
    """Turns nested sections into template variables: phones.general -> phone_general, web.home.fr -> web_home_fr."""
    variables: dict[str, str] = {}
    for section, prefix in SECTION_PREFIXES.items():
        for key, value in (raw.get(section) or {}).items():
            if isinstance(value, Mapping):
                for language, text in value.items():
                    variables[f"{prefix}_{key}_{language}"] = str(text)
            else:
                variables[f"{prefix}_{key}"] = str(value)
    hours = raw.get("office_hours") or {}
    for period in ("regular", "summer"):
        if period in hours:
            for language in LANGUAGES:
                variables[f"office_hours_{period}_{language}"] = describe_week(hours[period], language)
    return variables


def load_city_facts(path: Path | str | None = None) -> CityFacts:
    """Reads the facts file (CITY_FACTS_FILE overrides the default location)."""
    facts_path = Path(path or settings.text(FACTS_PATH_ENV) or DEFAULT_FACTS_PATH)
    with facts_path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return CityFacts(raw=raw, variables=flatten_variables(raw))


@lru_cache(maxsize=4)
def cached_city_facts(path: str | None = None) -> CityFacts:
    """The facts, read once per process: they change only when staff edit the file and restart."""
    return load_city_facts(path)


# Phone numbers (514-630-1200, 9-1-1), e-mail addresses and web addresses as they appear in replies.
PHONE_PATTERN = re.compile(r"(?<!\d)(?:\d{3}[-. ]\d{3}[-. ]\d{4}|9-1-1|911)(?!\d)")
EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL_PATTERN = re.compile(r"https?://[^\s)>\]]+|www\.[^\s)>\]]+")


def contact_section(contact: str) -> str:
    """The section of city_facts.yml a contact belongs in: phones, emails or web."""
    if EMAIL_PATTERN.fullmatch(contact):
        return "emails"
    if PHONE_PATTERN.fullmatch(contact):
        return "phones"
    return "web"


def comparable_contact(contact: str) -> str:
    """A contact as compared with the facts: a phone number's digits; an address without case or final slash."""
    if PHONE_PATTERN.fullmatch(contact):
        return re.sub(r"\D", "", contact)
    return contact.casefold().rstrip("/")


def contacts_in_text(text: str) -> set[str]:
    """The phone numbers, e-mails and web addresses a piece of text states."""
    found = set(PHONE_PATTERN.findall(text)) | set(EMAIL_PATTERN.findall(text))
    found |= {url.rstrip(".,;:!?") for url in URL_PATTERN.findall(text)}
    return found
