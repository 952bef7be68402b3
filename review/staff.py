"""What staff record about a conversation: reviewed marks, closed handoffs, tags, notes, and who did it when.

Written to the review database only (never to the tracker's `events`). Called by `review.routes`' handlers
and the transcript page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from review import store

MAX_NOTE = 5000
MAX_TAG = 60
# Change log names the Overview's times are measured from (review.kpis): a handoff closed, and a reply a staff
# member sent the resident from the app (issue 16, item 2, logs each reply under this name).
HANDOFF_CLOSED = "handoff_closed"
STAFF_REPLY = "replied"  # written by the reply route, counted by the key figures and the inbox filter


@dataclass(frozen=True)
class Note:
    id: int
    text: str
    user_name: str
    at: float
    edited_at: float | None = None
    edited_by: str | None = None

    def editable_by(self, user_name: str, is_admin: bool) -> bool:
        """Its author may change or delete a note, and so may an administrator (moderation)."""
        return is_admin or user_name == self.user_name


@dataclass(frozen=True)
class Change:
    change: str
    detail: str
    user_name: str
    at: float


@dataclass(frozen=True)
class StaffRecord:
    reviewed: bool
    handoffs_closed: int
    assigned_to: str | None
    tags: list[str]
    notes: list[Note]
    changes: list[Change]


def _log(connection: Connection, sender_id: str, change: str, detail: str, user_name: str) -> None:
    connection.execute(
        store.changes.insert().values(
            sender_id=sender_id, change=change, detail=detail, user_name=user_name, at=time.time()
        )
    )


def log_change(engine: Engine, sender_id: str, change: str, detail: str, user_name: str) -> None:
    """Records a change made elsewhere (a reply sent, a take-over, through the assistant) in the change log."""
    with engine.begin() as connection:
        _log(connection, sender_id, change, detail, user_name)


def _upsert_mark(connection: Connection, sender_id: str, **values: object) -> None:
    updated = connection.execute(store.marks.update().where(store.marks.c.sender_id == sender_id).values(**values))
    if not updated.rowcount:
        defaults: dict[str, object] = {"reviewed": False, "handoffs_closed": 0}
        connection.execute(store.marks.insert().values(sender_id=sender_id, **{**defaults, **values}))


def set_reviewed(engine: Engine, sender_id: str, reviewed: bool, user_name: str) -> None:
    with engine.begin() as connection:
        _upsert_mark(connection, sender_id, reviewed=reviewed)
        _log(connection, sender_id, "reviewed" if reviewed else "unreviewed", "", user_name)


def close_handoffs(engine: Engine, sender_id: str, handoffs: int, user_name: str) -> None:
    """Closes every handoff asked for so far; a later one opens the conversation again."""
    with engine.begin() as connection:
        _upsert_mark(connection, sender_id, handoffs_closed=handoffs)
        _log(connection, sender_id, HANDOFF_CLOSED, str(handoffs), user_name)


def assign(engine: Engine, sender_id: str, holder: str | None, user_name: str) -> bool:
    """Gives the conversation to `holder` (an account's name), or to nobody (None); False for an unknown name."""
    with engine.begin() as connection:
        if holder is not None:
            known = connection.execute(sa.select(store.users.c.id).where(store.users.c.name == holder)).first()
            if known is None:
                return False
        current = connection.execute(
            sa.select(store.marks.c.assigned_to).where(store.marks.c.sender_id == sender_id)
        ).scalar()
        if current == holder:
            return True
        _upsert_mark(connection, sender_id, assigned_to=holder)
        _log(connection, sender_id, "assigned" if holder else "unassigned", holder or current or "", user_name)
    return True


def clean_tag(tag: str) -> str:
    return " ".join(tag.split())[:MAX_TAG]


def add_tag(engine: Engine, sender_id: str, tag: str, user_name: str) -> bool:
    tag = clean_tag(tag)
    if not tag:
        return False
    with engine.begin() as connection:
        exists = connection.execute(
            sa.select(store.tags.c.id).where(store.tags.c.sender_id == sender_id, store.tags.c.tag == tag)
        ).first()
        if exists:
            return False
        connection.execute(
            store.tags.insert().values(sender_id=sender_id, tag=tag, user_name=user_name, at=time.time())
        )
        _log(connection, sender_id, "tag_added", tag, user_name)
    return True


def remove_tag(engine: Engine, sender_id: str, tag: str, user_name: str) -> None:
    with engine.begin() as connection:
        removed = connection.execute(
            store.tags.delete().where(store.tags.c.sender_id == sender_id, store.tags.c.tag == tag)
        )
        if removed.rowcount:
            _log(connection, sender_id, "tag_removed", tag, user_name)


def add_note(engine: Engine, sender_id: str, text: str, user_name: str) -> bool:
    text = text.strip()[:MAX_NOTE]
    if not text:
        return False
    with engine.begin() as connection:
        connection.execute(
            store.notes.insert().values(sender_id=sender_id, text=text, user_name=user_name, at=time.time())
        )
        _log(connection, sender_id, "note_added", "", user_name)
    return True


class NoteRefused(PermissionError):
    """The note is not this staff member's to change."""


def _note(connection: Connection, sender_id: str, note_id: int) -> Note | None:
    row = connection.execute(
        sa.select(store.notes).where(store.notes.c.id == note_id, store.notes.c.sender_id == sender_id)
    ).first()
    return Note(row.id, row.text, row.user_name, row.at, row.edited_at, row.edited_by) if row else None


def edit_note(engine: Engine, sender_id: str, note_id: int, text: str, user_name: str, is_admin: bool) -> bool:
    """A note's new text (its author or an admin); False when there is no such note or no text."""
    text = text.strip()[:MAX_NOTE]
    with engine.begin() as connection:
        note = _note(connection, sender_id, note_id)
        if note is None or not text:
            return False
        if not note.editable_by(user_name, is_admin):
            raise NoteRefused(note_id)
        if text == note.text:
            return True
        connection.execute(
            store.notes.update()
            .where(store.notes.c.id == note_id)
            .values(text=text, edited_at=time.time(), edited_by=user_name)
        )
        _log(connection, sender_id, "note_edited", str(note_id), user_name)
    return True


def delete_note(engine: Engine, sender_id: str, note_id: int, user_name: str, is_admin: bool) -> bool:
    """Removes a note (its author or an admin); the log keeps who deleted which note when, not its text: a note
    deleted for holding what it should not must not live on in the history."""
    with engine.begin() as connection:
        note = _note(connection, sender_id, note_id)
        if note is None:
            return False
        if not note.editable_by(user_name, is_admin):
            raise NoteRefused(note_id)
        connection.execute(store.notes.delete().where(store.notes.c.id == note_id))
        _log(connection, sender_id, "note_deleted", str(note_id), user_name)
    return True


def staff_record(engine: Engine, sender_id: str) -> StaffRecord:
    with engine.connect() as connection:
        mark = connection.execute(sa.select(store.marks).where(store.marks.c.sender_id == sender_id)).first()
        tag_rows = connection.execute(
            sa.select(store.tags.c.tag).where(store.tags.c.sender_id == sender_id).order_by(store.tags.c.tag)
        ).scalars()
        note_rows = connection.execute(
            sa.select(store.notes).where(store.notes.c.sender_id == sender_id).order_by(store.notes.c.id)
        )
        notes = [Note(row.id, row.text, row.user_name, row.at, row.edited_at, row.edited_by) for row in note_rows]
        change_rows = connection.execute(
            sa.select(store.changes).where(store.changes.c.sender_id == sender_id).order_by(store.changes.c.id)
        )
        changes = [Change(row.change, row.detail, row.user_name, row.at) for row in change_rows]
        tag_list = list(tag_rows)
    return StaffRecord(
        reviewed=bool(mark.reviewed) if mark else False,
        handoffs_closed=int(mark.handoffs_closed) if mark else 0,
        assigned_to=mark.assigned_to if mark else None,
        tags=tag_list,
        notes=notes,
        changes=changes,
    )


def tags_by_conversation(engine: Engine, sender_ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for start in range(0, len(sender_ids), 500):
            part = sender_ids[start : start + 500]
            query = sa.select(store.tags.c.sender_id, store.tags.c.tag).where(store.tags.c.sender_id.in_(part))
            for row in connection.execute(query.order_by(store.tags.c.tag)):
                found.setdefault(row.sender_id, []).append(row.tag)
    return found
