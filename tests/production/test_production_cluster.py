"""The production shape, for real: two Rasa instances behind HAProxy (round-robin), sharing PostgreSQL and Redis.

One cluster for the whole module (starting a Rasa instance costs a core for about 20 s); the instance-kill
test runs last.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
import socketio

from bench.review_app import PASSWORD, review_environment, review_server, run_cli
from pointe_claire.channels.staff_relay import ACK_TIMEOUT_SECONDS
from pointe_claire.city_facts import load_city_facts
from pointe_claire.language import LinguaIdentifier
from review.conversations import conversation_events, tracker_engine, transcript
from scripts.browser import chromium_missing, headless_chromium
from scripts.cluster import Cluster
from scripts.servers import Assistant, http
from tests.production import alert_browser
from tests.production.support import STAFF_TOKEN, TOKEN, Databases

FACTS = load_city_facts().variables
IDENTIFIER = LinguaIdentifier()


def language_of(reply: str) -> str | None:
    return IDENTIFIER.identify(reply).language


def post(
    url: str, sender: str, message: str, timeout: float = 90, headers: dict[str, str] | None = None
) -> tuple[int, list[dict]]:
    body = json.dumps({"sender": sender, "message": message}).encode("utf-8")
    headers = {"Content-Type": "application/json", **(headers or {})}
    status, answer = http("POST", f"{url}/webhooks/rest/webhook", body, headers, timeout=timeout)
    return status, json.loads(answer) if status == 200 else []


def text_of(replies: list[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def user_texts(databases: Databases, sender: str) -> list[str]:
    return [json.loads(data)["text"] for kind, data in databases.events(sender) if kind == "user"]


def new_sender() -> str:
    return f"resident-{uuid.uuid4().hex[:12]}"


# --- locked down --------------------------------------------------------------------------------------------------


def test_every_instance_refuses_the_http_api_without_the_token(cluster: Cluster):
    sender = new_sender()
    for instance in cluster.instances:
        for path in (f"/conversations/{sender}/tracker", "/status", "/domain"):
            status, _ = http("GET", instance.base_url + path)
            assert status == 401, f"{instance.base_url}{path} answered {status} without the token"
            status, _ = http("GET", f"{instance.base_url}{path}?token=wrong-{TOKEN}")
            assert status == 401
        status, _ = http("GET", f"{instance.base_url}/conversations/{sender}/tracker?token={TOKEN}")
        assert status == 200


def test_the_load_balancer_forwards_the_channels_and_refuses_the_http_api(cluster: Cluster):
    for path in ("/status", f"/conversations/{new_sender()}/tracker", "/model/parse", "/version"):
        status, _ = http("GET", f"{cluster.url}{path}?token={TOKEN}")
        assert status == 403, f"HAProxy forwarded {path} ({status})"
    status, replies = post(cluster.url, new_sender(), "Bonjour, où trouver l'horaire des collectes?")
    assert status == 200 and replies
    # The web chat's socket.io handshake (polling transport) reaches an instance too.
    status, body = http("GET", f"{cluster.url}/socket.io/?EIO=4&transport=polling")
    assert status == 200 and b'"sid"' in body


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on `port` (IPv4 and IPv6), from /proc/net."""
    addresses = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                addresses.add("127.0.0.1" if address in ("0100007F", "0" * 24 + "01000000") else address[:width])
    return addresses


def test_the_instances_and_the_action_server_listen_on_localhost_only(cluster: Cluster):
    for port in [instance.port for instance in cluster.instances] + [cluster.actions.port, cluster.balancer.port]:
        assert listening_addresses(port) == {"127.0.0.1"}, f"port {port} listens on {listening_addresses(port)}"


# --- one conversation, several instances ----------------------------------------------------------------------


