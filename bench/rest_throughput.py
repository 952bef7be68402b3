"""Throughput, latency, training time and memory of our assistant, next to Rasa's starter bot, through REST.

What it measures, in one run on this machine:
- our assistant (models/pointe-claire.tar.gz, `make train`) started exactly as `make run` starts it (real action
  server, SQLite tracker store; scripts/servers.py), and Rasa's starter bot (`rasa init --no-prompt` in a temporary
  directory, served by `rasa run` with its own action server and the same kind of SQLite tracker store);
- for each: messages per second and latency p50/p95 through the REST channel at concurrency 1 and 8, after a
  sequential warm-up that is not counted. Each worker thread keeps one HTTP/1.1 keep-alive connection to
  127.0.0.1 and rotates among its own senders (distinct conversations), so trackers grow but stay bounded. Our
  assistant gets a fixed mix of French and English resident messages, the starter bot English small talk;
- `rasa train` from scratch (an empty RASA_CACHE_DIRECTORY, models written to a temporary --out, so the project's
  cache and models/ are neither reused nor touched), for both projects; `--skip-training` skips it;
- resident memory (VmRSS) of each Rasa server after the load: the server process plus its descendants, summed.

Errors (non-200 answers, exceptions) are counted, not raised. The exit status is 1 only when a server, the
starter project or a training could not be started or failed.

Run: `make bench`, or
    PYTHONPATH=. .venv/bin/python -m bench.rest_throughput [--messages 400] [--concurrency 1 8] [--skip-training]
Writes the Markdown report to stdout and to --output (default bench/results/rest_throughput.md).
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import importlib.metadata
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from scripts.nlu_files import PROJECT_ROOT
from scripts.servers import RASA, _environment, _terminate, _wait_until_up, free_port, running_assistant

OUR_MODEL = PROJECT_ROOT / "models" / "pointe-claire.tar.gz"
DEFAULT_OUTPUT = PROJECT_ROOT / "bench" / "results" / "rest_throughput.md"
OURS = "Pointe-Claire (ours)"
STARTER = "Rasa starter bot"

# What residents write to the city's accounts, in both languages; one is long on purpose.
RESIDENT_MESSAGES: tuple[str, ...] = (
    "bonjour",
    "Hello, is anyone there?",
    "c'est quand le prochain conseil municipal?",
    "How do I ask the mayor a question at council?",
    "Il y a un gros nid-de-poule sur le boulevard Saint-Jean devant le 250, ça fait deux semaines.",
    "There's a streetlight out on Lakeshore near Cartier Avenue, can someone fix it?",
    "Est-ce que la ville embauche des moniteurs de camp de jour cet été?",
    "are there any summer jobs at the city for students?",
    "Quelles activités sont prévues au village de Pointe-Claire pour la fête du Canada?",
    "what events are happening at Stewart Hall this weekend?",
    "Pourquoi mon commentaire a-t-il été supprimé de votre page Facebook?",
    "why did you delete my comment??",
    "Est-ce que je parle à un robot?",
    "am I talking to a bot or a real person",
    "Où trouver les avis publics de la ville?",
    "I'm a journalist with the Gazette, who handles media requests?",
    "combien de temps pour avoir une réponse?",
    "thanks a lot, have a good day!",
    "merci beaucoup, bonne journée",
    "Bonjour, je vous écris parce que depuis le début du mois de mars les cols bleus n'ont toujours pas ramassé "
    "les branches tombées après la tempête de verglas dans notre rue, près du parc Terra-Cotta. Mes voisins et moi "
    "avons appelé deux fois sans nouvelles, et les enfants doivent marcher dans la rue pour aller à l'école parce que "
    "le trottoir est bloqué. Pouvez-vous nous dire quand une équipe va passer et à qui nous devons nous adresser pour "
    "faire un suivi? Merci d'avance et bonne fin de semaine à toute l'équipe de la Ville.",
)

# What the starter bot (rasa init) is trained to understand. No "yes"/"no": out of context (senders rotate, so
# they rarely follow "did that help you?") the starter answers them with nothing, which would flatter its speed.
STARTER_MESSAGES: tuple[str, ...] = (
    "hello",
    "I am sad",
    "great",
    "bye",
    "hi there",
    "I am feeling very unhappy today",
    "are you a bot?",
    "I'm feeling wonderful",
    "good morning",
    "see you later",
)


@dataclass(frozen=True)
class Sample:
    """One request: how long it took, why it failed if it did, and whether the bot said nothing."""

    seconds: float
    error: str | None = None
    empty: bool = False


@dataclass
class LoadResult:
    assistant: str
    concurrency: int
    samples: list[Sample]
    wall_seconds: float

    @property
    def latencies_ms(self) -> list[float]:
        return sorted(1000 * s.seconds for s in self.samples if s.error is None)

    @property
    def errors(self) -> list[str]:
        return [s.error for s in self.samples if s.error is not None]

    @property
    def empty_replies(self) -> int:
        return sum(s.empty for s in self.samples)

    @property
    def messages_per_second(self) -> float:
        return len(self.latencies_ms) / self.wall_seconds if self.wall_seconds > 0 else 0.0


@dataclass
class AssistantReport:
    """Everything measured about one assistant; None means not measured (skipped or failed)."""

    name: str
    loads: list[LoadResult] = field(default_factory=list)
    training_seconds: float | None = None
    init_seconds: float | None = None
    server_rss_mb: float | None = None
    server_processes: int = 0
    actions_rss_mb: float | None = None
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LoadSettings:
    messages: int
    warmup: int
    concurrency: Sequence[int]
    senders_per_worker: int
    time_limit: float
    request_timeout: float


# --- HTTP client ---------------------------------------------------------------------------------------------


class RestClient:
    """One keep-alive connection to the REST channel of a server on 127.0.0.1."""

    def __init__(self, port: int, timeout: float) -> None:
        self._port = port
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _post_once(self, body: bytes) -> tuple[int, bytes]:
        if self._connection is None:
            self._connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=self._timeout)
        self._connection.request(
            "POST", "/webhooks/rest/webhook", body, {"Content-Type": "application/json", "Connection": "keep-alive"}
        )
        response = self._connection.getresponse()
        return response.status, response.read()

    def send(self, sender: str, message: str) -> Sample:
        """Posts one message; a connection the server closed while idle is reopened once (timed all the same)."""
        body = json.dumps({"sender": sender, "message": message}).encode("utf-8")
        started = time.perf_counter()
        reused = self._connection is not None
        try:
            try:
                status, answer = self._post_once(body)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if not reused:
                    raise
                status, answer = self._post_once(body)
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return Sample(time.perf_counter() - started, f"{type(error).__name__}: {error}")
        elapsed = time.perf_counter() - started
        if status != 200:
            return Sample(elapsed, f"HTTP {status}: {answer[:200]!r}")
        try:
            replies = json.loads(answer)
        except ValueError:
            return Sample(elapsed, f"not JSON: {answer[:200]!r}")
        return Sample(elapsed, empty=not replies)


# --- Load --------------------------------------------------------------------------------------------------


def run_load(
    port: int, assistant: str, messages: Sequence[str], concurrency: int, settings: LoadSettings
) -> LoadResult:
    """`settings.messages` messages (or fewer if the time limit ends first) over `concurrency` threads."""
    run_id = uuid.uuid4().hex[:8]
    next_index = iter(range(settings.messages))
    lock = threading.Lock()
    deadline = time.monotonic() + settings.time_limit

    def take() -> int | None:
        with lock:
            return next(next_index, None)

    def worker(number: int) -> list[Sample]:
        client = RestClient(port, settings.request_timeout)
        samples: list[Sample] = []
        try:
            while time.monotonic() < deadline and (index := take()) is not None:
                sender = f"bench-{run_id}-c{concurrency}-w{number}-s{len(samples) % settings.senders_per_worker}"
                samples.append(client.send(sender, messages[index % len(messages)]))
        finally:
            client.close()
        return samples

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        per_worker = list(pool.map(worker, range(concurrency)))
    wall = time.perf_counter() - started
    return LoadResult(assistant, concurrency, [s for samples in per_worker for s in samples], wall)


def warm_up(port: int, messages: Sequence[str], count: int, timeout: float) -> None:
    """Sequential messages that are not counted: first predictions load lazily and fill caches."""
    client = RestClient(port, timeout)
    try:
        for index in range(count):
            client.send(f"bench-warmup-{index % 5}", messages[index % len(messages)])
    finally:
        client.close()


def measure_load(port: int, report: AssistantReport, messages: Sequence[str], settings: LoadSettings) -> None:
    print(f"[{report.name}] warm-up: {settings.warmup} messages", file=sys.stderr)
    warm_up(port, messages, settings.warmup, settings.request_timeout)
    for concurrency in settings.concurrency:
        result = run_load(port, report.name, messages, concurrency, settings)
        print(
            f"[{report.name}] concurrency {concurrency}: {len(result.samples)} messages in {result.wall_seconds:.1f} s,"
            f" {len(result.errors)} errors",
            file=sys.stderr,
        )
        report.loads.append(result)


# --- Memory ------------------------------------------------------------------------------------------------


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # fields after "(comm)": state, ppid, ...


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants, from /proc."""
    parents = {
        int(entry.name): _parent_of(int(entry.name)) for entry in Path("/proc").iterdir() if entry.name.isdigit()
    }
    tree, frontier = [pid], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        tree.extend(children)
        frontier = children
    return tree


