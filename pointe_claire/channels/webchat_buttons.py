"""The web chat's welcome and its quick-reply buttons: the doors a resident takes without typing.

Used by the web chat channel (pointe_claire/channels/webchat.py). The welcome is domain.yml's `utter_welcome`, with
Rasa `buttons` (title, payload `/intent`); a button pressed on the page comes back as its title and payload. Every
channel hands Rasa a resident's words with any `/intent` command stripped (text_normalization.resident_text), so
a button is accepted only as a pair of title and payload that the welcome offers: the title is kept as the
resident's message (what staff read), the intent is set without NLU, and the title's language is the reply's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from pointe_claire.names import LANGUAGE_SLOT, LANGUAGES

WELCOME_RESPONSE = "utter_welcome"
# The door the page also keeps on screen, outside the welcome: "Talk to a person".
HANDOFF_PAYLOAD = "/ask_for_human"
_PAYLOAD = re.compile(r"/(\w+)")


class RendersResponses(Protocol):
    """The assistant's reply generator (pointe_claire.nlg.BilingualFactsNLG) as far as the buttons need it."""

    def render(self, utter_action: str, slots: dict[str, Any], output_channel: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class Button:
    title: str
    payload: str
    language: str

    @property
    def intent(self) -> str:
        match = _PAYLOAD.fullmatch(self.payload)
        return match.group(1) if match else ""

    def as_quick_reply(self) -> dict[str, str]:
        return {"title": self.title, "payload": self.payload}


def welcome(nlg: RendersResponses, language: str, channel: str) -> dict[str, Any] | None:
    """The welcome message for the page in `language`: {"text", "lang", "quick_replies": [{title, payload}]}."""
    rendered = nlg.render(WELCOME_RESPONSE, {LANGUAGE_SLOT: language}, channel)
    if not rendered or not rendered.get("text"):
        return None
    buttons = [Button(str(b["title"]), str(b["payload"]), language) for b in rendered.get("buttons") or []]
    return {"text": rendered["text"], "lang": language, "quick_replies": [b.as_quick_reply() for b in buttons]}


def offered_buttons(nlg: RendersResponses, channel: str) -> dict[tuple[str, str], Button]:
    """Every button the welcome offers, in both languages, by (title, payload)."""
    offered: dict[tuple[str, str], Button] = {}
    for language in LANGUAGES:
        rendered = nlg.render(WELCOME_RESPONSE, {LANGUAGE_SLOT: language}, channel) or {}
        for button in rendered.get("buttons") or []:
            found = Button(str(button.get("title", "")), str(button.get("payload", "")), language)
            if found.intent:
                offered[(found.title, found.payload)] = found
    return offered


def handoff_button(nlg: RendersResponses, language: str, channel: str) -> Button | None:
    """The welcome's "talk to a person" door in `language`, which the page keeps on screen."""
    return next(
        (b for b in offered_buttons(nlg, channel).values() if b.payload == HANDOFF_PAYLOAD and b.language == language),
        None,
    )


def parse_data(button: Button) -> dict[str, Any]:
    """What Rasa would make of the button's `/intent` command, with the title as the text and its language as the
    `language` entity (which fills the language slot, as the LanguageDetector's entity does for typed messages)."""
    intent = {"name": button.intent, "confidence": 1.0}
    return {
        "text": button.title,
        "intent": intent,
        "intent_ranking": [intent],
        "entities": [{"entity": LANGUAGE_SLOT, "value": button.language, "extractor": "webchat_button"}],
    }
