"""The staff review app's bugs of issue 16, each held by the behaviour staff expect: "Back" keeps the filters, other
languages filter, far dates are no error, a closed handoff reads closed, search folds accents and hyphens, the CSV
opens in Excel, JSON Lines keeps a flag's kind, the Overview's "not understood" rows link somewhere, notes can be
edited and deleted by their author, intents and handoff details read in French."""

from __future__ import annotations

import html
import json
import re
import urllib.parse

import pytest
import sqlalchemy as sa
from review_fixtures import ADMIN, AFTER_HOURS_TS, OFFICE_HOURS_TS, REVIEWER, ReviewSite
from test_review_pages import count_of, csv_of, inbox_ids

from bench.review_app import PASSWORD, StaffClient, resident_message, slot_event, write_events
from review import auth, store
from review.i18n import INTENT_LABELS, Translator
from review.routes.conversation import domain_intents

_BACK = re.compile(r'<a href="([^"]*)">(?:Retour|Back)</a>')


def found(pattern: str, text: str) -> str:
    """The first group of `pattern` in `text`, which must hold it."""
    match = re.search(pattern, text)
    assert match, pattern
    return match.group(1)


def back_link(body: str) -> str:
    found = _BACK.search(body)
    assert found, "no Back link"
    return html.unescape(found.group(1))


def follow(client: StaffClient, response_location: str) -> str:
    return client.get(response_location).body


def unknown_language_message(ts: float, text: str) -> dict:
    """A resident message the language detector could not place (no language entity)."""
    event = resident_message(ts, text, "other_language", "fr")
    event["parse_data"]["entities"] = []
    return event


def test_back_returns_to_the_filtered_inbox_after_every_staff_action(admin: StaffClient) -> None:
    inbox = "/?view=all&flag=handoff%3Aopen&language=en&sort=oldest"
    link = next(
        html.unescape(part.split('"')[0])
        for part in admin.get(inbox).body.split('class="conversation-link" href="')[1:]
        if "handoff-en" in part.split('"')[0]
    )
    page = admin.get(link).body
    expected = back_link(page)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(expected).query)["flag"] == ["handoff:open"]
    token = admin.get(link).csrf_token()
    for path, fields in (
        ("/conversation/reviewed", {"reviewed": "yes"}),
        ("/conversation/tags", {"tag": "rappel"}),
        ("/conversation/tags/remove", {"tag": "rappel"}),
        ("/conversation/notes", {"note": "Courriel envoyé"}),
        ("/conversation/handoff", {}),
    ):
        hidden = html.unescape(found(r'name="back" value="([^"]*)"', page))
        response = admin.post(path, {"id": "handoff-en", "csrf_token": token, "back": hidden, **fields})
        assert response.status == 303, path
        page = follow(admin, response.headers["Location"])
        assert back_link(page) == expected, path


def test_a_back_address_to_another_site_is_not_followed(admin: StaffClient) -> None:
    token = admin.get("/conversation?id=emergency-fr").csrf_token()
    response = admin.post(
        "/conversation/tags", {"id": "emergency-fr", "tag": "x", "csrf_token": token, "back": "//evil.example/"}
    )
    assert back_link(follow(admin, response.headers["Location"])) == "/"


def test_conversations_in_another_language_are_a_filter_choice_and_the_overview_links_to_them(
    review_site: ReviewSite, admin: StaffClient
) -> None:
    write_events(review_site.tracker_url, "other-language", [unknown_language_message(OFFICE_HOURS_TS + 40, "Hola")])
    inbox = admin.get("/?view=all").body
    option = inbox.split('<option value="?">')[1].split("</option>")[0]
    assert option == "? (autre ou inconnue) (1)"
    assert inbox_ids(admin, "view=all&language=%3F") == ["other-language"]
    overview = admin.get("/overview").body
    link = html.unescape(found(r'href="(/\?[^"]*language=%3F[^"]*)"', overview))
    assert inbox_ids(admin, link[2:]) == ["other-language"]


