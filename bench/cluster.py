"""Throughput and latency of the production shape: 1 and 2 Rasa instances on PostgreSQL + Redis behind HAProxy,
next to the single SQLite instance `make run` starts, in the same run on the same machine.

For each configuration: messages per second and latency p50/p95 through the REST channel at concurrency 8 and
32 (the load, client and warm-up of bench/rest_throughput.py: a fixed French/English resident mix, keep-alive
connections, rotating senders), then the resident memory (VmRSS) of each Rasa instance, the action server and
HAProxy. Each PostgreSQL configuration gets its own throwaway database (created and dropped on the server given
by --postgres-admin-url) and its own Redis key prefix, so nothing another engineer stores is touched.

Run: `make bench-cluster`, or
    PYTHONPATH=. .venv/bin/python -m bench.cluster [--messages 400] [--concurrency 8 32] [--instances 1 2]
Writes the Markdown report to stdout and to --output (default bench/results/cluster.md).
"""

from __future__ import annotations

import argparse
import datetime
import secrets
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import redis
import sqlalchemy as sa

from bench.rest_throughput import (
    RESIDENT_MESSAGES,
    AssistantReport,
    LoadResult,
    LoadSettings,
    _number,
    machine_description,
    measure_load,
    percentile,
    tree_rss_mb,
)
from pointe_claire import settings
from pointe_claire.lock_store import KEY_PREFIX_VARIABLE, REDIS_URL_VARIABLE
from pointe_claire.tracker_store import DATABASE_URL_VARIABLE
from scripts.cluster import TOKEN_VARIABLE, Cluster, running_cluster
from scripts.nlu_files import PROJECT_ROOT
from scripts.servers import environment, running_assistant

MODEL = PROJECT_ROOT / "models" / "pointe-claire.tar.gz"
DEFAULT_OUTPUT = PROJECT_ROOT / "bench" / "results" / "cluster.md"


@dataclass
class ConfigurationReport:
    """One configuration's loads and memory; `report.failures` holds what prevented a measurement."""

    name: str
    instances: int
    report: AssistantReport
    instance_rss_mb: list[float] = field(default_factory=list)
    actions_rss_mb: float | None = None
    haproxy_rss_mb: float | None = None


@contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """A new PostgreSQL database on the admin URL's server, dropped afterwards; yields its URL."""
    admin = sa.engine.make_url(admin_url)
    name = f"assistant_bench_{uuid.uuid4().hex[:12]}"
    connection = psycopg2.connect(
        host=admin.host, port=admin.port or 5432, user=admin.username, password=admin.password, dbname=admin.database
    )
    connection.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.close()


def bench_sqlite(workdir: Path, settings: LoadSettings) -> ConfigurationReport:
    result = ConfigurationReport("SQLite, in-memory lock (`make run`), direct", 1, AssistantReport("sqlite"))
    with environment({DATABASE_URL_VARIABLE: None, REDIS_URL_VARIABLE: None}):
        try:
            with running_assistant(MODEL, workdir / "sqlite") as assistant:
                measure_load(assistant.port, result.report, RESIDENT_MESSAGES, settings)
                rss, _ = tree_rss_mb(assistant.process)
                result.instance_rss_mb = [rss or 0.0]
                result.actions_rss_mb, _ = tree_rss_mb(assistant.actions.process)
        except (RuntimeError, TimeoutError, OSError) as error:
            result.report.failures.append(str(error))
    return result


@contextmanager
def scratch_cluster(admin_url: str, redis_url: str, workdir: Path, instances: int, stem: str) -> Iterator[Cluster]:
    """`instances` Rasa instances behind HAProxy on a throwaway database and Redis key prefix (`stem` + a random
    suffix), with a fresh API token; the database is dropped and the prefix's keys deleted afterwards."""
    prefix = f"{stem}{uuid.uuid4().hex[:12]}"
    try:
        with (
            scratch_database(admin_url) as database_url,
            environment(
                {
                    DATABASE_URL_VARIABLE: database_url,
                    REDIS_URL_VARIABLE: redis_url,
                    KEY_PREFIX_VARIABLE: prefix,
                    TOKEN_VARIABLE: secrets.token_hex(16),
                }
            ),
            running_cluster(MODEL, workdir, instances=instances) as cluster,
        ):
            yield cluster
    finally:
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def bench_cluster(
    instances: int, workdir: Path, settings: LoadSettings, admin_url: str, redis_url: str
) -> ConfigurationReport:
    name = f"PostgreSQL + Redis, {instances} instance{'s' if instances > 1 else ''} behind HAProxy"
    result = ConfigurationReport(name, instances, AssistantReport(name))
    try:
        with scratch_cluster(admin_url, redis_url, workdir / f"cluster{instances}", instances, "bench") as cluster:
            measure_load(cluster.balancer.port, result.report, RESIDENT_MESSAGES, settings)
            result.instance_rss_mb = [tree_rss_mb(i.process)[0] or 0.0 for i in cluster.instances]
            result.actions_rss_mb, _ = tree_rss_mb(cluster.actions.process)
            result.haproxy_rss_mb, _ = tree_rss_mb(cluster.balancer.process)
    except (RuntimeError, TimeoutError, OSError, psycopg2.Error) as error:
        result.report.failures.append(str(error))
    return result


