"""Security of the staff review app, through requests to the app (in-process): sessions, CSRF, escaping, injection,
login rate limit, password storage."""

from __future__ import annotations

import re

import sqlalchemy as sa
from review_fixtures import ADMIN, REVIEWER, SCRIPT_MESSAGE, ReviewSite

from bench.review_app import PASSWORD, StaffClient, run_cli
from review import auth, store

PAGES = [
    "/",
    "/?flag=emergency",
    "/conversation?id=emergency-fr",
    "/overview",
    "/users",
    "/privacy",
    "/export.csv",
    "/export.jsonl",
    "/nowhere",
]
FORMS = [
    "/logout",
    "/conversation/reviewed",
    "/conversation/handoff",
    "/conversation/tags",
    "/conversation/tags/remove",
    "/conversation/notes",
    "/conversation/notes/edit",
    "/conversation/notes/delete",
    "/conversation/assign",
    "/export/training",
    "/users",
    "/users/remove",
    "/privacy/forget",
]


def test_every_page_without_a_session_redirects_to_the_login_page(review_site: ReviewSite) -> None:
    anonymous = review_site.client(None)
    for path in PAGES:
        response = anonymous.get(path)
        assert response.status == 303, path
        assert response.headers["Location"].startswith("/login?next="), path
    for path in FORMS:
        response = anonymous.post(path, {"id": "emergency-fr", "note": "x", "csrf_token": "guess"})
        assert response.status == 303 and response.headers["Location"].startswith("/login"), path
    assert anonymous.get("/login").status == 200


def test_a_forged_or_altered_session_cookie_is_no_session(review_site: ReviewSite, admin: StaffClient) -> None:
    assert admin.get("/").status == 200
    cookie = next(cookie for cookie in admin.cookies if cookie.name == "review_session")
    value, signature = str(cookie.value).rsplit(".", 1)
    cookie.value = value[:-1] + ("A" if value[-1] != "A" else "B") + "." + signature  # another session id
    assert admin.get("/").status == 303


def test_session_cookie_is_httponly_samesite_and_signed(review_site: ReviewSite) -> None:
    client = review_site.client(None)
    token = client.get("/login").csrf_token()
    response = client.post("/login", {"name": ADMIN, "password": PASSWORD, "csrf_token": token})
    set_cookie = " ".join(response.headers.get_all("Set-Cookie") or [])
    assert "review_session=" in set_cookie
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    session_value = next(cookie.value for cookie in client.cookies if cookie.name == "review_session")
    assert auth.unsign(session_value, review_site.env["REVIEW_SECRET_KEY"]) is not None
    assert auth.unsign(session_value, "another key") is None


def test_a_form_posted_without_the_csrf_token_is_refused_and_changes_nothing(
    review_site: ReviewSite, admin: StaffClient
) -> None:
    note = "note posted by a forged form"
    for fields in ({"id": "emergency-fr", "note": note}, {"id": "emergency-fr", "note": note, "csrf_token": "x"}):
        response = admin.post("/conversation/notes", fields)
        assert response.status == 403
        assert "expired" in response.body or "expiré" in response.body
    assert note not in admin.get("/conversation?id=emergency-fr").body
    # The same form with the session's token goes through: the refusal was about the token.
    token = admin.get("/conversation?id=emergency-fr").csrf_token()
    assert admin.post("/conversation/notes", {"id": "emergency-fr", "note": note, "csrf_token": token}).status == 303
    assert note in admin.get("/conversation?id=emergency-fr").body


def test_the_new_staff_forms_refuse_a_forged_post_too(review_site: ReviewSite, admin: StaffClient) -> None:
    """Assigning, editing and deleting a note: a page elsewhere must not do them with the staff member's cookie."""
    token = admin.get("/conversation?id=rude-en").csrf_token()
    admin.post("/conversation/notes", {"id": "rude-en", "note": "à garder", "csrf_token": token})
    note_id = re.findall(r'<li id="note-(\d+)">', admin.get("/conversation?id=rude-en").body)[-1]
    for path, fields in (
        ("/conversation/assign", {"holder": ADMIN}),
        ("/conversation/notes/edit", {"note_id": note_id, "note": "remplacée"}),
        ("/conversation/notes/delete", {"note_id": note_id}),
    ):
        assert admin.post(path, {"id": "rude-en", "csrf_token": "forged", **fields}).status == 403, path
    page = admin.get("/conversation?id=rude-en").body
    assert "à garder" in page and "remplacée" not in page and f"<strong>{ADMIN}</strong>" not in page


