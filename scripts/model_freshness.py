"""Trains the model exactly when something that shapes it changed: one rule for `make train` and the tests.

The fingerprint covers config.yml, domain.yml, every YAML file under data/, and every project module that a
custom pipeline component or policy imports (followed through the imports, so a helper such as
text_normalization.py counts). It is written beside the model after a successful training; a model whose
stored fingerprint differs from today's files is stale.

The trainer's fast round (`make report FAST=1`) fine-tunes the current model instead: a fifth of the epochs, about
a minute instead of three or four (bench/results/trainer_round.md). Rasa refuses to fine-tune when an intent,
response or setting changed (then the model is trained from scratch), and a fine-tuned model is marked so in its
stamp: `make train` and `make test` never take it for a fresh one.

One training at a time per model: `make test` starts the tests that need no model while `make train` runs, and a
test process that needs the model waits for that training (a lock file beside the model), then finds it fresh.
"""

from __future__ import annotations

import argparse
import ast
import fcntl
import hashlib
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from scripts import quiet
from scripts.nlu_files import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "pointe-claire.tar.gz"
RASA = Path(sys.executable).parent / "rasa"
# The share of the configured epochs a fast round fine-tunes for (measured: bench/results/trainer_round.md).
FINETUNE_EPOCH_FRACTION = "0.2"
FINETUNED = "finetuned"


def _module_file(name: str, root: Path) -> Path | None:
    """The project file of a dotted module name, or None for a module from outside the project."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(path: Path, root: Path) -> Iterable[str]:
    """Dotted names a module imports, relative imports resolved against its package."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join(part for part in [*parent, node.module or ""] if part)
            else:
                stem = node.module or ""
            yield stem
            yield from (f"{stem}.{alias.name}" for alias in node.names)  # `from package import module`


def component_modules(config_path: Path, root: Path = PROJECT_ROOT) -> list[Path]:
    """Project modules the custom components and policies of `config_path` import, directly or not."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    entries = [*(config.get("pipeline") or []), *(config.get("policies") or [])]
    pending = [entry["name"].rsplit(".", 1)[0] for entry in entries if "." in str(entry.get("name", ""))]
    found: set[Path] = set()
    while pending:
        name = pending.pop()
        for prefix in _prefixes(name):  # importing a.b.c runs a/__init__.py and a/b/__init__.py too
            path = _module_file(prefix, root)
            if path and path not in found:
                found.add(path)
                pending.extend(_imported_names(path, root))
    return sorted(found)


def _prefixes(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: end + 1]) for end in range(len(parts))]


def training_inputs(root: Path = PROJECT_ROOT) -> list[Path]:
    """Every file whose content shapes the trained model."""
    config = root / "config.yml"
    data = sorted((root / "data").rglob("*.yml"))
    return [config, root / "domain.yml", *data, *component_modules(config, root)]


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for path in training_inputs(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _stamp(model: Path) -> Path:
    return model.with_name(model.name + ".fingerprint")


def is_fresh(model: Path = MODEL, root: Path = PROJECT_ROOT, finetuned_will_do: bool = False) -> bool:
    """Whether `model` was trained from today's files (from scratch, unless `finetuned_will_do`)."""
    stamp = _stamp(model)
    if not (model.is_file() and stamp.is_file()):
        return False
    trained_from, *how = stamp.read_text().split()
    return trained_from == fingerprint(root) and (finetuned_will_do or FINETUNED not in how)


def train_command(model: Path) -> list[str]:
    """`rasa train` into `model`, run from the project's folder."""
    name = model.name.removesuffix(".tar.gz")
    return [str(RASA), "train", "--fixed-model-name", name, "--out", str(model.parent)]


@contextmanager
def training_lock(model: Path = MODEL) -> Iterator[None]:
    """Held while `model` is checked and trained: another process that needs it waits, then finds it fresh."""
    model.parent.mkdir(parents=True, exist_ok=True)
    with model.with_name(model.name + ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed, or the process ends
        yield


def ensure_fresh_model(
    model: Path = MODEL, root: Path = PROJECT_ROOT, progress: bool = False, fast: bool = False
) -> Path:
    """Trains into `model` unless it is fresh; returns its path. `fast` fine-tunes the existing model when Rasa
    allows it. Rasa's progress bars and INFO lines are shown only with `progress` (scripts/quiet.py): its warnings
    and errors always are. Waits for a training of `model` under way in another process."""
    if is_fresh(model, root, finetuned_will_do=fast):
        return model
    with training_lock(model):
        return _train_unless_fresh(model, root, progress, fast)


def _train_unless_fresh(model: Path, root: Path, progress: bool, fast: bool) -> Path:
    if is_fresh(model, root, finetuned_will_do=fast):
        return model
    current = fingerprint(root)
    command = train_command(model)
    if fast and model.is_file():
        finetune = [*command, "--finetune", str(model), "--epoch-fraction", FINETUNE_EPOCH_FRACTION]
        print("Fine-tuning the model (FAST=1):", " ".join(finetune), flush=True)
        if train_quietly(finetune, root, progress) == 0:
            _stamp(model).write_text(f"{current} {FINETUNED}\n")
            return model
        print("Rasa cannot fine-tune after this change (an intent, response or setting changed): training anew.")
    print("The model is missing or what shapes it changed:", " ".join(command), flush=True)
    if not progress:
        print("Training takes 3-5 minutes; VERBOSE=1 shows Rasa's progress.", flush=True)
    if train_quietly(command, root, progress) != 0:
        raise subprocess.CalledProcessError(1, command)
    _stamp(model).write_text(current + "\n")
    return model


def train_quietly(command: list[str], root: Path, progress: bool) -> int:
    """Runs a `rasa train` command in the project `root`, through scripts/quiet.py unless `progress`; its status."""
    if not progress and (root / "scripts" / "quiet.py").is_file():  # an old commit's tree may not have it
        command = [sys.executable, "-m", "scripts.quiet", "rasa", *command[1:]]
    return subprocess.run(command, cwd=root, check=False, env=quiet.environment(progress)).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["train", "check", "inputs"], help="train if stale | exit 1 if stale | list")
    parser.add_argument("--progress", action="store_true", help="show Rasa's progress bars and INFO lines")
    parser.add_argument("--fast", action="store_true", help="fine-tune the current model when Rasa allows it")
    args = parser.parse_args(argv)
    if args.command == "inputs":
        print("\n".join(str(path.relative_to(PROJECT_ROOT)) for path in training_inputs()))
        return 0
    if args.command == "check":
        fresh = is_fresh()
        print("model is up to date" if fresh else "model is stale or missing")
        return 0 if fresh else 1
    from scripts.baseline import keep_if_committed  # the baseline module builds on this one

    with training_lock():
        if not is_fresh(finetuned_will_do=args.fast):
            keep_if_committed()
        _train_unless_fresh(MODEL, PROJECT_ROOT, args.progress, args.fast)
    return 0


if __name__ == "__main__":
    sys.exit(main())
