"""Exports of what staff filtered: CSV (one row per transcript line), JSON Lines (one conversation per line),
resident messages as Rasa NLU training YAML, in the format of data/nlu/<language>/<topic>.yml, and the audit of
moderation actions as CSV (`review.routes.moderation`).

Called by the export routes (`review.routes.inbox`, `review.routes.conversation`). Spreadsheet formulas are
neutralised in CSV cells: a resident's "=HYPERLINK(...)" must arrive as text in Excel.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from review.audit import Record
from review.conversations import Transcript, local_time

CSV_COLUMNS = [
    "conversation",
    "time",
    "speaker",
    "text",
    "intent",
    "confidence",
    "language",
    "channel",
    "flags",
    "reviewed",
    "handoff_open",
    "tags",
    "assigned_to",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Rasa reads "[words](entity)" and "[words]{...}" in an example as an entity annotation.
_ANNOTATION = re.compile(r"\]\s*(?=[({])")
NLU_FORMAT_VERSION = "3.1"  # what data/nlu/*.yml declare


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# Excel opens a CSV file as UTF-8 only when it starts with the byte order mark: without it "fumée" reads "fumÃ©e".
UTF8_BOM = "\ufeff"


def csv_rows(conversations: Iterable[tuple[Transcript, dict[str, Any]]]) -> Iterator[str]:
    """The CSV text, a few lines at a time (BOM and header first); `extra` carries reviewed, handoff_open, tags."""
    buffer = io.StringIO()
    buffer.write(UTF8_BOM)
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for transcript, extra in conversations:
        for turn in transcript.turns:
            writer.writerow(
                [
                    _cell(value)
                    for value in (
                        transcript.sender_id,
                        turn.at.isoformat(timespec="seconds"),
                        turn.speaker,
                        turn.text,
                        turn.intent or "",
                        f"{turn.confidence:.3f}" if turn.confidence is not None else "",
                        turn.language or "",
                        turn.channel or "",
                        " ".join(flag.key for flag in turn.flags),
                        "yes" if extra.get("reviewed") else "no",
                        "yes" if extra.get("handoff_open") else "no",
                        " ".join(extra.get("tags") or []),
                        extra.get("assigned_to") or "",
                    )
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


MODERATION_COLUMNS = ["time", "action", "staff", "platform", "comment_id", "post_id", "author_id", "rule"]
MODERATION_COLUMNS += ["clause", "reason", "ok", "attempts", "platform_answer"]


def moderation_csv(records: Iterable[Record]) -> str:
    """One row per moderation action, as the audit log keeps it (BOM first, formulas neutralised)."""
    buffer = io.StringIO()
    buffer.write(UTF8_BOM)
    writer = csv.writer(buffer)
    writer.writerow(MODERATION_COLUMNS)
    for record in records:
        detail = record.detail
        answer = detail.get("answer") if detail.get("ok") else detail.get("problem")
        row: list[Any] = [
            local_time(record.at).isoformat(timespec="seconds"),
            record.action.removeprefix("moderation_"),
        ]
        row += [record.user_name, *(detail.get(name) for name in MODERATION_COLUMNS[3:10])]
        row += ["yes" if detail.get("ok") else "no", detail.get("attempts"), answer]
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue()


def jsonl_lines(conversations: Iterable[tuple[Transcript, dict[str, Any]]]) -> Iterator[str]:
    for transcript, extra in conversations:
        record = {
            "conversation": transcript.sender_id,
            "language": transcript.language,
            "channels": transcript.channels,
            # The record's own fields apart: a safety-net record has a "kind" of its own ("life_threatening").
            "flags": [{"kind": flag.kind, "key": flag.key, "details": dict(flag.details)} for flag in transcript.flags],
            **extra,
            "turns": [
                {
                    "time": turn.at.isoformat(timespec="seconds"),
                    "speaker": turn.speaker,
                    "text": turn.text,
                    "intent": turn.intent,
                    "confidence": turn.confidence,
                    "language": turn.language,
                    "channel": turn.channel,
                    "flags": [flag.key for flag in turn.flags],
                }
                for turn in transcript.turns
            ],
        }
        yield json.dumps(record, ensure_ascii=False, default=str) + "\n"


def training_example(text: str) -> str:
    """One line of an `examples: |` block: one line, no control characters, no accidental entity annotation."""
    return _ANNOTATION.sub("] ", " ".join(_CONTROL.sub(" ", text).split()))


def training_yaml(intent: str, language: str, texts: Iterable[str], exported_by: str, now: datetime) -> str:
    """Rasa NLU YAML with the messages as examples of `intent`, ready for data/nlu/<language>/."""
    examples = sorted({example for example in (training_example(text) for text in texts) if example})
    if not examples:
        raise ValueError("no message to export")
    lines = [
        f'version: "{NLU_FORMAT_VERSION}"',
        f"# Exported from staff review on {now.date().isoformat()} by {exported_by}: {len(examples)} resident "
        f"message(s) in {language}.",
        f"# Add to data/nlu/{language}/<topic>.yml; personal information shows as its placeholder ([PHONE]...).",
        "nlu:",
        f"- intent: {intent}",
        "  examples: |",
        *(f"    - {example}" for example in examples),
    ]
    return "\n".join(lines) + "\n"
