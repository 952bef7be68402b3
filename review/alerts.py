"""Staff alerts in the review app: the publishing form read and checked, and the messages each alert answered.

Used by `review.routes.alerts`. The alerts themselves are `pointe_claire.alerts.records`, in the assistant's
database; their phrases are checked by the lexicons' one pattern compiler (`pointe_claire.alerts.matching`).
A message an alert answered carries the alert's id in its stored parse data (`ALERTS_KEY`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pointe_claire.alerts import records
from pointe_claire.clock import MONTREAL
from pointe_claire.names import ALERTS_KEY, LANGUAGES
from review.conversations import event_data, events, mapping, tracker_ready

TIME_FORMAT = "%Y-%m-%dT%H:%M"  # an <input type="datetime-local">, in Montréal time
LIMITS = {"title": records.MAX_TITLE, "text": records.MAX_TEXT, "short": records.MAX_SHORT}


@dataclass
class Form:
    """What staff typed (kept to show again), the content to store, and what is wrong: i18n keys and the pattern
    compiler's own sentences about the phrases."""

    values: dict[str, str]
    content: dict[str, object] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    phrase_errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors and not self.phrase_errors


def form_names() -> list[str]:
    return list(records.CONTENT_FIELDS)


def time_text(timestamp: float | None) -> str:
    return datetime.fromtimestamp(timestamp, MONTREAL).strftime(TIME_FORMAT) if timestamp is not None else ""


def values_of(alert: records.Alert) -> dict[str, str]:
    """An alert as the form shows it."""
    values = {name: str(getattr(alert, name)) for name in form_names() if name not in {"starts_at", "ends_at"}}
    return {**values, "starts_at": time_text(alert.starts_at), "ends_at": time_text(alert.ends_at)}


def _moment(text: str) -> float | None:
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=MONTREAL).timestamp()
    except ValueError:
        return None


def read_form(get: Callable[[str], str]) -> Form:
    """The form's fields checked: both titles and texts, lengths, an https link, a start (now when blank) before
    the end (blank: until lifted), phrases that compile."""
    form = Form({name: get(name).strip() for name in form_names()})
    values = form.values
    for name, value in values.items():
        kind = name.rsplit("_", 1)[0]
        if kind in {"title", "text"} and not value:
            form.errors.append(f"alert_{kind}_needed")
        if kind in LIMITS and len(value) > LIMITS[kind]:
            form.errors.append(f"alert_{kind}_too_long")
    link = values["link"]
    if link and (not link.startswith("https://") or len(link) > records.MAX_LINK or any(c.isspace() for c in link)):
        form.errors.append("alert_link_invalid")
    starts = _moment(values["starts_at"]) if values["starts_at"] else records.now()
    ends = _moment(values["ends_at"]) if values["ends_at"] else None
    if starts is None or (values["ends_at"] and ends is None):
        form.errors.append("alert_time_invalid")
    elif ends is not None and ends <= starts:
        form.errors.append("alert_end_before_start")
    phrases = {code: records.phrase_lines(values[f"phrases_{code}"]) for code in LANGUAGES}
    # Imported when a form is checked: the pattern compiler reads messages with spaCy, whose import (with
    # TensorFlow, through thinc) would add seconds to every review app start.
    from pointe_claire.alerts import matching

    form.phrase_errors = matching.problems(phrases)
    form.errors = list(dict.fromkeys(form.errors))
    form.content = {
        **{name: value for name, value in values.items() if name not in {"starts_at", "ends_at"}},
        "starts_at": starts,
        "ends_at": ends,
    }
    return form


def conversations(tracker: Engine, alert_id: int) -> list[str]:
    """The conversations with a message the alert answered, in the order of their first such message."""
    return list(dict.fromkeys(matched(tracker).get(alert_id, [])))


def matched(tracker: Engine, since: float | None = None) -> dict[int, list[str]]:
    """The conversation of every message an alert answered, one entry a message, by alert id: read from the
    stored user events whose parse data holds `ALERTS_KEY`."""
    if not tracker_ready(tracker):
        return {}
    query = (
        sa.select(events.c.sender_id, events.c.data)
        .where(events.c.type_name == "user", events.c.data.like(f'%"{ALERTS_KEY}"%'))
        .order_by(events.c.id)
    )
    if since is not None:
        query = query.where(events.c.timestamp >= since)
    found: dict[int, list[str]] = {}
    with tracker.connect() as connection:
        for sender_id, data in connection.execute(query):
            ids = mapping(event_data(data).get("parse_data")).get(ALERTS_KEY)
            for alert_id in ids if isinstance(ids, list) else ():
                if isinstance(alert_id, int):
                    found.setdefault(alert_id, []).append(sender_id)
    return found
