"""The inbox (filters, pages) and the downloads of the conversations it lists: CSV and JSON Lines.

Registered by `review.app.create_app`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from pointe_claire import clock
from review import audit, auth, exports, saved_views, staff
from review.conversations import StoredEvent, events_of, transcript
from review.inbox import Filters, filter_choices, inbox_page, matching_rows
from review.queue import action_queue, age_in_words
from review.routes.conversation import conversation_url
from review.web import Site, download, language_of, refresh_index, render, site_of

MAX_EXPORT_CONVERSATIONS = 20_000
EXPORT_CHUNK = 500
NOTICES = frozenset({"bulk", "view_saved", "view_deleted"})  # `?done=` after a triage form (review.routes.triage)


def _changed(request: Request) -> int:
    value = str(request.args.get("changed") or "")
    return int(value) if value.isdigit() and len(value) < 7 else 0


async def inbox(request: Request) -> HTTPResponse:
    site = site_of(request)
    fresh = refresh_index(site)
    filters = Filters.from_query(request.args).mine(request.ctx.session.user.name)
    back = "/?" + urlencode(filters.query())
    work = None
    if filters.view == "queue":
        work = action_queue(site.review, clock.now(), filters.page, site.settings.page_size)
        page = work.flagged
        shown = [*(item.row for item in work.handoffs), *page.rows, *work.latest_emergencies]
    else:
        page = inbox_page(site.review, filters, site.settings.page_size)
        shown = page.rows
    return render(
        request,
        "inbox.html",
        fresh=fresh,
        filters=filters,
        page=page,
        queue=work,
        age=lambda waited: age_in_words(waited, language_of(request)),
        tags=staff.tags_by_conversation(site.review, [row.sender_id for row in shown]),
        choices=filter_choices(site.review),
        staff_names=[account.name for account in auth.list_users(site.review)],
        query=lambda **changes: urlencode(filters.query(**changes)),
        back=back,
        views=saved_views.views_of(site.review, request.ctx.session.user.name),
        notice=done if (done := str(request.args.get("done") or "")) in NOTICES else "",
        changed=_changed(request),
        # "Back" on the transcript returns to this page of the inbox, filters kept.
        conversation_link=lambda sender_id: conversation_url(sender_id, back),
    )


def _filtered_transcripts(site: Site, filters: Filters) -> Iterator[tuple[Any, dict[str, Any]]]:
    rows = matching_rows(site.review, filters, MAX_EXPORT_CONVERSATIONS)
    tags = staff.tags_by_conversation(site.review, [row.sender_id for row in rows])
    for start in range(0, len(rows), EXPORT_CHUNK):  # one query per chunk of conversations, in inbox order
        chunk = rows[start : start + EXPORT_CHUNK]
        stored: dict[str, list[StoredEvent]] = {}
        for event in events_of(site.tracker, [row.sender_id for row in chunk]):
            stored.setdefault(event.sender_id, []).append(event)
        for row in chunk:
            extra = {
                "reviewed": row.reviewed,
                "handoff_open": row.handoff_open,
                "tags": tags.get(row.sender_id, []),
                "assigned_to": row.assigned_to,
            }
            yield transcript(stored.get(row.sender_id, []), row.sender_id), extra


def _transcript_lines(exported: list[tuple[Any, dict[str, Any]]]) -> int:
    return sum(len(transcript.turns) for transcript, _ in exported)


async def export_csv(request: Request) -> HTTPResponse:
    return _export(request, exports.csv_rows, "text/csv", "csv", audit.EXPORT_CSV, _transcript_lines)


async def export_jsonl(request: Request) -> HTTPResponse:
    return _export(request, exports.jsonl_lines, "application/jsonl", "jsonl", audit.EXPORT_JSONL, len)


def _export(
    request: Request,
    lines: Callable[[Iterable[Any]], Iterable[str]],
    media_type: str,
    suffix: str,
    action: str,
    rows: Callable[[list[tuple[Any, dict[str, Any]]]], int],
) -> HTTPResponse:
    """The filtered conversations as a download named for the time it was made, recorded in the audit log with
    who asked, the filters and the rows the file holds (CSV: transcript lines; JSON Lines: conversations)."""
    site = site_of(request)
    refresh_index(site)
    user_name = request.ctx.session.user.name
    filters = Filters.from_query(request.args).mine(user_name)
    exported = list(_filtered_transcripts(site, filters))
    body = "".join(lines(exported))
    detail = {"filters": audit.export_filters(filters.query()), "conversations": len(exported)}
    audit.record(site.review, action, user_name, detail, rows(exported))
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    return download(body, f"{media_type}; charset=utf-8", f"conversations-{stamp}.{suffix}")


def blueprint() -> Blueprint:
    routes = Blueprint("inbox")
    routes.add_route(inbox, "/", methods=["GET"])
    routes.add_route(export_csv, "/export.csv", methods=["GET"])
    routes.add_route(export_jsonl, "/export.jsonl", methods=["GET"])
    return routes
