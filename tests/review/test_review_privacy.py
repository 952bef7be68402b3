"""The review app's privacy page and audit log (issue 17 item 3), through requests to the app (in-process): a
deletion request is an admin's, with a reference and a confirmation, and leaves no event of the conversation in
the tracker store; exports are recorded with who, filters and rows; notes are changed only by their author or an
admin."""

from __future__ import annotations

import csv
import io
import json
import re

import sqlalchemy as sa
from review_fixtures import ADMIN, REVIEWER, ReviewSite

from bench.review_app import PASSWORD, StaffClient
from review import audit, auth, store


def _audit(review_site: ReviewSite, action: str) -> list[dict]:
    engine = sa.create_engine(review_site.review_url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(store.audit).where(store.audit.c.action == action)).mappings().all()
    engine.dispose()
    return [{**row, "detail": json.loads(row["detail"])} for row in rows]


def _events_of(review_site: ReviewSite, sender_id: str) -> int:
    engine = sa.create_engine(review_site.tracker_url, future=True)
    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT COUNT(*) FROM events WHERE sender_id = :s"), {"s": sender_id})
        found = int(count.scalar_one())
    engine.dispose()
    return found


def test_only_admins_see_the_privacy_page_and_delete(review_site: ReviewSite, reviewer: StaffClient) -> None:
    assert reviewer.get("/privacy").status == 403
    assert 'href="/privacy"' not in reviewer.get("/").body
    token = reviewer.get("/").csrf_token()
    fields = {"conversation": "handoff-en", "reference": "ATI-1", "confirm": "yes", "csrf_token": token}
    assert reviewer.post("/privacy/forget", fields).status == 403
    assert _events_of(review_site, "handoff-en") > 0


def test_a_forged_deletion_request_is_refused(review_site: ReviewSite, admin: StaffClient) -> None:
    fields = {"conversation": "handoff-en", "reference": "ATI-1", "confirm": "yes", "csrf_token": "forged"}
    assert admin.post("/privacy/forget", fields).status == 403
    assert _events_of(review_site, "handoff-en") > 0


def test_an_admin_deletes_a_conversation_with_a_reference_and_the_log_names_no_one(
    review_site: ReviewSite, admin: StaffClient
) -> None:
    page = admin.get("/conversation?id=new-kind")
    assert 'href="/privacy?conversation=new-kind"' in page.body
    form = admin.get("/privacy?conversation=new-kind")
    assert 'value="new-kind"' in form.body
    token = form.csrf_token()
    fields = {"conversation": "new-kind", "reference": "ATI-2026-7", "csrf_token": token}
    unconfirmed = admin.post("/privacy/forget", fields)
    assert unconfirmed.status == 400 and "Cochez la case de confirmation." in unconfirmed.body
    named = admin.post("/privacy/forget", {**fields, "confirm": "yes", "reference": "Jean Tremblay"})
    assert named.status == 400 and 'id="privacy-error"' in named.body
    assert _events_of(review_site, "new-kind") > 0

    done = admin.post("/privacy/forget", {**fields, "confirm": "yes"})
    assert done.status == 303 and done.headers["Location"] == "/privacy?done=forgotten"
    assert _events_of(review_site, "new-kind") == 0
    assert admin.get("/conversation?id=new-kind").status == 404
    assert "new-kind" not in admin.get("/?view=all").body
    (record,) = _audit(review_site, audit.FORGET)
    assert record["user_name"] == ADMIN and record["detail"]["reference"] == "ATI-2026-7"
    assert record["detail"]["conversations"] == 1 and record["detail"]["events"] == 2
    assert "new-kind" not in json.dumps(record["detail"]) and "Devoir" not in json.dumps(record["detail"])
    admin.get("/lang/en?next=/privacy")
    english = admin.get("/privacy?done=forgotten").body
    assert "Request carried out and logged." in english and "Deletion on request" in english
    assert "reference: ATI-2026-7" in english


