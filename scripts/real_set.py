"""Rebuilds a real-message set (outside the repository) from fetched public repositories.

Two sets, from different sources: the evaluation set (tests/evaluation/real/manifest.yml, never looked at by
whoever tunes the assistant) and the development set (tests/evaluation/real_dev/manifest.yml, looked at and tuned
on, never trained on). Their texts are other people's public messages: they are never committed here. What is
committed is each manifest: each source (repository, path, commit, licence, format) and our labels keyed by source
and row id, without a word of text. This script reads each source file with `git show <commit>:<path>` from a
snapshot the `fetch` tool brought (/work/.mirror/<owner>+<name>/repo, or --mirrors), takes the labelled rows,
replaces personal information with the Redactor's placeholders, and writes real_set.jsonl (one message a line) and
SOURCES.md into REAL_SET_DIR (/work/realdata) for the evaluation set, REAL_SET_DIR/dev for the development set.

    python -m scripts.real_set                          # rebuild /work/realdata from the snapshots
    python -m scripts.real_set --set dev                # rebuild /work/realdata/dev
    python -m scripts.real_set --set dev --dump SOURCE  # print a source's rows (id, text) to label more of them
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pointe_claire import settings
from pointe_claire.redaction import WEB_ADDRESS, default_redactor
from scripts.nlu_files import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "tests" / "evaluation" / "real" / "manifest.yml"
DEV_MANIFEST = PROJECT_ROOT / "tests" / "evaluation" / "real_dev" / "manifest.yml"
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
LINK_STAND_IN = "https://t.co/link"  # a shortened link, as tweets carry them
# Phone numbers the Redactor (North American numbers) does not know: 10 to 12 digits, maybe with - or spaces; not a
# date and hour ("2016-10-08 09:39", a news tweet's time stamp, has ten digits too).
_FOREIGN_PHONE = re.compile(r"(?<![\w-])(?!\d{4}-\d\d-\d\d)\+?\d(?:[ -]?\d){9,11}(?![\w-])")


@dataclass(frozen=True)
class RealSet:
    """One of the two sets: where its labels are, where it is built, what its reports are called."""

    name: str
    manifest: Path
    subdirectory: str  # under REAL_SET_DIR
    report: str  # reports/<report>.{md,json}
    title: str
    role: str


SETS = {
    "eval": RealSet("eval", MANIFEST, "", "real_set", "real-message evaluation set", "Never train on these rows."),
    "dev": RealSet(
        "dev",
        DEV_MANIFEST,
        "dev",
        "real_dev",
        "real-message development set",
        "Look at these rows and tune on them; never train on them.",
    ),
}


def set_directory(name: str = "eval") -> Path:
    """Where a set is built: REAL_SET_DIR for the evaluation set, a subdirectory of it for the development set."""
    return Path(settings.text("REAL_SET_DIR")) / SETS[name].subdirectory


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
    # for the generic table and JSON readers: the column of the row id ("" = the row's number, from 1) and of the
    # text, the delimiter, and the column names of a file without a header row
    key: str = ""
    column: str = ""
    delimiter: str = ","
    fieldnames: tuple[str, ...] = ()
    # the word a source wrote in place of every link it removed (OLID's "URL"): the message had a link there, so
    # the set gives it one (LINK_STAND_IN); left as a word, it reads as a question about links
    link_placeholder: str = ""


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


def _read_table(data: bytes, source: Source) -> Iterator[tuple[str, str]]:
    """Any CSV or TSV file: the row id from the `key` column (quotes around it dropped) or the row's number, the
    text from the `column` column; `fieldnames` names the columns of a file that has no header row."""
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(
        io.StringIO(text),
        fieldnames=list(source.fieldnames) or None,
        delimiter=source.delimiter,
        skipinitialspace=True,
    )
    for number, row in enumerate(reader, start=1):
        key = str(row[source.key]).strip().strip("'\"") if source.key else str(number)
        yield key, str(row[source.column] or "")


def _read_json_records(data: bytes, source: Source) -> Iterator[tuple[str, str]]:
    """A JSON list of records (a SeeClickFix archive): the row id from the `key` field, the text from `column`."""
    for record in json.loads(data.decode("utf-8")):
        yield str(record[source.key]), str(record.get(source.column) or "")


def _read_conan(data: bytes, source: Source) -> Iterator[tuple[str, str]]:
    """CONAN: each row pairs a hate-speech message with a counter-narrative an NGO operator wrote; both are
    messages, told apart by the row id: `<cn_id>:hs` and `<cn_id>:cn`."""
    for row in csv.DictReader(io.StringIO(data.decode("utf-8", errors="replace"))):
        yield f"{row['cn_id']}:hs", str(row["hateSpeech"] or "")
        yield f"{row['cn_id']}:cn", str(row["counterSpeech"] or "")


READERS = {
    "crisislex_csv": _read_crisislex,
    "mlma_zip": _read_mlma,
    "davidson_csv": _read_davidson,
    "sms_tsv": _read_sms,
    "tweets_csv": _read_tweets_csv,
    "table": _read_table,
    "json_records": _read_json_records,
    "conan_csv": _read_conan,
}


def load_manifest(path: Path = MANIFEST) -> tuple[dict[str, Source], list[Label]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    sources = {
        name: Source(name=name, **{**fields, "fieldnames": tuple(fields.get("fieldnames") or ())})
        for name, fields in raw["sources"].items()
    }
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
    """The git directory of a snapshot: `repo` itself (bare), or `repo/.git` when the snapshot came with one."""
    git_dir = mirrors / repo.replace("/", "+") / "repo"
    return git_dir / ".git" if (git_dir / ".git").is_dir() else git_dir


def source_rows(source: Source, mirrors: Path = DEFAULT_MIRRORS) -> dict[str, str]:
    """Every row of a source file, by row id, read from the snapshot's commit (never from a work tree)."""
    git_dir = mirror_of(source.repo, mirrors)
    if not git_dir.is_dir():
        raise FileNotFoundError(f"{source.repo} is not fetched: no {git_dir} (fetch github:{source.repo})")
    data = subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"{source.commit}:{source.path}"], capture_output=True, check=True
    ).stdout
    return dict(READERS[source.format](data, source))


