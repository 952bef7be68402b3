"""What staff see and do in the review app, through requests to the app (in-process) on a tracker store with known
conversations: inbox order and filters, transcript, staff actions, exports, training export, overview."""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.parse

import pytest
import sqlalchemy as sa
import yaml
from review_fixtures import AFTER_HOURS_TS, REVIEWER, ReviewSite

from bench.review_app import StaffClient, resident_message, write_events
from review import store

pytestmark = pytest.mark.dates  # also run under other clocks by `make test-dates`


def inbox_ids(client: StaffClient, query: str = "") -> list[str]:
    body = client.get("/?" + query).body
    return [
        urllib.parse.unquote(part.split('"')[0].split("&amp;")[0]) for part in body.split('href="/conversation?id=')[1:]
    ]


def csv_of(body: str) -> list[dict[str, str]]:
    """The rows of an exported CSV, which starts with the UTF-8 byte order mark Excel needs."""
    assert body.startswith("\ufeff"), body[:20]
    return list(csv.DictReader(io.StringIO(body[1:])))


def count_of(client: StaffClient, query: str = "") -> int:
    text = client.get("/?" + query).body.split('id="count" role="status">')[1]
    return int(text.split(" ")[2])


def test_all_conversations_list_open_handoffs_and_emergencies_first(admin: StaffClient) -> None:
    ids = inbox_ids(admin, "view=all")
    top = ids[:4]
    assert "emergency-fr" in top and "handoff-en" in top
    assert count_of(admin, "view=all") == 65  # 60 generated + 5 known
    assert len(ids) == 50  # one page
    assert len(inbox_ids(admin, "view=all&page=2")) == 15


def test_each_filter_selects_the_conversations_it_names(admin: StaffClient) -> None:
    assert inbox_ids(admin, "flag=emergency&language=fr")[0] == "emergency-fr"
    assert "handoff-en" in inbox_ids(admin, "flag=handoff%3Aopen")
    assert set(inbox_ids(admin, "flag=netiquette%3Athreat")) == {"rude-en"}
    assert "rude-en" in inbox_ids(admin, "flag=netiquette%3Aabuse")
    assert set(inbox_ids(admin, "intent=ask_media_relations")) >= {"new-kind"}
    assert inbox_ids(admin, "search=NID-DE-POULE") and not inbox_ids(admin, "search=NID-DE-POULE&language=en")
    fires = inbox_ids(admin, "search=voisin")
    assert "emergency-fr" in fires and set(fires) <= set(inbox_ids(admin, "flag=emergency"))
    assert "handoff-en" in inbox_ids(admin, "flag=after_hours")
    assert "emergency-fr" not in inbox_ids(admin, "flag=after_hours")
    assert inbox_ids(admin, "start=2026-11-21&end=2026-11-21") == ["handoff-en"]
    assert set(inbox_ids(admin, "channel=rest")) >= {"emergency-fr", "handoff-en"}
    english = count_of(admin, "language=en")
    everything = count_of(admin, "view=all")
    assert 0 < english < everything and english + count_of(admin, "language=fr") == everything


def test_filter_menus_count_the_conversations_of_each_choice(admin: StaffClient) -> None:
    inbox = admin.get("/").body
    for flag in ("emergency", "netiquette:abuse", "handoff:open", "after_hours", "fallback"):
        option = inbox.split(f'<option value="{flag}">')[1].split("</option>")[0]
        assert option.endswith(f"({count_of(admin, 'flag=' + urllib.parse.quote(flag))})"), (flag, option)
    fr_option = inbox.split('<option value="fr">')[1].split("</option>")[0]
    assert fr_option == f"fr ({count_of(admin, 'language=fr')})"


def test_a_flag_kind_without_code_shows_by_its_raw_name_and_filters(admin: StaffClient) -> None:
    inbox = admin.get("/").body
    assert '<option value="press_deadline">press_deadline (1)</option>' in inbox
    assert inbox_ids(admin, "flag=press_deadline") == ["new-kind"]
    transcript = admin.get("/conversation?id=new-kind").body
    assert "press_deadline" in transcript and "due: today" in transcript
    assert "[PHONE]" in transcript  # personal information as the store holds it


