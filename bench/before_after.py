"""REST latency of two versions of the assistant in one run: each message goes to both, in turn, so a changing load
on the machine weighs on both alike. Run:
    PYTHONPATH=. .venv/bin/python -m bench.before_after --before /path/to/old/checkout [--messages 300]
`--before` is another checkout of the project with its own trained model (models/pointe-claire.tar.gz); the
"after" is this checkout. Messages: the held-out set, both languages, each in a new conversation, concurrency 1;
`--set dev`: the development set of real messages instead (built by `python -m scripts.real_set --set dev`), where
more messages reach the fallback and its second opinion. Adds the run at the top of bench/results/before_after.md
(before_after_dev.md), under a heading with the date and both commits; the earlier runs stay below it.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

from scripts.baseline import head_commit
from scripts.evaluate_real import load_real_set
from scripts.nlu_files import LANGUAGES, PROJECT_ROOT, evaluation_examples
from scripts.servers import ActionServer, Assistant

RESULTS = Path(__file__).resolve().parent / "results"
SET_NAMES = {"held-out": "held-out messages", "dev": "real messages of the development set"}
MODEL = Path("models") / "pointe-claire.tar.gz"
WARM_UP = 20


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def commit(root: Path) -> str:
    """The checkout's commit, marked when its tracked files differ from it: what was measured."""
    head = head_commit(root)
    if head is None:
        return "not a git checkout"
    dirty = subprocess.run(["git", "-C", str(root), "diff", "--quiet", "HEAD"], capture_output=True).returncode != 0
    return head[:7] + (" with uncommitted changes" if dirty else "")


def with_earlier_runs(path: Path, title: str, run: list[str]) -> str:
    """The new run first, under the title, and every earlier run of the file below it."""
    earlier = path.read_text(encoding="utf-8").split("\n", 1)[1].strip() if path.exists() else ""
    return "\n".join([title, "", *run, *(["", earlier] if earlier else []), ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--before", type=Path, required=True, help="the other checkout, with its trained model")
    parser.add_argument("--messages", type=int, default=300, help="messages sent to each version (default 300)")
    parser.add_argument(
        "--set", choices=sorted(SET_NAMES), default="held-out", help="which messages (default held-out)"
    )
    args = parser.parse_args(argv)
    if args.set == "dev":
        texts = [message.text for message in load_real_set(name="dev")]
    else:
        texts = [example.text for language in LANGUAGES for example in evaluation_examples(language)]
    versions = {"before": args.before.resolve(), "after": PROJECT_ROOT}
    timings: dict[str, list[float]] = {name: [] for name in versions}
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        assistants = {}
        for name, root in versions.items():
            (workdir / name).mkdir()
            actions = ActionServer(workdir / name, root=root)
            actions.start()
            stack.callback(actions.stop)
            assistant = Assistant(workdir / name, root / MODEL, actions)
            assistant.start()
            stack.callback(assistant.stop)
            assistants[name] = assistant
        messages = itertools.islice(itertools.cycle(texts), WARM_UP + args.messages)
        for index, text in enumerate(messages):
            for name, assistant in assistants.items():
                started = time.perf_counter()
                assistant.send(f"bench-{uuid.uuid4().hex[:12]}", text)
                if index >= WARM_UP:
                    timings[name].append(1000 * (time.perf_counter() - started))
    p50 = {name: statistics.median(values) for name, values in timings.items()}
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = "# REST latency before and after, one run, concurrency 1 (`python -m bench.before_after`)"
    lines = [
        f"## {now}: {commit(PROJECT_ROOT)} against {commit(versions['before'])}",
        "",
        f"{args.messages} {SET_NAMES[args.set]} sent to each version in turn, each a new conversation; load average "
        f"{os.getloadavg()[0]:.1f} at the end on {os.cpu_count()} cores. Before: `{versions['before']}`.",
        "",
        "| version | p50 ms | p95 ms | max ms |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {name} | {p50[name]:.1f} | {percentile(values, 0.95):.1f} | {max(values):.1f} |"
            for name, values in timings.items()
        ),
        "",
        f"After / before, p50: {p50['after'] / p50['before']:.2f}x.",
    ]
    results = RESULTS / ("before_after.md" if args.set == "held-out" else f"before_after_{args.set}.md")
    results.write_text(with_earlier_runs(results, title, lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
