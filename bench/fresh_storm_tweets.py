"""The emergency lexicon on fresh storm tweets (bench/data/fresh_storm_tweets.yml): recall on the emergencies, false
alarms on the rest, for the rows looked at while writing patterns (`tune`) and for those never looked at (`check`).
Compares the working lexicon with another one (a git revision's, HEAD by default), so a change to
lexicons/emergencies.yml is measured on text its author did not write.

    python -m bench.fresh_storm_tweets [--before HEAD] [--output bench/results/fresh_storm_tweets.md]

Needs the source's snapshot (`fetch github:sajao/CrisisLex`); prints its texts nowhere.
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from pointe_claire.safety import DEFAULT_LEXICON_PATH, EmergencyDetector, EmergencyLexicon
from scripts.real_set import DEFAULT_MIRRORS, mirror_of

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "bench" / "data" / "fresh_storm_tweets.yml"
RESULT = ROOT / "bench" / "results" / "fresh_storm_tweets.md"


@dataclass(frozen=True)
class Counts:
    caught: int
    emergencies: int
    false_alarms: int
    others: int

    def cells(self) -> str:
        return f"{self.caught}/{self.emergencies} | {self.false_alarms}/{self.others}"


def labelled_texts(mirrors: Path = DEFAULT_MIRRORS) -> tuple[list[tuple[str, bool]], int]:
    """(text, is an emergency now) in the order read, and how many of the first rows were looked at."""
    spec = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    source = spec["source"]
    data = subprocess.run(
        ["git", "--git-dir", str(mirror_of(source["repo"], mirrors)), "show", f"{source['commit']}:{source['path']}"],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(data))
    next(reader)
    texts = {row[0].strip().strip("'"): row[1] for row in reader if len(row) >= 2}
    return [(texts[tweet_id], bool(emergency)) for tweet_id, emergency in spec["rows"]], int(spec["tune_rows"])


def counts(detector: EmergencyDetector, rows: list[tuple[str, bool]]) -> Counts:
    found = [(detector.detect(text) is not None, emergency) for text, emergency in rows]
    return Counts(
        caught=sum(hit for hit, emergency in found if emergency),
        emergencies=sum(emergency for _, emergency in found),
        false_alarms=sum(hit for hit, emergency in found if not emergency),
        others=sum(not emergency for _, emergency in found),
    )


def lexicon_at(revision: str) -> EmergencyDetector:
    text = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{revision}:lexicons/emergencies.yml"], capture_output=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "emergencies.yml"
    path.write_bytes(text)
    return EmergencyDetector(EmergencyLexicon.load(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD", help="git revision of the lexicon to compare with")
    parser.add_argument("--output", type=Path, default=RESULT)
    args = parser.parse_args(argv)
    rows, tuned = labelled_texts()
    detectors = {
        f"`{args.before}`": lexicon_at(args.before),
        "working tree": EmergencyDetector(EmergencyLexicon.load(DEFAULT_LEXICON_PATH)),
    }
    lines = [
        "# The emergency lexicon on fresh storm tweets (`python -m bench.fresh_storm_tweets`)",
        "",
        f"{len(rows)} Sandy tweets (bench/data/fresh_storm_tweets.yml): the first {tuned} were read with the lexicon's",
        "verdicts to write patterns (tune), the rest never were (check).",
        "",
        "| lexicon | tune: emergencies caught | tune: false alarms | check: emergencies caught | check: false alarms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, detector in detectors.items():
        lines.append(
            f"| {name} | {counts(detector, rows[:tuned]).cells()} | {counts(detector, rows[tuned:]).cells()} |"
        )
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
