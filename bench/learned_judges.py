"""Two learned judges on the sentence encoder's vectors, measured on the development set; neither is in the assistant.

Issue 13 asks for a judgement of "happening now" that generalises beyond the emergency lexicon's words, and for a
learned netiquette layer trained on public labelled data. Both were tried as logistic regressions on
multilingual-e5-small's vectors (`pointe_claire.nlu.sentence_encoder`):

1. **Emergency judge**: would veto the lexicon's single-word matches ("fires", "injured", "evacuated": on the
   development set as many false alarms as emergencies) when it finds the message unlike an emergency happening
   now. Trained on the authored NLU examples (the emergency intents against the rest) and the look-alikes of
   tests/safety, with or without the safety sets' emergencies, or with the development set's other sources added
   (left-one-source-out; a measure only: the development set is never trained on).
2. **Netiquette head**: abuse and solicitation, trained on public labelled data from files the development set does
   not label (OLID, ToxiFrench's benchmark files, the YouTube Spam Collection's other videos) and the authored civil
   examples; counted as what it would add to today's answers (the model's parse of every development row).

    python -m bench.learned_judges [--output bench/results/learned_judges.md]

Needs the development set (`python -m scripts.real_set --set dev`), the fetched repositories of its manifest and the
trained model. About 5 minutes on two cores (the encoder reads some 25,000 texts).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import logging
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from pointe_claire.names import EMERGENCY_INTENTS, NETIQUETTE_KEY
from pointe_claire.nlu.sentence_encoder import default_encoder
from pointe_claire.safety import default_detector
from scripts.evaluate_real import RealMessage, load_real_set
from scripts.nlu_files import LANGUAGES, PROJECT_ROOT, training_examples
from scripts.real_set import DEV_MANIFEST, load_manifest, mirror_of, with_links
from scripts.safety_gate import emergencies_of, lookalikes_of

MODEL = PROJECT_ROOT / "models" / "pointe-claire.tar.gz"
VETO_BARS = (0.05, 0.1, 0.2, 0.3)
FLAG_BARS = (0.8, 0.9, 0.95)
NETIQUETTE_INTENTS = frozenset({"partisan_comment", "abusive_comment", "advertising_or_spam", "netiquette_violation"})
TOXIFRENCH = ("AxelDlv00/ToxiFrench", "b93ad5bcc18a742cbd68ab6d1c788caddb01bfe6")
YOUTUBE = ("shravyashetty04/youtube-spam-detector", "f42fc38aeb53326e741f6e71c4fd67e5c3fef884")


@dataclass(frozen=True)
class PublicFile:
    """A public labelled file for the netiquette head, read at its commit from the fetched snapshot."""

    repo: str
    commit: str
    path: str
    column: str
    label_of: Callable[[dict[str, str]], str | None]  # abuse | solicitation | civil, None to skip the row
    key: str = ""  # the row id, to leave out the rows the development set labels under `dev_source`
    dev_source: str = ""
    delimiter: str = ","


def _binary(rule: str, column: str) -> Callable[[dict[str, str]], str]:
    return lambda row: rule if row[column].strip() == "1" else "civil"


PUBLIC_FILES = (
    PublicFile(
        "victoriyayeotobo/NLP-CW1", "f92c5a699ce967693244082698f1ba6b5e7d01cd", "olid-training-v1.0.tsv", "tweet",
        lambda row: {"TIN": "abuse", "NULL": "civil"}.get(row["subtask_b"]), "id", "olid_offenseval", "\t",
    ),
    PublicFile(*TOXIFRENCH, "data/Benchmark/ToxiFrenchBalanced.csv", "content", _binary("abuse", "label"),
               "msg_id", "toxifrench_forum"),
    PublicFile(*TOXIFRENCH, "data/Benchmark/JigsawBilingualBalanced.csv", "content", _binary("abuse", "label")),
    PublicFile(*TOXIFRENCH, "data/Benchmark/RTP-LX-french.csv", "content", _binary("abuse", "label")),
    *(
        PublicFile(*YOUTUBE, name, "CONTENT", _binary("solicitation", "CLASS"))
        for name in ("Youtube03-LMFAO.csv", "Youtube04-Eminem.csv", "Youtube05-Shakira.csv")
    ),
)  # fmt: skip


def _fit(vectors: np.ndarray, labels: np.ndarray, regularisation: float = 10.0) -> LogisticRegression:
    return LogisticRegression(C=regularisation, max_iter=5000, class_weight="balanced").fit(vectors, labels)


def authored_emergency_examples() -> tuple[list[str], np.ndarray, np.ndarray]:
    """The authored examples (NLU examples, look-alikes, the safety sets' emergencies), 1 for an emergency happening
    now and 0 for anything else, and which of them are the safety sets' emergencies."""
    examples = [
        (example.text, int(example.intent in EMERGENCY_INTENTS), False)
        for language in LANGUAGES
        for example in training_examples(language)
    ]
    for language in LANGUAGES:
        examples += [(text, 0, False) for text in lookalikes_of(language)]
        examples += [(item["text"], 1, True) for item in emergencies_of(language)]
    return (
        [text for text, _, _ in examples],
        np.array([label for _, label, _ in examples]),
        np.array([safety for _, _, safety in examples]),
    )


def emergency_judge(dev: list[RealMessage], dev_vectors: np.ndarray, encode: Callable) -> str:
    detector = default_detector()
    matches = [detector.assess(message.text).match for message in dev]
    single = np.array([match is not None and len(match.phrase.split()) == 1 for match in matches])
    english = np.array([message.language == "en" for message in dev])
    truth = np.array([int(message.is_emergency) for message in dev])
    sources = np.array([message.source for message in dev])
    judged = single & english
    lines = [
        "## 1. An emergency judge that vetoes the lexicon's single-word matches",
        "",
        f"English development rows whose emergency match is a single word: {int((judged & (truth == 1)).sum())} "
        f"emergencies, {int((judged & (truth == 0)).sum())} false alarms. A veto below the bar takes the alarm "
        "back: false alarms removed / emergencies lost.",
        "",
        "| judge trained on | AUC | " + " | ".join(f"veto < {bar}" for bar in VETO_BARS) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in VETO_BARS) + " |",
    ]
    texts, all_labels, safety_emergencies = authored_emergency_examples()
    all_vectors = encode(texts)  # once: each judge below trains on all of them or on all but the safety emergencies
    for name, with_emergencies, with_dev in (
        ("authored examples + look-alikes", False, False),
        ("+ the safety sets' emergencies", True, False),
        ("+ the development set's other sources (left-one-source-out)", True, True),
    ):
        kept = np.ones(len(texts), dtype=bool) if with_emergencies else ~safety_emergencies
        vectors, labels = all_vectors[kept], all_labels[kept]
        support = np.zeros(len(dev))
        if with_dev:
            for source in sorted(set(sources[judged])):
                held = sources == source
                model = _fit(np.vstack([vectors, dev_vectors[~held]]), np.concatenate([labels, truth[~held]]))
                support[held] = model.predict_proba(dev_vectors[held])[:, 1]
        else:
            support = _fit(vectors, labels).predict_proba(dev_vectors)[:, 1]
        cells = []
        for bar in VETO_BARS:
            vetoed = judged & (support < bar)
            cells.append(f"{int((vetoed & (truth == 0)).sum())} / {int((vetoed & (truth == 1)).sum())}")
        auc = roc_auc_score(truth[judged], support[judged])
        lines.append(f"| {name} | {auc:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def public_netiquette_rows(dev_rows: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(text, abuse | solicitation | civil) from PUBLIC_FILES and the authored civil examples."""
    rows: list[tuple[str, str]] = []
    for public in PUBLIC_FILES:
        data = subprocess.run(
            ["git", "--git-dir", str(mirror_of(public.repo)), "show", f"{public.commit}:{public.path}"],
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8", "replace")
        left_out = dev_rows.get(public.dev_source, set())
        for row in csv.DictReader(io.StringIO(data), delimiter=public.delimiter):
            label, text = public.label_of(row), (row.get(public.column) or "").strip()
            if label and text and not (public.key and row.get(public.key) in left_out):
                rows.append((with_links(text, "URL"), label))  # OLID wrote URL for each link
    rows += [
        (example.text, "civil")
        for language in LANGUAGES
        for example in training_examples(language)
        if example.intent not in NETIQUETTE_INTENTS
    ]
    return rows


async def todays_rules(dev: list[RealMessage]) -> list[set[str]]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    agent = Agent.load(str(MODEL))
    found = []
    for message in dev:
        parse = await agent.parse_message(message.text)
        found.append({record["rule"] for record in parse.get(NETIQUETTE_KEY) or []})
    return found


def _recall_precision(dev: list[RealMessage], rows: list[int], rule: str, flags: list[set[str]]) -> str:
    truth = sum(1 for i in rows if rule in dev[i].netiquette)
    flagged = [i for i in rows if rule in flags[i]]
    right = sum(1 for i in flagged if rule in dev[i].netiquette)
    return f"{right}/{truth} / {right}/{len(flagged)}"


def netiquette_head(dev: list[RealMessage], dev_vectors: np.ndarray, encode: Callable) -> str:
    _, labels = load_manifest(DEV_MANIFEST)
    dev_rows: dict[str, set[str]] = {}
    for label in labels:
        dev_rows.setdefault(label.source, set()).add(label.row)
    rows = public_netiquette_rows(dev_rows)
    model = _fit(encode([text for text, _ in rows]), np.array([label for _, label in rows]))
    probabilities = model.predict_proba(dev_vectors)
    today = asyncio.run(todays_rules(dev))
    counts = {label: sum(1 for _, row_label in rows if row_label == label) for label in sorted({r[1] for r in rows})}
    lines = [
        "## 2. A netiquette head trained on public labelled data",
        "",
        "Training rows: " + ", ".join(f"{count:,} {label}" for label, count in counts.items()) + ". Each cell: "
        "recall / precision of today's answers with the head's flags added at that bar (today's alone first).",
        "",
        "| rule | language | today | " + " | ".join(f"+ head ≥ {bar}" for bar in FLAG_BARS) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in FLAG_BARS) + " |",
    ]
    classes = list(model.classes_)
    for rule in ("abuse", "solicitation"):
        for language in ("fr", "en"):
            rows_of = [i for i, message in enumerate(dev) if message.language == language]
            cells = [_recall_precision(dev, rows_of, rule, today)]
            column = probabilities[:, classes.index(rule)]
            for bar in FLAG_BARS:
                flags = [found | ({rule} if column[i] >= bar else set()) for i, found in enumerate(today)]
                cells.append(_recall_precision(dev, rows_of, rule, flags))
            lines.append(f"| {rule} | {language} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "bench" / "results" / "learned_judges.md")
    args = parser.parse_args()
    dev = load_real_set(name="dev")
    encoder = default_encoder()
    dev_vectors = encoder.encode([message.text for message in dev])
    sections = [
        "# Two learned judges on the sentence encoder's vectors (`python -m bench.learned_judges`)",
        "",
        f"Development set: {len(dev)} rows. Neither judge is in the assistant (docs/evaluation.md, twenty-second "
        "round).",
        "",
        emergency_judge(dev, dev_vectors, encoder.encode),
        "",
        netiquette_head(dev, dev_vectors, encoder.encode),
        "",
    ]
    args.output.write_text("\n".join(sections), encoding="utf-8")
    print(args.output.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