def rss_mb(pid: int) -> float:
    """VmRSS of one process in MB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_rss_mb(process: subprocess.Popen | None) -> tuple[float | None, int]:
    """Summed VmRSS of a process and its descendants, and how many processes that is."""
    if process is None or process.poll() is not None:
        return None, 0
    tree = process_tree(process.pid)
    return sum(rss_mb(pid) for pid in tree), len(tree)


def record_memory(report: AssistantReport, server: subprocess.Popen | None, actions: subprocess.Popen | None) -> None:
    report.server_rss_mb, report.server_processes = tree_rss_mb(server)
    report.actions_rss_mb, _ = tree_rss_mb(actions)


# --- Our assistant -----------------------------------------------------------------------------------------


def bench_ours(model: Path, workdir: Path, settings: LoadSettings) -> AssistantReport:
    report = AssistantReport(OURS)
    try:
        with running_assistant(model, workdir / "ours") as assistant:
            measure_load(assistant.port, report, RESIDENT_MESSAGES, settings)
            record_memory(report, assistant.process, assistant.actions.process)
    except (RuntimeError, TimeoutError, OSError) as error:
        report.failures.append(f"could not start or run: {error}")
    return report


# --- Rasa's starter bot ------------------------------------------------------------------------------------


def starter_environment(starter_dir: Path, cache_dir: Path | None = None) -> dict[str, str]:
    """Our environment without the project on PYTHONPATH, so `actions` is the starter's own package."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(starter_dir)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    if cache_dir is not None:
        env["RASA_CACHE_DIRECTORY"] = str(cache_dir)
    return env