def _load_row(configuration: ConfigurationReport, load: LoadResult, baseline: float | None) -> str:
    latencies = load.latencies_ms
    ratio = f"{load.messages_per_second / baseline:.2f}×" if baseline else "–"
    return (
        f"| {configuration.name} | {load.concurrency} | {len(load.samples)} | {load.messages_per_second:.1f} | {ratio} "
        f"| {_number(percentile(latencies, 50))} | {_number(percentile(latencies, 95))} | {len(load.errors)} |"
    )


def markdown(configurations: Sequence[ConfigurationReport], settings: LoadSettings, machine: str) -> str:
    baselines = {load.concurrency: load.messages_per_second for load in configurations[0].report.loads}
    lines = [
        "# Production shape: Rasa instances on PostgreSQL + Redis behind HAProxy, next to one SQLite instance",
        "",
        f"Run {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {machine}.",
        "",
        f"Per concurrency level: up to {settings.messages} messages (time limit {settings.time_limit:.0f} s) after "
        f"{settings.warmup} warm-up messages, the resident mix of bench/rest_throughput.py; each worker keeps one "
        "keep-alive connection (to HAProxy, or to the SQLite instance directly) and rotates among its own "
        f"{settings.senders_per_worker} senders. The client, HAProxy, PostgreSQL, Redis and the action server run "
        "on the same machine as the instances. `vs SQLite` compares msg/s with the SQLite instance at the same "
        "concurrency.",
        "",
        "| configuration | concurrency | messages | msg/s | vs SQLite | p50 ms | p95 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for configuration in configurations:
        for load in configuration.report.loads:
            lines.append(_load_row(configuration, load, baselines.get(load.concurrency)))
        if not configuration.report.loads:
            lines.append(f"| {configuration.name} | – | 0 | n/a | – | n/a | n/a | not run |")
    lines += [
        "",
        "Memory after the load (VmRSS of each process and its descendants):",
        "",
        "| configuration | each Rasa instance MB | action server MB | HAProxy MB |",
        "|---|---:|---:|---:|",
    ]
    for c in configurations:
        instances = ", ".join(f"{rss:.0f}" for rss in c.instance_rss_mb) or "n/a"
        lines.append(f"| {c.name} | {instances} | {_number(c.actions_rss_mb, 0)} | {_number(c.haproxy_rss_mb, 0)} |")
    problems = [
        f"- {c.name}: {error}"
        for c in configurations
        for error in sorted({e for load in c.report.loads for e in load.errors})[:3] + c.report.failures
    ]
    if problems:
        lines += ["", "Errors:", "", *problems]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=400, help="messages per concurrency level")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2], help="cluster sizes to measure")
    parser.add_argument("--senders-per-worker", type=int, default=50)
    parser.add_argument("--time-limit", type=float, default=300)
    parser.add_argument("--postgres-admin-url", default=settings.text("BENCH_POSTGRES_ADMIN_URL"))
    parser.add_argument("--redis-url", default=settings.text("BENCH_REDIS_URL"))
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    arguments = parser.parse_args(argv)
    load = LoadSettings(
        arguments.messages, arguments.warmup, arguments.concurrency, arguments.senders_per_worker,
        arguments.time_limit, request_timeout=120,
    )  # fmt: skip
    machine = machine_description()
    workdir = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    try:
        configurations = [bench_sqlite(workdir, load)]
        for instances in arguments.instances:
            configurations.append(
                bench_cluster(instances, workdir, load, arguments.postgres_admin_url, arguments.redis_url)
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = markdown(configurations, load, machine)
    print(text, end="")
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(text, encoding="utf-8")
    return 1 if any(c.report.failures for c in configurations) else 0


if __name__ == "__main__":
    sys.exit(main())
