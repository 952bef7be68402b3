"""The current time in Montréal, with one way to freeze it (tests and demonstrations of after-hours replies).

Called by the custom actions; `ASSISTANT_FROZEN_TIME` (ISO 8601 with offset) pins the time the actions see.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pointe_claire import settings

FROZEN_TIME_ENV = "ASSISTANT_FROZEN_TIME"
MONTREAL = ZoneInfo("America/Montreal")


def now() -> datetime:
    """Timezone-aware now, in America/Montreal, unless frozen by the environment."""
    frozen = settings.text(FROZEN_TIME_ENV)
    if frozen:
        return datetime.fromisoformat(frozen).astimezone(MONTREAL)
    return datetime.now(MONTREAL)