def test_transcript_shows_both_sides_in_local_time_with_intent_confidence_language_and_flags(
    admin: StaffClient,
) -> None:
    body = admin.get("/conversation?id=emergency-fr").body
    assert "Il y a un feu dans la maison de mon voisin" in body
    assert "2026-11-18 10:00:10" in body  # America/Montreal, not UTC (15:00)
    assert '<code class="intent">report_life_threatening_emergency</code> (confiance 0.97)' in body
    assert "Langue fr" in body
    assert "Urgence (9-1-1)" in body and "expression : feu" in body
    assert "utter_life_threatening_emergency" in body  # the action run
    handoff = admin.get("/conversation?id=handoff-en").body
    assert "Transfert au personnel ouvert" in handoff and "motif : a demandé à parler à une personne" in handoff
    assert "Hors des heures d&#39;ouverture" in handoff
    assert admin.get("/conversation?id=does-not-exist").status == 404


def test_staff_actions_are_recorded_with_who_and_when(review_site: ReviewSite, reviewer: StaffClient) -> None:
    page = reviewer.get("/conversation?id=handoff-en")
    token = page.csrf_token()
    before = time.time()
    for path, fields in (
        ("/conversation/reviewed", {"reviewed": "yes"}),
        ("/conversation/handoff", {}),
        ("/conversation/tags", {"tag": "suivi courriel"}),
        ("/conversation/notes", {"note": "Rappelé le résident, dossier 2026-114"}),
    ):
        response = reviewer.post(path, {"id": "handoff-en", "csrf_token": token, **fields})
        assert response.status == 303, (path, response.body[:300])
    body = reviewer.get("/conversation?id=handoff-en").body
    assert 'id="reviewed-state">Révisée' in body and "Transfert fermé" in body
    assert "suivi courriel" in body and "Rappelé le résident, dossier 2026-114" in body
    engine = sa.create_engine(review_site.review_url)
    with engine.connect() as connection:
        changes = connection.execute(
            sa.select(store.changes.c.change, store.changes.c.user_name, store.changes.c.at).where(
                store.changes.c.sender_id == "handoff-en"
            )
        ).all()
    engine.dispose()
    assert [row.change for row in changes] == ["reviewed", "handoff_closed", "tag_added", "note_added"]
    assert all(row.user_name == REVIEWER and row.at >= before - 1 for row in changes)
    assert "handoff-en" not in inbox_ids(reviewer, "flag=handoff%3Aopen")
    assert "handoff-en" in inbox_ids(reviewer, "flag=handoff%3Aclosed")
    assert "handoff-en" in inbox_ids(reviewer, "reviewed=yes")
    assert "handoff-en" not in inbox_ids(reviewer, "reviewed=no")
    assert inbox_ids(reviewer, "tag=suivi+courriel") == ["handoff-en"]


def test_a_new_handoff_after_closing_opens_the_conversation_again(review_site: ReviewSite, admin: StaffClient) -> None:
    sender = "handoff-twice"
    flag = {"kind": "handoff", "reason": "asked_for_person", "status": "open", "language": "fr", "at": "a"}
    write_events(
        review_site.tracker_url,
        sender,
        [{"event": "slot", "timestamp": 1795014000.0, "name": "flags", "value": [flag]}],
    )
    assert sender in inbox_ids(admin, "flag=handoff%3Aopen")
    token = admin.get(f"/conversation?id={sender}").csrf_token()
    admin.post("/conversation/handoff", {"id": sender, "csrf_token": token})
    assert sender not in inbox_ids(admin, "flag=handoff%3Aopen")
    second = {**flag, "at": "b", "reason": "not_understood_twice"}
    write_events(
        review_site.tracker_url,
        sender,
        [{"event": "slot", "timestamp": 1795014100.0, "name": "flags", "value": [flag, second]}],
    )
    assert sender in inbox_ids(admin, "flag=handoff%3Aopen")  # new events are indexed on the next request