def test_a_conversation_alternating_between_instances_keeps_its_language_slots_and_history(
    cluster: Cluster, production_environment: Databases
):
    first, second = cluster.instances
    sender = new_sender()
    turns: list[tuple[Assistant, str]] = [
        (first, "Bonjour, je voudrais savoir quand ouvre la piscine cet été"),
        (second, "ok"),  # too short to tell: the conversation's language, stored by the other instance, holds
        (first, "merci"),
        (second, "Mon sous-sol est inondé, l'égout refoule!!"),
    ]
    replies = []
    for instance, message in turns:
        status, answer = post(instance.base_url, sender, message)
        assert status == 200 and answer
        replies.append(text_of(answer))
    assert all(language_of(reply) == "fr" for reply in replies if len(reply) > 20), replies
    assert not replies[1].startswith("You're") and "You're welcome" not in replies[2]
    assert FACTS["phone_municipal_emergency"] in replies[3]
    assert user_texts(production_environment, sender) == [message for _, message in turns]
    status, body = http("GET", f"{second.base_url}/conversations/{sender}/tracker?token={TOKEN}")
    tracker = json.loads(body)
    assert tracker["slots"]["language"] == "fr"
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == [message for _, message in turns]


def test_the_review_app_reads_the_conversations_the_instances_stored_in_postgresql(
    cluster: Cluster, production_environment: Databases
):
    sender = new_sender()
    for instance, message in zip(cluster.instances, ("Bonjour, la piscine ouvre quand?", "ok merci"), strict=True):
        assert post(instance.base_url, sender, message)[0] == 200
    # docker-compose gives the review app the instances' URL (REVIEW_TRACKER_DB_URL); it opens it read-only.
    engine = tracker_engine(production_environment.url)
    shown = transcript(conversation_events(engine, sender), sender)
    assert [turn.text for turn in shown.resident_turns] == ["Bonjour, la piscine ouvre quand?", "ok merci"]
    assert shown.language == "fr"
    assert any(turn.speaker == "assistant" for turn in shown.turns)


class WebChatPage:
    """A resident's open web chat page, as a socket.io client connected to one instance (its own session)."""

    def __init__(self, instance: Assistant) -> None:
        self.session = uuid.uuid4().hex
        self.received: queue.Queue[dict] = queue.Queue()
        confirmed = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self.received.put)
        self.client.on("session_confirm", lambda _session: confirmed.set())
        self.client.connect(instance.base_url, transports=["websocket"], wait_timeout=10)
        self.client.emit("session_request", {"session_id": self.session})
        assert confirmed.wait(10), "no session_confirm"

    @property
    def conversation(self) -> str:
        return f"webchat:{self.session}"

    def say(self, text: str) -> None:
        """Sends a message and waits for the assistant's first bubble."""
        self.client.emit("user_uttered", {"message": text, "session_id": self.session})
        self.received.get(timeout=60)

    def staff_bubble(self, timeout: float) -> dict:
        """The next bubble marked as the City's staff's (the assistant's other bubbles of the turn skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            bubble = self.received.get(timeout=max(0.01, deadline - time.monotonic()))
            if bubble.get("staff"):
                return bubble


def staff_reply(instance: Assistant, conversation: str, text: str) -> tuple[dict, float]:
    """The staff endpoint's answer to a reply posted to this instance (as the review app does), and its seconds."""
    body = json.dumps({"conversation": conversation, "staff": "claire", "text": text, "hand_back": True})
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {STAFF_TOKEN}"}
    started = time.monotonic()
    status, answer = http("POST", f"{instance.base_url}/webhooks/staff/reply", body.encode("utf-8"), headers)
    assert status == 200, answer
    return json.loads(answer), time.monotonic() - started


def test_a_staff_reply_taken_by_one_instance_reaches_the_web_chat_page_connected_to_the_other(
    cluster: Cluster, production_environment: Databases
):
    first, second = cluster.instances
    page = WebChatPage(first)
    try:
        page.say("Je veux parler à une personne")
        reply = "Bonjour, ici Claire de la Ville. Votre demande est transmise aux Travaux publics."
        answer, _seconds = staff_reply(second, page.conversation, reply)  # the review app's call, on the other one
        assert answer["outcome"] == "sent"
        assert page.staff_bubble(timeout=10) == {"text": reply, "staff": True, "lang": "fr"}
    finally:
        page.client.disconnect()
    # The page closed: no instance holds the session, so the reply is kept, reported not delivered, within the wait.
    answer, seconds = staff_reply(second, page.conversation, "Êtes-vous toujours là?")
    assert answer["outcome"] == "not_delivered" and seconds < ACK_TIMEOUT_SECONDS + 2
    bots = [
        json.loads(data).get("metadata") or {}
        for kind, data in production_environment.events(page.conversation)
        if kind == "bot"
    ]
    assert [metadata["staff_reply"]["delivered"] for metadata in bots if "staff_reply" in metadata] == [True, False]


