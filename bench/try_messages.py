"""How long `make try` takes: the first call (which starts the background assistant) and each call after it,
from the command line to the printed answer. Run: `python -m bench.try_messages` (part of `make bench`); writes
bench/results/try.md.

Messages: the authored held-out set's first 20 of each language, one `make try`-like process each, as a trainer
types them.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from scripts.nlu_files import PROJECT_ROOT, evaluation_examples
from scripts.try_messages import stop

RESULTS = Path(__file__).resolve().parent / "results" / "try.md"
PER_LANGUAGE = 20


def timed_try(text: str) -> float:
    """Seconds for one `python -m scripts.try_messages TEXT`, as `make try TEXT=...` runs it."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "scripts.try_messages", text],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    texts = [example.text for language in ("fr", "en") for example in evaluation_examples(language)[:PER_LANGUAGE]]
    stop()
    cold = timed_try(texts[0])
    warm = sorted(timed_try(text) for text in texts)
    stop()
    p95 = warm[int(0.95 * (len(warm) - 1))]
    load = os.getloadavg()[0]
    table = "\n".join(
        [
            "# `make try`: seconds from the command to the printed answer",
            "",
            f"{len(warm)} messages of the held-out set, one process each; load average {load:.1f} on "
            f"{os.cpu_count()} cores.",
            "",
            "| call | median s | p95 s | max s |",
            "| --- | ---: | ---: | ---: |",
            f"| first (starts the background assistant) | {cold:.1f} | | |",
            f"| each after it | {statistics.median(warm):.2f} | {p95:.2f} | {warm[-1]:.2f} |",
            "",
        ]
    )
    RESULTS.write_text(table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
