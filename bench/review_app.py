"""Staff review app on 10,000 conversations: time to index them, and to render the inbox and a transcript.

Run: `python -m bench.review_app [--conversations 10000]`; writes bench/results/review_app.md. The conversations
are realistic rows written into a SQLite `events` table of the shape Rasa's SQLTrackerStore creates (about 12
events each, both languages, with emergencies, handoffs, netiquette flags and fallbacks mixed in), then the app
runs as `python -m review serve` does and pages are fetched over HTTP by a logged-in client, as a browser would.
The tests reuse `generate_tracker` and `StaffClient`.
"""

from __future__ import annotations

import argparse
import html
import http.cookiejar
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from pointe_claire.clock import FROZEN_TIME_ENV
from scripts.servers import _spawn, _terminate, environment, free_port

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_ROOT / "bench" / "results" / "review_app.md"
PASSWORD = "correct horse battery staple"
NEW_CONVERSATIONS = 100
# The benchmark's clock: the store is generated up to it and the app runs frozen at it, so every run measures the
# same data whatever day it runs (the Overview counts "the last 30 days").
BENCH_NOW = "2026-11-25T12:00:00-05:00"
OTHER_LANGUAGES = 0.02  # conversations in no language told, counted apart on the Overview
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')

# --- synthetic tracker store ------------------------------------------------------------------------------------

# The assistant's own table, as Rasa's SQL tracker store defines it (columns, index on sender_id).
_events = SQLTrackerStore.SQLEvent.__table__

_MESSAGES = {
    "fr": [
        ("ask_city_services", "Quand passe la collecte des encombrants sur ma rue?"),
        ("report_problem", "Il y a un nid-de-poule énorme devant le [ADDRESS]"),
        ("ask_events", "Quelles activités pour les enfants cette fin de semaine?"),
        ("ask_jobs", "Est-ce que la Ville embauche des sauveteurs cet été?"),
        ("greet", "Bonjour"),
        ("thank", "merci beaucoup"),
    ],
    "en": [
        ("ask_city_services", "When is bulky item pickup on my street?"),
        ("report_problem", "Streetlight out in front of [ADDRESS], call me at [PHONE]"),
        ("ask_events", "What's on at the library this weekend?"),
        ("ask_council", "When is the next council meeting?"),
        ("greet", "Hi there"),
        ("thank", "thanks!"),
    ],
}
_EMERGENCY = {
    "fr": ("report_life_threatening_emergency", "Il y a un feu dans la maison de mon voisin", "life_threatening"),
    "en": ("report_municipal_emergency", "Water main break on my street, water everywhere", "municipal"),
}
_RUDE = {"fr": "Vous êtes une bande d'incompétents", "en": "You are all a bunch of idiots"}
_FALLBACK = {"fr": "blork zzz qwerty", "en": "asdf ghjk lorem"}


def _user(ts: float, text: str, intent: str, language: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    parse_data: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.97},
        "entities": [{"entity": "language", "value": language, "extractor": "LanguageDetector"}],
        "intent_ranking": [{"name": intent, "confidence": 0.97}],
        "message_id": f"{random.getrandbits(64):016x}",
        "metadata": {},
        **(extra or {}),
    }
    return {
        "event": "user",
        "timestamp": ts,
        "text": text,
        "parse_data": parse_data,
        "input_channel": "rest",
        "message_id": parse_data["message_id"],
        "metadata": {},
    }


def _action(ts: float, name: str) -> dict[str, Any]:
    return {"event": "action", "timestamp": ts, "name": name, "policy": "RulePolicy", "confidence": 1.0}


def _bot(ts: float, text: str) -> dict[str, Any]:
    return {"event": "bot", "timestamp": ts, "text": text, "data": {}, "metadata": {"utter_action": "utter_x"}}


def _slot(ts: float, name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "timestamp": ts, "name": name, "value": value}