def test_a_deletion_by_channel_and_platform_id_that_finds_nothing_is_still_logged(
    review_site: ReviewSite, admin: StaffClient
) -> None:
    token = admin.get("/privacy").csrf_token()
    fields = {"channel": "facebook", "platform_id": "424242", "reference": "ATI-9", "confirm": "yes"}
    assert admin.post("/privacy/forget", {**fields, "csrf_token": token}).status == 303
    record = next(row for row in _audit(review_site, audit.FORGET) if row["detail"]["reference"] == "ATI-9")
    assert record["detail"] == {"by": "platform_id:facebook", "conversations": 0, "reference": "ATI-9"}


def test_exports_are_recorded_with_who_the_filters_and_the_rows(review_site: ReviewSite, reviewer: StaffClient) -> None:
    exported = reviewer.get("/export.csv?view=all&language=fr&search=la%20maison").body
    lines = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))[1:]
    jsonl = reviewer.get("/export.jsonl?view=all&channel=rest").body.splitlines()
    assert lines and jsonl
    (record,) = [row for row in _audit(review_site, audit.EXPORT_CSV) if row["user_name"] == REVIEWER]
    assert record["rows"] == len(lines) and record["detail"]["conversations"] == len({line[0] for line in lines})
    # The filters, but what staff typed in the search box only by its length: it may be what a resident wrote.
    assert record["detail"]["filters"] == {"view": "all", "language": "fr", "search": "<9 characters>"}
    (jsonl_record,) = [row for row in _audit(review_site, audit.EXPORT_JSONL) if row["user_name"] == REVIEWER]
    assert jsonl_record["rows"] == len(jsonl) and jsonl_record["detail"]["filters"]["channel"] == "rest"

    page = reviewer.get("/conversation?id=emergency-fr")
    event_id = re.search(r'name="event" value="(\d+)"', page.body).group(1)  # type: ignore[union-attr]
    fields = {"id": "emergency-fr", "intent": "greet", "event": event_id, "csrf_token": page.csrf_token()}
    assert reviewer.post("/export/training", fields).status == 200
    (training,) = _audit(review_site, audit.EXPORT_TRAINING)
    assert training["rows"] == 1 and training["detail"] == {"intent": "greet", "language": "fr"}


def _note_ids(body: str) -> list[int]:
    return [int(found) for found in re.findall(r'<li id="note-(\d+)">', body)]


def test_a_note_is_deleted_by_its_author_and_edited_by_an_admin_not_by_other_staff(
    review_site: ReviewSite, admin: StaffClient, reviewer: StaffClient
) -> None:
    token = reviewer.get("/conversation?id=handoff-en").csrf_token()
    for text in ("à supprimer par son auteur", "à corriger par un administrateur"):
        reviewer.post("/conversation/notes", {"id": "handoff-en", "note": text, "csrf_token": token})
    own, other = _note_ids(reviewer.get("/conversation?id=handoff-en").body)[-2:]
    engine = sa.create_engine(review_site.review_url, future=True)
    auth.add_user(engine, "dave", PASSWORD, "reviewer")
    engine.dispose()
    dave = review_site.client("dave")
    dave_token = dave.get("/conversation?id=handoff-en").csrf_token()
    edit = {"id": "handoff-en", "note_id": other, "note": "réécrite par dave", "csrf_token": dave_token}
    assert dave.post("/conversation/notes/edit", edit).status == 403

    deleted = reviewer.post("/conversation/notes/delete", {"id": "handoff-en", "note_id": own, "csrf_token": token})
    assert deleted.status == 303
    admin_token = admin.get("/conversation?id=handoff-en").csrf_token()
    fields = {"id": "handoff-en", "note_id": other, "note": "corrigée par l'administratrice", "csrf_token": admin_token}
    assert admin.post("/conversation/notes/edit", fields).status == 303
    body = admin.get("/conversation?id=handoff-en").body
    assert own not in _note_ids(body) and "à supprimer par son auteur" not in body
    assert "corrigée par l&#39;administratrice" in body and "réécrite par dave" not in body
