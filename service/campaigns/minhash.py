"""MinHash signatures of character shingles, and the LSH band keys that find them again.

Written here rather than taken from ``datasketch``: the service needs one fixed signature
size, a stable encoding to store in the database, and band keys short enough to index; the
whole of it is a few NumPy lines, and the signatures must not change when a library changes
its hashing or its defaults (a stored signature compared with a new one would silently stop
matching). Pure functions: no Flask, no database.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = [
    "BANDS",
    "PERMUTATIONS",
    "ROWS",
    "band_keys",
    "decode_signature",
    "encode_signature",
    "estimated_similarity",
    "shingle_hashes",
    "signature",
]

# 64 permutations; the first 24 of them in 8 bands of 3 rows find the candidates. Two texts
# whose shingle sets have a Jaccard similarity of 0.5 share at least one band with a
# probability of 0.66, at 0.7 of 0.97; at 0.2 of 0.06. Candidates are then checked on the
# full signature (estimated_similarity). Each band is a row of the detection's index, written
# for every comment, and those writes were most of the detection's cost: 16 bands of 4 rows
# (the same threshold, a little steeper) took twice as many for the same campaigns.
PERMUTATIONS = 64
BANDS = 8
ROWS = 3
SHINGLE = 5
_PRIME = (1 << 31) - 1
_PRIME_U64 = np.uint64(_PRIME)
# Fixed seeds: a signature stored today must compare with one computed after a restart.
_GENERATOR = np.random.default_rng(20261203)
_A = _GENERATOR.integers(1, _PRIME, size=(PERMUTATIONS, 1), dtype=np.uint64)
_B = _GENERATOR.integers(0, _PRIME, size=(PERMUTATIONS, 1), dtype=np.uint64)
_BASE = np.uint64(1_000_003)
_MASK = np.uint64(0xFFFFFFFF)


def shingle_hashes(text: str, size: int = SHINGLE) -> np.ndarray:
    """32-bit hashes of the distinct character ``size``-grams of ``text`` (empty if shorter).

    A polynomial hash over the code points, computed for all positions at once.
    """
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(points) < size:
        return np.empty(0, dtype=np.uint64)
    count = len(points) - size + 1
    hashes = np.zeros(count, dtype=np.uint64)
    for offset in range(size):
        hashes = (hashes * _BASE + points[offset : offset + count]) & _MASK
    return np.unique(hashes)


def signature(hashes: np.ndarray) -> np.ndarray:
    """The MinHash signature (``PERMUTATIONS`` values below 2**31) of a set of hashes."""
    if len(hashes) == 0:
        raise ValueError("a signature needs at least one shingle")
    # a < 2**31 and a hash < 2**32: the product fits in 63 bits, no overflow. In place: the
    # temporaries of "(a * h + b) % p" took more than half of the signature's time.
    values = _A * hashes[np.newaxis, :]
    values += _B
    np.remainder(values, _PRIME_U64, out=values)
    return values.min(axis=1).astype(np.uint32)


def band_keys(values: np.ndarray) -> list[str]:
    """One short key per band: texts that share a key are candidates for near-duplicates."""
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        keys.append(f"t{band:x}:{hashlib.blake2b(chunk, digest_size=8).hexdigest()}")
    return keys


def estimated_similarity(first: np.ndarray, second: np.ndarray) -> float:
    """The share of equal signature values: an estimate of the shingle sets' Jaccard index."""
    return float(np.count_nonzero(first == second)) / PERMUTATIONS


def encode_signature(values: np.ndarray) -> bytes:
    """The signature as 256 bytes for the database (little-endian, platform-independent)."""
    return values.astype("<u4").tobytes()


def decode_signature(data: bytes) -> np.ndarray:
    """The signature stored by :func:`encode_signature`."""
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)
