"""A model load, Rasa's way and ours (pointe_claire/nlu/tf_model_load.py): time, and whether the answers are the same.
Run: `python -m bench.model_load [--model M] [--runs N]` (writes bench/results/model_load.md).

Each run is a fresh process, as a Rasa server or a report is: it loads the model, then parses every held-out message
and asks TED for the next action after each of them. The two ways alternate, so a busy minute falls on both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rasa.core.agent import Agent
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.graph import GraphNode
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from pointe_claire import settings
from scripts.baseline import head_commit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "model_load.md"
MODEL = ROOT / "models" / "pointe-claire.tar.gz"

MEASURE = """
import contextlib, json, sys, time
from rasa.core.agent import Agent
from bench.model_load import answers
import pointe_claire.nlu.tokenizer  # imported by both ways before the clock starts, as rasas_own_load() must
from pointe_claire.nlu.tf_model_load import rasas_own_load
from scripts.nlu_files import evaluation_examples
texts = [ex.text for language in ("fr", "en") for ex in evaluation_examples(language)]
with rasas_own_load() if sys.argv[2] == "rasa" else contextlib.nullcontext():
    wall, cpu = time.perf_counter(), time.process_time()
    agent = Agent.load(sys.argv[1])
    load = [time.perf_counter() - wall, time.process_time() - cpu]
print(json.dumps({"load": load, "answers": answers(agent, texts)}))
"""


def tf_nodes(agent: Agent) -> list[GraphNode]:
    """The loaded graph's nodes that hold a TensorFlow model (DIET, TED): what the quick load replaces."""
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    return [node for node in nodes if isinstance(node._component, (DIETClassifier, TEDPolicy))]


def answers(agent: Agent, texts: list[str]) -> list[Any]:
    """What a load must reproduce: each message's DIET ranking (first three, with confidences) and TED's probability
    of every action after it, to 6 decimals. Also the test's measure (tests/test_tf_model_load.py)."""
    ted = next(node._component for node in tf_nodes(agent) if isinstance(node._component, TEDPolicy))
    assert ted.model is not None, "TED loaded without its model"  # TED's load turns a failure into that

    async def answer(text: str) -> list[Any]:
        parsed = await agent.parse_message(text)
        ranking = [(i["name"], round(float(i["confidence"]), 6)) for i in parsed["intent_ranking"][:3]]
        events = [ActionExecuted("action_listen"), UserUttered(text, parsed["intent"], parse_data=parsed)]
        tracker = DialogueStateTracker.from_events("load", events, agent.domain.slots)
        probabilities = ted.predict_action_probabilities(tracker, agent.domain).probabilities
        return [ranking, [round(p, 6) for p in probabilities]]

    return [asyncio.run(answer(text)) for text in texts]


def measure(model: Path, way: str) -> dict:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", MEASURE, str(model), way],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: dict = json.loads(run.stdout.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="A model load, Rasa's way and ours.")
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--runs", type=int, default=3, help="runs of each way")
    args = parser.parse_args()
    loads: dict[str, list[list[float]]] = {"rasa": [], "ours": []}
    answers: dict[str, list] = {}
    for _ in range(args.runs):
        for way in ("rasa", "ours"):
            result = measure(args.model, way)
            loads[way].append(result["load"])
            answers.setdefault(way, result["answers"])
            if result["answers"] != answers[way]:
                sys.exit(f"{way}: the same way gave other answers from one process to the next")
            print(way, [round(x, 1) for x in result["load"]], flush=True)
    same = sum(a == b for a, b in zip(answers["rasa"], answers["ours"], strict=True))
    cores = len(os.sched_getaffinity(0))
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    commit = (head_commit() or "unknown")[:7]
    rows = []
    for way, title in (
        ("rasa", "Rasa's `RasaModel.load` (one training step traced)"),
        ("ours", "ours (the step run eagerly)"),
    ):
        walls, cpus = [x[0] for x in loads[way]], [x[1] for x in loads[way]]
        rows.append(f"| {title} | {statistics.median(walls):.1f} s | {statistics.median(cpus):.1f} s | {len(walls)} |")
    RESULTS.write_text(
        "# A model load, Rasa's way and ours (`python -m bench.model_load`)\n\n"
        f"Run {when} on {cores} CPUs, commit {commit}, model {args.model.name}. Each run a fresh process"
        " (`Agent.load`, as a Rasa server or a report loads it); the two ways alternate. Sentence encoder threads:"
        f" {settings.integer('ENCODER_THREADS') or 'one per core'} (ENCODER_THREADS; `make test` sets 1, and one"
        " TensorFlow thread).\n\n"
        "| load | wall (median) | CPU (median) | runs |\n| --- | ---: | ---: | ---: |\n"
        + "\n".join(rows)
        + f"\n\nThe same answers: {same} of {len(answers['rasa'])} held-out messages (the intent ranking's first"
        " three with their confidences, and TED's probabilities of every action after the message, to 6 decimals).\n",
        encoding="utf-8",
    )
    print(f"{same} of {len(answers['rasa'])} the same; written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
