"""Scores the trained model's intent classification on the held-out evaluation set, per language.

Used by `make evaluate`, `make report` and the evaluation test.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from sklearn.metrics import precision_recall_fscore_support

from scripts.nlu_files import LANGUAGES, Example, evaluation_examples


@dataclass
class LanguageScores:
    language: str
    weighted_f1: float
    macro_f1: float
    accuracy: float
    per_intent: dict[str, tuple[float, float, float, int]] = field(default_factory=dict)
    errors: list[tuple[Example, str, float]] = field(default_factory=list)


def score(examples: list[Example], predictions: list[tuple[str, float]], language: str) -> LanguageScores:
    """Precision, recall and F1 per intent, plus weighted and macro F1, for one language."""
    gold = [ex.intent for ex in examples]
    predicted = [intent for intent, _ in predictions]
    labels = sorted(set(gold))
    precision, recall, f1, support = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    weighted = precision_recall_fscore_support(gold, predicted, labels=labels, average="weighted", zero_division=0)
    macro = precision_recall_fscore_support(gold, predicted, labels=labels, average="macro", zero_division=0)
    return LanguageScores(
        language=language,
        weighted_f1=float(weighted[2]),
        macro_f1=float(macro[2]),
        accuracy=sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold),
        per_intent={
            label: (float(p), float(r), float(f), int(s))
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        errors=[(ex, p, c) for ex, (p, c) in zip(examples, predictions, strict=True) if ex.intent != p],
    )


async def _predict(model_path: Path, texts: list[str]) -> list[tuple[str, float]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))
    results = []
    for text in texts:
        parsed = await agent.parse_message(text)
        results.append((parsed["intent"]["name"], float(parsed["intent"].get("confidence") or 0.0)))
    return results


def evaluate_model(model_path: Path) -> dict[str, LanguageScores]:
    """Loads the model once and scores it on both languages' held-out examples."""
    examples = {language: evaluation_examples(language) for language in LANGUAGES}
    texts = [ex.text for language in LANGUAGES for ex in examples[language]]
    predictions = asyncio.run(_predict(model_path, texts))
    scores: dict[str, LanguageScores] = {}
    offset = 0
    for language in LANGUAGES:
        count = len(examples[language])
        scores[language] = score(examples[language], predictions[offset : offset + count], language)
        offset += count
    return scores


def format_scores(scores: dict[str, LanguageScores]) -> str:
    lines = []
    for language, s in scores.items():
        lines.append(
            f"[{language}] intent F1 weighted {s.weighted_f1:.3f}, macro {s.macro_f1:.3f}, "
            f"accuracy {s.accuracy:.3f} ({len(s.errors)} errors)"
        )
        for ex, predicted, confidence in s.errors:
            lines.append(f"    {ex.intent:<35} -> {predicted:<35} {confidence:.2f}  {ex.text}")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(format_scores(evaluate_model(Path(sys.argv[1] if len(sys.argv) > 1 else "models/pointe-claire.tar.gz"))))
