"""The report's baseline: the model trained from the last commit's data and config, so that `make report` shows
what the trainer's uncommitted change did, on today's held-out set, with differences within run-to-run noise called
"same".

The baseline model is trained once per commit (from `git archive HEAD`, in a temporary folder) and kept in
models/baseline/; when nothing that shapes the model changed since the commit, today's model is the baseline and
nothing is trained. It runs with today's code (custom components, lexicons): what it isolates is the training
data and config.
The noise is measured by bench/seed_noise.py (the same data trained with other random seeds) and read from
bench/results/seed_noise.json.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scripts.model_freshness import MODEL, fingerprint, is_fresh, train_command, train_quietly
from scripts.nlu_files import LANGUAGES, PROJECT_ROOT, evaluation_examples

NOISE_FILE = PROJECT_ROOT / "bench" / "results" / "seed_noise.json"
# Below this, a change of F1 is "same" whatever the measured noise (rounding of the report's two decimals).
MIN_NOISE = 0.005


@dataclass(frozen=True)
class Baseline:
    commit: str  # the commit the baseline model was trained from
    model: Path


def head_commit(root: Path = PROJECT_ROOT) -> str | None:
    """The checked-out commit, or None outside a git checkout (a copied project, an exported tree)."""
    found = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False)
    inside = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True, check=False
    )
    if found.returncode != 0 or Path(inside.stdout.strip()).resolve() != root.resolve():
        return None
    return found.stdout.strip()


def export_commit(commit: str, root: Path, into: Path) -> None:
    """The files of `commit` written into `into` (no .git)."""
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=root, capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")


def baseline(root: Path = PROJECT_ROOT, model_now: Path = MODEL, progress: bool = False) -> Baseline | None:
    """The model of the last commit, trained now when it is missing; None outside a git checkout."""
    commit = head_commit(root)
    if commit is None:
        return None
    model = _kept_model(root, commit)
    if model.is_file():
        return Baseline(commit, model)
    with tempfile.TemporaryDirectory(prefix="baseline-") as folder:
        committed = Path(folder)
        export_commit(commit, root, committed)
        if fingerprint(committed) == fingerprint(root) and is_fresh(model_now, root):
            shutil.copy2(model_now, model)  # nothing that shapes the model changed since the commit
            return Baseline(commit, model)
        trained = committed / "models" / "baseline.tar.gz"
        command = train_command(trained)
        print(f"Training the baseline (the last commit, {commit[:12]}) once: {' '.join(command)}", flush=True)
        if train_quietly(command, committed, progress) != 0:
            raise subprocess.CalledProcessError(1, command)
        shutil.move(trained, model)
    return Baseline(commit, model)


def committed(commit: str, root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """What the commit's model was taught and measured on: its domain's intents and its held-out messages."""
    with tempfile.TemporaryDirectory(prefix="baseline-") as folder:
        tree = Path(folder)
        export_commit(commit, root, tree)
        domain = yaml.safe_load((tree / "domain.yml").read_text(encoding="utf-8")) or {}
        held_out = {
            language: [[ex.text, ex.intent] for ex in evaluation_examples(language, tree / "tests" / "evaluation")]
            for language in LANGUAGES
        }
    intents = [next(iter(item)) if isinstance(item, dict) else item for item in domain.get("intents") or []]
    return {"intents": sorted(str(intent) for intent in intents), "held_out": held_out}


def keep_if_committed(model: Path = MODEL, root: Path = PROJECT_ROOT) -> None:
    """Before `model` is retrained: when it was trained (from scratch) from the last commit's files, keep it as that
    commit's baseline, so that the first report after a change trains once, not twice."""
    commit = head_commit(root)
    stamp = model.with_name(model.name + ".fingerprint")
    if commit is None or not (model.is_file() and stamp.is_file()):
        return
    kept = _kept_model(root, commit)
    if kept.is_file() or len(stamp.read_text().split()) != 1:  # a fine-tuned model is no baseline
        return
    with tempfile.TemporaryDirectory(prefix="baseline-") as folder:
        export_commit(commit, root, Path(folder))
        if stamp.read_text().strip() == fingerprint(Path(folder)):
            shutil.copy2(model, kept)


def _kept_model(root: Path, commit: str) -> Path:
    """Where the baseline of `commit` is kept: models/baseline/, holding only the last commit's (40 MB a model)."""
    folder = root / "models" / "baseline"
    folder.mkdir(parents=True, exist_ok=True)
    for older in folder.iterdir():
        if not older.name.startswith(commit[:12]):
            older.unlink()
    return folder / f"{commit[:12]}.tar.gz"


def measured_noise(path: Path = NOISE_FILE) -> dict[str, Any] | None:
    """What bench/seed_noise.py measured: per language, the spread of weighted F1 and of each intent's F1."""
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def noise_band(noise: dict[str, Any] | None, language: str, intent: str | None) -> float:
    """How much an F1 moves between two trainings of the same data (an intent's, or weighted F1 with None): a
    change within it is "same". An intent that was not measured gets the largest band of its language."""
    if noise is None:
        return MIN_NOISE
    measured = noise["languages"].get(language, {})
    if intent is None:
        return max(MIN_NOISE, measured.get("weighted_f1", MIN_NOISE))
    per_intent = measured.get("per_intent", {})
    return max(MIN_NOISE, per_intent.get(intent, max(per_intent.values(), default=MIN_NOISE)))