def test_login_form_without_its_csrf_token_is_refused(review_site: ReviewSite) -> None:
    client = review_site.client(None)
    client.get("/login")
    response = client.post("/login", {"name": ADMIN, "password": PASSWORD})
    assert response.status == 403
    assert not any(cookie.name == "review_session" for cookie in client.cookies)


def test_a_resident_message_with_script_and_html_is_shown_escaped(review_site: ReviewSite, admin: StaffClient) -> None:
    for page in ("/conversation?id=xss-resident", "/?search=pwned"):
        body = admin.get(page).body
        assert "<script>" not in body and "<img src=x" not in body and "<b>gras</b>" not in body, page
    # Exports keep the words as written (they are data), served as downloads a browser never renders as HTML.
    export = admin.get("/export.jsonl?search=pwned")
    assert SCRIPT_MESSAGE.replace('"', '\\"') in export.body
    assert export.headers["Content-Type"].startswith("application/jsonl")
    assert export.headers["Content-Disposition"].startswith("attachment")
    assert export.headers["X-Content-Type-Options"] == "nosniff"
    transcript = admin.get("/conversation?id=xss-resident").body
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;&lt;b&gt;gras&lt;/b&gt;" in transcript
    assert "Merci &lt;b&gt;pour&lt;/b&gt; votre message" in transcript
    assert "script-src" not in transcript and "default-src 'none'" in admin.get("/").headers["Content-Security-Policy"]


def test_filters_and_search_are_not_injectable(review_site: ReviewSite, admin: StaffClient) -> None:
    everything = admin.get("/?view=all").body
    total = everything.split('id="count"')[1].split("</p>")[0]
    hostile = [
        "/?search=%27%20OR%201%3D1%20--",
        "/?search=%25",
        "/?search=_",
        "/?flag=x%27%20OR%20%271%27%3D%271",
        "/?intent=%25",
        "/?language=fr%27--",
        "/?channel=%7C",
        "/?tag=%27%3B%20DROP%20TABLE%20events%3B--",
        "/?sort=last_ts%3B%20DROP%20TABLE%20review_users",
        "/?page=-1",
        "/?page=abc",
        "/?view=%27%20OR%201%3D1",
        "/?end=9999-12-31&start=0001-01-01",
        "/?start=2026-13-45&end=%3Cscript%3E",
        "/conversation?id=%27%20OR%201%3D1--",
        "/export.csv?search=%27%20OR%201%3D1%20--",
    ]
    for path in hostile:
        response = admin.get(path)
        assert response.status in {200, 404}, (path, response.status)
    for path in hostile[:8]:  # taken literally, none of these matches a conversation (a wildcard would match all)
        count = admin.get(path).body.split('id="count"')[1].split("</p>")[0]
        assert re.search(r">0 (sur|of) 0 conversations", count), (path, count)
    # Nothing was dropped, and the unfiltered inbox still counts the same.
    assert admin.get("/?view=all").body.split('id="count"')[1].split("</p>")[0] == total
    assert review_site.client(None).log_in(ADMIN, PASSWORD).status == 303  # review_users still there