def conversation_events(rng: random.Random, start: float) -> list[dict[str, Any]]:
    """About 12 events: session start, two or three resident turns, their replies; some flagged."""
    language = rng.choice(("fr", "en"))
    ts = start
    events = [_action(ts, "action_session_start"), {"event": "session_started", "timestamp": ts}]
    events.append(_action(ts, "action_listen"))
    roll = rng.random()
    intent, text = rng.choice(_MESSAGES[language])
    turns: list[tuple[str, str, dict[str, Any]]] = [(text, intent, {})]
    if roll < 0.03:
        intent, text, kind = _EMERGENCY[language]
        turns.append((text, intent, {"safety_net": {"kind": kind, "phrase": text.split()[3]}}))
    elif roll < 0.07:
        turns.append(
            (
                _RUDE[language],
                "netiquette_violation",
                {"netiquette": [{"rule": "abuse", "threat": False, "language": language}]},
            )
        )
    elif roll < 0.15:
        turns.append((_FALLBACK[language], "nlu_fallback", {}))
    intent, text = rng.choice(_MESSAGES[language])
    turns.append((text, intent, {}))
    for text, intent, extra in turns:
        ts += rng.uniform(5, 90)
        events.append(_user(ts, text, intent, language, extra))
        events.append(_slot(ts, "language", language))
        action = "action_handle_fallback" if intent == "nlu_fallback" else f"utter_{intent}"
        events.append(_action(ts + 0.2, action))
        events.append(_bot(ts + 0.2, f"Réponse / answer to {intent}"))
        events.append(_action(ts + 0.3, "action_listen"))
    if 0.15 <= roll < 0.20:
        ts += 30
        events.append(
            _user(
                ts,
                "Je veux parler à quelqu'un" if language == "fr" else "I want to talk to a human",
                "ask_for_human",
                language,
            )
        )
        events.append(_action(ts + 0.2, "action_hand_off_to_staff"))
        at = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(ts))
        events.append(
            _slot(
                ts + 0.2,
                "flags",
                [{"kind": "handoff", "reason": "asked_for_person", "status": "open", "language": language, "at": at}],
            )
        )
        events.append(_bot(ts + 0.2, "Un membre du personnel vous répondra / staff will answer"))
        events.append(_action(ts + 0.3, "action_listen"))
    return events


def _row(sender: str, event: dict[str, Any]) -> dict[str, Any]:
    """The row Rasa's SQLTrackerStore writes for an event."""
    return {
        "sender_id": sender,
        "type_name": event["event"],
        "timestamp": event["timestamp"],
        "intent_name": event["parse_data"]["intent"]["name"] if event["event"] == "user" else None,
        "action_name": event.get("name") if event["event"] == "action" else None,
        "data": json.dumps(event),
    }


def write_events(url: str, sender: str, events: list[dict[str, Any]]) -> None:
    """Appends one conversation's events to a tracker store (tests: a conversation with a given content)."""
    engine = sa.create_engine(url, future=True)
    _events.create(engine, checkfirst=True)
    with engine.begin() as connection:
        connection.execute(_events.insert(), [_row(sender, event) for event in events])
    engine.dispose()


def resident_message(ts: float, text: str, intent: str, language: str, **parse_data: Any) -> dict[str, Any]:
    return _user(ts, text, intent, language, parse_data)


def slot_event(ts: float, name: str, value: Any) -> dict[str, Any]:
    return _slot(ts, name, value)


