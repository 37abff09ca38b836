"""The byte-bounded memo behind the per-word caches."""

from __future__ import annotations

import sys
import threading

from spamschutz.model.memo import BoundedMemo


def _sized(key: str, value: str) -> int:
    return sys.getsizeof(key) + sys.getsizeof(value)


def test_memo_computes_each_key_once_while_it_fits():
    calls: list[str] = []

    def upper(word: str) -> str:
        calls.append(word)
        return word.upper()

    memo = BoundedMemo(upper, 2**20, _sized)
    assert [memo("abc"), memo("abc"), memo("de")] == ["ABC", "ABC", "DE"]
    assert calls == ["abc", "de"]


def test_memo_forgets_its_oldest_entries_past_its_budget_of_bytes():
    memo = BoundedMemo(str.upper, 64 * 1024, _sized)
    for number in range(5_000):
        memo(f"word{number:05d}" * 4)
    assert memo.bytes <= 64 * 1024
    assert 0 < len(memo) < 5_000
    calls: list[str] = []
    memo.function = lambda word: calls.append(word) or word.upper()
    memo("word04999" * 4)  # the newest is kept
    memo("word00000" * 4)  # the oldest is gone
    assert calls == ["word00000" * 4]


def test_memo_never_keeps_an_entry_larger_than_a_sixteenth_of_its_budget():
    memo = BoundedMemo(str.upper, 64 * 1024, _sized)
    assert memo("x" * 60_000) == "X" * 60_000
    assert len(memo) == 0 and memo.bytes == 0


def test_memo_stays_within_budget_under_threads():
    memo = BoundedMemo(str.upper, 32 * 1024, _sized)

    def flood(offset: int) -> None:
        for number in range(3_000):
            memo(f"{offset}-{number}" * 3)

    threads = [threading.Thread(target=flood, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert memo.bytes <= 32 * 1024
    assert memo.bytes == sum(memo._sizes.values())