@pytest.mark.parametrize("query", ["end=9999-12-31", "start=0001-01-01&end=9999-12-31", "start=9999-12-31"])
def test_dates_at_the_ends_of_the_calendar_give_pages_not_server_errors(admin: StaffClient, query: str) -> None:
    for path in ("/?view=all&", "/export.csv?", "/export.jsonl?"):
        response = admin.get(path + query)
        assert response.status == 200, (path, response.status)
    assert count_of(admin, "view=all&end=9999-12-31") == count_of(admin, "view=all")
    assert count_of(admin, "view=all&start=9999-12-31") == 0


def test_a_closed_handoff_reads_closed_with_its_time_in_montreal(review_site: ReviewSite, admin: StaffClient) -> None:
    record = {
        "kind": "handoff",
        "reason": "not_understood_twice",
        "status": "open",
        "language": "fr",
        "at": "2026-11-21T03:00:00+00:00",
    }
    write_events(review_site.tracker_url, "handoff-closed-time", [slot_event(AFTER_HOURS_TS, "flags", [record])])
    before = admin.get("/conversation?id=handoff-closed-time")
    assert "état : ouvert" in before.body and "date : 2026-11-20 22:00" in before.body
    admin.post("/conversation/handoff", {"id": "handoff-closed-time", "csrf_token": before.csrf_token()})
    after = admin.get("/conversation?id=handoff-closed-time").body
    assert "état : fermé" in after and "date : 2026-11-20 22:00" in after
    assert "status: open" not in after and "2026-11-21T03:00:00" not in after
    assert "motif : non compris deux fois de suite" in after


def test_search_ignores_accents_case_hyphens_and_apostrophes_in_both_languages(
    review_site: ReviewSite, admin: StaffClient
) -> None:
    write_events(
        review_site.tracker_url,
        "sewer-fr",
        [resident_message(OFFICE_HOURS_TS + 50, "L'égout est bouché devant chez moi", "report_problem", "fr")],
    )
    write_events(
        review_site.tracker_url,
        "cafe-en",
        [resident_message(OFFICE_HOURS_TS + 60, "Is the library CAFÉ open on Sunday?", "ask_city_services", "en")],
    )
    for needle in ("egout", "ÉGOUT", "l egout", "l’égout"):
        assert inbox_ids(admin, "view=all&search=" + urllib.parse.quote(needle)) == ["sewer-fr"], needle
    assert inbox_ids(admin, "view=all&search=cafe") == ["cafe-en"]
    hyphenated = count_of(admin, "view=all&search=nid-de-poule")
    assert hyphenated > 0
    assert count_of(admin, "view=all&search=nid+de+poule") == hyphenated
    assert count_of(admin, "view=all&search=NID%E2%80%93DE%E2%80%93POULE") == hyphenated  # en dashes
    assert count_of(admin, "view=all&search=%25") == 0  # a literal %, not a wildcard


def test_csv_export_starts_with_the_utf8_byte_order_mark_excel_needs(admin: StaffClient) -> None:
    rows = csv_of(admin.get("/export.csv?view=all&flag=emergency&language=fr").body)
    assert any(row["text"] == "Il y a un feu dans la maison de mon voisin" for row in rows)


def test_jsonl_export_keeps_each_flags_kind_beside_its_own_record(admin: StaffClient) -> None:
    lines = admin.get("/export.jsonl?search=voisin&flag=emergency").body.splitlines()
    record = next(json.loads(line) for line in lines if json.loads(line)["conversation"] == "emergency-fr")
    emergency = next(flag for flag in record["flags"] if flag["key"] == "emergency")
    assert emergency["kind"] == "emergency"
    assert emergency["details"]["kind"] == "life_threatening" and emergency["details"]["phrase"] == "feu"


def test_overview_not_understood_rows_are_never_blank_and_link_to_their_conversation(
    review_site: ReviewSite, admin: StaffClient
) -> None:
    for number in range(4):  # more often than any worded message: the first row, were blanks counted
        write_events(
            review_site.tracker_url,
            f"sticker-{number}",
            [resident_message(OFFICE_HOURS_TS + 70 + number, "  ", "nlu_fallback", "fr")],
        )
    table = admin.get("/overview").body.split('id="top-fallbacks"')[1].split("</table>")[0]
    rows = table.split("<tbody>")[1].split("<tr>")[1:]
    assert rows
    for row in rows:
        link = re.search(r'<a class="fallback-link" href="([^"]*)">([^<]*)</a>', row)
        assert link and link.group(2).strip(), row
        transcript = admin.get(html.unescape(link.group(1)))
        assert transcript.status == 200 and html.escape(html.unescape(link.group(2)), quote=True) in transcript.body


