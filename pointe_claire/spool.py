"""The durable local spool: a conversation's events, already redacted, kept on this instance's disk while the tracker
store (PostgreSQL) or the lock store (Redis) cannot take them, until they are replayed into the tracker store.

Written and read by `pointe_claire.tracker_store` (which replays, exactly once) and the reply guard (which spools
the messages it could not handle); plain files, no Rasa.

One append-only JSON Lines file per conversation: a header line (the file's own id, the conversation id), then one
line per event, numbered 1, 2, 3... Every append is fsynced before it returns, and a new file's directory entry
too, so what was spooled survives a crash or a power cut. The tracker store records, in the same transaction as
the replayed events, the last number it stored from each file (`spool_replays`): a replay cut anywhere stores the
rest next time and nothing twice. A file is deleted once everything in it is stored. A torn last line (a crash in
the middle of an append, never acknowledged) is skipped.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

SUFFIX = ".jsonl"
HEADER_KEY = "spool_file"


@dataclass(frozen=True)
class SpooledEvent:
    """One spooled event: its number in its file (from 1) and the event as the tracker store writes it."""

    seq: int
    event: Mapping[str, Any]


@dataclass(frozen=True)
class SpoolFile:
    """What one conversation's file holds: its id (unique across files and instances), and its events in order."""

    spool_id: str
    sender_id: str
    events: tuple[SpooledEvent, ...]

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq if self.events else 0


def file_name(sender_id: str) -> str:
    """A conversation's file: a hash, since conversation ids hold ':' and whatever a channel allows."""
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:40] + SUFFIX


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # replayed meanwhile
        return 0.0


def _parse(lines: Sequence[bytes]) -> SpoolFile | None:
    header: dict[str, Any] | None = None
    events: list[SpooledEvent] = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a torn line: its append never returned
        if header is None:
            header = record if isinstance(record, dict) and HEADER_KEY in record else None
            if header is None:
                return None
        elif isinstance(record, dict) and "seq" in record:
            events.append(SpooledEvent(int(record["seq"]), record["event"]))
    if header is None:
        return None
    return SpoolFile(str(header[HEADER_KEY]), str(header["sender_id"]), tuple(events))


@dataclass
class Claim:
    """A conversation's spooled events while this process holds its file's lock (None: nothing spooled, or a
    file without a whole header line, whose first append never returned)."""

    spool: Spool
    sender_id: str
    spooled: SpoolFile | None
    held: bool

    def delete(self) -> None:
        """Removes the file: everything in it is stored. Only while the lock is held: no append can be lost."""
        if self.held:
            self.spool.path(self.sender_id).unlink(missing_ok=True)
            self.spool._sync_directory()
            self.held, self.spooled = False, None


class Spool:
    """The spool directory of this instance (`ASSISTANT_SPOOL_DIR`). Made when first written to.

    Every change to a file happens under an exclusive lock on it (flock), so two processes given the same
    directory do not interleave appends or delete a file the other is writing to.
    """

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def path(self, sender_id: str) -> Path:
        return self.directory / file_name(sender_id)

    def has_pending(self, sender_id: str) -> bool:
        return self.path(sender_id).exists()

    def files(self) -> list[Path]:
        """The spool's files, oldest first."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("*" + SUFFIX), key=_modified)

    def pending(self) -> list[str]:
        """The conversations with spooled events, oldest file first (read from each file's header line)."""
        found = []
        for path in self.files():
            try:
                with path.open("rb") as handle:
                    header = _parse([handle.readline()])
            except FileNotFoundError:  # replayed meanwhile
                continue
            if header is not None:
                found.append(header.sender_id)
        return found

    def read(self, sender_id: str) -> SpoolFile | None:
        return self._read_path(self.path(sender_id))

    @staticmethod
    def _read_path(path: Path) -> SpoolFile | None:
        try:
            return _parse(path.read_bytes().splitlines())
        except FileNotFoundError:
            return None

    def append(self, sender_id: str, events: Sequence[Mapping[str, Any]]) -> int:
        """Appends `events` (JSON-ready dicts, in order) to the conversation's file and fsyncs it; returns how many
        of the conversation's events now wait in the spool."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._locked(sender_id, create=True) as handle:
            assert handle is not None
            content = handle.read()
            if content and _parse(content.splitlines()) is None:
                # No whole header: the first append died midway, unacknowledged. Start the file again.
                handle.truncate(0)
                content = b""
            lines: list[str] = []
            if not content:
                lines.append(json.dumps({HEADER_KEY: uuid.uuid4().hex, "sender_id": sender_id}))
            elif not content.endswith(b"\n"):
                lines.append("")  # ends a torn line, which the reader then skips
            existing = _parse(content.splitlines())
            seq = existing.last_seq if existing else 0
            for event in events:
                seq += 1
                lines.append(json.dumps({"seq": seq, "event": event}, ensure_ascii=False))
            handle.write(("\n".join(lines) + "\n").encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
            if not content:
                self._sync_directory()
            return seq

    @contextmanager
    def claimed(self, sender_id: str) -> Iterator[Claim]:
        """The conversation's file, locked against appends until the block ends: replay it, then `delete()` it."""
        with self._locked(sender_id, create=False) as handle:
            spooled = None if handle is None else _parse(handle.read().splitlines())
            yield Claim(self, sender_id, spooled, held=handle is not None)

    @contextmanager
    def _locked(self, sender_id: str, create: bool) -> Iterator[IO[bytes] | None]:
        path = self.path(sender_id)
        while True:
            try:
                handle = open(path, "a+b" if create else "r+b")  # noqa: SIM115 (closed below)
            except FileNotFoundError:
                yield None
                return
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                # Another process may have deleted the file (all replayed) while this one waited for the lock.
                try:
                    same = os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
                except FileNotFoundError:
                    same = False
                if not same:
                    if not create:
                        yield None
                        return
                    continue
                handle.seek(0)
                yield handle
                return
            finally:
                handle.close()

    def _sync_directory(self) -> None:
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
