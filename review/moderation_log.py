"""What became of each public comment on its platform (hidden, restored, deleted, its author banned) and the audit
record of every moderation action: who, when, the rule and policy clause, the reason, the platform's answer.

Written by the moderation route (`review.routes.moderation`) after the assistant's staff endpoint answered, and by
the queue (`review.moderation_queue`) the first time it reads a comment the assistant hid by itself. The audit
records go to `review_audit` (`review.audit`), which outlives the conversations: they hold platform ids, the
policy's words and the staff member's reason, never what the resident wrote.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pointe_claire.moderation_names import BAN, DELETE, HIDE, UNHIDE
from review import audit, store

AUDIT_PREFIX = "moderation_"
AUTO_HIDE = "auto_hide"  # the assistant's own hiding (moderation.yml)
ASSISTANT = "assistant"  # the `user_name` of what the assistant did by itself
STATE_AFTER = {HIDE: "hidden", AUTO_HIDE: "hidden", UNHIDE: "visible", DELETE: "deleted", BAN: "banned"}


@dataclass(frozen=True)
class State:
    state: str
    user_name: str
    at: float
    problem: str | None


def author_target(author_id: str) -> str:
    return f"author:{author_id}"


def states(engine: Engine, platform_targets: list[tuple[str, str]]) -> dict[tuple[str, str], State]:
    """The recorded state of these comments (and `author:` targets), by (platform, target)."""
    table = store.moderation
    wanted = set(platform_targets)
    found: dict[tuple[str, str], State] = {}
    targets = sorted({target for _platform, target in wanted})
    with engine.connect() as connection:
        for start in range(0, len(targets), 500):
            query = sa.select(table).where(table.c.target.in_(targets[start : start + 500]))
            for row in connection.execute(query):
                if (row.platform, row.target) in wanted:
                    found[(row.platform, row.target)] = State(row.state, row.user_name, row.at, row.problem)
    return found


def record_action(
    engine: Engine,
    action: str,
    user_name: str,
    platform: str,
    target: str,
    detail: Mapping[str, Any],
    answer: Mapping[str, Any],
    at: float = 0.0,
) -> None:
    """The state after `action` (unchanged, with the problem, when the platform refused) and its audit record, in
    one transaction."""
    at = at or time.time()
    ok = answer.get("ok") is True
    problem = None if ok else str(answer.get("problem") or "?")[:500]
    table = store.moderation
    key = (table.c.platform == platform) & (table.c.target == target)
    with engine.begin() as connection:
        values: dict[str, Any] = {"user_name": user_name, "at": at, "problem": problem}
        if ok:
            values["state"] = STATE_AFTER[action]
        if not connection.execute(table.update().where(key).values(**values)).rowcount:
            connection.execute(table.insert().values(platform=platform, target=target, **{"state": "", **values}))
        outcome = {"ok": ok, "attempts": answer.get("attempts"), "problem": problem}
        if ok:
            outcome["answer"] = json.dumps(answer.get("answer"), ensure_ascii=False, sort_keys=True)[:500]
        audit.record(connection, AUDIT_PREFIX + action, user_name, {**detail, **outcome}, 1, at)


def forget_platform_ids(connection: Connection, ids: set[str], reference: str) -> tuple[int, int]:
    """A deletion request (`review.retention.forget`): the states of these comments and authors are deleted, and
    each moderation record of the audit log that names one of them keeps its action, who, when, rule and reason,
    with every such id (and the platform's answer, which repeats them) replaced by the request's reference.
    Returns (states deleted, audit records rewritten)."""
    if not ids:
        return 0, 0
    table = store.moderation
    targets = sorted(ids | {author_target(platform_id) for platform_id in ids})
    deleted = 0
    for start in range(0, len(targets), 500):
        deleted += connection.execute(table.delete().where(table.c.target.in_(targets[start : start + 500]))).rowcount
    forgotten = f"forgotten ({reference})"
    rewritten = 0
    query = sa.select(store.audit.c.id, store.audit.c.detail).where(store.audit.c.action.like(AUDIT_PREFIX + "%"))
    for record_id, text in list(connection.execute(query)):
        if not any(platform_id in text for platform_id in ids):
            continue
        try:
            detail = json.loads(text)
        except ValueError:
            detail = {}
        kept = {
            key: forgotten if any(platform_id in str(value) for platform_id in ids) else value
            for key, value in (detail.items() if isinstance(detail, dict) else ())
        }
        new_text = json.dumps(kept, ensure_ascii=False, sort_keys=True)
        connection.execute(store.audit.update().where(store.audit.c.id == record_id).values(detail=new_text))
        rewritten += 1
    return deleted, rewritten


def purge_records(connection: Connection, oldest_kept: float) -> int:
    """The moderation records of the audit log older than the retention period (they hold platform ids; the
    purge's own records and the deletion requests' do not, and stay)."""
    old = store.audit.c.action.like(AUDIT_PREFIX + "%") & (store.audit.c.at < oldest_kept)
    return int(connection.execute(store.audit.delete().where(old)).rowcount)


def recorded(engine: Engine, platform: str, target: str) -> bool:
    table = store.moderation
    query = sa.select(table.c.target).where((table.c.platform == platform) & (table.c.target == target))
    with engine.connect() as connection:
        return connection.execute(query).first() is not None


def moderation_records(engine: Engine) -> list[audit.Record]:
    """Every moderation action of the audit log, oldest first (the CSV export)."""
    return audit.of_actions_starting(engine, AUDIT_PREFIX)