def _turn_structure(databases: Databases, sender: str) -> list[str]:
    """The stored events as 'user:<text>' / 'bot' / 'action:<name>' / other type names."""
    structure = []
    for kind, data in databases.events(sender):
        event = json.loads(data)
        if kind == "user":
            structure.append(f"user:{event['text']}")
        elif kind == "action":
            structure.append(f"action:{event['name']}")
        else:
            structure.append(kind)
    return structure


@pytest.mark.parametrize("attempt", range(4))
def test_two_messages_at_the_same_instant_on_two_instances_are_both_answered_in_order(
    cluster: Cluster, production_environment: Databases, attempt: int
):
    first, second = cluster.instances
    sender = new_sender()
    assert post(first.base_url, sender, "Hello, I have a question about my tax bill")[0] == 200
    sends = [(first, "When is the next council meeting?"), (second, "Are you hiring lifeguards this summer?")]
    start = threading.Barrier(2)

    def send(pair: tuple[Assistant, str]) -> tuple[int, list[dict]]:
        start.wait()
        return post(pair[0].base_url, sender, pair[1])

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(send, sends))
    assert all(status == 200 and replies for status, replies in answers), answers
    structure = _turn_structure(production_environment, sender)
    # Both processed, each once (no lost or duplicated message)...
    users = [item for item in structure if item.startswith("user:")]
    assert users[0] == "user:Hello, I have a question about my tax bill"
    assert sorted(users[1:]) == sorted(f"user:{message}" for _, message in sends)
    # ...and one after the other: each message's answer and action_listen are stored before the next message.
    turns = "|".join(structure).split("|user:")[1:]
    assert len(turns) == 3
    for turn in turns:
        assert turn.endswith("action:action_listen") and "|bot" in turn, structure


def test_personal_information_is_redacted_in_postgresql(cluster: Cluster, production_environment: Databases):
    sender = new_sender()
    status, replies = post(
        cluster.url, sender, "Rappelez-moi au 514-555-0199 ou marie.tremblay@videotron.ca, j'habite au 14 rue Cedar"
    )
    assert status == 200 and replies
    stored = " ".join(data for _, data in production_environment.events(sender))
    assert "555-0199" not in stored and "videotron" not in stored and "14 rue Cedar" not in stored
    (text,) = user_texts(production_environment, sender)
    assert text == "Rappelez-moi au [PHONE] ou [EMAIL], j'habite au [ADDRESS]"


def test_a_retried_request_is_answered_from_the_store_not_processed_twice(
    cluster: Cluster, production_environment: Databases
):
    # What HAProxy does when an instance dies after storing a message but before answering: the same request,
    # with the same X-Request-ID, on the other instance.
    first, second = cluster.instances
    sender, request = new_sender(), {"X-Request-ID": f"7F000001{uuid.uuid4().hex}"}
    status, original = post(first.base_url, sender, "Are you hiring lifeguards this summer?", headers=request)
    assert status == 200 and original
    status, retried = post(second.base_url, sender, "Are you hiring lifeguards this summer?", headers=request)
    assert status == 200
    assert [reply["text"] for reply in retried] == [reply["text"] for reply in original]
    assert user_texts(production_environment, sender) == ["Are you hiring lifeguards this summer?"]
    # A new request id is a new message, even with the same words.
    status, _ = post(second.base_url, sender, "Are you hiring lifeguards this summer?")
    assert user_texts(production_environment, sender) == ["Are you hiring lifeguards this summer?"] * 2


# --- a burst ------------------------------------------------------------------------------------------------------

