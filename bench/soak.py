"""Soak: the two-instance production cluster under a steady load for a long while (issue 17, item 4).

What it is for: showing that the production shape (action server, two Rasa instances on PostgreSQL + Redis behind
HAProxy, scripts/cluster.py) holds a steady load for half an hour without errors and without its memory creeping
up. It starts the cluster on a throwaway PostgreSQL database and Redis key prefix (bench/cluster.py's
scratch_database, both removed at the end), sends the sequential warm-up of bench/rest_throughput.py (not counted),
then keeps a fixed number of workers busy for --minutes: each sends one message of the French/English resident mix
(RESIDENT_MESSAGES) through HAProxy's REST channel on a keep-alive connection, waits for the answer, pauses
--pause seconds, and starts a new conversation every --messages-per-conversation messages. The default
(concurrency 4, 0.5 s pause) is light enough for a 2-core machine that also runs the client, PostgreSQL and Redis.

Reported per one-minute window: messages, errors (non-200, an answer without any bot text, exceptions), latency
p50/p95, and the VmRSS of each process (each Rasa instance, the action server, HAProxy; with descendants). Memory
growth per process is from the end of the warm-up (--warmup-minutes, counted inside --minutes) to the end. The
target in issue 17: 0 errors, growth under 10% per process after warm-up.

Run: `make bench-soak [MINUTES=30]`, or
    PYTHONPATH=. .venv/bin/python -m bench.soak [--minutes 30] [--warmup-minutes 5] [--concurrency 4] [--pause 0.5]
Writes the Markdown report to stdout and to --output (default bench/results/soak.md).
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

from bench.cluster import scratch_cluster
from bench.rest_throughput import (
    RESIDENT_MESSAGES,
    RestClient,
    Sample,
    _number,
    machine_description,
    percentile,
    tree_rss_mb,
    warm_up,
)
from pointe_claire import settings
from scripts.cluster import Cluster
from scripts.nlu_files import PROJECT_ROOT

DEFAULT_OUTPUT = PROJECT_ROOT / "bench" / "results" / "soak.md"
WINDOW_SECONDS = 60.0
GROWTH_TARGET_PERCENT = 10.0


@dataclass(frozen=True)
class SoakSettings:
    minutes: int
    warmup_minutes: int
    concurrency: int
    pause: float
    messages_per_conversation: int
    warmup_messages: int
    request_timeout: float


@dataclass
class Window:
    """One minute of the run: its requests, and each process's VmRSS (MB, None if gone) at its end."""

    minute: int
    samples: list[Sample] = field(default_factory=list)
    rss_mb: dict[str, float | None] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(s.error is not None or s.empty for s in self.samples)

    @property
    def latencies_ms(self) -> list[float]:
        return sorted(1000 * s.seconds for s in self.samples if s.error is None)


@dataclass
class SoakResult:
    windows: list[Window] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def samples(self) -> list[Sample]:
        return [s for w in self.windows for s in w.samples]


class TextClient(RestClient):
    """bench/rest_throughput.py's keep-alive client; an answer counts as empty unless a bot message has text."""

    def __init__(self, port: int, timeout: float) -> None:
        super().__init__(port, timeout)
        self._answer = b""

    def _post_once(self, body: bytes) -> tuple[int, bytes]:
        status, self._answer = super()._post_once(body)
        return status, self._answer

    def send(self, sender: str, message: str) -> Sample:
        sample = super().send(sender, message)
        if sample.error is not None or sample.empty:
            return sample
        replies = json.loads(self._answer)  # valid JSON: send() checked it
        texts = [r.get("text") for r in replies if isinstance(r, dict)] if isinstance(replies, list) else []
        return sample if any(isinstance(t, str) and t.strip() for t in texts) else Sample(sample.seconds, empty=True)


def process_memory(cluster: Cluster) -> dict[str, float | None]:
    """VmRSS (MB, with descendants) of each piece of the cluster; None for a process that has stopped."""
    memory = {f"Rasa instance {i}": tree_rss_mb(a.process)[0] for i, a in enumerate(cluster.instances, 1)}
    memory["action server"] = tree_rss_mb(cluster.actions.process)[0]
    memory["HAProxy"] = tree_rss_mb(cluster.balancer.process)[0]
    return memory