def test_wrong_passwords_are_rate_limited(review_site: ReviewSite) -> None:
    name = "carol"
    created = run_cli(review_site.env, "users", "add", name, "--password-stdin", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    client = review_site.client(None)
    statuses = [client.log_in(name, f"wrong password {attempt}").status for attempt in range(5)]
    assert statuses == [401] * 5
    refused = client.log_in(name, PASSWORD)  # even the right password, until the window has passed
    assert refused.status == 429
    assert "15 minutes" in refused.body
    assert not any(cookie.name == "review_session" for cookie in client.cookies)
    # Another account is not locked by carol's failures.
    assert review_site.client(None).log_in(REVIEWER, PASSWORD).status == 303


def test_passwords_are_stored_as_slow_salted_hashes(review_site: ReviewSite) -> None:
    engine = sa.create_engine(review_site.review_url)
    with engine.connect() as connection:
        hashes = dict(connection.execute(sa.select(store.users.c.name, store.users.c.password_hash)).all())
    engine.dispose()
    assert hashes[ADMIN] != hashes[REVIEWER]  # salted: the same password, two different hashes
    for stored in hashes.values():
        assert PASSWORD not in stored
        assert stored.startswith(f"scrypt${auth.SCRYPT_N}$")
        assert auth.verify_password(PASSWORD, stored)
        assert not auth.verify_password(PASSWORD + "!", stored)


def test_a_reviewer_cannot_manage_users_but_an_admin_can(
    review_site: ReviewSite, admin: StaffClient, reviewer: StaffClient
) -> None:
    assert reviewer.get("/users").status == 403
    token = reviewer.get("/").csrf_token()
    refused = reviewer.post("/users", {"name": "mallory", "password": "x" * 12, "role": "admin", "csrf_token": token})
    assert refused.status == 403
    assert "mallory" not in admin.get("/users").body
    token = admin.get("/users").csrf_token()
    added = admin.post(
        "/users", {"name": "dave", "password": "long enough pw", "role": "reviewer", "csrf_token": token}
    )
    assert added.status == 303 and "dave" in admin.get("/users?done=user_added").body
    token = admin.get("/users").csrf_token()
    again = admin.post("/users", {"name": "dave", "password": "long enough pw", "role": "admin", "csrf_token": token})
    assert again.status == 400 and "Ce nom d&#39;utilisateur existe déjà." in again.body
    assert review_site.client(None).log_in("dave", "long enough pw").status == 303


def test_logging_out_ends_the_session_on_the_server(review_site: ReviewSite, admin: StaffClient) -> None:
    stolen = next(cookie for cookie in admin.cookies if cookie.name == "review_session")
    token = admin.get("/").csrf_token()
    assert admin.post("/logout", {"csrf_token": token}).status == 303
    assert admin.get("/").status == 303
    replay = review_site.client(None)
    replay.cookies.set_cookie(stolen)  # the cookie as it was before logging out, sent again: it opens nothing
    assert replay.get("/").status == 303


def test_language_switch_only_redirects_inside_the_app(review_site: ReviewSite, admin: StaffClient) -> None:
    response = admin.get("/lang/en?next=https://evil.example/")
    assert response.status == 303 and response.headers["Location"] == "/"
    response = admin.get("/lang/en?next=//evil.example/")
    assert response.headers["Location"] == "/"
    assert "Log out" in admin.get("/").body
    admin.get("/lang/fr?next=/")
    assert "Se déconnecter" in admin.get("/").body


def test_bad_input_never_produces_a_server_error(review_site: ReviewSite, admin: StaffClient) -> None:
    token = admin.get("/").csrf_token()
    requests = [
        ("GET", "/conversation?id=" + "x" * 5000, None),
        ("GET", "/conversation", None),
        ("GET", "/?start=%ff%fe&search=%00%01", None),
        ("GET", "/lang/xx?next=%0d%0aSet-Cookie:%20x=1", None),
        ("POST", "/conversation/notes", {"id": "emergency-fr", "note": "", "csrf_token": token}),
        ("POST", "/conversation/notes", {"id": "no-such-conversation", "note": "x", "csrf_token": token}),
        ("POST", "/conversation/tags", {"id": "emergency-fr", "tag": "   ", "csrf_token": token}),
        ("POST", "/conversation/reviewed", {"csrf_token": token}),
        (
            "POST",
            "/export/training",
            {"id": "emergency-fr", "event": ["abc", "-1"], "intent": "greet", "csrf_token": token},
        ),
        ("POST", "/users", {"name": "bad name!", "password": "short", "role": "god", "csrf_token": token}),
    ]
    for method, path, fields in requests:
        response = admin.request(method, path, fields)
        assert response.status < 500, (method, path, response.status)
    status = (
        review_site.client(None)
        .send(
            "POST",
            "/login",
            b"--x\r\nContent-Disposition: form-data; name=\x00\r\n\r\n\xff\xfe",
            {"Content-Type": "multipart/form-data; boundary=x"},
        )
        .status
    )
    assert status < 500