BURST_CONVERSATIONS = 500
BURST_CONCURRENCY = 32
BURST_MESSAGES = (
    ("Bonjour, il y a un nid de poule sur ma rue", "merci", "C'est quoi l'horaire de la bibliothèque?"),
    ("Hi, when is the next council meeting?", "ok thanks", "Are you hiring lifeguards this summer?"),
)


def _conversation(url: str, sender: str, messages: tuple[str, ...]) -> list[str]:
    """Sends the messages one after the other, as a resident does; returns what went wrong."""
    problems = []
    for message in messages:
        try:
            status, replies = post(url, sender, message)
        except OSError as error:
            problems.append(f"{sender}: {error}")
            continue
        if status != 200 or not replies:
            problems.append(f"{sender}: {status} {replies}")
    return problems


def test_a_burst_of_500_conversations_through_the_load_balancer_is_answered_and_stored_exactly(
    cluster: Cluster, production_environment: Databases
):
    senders = {f"burst-{uuid.uuid4().hex[:10]}-{i}": BURST_MESSAGES[i % 2] for i in range(BURST_CONVERSATIONS)}
    with ThreadPoolExecutor(BURST_CONCURRENCY) as pool:
        problems = [
            p for found in pool.map(lambda s: _conversation(cluster.url, s, senders[s]), senders) for p in found
        ]
    assert problems == []
    stored: dict[str, list[str]] = {}
    for sender, data in production_environment.rows(
        "SELECT sender_id, data FROM events WHERE type_name = 'user' AND sender_id LIKE 'burst-%%' ORDER BY id"
    ):
        stored.setdefault(sender, []).append(json.loads(data)["text"])
    assert len(stored) == BURST_CONVERSATIONS
    assert stored == {sender: list(messages) for sender, messages in senders.items()}
    # Each message's turn is whole and in place: answered, then back to listening, before the next message.
    kinds: dict[str, list[str]] = {}
    for sender, kind, data in production_environment.rows(
        "SELECT sender_id, type_name, data FROM events WHERE sender_id LIKE 'burst-%%' ORDER BY id"
    ):
        kinds.setdefault(sender, []).append(f"action:{json.loads(data)['name']}" if kind == "action" else kind)
    for sender, sequence in kinds.items():
        turns = "|".join(sequence).split("|user|")[1:]
        assert len(turns) == 3 and all("bot" in turn and turn.endswith("action:action_listen") for turn in turns), (
            sender,
            sequence,
        )


# --- a staff alert published in the review app, seen by every instance (issue 17 item 1) ---------------------------

ALERT_FIELDS = {
    "title_fr": "Avis d'ébullition",
    "title_en": "Boil-water notice",
    "text_fr": "Faites bouillir l'eau du robinet une minute avant de la boire.",
    "text_en": "Boil tap water for one minute before drinking it.",
    "phrases_fr": "eau ...3 potable|buvable",
    "phrases_en": "water ...3 safe|drinkable",
    "starts_at": "2026-11-27T17:00",  # the instances' clock is frozen at 17:45 (production_environment)
    "ends_at": "2026-11-27T20:00",
}
ALERT_MESSAGES = {"fr": "Est-ce que l'eau du robinet est potable?", "en": "Is the tap water safe to drink?"}
ALERT_OPENINGS = {"fr": "Avis de la Ville – Avis d'ébullition : ", "en": "City notice – Boil-water notice: "}


def _opens_with_alert(instance: Assistant, language: str) -> bool:
    status, replies = post(instance.base_url, new_sender(), ALERT_MESSAGES[language])
    return status == 200 and bool(replies) and replies[0].get("text", "").startswith(ALERT_OPENINGS[language])


def _alert_shown_is(expected: bool, instance: Assistant, language: str) -> bool:
    return _opens_with_alert(instance, language) == expected


def _seconds_until_every_instance(cluster: Cluster, since: float, answers_with_alert: bool) -> dict[str, float | None]:
    """Seconds from `since` until each instance, in each language, answers with (or without) the alert."""
    return {
        f"instance {index} {language}": alert_browser.seconds_after(
            since, partial(_alert_shown_is, answers_with_alert, instance, language), timeout=5.0
        )
        for index, instance in enumerate(cluster.instances)
        for language in ALERT_MESSAGES
    }


