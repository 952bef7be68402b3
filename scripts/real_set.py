"""Rebuilds the real-message evaluation set (outside the repository) from fetched public repositories.

The set's texts are other people's public messages: they are never committed here. What is committed is
tests/evaluation/real/manifest.yml: each source (repository, path, commit, licence, format) and our labels keyed by
source and row id, without a word of text. This script reads each source file with `git show <commit>:<path>` from
a snapshot the `fetch` tool brought (/work/.mirror/<owner>+<name>/repo, or --mirrors), takes the labelled rows,
replaces personal information with the Redactor's placeholders, and writes REAL_SET_DIR (/work/realdata):
real_set.jsonl (one message a line) and SOURCES.md.

    python -m scripts.real_set                 # rebuild /work/realdata from the snapshots
    python -m scripts.real_set --dump SOURCE   # print a source's rows (id, text) to label more of them
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import json
import re
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pointe_claire import settings
from pointe_claire.redaction import default_redactor
from scripts.nlu_files import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "tests" / "evaluation" / "real" / "manifest.yml"
DEFAULT_MIRRORS = Path("/work/.mirror")
SET_FILE = "real_set.jsonl"
EMERGENCY_KINDS = ("none", "life_threatening", "municipal")
RULES = ("abuse", "political", "solicitation", "personal_information", "illegal")
_HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")
NAME_STAND_IN = "Alex Martin"
# Fictitious values of the Redactor's kinds: the set keeps what kind of information a message held (the netiquette
# and privacy layers must still see a phone, an e-mail, an address), never the real value.
STAND_INS = {
    "[EMAIL]": "alex.martin@example.com",
    "[PHONE]": "514-555-0199",
    "[SIN]": "046 454 286",
    "[POSTAL_CODE]": "H9R 0A0",
    "[ADDRESS]": "123 Example Street",
    "[LICENCE_PLATE]": "ABC 123",
}
_SPACES = re.compile(r"\s+")
# Phone numbers the Redactor (North American numbers) does not know: 10 to 12 digits, maybe with - or spaces.
_FOREIGN_PHONE = re.compile(r"(?<![\w-])\+?\d(?:[ -]?\d){9,11}(?![\w-])")


@dataclass(frozen=True)
class Source:
    """One public data file: where it is, under which licence, and how its rows are read."""

    name: str
    repo: str
    path: str
    commit: str
    licence: str
    format: str  # a reader of READERS
    member: str = ""  # the file inside a zip archive
    language: str = ""  # the language of every row, when the file has one


@dataclass(frozen=True)
class Label:
    """Our judgement of one row: the doors that are right for it (see docs/evaluation.md, the labelling guide)."""

    source: str
    row: str
    language: str
    intents: tuple[str, ...]
    emergency: str = "none"
    netiquette: tuple[str, ...] = ()
    category: str = ""
    # character spans of the source text to replace: a private person's name, or a value of a Redactor kind that
    # its patterns miss (a foreign phone or address); (start, end, kind), kind "NAME" or a key of STAND_INS
    mask: tuple[tuple[int, int, str], ...] = ()


def _csv_rows(text: str, key: str, column: str, delimiter: str = ",") -> Iterator[tuple[str, str]]:
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    for row in reader:
        yield str(row[key]).strip(), str(row[column] or "")


def _read_crisislex(data: bytes, source: Source) -> Iterator[tuple[str, str]]:
    """CrisisLexT26 `*-tweets_labeled.csv`: tweet id, tweet text, then the crowd's labels."""
    yield from _csv_rows(data.decode("utf-8", errors="replace"), "Tweet ID", "Tweet Text")


