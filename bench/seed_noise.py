"""Run-to-run noise of the trainer's report: the same data and config trained with other random seeds (DIET's
`random_seed`), each model scored on the held-out set. How much an intent's F1 moves between these trainings is
what `make report` calls "same" (scripts/baseline.noise_band): a change within it is not the trainer's doing.

Run: `python -m bench.seed_noise [--seeds 42 7 1234]` (about three minutes a seed on 2 cores). Writes
bench/results/seed_noise.json (read by `make report`) and bench/results/seed_noise.md. Measure again after a large
change to the data or to the classifier's settings.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from scripts import quiet
from scripts.baseline import NOISE_FILE
from scripts.model_freshness import RASA
from scripts.nlu_files import LANGUAGES, PROJECT_ROOT
from scripts.report import evaluate

CLASSIFIER = "DIETClassifier"


def seeded_config(seed: int, folder: Path) -> Path:
    """config.yml with the classifier's random seed set to `seed`."""
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"] == CLASSIFIER:
            component["random_seed"] = seed
    path = folder / f"config-seed-{seed}.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def train(seed: int, folder: Path) -> tuple[Path, float]:
    config = seeded_config(seed, folder)
    name = f"seed-{seed}"
    command = [str(RASA), "train", "--config", str(config)]
    started = time.perf_counter()
    out = ["--out", str(folder), "--fixed-model-name", name]
    subprocess.run([*command, *out], cwd=PROJECT_ROOT, check=True, env=quiet.environment(progress=False))
    return folder / f"{name}.tar.gz", time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 7, 1234])
    args = parser.parse_args(argv)
    scores: dict[int, dict[str, dict[str, float]]] = {}
    weighted: dict[int, dict[str, float]] = {}
    seconds: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="seed-noise-") as tmp:
        for seed in args.seeds:
            model, seconds[seed] = train(seed, Path(tmp))
            reports, _ = evaluate(model)
            scores[seed] = {lang: {i: s[2] for i, s in reports[lang].scores.per_intent.items()} for lang in LANGUAGES}
            weighted[seed] = {lang: reports[lang].scores.weighted_f1 for lang in LANGUAGES}
    languages: dict[str, dict[str, Any]] = {}
    for lang in LANGUAGES:
        intents = sorted(set().union(*(scores[seed][lang] for seed in args.seeds)))
        spread = {
            intent: round(max(values) - min(values), 4)
            for intent in intents
            if len(values := [scores[seed][lang][intent] for seed in args.seeds if intent in scores[seed][lang]]) > 1
        }
        f1s = [weighted[seed][lang] for seed in args.seeds]
        languages[lang] = {"weighted_f1": round(max(f1s) - min(f1s), 4), "per_intent": spread}
    result = {"measured": date.today().isoformat(), "seeds": args.seeds, "languages": languages}
    NOISE_FILE.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    lines = [
        "# Run-to-run noise of the trainer's report (`python -m bench.seed_noise`)",
        "",
        f"Measured {result['measured']} on this 2-core machine: the model trained from the same data and config "
        f"with DIET seeds {', '.join(map(str, args.seeds))}, each scored on the held-out set. `make report` calls an "
        "intent better or worse only when its F1 moves more than its spread here (at least 0.005).",
        "",
        "| seed | training (s) | " + " | ".join(f"weighted F1 {lang}" for lang in LANGUAGES) + " |",
        "| ---: | ---: | " + " | ".join("---:" for _ in LANGUAGES) + " |",
        *(
            f"| {seed} | {seconds[seed]:.0f} | "
            + " | ".join(f"{weighted[seed][lang]:.3f}" for lang in LANGUAGES)
            + " |"
            for seed in args.seeds
        ),
        "",
        "| language | weighted F1 spread | intents measured | median intent spread | largest intent spreads |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for lang, data in languages.items():
        spreads = sorted(data["per_intent"].items(), key=lambda item: -item[1])
        values = sorted(data["per_intent"].values())
        median = values[len(values) // 2] if values else 0.0
        largest = ", ".join(f"`{intent}` {value:.3f}" for intent, value in spreads[:5])
        lines.append(f"| {lang} | {data['weighted_f1']:.3f} | {len(values)} | {median:.3f} | {largest} |")
    (NOISE_FILE.with_suffix(".md")).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
