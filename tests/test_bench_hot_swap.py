"""The hot-swap benchmark's bookkeeping: when an instance counts as switched, and its tables."""

from __future__ import annotations

from bench.hot_swap import Sample, latency_row, markdown, switched_at


def _score(at: float, instance: int, version: str, status: int = 200) -> Sample:
    return Sample(at, 0.01, status, "score", instance, version)


def test_an_instance_counts_as_switched_from_its_first_answer_with_the_new_version_for_good():
    samples = [
        _score(1, 0, "old"),
        _score(2, 0, "new"),
        _score(3, 0, "old"),
        _score(4, 0, "new"),
        _score(5, 0, "new"),
        _score(4.5, 1, "old"),
    ]
    assert switched_at(samples, 0, "new", after=0) == 4
    assert switched_at(samples, 1, "new", after=0) is None
    assert switched_at(samples, 0, "new", after=4.5) == 5


def test_failed_requests_are_counted_and_left_out_of_the_latencies():
    samples = [
        _score(0, 0, "v", 200),
        Sample(1, 5.0, 503, "score", 0, None),
        Sample(2, 0.03, 202, "comments", 1, None),
    ]
    row = latency_row("steady", samples)
    assert row["requests"] == 3 and row["failed"] == 1
    assert row["max_ms"] == 30.0
    table = markdown(
        {
            "rows": [row],
            "switch_seconds": {"promote": [1.0, 2.0], "rollback": [0.5, 3.0]},
            "failed_total": 1,
            "requests_total": 3,
            "machine": "Python 3",
            "settings": {
                "instances": 2,
                "workers": 1,
                "threads": 4,
                "clients": 4,
                "refresh_seconds": 10.0,
                "database": "SQLite (shared file)",
            },
        }
    )
    assert "| steady | 3 | 1 | 20.0 | 29.8 | 30.0 |" in table
    assert "promote [1.0, 2.0], rollback [0.5, 3.0]" in table
