"""The audit log of actions on the data as a whole: exports (who, when, filters, rows), purges and deletion requests,
staff alerts published, edited and lifted (`review.routes.alerts`), and the moderation of public comments
(`review.moderation_log`: platform ids, rule, clause, reason and the platform's answer).

Written by the export routes and `review.retention`, read by the privacy page (`review.routes.privacy`). Why a
table of its own next to `review_changes` (one conversation's history): these records must outlive the
conversations they were about, so they never hold a conversation id or anything a resident wrote. An export's
free-text search is recorded as its length only: staff may have searched for what a resident wrote.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from review import store

EXPORT_CSV, EXPORT_JSONL, EXPORT_TRAINING = "export_csv", "export_jsonl", "export_training"
PURGE, FORGET = "purge", "forget"
# Filters of an export that are the staff's own choices (dates, menus, names): recorded as chosen.
SEARCH_FILTER = "search"


@dataclass(frozen=True)
class Record:
    action: str
    detail: Mapping[str, Any]
    rows: int
    user_name: str
    at: float


def export_filters(query: Mapping[str, str]) -> dict[str, str]:
    """An export's filters as the audit log keeps them: the search text replaced by its length."""
    kept = {name: value for name, value in query.items() if name not in {SEARCH_FILTER, "page"}}
    if query.get(SEARCH_FILTER):
        kept[SEARCH_FILTER] = f"<{len(query[SEARCH_FILTER])} characters>"
    return kept


def record(
    target: Engine | Connection, action: str, user_name: str, detail: Mapping[str, Any], rows: int, at: float = 0.0
) -> None:
    """Appends one record; `target` may be a connection, so a deletion and its record commit together."""
    values = {
        "action": action,
        "detail": json.dumps(dict(detail), ensure_ascii=False, sort_keys=True),
        "rows": rows,
        "user_name": user_name,
        "at": at or time.time(),
    }
    if isinstance(target, Connection):
        target.execute(store.audit.insert().values(**values))
        return
    with target.begin() as connection:
        connection.execute(store.audit.insert().values(**values))


def latest(engine: Engine, limit: int = 100) -> list[Record]:
    return _records(engine, sa.select(store.audit).order_by(store.audit.c.id.desc()).limit(limit))


def of_actions_starting(engine: Engine, prefix: str) -> list[Record]:
    """The records whose action starts with `prefix` (the moderation actions), oldest first."""
    table = store.audit
    return _records(engine, sa.select(table).where(table.c.action.like(prefix + "%")).order_by(table.c.id))


def _records(engine: Engine, query: Any) -> list[Record]:
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [Record(row.action, json.loads(row.detail or "{}"), row.rows, row.user_name, row.at) for row in rows]