def in_no_language(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation as one in a language the assistant cannot tell (Spanish, say): no language entity, no
    language slot; its messages keep their intents."""
    kept = [event for event in events if not (event["event"] == "slot" and event["name"] == "language")]
    for event in kept:
        if event["event"] == "user":
            event["parse_data"]["entities"] = []
    return kept


def generate_tracker(
    url: str,
    conversations: int,
    seed: int = 7,
    days: int = 60,
    end: float | None = None,
    other_languages: float = 0.0,
) -> int:
    """Writes `conversations` conversations spread over the `days` days before `end` (default: now); returns the
    number of events. Tests and the benchmark pass a fixed `end`, so the data never depends on the day they run.
    `other_languages`: the share of conversations in no language told (drawn apart, so the others stay as they
    were for a seed)."""
    engine = sa.create_engine(url, future=True)
    _events.create(engine, checkfirst=True)
    rng = random.Random(seed)
    languages_rng = random.Random(seed + 1)
    random.seed(seed)
    end = time.time() if end is None else end
    rows: list[dict[str, Any]] = []
    written = 0
    with engine.begin() as connection:
        for number in range(conversations):
            sender = f"bench-{seed}-{number:06d}"
            events = conversation_events(rng, end - rng.uniform(0, days * 86400))
            if languages_rng.random() < other_languages:
                events = in_no_language(events)
            rows.extend(_row(sender, event) for event in events)
            if len(rows) >= 5000:
                connection.execute(_events.insert(), rows)
                written += len(rows)
                rows = []
        if rows:
            connection.execute(_events.insert(), rows)
            written += len(rows)
    engine.dispose()
    return written


def generate_staff_work(tracker_url: str, review_url: str, until: float, seed: int = 7) -> int:
    """What staff did about the handoffs of a generated store, in the review database's change log as the app
    writes it: a reply to about 3 in 4 (minutes to two days after the request), then the handoff closed for about
    2 in 3 of those (up to three days later); nothing dated after `until` (the fixed clock of the benchmark and
    tests). Returns the number of changes written."""
    from review import staff, store  # the app's tables; imported here, the tracker-only callers need none of it

    tracker = sa.create_engine(tracker_url, future=True)
    with tracker.connect() as connection:
        asked = connection.execute(
            sa.select(_events.c.sender_id, sa.func.min(_events.c.timestamp))
            .where(_events.c.type_name == "slot", _events.c.data.like('%"kind": "handoff"%'))
            .group_by(_events.c.sender_id)
            .order_by(_events.c.sender_id)
        ).all()
    tracker.dispose()
    rng = random.Random(seed)
    changes: list[dict[str, Any]] = []
    closed: list[dict[str, Any]] = []
    for sender, at in asked:
        if rng.random() < 0.75 and (replied := at + rng.uniform(300, 2 * 86400)) <= until:
            changes.append({"sender_id": sender, "change": staff.STAFF_REPLY, "detail": "", "at": replied})
            if rng.random() < 0.67 and (done := replied + rng.uniform(0, 3 * 86400)) <= until:
                changes.append({"sender_id": sender, "change": staff.HANDOFF_CLOSED, "detail": "1", "at": done})
                closed.append({"sender_id": sender, "reviewed": False, "handoffs_closed": 1})
    review = store.review_engine(review_url)
    with review.begin() as connection:
        if changes:
            connection.execute(store.changes.insert(), [{**change, "user_name": "bench"} for change in changes])
        if closed:
            connection.execute(store.marks.insert(), closed)
    review.dispose()
    return len(changes)


# --- a logged-in staff member, over HTTP ------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Response:
    status: int
    body: str
    headers: Message  # case-insensitive, like HTTP's

    def csrf_token(self) -> str:
        found = _CSRF.search(self.body)
        if not found:
            raise AssertionError(f"no CSRF token in the page:\n{self.body[:1000]}")
        return html.unescape(found.group(1))


class StaffClient:
    """Cookies kept like a browser's; redirects not followed, so tests see them."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def request(self, method: str, path: str, fields: dict[str, Any] | None = None) -> Response:
        if method != "POST":
            return self.send(method, path)
        body = urllib.parse.urlencode(fields or {}, doseq=True).encode()
        return self.send(method, path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def send(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        """Any body as it is, e.g. a malformed form."""
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers or {}, method=method)
        try:
            with self._opener.open(request, timeout=60) as answer:
                return Response(answer.status, answer.read().decode("utf-8"), answer.headers)
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode("utf-8", "replace"), error.headers)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, Any]) -> Response:
        return self.request("POST", path, fields)

    def log_in(self, name: str, password: str) -> Response:
        token = self.get("/login").csrf_token()
        return self.post("/login", {"name": name, "password": password, "csrf_token": token, "next": "/"})


# --- the app, as `make review` runs it ------------------------------------------------------------------------


@dataclass
class ReviewServer:
    base_url: str
    env: dict[str, str]


def review_environment(tracker_url: str, review_url: str) -> dict[str, str]:
    return {
        "REVIEW_TRACKER_DB_URL": tracker_url,
        "REVIEW_DB_URL": review_url,
        "REVIEW_SECRET_KEY": "bench-and-tests-secret-key-not-for-production",
    }


def run_cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "review", *args],
        input=stdin,
        text=True,
        capture_output=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **env},
        timeout=120,
    )


@contextmanager
def review_server(
    tracker_url: str, review_url: str, workdir: Path, frozen_time: str | None = None
) -> Iterator[ReviewServer]:
    """`python -m review serve` on a free port, with its own environment; stopped after the block.

    `frozen_time` (ISO 8601 with offset) pins the app's clock, so pages that count "the last 30 days" do not
    depend on the day the tests run."""
    env = review_environment(tracker_url, review_url)
    if frozen_time:
        env[FROZEN_TIME_ENV] = frozen_time
    port = free_port()
    with environment(env):  # _spawn passes the environment of this process
        process = _spawn(
            [sys.executable, "-m", "review", "serve", "--port", str(port)],
            PROJECT_ROOT,
            workdir / "review.log",
            f"http://127.0.0.1:{port}/login",
        )
    try:
        yield ReviewServer(f"http://127.0.0.1:{port}", env)
    finally:
        _terminate(process)


# --- the benchmark ----------------------------------------------------------------------------------------------