def test_an_alert_published_in_the_review_app_is_answered_by_every_instance_within_5_s_until_its_end(
    cluster: Cluster, production_environment: Databases, tmp_path: Path
):
    reason = chromium_missing()
    if reason and not os.environ.get("CI"):
        pytest.skip(reason)
    review_url = f"sqlite:///{tmp_path / 'review.db'}"
    environment = review_environment(production_environment.url, review_url)
    created = run_cli(environment, "users", "add", "ana", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    before = {language: post(cluster.url, new_sender(), message)[1] for language, message in ALERT_MESSAGES.items()}
    assert not any(_opens_with_alert(instance, "fr") for instance in cluster.instances)
    with review_server(production_environment.url, review_url, tmp_path) as site, headless_chromium("fr") as driver:
        alert_browser.log_in(driver, site.base_url, "ana")
        alert_browser.fill_and_submit(driver, ALERT_FIELDS)
        seen = _seconds_until_every_instance(cluster, time.monotonic(), answers_with_alert=True)
        assert all(delay is not None for delay in seen.values()), seen
        # The usual answer follows the alert; a question about something else is answered as before.
        status, replies = post(cluster.instances[0].base_url, new_sender(), ALERT_MESSAGES["en"])
        assert status == 200 and text_of(replies).endswith(text_of(before["en"]).split("\n")[-1])
        for instance in cluster.instances:
            unrelated = post(instance.base_url, new_sender(), "Quand ouvre la piscine?")[1]
            assert "Avis de la Ville" not in text_of(unrelated) and unrelated
            page = http("GET", f"{instance.base_url}/webhooks/webchat/?lang=en", None, {})[1].decode("utf-8")
            assert 'id="alerts"' in page and "Boil-water notice" in page
            # An emergency during the alert: the emergency numbers first, then the alert.
            fire = text_of(
                post(instance.base_url, new_sender(), "Il y a un feu dans la maison, l'eau est-elle potable?")[1]
            )
            assert "9-1-1" in fire and fire.index("9-1-1") < fire.index("Avis de la Ville")
        # The end time moved to the instances' present: every instance stops within 5 s.
        alert_browser.fill_and_submit(driver, {"ends_at": "2026-11-27T17:45"})
        gone = _seconds_until_every_instance(cluster, time.monotonic(), answers_with_alert=False)
        assert all(delay is not None for delay in gone.values()), gone
        page = http("GET", f"{cluster.instances[1].base_url}/webhooks/webchat/?lang=fr", None, {})[1].decode("utf-8")
        assert 'id="alerts"' not in page
    print(f"alert seen (s): {seen}; ended (s): {gone}")


# --- an instance killed under load (last: the cluster is left with one instance) ------------------------------


def test_an_instance_killed_under_load_loses_no_conversation(cluster: Cluster, production_environment: Databases):
    senders = {f"kill-{uuid.uuid4().hex[:10]}-{i}": BURST_MESSAGES[i % 2] for i in range(80)}
    victim = cluster.instances[1]
    assert victim.process is not None
    finished: list[str] = []

    def converse(sender: str) -> list[str]:
        problems = _conversation(cluster.url, sender, senders[sender])
        finished.append(sender)
        return problems

    with ThreadPoolExecutor(8) as pool:
        results = pool.map(converse, senders)
        deadline = time.monotonic() + 120
        while len(finished) < 10 and time.monotonic() < deadline:  # load running on both instances
            time.sleep(0.05)
        os.killpg(victim.process.pid, signal.SIGKILL)
        finished_before_the_kill = len(finished)
        problems = [p for found in results for p in found]
    assert 0 < finished_before_the_kill < len(senders) - 8, "the instance was not killed under load"
    victim.process.wait()
    assert problems == []
    for sender, messages in senders.items():
        assert user_texts(production_environment, sender) == list(messages), sender
