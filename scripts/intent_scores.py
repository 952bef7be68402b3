"""Scores the trained model's intent classification on the held-out evaluation set, per language.

`score` serves `make evaluate` (through the REST channel) and `make report`; `held_out_rankings` parses in-process
for `make report`; `python -m scripts.intent_scores [model]` prints the scores of any trained model.
"""

from __future__ import annotations

import asyncio
import logging
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


Ranking = list[tuple[str, float]]  # a message's top intents with their confidences, the chosen one first


async def parse_rankings(model_path: Path, texts: list[str]) -> list[Ranking]:
    """Each text's top-3 intents from the trained model, in-process: the pipeline the assistant runs."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # not one debug line per parsed message
    agent = Agent.load(str(model_path))
    rankings = []
    for text in texts:
        parsed = await agent.parse_message(text)
        top = [(str(i["name"]), float(i.get("confidence") or 0.0)) for i in parsed.get("intent_ranking") or []]
        chosen = (str(parsed["intent"]["name"]), float(parsed["intent"].get("confidence") or 0.0))
        # Components after the classifier (safety net, language detector) may change the intent: show it first.
        rankings.append([chosen, *[item for item in top if item[0] != chosen[0]]][:3])
    return rankings


def held_out_rankings(model_path: Path) -> dict[str, tuple[list[Example], list[Ranking]]]:
    """Loads the model once and ranks both languages' held-out examples: {language: (examples, rankings)}."""
    examples = {language: evaluation_examples(language) for language in LANGUAGES}
    rankings = asyncio.run(parse_rankings(model_path, [ex.text for lang in LANGUAGES for ex in examples[lang]]))
    result = {}
    offset = 0
    for language in LANGUAGES:
        count = len(examples[language])
        result[language] = (examples[language], rankings[offset : offset + count])
        offset += count
    return result


def evaluate_model(model_path: Path) -> dict[str, LanguageScores]:
    """Intent scores of both languages on the held-out examples."""
    return {
        language: score(examples, [ranking[0] for ranking in rankings], language)
        for language, (examples, rankings) in held_out_rankings(model_path).items()
    }


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