def with_links(text: str, placeholder: str) -> str:
    """`text` with each whole-word `placeholder` a source wrote for a removed link made a stand-in link again."""
    if not placeholder:
        return text
    return re.sub(rf"(?<![\w/]){re.escape(placeholder)}(?![\w/])", LINK_STAND_IN, text)


def _outside_web_addresses(change: Callable[[str], str], text: str) -> str:
    """`change` applied to the text between web addresses: a video's or an item's id in a link
    ("ebay.com/itm/191234567890") is no phone."""
    pieces, position = [], 0
    for link in WEB_ADDRESS.finditer(text):
        pieces += [change(text[position : link.start()]), link.group()]
        position = link.end()
    return "".join([*pieces, change(text[position:])])


def anonymised(text: str, mask: tuple[tuple[int, int, str], ...] = ()) -> str:
    """Private persons' names (the label's `mask` spans) become a stand-in name, handles become @user, and what
    the Redactor finds (phones, e-mails, addresses, postal codes, plates) becomes a fictitious value of its kind.
    Public figures' names are kept: political and abusive comments about them are what the netiquette is about."""
    for start, end, kind in sorted(mask, reverse=True):
        text = text[:start] + (NAME_STAND_IN if kind == "NAME" else STAND_INS[f"[{kind}]"]) + text[end:]
    text = _HANDLE.sub("@user", html.unescape(text))
    redacted = _outside_web_addresses(
        lambda part: _FOREIGN_PHONE.sub(STAND_INS["[PHONE]"], part), default_redactor().redact(text).text
    )
    for placeholder, stand_in in STAND_INS.items():
        redacted = redacted.replace(placeholder, stand_in)
    return _SPACES.sub(" ", redacted).strip()


def build(
    mirrors: Path, out_dir: Path, manifest: Path = MANIFEST, real_set: RealSet = SETS["eval"]
) -> list[dict[str, Any]]:
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
                "text": with_links(anonymised(text, label.mask), sources[label.source].link_placeholder),
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
    (out_dir / "SOURCES.md").write_text(sources_markdown(sources, labels, real_set), encoding="utf-8")
    return messages


def sources_markdown(sources: dict[str, Source], labels: list[Label], real_set: RealSet = SETS["eval"]) -> str:
    taken = Counter(label.source for label in labels)
    command = "python -m scripts.real_set" + ("" if real_set.name == "eval" else f" --set {real_set.name}")
    manifest = real_set.manifest.relative_to(PROJECT_ROOT)
    lines = [
        f"# Sources of the {real_set.title}",
        "",
        f"Built by `{command}` from {manifest}. {real_set.role}",
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
    parser.add_argument("--set", choices=sorted(SETS), default="eval", help="which set (default: the evaluation set)")
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS)
    parser.add_argument("--out", type=Path, help="where to write it (default: REAL_SET_DIR, or REAL_SET_DIR/dev)")
    parser.add_argument("--dump", metavar="SOURCE", help="print a source's rows as JSON lines (to label them)")
    args = parser.parse_args(argv)
    real_set = SETS[args.set]
    if args.dump:
        sources, _ = load_manifest(real_set.manifest)
        for row, text in source_rows(sources[args.dump], args.mirrors).items():
            sys.stdout.write(json.dumps({"row": row, "text": text}, ensure_ascii=False) + "\n")
        return 0
    out = args.out or set_directory(args.set)
    messages = build(args.mirrors, out, real_set.manifest, real_set)
    languages = Counter(m["language"] for m in messages)
    print(f"{len(messages)} messages ({dict(languages)}) written to {out / SET_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
