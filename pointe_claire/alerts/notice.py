"""The words a resident receives about an alert, composed from its record in their language: the full notice that
opens (or, after an emergency answer, follows) the assistant's reply, and the short form of public posts."""

from __future__ import annotations

from collections.abc import Iterable

from pointe_claire.alerts.records import Alert
from pointe_claire.names import FRENCH

LABEL = {"fr": "Avis de la Ville – {title} : {text}", "en": "City notice – {title}: {text}"}
SEPARATOR = "\n\n"


def full(alerts: Iterable[Alert], language: str) -> str:
    """Every alert's notice in `language`, with its link, one paragraph each."""
    parts = []
    for alert in alerts:
        words = LABEL.get(language, LABEL[FRENCH]).format(title=alert.title(language), text=alert.text(language))
        parts.append(f"{words} {alert.link}" if alert.link else words)
    return SEPARATOR.join(parts)


def short(alerts: Iterable[Alert], language: str) -> str:
    """Every alert's short form in `language`, on one line each (public posts)."""
    return "\n".join(alert.short(language) for alert in alerts)
