"""Named saved views: a staff member's inbox filters kept under a name of their choice ("Abus en anglais", "My
overdue handoffs"), listed on their inbox pages only, in the review database.

What is stored is the query string `review.inbox.Filters` makes from the request, never the raw one: a view
opens exactly what the filters it names would, and nothing a user typed reaches the page unparsed. Called by
`review.routes.inbox`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from review import store
from review.inbox import Filters

MAX_NAME = 60
MAX_VIEWS = 50  # per staff member: a menu, not a store


@dataclass(frozen=True)
class SavedView:
    id: int
    name: str
    query: str  # "view=all&flag=fallback&language=en"

    @property
    def url(self) -> str:
        return "/?" + self.query


def clean_name(name: str) -> str:
    return " ".join(name.split())[:MAX_NAME]


def views_of(engine: Engine, user_name: str) -> list[SavedView]:
    views = store.saved_views
    query = sa.select(views.c.id, views.c.name, views.c.query).where(views.c.user_name == user_name)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(views.c.name)).all()
    return [SavedView(row.id, row.name, row.query) for row in rows]


def save_view(engine: Engine, user_name: str, name: str, filters: Filters) -> bool:
    """Keeps `filters` (first page) under `name`, replacing a view of that name; False for an empty name or when
    the staff member already has MAX_VIEWS others."""
    name = clean_name(name)
    if not name:
        return False
    views = store.saved_views
    query = urlencode({**filters.query(page=1), "view": filters.view})
    with engine.begin() as connection:
        updated = connection.execute(
            views.update()
            .where(views.c.user_name == user_name, views.c.name == name)
            .values(query=query, at=time.time())
        )
        if updated.rowcount:
            return True
        count = connection.execute(
            sa.select(sa.func.count()).select_from(views).where(views.c.user_name == user_name)
        ).scalar_one()
        if count >= MAX_VIEWS:
            return False
        connection.execute(views.insert().values(user_name=user_name, name=name, query=query, at=time.time()))
    return True


def delete_view(engine: Engine, user_name: str, view_id: int) -> bool:
    """Removes one of the staff member's own views (another's id does nothing)."""
    views = store.saved_views
    with engine.begin() as connection:
        removed = connection.execute(views.delete().where(views.c.id == view_id, views.c.user_name == user_name))
    return bool(removed.rowcount)
