"""`make test`'s time and where its CPU goes, from a fresh clone (issue 14: a suite that fits CI's budget).

What it is for: the test suite's wall time is set by its longest path, not by its total CPU, on a 2-core machine;
to cut it one must know when the shared model is ready, when each pytest ends, and what each kind of process
costs. This clones the repository's HEAD into a temporary folder, runs `.ci/run` there (install included, as CI
does), and every --interval seconds reads /proc for each process under it: its CPU time (user + system) and its
command line, sorted into kinds (trainings, Rasa servers, action servers, each pytest, Chromium, reports, checks).
A process's CPU is the last value read before it ended, so a short-lived process may be missed or undercounted;
the total is exact (the run's own children times, read when it ends).

Run: `make bench-test-suite`, or
    PYTHONPATH=. .venv/bin/python -m bench.test_suite [--interval 2] [--keep]
Writes the Markdown report to stdout and to --output (default bench/results/test_suite_run.md). Run it on a quiet
machine: anything else running distorts every figure.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")

# (kind, pattern of the command line), first match wins; a training or report is told apart by its folder.
KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("test-dates pytest", re.compile(r"pytest .*-m dates")),
    ("second pytest (slow tier)", re.compile(r"pytest -m slow")),
    ("third pytest (production tier)", re.compile(r"pytest -m production and not slow")),
    ("main pytest", re.compile(r"pytest -m not slow")),
    ("training", re.compile(r"rasa train")),
    ("action server", re.compile(r"rasa_sdk|rasa run actions")),
    ("Rasa server", re.compile(r"rasa run\b")),
    ("rasa test / data validate", re.compile(r"rasa (test|data)")),
    ("report", re.compile(r"scripts\.(report|evaluate)")),
    ("Chromium", re.compile(r"chrom", re.IGNORECASE)),
    ("checks (validate, lint, types)", re.compile(r"mypy|ruff|scripts\.(validate|check)")),
    ("review app server", re.compile(r"-m review\b")),
    ("make, shells, stand-ins", re.compile(r"\bmake\b|/bin/(ba)?sh\b|standins|city_site")),
    ("install (pip, npm)", re.compile(r"\bpip\b|npm|node")),
    ("HAProxy, PostgreSQL, Redis clients", re.compile(r"haproxy|psql|redis")),
]


def kind_of(command: str, folder: str, clone: Path) -> str:
    for kind, pattern in KINDS:
        if pattern.search(command):
            if kind in {"training", "report"} and not folder.startswith(str(clone)):  # the worked example's
                return f"{kind} (a project copy)"
            return kind
    return "other"


@dataclass
class Seen:
    kind: str
    cpu: float = 0.0
    first: float = 0.0
    last: float = 0.0


@dataclass
class Timeline:
    started: float
    processes: dict[tuple[int, int], Seen] = field(default_factory=dict)  # (pid, start tick) -> last reading
    model_ready: float | None = None

    def kinds(self) -> dict[str, tuple[float, float, float]]:
        """kind -> (CPU seconds, first seen, last seen), times from the start."""
        summed: dict[str, list[float]] = defaultdict(lambda: [0.0, float("inf"), 0.0])
        for seen in self.processes.values():
            entry = summed[seen.kind]
            entry[0] += seen.cpu
            entry[1] = min(entry[1], seen.first)
            entry[2] = max(entry[2], seen.last)
        return {kind: (cpu, first, last) for kind, (cpu, first, last) in summed.items()}


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            tree[int(fields[1])].append(int(entry.name))
    return tree


def _descendants(root: int) -> list[int]:
    tree, found, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(tree.get(pid, []))
    return found


def sample(timeline: Timeline, root: int, clone: Path) -> None:
    now = time.monotonic() - timeline.started
    for pid in _descendants(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            folder = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        key = (pid, int(fields[19]))  # the start time tells a reused pid apart
        seen = timeline.processes.get(key)
        if seen is None:
            seen = timeline.processes[key] = Seen(kind_of(command, folder, clone), first=now)
        seen.cpu = (int(fields[11]) + int(fields[12])) / TICKS
        seen.last = now
    if timeline.model_ready is None and (clone / "models" / "pointe-claire.tar.gz.fingerprint").exists():
        timeline.model_ready = now


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def report(timeline: Timeline, wall: float, total_cpu: float, status: int, commit: str, load: str) -> str:
    lines = [
        "# `make test` from a fresh clone: time and CPU per kind of process",
        "",
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs, commit "
        f"{commit}, load average at start {load}. Command: `.ci/run` (= `make test`, install included) in a fresh "
        "clone; /proc read every few seconds (bench/test_suite.py).",
        "",
        f"- **{minutes(wall)}** wall, exit status {status}; {total_cpu:,.0f} s of CPU "
        f"({total_cpu / wall:.2f} cores busy on average).",
        f"- The shared model ready at {minutes(timeline.model_ready) if timeline.model_ready else '–'}.",
        "",
        "| kind of process | CPU s | share | first seen | last seen |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    kinds = sorted(timeline.kinds().items(), key=lambda item: -item[1][0])
    for kind, (cpu, first, last) in kinds:
        lines.append(f"| {kind} | {cpu:,.0f} | {cpu / total_cpu:.0%} | {minutes(first)} | {minutes(last)} |")
    seen = sum(cpu for cpu, _, _ in timeline.kinds().values())
    lines.append(f"| not seen (processes shorter than a reading) | {max(0.0, total_cpu - seen):,.0f} | | | |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "test_suite_run.md")
    parser.add_argument("--keep", action="store_true", help="keep the clone and its log")
    args = parser.parse_args(argv)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    load = ", ".join(Path("/proc/loadavg").read_text().split()[:3])
    folder = Path(tempfile.mkdtemp(prefix="test-suite-"))
    clone = folder / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    log = folder / "make-test.log"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    timeline = Timeline(time.monotonic())
    with log.open("wb") as output:
        run = subprocess.Popen([str(clone / ".ci" / "run")], cwd=clone, stdout=output, stderr=subprocess.STDOUT)
        while run.poll() is None:
            sample(timeline, run.pid, clone)
            time.sleep(args.interval)
    wall = time.monotonic() - timeline.started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = report(timeline, wall, total_cpu, run.returncode, commit.stdout.strip(), load)
    print(text)
    args.output.write_text(text, encoding="utf-8")
    if args.keep:
        print(f"clone and log kept in {folder}", file=sys.stderr)
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
