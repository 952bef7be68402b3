"""The `alerts` table in the assistant's database (the tracker store's, beside `events`): one row per alert, its
texts in both languages, its phrases, when it runs and who published, edited and lifted it.

Written by the review app (`review.routes.alerts`), read by every Rasa instance (`pointe_claire.alerts.active`):
kept in the database, not in memory, so that every instance of a cluster sees a change within seconds. Times are
epoch seconds; `pointe_claire.clock` says what "now" is, so tests can fix it. Plain SQLAlchemy, no Rasa.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pointe_claire import clock
from pointe_claire.names import LANGUAGES
from pointe_claire.shared_tables import create_missing, read_or

MAX_TITLE, MAX_TEXT, MAX_SHORT, MAX_PHRASES, MAX_LINK = 80, 1000, 120, 4000, 500

metadata = sa.MetaData()
alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    *(sa.Column(f"title_{code}", sa.String(MAX_TITLE), nullable=False) for code in LANGUAGES),
    *(sa.Column(f"text_{code}", sa.Text, nullable=False) for code in LANGUAGES),
    *(sa.Column(f"short_{code}", sa.String(MAX_SHORT), nullable=False, default="") for code in LANGUAGES),
    *(sa.Column(f"phrases_{code}", sa.Text, nullable=False, default="") for code in LANGUAGES),
    sa.Column("link", sa.String(MAX_LINK), nullable=False, default=""),
    sa.Column("starts_at", sa.Float, nullable=False),
    sa.Column("ends_at", sa.Float, nullable=True),  # None: until lifted
    sa.Column("published_by", sa.String(80), nullable=False),
    sa.Column("published_at", sa.Float, nullable=False),
    sa.Column("edited_by", sa.String(80), nullable=True),
    sa.Column("edited_at", sa.Float, nullable=True),
    sa.Column("lifted_by", sa.String(80), nullable=True),
    sa.Column("lifted_at", sa.Float, nullable=True),
)


@dataclass(frozen=True)
class Alert:
    """One row; the texts by language through `title`, `text`, `short` and `phrases`."""

    id: int
    title_fr: str
    title_en: str
    text_fr: str
    text_en: str
    short_fr: str
    short_en: str
    phrases_fr: str
    phrases_en: str
    link: str
    starts_at: float
    ends_at: float | None
    published_by: str
    published_at: float
    edited_by: str | None = None
    edited_at: float | None = None
    lifted_by: str | None = None
    lifted_at: float | None = None

    def title(self, language: str) -> str:
        return str(getattr(self, f"title_{language}"))

    def text(self, language: str) -> str:
        return str(getattr(self, f"text_{language}"))

    def short(self, language: str) -> str:
        """The short form staff wrote, or the title followed by the link."""
        written = str(getattr(self, f"short_{language}")).strip()
        return written or " ".join(part for part in (self.title(language), self.link) if part)

    def phrases(self, language: str) -> list[str]:
        return phrase_lines(str(getattr(self, f"phrases_{language}")))

    def is_active(self, now: float) -> bool:
        return self.lifted_at is None and self.starts_at <= now and (self.ends_at is None or now < self.ends_at)


def phrase_lines(text: str) -> list[str]:
    """The phrases of a text: one pattern a line; blank lines and `#` comments skipped."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


# What staff write in the form: every column of the texts, the link and the times.
CONTENT_FIELDS = tuple(
    f.name for f in fields(Alert) if f.name.split("_")[0] in {"title", "text", "short", "phrases"}
) + ("link", "starts_at", "ends_at")


def now() -> float:
    return clock.now().timestamp()


def create_table(engine: Engine) -> None:
    """Creates the table when missing (every instance tries at start-up; a race with another one is harmless)."""
    create_missing(metadata, engine)


def _alert(row: sa.engine.Row) -> Alert:
    return Alert(**{f.name: getattr(row, f.name) for f in fields(Alert)})


def every(engine: Engine, unfinished_at: float | None = None) -> list[Alert]:
    """Every alert, newest first, or only those neither lifted nor ended at `unfinished_at` (running or still to
    come); none when the table does not exist yet."""
    query = sa.select(alerts).order_by(alerts.c.starts_at.desc(), alerts.c.id.desc())
    if unfinished_at is not None:
        query = query.where(
            alerts.c.lifted_at.is_(None), sa.or_(alerts.c.ends_at.is_(None), alerts.c.ends_at > unfinished_at)
        )
    return read_or(engine, alerts, lambda connection: [_alert(row) for row in connection.execute(query)], [])


def get(engine: Engine, alert_id: int) -> Alert | None:
    return next((alert for alert in every(engine) if alert.id == alert_id), None)


def publish(engine: Engine, content: Mapping[str, object], by: str, at: float | None = None) -> int:
    """Stores a new alert (content: CONTENT_FIELDS); returns its id."""
    create_table(engine)
    values = {name: content[name] for name in CONTENT_FIELDS}
    with engine.begin() as connection:
        result = connection.execute(alerts.insert().values(**values, published_by=by, published_at=at or now()))
    return int(result.inserted_primary_key[0])


def edit(engine: Engine, alert_id: int, content: Mapping[str, object], by: str, at: float | None = None) -> bool:
    """Replaces an alert's content; False when there is no such alert."""
    values = {name: content[name] for name in CONTENT_FIELDS}
    with engine.begin() as connection:
        result = connection.execute(
            alerts.update().where(alerts.c.id == alert_id).values(**values, edited_by=by, edited_at=at or now())
        )
    return bool(result.rowcount)


def lift(engine: Engine, alert_id: int, by: str, at: float | None = None) -> bool:
    """Ends an alert now; False when there is no such alert or it was already lifted."""
    with engine.begin() as connection:
        result = connection.execute(
            alerts.update()
            .where(alerts.c.id == alert_id, alerts.c.lifted_at.is_(None))
            .values(lifted_by=by, lifted_at=at or now())
        )
    return bool(result.rowcount)
