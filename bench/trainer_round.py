"""How long a trainer waits for `make report` after a change: the whole model (`rasa train`), the NLU model alone
(`rasa train nlu`), and the NLU model fine-tuned from the previous one (`rasa train nlu --finetune`, a fifth of the
epochs), each followed by scoring the held-out set; with the held-out weighted F1 each gives.

Run: `python -m bench.trainer_round` (about 10 minutes on 2 cores). Works in an export of the last commit (never
this checkout's models or cache), with Rasa's cache emptied, and writes bench/results/trainer_round.md. The change
is the kind a trainer makes most: a few examples added to an intent that exists (fine-tuning cannot add an intent).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from scripts.baseline import export_commit
from scripts.model_freshness import RASA
from scripts.nlu_files import LANGUAGES, PROJECT_ROOT
from scripts.report import evaluate

RESULTS = PROJECT_ROOT / "bench" / "results" / "trainer_round.md"
CHANGED_FILE = Path("data/nlu/en/events.yml")
ADDED_EXAMPLES = (
    "    - anything fun for teens at the chalet this saturday\n"
    "    - is the winter carnival on again this year\n"
    "    - whats on at the cultural centre next week\n"
)


def timed(command: list[str], project: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=project, check=True, env={**os.environ, "RASA_CACHE_DIRECTORY": str(project / "c")})
    return time.perf_counter() - started


def scored(model: Path) -> tuple[float, dict[str, float]]:
    started = time.perf_counter()
    reports, _ = evaluate(model)
    return time.perf_counter() - started, {lang: reports[lang].scores.weighted_f1 for lang in LANGUAGES}


def add_examples(project: Path) -> None:
    """Appends examples to the first intent of CHANGED_FILE (its examples block ends the first `examples: |`)."""
    path = project / CHANGED_FILE
    text = path.read_text(encoding="utf-8")
    marker = "examples: |\n"
    at = text.index(marker) + len(marker)
    path.write_text(text[:at] + ADDED_EXAMPLES + text[at:], encoding="utf-8")


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory(prefix="trainer-round-") as folder:
        project = Path(folder)
        export_commit("HEAD", PROJECT_ROOT, project)
        out = ["--out", "models"]
        full = timed([str(RASA), "train", *out, "--fixed-model-name", "full"], project)
        nlu = timed([str(RASA), "train", "nlu", "--nlu", "data/nlu", *out, "--fixed-model-name", "nlu"], project)
        add_examples(project)
        nlu_again = timed([str(RASA), "train", "nlu", "--nlu", "data/nlu", *out, "--fixed-model-name", "nlu2"], project)
        finetune = timed(
            [str(RASA), "train", "nlu", "--nlu", "data/nlu", *out, "--fixed-model-name", "tuned"]
            + ["--finetune", "models/nlu.tar.gz", "--epoch-fraction", "0.2"],
            project,
        )
        for name, seconds, model in (
            ("`rasa train` (whole model), no cache", full, "full"),
            ("`rasa train nlu`, no cache", nlu, "nlu"),
            ("`rasa train nlu` after adding 3 examples (cache of the previous run)", nlu_again, "nlu2"),
            ("`rasa train nlu --finetune --epoch-fraction 0.2` after adding 3 examples", finetune, "tuned"),
        ):
            score_seconds, f1 = scored(project / "models" / f"{model}.tar.gz")
            rows.append((name, seconds, score_seconds, f1))
    lines = [
        "# The trainer's round (`python -m bench.trainer_round`)",
        "",
        f"Measured {date.today().isoformat()} on this 2-core machine (other work may have shared it: see the commit "
        "message). Scoring = loading the model and parsing every held-out and safety message in-process.",
        "",
        "| training | training (s) | scoring (s) | round (s) | "
        + " | ".join(f"F1 {lang}" for lang in LANGUAGES)
        + " |",
        "| --- | ---: | ---: | ---: | " + " | ".join("---:" for _ in LANGUAGES) + " |",
    ]
    for name, seconds, score_seconds, f1 in rows:
        cells = " | ".join(f"{f1[lang]:.3f}" for lang in LANGUAGES)
        lines.append(f"| {name} | {seconds:.0f} | {score_seconds:.0f} | {seconds + score_seconds:.0f} | {cells} |")
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
