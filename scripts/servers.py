"""Starts the real action server and Rasa server on free localhost ports, and talks to them over REST.

Used by the conversation tests, `make evaluate` and the benchmarks, so that all of them exercise exactly
what `make run` starts.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import yaml

from pointe_claire import settings
from scripts.nlu_files import PROJECT_ROOT

STARTUP_TIMEOUT_SECONDS = 180
RASA = Path(sys.executable).parent / "rasa"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, bytes]:
    """One HTTP request; returns (status, body) for error statuses too."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}; log:\n{log.read_text()[-4000:]}")
        try:
            status, _ = http("GET", url, timeout=2)
            if status < 500:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not up after {timeout} s; log:\n{log.read_text()[-4000:]}")


def action_endpoint_url(template: str, port: int) -> str:
    """endpoints.yml's action_endpoint URL for an action server on `port`: Rasa's own ${ACTIONS_PORT} substitution,
    done here for the endpoints file written for a test or `make try` server. An endpoints.yml with a fixed URL
    (another checkout's, in a before/after benchmark) gets the address of the port instead."""
    if f"${{{settings.ACTIONS_PORT}}}" not in template:
        return f"http://127.0.0.1:{port}/webhook"
    return Template(template).substitute({settings.ACTIONS_PORT: str(port)})


def _environment(root: Path = PROJECT_ROOT) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault(settings.ACTIONS_PORT, settings.text(settings.ACTIONS_PORT))  # endpoints.yml needs it set
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for threads in ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS"):
        env.setdefault(threads, "1")  # as under `make test`: one TensorFlow thread per server (they run side by side)
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env["RASA_TELEMETRY_ENABLED"] = "false"  # no usage or error reports to Rasa's servers: nothing leaves this host
    return env


@contextmanager
def environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """`values` set (None: removed) in this process's environment, which `_spawn` passes on, for the block, then
    put back as they were: servers started inside get them, and the rest of a test run or benchmark does not."""
    previous = {name: os.environ.get(name) for name in values}
    try:
        _set_environment(values)
        yield
    finally:
        _set_environment(previous)


def _set_environment(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _spawn(command: list[str], cwd: Path, log: Path, ready_url: str, root: Path = PROJECT_ROOT) -> subprocess.Popen:
    """Starts a server of the project at `root` in its own process group (so it can be stopped whole) and waits
    until it answers."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=_environment(root),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_until_up(ready_url, process, log)
    except BaseException:  # a server that did not come up in time is stopped, not left running
        _terminate(process)
        raise
    return process


@dataclass
class ActionServer:
    """`rasa run actions` on its own port; can be stopped and started again (a failure test needs that)."""

    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    root: Path = PROJECT_ROOT  # the project whose actions/ it serves (another checkout, for before/after benches)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def start(self) -> None:
        self.process = _spawn(
            [str(RASA), "run", "actions", "--actions", "actions", "--port", str(self.port)],
            self.root,
            self.workdir / "actions.log",
            f"http://127.0.0.1:{self.port}/health",
            self.root,
        )

    def stop(self) -> None:
        _terminate(self.process)
        self.process = None


def _terminate(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass
class Assistant:
    """A running Rasa server (REST and socket.io channels) wired to an action server and a SQLite tracker."""

    workdir: Path
    model: Path
    actions: ActionServer
    port: int = field(default_factory=free_port)
    extra_endpoints: dict[str, Any] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    api_token: str | None = None  # set: Rasa's HTTP API (/model/parse...) is on, behind this token

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def tracker_db(self) -> Path:
        return self.workdir / "tracker.db"

    def _endpoints_file(self) -> Path:
        endpoints = yaml.safe_load((self.actions.root / "endpoints.yml").read_text(encoding="utf-8"))
        action = endpoints["action_endpoint"]
        endpoints["action_endpoint"] = {**action, "url": action_endpoint_url(str(action["url"]), self.actions.port)}
        endpoints["tracker_store"] = {**endpoints["tracker_store"], "db": str(self.tracker_db)}
        endpoints.update(self.extra_endpoints)
        path = self.workdir / "endpoints.yml"
        path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
        return path

    def start(self) -> None:
        self.process = _spawn(
            [
                str(RASA),
                "run",
                "--model",
                str(self.model.resolve()),
                "--port",
                str(self.port),
                "--interface",
                "127.0.0.1",
                "--credentials",
                str(self.actions.root / "credentials.yml"),
                "--endpoints",
                str(self._endpoints_file()),
                *(["--enable-api", "--auth-token", self.api_token] if self.api_token else []),
            ],
            self.workdir,
            self.workdir / "rasa.log",
            f"{self.base_url}/webhooks/rest/",
            self.actions.root,
        )

    def stop(self) -> None:
        _terminate(self.process)
        self.process = None

    def post_raw(self, body: bytes, content_type: str = "application/json") -> tuple[int, bytes]:
        return http("POST", f"{self.base_url}/webhooks/rest/webhook", body, {"Content-Type": content_type})

    def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """What the resident receives for one message, as the REST channel returns it."""
        status, body = self.post_raw(json.dumps({"sender": sender, "message": message}).encode("utf-8"))
        if status != 200:
            raise AssertionError(f"REST channel answered {status}: {body[:500]!r}")
        return list(json.loads(body))

    def reply_text(self, sender: str, message: str) -> str:
        return "\n".join(reply.get("text", "") for reply in self.send(sender, message))


@contextmanager
def running_assistant(
    model: Path, workdir: Path, api_token: str | None = None, **extra_endpoints: Any
) -> Iterator[Assistant]:
    """The action server and the Rasa server, started for the duration of the block."""
    workdir.mkdir(parents=True, exist_ok=True)
    actions = ActionServer(workdir)
    assistant = Assistant(workdir, model, actions, extra_endpoints=extra_endpoints, api_token=api_token)
    try:
        actions.start()
        assistant.start()
        yield assistant
    finally:
        assistant.stop()
        actions.stop()
