"""Compares NLU models (today's config vs config-vectors.yml) on labelled sets: accuracy and weighted F1 per
language, model size, per-message parse time (p50, p90), in-process.

Run: `python -m bench.word_vectors --model today=models/a.tar.gz --model vectors=models/b.tar.gz
--set held-out=tests/evaluation --set resident-style=<dir with resident_style_{fr,en}.yml>`.
A set's directory holds `nlu_{fr,en}.yml` or `resident_style_{fr,en}.yml`. Results: bench/results/vectors.md.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
from pathlib import Path

from scripts.intent_scores import score
from scripts.nlu_files import LANGUAGES, Example, read_examples

SET_FILES = ("nlu_{language}.yml", "resident_style_{language}.yml")


def set_examples(directory: Path, language: str) -> list[Example]:
    for pattern in SET_FILES:
        path = directory / pattern.format(language=language)
        if path.exists():
            return read_examples(path, language, root=path.parent)
    raise FileNotFoundError(f"no {' or '.join(SET_FILES)} for {language} in {directory}")


async def timed_parses(model: Path, texts: list[str]) -> tuple[list[str], list[float]]:
    """The final intent of each text (after every component) and each parse's time in seconds."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))
    await agent.parse_message("bonjour")  # first parse loads lazy parts (the vectors): not a resident's wait
    intents, seconds = [], []
    for text in texts:
        start = time.perf_counter()
        parsed = await agent.parse_message(text)
        seconds.append(time.perf_counter() - start)
        intents.append(str(parsed["intent"]["name"]))
    return intents, seconds


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", action="append", required=True, help="name=path of a trained model")
    parser.add_argument("--set", action="append", required=True, help="name=directory of a labelled set")
    args = parser.parse_args()
    sets = {name: Path(path) for name, path in (item.split("=", 1) for item in args.set)}
    examples = {(name, lang): set_examples(path, lang) for name, path in sets.items() for lang in LANGUAGES}
    print("| model | set | language | n | accuracy | weighted F1 |")
    print("| --- | --- | --- | --- | --- | --- |")
    timings = {}
    for model_name, model_path in (item.split("=", 1) for item in args.model):
        texts = [ex.text for key in examples for ex in examples[key]]
        intents, seconds = asyncio.run(timed_parses(Path(model_path), texts))
        timings[model_name] = (seconds, Path(model_path).stat().st_size)
        offset = 0
        for (set_name, language), items in examples.items():
            predicted = intents[offset : offset + len(items)]
            offset += len(items)
            scores = score(items, [(intent, 1.0) for intent in predicted], language)
            print(
                f"| {model_name} | {set_name} | {language} | {len(items)} | {scores.accuracy:.3f} "
                f"| {scores.weighted_f1:.3f} |"
            )
            for ex, wrong, _ in scores.errors:
                logging.getLogger(__name__).info("%s %s %s -> %s: %s", model_name, set_name, ex.intent, wrong, ex.text)
    print("\n| model | size (MB) | parse p50 (ms) | parse p90 (ms) | messages |")
    print("| --- | --- | --- | --- | --- |")
    for model_name, (seconds, size) in timings.items():
        print(
            f"| {model_name} | {size / 1e6:.1f} | {statistics.median(seconds) * 1000:.1f} "
            f"| {percentile(seconds, 0.9) * 1000:.1f} | {len(seconds)} |"
        )


if __name__ == "__main__":
    main()
