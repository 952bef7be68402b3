"""The lexicons on fresh public texts no set uses: the emergency lexicon on storm tweets
(bench/data/fresh_storm_tweets.yml: recall on the emergencies, false alarms on the rest) and the netiquette
lexicon's solicitation rule on scam texts (bench/data/fresh_scam_texts.yml: every row is solicitation) and its abuse
rule on French hate texts (bench/data/fresh_hate_texts_fr.yml: every row is abuse). Rows looked at
while writing patterns (`tune`) are counted apart from those never looked at (`check`), and the working lexicons are
compared with a git revision's (HEAD by default), so a change is measured on text its author did not write.

    python -m bench.fresh_lexicon_checks [--before HEAD] [--output bench/results/fresh_lexicon_checks.md]

Needs the sources' snapshots (`fetch github:sajao/CrisisLex`, `fetch github:MarazMia/SMISH_DT`,
`fetch github:marcoguerini/CONAN`); prints no text.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

from pointe_claire.names import ABUSE, SOLICITATION
from pointe_claire.netiquette import NetiquetteChecker
from pointe_claire.safety import EmergencyDetector, EmergencyLexicon
from scripts.real_set import Source, source_rows

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULT = ROOT / "bench" / "results" / "fresh_lexicon_checks.md"


def labelled(name: str) -> tuple[list[tuple[str, bool]], int]:
    """(text, is a positive) in the order read, and how many of the first rows were looked at."""
    spec = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    # The sets' own reader of CSV files (scripts.real_set): the row id from `key`, quotes dropped, the text `column`.
    texts = source_rows(Source(name=name, licence="", format="table", **spec["source"]))
    rows = [
        (texts[str(row[0])], bool(row[1])) if isinstance(row, list) else (texts[str(row)], True) for row in spec["rows"]
    ]
    return rows, int(spec["tune_rows"])


def cells(flags: Callable[[str], bool], rows: list[tuple[str, bool]]) -> list[str]:
    found = [(flags(text), positive) for text, positive in rows]
    positives = sum(positive for _, positive in found)
    negatives = len(found) - positives
    out = [f"{sum(hit for hit, positive in found if positive)}/{positives}"]
    if negatives:
        out.append(f"{sum(hit for hit, positive in found if not positive)}/{negatives}")
    return out


def alarms(detector: EmergencyDetector) -> Callable[[str], bool]:
    return lambda text: detector.detect(text) is not None


def breaks(checker: NetiquetteChecker, rule: str) -> Callable[[str], bool]:
    return lambda text: rule in {v.rule for v in checker.check(text)}


def lexicon_file(revision: str, path: str) -> Path:
    text = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:{path}"], capture_output=True, check=True)
    copy = Path(tempfile.mkdtemp()) / Path(path).name
    copy.write_bytes(text.stdout)
    return copy


def table(title: str, header: list[str], checks: dict[str, Callable[[str], bool]], name: str) -> list[str]:
    rows, tuned = labelled(name)
    lines = [f"## {title}", "", f"{len(rows)} rows (bench/data/{name}); the first {tuned} were looked at (tune).", ""]
    lines += ["| lexicon | " + " | ".join(header) + " |", "| --- |" + " ---: |" * len(header)]
    for label, flags in checks.items():
        lines.append(f"| {label} | " + " | ".join(cells(flags, rows[:tuned]) + cells(flags, rows[tuned:])) + " |")
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD", help="git revision of the lexicons to compare with")
    parser.add_argument("--output", type=Path, default=RESULT)
    args = parser.parse_args(argv)
    before = f"`{args.before}`"
    detectors = {
        before: EmergencyDetector(EmergencyLexicon.load(lexicon_file(args.before, "lexicons/emergencies.yml"))),
        "working tree": EmergencyDetector(EmergencyLexicon.load()),
    }
    checkers = {
        before: NetiquetteChecker(lexicon_file(args.before, "lexicons/netiquette.yml")),
        "working tree": NetiquetteChecker(),
    }
    lines = ["# The lexicons on fresh public texts (`python -m bench.fresh_lexicon_checks`)", ""]
    lines += table(
        "Emergency lexicon, Sandy tweets: emergencies caught, false alarms",
        ["tune: caught", "tune: false alarms", "check: caught", "check: false alarms"],
        {label: alarms(detector) for label, detector in detectors.items()},
        "fresh_storm_tweets.yml",
    )
    lines += table(
        "Netiquette lexicon, SmishTank scam texts: flagged as solicitation",
        ["tune: flagged", "check: flagged"],
        {label: breaks(checker, SOLICITATION) for label, checker in checkers.items()},
        "fresh_scam_texts.yml",
    )
    lines += table(
        "Netiquette lexicon, CONAN French hate texts: flagged as abuse",
        ["tune: flagged", "check: flagged"],
        {label: breaks(checker, ABUSE) for label, checker in checkers.items()},
        "fresh_hate_texts_fr.yml",
    )
    args.output.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