def _timed(client: StaffClient, path: str, repeats: int) -> list[float]:
    durations = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path)
        durations.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise AssertionError(f"{path}: {response.status}")
    return durations


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="review-bench-") as tmp:
        workdir = Path(tmp)
        tracker_url, review_url = f"sqlite:///{workdir / 'tracker.db'}", f"sqlite:///{workdir / 'review.db'}"
        now = datetime.fromisoformat(BENCH_NOW).timestamp()
        started = time.perf_counter()
        events = generate_tracker(tracker_url, args.conversations, end=now, other_languages=OTHER_LANGUAGES)
        generated = time.perf_counter() - started
        env = review_environment(tracker_url, review_url)
        created = run_cli(env, "users", "add", "bench", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
        assert created.returncode == 0, created.stderr
        staff_changes = generate_staff_work(tracker_url, review_url, until=now)
        load_before = os.getloadavg()
        started = time.perf_counter()
        with review_server(tracker_url, review_url, workdir, frozen_time=BENCH_NOW) as server:  # indexes first
            indexed = time.perf_counter() - started
            client, english = StaffClient(server.base_url), StaffClient(server.base_url)
            for staff_client in (client, english):
                assert staff_client.log_in("bench", PASSWORD).status == 303
            english.get("/lang/en?next=/")
            sender = f"bench-7-{args.conversations // 2:06d}"
            pages = {
                "action queue (the default view: open handoffs, flagged, emergencies)": "/",
                "action queue, page 20 of the flagged": "/?page=20",
                "all conversations (emergencies and handoffs first)": "/?view=all",
                "all conversations, page 50": "/?view=all&page=50",
                "inbox, filter flag=emergency + language=fr": "/?flag=emergency&language=fr",
                "inbox, free-text search": "/?search=nid-de-poule",
                "inbox, free-text search, accents and hyphens folded": "/?search=NID%20DE%20P%C3%94ULE",
                "inbox, handoff open, newest": "/?flag=handoff%3Aopen&sort=newest",
                "inbox, a key figure's link (other languages, after hours, 30 days)": (
                    "/?view=all&language=other&flag=after_hours&start=2026-10-27&end=2026-11-25"
                ),
                "mine (conversations held)": "/?view=mine",
                "transcript": "/conversation?" + urllib.parse.urlencode({"id": sender}),
                "transcript opened from the queue (previous/next)": "/conversation?"
                + urllib.parse.urlencode({"id": sender, "back": "/"}),
                "transcript opened from all conversations (previous/next)": "/conversation?"
                + urllib.parse.urlencode({"id": sender, "back": "/?view=all"}),
                "overview, 7 days": "/overview?days=7",
                "overview, 30 days (default)": "/overview",
                "overview, 90 days": "/overview?days=90",
            }
            results = {name: _timed(client, path, args.repeats) for name, path in pages.items()}
            results["overview, 30 days, in English"] = _timed(english, "/overview", args.repeats)
            # The assistant keeps writing while staff read: the next request indexes what arrived since the last.
            generate_tracker(tracker_url, NEW_CONVERSATIONS, seed=8, days=1, end=now)
            results[f"inbox, first request after {NEW_CONVERSATIONS} new conversations"] = _timed(client, "/", 1)
        load_after = os.getloadavg()
    lines = [
        "# Staff review app on a large tracker store (`python -m bench.review_app`)",
        "",
        f"{args.conversations:,} conversations ({OTHER_LANGUAGES:.0%} in no language told), {events:,} events in "
        f"SQLite (generated in {generated:.1f} s, up to the fixed clock {BENCH_NOW}, at which the app runs); "
        f"{staff_changes} staff replies and closings; index built at start-up in {indexed:.1f} s (server start "
        "included).",
        f"Load average (1, 5, 15 min) before: {', '.join(f'{value:.1f}' for value in load_before)}; after: "
        f"{', '.join(f'{value:.1f}' for value in load_after)} on {os.cpu_count()} cores.",
        f"Each page fetched {args.repeats} times over HTTP by a logged-in client (full server time, HTML included).",
        "",
        "| page | median ms | p95 ms | max ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, durations in results.items():
        ordered = sorted(durations)
        # The 95th percentile between samples (with 20 samples, not simply the maximum); one sample is its own.
        p95 = statistics.quantiles(ordered, n=20, method="inclusive")[-1] if len(ordered) > 1 else ordered[0]
        lines.append(f"| {name} | {statistics.median(ordered):.1f} | {p95:.1f} | {ordered[-1]:.1f} |")
    report = "\n".join(lines) + "\n"
    RESULTS.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
