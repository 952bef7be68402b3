"""Stand-ins for X's API and Facebook's Graph API on localhost: they record every request and answer as the real
APIs do, or with the status a test scripts (a 429 to check that the connector retries).

X's and Facebook's servers cannot be reached from the test machines; the connectors are pointed here through
their base-URL environment variables (credentials.yml).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

COMMENT_PATH = re.compile(r"/v[0-9.]+/[0-9]+_[0-9]+")


# Made-up test values: the real ones live only in the production environment.
X_ACCOUNT_ID = "1319735427419152385"  # the City's account, as X gives it in `for_user_id`
X_OTHER_BOT_ID = "900000000000000001"
X_KEYS = {
    "X_CONSUMER_KEY": "test-consumer-key",
    "X_CONSUMER_SECRET": "test-consumer-secret",
    "X_ACCESS_TOKEN": "1319735427419152385-test-access-token",
    "X_ACCESS_TOKEN_SECRET": "test-access-token-secret",
    "X_ACCOUNT_ID": X_ACCOUNT_ID,
    "X_IGNORED_ACCOUNT_IDS": X_OTHER_BOT_ID,
}
# Shared by the assistant's staff endpoint and the review app that calls it.
STAFF_TOKEN = "test-staff-token-not-for-production"
MODERATION_FILE_VARIABLE = "MODERATION_FILE"  # credentials.yml `moderation_file_env` (the default name)
FACEBOOK_KEYS = {
    "FACEBOOK_VERIFY_TOKEN": "test-verify-token",
    "FACEBOOK_APP_SECRET": "test-app-secret",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "test-page-access-token",
}


@dataclass(frozen=True)
class Recorded:
    """One request the stand-in received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int  # what the stand-in answered, with `answer` as its JSON body
    answer: Any = None
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Scripted:
    """An answer for the next request whose path starts with `path_prefix`, used once."""

    path_prefix: str
    status: int
    headers: dict[str, str]
    body: Any


class StandInApi:
    """A small HTTP server in a thread; `default_answer(path, body)` gives (status, JSON body) when not scripted."""

    def __init__(self, default_answer: Callable[[str, Any], tuple[int, Any]]) -> None:
        self.requests: list[Recorded] = []
        self._scripted: list[Scripted] = []
        self._lock = threading.Lock()
        self._default_answer = default_answer
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> StandInApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, path_prefix: str, status: int, headers: dict[str, str] | None = None, body: Any = None) -> None:
        with self._lock:
            self._scripted.append(Scripted(path_prefix, status, headers or {}, body or {}))

    def received(self, predicate: Callable[[Recorded], bool] = lambda r: True) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if predicate(r)]

    def wait_for(self, predicate: Callable[[Recorded], bool], count: int = 1, timeout: float = 60.0) -> list[Recorded]:
        """The matching requests once there are at least `count` of them; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.received(predicate)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"stand-in got {len(self.received(predicate))} matching request(s), expected {count}")

    def _answer(self, method: str, raw_path: str, headers: dict[str, str], raw_body: bytes) -> tuple[int, dict, bytes]:
        parts = urlsplit(raw_path)
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = raw_body.decode("utf-8", "replace")
        with self._lock:
            scripted = next((s for s in self._scripted if parts.path.startswith(s.path_prefix)), None)
            if scripted is not None:
                self._scripted.remove(scripted)
                status, extra, answer = scripted.status, scripted.headers, scripted.body
            else:
                status, answer = self._default_answer(parts.path, body)
                extra = {}
            self.requests.append(Recorded(method, parts.path, parse_qs(parts.query), headers, body, status, answer))
        return status, extra, json.dumps(answer).encode("utf-8")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw_body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra, body = standin._answer(self.command, self.path, headers, raw_body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet test output

        return Handler


def x_answer(path: str, body: Any) -> tuple[int, Any]:
    """What X API v2 answers to a direct message or a post (201 Created with the new object's ids), and to hiding a
    reply."""
    if path.startswith("/2/dm_conversations/with/"):
        return 201, {"data": {"dm_conversation_id": "1-2", "dm_event_id": str(int(time.time() * 1000))}}
    if path.startswith("/2/tweets/") and path.endswith("/hidden") and isinstance(body, dict) and "hidden" in body:
        return 200, {"data": {"hidden": body["hidden"]}}  # PUT: the hide-replies endpoint
    if path == "/2/tweets":
        text = body.get("text", "") if isinstance(body, dict) else ""
        return 201, {"data": {"id": str(time.time_ns()), "text": text}}
    return 404, {"title": "Not Found Error", "type": "https://api.twitter.com/2/problems/resource-not-found"}


def graph_answer(path: str, body: Any) -> tuple[int, Any]:
    """What the Graph API answers: the Send API (to a page-scoped id, or a private reply to a comment), a reply
    under a comment (the new comment's id, `<post id>_<comment id>`), and the moderation calls."""
    if path.endswith("/messages"):
        recipient = (body or {}).get("recipient", {}).get("id", "") if isinstance(body, dict) else ""
        return 200, {"recipient_id": recipient, "message_id": f"m_{time.time_ns()}"}
    if path.endswith("/comments") and isinstance(body, dict) and body.get("message"):
        return 200, {"id": f"{path.split('/')[-2].split('_')[0]}_{time.time_ns()}"}
    if path.endswith("/blocked") and isinstance(body, dict) and body.get("user"):
        return 200, {str(body["user"]): True}  # a Page block
    if isinstance(body, dict) and "is_hidden" in body or body is None and COMMENT_PATH.fullmatch(path):
        return 200, {"success": True}  # hiding, unhiding (POST /{comment-id}), deleting (DELETE /{comment-id})
    return 404, {"error": {"message": "Unknown path", "type": "OAuthException", "code": 803}}
