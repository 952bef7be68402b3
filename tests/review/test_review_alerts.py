"""The review app's Alerts page (issue 17 item 1), through requests to the app (in-process): admins publish, edit and
lift an alert in the assistant's database, each change in the audit log with who and when; reviewers see the
alerts but change nothing; a wrong phrase is a form error saying what to write; every alert shows how many
messages it answered and lists their conversations, read from the stored parse data."""

from __future__ import annotations

import json

import sqlalchemy as sa
from review_fixtures import ADMIN, ReviewSite

from bench.review_app import StaffClient
from pointe_claire.alerts import records
from pointe_claire.names import ALERTS_KEY
from review import store

FORM = {
    "title_fr": "Avis d'ébullition <Donegani>",
    "title_en": "Boil-water notice",
    "text_fr": "Faites bouillir l'eau une minute.",
    "text_en": "Boil tap water for one minute.",
    "short_fr": "",
    "short_en": "",
    "phrases_fr": "eau ...3 potable",
    "phrases_en": "water ...3 safe",
    "link": "https://www.pointe-claire.ca/avis",
    "starts_at": "2026-11-25T11:00",
    "ends_at": "2026-11-25T18:00",
}


def _tracker(review_site: ReviewSite) -> sa.engine.Engine:
    return sa.create_engine(review_site.tracker_url, future=True)


def _audit(review_site: ReviewSite) -> list[dict]:
    engine = sa.create_engine(review_site.review_url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(store.audit).where(store.audit.c.action.like("alert_%"))).mappings().all()
    engine.dispose()
    return [{**row, "detail": json.loads(row["detail"])} for row in rows]


def _answered_message(review_site: ReviewSite, sender_id: str, alert_ids: list[int], at: float) -> None:
    data = {
        "event": "user",
        "text": "is the water safe?",
        "parse_data": {"intent": {"name": "x"}, ALERTS_KEY: alert_ids},
    }
    engine = _tracker(review_site)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data)"
                " VALUES (:s, 'user', :t, 'x', NULL, :d)"
            ),
            {"s": sender_id, "t": at, "d": json.dumps(data)},
        )
    engine.dispose()


def test_an_admin_publishes_edits_and_lifts_an_alert_and_each_is_audited(
    review_site: ReviewSite, admin: StaffClient, reviewer: StaffClient
) -> None:
    page = admin.get("/alerts")
    assert page.status == 200 and 'id="alert-form"' in page.body
    done = admin.post("/alerts", {**FORM, "csrf_token": page.csrf_token()})
    assert done.status == 303
    alert_id = int(done.headers["Location"].split("/")[2].split("?")[0])
    tracker = _tracker(review_site)
    alert = records.get(tracker, alert_id)
    assert alert is not None and alert.published_by == ADMIN and alert.title_en == "Boil-water notice"
    assert (
        alert.is_active(records.now()) and alert.ends_at == 1795647600.0
    )  # 18:00 Montréal, six hours after the fixed noon
    shown = admin.get(f"/alerts/{alert_id}")
    assert "Avis d&#39;ébullition &lt;Donegani&gt;" in shown.body and "<Donegani>" not in shown.body  # escaped
    assert "Cette alerte est en cours." in shown.body

    edited = admin.post(f"/alerts/{alert_id}", {**FORM, "title_en": "Boil water", "csrf_token": shown.csrf_token()})
    assert edited.status == 303
    lifted = admin.post(f"/alerts/{alert_id}/lift", {"csrf_token": shown.csrf_token()})
    assert lifted.status == 303
    alert = records.get(tracker, alert_id)
    assert alert is not None and alert.title_en == "Boil water" and alert.edited_by == ADMIN
    assert alert.lifted_by == ADMIN and not alert.is_active(records.now())
    tracker.dispose()
    logged = [(r["action"], r["user_name"], r["detail"]["alert"]) for r in _audit(review_site)]
    assert logged[-3:] == [(action, ADMIN, alert_id) for action in ("alert_published", "alert_edited", "alert_lifted")]
    assert "Alerte levée" in admin.get("/privacy").body  # the audit log shows it


def test_reviewers_see_alerts_but_cannot_change_them_and_forms_need_csrf(
    review_site: ReviewSite, admin: StaffClient, reviewer: StaffClient
) -> None:
    page = reviewer.get("/alerts")
    assert page.status == 200 and 'id="alert-form"' not in page.body
    token = page.csrf_token()
    before = len(records.every(_tracker(review_site)))
    assert reviewer.post("/alerts", {**FORM, "csrf_token": token}).status == 403
    assert admin.post("/alerts", {**FORM, "csrf_token": "forged"}).status == 403
    assert len(records.every(_tracker(review_site))) == before


def test_a_wrong_phrase_or_field_is_a_form_error_and_nothing_is_stored(
    review_site: ReviewSite, admin: StaffClient
) -> None:
    token = admin.get("/alerts").csrf_token()
    before = len(records.every(_tracker(review_site)))
    wrong = admin.post(
        "/alerts",
        {
            **FORM,
            "phrases_fr": "eau .. potable",
            "link": "javascript:alert(1)",
            "ends_at": "2026-11-25T10:00",
            "csrf_token": token,
        },
    )
    assert wrong.status == 400 and 'id="alert-errors"' in wrong.body
    assert "write how many words a gap may stand for: `...3`" in wrong.body
    assert "Le lien doit commencer par https://." in wrong.body and "La fin doit suivre le début." in wrong.body
    assert 'value="eau .. potable"' in wrong.body or "eau .. potable</textarea>" in wrong.body  # kept to fix
    assert len(records.every(_tracker(review_site))) == before


def test_the_page_counts_the_messages_each_alert_answered_and_lists_their_conversations(
    review_site: ReviewSite, admin: StaffClient
) -> None:
    tracker = _tracker(review_site)
    first = records.publish(tracker, {**records_content(), "title_en": "Flood"}, ADMIN)
    second = records.publish(tracker, {**records_content(), "title_en": "Donegani closed"}, ADMIN)
    tracker.dispose()
    now = records.now()
    _answered_message(review_site, "webchat:aaa", [first], now)
    _answered_message(review_site, "webchat:aaa", [first, second], now + 1)
    _answered_message(review_site, "x:bbb", [first], now + 2)
    page = admin.get("/alerts")
    assert f'href="/alerts/{first}#conversations" class="alert-count">3<' in page.body
    assert f'href="/alerts/{second}#conversations" class="alert-count">1<' in page.body
    listed = admin.get(f"/alerts/{first}")
    assert "Conversations (2)" in listed.body
    assert 'href="/conversation?id=webchat%3Aaaa"' in listed.body and 'href="/conversation?id=x%3Abbb"' in listed.body


def records_content() -> dict[str, object]:
    return {**FORM, "starts_at": records.now() - 60, "ends_at": None}
