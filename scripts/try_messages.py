"""`make try`: what the current model makes of a message, in seconds and without retraining: the intent (top 3),
the language, the safety and netiquette findings, and the reply the resident would get.

The first call starts the assistant and its action server in the background (about 20 s) and leaves them
running, so that the next calls answer in well under a second; a new model (after `make train`) restarts them,
and `make try-stop` stops them. Each message is a new conversation, so one try never colours the next.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pointe_claire.names import LANGUAGE_SLOT, NETIQUETTE_KEY, SAFETY_NET_KEY
from scripts.model_freshness import MODEL, is_fresh
from scripts.servers import ActionServer, Assistant, http

STATE_DIR = MODEL.parent / ".try"
STATE_FILE = STATE_DIR / "servers.json"
TOP = 3


@dataclass(frozen=True)
class Endpoint:
    """A running assistant with Rasa's HTTP API on: what `make try` asks, and the shared one of the tests."""

    base_url: str
    token: str

    @classmethod
    def of(cls, assistant: Assistant) -> Endpoint:
        if assistant.api_token is None:
            raise ValueError("the assistant was started without its HTTP API (api_token)")
        return cls(assistant.base_url, assistant.api_token)

    def alive(self) -> bool:
        try:
            status, _ = http("GET", f"{self.base_url}/webhooks/rest/", timeout=2)
        except OSError:
            return False
        return status < 500

    def parse(self, text: str) -> dict[str, Any]:
        body = json.dumps({"text": text}).encode("utf-8")
        status, answer = http("POST", f"{self.base_url}/model/parse?token={self.token}", body)
        if status != 200:
            raise RuntimeError(f"/model/parse answered {status}: {answer[:300]!r}")
        return dict(json.loads(answer))

    def reply(self, text: str) -> list[str]:
        body = json.dumps({"sender": f"try-{uuid.uuid4().hex}", "message": text}).encode("utf-8")
        status, answer = http("POST", f"{self.base_url}/webhooks/rest/webhook", body)
        if status != 200:
            raise RuntimeError(f"the REST channel answered {status}: {answer[:300]!r}")
        return [message.get("text", "") for message in json.loads(answer) if message.get("text")]


@dataclass(frozen=True)
class TryServers:
    """The background assistant of `make try`: its processes, where it listens and which model it loaded."""

    port: int
    token: str
    rasa_pid: int
    actions_pid: int
    model_mtime: float

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(f"http://127.0.0.1:{self.port}", self.token)


@dataclass(frozen=True)
class Tried:
    """What the assistant made of one message."""

    text: str
    language: str | None
    intents: list[tuple[str, float]]
    safety: dict[str, Any] | None
    netiquette: list[dict[str, Any]]
    reply: list[str]


def try_message(endpoint: Endpoint, text: str) -> Tried:
    parse = endpoint.parse(text)
    ranking = parse.get("intent_ranking") or [parse.get("intent") or {}]
    language = next((e.get("value") for e in parse.get("entities", []) if e.get("entity") == LANGUAGE_SLOT), None)
    return Tried(
        text=text,
        language=language,
        intents=[(rank.get("name") or "?", round(float(rank.get("confidence") or 0), 3)) for rank in ranking[:TOP]],
        safety=parse.get(SAFETY_NET_KEY),
        netiquette=list(parse.get(NETIQUETTE_KEY) or []),
        reply=endpoint.reply(text),
    )


def describe(tried: Tried) -> str:
    """The finding as a trainer reads it, one line a heading."""
    intents = "   ".join(f"{name} {confidence:.2f}" for name, confidence in tried.intents)
    safety = "-"
    if tried.safety and tried.safety.get("dismissed"):
        safety = (
            f"emergency words dismissed as a look-alike (classifier guessed {tried.safety.get('classifier_guess')})"
        )
    elif tried.safety:
        safety = f'{tried.safety.get("kind")}: "{tried.safety.get("phrase")}"'
    netiquette = ", ".join(f"{r.get('rule')}{' (threat)' if r.get('threat') else ''}" for r in tried.netiquette)
    reply = "\n              ".join(line for part in tried.reply for line in part.splitlines() if line.strip())
    return "\n".join(
        [
            f"> {tried.text}",
            f"  language    {tried.language or 'not sure (the reply is in both languages)'}",
            f"  intent      {intents}",
            f"  safety      {safety}",
            f"  netiquette  {netiquette or '-'}",
            f"  reply       {reply or '(nothing)'}",
        ]
    )


def as_json(tried: Tried) -> str:
    """One line of JSON, for scripts."""
    return json.dumps(asdict(tried), ensure_ascii=False)


def _read_state() -> TryServers | None:
    try:
        return TryServers(**json.loads(STATE_FILE.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _stop_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    for _ in range(40):
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.5)
    os.killpg(pid, signal.SIGKILL)


def stop() -> bool:
    """Stops the background assistant; whether one was running."""
    state = _read_state()
    STATE_FILE.unlink(missing_ok=True)
    if state is None:
        return False
    _stop_group(state.rasa_pid)
    _stop_group(state.actions_pid)
    return True


def background_assistant(model: Path = MODEL) -> Endpoint:
    """The background assistant on the current model: the running one, or a new one (about 20 s)."""
    if not model.is_file():
        raise SystemExit(f"No model at {model}: run `make train` first.")
    state = _read_state()
    if state is not None and state.model_mtime == model.stat().st_mtime and state.endpoint.alive():
        return state.endpoint
    stop()
    print("Starting the assistant in the background for `make try` (about 30 s; `make try-stop` stops it)...")
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    actions = ActionServer(STATE_DIR)
    actions.start()
    assistant = Assistant(STATE_DIR, model, actions, api_token=token)
    try:
        assistant.start()
    except BaseException:
        actions.stop()
        raise
    assert assistant.process is not None and actions.process is not None
    state = TryServers(assistant.port, token, assistant.process.pid, actions.process.pid, model.stat().st_mtime)
    STATE_FILE.write_text(json.dumps(asdict(state)), encoding="utf-8")
    return state.endpoint


def _messages(texts: Iterable[str], file: Path | None) -> Iterator[str]:
    yield from texts
    if file is not None:
        yield from (line.strip() for line in file.read_text(encoding="utf-8").splitlines() if line.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", nargs="*", help="messages to try (none, and no --file: type them one a line)")
    parser.add_argument("--file", type=Path, help="a file of messages, one a line")
    parser.add_argument("--json", action="store_true", help="one JSON object a message, for scripts")
    parser.add_argument("--stop", action="store_true", help="stop the background assistant")
    args = parser.parse_args(argv)
    if args.stop:
        print("stopped" if stop() else "no background assistant was running")
        return 0
    if not is_fresh():
        print("note: the model is older than the data or code that shapes it; `make train` to try your change.")
    endpoint = background_assistant()
    interactive = not args.texts and args.file is None
    messages: Iterable[str] = _messages(args.texts, args.file)
    if interactive:
        print("Type a message and press Enter (Ctrl-D to stop).")
        messages = (line.strip() for line in sys.stdin if line.strip())
    for text in messages:
        tried = try_message(endpoint, text)
        print(as_json(tried) if args.json else describe(tried) + "\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
