"""Time per message of the rule layers that run on every message: language identification, the emergency safety
net and the netiquette checker. Run: `python -m bench.rule_layers` (part of `make bench`).

Messages: the labelled language set, the safety sets and the netiquette sets, each checked three times after a
warm-up; a 20,000-character message is timed apart.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bench.language_id import load_labelled
from pointe_claire.language import LinguaIdentifier
from pointe_claire.netiquette import default_checker
from pointe_claire.safety import default_detector

TESTS = Path(__file__).resolve().parent.parent / "tests"


def sample_messages() -> list[str]:
    texts = [text for text, _ in load_labelled()]
    for language in ("fr", "en"):
        emergencies = yaml.safe_load((TESTS / "safety" / f"emergencies_{language}.yml").read_text(encoding="utf-8"))
        texts += [item["text"] for item in emergencies["messages"]]
        netiquette = yaml.safe_load((TESTS / "netiquette" / f"netiquette_{language}.yml").read_text(encoding="utf-8"))
        texts += [text for messages in netiquette.get("rules", {}).values() for text in messages]
        texts += list(netiquette.get("civil", []))
    lookalikes = yaml.safe_load((TESTS / "safety" / "lookalikes.yml").read_text(encoding="utf-8"))["messages"]
    return texts + [text for messages in lookalikes.values() for text in messages]


def timings_ms(check: Callable[[str], object], texts: list[str]) -> list[float]:
    for text in texts[:50]:
        check(text)
    durations = []
    for text in texts * 3:
        started = time.perf_counter()
        check(text)
        durations.append(1000 * (time.perf_counter() - started))
    return sorted(durations)


def main() -> None:
    texts = sample_messages()
    huge = "la rue est inondée et y'a de l'eau partout " * 450
    layers: dict[str, Callable[[str], object]] = {
        "language identification": LinguaIdentifier().identify,
        "emergency safety net": default_detector().detect,
        "netiquette checker": default_checker().check,
    }
    print(f"Rule layers, {len(texts)} messages x 3 (plus one of {len(huge)} characters)")
    print(f"{'layer':<26} {'median ms':>9} {'p95 ms':>7} {'max ms':>7} {'20k chars ms':>12}")
    for name, check in layers.items():
        durations = timings_ms(check, texts)
        started = time.perf_counter()
        check(huge)
        long_ms = 1000 * (time.perf_counter() - started)
        p95 = durations[int(0.95 * (len(durations) - 1))]
        print(f"{name:<26} {statistics.median(durations):>9.3f} {p95:>7.3f} {durations[-1]:>7.2f} {long_ms:>12.1f}")


if __name__ == "__main__":
    main()