def create_starter(starter_dir: Path, workdir: Path) -> float:
    """`rasa init --no-prompt` (it trains the starter model too); returns the seconds it took."""
    cache = Path(tempfile.mkdtemp(prefix="cache-init-", dir=workdir))
    log = workdir / "starter-init.log"
    starter_dir.mkdir(parents=True)  # with --no-prompt, rasa init wants an existing directory
    started = time.perf_counter()
    with log.open("wb") as output:
        completed = subprocess.run(
            [str(RASA), "init", "--no-prompt", "--init-dir", str(starter_dir)],
            cwd=workdir,
            env=starter_environment(starter_dir, cache),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0 or not list((starter_dir / "models").glob("*.tar.gz")):
        raise RuntimeError(f"rasa init failed ({completed.returncode}); log:\n{log.read_text()[-4000:]}")
    return elapsed


def _starter_endpoints(starter_dir: Path, workdir: Path, actions_port: int) -> Path:
    endpoints = {
        "action_endpoint": {"url": f"http://127.0.0.1:{actions_port}/webhook"},
        "tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(workdir / "starter-tracker.db")},
    }
    path = workdir / "starter-endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    return path


def _start(command: list[str], cwd: Path, env: dict[str, str], log: Path, health_url: str) -> subprocess.Popen:
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_up(health_url, process, log)
    except BaseException:
        _terminate(process)
        raise
    return process


@contextmanager
def running_starter(starter_dir: Path, workdir: Path) -> Iterator[tuple[int, subprocess.Popen, subprocess.Popen]]:
    """The starter's action server and `rasa run` on free ports: yields (REST port, server, action server)."""
    env = starter_environment(starter_dir)
    actions_port, port = free_port(), free_port()
    model = max((starter_dir / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    actions: subprocess.Popen | None = None
    server: subprocess.Popen | None = None
    try:
        actions = _start(
            [str(RASA), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
            starter_dir,
            env,
            workdir / "starter-actions.log",
            f"http://127.0.0.1:{actions_port}/health",
        )
        server = _start(
            [
                str(RASA),
                "run",
                "--model",
                str(model),
                "--port",
                str(port),
                "--interface",
                "127.0.0.1",
                "--credentials",
                str(starter_dir / "credentials.yml"),
                "--endpoints",
                str(_starter_endpoints(starter_dir, workdir, actions_port)),
            ],
            starter_dir,
            env,
            workdir / "starter-rasa.log",
            f"http://127.0.0.1:{port}/webhooks/rest/",
        )
        yield port, server, actions
    finally:
        _terminate(server)
        _terminate(actions)


def bench_starter(starter_dir: Path, workdir: Path, settings: LoadSettings) -> AssistantReport:
    report = AssistantReport(STARTER)
    try:
        print(f"[{STARTER}] rasa init --no-prompt (trains the starter model)", file=sys.stderr)
        report.init_seconds = create_starter(starter_dir, workdir)
        with running_starter(starter_dir, workdir) as (port, server, actions):
            measure_load(port, report, STARTER_MESSAGES, settings)
            record_memory(report, server, actions)
    except (RuntimeError, TimeoutError, OSError) as error:
        report.failures.append(f"could not start or run: {error}")
    return report


# --- Training ----------------------------------------------------------------------------------------------


def time_training(project_dir: Path, env: dict[str, str], workdir: Path, name: str) -> float:
    """Seconds for `rasa train` with an empty cache and a temporary --out; raises if training fails."""
    cache = Path(tempfile.mkdtemp(prefix=f"cache-{name}-", dir=workdir))
    out = Path(tempfile.mkdtemp(prefix=f"models-{name}-", dir=workdir))
    log = workdir / f"train-{name}.log"
    print(f"[{name}] rasa train from scratch (cache {cache})", file=sys.stderr)
    started = time.perf_counter()
    with log.open("wb") as output:
        completed = subprocess.run(
            [str(RASA), "train", "--out", str(out)],
            cwd=project_dir,
            env={**env, "RASA_CACHE_DIRECTORY": str(cache)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0 or not list(out.glob("*.tar.gz")):
        raise RuntimeError(f"rasa train failed ({completed.returncode}); log:\n{log.read_text()[-4000:]}")
    return elapsed


def measure_training(report: AssistantReport, project_dir: Path, env: dict[str, str], workdir: Path, name: str) -> None:
    try:
        report.training_seconds = time_training(project_dir, env, workdir, name)
    except (RuntimeError, OSError) as error:
        report.failures.append(f"training: {error}")


# --- Report ------------------------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], percent: float) -> float | None:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _number(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def machine_description() -> str:
    cpu_model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{len(os.sched_getaffinity(0))} CPUs (nproc), {cpu_model}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; Rasa {importlib.metadata.version('rasa')}; "
        f"load average at start {load}"
    )


def load_table(reports: Sequence[AssistantReport]) -> list[str]:
    lines = [
        "| assistant | concurrency | messages | msg/s | p50 ms | p95 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for report in reports:
        for load in report.loads:
            latencies = load.latencies_ms
            lines.append(
                f"| {report.name} | {load.concurrency} | {len(load.samples)} | {load.messages_per_second:.1f} "
                f"| {_number(percentile(latencies, 50))} | {_number(percentile(latencies, 95))} "
                f"| {len(load.errors)} |"
            )
        if not report.loads:
            lines.append(f"| {report.name} | – | 0 | n/a | n/a | n/a | not run |")
    return lines


def cost_table(reports: Sequence[AssistantReport]) -> list[str]:
    lines = [
        "| assistant | `rasa train` s (no cache) | `rasa init` s (incl. training) | Rasa server RSS MB "
        "| processes | action server RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in reports:
        lines.append(
            f"| {r.name} | {_number(r.training_seconds)} | {_number(r.init_seconds) if r.init_seconds else '–'} "
            f"| {_number(r.server_rss_mb, 0)} | {r.server_processes or 'n/a'} | {_number(r.actions_rss_mb, 0)} |"
        )
    return lines


def _summary(failure: str) -> str:
    """First line and last non-blank line of a failure (its log tail is printed in full on stderr)."""
    lines = [line.strip() for line in failure.splitlines() if line.strip()]
    return lines[0] if len(lines) < 2 else f"{lines[0]} … {lines[-1]}"


def error_lines(reports: Sequence[AssistantReport]) -> list[str]:
    lines: list[str] = []
    for report in reports:
        errors = [error for load in report.loads for error in load.errors]
        for error in sorted(set(errors))[:3]:
            lines.append(f"- {report.name}: {errors.count(error)}× {error}")
        empty = sum(load.empty_replies for load in report.loads)
        if empty:
            lines.append(f"- {report.name}: {empty} answers (HTTP 200) with no bot message")
        lines.extend(f"- {report.name}: {_summary(failure)}" for failure in report.failures)
    return lines


def markdown(reports: Sequence[AssistantReport], settings: LoadSettings, machine: str, skip_training: bool) -> str:
    lines = [
        "# REST channel: our assistant next to Rasa's starter bot",
        "",
        f"Run {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {machine}.",
        "",
        f"Per concurrency level: up to {settings.messages} messages (time limit {settings.time_limit:.0f} s), after "
        f"{settings.warmup} sequential warm-up messages not counted. Each worker thread keeps one keep-alive "
        f"connection and rotates among its own {settings.senders_per_worker} senders. Both servers: `rasa run` "
        "(one Sanic worker), own action server, SQLite tracker store. Latency is per request, successful ones only; "
        "msg/s counts successful messages over the wall time of the level.",
        "",
        *load_table(reports),
        "",
        "RSS: VmRSS after the load, of the Rasa server process and its descendants (summed), and of the action "
        "server. Training: `rasa train` with an empty RASA_CACHE_DIRECTORY and a temporary --out"
        + (" (skipped: --skip-training)." if skip_training else "."),
        "",
        *cost_table(reports),
    ]
    problems = error_lines(reports)
    if problems:
        lines += ["", "Errors and failures:", "", *problems]
    return "\n".join(lines) + "\n"


# --- Main --------------------------------------------------------------------------------------------------


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=400, help="messages per concurrency level (default 400)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8], help="levels (default 1 8)")
    parser.add_argument("--warmup", type=int, default=20, help="uncounted messages first (default 20)")
    parser.add_argument("--senders-per-worker", type=int, default=50, help="conversations per worker (default 50)")
    parser.add_argument("--time-limit", type=float, default=300, help="seconds per concurrency level (default 300)")
    parser.add_argument("--request-timeout", type=float, default=60, help="seconds per request (default 60)")
    parser.add_argument("--model", type=Path, default=OUR_MODEL, help="our model (default models/pointe-claire.tar.gz)")
    parser.add_argument("--skip-training", action="store_true", help="do not time `rasa train` (~1.5-2 min each)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="Markdown report (default %(default)s)")
    parser.add_argument("--keep-workdir", action="store_true", help="keep the temporary directory (logs, starter bot)")
    arguments = parser.parse_args(argv)
    if arguments.messages < 1 or arguments.senders_per_worker < 1 or min(arguments.concurrency) < 1:
        parser.error("--messages, --senders-per-worker and --concurrency must be at least 1")
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")  # every server and training here stays on this machine
    settings = LoadSettings(
        arguments.messages,
        arguments.warmup,
        tuple(arguments.concurrency),
        arguments.senders_per_worker,
        arguments.time_limit,
        arguments.request_timeout,
    )
    machine = machine_description()
    if not arguments.model.exists():
        print(f"{arguments.model} not found: run `make train` first", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="bench-rest-"))
    starter_dir = workdir / "starter"
    try:
        ours = bench_ours(arguments.model, workdir, settings)
        starter = bench_starter(starter_dir, workdir, settings)
        if not arguments.skip_training:
            measure_training(ours, PROJECT_ROOT, _environment(), workdir, "ours")
            if starter.init_seconds is not None:
                measure_training(starter, starter_dir, starter_environment(starter_dir), workdir, "starter")
    finally:
        if arguments.keep_workdir:
            print(f"logs and starter bot kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    reports = [ours, starter]
    text = markdown(reports, settings, machine, arguments.skip_training)
    print(text, end="")
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(text, encoding="utf-8")
    for report in reports:
        for failure in report.failures:
            print(f"[{report.name}] {failure}", file=sys.stderr)
    return 1 if any(report.failures for report in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
