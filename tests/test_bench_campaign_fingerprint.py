"""bench/campaign_fingerprint.py: today's fingerprint timed in turns with a revision's."""

from __future__ import annotations

from bench.campaign_fingerprint import as_markdown, code_at, measure

TEXTS = [
    "Super Artikel! Ich verdiene jetzt 5000 Euro im Monat von zu Hause aus, schaut mal auf "
    "https://www.example-cash.ru/p17 vorbei, Grüße Anna",
    "Ruf mich an: +49 (0)151 2345 6789 oder schreib an info@kredit-sofort.de, ich helfe gern",
    "Danke!",
]


def test_the_code_of_a_revision_fingerprints_as_it_did():
    fingerprint_then, minhash_then = code_at("HEAD")
    print_then = fingerprint_then.fingerprint_comment(TEXTS[0])
    assert print_then.domains == ("example-cash.ru",)
    assert fingerprint_then.minhash is minhash_then


def test_both_versions_are_timed_on_every_comment_and_compared():
    rows = measure({"written": TEXTS}, "HEAD", rounds=1)
    assert [(row["part"], row["count"]) for row in rows] == [("fingerprint", 3), ("MinHash", 2)]
    assert all(row["differing"] == 0 for row in rows)
    assert all(set(row["median_us"]) == {"HEAD", "today"} for row in rows)
    assert "| mean: today / HEAD | differing results |" in as_markdown(rows)