def _read_mlma(data: bytes, source: Source) -> Iterator[tuple[str, str]]:
    """MLMA hate speech: a zip of one CSV per language; HITId, tweet, labels."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = archive.read(source.member).decode("utf-8", errors="replace")
    yield from _csv_rows(text, "HITId", "tweet")


def _read_davidson(data: bytes, source: Source) -> Iterator[tuple[str, str]]:
    """Davidson et al. labeled_data.csv: an unnamed index column, counts, class, tweet."""
    yield from _csv_rows(data.decode("utf-8", errors="replace"), "", "tweet")


def _read_sms(data: bytes, source: Source) -> Iterator[tuple[str, str]]:
    """SMS Spam Collection: `label<TAB>text` lines after a header; the row id is the line number."""
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        label, _, text = line.partition("\t")
        if number > 1 and text:
            yield str(number), text


def _read_tweets_csv(data: bytes, source: Source) -> Iterator[tuple[str, str]]:
    """A CSV of tweets with an `id` and a `full_text` column."""
    yield from _csv_rows(data.decode("utf-8", errors="replace"), "id", "full_text")


READERS = {
    "crisislex_csv": _read_crisislex,
    "mlma_zip": _read_mlma,
    "davidson_csv": _read_davidson,
    "sms_tsv": _read_sms,
    "tweets_csv": _read_tweets_csv,
}


def load_manifest(path: Path = MANIFEST) -> tuple[dict[str, Source], list[Label]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    sources = {name: Source(name=name, **fields) for name, fields in raw["sources"].items()}
    labels = [
        Label(
            source=item["source"],
            row=str(item["row"]),
            language=item["language"],
            intents=tuple(item["intents"]),
            emergency=item.get("emergency", "none"),
            netiquette=tuple(item.get("netiquette") or ()),
            category=item.get("category", ""),
            mask=tuple(
                (int(span[0]), int(span[1]), str(span[2]) if len(span) > 2 else "NAME")
                for span in item.get("mask") or ()
            ),
        )
        for item in raw["labels"]
    ]
    return sources, labels


def mirror_of(repo: str, mirrors: Path = DEFAULT_MIRRORS) -> Path:
    return mirrors / repo.replace("/", "+") / "repo"


def source_rows(source: Source, mirrors: Path = DEFAULT_MIRRORS) -> dict[str, str]:
    """Every row of a source file, by row id, read from the snapshot's commit (never from a work tree)."""
    git_dir = mirror_of(source.repo, mirrors)
    if not git_dir.is_dir():
        raise FileNotFoundError(f"{source.repo} is not fetched: no {git_dir} (fetch github:{source.repo})")
    data = subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"{source.commit}:{source.path}"], capture_output=True, check=True
    ).stdout
    return dict(READERS[source.format](data, source))


def anonymised(text: str, mask: tuple[tuple[int, int, str], ...] = ()) -> str:
    """Private persons' names (the label's `mask` spans) become a stand-in name, handles become @user, and what
    the Redactor finds (phones, e-mails, addresses, postal codes, plates) becomes a fictitious value of its kind.
    Public figures' names are kept: political and abusive comments about them are what the netiquette is about."""
    for start, end, kind in sorted(mask, reverse=True):
        text = text[:start] + (NAME_STAND_IN if kind == "NAME" else STAND_INS[f"[{kind}]"]) + text[end:]
    text = _HANDLE.sub("@user", html.unescape(text))
    redacted = _FOREIGN_PHONE.sub(STAND_INS["[PHONE]"], default_redactor().redact(text).text)
    for placeholder, stand_in in STAND_INS.items():
        redacted = redacted.replace(placeholder, stand_in)
    return _SPACES.sub(" ", redacted).strip()


def build(mirrors: Path, out_dir: Path, manifest: Path = MANIFEST) -> list[dict[str, Any]]:
    sources, labels = load_manifest(manifest)
    rows = {name: source_rows(source, mirrors) for name, source in sources.items()}
    messages = []
    for label in labels:
        text = rows[label.source].get(label.row)
        if text is None:
            raise KeyError(f"{label.source} has no row {label.row}")
        messages.append(
            {
                "id": f"{label.source}:{label.row}",
                "text": anonymised(text, label.mask),
                "language": label.language,
                "intents": list(label.intents),
                "emergency": label.emergency,
                "netiquette": list(label.netiquette),
                "category": label.category,
                "source": label.source,
            }
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / SET_FILE).open("w", encoding="utf-8") as handle:
        for message in messages:
            handle.write(json.dumps(message, ensure_ascii=False) + "\n")
    (out_dir / "SOURCES.md").write_text(sources_markdown(sources, labels), encoding="utf-8")
    return messages


def sources_markdown(sources: dict[str, Source], labels: list[Label]) -> str:
    taken = Counter(label.source for label in labels)
    lines = [
        "# Sources of the real-message evaluation set",
        "",
        "Built by `python -m scripts.real_set` from tests/evaluation/real/manifest.yml. Never train on these rows.",
        "",
        "| source | repository | path | commit | licence | rows taken |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, s in sources.items():
        path = f"{s.path}!{s.member}" if s.member else s.path
        lines.append(f"| {name} | {s.repo} | {path} | {s.commit} | {s.licence} | {taken[name]} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS)
    parser.add_argument("--out", type=Path, default=Path(settings.text("REAL_SET_DIR")))
    parser.add_argument("--dump", metavar="SOURCE", help="print a source's rows as JSON lines (to label them)")
    args = parser.parse_args(argv)
    if args.dump:
        sources, _ = load_manifest()
        for row, text in source_rows(sources[args.dump], args.mirrors).items():
            sys.stdout.write(json.dumps({"row": row, "text": text}, ensure_ascii=False) + "\n")
        return 0
    messages = build(args.mirrors, args.out)
    languages = Counter(m["language"] for m in messages)
    print(f"{len(messages)} messages ({dict(languages)}) written to {args.out / SET_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