def _note_ids(body: str) -> list[int]:
    return [int(found) for found in re.findall(r'<li id="note-(\d+)">', body)]


def test_notes_are_edited_and_deleted_by_their_author_or_an_admin_and_recorded(
    review_site: ReviewSite, admin: StaffClient, reviewer: StaffClient
) -> None:
    page = reviewer.get("/conversation?id=rude-en")
    token = page.csrf_token()
    reviewer.post("/conversation/notes", {"id": "rude-en", "note": "Signalé à la police", "csrf_token": token})
    note_id = _note_ids(reviewer.get("/conversation?id=rude-en").body)[-1]
    edited = reviewer.post(
        "/conversation/notes/edit",
        {"id": "rude-en", "note_id": note_id, "note": "Signalé au SPVM, dossier 44", "csrf_token": token},
    )
    assert edited.status == 303
    body = reviewer.get("/conversation?id=rude-en").body
    assert "Signalé au SPVM, dossier 44" in body and "Signalé à la police" not in body and "modifiée" in body

    engine = sa.create_engine(review_site.review_url, future=True)
    auth.add_user(engine, "carol", PASSWORD, "reviewer")
    carol = review_site.client("carol")
    carol_page = carol.get("/conversation?id=rude-en")
    assert f'name="note_id" value="{note_id}"' not in carol_page.body  # no edit or delete form for another's note
    for path in ("/conversation/notes/edit", "/conversation/notes/delete"):
        refused = carol.post(
            path, {"id": "rude-en", "note_id": note_id, "note": "effacé", "csrf_token": carol_page.csrf_token()}
        )
        assert refused.status == 403, path
    assert "Signalé au SPVM, dossier 44" in carol.get("/conversation?id=rude-en").body

    admin_token = admin.get("/conversation?id=rude-en").csrf_token()
    deleted = admin.post("/conversation/notes/delete", {"id": "rude-en", "note_id": note_id, "csrf_token": admin_token})
    assert deleted.status == 303
    assert note_id not in _note_ids(admin.get("/conversation?id=rude-en").body)
    with engine.connect() as connection:
        changes = connection.execute(
            sa.select(store.changes.c.change, store.changes.c.user_name, store.changes.c.detail)
            .where(store.changes.c.sender_id == "rude-en")
            .order_by(store.changes.c.id)
        ).all()
    engine.dispose()
    assert [tuple(row) for row in changes][-3:] == [
        ("note_added", REVIEWER, ""),
        ("note_edited", REVIEWER, str(note_id)),
        ("note_deleted", ADMIN, str(note_id)),
    ]


def test_every_intent_of_the_domain_has_a_french_and_an_english_label() -> None:
    missing = [name for name in domain_intents() if name not in INTENT_LABELS]
    assert not missing, f"add these intents to review.i18n.INTENT_LABELS: {missing}"
    for name, (french, english) in INTENT_LABELS.items():
        assert french.strip() and english.strip(), name
    assert Translator("fr").intent("ask_for_human") == "Demande à parler à une personne"
    assert Translator("en").intent("renamed_intent") == "renamed_intent"  # not yet labelled: its raw name


def test_intents_and_handoff_details_read_in_the_interface_language(admin: StaffClient) -> None:
    admin.get("/lang/fr?next=/")
    inbox = admin.get("/?view=all&flag=emergency&language=fr").body
    assert ">Urgence vitale (9-1-1)</span>" in inbox
    assert '<option value="report_life_threatening_emergency">Urgence vitale (9-1-1)' in inbox
    transcript = admin.get("/conversation?id=handoff-en").body
    assert "Demande à parler à une personne" in transcript
    assert "motif : a demandé à parler à une personne" in transcript and "asked_for_person" not in transcript
    assert ">Services municipaux</a>" in admin.get("/overview").body
    admin.get("/lang/en?next=/")
    transcript = admin.get("/conversation?id=handoff-en").body
    assert "reason: asked for a person" in transcript and "Asks for a person" in transcript
    admin.get("/lang/fr?next=/")
