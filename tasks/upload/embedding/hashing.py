"""A deterministic, dependency-free embedder: hashed word and word-pair counts.

NOT semantic: texts are near only when they share words. For development and tests.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re

#: Vector length; collisions are rare enough for test-sized collections.
DIMENSION = 384
_WORD = re.compile(r"\w+")


class HashingEmbedder:
    name = f"hashing-{DIMENSION}"

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> list[float]:
        vector = [0.0] * DIMENSION
        words = _WORD.findall(text.lower())
        for feature in [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))]:
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % DIMENSION
            vector[slot] += 1.0 if digest[4] & 1 else -1.0
        norm = math.sqrt(sum(value * value for value in vector))
        if norm == 0:
            # An empty or symbol-only text still needs a valid, non-zero vector.
            vector[0], norm = 1.0, 1.0
        return [value / norm for value in vector]
