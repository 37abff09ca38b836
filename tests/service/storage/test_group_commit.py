"""Group commit: concurrent writes share a batch, and one item's failure stays its own."""

from __future__ import annotations

import threading

import pytest

from spamschutz.service.storage.group_commit import GroupCommit
from tests.waiting import wait_until


class DatabaseDown(Exception):
    """Stands for "the database cannot be used": no item would fare better alone."""


class Recorder:
    """A batch writer that records its batches; the first batch can be held open."""

    def __init__(
        self,
        fail_on: set[str] = frozenset(),
        refuse: set[str] = frozenset(),
        down_on: set[str] = frozenset(),
    ):
        self.batches: list[list[str]] = []
        self.release_first = threading.Event()
        self.first_started = threading.Event()
        self.fail_on = fail_on
        self.refuse = refuse
        self.down_on = down_on

    def write(self, items):
        if not self.batches:
            self.first_started.set()
            self.release_first.wait(10)
        self.batches.append(list(items))
        if any(item in self.down_on for item in items):
            raise DatabaseDown("the database is unavailable")
        if any(item in self.fail_on for item in items):
            raise RuntimeError(f"cannot write {sorted(set(items) & self.fail_on)}")
        return [ValueError(f"refused {i}") if i in self.refuse else i.upper() for i in items]


def _submit_all(group, items):
    results: dict[str, object] = {}

    def submit(item):
        try:
            results[item] = group.submit(item)
        except Exception as error:  # collected: an exception in a thread is otherwise lost
            results[item] = error

    threads = [threading.Thread(target=submit, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    return threads, results


def _hold_first_batch_then_queue(recorder, group, later):
    """Start one write and hold it; queue ``later`` behind it; then let everything run."""
    first_threads, results = _submit_all(group, ["first"])
    assert recorder.first_started.wait(10)
    threads, later_results = _submit_all(group, later)
    wait_until(lambda: group.waiting == len(later), 10, "the later writes queue up",
               interval=0.005)
    recorder.release_first.set()
    for thread in first_threads + threads:
        thread.join(10)
    return {**results, **later_results}


def test_a_lone_write_is_written_at_once():
    recorder = Recorder()
    recorder.release_first.set()
    group = GroupCommit(recorder.write)
    assert group.submit("a") == "A"
    assert recorder.batches == [["a"]]


def test_writes_arriving_during_a_batch_share_the_next_one():
    recorder = Recorder()
    group = GroupCommit(recorder.write)
    later = [f"c{i}" for i in range(6)]
    results = _hold_first_batch_then_queue(recorder, group, later)
    assert results == {"first": "FIRST", **{item: item.upper() for item in later}}
    assert recorder.batches[0] == ["first"]
    assert sorted(recorder.batches[1]) == sorted(later)
    assert len(recorder.batches) == 2


def test_batches_are_no_larger_than_the_limit():
    recorder = Recorder()
    group = GroupCommit(recorder.write, max_batch=4)
    later = [f"c{i}" for i in range(10)]
    results = _hold_first_batch_then_queue(recorder, group, later)
    assert all(results[item] == item.upper() for item in later)
    assert [len(batch) for batch in recorder.batches[1:]] == [4, 4, 2]


def test_a_refused_item_is_its_callers_error_only():
    recorder = Recorder(refuse={"c2"})
    group = GroupCommit(recorder.write)
    results = _hold_first_batch_then_queue(recorder, group, ["c1", "c2", "c3"])
    assert isinstance(results["c2"], ValueError) and str(results["c2"]) == "refused c2"
    assert results["c1"] == "C1" and results["c3"] == "C3"
    assert len(recorder.batches) == 2  # the refusal did not break the batch


def test_a_failed_batch_is_written_again_item_by_item():
    recorder = Recorder(fail_on={"bad"})
    group = GroupCommit(recorder.write)
    results = _hold_first_batch_then_queue(recorder, group, ["c1", "bad", "c3"])
    assert results["c1"] == "C1" and results["c3"] == "C3"
    assert isinstance(results["bad"], RuntimeError)
    assert sorted(recorder.batches[1]) == ["bad", "c1", "c3"]
    assert sorted(recorder.batches[2:]) == [["bad"], ["c1"], ["c3"]]


def test_when_the_database_is_down_each_caller_gets_its_own_error_at_once():
    recorder = Recorder(down_on={"c2"})
    group = GroupCommit(recorder.write, batch_errors=(DatabaseDown,))
    results = _hold_first_batch_then_queue(recorder, group, ["c1", "c2", "c3"])
    errors = [results[item] for item in ("c1", "c2", "c3")]
    assert all(isinstance(error, DatabaseDown) for error in errors)
    assert len({id(error) for error in errors}) == 3  # one exception object per caller
    assert len(recorder.batches) == 2  # not tried again item by item


def test_a_lone_write_that_fails_raises_in_its_caller():
    recorder = Recorder(fail_on={"bad"})
    recorder.release_first.set()
    group = GroupCommit(recorder.write)
    with pytest.raises(RuntimeError, match="cannot write"):
        group.submit("bad")
    assert group.submit("good") == "GOOD"


def test_batch_limit_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        GroupCommit(lambda items: list(items), max_batch=0)
