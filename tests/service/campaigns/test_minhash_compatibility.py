"""Signatures and keys stay the values stored before: the window holds up to weeks of comments,
and a new comment must still match the ones fingerprinted by an earlier version.

The reference is the MinHash as it was first written (distinct 5-gram hashes by
``np.unique``, their remainders taken one by one); the faster computation must give every
value it gave, on real comments and on generated texts of any script.
"""

from __future__ import annotations

import hashlib
import random
import re
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spamschutz.model.text import normalise
from spamschutz.service.campaigns import minhash
from spamschutz.service.campaigns.fingerprint import (
    _text_for_shingles,
    fingerprint_comment,
    without_quotes,
)
from spamschutz.training.data import read_many
from tests.conftest import DATASETS, DATASETS_MISSING


def _signature_as_first_defined(text: str) -> np.ndarray:
    """The signature of ``text`` computed as the first version stored it."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(points) - minhash.SHINGLE + 1
    hashes = np.zeros(count, dtype=np.uint64)
    for offset in range(minhash.SHINGLE):
        hashes = (hashes * np.uint64(1_000_003) + points[offset : offset + count]) & np.uint64(
            0xFFFFFFFF)
    distinct = np.unique(hashes)
    values = (minhash._A * distinct[np.newaxis, :] + minhash._B) % np.uint64(minhash._PRIME)
    return values.min(axis=1).astype(np.uint32)


def _keys_as_first_defined(values: np.ndarray) -> list[str]:
    return [
        f"t{band:x}:"
        + hashlib.blake2b(values[band * minhash.ROWS : (band + 1) * minhash.ROWS].tobytes(),
                          digest_size=8).hexdigest()
        for band in range(minhash.BANDS)
    ]


def _assert_as_first_defined(text: str) -> None:
    expected = _signature_as_first_defined(text)
    values = minhash.signature(minhash.shingle_hashes(text))
    assert values.dtype == np.uint32
    assert values.tolist() == expected.tolist(), text
    assert minhash.band_keys(values) == _keys_as_first_defined(expected), text
    assert minhash.encode_signature(values) == expected.astype("<u4").tobytes()


@pytest.mark.skipif(not (DATASETS / "youtube-spam-collection").is_dir(), reason=DATASETS_MISSING)
def test_real_comments_keep_their_stored_signatures():
    """Every YouTube comment (ham and spam) and every German reader comment, as the
    fingerprint shingles it."""
    files = sorted((DATASETS / "youtube-spam-collection").glob("*.csv"))
    files += sorted((DATASETS / "german-reader-comments").glob("*.jsonl"))
    texts = [comment.text for comment in read_many(files)]
    shingled = [_text_for_shingles(normalise(without_quotes(text))) for text in texts]
    shingled = [text for text in shingled if len(text) >= minhash.SHINGLE]
    assert len(shingled) > 3000
    for text in shingled:
        _assert_as_first_defined(text)


# Letters of several scripts, digits, spaces, and characters beyond the Basic Multilingual
# Plane (four bytes in UTF-8, two units in UTF-16), all of which a comment can hold.
_CHARACTERS = st.one_of(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzäöüß0 "),
    st.characters(codec="utf-8"),
    st.sampled_from("Ωж漢字😀𝔸"),
)


@given(st.text(_CHARACTERS, min_size=minhash.SHINGLE, max_size=3000))
def test_generated_texts_keep_their_signatures(text):
    _assert_as_first_defined(text)


@given(st.text(st.sampled_from("ab "), min_size=minhash.SHINGLE, max_size=400))
def test_texts_made_of_repeats_keep_their_signatures(text):
    """Few distinct shingles, most of them repeated many times."""
    _assert_as_first_defined(text)


def test_the_longest_comments_keep_their_signatures():
    """Texts up to the longest comment accepted by default (10,000 characters)."""
    rng = random.Random(18)
    letters = "abcdefghijklmnopqrstuvwxyzäöüßΩж😀"
    # Random words of random letters: nearly every shingle occurs once.
    text = " ".join("".join(rng.choices(letters, k=rng.randint(2, 9))) for _ in range(2000))
    text = text[:10_000]
    for length in (5, 100, 1000, 5000, 10_000):
        _assert_as_first_defined(text[:length])


def test_every_shingle_counts_wherever_it_stands():
    """One hash whose first permutation gives 0, put first, last or anywhere between in
    sets of every size: the signature's first value must find it."""
    a, b, prime = int(minhash._A[0, 0]), int(minhash._B[0, 0]), minhash._PRIME
    zero = (-b * pow(a, -1, prime)) % prime  # (a * zero + b) mod p == 0
    rng = np.random.default_rng(18)
    for length in (1, 2, 64, 300, 1100, 10_000):
        hashes = rng.integers(0, 2**32, length, dtype=np.uint64).astype(np.uint32)
        hashes[hashes == zero] += 1
        assert minhash.signature(hashes)[0] != 0
        for position in {0, length - 1, *rng.integers(0, length, 20).tolist()}:
            marked = hashes.copy()
            marked[position] = zero
            assert minhash.signature(marked)[0] == 0, (length, position)


