"""The sentence encoder's threads on a quiet and on a busy machine: why `make test` sets ENCODER_THREADS=1.
Run: `python -m bench.encoder_threads` (writes bench/results/encoder_threads.md).

Each case is a fresh process (the engine reads its thread count once): 300 held-out messages encoded one at a
time, as the assistant encodes a resident's message, then the training examples in one call, as training does.
"Busy" runs a spinning process on one core beside it, as `make test`'s other processes do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "encoder_threads.md"

MEASURE = """
import json, time
from pointe_claire.nlu.sentence_encoder import default_encoder
from scripts.nlu_files import evaluation_examples, training_examples
messages = [ex.text for language in ("fr", "en") for ex in evaluation_examples(language)][:300]
examples = [ex.text for language in ("fr", "en") for ex in training_examples(language)]
encoder = default_encoder()
encoder.encode(messages[:5])
result = {}
for name, run in (("one at a time", lambda: [encoder.encode([m]) for m in messages]),
                  ("training", lambda: encoder.encode(examples))):
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    result[name] = [time.perf_counter() - wall, time.process_time() - cpu]
result["counts"] = [len(messages), len(examples)]
print(json.dumps(result))
"""


def measure(threads: str, busy: bool) -> dict[str, list[float]]:
    environment = {**os.environ, "ENCODER_THREADS": threads, "PYTHONPATH": str(ROOT)}
    environment.pop("OMP_NUM_THREADS", None)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        run = subprocess.run(
            [sys.executable, "-c", MEASURE], env=environment, capture_output=True, text=True, check=True, cwd=ROOT
        )
    finally:
        if spinner:
            spinner.kill()
            spinner.wait()
    result: dict[str, list[float]] = json.loads(run.stdout.splitlines()[-1])
    return result


def main() -> None:
    cores = len(os.sched_getaffinity(0))
    rows, counts = [], [0, 0]
    for busy in (False, True):
        for threads in ("0", "1"):
            result = measure(threads, busy)
            counts = [int(count) for count in result["counts"]]
            (single_wall, single_cpu), (training_wall, training_cpu) = result["one at a time"], result["training"]
            rows.append(
                f"| {'one core busy' if busy else 'quiet'} | {threads if threads != '0' else f'{cores} (all)'} "
                f"| {single_wall:.1f} s | {single_cpu:.1f} s | {training_wall:.1f} s | {training_cpu:.1f} s |"
            )
            print(rows[-1], flush=True)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    RESULTS.write_text(
        "# The sentence encoder's threads (`python -m bench.encoder_threads`)\n\n"
        f"Run {when} on {cores} CPUs. Each row a fresh process: {counts[0]} held-out messages encoded one at a time"
        f" (as the assistant does), then the {counts[1]} training examples in one call (as training does). "
        '"One core busy": a spinning process beside it.\n\n'
        "| machine | threads | one at a time: wall | CPU | training: wall | CPU |\n"
        "| --- | --- | ---: | ---: | ---: | ---: |\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
