"""MinHash signatures of character shingles, and the LSH band keys that find them again.

Written here rather than taken from ``datasketch``: the service needs one fixed signature
size, a stable encoding to store in the database, and band keys short enough to index; the
whole of it is a few NumPy lines, and the signatures must not change when a library changes
its hashing or its defaults (a stored signature compared with a new one would silently stop
matching). Pure functions: no Flask, no database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

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
    "text_signatures",
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
_BASE = np.uint32(1_000_003)
# The text hashed at once by text_signatures: its arrays hold PERMUTATIONS values per
# character, 8 MB for 16,384 characters.
_CHUNK_CHARACTERS = 16_384


def shingle_hashes(text: str, size: int = SHINGLE) -> np.ndarray:
    """32-bit hashes of the character ``size``-grams of ``text``, one per position (empty if
    shorter): a shingle that occurs twice has its hash twice.

    A polynomial hash over the code points modulo 2**32, computed for all positions at once in
    32-bit arithmetic, whose overflow is that modulo. Repeats are kept: the signature takes a
    minimum, which they do not change, and removing them (``np.unique``) took longer than the
    signature spends on them (2 to 5 % of a comment's shingles repeat).
    """
    points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    count = len(points) - size + 1
    if count < 1:
        return np.empty(0, dtype=np.uint32)
    hashes = points[:count].astype(np.uint32)
    for offset in range(1, size):
        hashes *= _BASE
        hashes += points[offset : offset + count]
    return hashes


def signature(hashes: np.ndarray) -> np.ndarray:
    """The MinHash signature (``PERMUTATIONS`` values below 2**31) of a set of 32-bit hashes
    (repeats allowed)."""
    if len(hashes) == 0:
        raise ValueError("a signature needs at least one shingle")
    return _permuted(hashes).min(axis=1).astype(np.uint32)


def _permuted(hashes: np.ndarray) -> np.ndarray:
    """Each permutation's value of each hash: ``(a * h + b) mod p``, a row per permutation."""
    # a < 2**31 and a hash < 2**32: the product fits in 63 bits, no overflow. In place: the
    # temporaries of "(a * h + b) % p" took more than half of the signature's time.
    values = _A * hashes.astype(np.uint64, copy=False)
    values += _B
    # x mod p as x - p * (x // p): NumPy divides by one number with a multiplication, but
    # takes a remainder with a division per element, which was half of the signature's time.
    multiples = values // _PRIME_U64
    multiples *= _PRIME_U64
    values -= multiples
    return values


def text_signatures(texts: Sequence[str], size: int = SHINGLE) -> list[np.ndarray]:
    """The signatures of the ``size``-gram shingles of each of ``texts`` (each at least
    ``size`` characters), the values :func:`signature` of :func:`shingle_hashes` gives.

    All at once: NumPy gives up the interpreter lock for each operation on more than a few
    hundred values, and a thread that wants it back waits for the others. A batch's texts give
    it up a few times (per :data:`_CHUNK_CHARACTERS` of text), one text at a time about ten
    times each. The shingles are hashed over the texts joined, those that cross from one text
    into the next left out.
    """
    found: list[np.ndarray] = []
    start = 0
    while start < len(texts):
        end, characters = start, 0
        while end < len(texts) and (end == start or characters + len(texts[end])
                                    <= _CHUNK_CHARACTERS):
            characters += len(texts[end])
            end += 1
        found.extend(_chunk_signatures(texts[start:end], size))
        start = end
    return found


def _chunk_signatures(texts: Sequence[str], size: int) -> list[np.ndarray]:
    lengths = np.array([len(text) for text in texts])
    if (lengths < size).any():
        raise ValueError("a signature needs at least one shingle")
    hashes = shingle_hashes("".join(texts), size)
    # Text i's shingles are those beginning at its characters but its last size - 1: they
    # take the places firsts[i] onwards among those kept.
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    counts = lengths - size + 1
    firsts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    kept = np.repeat(starts - firsts, counts) + np.arange(counts.sum())
    mins = np.minimum.reduceat(_permuted(hashes[kept]), firsts, axis=1).astype(np.uint32)
    return [mins[:, column] for column in range(len(texts))]


def band_keys(values: np.ndarray) -> list[str]:
    """One short key per band: texts that share a key are candidates for near-duplicates."""
    # One copy of the values, sliced as bytes, rather than a NumPy slice and copy per band.
    data = np.ascontiguousarray(values).tobytes()
    width = ROWS * values.itemsize
    keys = []
    for band in range(BANDS):
        chunk = data[band * width : (band + 1) * width]
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
