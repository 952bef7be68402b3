"""The alerts running now, as every Rasa instance sees them: read from the database at most every
CACHE_SECONDS (a change reaches every instance of a cluster within that, plus a message), compiled once per
version of the alerts. An alert ends by itself at its end time: "now" is `pointe_claire.clock`'s.

The reply guard reads them before a turn (`pointe_claire.channels.alert_turns`); the reply generator, which has
no database, composes the notice from what that read found (`recent`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pointe_claire.alerts import records
from pointe_claire.alerts.matching import AlertMatcher
from pointe_claire.alerts.records import Alert

logger = logging.getLogger(__name__)

CACHE_SECONDS = 2.0


@dataclass
class _Read:
    at: float = float("-inf")  # time.monotonic() of the read
    alerts: tuple[Alert, ...] = ()
    matcher: AlertMatcher = field(default_factory=lambda: AlertMatcher(()))


_reads: dict[str, _Read] = {}
# Every alert this process has read, by id: what the reply generator composes from.
_seen: dict[int, Alert] = {}


def _key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _read(engine: Engine) -> _Read:
    key = _key(engine)
    last = _reads.get(key) or _Read()
    if time.monotonic() - last.at < CACHE_SECONDS:
        return last
    try:
        # Running or still to come: filtered again at each use, since a start or end time passes between reads.
        alerts = tuple(records.every(engine, unfinished_at=records.now()))
    except sa.exc.SQLAlchemyError as error:  # the database down: the last alerts read, the message still answered
        logger.warning("Alerts could not be read: %s", str(error).splitlines()[0] if str(error) else error)
        return last
    matcher = last.matcher if alerts == last.alerts else AlertMatcher(alerts)
    _reads[key] = _Read(time.monotonic(), alerts, matcher)
    _seen.update((alert.id, alert) for alert in alerts)
    return _reads[key]


def running(engine: Engine) -> list[Alert]:
    """The alerts active now, newest first."""
    moment = records.now()
    return [alert for alert in _read(engine).alerts if alert.is_active(moment)]


def matching(engine: Engine, text: str) -> list[int]:
    """Ids of the alerts active now whose phrases `text` holds."""
    read = _read(engine)
    moment = records.now()
    active = {alert.id for alert in read.alerts if alert.is_active(moment)}
    return [alert_id for alert_id in read.matcher.matching(text) if alert_id in active] if active else []


def recent(ids: object) -> list[Alert]:
    """The alerts of these ids as last read by this process (a parse-data value: anything else gives none)."""
    if not isinstance(ids, list):
        return []
    return [_seen[alert_id] for alert_id in ids if isinstance(alert_id, int) and alert_id in _seen]


def forget_reads() -> None:
    """Drops what was read (tests)."""
    _reads.clear()
    _seen.clear()
