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


async def timed_parses(models: list[Path], texts: list[str]) -> list[tuple[list[str], list[float]]]:
    """Per model: the final intent of each text (after every component) and each parse's time in seconds. The
    models take turns on each text, so a change in the machine's load falls on all of them alike."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    agents = [Agent.load(str(model)) for model in models]
    results: list[tuple[list[str], list[float]]] = [([], []) for _ in models]
    for agent in agents:
        await agent.parse_message("bonjour")  # the first parse loads lazy parts (the vectors)
    for text in texts:
        for agent, (intents, seconds) in zip(agents, results, strict=True):
            start = time.perf_counter()
            parsed = await agent.parse_message(text)
            seconds.append(time.perf_counter() - start)
            intents.append(str(parsed["intent"]["name"]))
    return results


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", action="append", required=True, help="name=path of a trained model")
    parser.add_argument("--set", action="append", required=True, help="name=directory of a labelled set")
    parser.add_argument("--errors", type=Path, help="write each wrong prediction here (TSV), for comparing models")
    args = parser.parse_args()
    errors: list[str] = []
    sets = {name: Path(path) for name, path in (item.split("=", 1) for item in args.set)}
    examples = {(name, lang): set_examples(path, lang) for name, path in sets.items() for lang in LANGUAGES}
    print("| model | set | language | n | accuracy | weighted F1 |")
    print("| --- | --- | --- | --- | --- | --- |")
    models = dict(item.split("=", 1) for item in args.model)
    texts = [ex.text for key in examples for ex in examples[key]]
    parses = asyncio.run(timed_parses([Path(path) for path in models.values()], texts))
    timings = {}
    for (model_name, model_path), (intents, seconds) in zip(models.items(), parses, strict=True):
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
            errors += [
                f"{model_name}\t{set_name}\t{ex.where}\t{ex.intent}\t{wrong}\t{ex.text}"
                for ex, wrong, _ in scores.errors
            ]
    print("\n| model | size (MB) | parse p50 (ms) | parse p90 (ms) | messages |")
    print("| --- | --- | --- | --- | --- |")
    for model_name, (seconds, size) in timings.items():
        print(
            f"| {model_name} | {size / 1e6:.1f} | {statistics.median(seconds) * 1000:.1f} "
            f"| {percentile(seconds, 0.9) * 1000:.1f} | {len(seconds)} |"
        )

    if args.errors:
        args.errors.write_text("".join(f"{line}\n" for line in errors), encoding="utf-8")


if __name__ == "__main__":
    main()
