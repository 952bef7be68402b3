"""Compares language detectors on short citizen messages (bench/data/language_id.tsv, labelled by hand).

Run: `make bench` (or `python -m bench.language_id`). Reports accuracy overall and on one- and two-word
messages; for our detector also how often it declines to decide ("not sure" keeps the conversation's language).
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from pointe_claire.language import LangdetectIdentifier, LanguageGuess, LanguageIdentifier, LinguaIdentifier
from pointe_claire.text_normalization import words

DATA = Path(__file__).resolve().parent / "data" / "language_id.tsv"


class LinguaBare:
    """Lingua restricted to French and English with no hints: the detector alone, for comparison."""

    def __init__(self) -> None:
        from lingua import Language, LanguageDetectorBuilder

        self._detector = LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH).build()

    def identify(self, text: str) -> LanguageGuess:
        found = self._detector.detect_language_of(text)
        return LanguageGuess(found.iso_code_639_1.name.lower() if found else None, 1.0, "lingua")


def load_labelled(path: Path = DATA) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [(row["text"], row["language"]) for row in csv.DictReader(handle, delimiter="\t")]


def measure(identifier: LanguageIdentifier, labelled: list[tuple[str, str]]) -> dict[str, float]:
    """Accuracy (a "not sure" counts as wrong), accuracy among decided, abstentions, speed."""
    short = [(t, lang) for t, lang in labelled if len(words(t)) <= 2]
    started = time.perf_counter()
    guesses = [identifier.identify(text).language for text, _ in labelled]
    elapsed = time.perf_counter() - started
    decided = [(g, lang) for g, (_, lang) in zip(guesses, labelled, strict=True) if g is not None]
    short_guesses = [identifier.identify(text).language for text, _ in short]
    return {
        "accuracy": sum(g == lang for g, (_, lang) in zip(guesses, labelled, strict=True)) / len(labelled),
        "precision_when_sure": sum(g == lang for g, lang in decided) / max(1, len(decided)),
        "not_sure": 1 - len(decided) / len(labelled),
        "wrong": sum(g is not None and g != lang for g, (_, lang) in zip(guesses, labelled, strict=True)),
        "short_right": sum(g == lang for g, (_, lang) in zip(short_guesses, short, strict=True)),
        "short_total": len(short),
        "ms_per_message": 1000 * elapsed / len(labelled),
    }


def main() -> None:
    labelled = load_labelled()
    print(f"Language identification on {len(labelled)} labelled citizen messages ({DATA.name})")
    print(
        f"{'detector':<38} {'accuracy':>8} {'right when sure':>15} {'not sure':>8} {'wrong':>5} "
        f"{'1-2 words':>9} {'ms/msg':>7}"
    )
    detectors: dict[str, LanguageIdentifier] = {
        "langdetect (design card)": LangdetectIdentifier(),
        "lingua fr/en, bare": LinguaBare(),
        "ours: lingua fr/en + hints (in use)": LinguaIdentifier(),
    }
    for name, identifier in detectors.items():
        r = measure(identifier, labelled)
        print(
            f"{name:<38} {r['accuracy']:>8.1%} {r['precision_when_sure']:>15.1%} {r['not_sure']:>8.1%} "
            f"{r['wrong']:>5} {r['short_right']:>4}/{r['short_total']:<4} {r['ms_per_message']:>7.3f}"
        )


if __name__ == "__main__":
    main()