def test_csv_and_jsonl_exports_hold_the_filtered_conversations(admin: StaffClient) -> None:
    response = admin.get("/export.csv?flag=emergency")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = csv_of(response.body)
    conversations = {row["conversation"] for row in rows}
    assert "emergency-fr" in conversations and "handoff-en" not in conversations
    fire = next(row for row in rows if row["text"] == "Il y a un feu dans la maison de mon voisin")
    assert fire["intent"] == "report_life_threatening_emergency" and fire["language"] == "fr"
    assert "emergency" in fire["flags"].split() and fire["time"].startswith("2026-11-18T10:00:10-05:00")
    lines = admin.get("/export.jsonl?flag=handoff").body.splitlines()
    records = [json.loads(line) for line in lines]
    assert {"handoff-en"} <= {record["conversation"] for record in records}
    assert all(any(flag["kind"] == "handoff" for flag in record["flags"]) for record in records)


def test_csv_export_neutralises_spreadsheet_formulas(review_site: ReviewSite, admin: StaffClient) -> None:
    write_events(
        review_site.tracker_url,
        "formula",
        [resident_message(AFTER_HOURS_TS, '=HYPERLINK("http://evil.example","clic")', "out_of_scope", "fr")],
    )
    rows = csv_of(admin.get("/export.csv?search=hyperlink").body)
    assert [row["text"] for row in rows] == ['\'=HYPERLINK("http://evil.example","clic")']


def test_export_for_training_writes_rasa_nlu_yaml_in_the_message_language(admin: StaffClient) -> None:
    page = admin.get("/conversation?id=new-kind")
    event_id = page.body.split('name="event" value="')[1].split('"')[0]
    response = admin.post(
        "/export/training",
        {"id": "new-kind", "event": [event_id], "intent": "ask_media_relations", "csrf_token": page.csrf_token()},
    )
    assert response.status == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="fr-ask_media_relations.yml"'
    data = yaml.safe_load(response.body)
    assert data["version"] == "3.1"
    assert data["nlu"] == [
        {"intent": "ask_media_relations", "examples": "- Je suis journaliste au Devoir, mon numéro est [PHONE]\n"}
    ]
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    examples = RasaYAMLReader().reads(response.body).training_examples
    assert [(example.get("text"), example.get("intent")) for example in examples] == [
        ("Je suis journaliste au Devoir, mon numéro est [PHONE]", "ask_media_relations")
    ]
    refused = admin.post(
        "/export/training",
        {"id": "new-kind", "event": [event_id], "intent": "not_an_intent", "csrf_token": page.csrf_token()},
    )
    assert refused.status == 400
    nothing = admin.post("/export/training", {"id": "new-kind", "intent": "greet", "csrf_token": page.csrf_token()})
    assert nothing.status == 400


def test_overview_counts_and_chart(admin: StaffClient) -> None:
    body = admin.get("/overview").body
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in body and 'role="img"' in body
    conversations = int(body.split('id="total-conversations">')[1].split("<")[0])
    assert conversations >= 65
    assert int(body.split('id="open-handoffs">')[1].split("<")[0]) >= 1
    assert "report_life_threatening_emergency" in body or "ask_city_services" in body


def test_interface_switches_language_and_remembers_it(admin: StaffClient) -> None:
    assert "Toutes les conversations" in admin.get("/").body  # French first
    admin.get("/lang/en?next=/overview")
    for path in ("/", "/overview", "/conversation?id=emergency-fr"):
        body = admin.get(path).body
        assert 'lang="en"' in body and "All conversations" in body and "Toutes les conversations" not in body, path
    assert "Emergency (9-1-1)" in admin.get("/conversation?id=emergency-fr").body
    admin.get("/lang/fr?next=/")
    assert 'lang="fr"' in admin.get("/").body