def _shingled_as_first_defined(normalised: str) -> str:
    text = re.sub(r"\b(?:urlx|emailx|phonex)\b|dom:\S+", " ", normalised)
    text = re.sub(r"\d+", "0", text)
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


# Texts with the markers normalisation writes, underscores and line breaks among the rest.
_PIECES = st.one_of(st.text(_CHARACTERS, max_size=20),
                    st.sampled_from(["urlx ", " dom:a.b", "phonex", "_", "\n", " 42 "]))


@given(st.lists(_PIECES, max_size=30).map("".join))
def test_the_shingled_text_is_the_one_first_defined(text):
    for normalised in (text, normalise(text)):
        shingled = _text_for_shingles(normalised)
        assert shingled == _shingled_as_first_defined(normalised)
        assert (shingled.count(" ") + 1 if shingled else 0) == len(shingled.split())


def test_no_character_is_both_a_word_character_and_white_space():
    """What lets the shingled text be trimmed instead of split and joined again."""
    word = re.compile(r"\w")
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and word.match(c)] == []


def test_shingle_hashes_of_a_short_text_are_none():
    assert len(minhash.shingle_hashes("abcd")) == 0
    assert len(minhash.shingle_hashes("abcde")) == 1


# Fingerprints as the first version stored them: the SHA-256 of the stored signature and the
# index keys, for a spun German template with a link, look-alike letters with a phone number
# and an e-mail address, and a reader comment with Windows line breaks.
STORED = [
    ("Super Artikel! Ich verdiene jetzt 5000 Euro im Monat von zu Hause aus, schaut mal auf "
     "https://www.example-cash.ru/p17 vorbei, Grüße Anna",
     "f457e6aa8de582f6e5bb57e34ba08ab6b12fea475415b4b25eeba948ebda51ee",
     ["t0:bc73ed9cf7664332", "t1:1bc2248784e2f677", "t2:870be82fdc348a0b",
      "t3:dda7e8d0b4c875fb", "t4:8eb844fadca3fd00", "t5:08ea435d8ce9cd56",
      "t6:e4fcd81d31b343ad", "t7:9bb3b5cd4e4d9732", "d:example-cash.ru", "m:shop.example",
      "s:ip-1"]),
    ("Сheap рills оnline – bеst рrices gаrаntееd, order at ｗｗｗ．ｐｉｌｌｓ．ｃｏｍ today, "
     "call +49 151 2345 6789 or mail info@pills-now.example",
     "19d17ae433ab1f893585065c14aa056aa9ebb85f5399edd2152fb91273c81ddf",
     ["t0:c261bb9beac7f945", "t1:2bf83cb21f14a190", "t2:17f37e2ed1add5c6",
      "t3:51aac2846220efbe", "t4:6031e2e0d073ef82", "t5:c4e1495c5103da85",
      "t6:08318513ff602e84", "t7:501cf0666597ed1e", "d:pills.com", "p:015123456789",
      "e:info@pills-now.example", "m:shop.example", "s:ip-1"]),
    ("Der Artikel beantwortet sich ja schon selbst.\r\nErstens: was haben CEOs in ihren "
     "Elfenbeintürmen denn tatsächlich Ahnung von der Entwicklung an der Kundenfront?",
     "f30a7f6d655cac79c4a26fedd87083e0e536712a2ddf0f6eb6bd8af852bc5a20",
     ["t0:a055b5842e4b158e", "t1:32aba36585d275cd", "t2:94de7a722fa44386",
      "t3:deaeb52a3490818c", "t4:0de0e96bfa4a1a36", "t5:d50865f116a25e6f",
      "t6:3b6376ebe26be84f", "t7:638e2538d8bad042", "m:shop.example", "s:ip-1"]),
]


@pytest.mark.parametrize(("text", "stored_digest", "stored_keys"), STORED)
def test_fingerprints_are_the_ones_stored_before(text, stored_digest, stored_keys):
    fingerprint = fingerprint_comment(text, author_email="a@shop.example", senders=("ip-1",))
    assert fingerprint.signature is not None
    assert hashlib.sha256(fingerprint.signature).hexdigest() == stored_digest
    assert fingerprint.index_keys() == stored_keys


@given(st.lists(st.text(_CHARACTERS, min_size=minhash.SHINGLE, max_size=800), min_size=1,
                max_size=40))
def test_a_batch_of_texts_gets_the_signatures_each_text_gets_alone(texts):
    """The detector takes a batch's signatures at once: no shingle may run from one text
    into the next, and each text's minimum is its own."""
    together = minhash.text_signatures(texts)
    assert [values.tolist() for values in together] == [
        _signature_as_first_defined(text).tolist() for text in texts]


def test_a_batch_longer_than_one_chunk_gets_the_same_signatures():
    rng = random.Random(5)
    texts = ["".join(rng.choices("abcdefgh ", k=rng.randint(5, 9000))) for _ in range(12)]
    assert [values.tolist() for values in minhash.text_signatures(texts)] == [
        minhash.signature(minhash.shingle_hashes(text)).tolist() for text in texts]
