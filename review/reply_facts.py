"""The City's facts at hand when staff write to a resident: the contacts of city_facts.yml a reply most often needs,
labelled in the conversation's language, which a staff member ticks to add them to the reply.

Read by the transcript page (the picker) and `review.routes.reply` (the lines added); the values come from the
same facts file as the assistant's own answers, so staff and assistant never give different numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from pointe_claire.city_facts import cached_city_facts
from pointe_claire.names import LANGUAGES
from review.i18n import Translator

# (label key in review/i18n.py, city_facts variable; `{lang}` is the reply's language)
PICKED_FACTS = (
    ("fact_phone_general", "phone_general"),
    ("fact_phone_municipal_emergency", "phone_municipal_emergency"),
    ("fact_phone_emergency", "phone_emergency"),
    ("fact_email_communications", "email_communications"),
    ("fact_web_home", "web_home_{lang}"),
    ("fact_app_reporting", "app_reporting"),
    ("fact_address_city_hall", "address_city_hall_{lang}"),
)


@dataclass(frozen=True)
class Fact:
    key: str  # the form's value
    label: str
    value: str
    line: str  # as the reply states it: "Ligne générale : 514-630-1200"


def facts_for(language: str | None) -> list[Fact]:
    """The picker's facts, labelled and valued in `language` (French when the conversation's is unknown)."""
    chosen = language if language in LANGUAGES else LANGUAGES[0]
    t = Translator(chosen)
    variables = cached_city_facts().variables
    separator = " : " if chosen == "fr" else ": "
    found = []
    for key, variable in PICKED_FACTS:
        value = variables.get(variable.format(lang=chosen))
        if value:
            found.append(Fact(key, t(key), value, f"{t(key)}{separator}{value}"))
    return found


def with_facts(text: str, chosen: list[str], language: str | None) -> str:
    """The reply with the ticked facts added, one a line, in the picker's order."""
    lines = [fact.line for fact in facts_for(language) if fact.key in chosen]
    return "\n".join([text.strip(), *lines]).strip()