def steady_load(cluster: Cluster, soak: SoakSettings) -> list[Window]:
    """`soak.concurrency` workers for `soak.minutes` minutes; samples bucketed by the minute they ended in."""
    port = cluster.balancer.port
    run_id = uuid.uuid4().hex[:8]
    windows = [Window(minute) for minute in range(1, soak.minutes + 1)]
    started = time.monotonic()
    deadline = started + soak.minutes * WINDOW_SECONDS
    lock = threading.Lock()

    def record(sample: Sample) -> None:
        index = min(int((time.monotonic() - started) // WINDOW_SECONDS), soak.minutes - 1)
        with lock:
            windows[index].samples.append(sample)

    def worker(number: int) -> None:
        client = TextClient(port, soak.request_timeout)
        sent = 0
        try:
            while time.monotonic() < deadline:
                sender = f"soak-{run_id}-w{number}-c{sent // soak.messages_per_conversation}"
                message = RESIDENT_MESSAGES[(number * 7 + sent) % len(RESIDENT_MESSAGES)]
                began = time.perf_counter()
                try:
                    record(client.send(sender, message))
                except Exception as error:  # noqa: BLE001 - an exception is an error of the run, not a crash
                    client.close()
                    record(Sample(time.perf_counter() - began, f"{type(error).__name__}: {error}"))
                sent += 1
                time.sleep(min(soak.pause, max(0.0, deadline - time.monotonic())))
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(soak.concurrency)]
    for thread in threads:
        thread.start()
    for window in windows:
        time.sleep(max(0.0, started + window.minute * WINDOW_SECONDS - time.monotonic()))
        window.rss_mb = process_memory(cluster)
        with lock:
            done = len(window.samples)
        print(
            f"[soak] minute {window.minute}/{soak.minutes}: {done} messages, {window.errors} errors, "
            + ", ".join(f"{name} {_number(mb, 0)} MB" for name, mb in window.rss_mb.items()),
            file=sys.stderr,
            flush=True,
        )
    for thread in threads:
        thread.join(soak.request_timeout + 5)
    return windows


def run_soak(soak: SoakSettings, workdir: Path, admin_url: str, redis_url: str) -> SoakResult:
    """Starts the two-instance cluster on a throwaway database and key prefix, loads it, removes both."""
    result = SoakResult()
    try:
        with scratch_cluster(admin_url, redis_url, workdir / "cluster", 2, "soak") as cluster:
            print(f"[soak] cluster up; warm-up: {soak.warmup_messages} messages", file=sys.stderr, flush=True)
            warm_up(cluster.balancer.port, RESIDENT_MESSAGES, soak.warmup_messages, soak.request_timeout)
            result.windows = steady_load(cluster, soak)
            stopped = [name for name, mb in result.windows[-1].rss_mb.items() if mb is None]
            if stopped:
                result.failures.append("stopped during the run: " + ", ".join(stopped))
    except (RuntimeError, TimeoutError, OSError, psycopg2.Error) as error:
        result.failures.append(str(error))
    return result


# --- Report ------------------------------------------------------------------------------------------------


def growth_percent(before: float | None, after: float | None) -> float | None:
    return None if not before or after is None else 100 * (after - before) / before


def window_table(result: SoakResult, soak: SoakSettings) -> list[str]:
    names = list(result.windows[0].rss_mb) if result.windows else []
    lines = [
        "| minute | phase | messages | errors | p50 ms | p95 ms | " + " | ".join(f"{n} MB" for n in names) + " |",
        "|---:|---|---:|---:|---:|---:|" + "---:|" * len(names),
    ]
    for w in result.windows:
        phase = "warm-up" if w.minute <= soak.warmup_minutes else "measured"
        latencies = w.latencies_ms
        memory = " | ".join(_number(w.rss_mb.get(n), 0) for n in names)
        lines.append(
            f"| {w.minute} | {phase} | {len(w.samples)} | {w.errors} | {_number(percentile(latencies, 50))} "
            f"| {_number(percentile(latencies, 95))} | {memory} |"
        )
    return lines


def memory_rows(result: SoakResult, soak: SoakSettings) -> list[tuple[str, float | None, float | None, float | None]]:
    """(process, MB after warm-up, MB at the end, growth %) for each process."""
    if len(result.windows) < soak.minutes:
        return []
    after_warmup, end = result.windows[soak.warmup_minutes - 1].rss_mb, result.windows[-1].rss_mb
    return [(name, mb, end.get(name), growth_percent(mb, end.get(name))) for name, mb in after_warmup.items()]


def _range(values: Sequence[float], unit: str) -> str:
    low, high = f"{min(values):.0f}", f"{max(values):.0f}"
    return f"{low} {unit}." if low == high else f"{low}–{high} {unit}."


def summary(result: SoakResult, soak: SoakSettings) -> list[str]:
    samples = result.samples
    errors = sum(w.errors for w in result.windows)
    measured = [w for w in result.windows if w.minute > soak.warmup_minutes]
    p95s = [p for w in measured if (p := percentile(w.latencies_ms, 95)) is not None]
    growths = [g for *_, g in memory_rows(result, soak) if g is not None]
    rows = memory_rows(result, soak)
    memory_ok = bool(rows) and all(g is not None and g < GROWTH_TARGET_PERCENT for *_, g in rows)
    verdict = "met" if errors == 0 and memory_ok and not result.failures else "NOT met"
    rate = len(samples) / (soak.minutes * WINDOW_SECONDS) if result.windows else 0.0
    return [
        f"- {len(samples)} messages in {soak.minutes} minutes ({rate:.1f} msg/s on average), {errors} errors.",
        "- p95 latency per minute after warm-up: "
        + (_range(p95s, "ms") if p95s else "n/a.")
        + " p50 over the whole run: "
        + f"{_number(percentile(sorted(1000 * s.seconds for s in samples if s.error is None), 50), 0)} ms.",
        "- Memory growth after warm-up, per process: "
        + (f"{min(growths):+.1f}% to {max(growths):+.1f}%." if growths else "n/a."),
        f"- Target of issue 17 (0 errors, memory growth under {GROWTH_TARGET_PERCENT:.0f}% per process after "
        f"warm-up): **{verdict}**.",
    ]


def error_lines(result: SoakResult) -> list[str]:
    errors = [s.error for s in result.samples if s.error is not None]
    lines = [f"- {errors.count(e)}× {e}" for e in sorted(set(errors), key=errors.count, reverse=True)[:5]]
    empty = sum(s.empty for s in result.samples)
    if empty:
        lines.append(f"- {empty} answers (HTTP 200) with no bot text")
    lines.extend(f"- {failure}" for failure in result.failures)
    return lines


def markdown(result: SoakResult, soak: SoakSettings, machine: str, command: str, started: datetime.datetime) -> str:
    length = f"{soak.minutes} minute{'s' if soak.minutes != 1 else ''}"
    if soak.minutes != 30:
        length += " (not the 30 minutes issue 17 asks for)"
    lines = [
        "# Soak: two Rasa instances on PostgreSQL + Redis behind HAProxy, under a steady load",
        "",
        f"Run {started:%Y-%m-%d %H:%M %Z} on {machine}.",
        "",
        f"Command: `{command}`",
        "",
        f"**Length: {length}**, the first {soak.warmup_minutes} of them warm-up for memory. The cluster of "
        "scripts/cluster.py (action server, 2 Rasa instances, HAProxy round-robin) on a throwaway PostgreSQL "
        "database and Redis key prefix; the client, PostgreSQL and Redis on the same machine. After "
        f"{soak.warmup_messages} sequential warm-up messages (not counted), {soak.concurrency} workers each send "
        "one message of the French/English resident mix of bench/rest_throughput.py through HAProxy's REST "
        f"channel (keep-alive), wait for the answer and pause {soak.pause:g} s; each starts a new conversation "
        f"every {soak.messages_per_conversation} messages. A request counts in the minute it ended in. Errors: "
        "non-200 answers, answers with no bot text, exceptions. Memory: VmRSS of each process and its "
        "descendants at the end of each minute; growth from the end of the warm-up to the end.",
        "",
        "## Summary",
        "",
        *summary(result, soak),
        "",
        "## Memory per process",
        "",
        f"| process | after warm-up (minute {soak.warmup_minutes}) MB | end (minute {soak.minutes}) MB | growth |",
        "|---|---:|---:|---:|",
        *[
            f"| {name} | {_number(before, 0)} | {_number(after, 0)} | "
            f"{'n/a' if growth is None else f'{growth:+.1f}%'} |"
            for name, before, after, growth in memory_rows(result, soak)
        ],
        "",
        "## Per minute",
        "",
        *window_table(result, soak),
    ]
    problems = error_lines(result)
    if problems:
        lines += ["", "## Errors and failures", "", *problems]
    return "\n".join(lines) + "\n"


# --- Main --------------------------------------------------------------------------------------------------


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=30, help="length of the load, warm-up included (default 30)")
    parser.add_argument("--warmup-minutes", type=int, default=5, help="minutes before memory is taken (default 5)")
    parser.add_argument("--concurrency", type=int, default=4, help="workers (default 4)")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds each worker waits between messages")
    parser.add_argument("--messages-per-conversation", type=int, default=6, help="then a new sender (default 6)")
    parser.add_argument("--warmup-messages", type=int, default=20, help="sequential, uncounted (default 20)")
    parser.add_argument("--request-timeout", type=float, default=120)
    parser.add_argument("--postgres-admin-url", default=settings.text("BENCH_POSTGRES_ADMIN_URL"))
    parser.add_argument("--redis-url", default=settings.text("BENCH_REDIS_URL"))
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="Markdown report (default %(default)s)")
    arguments = parser.parse_args(argv)
    if not 1 <= arguments.warmup_minutes < arguments.minutes:
        parser.error("--warmup-minutes must be at least 1 and less than --minutes")
    if arguments.concurrency < 1 or arguments.messages_per_conversation < 1 or arguments.pause < 0:
        parser.error("--concurrency and --messages-per-conversation must be at least 1, --pause not negative")
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    soak = SoakSettings(
        arguments.minutes, arguments.warmup_minutes, arguments.concurrency, arguments.pause,
        arguments.messages_per_conversation, arguments.warmup_messages, arguments.request_timeout,
    )  # fmt: skip
    command = " ".join(["PYTHONPATH=. .venv/bin/python -m bench.soak", *(sys.argv[1:] if argv is None else argv)])
    machine = machine_description()
    started = datetime.datetime.now().astimezone()
    workdir = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    try:
        result = run_soak(soak, workdir, arguments.postgres_admin_url, arguments.redis_url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = markdown(result, soak, machine, command, started)
    print(text, end="")
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(text, encoding="utf-8")
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
