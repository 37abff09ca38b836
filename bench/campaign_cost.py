"""The campaign detection's cost per comment with a full window, measured in-process.

    .venv/bin/python -m bench.campaign_cost [--database-url URL] [--window 100000]
                                            [--samples 1000] [--batch 25]
                                            [--datasets ../shared/datasets]

A database (SQLite in a temporary directory, or ``--database-url``) is filled with a window of
synthetic reader comments made from words of the real ones, their fingerprints and keys
written in bulk; then new comments are stored one by one as at intake, in turns queued for
the detection (fingerprinted, all but the MinHash, and queued with it) and not, and the
detector links each batch of queued ones (a claim, the batch's MinHashes, one transaction with
the links), as it does behind a running service. The detection's cost per comment is the
batch's time plus its comments' fingerprints at intake, divided by its comments (the median
over batches); a comment alone in its batch, and what queueing (and fingerprinting) adds to
the request, are shown apart.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy import text as sql_text

from bench.campaign_stream import honest_comments
from spamschutz.service.campaigns.detector import CampaignDetector, campaign_link
from spamschutz.service.campaigns.fingerprint import fingerprint_comment
from spamschutz.service.config import DEFAULTS
from spamschutz.service.storage import (
    Stores,
    create_engine_for,
    schema_of_its_own,
    upgrade_database,
)
from spamschutz.service.storage.campaign_index import key_hash, packed_hashes
from spamschutz.service.storage.schema import campaign_key_hashes, campaign_prints, comments

__all__ = ["add_cost_arguments", "measure_detection_cost"]

_CHUNK = 5000


def _words(texts: list[str]) -> list[str]:
    return [word for text in texts for word in text.split()]


def _synthetic(rng: random.Random, words: list[str]) -> str:
    # Words drawn from the real comments (so with their frequencies), 8 to 80 of them: a
    # comment of its own, as almost every comment in a window is. Recombined real words
    # were not: a window of them is full of near-duplicates, which readers do not write.
    return " ".join(rng.choices(words, k=rng.randint(8, 80)))


def _fill_window(stores: Stores, size: int, words: list[str],
                 rng: random.Random) -> None:
    now = datetime.now(UTC)
    engine = stores.engine
    for start in range(0, size, _CHUNK):
        rows = []
        for _ in range(min(_CHUNK, size - start)):
            text = _synthetic(rng, words)
            rows.append({
                "public_id": str(uuid.uuid4()), "thread_id": f"artikel-{rng.randrange(3000)}",
                "author_name": "Leser", "text": text, "lang": "de", "status": "approved",
                "score": 0.1, "band": "ham", "reasons": [], "signals": {},
                "ip_hash": f"ip-{rng.randrange(40000)}", "row_version": 1, "source": "form",
                "is_test": False,
                "created_at": now - timedelta(seconds=rng.randrange(13 * 86400)),
            })
        with engine.begin() as connection:
            connection.execute(comments.insert(), rows)
            ids = dict(connection.execute(
                select(comments.c.public_id, comments.c.id)
                .where(comments.c.public_id.in_([row["public_id"] for row in rows]))).all())
            prints, keys = [], []
            for row in rows:
                fingerprint = fingerprint_comment(row["text"], senders=(row["ip_hash"],))
                comment_id = ids[row["public_id"]]
                hashes = [key_hash(key) for key in dict.fromkeys(fingerprint.index_keys())]
                prints.append({"comment_id": comment_id, "thread_id": row["thread_id"],
                               "sender": row["ip_hash"], "signature": fingerprint.signature,
                               "key_hashes": packed_hashes(hashes),
                               "created_at": row["created_at"]})
                keys.extend({"key_hash": hashed, "comment_id": comment_id,
                             "created_at": row["created_at"]} for hashed in hashes)
            connection.execute(campaign_prints.insert(), prints)
            connection.execute(campaign_key_hashes.insert(), keys)


@contextmanager
def _throwaway_database(work: Path, database_url: str | None) -> Iterator[str]:
    """A database URL for one measurement: a SQLite file in ``work``, or on PostgreSQL a
    schema of its own, dropped afterwards (so a second run starts from an empty window, and
    the database's own tables are left alone)."""
    if database_url is None:
        yield f"sqlite:///{(work / 'cost.db').resolve()}"
        return
    with schema_of_its_own(database_url, "bench_campaign_cost") as url:
        yield url


def measure_detection_cost(
    texts: list[str], work: Path, database_url: str | None = None, window: int = 100_000,
    samples: int = 1000, batch: int = 25, seed: int = 7,
) -> dict[str, object]:
    """The detection's cost per new comment (milliseconds), with ``window`` comments already
    in the window: the median over batches of ``batch`` comments of the detector's time for
    the batch (claim, fingerprints, links, both commits) divided by its comments; the same
    for a comment alone in its batch; what queueing adds to storing a comment (the median
    stored queued minus the median stored without); and the fingerprint alone."""
    with _throwaway_database(work, database_url) as url:
        return _measure(texts, url, window, samples, batch, seed)


def _measure(texts: list[str], url: str, window: int, samples: int, batch: int,
             seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    upgrade_database(url)
    stores = Stores.open(create_engine_for(url))
    words = _words(texts)
    started = time.monotonic()
    _fill_window(stores, window, words, rng)
    if stores.engine.dialect.name == "postgresql":
        # A window of days has been analysed by autovacuum long since; one written in bulk a
        # moment ago has no statistics, and without them PostgreSQL planned each look-up
        # afresh (5 to 10 ms a comment instead of about 1). SQLite analyses nothing by itself.
        with stores.engine.begin() as connection:
            connection.execute(sql_text("ANALYZE"))
    filled = time.monotonic() - started
    config = {name: default for name, (default, _kind, _meaning) in DEFAULTS.items()}
    detector = CampaignDetector.from_config(stores.campaigns, config)

    def store(queued: bool) -> tuple[float, float]:
        """Store a comment as at intake (queued: fingerprinted first); the seconds it took,
        and those of its fingerprint."""
        text, address = _synthetic(rng, words), f"ip-{rng.randrange(40000)}"
        began = time.perf_counter()
        found = detector.fingerprint({"text": text, "ip_hash": address}) if queued else None
        fingerprinted = time.perf_counter() - began
        stores.comments.add_comment(
            thread_id=f"artikel-{rng.randrange(3000)}", author_name="Leser", text=text,
            lang="de", ip_hash=address, band="ham", score=0.1,
            queue_campaign_detection=queued, campaign_print=found)
        return time.perf_counter() - began, fingerprinted

    def link_batches(size: int, rounds: int) -> tuple[list[float], list[float]]:
        """``rounds`` batches of ``size``: each stored (in turns with as many comments stored
        without the detection), then linked by the detector; the seconds per comment of each
        batch, its comments' fingerprints at intake included, and the store times queued and
        not."""
        detector.batch_size = size
        per_comment, stored = [], {True: [], False: []}
        for _ in range(rounds):
            fingerprinting = 0.0
            for index in range(2 * size):
                queued = index % 2 == 1  # in turns, so that drift hits both alike
                seconds, fingerprinted = store(queued)
                stored[queued].append(seconds)
                fingerprinting += fingerprinted
            began = time.perf_counter()
            linked = detector.run_batch()
            per_comment.append((time.perf_counter() - began + fingerprinting) / linked)
        return per_comment, stored

    alone, _ = link_batches(1, max(1, samples // 4))
    batched, stored = link_batches(batch, max(1, samples // batch))
    fingerprints = []
    for _ in range(min(samples, 1000)):
        fields = {"text": _synthetic(rng, words), "ip_hash": f"ip-{rng.randrange(40000)}"}
        began = time.perf_counter()
        campaign_link(fields, detector.rules, detector.common)
        fingerprints.append(time.perf_counter() - began)
    stores.engine.dispose()
    batched.sort()
    return {
        "backend": "postgresql" if url.startswith("postgresql") else "sqlite",
        "window": window,
        "samples": len(batched) * batch,
        "batch": batch,
        "seconds_to_fill_window": round(filled, 1),
        "median_ms": _ms(statistics.median(batched)),
        "p90_ms": _ms(batched[int(0.9 * len(batched))]),
        "alone_median_ms": _ms(statistics.median(alone)),
        "store_median_ms": _ms(statistics.median(stored[False])),
        "store_queued_median_ms": _ms(statistics.median(stored[True])),
        "request_median_ms": _ms(statistics.median(stored[True])
                                 - statistics.median(stored[False])),
        "fingerprint_median_ms": _ms(statistics.median(fingerprints)),
    }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def add_cost_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of this measurement (``bench.campaigns`` takes them too)."""
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--window", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=25)


def main(argv: list[str] | None = None) -> None:
    """Measure and print the cost as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_cost_arguments(parser)
    args = parser.parse_args(argv)
    texts = [text for text, _group, _lang in honest_comments(args.datasets)]
    with tempfile.TemporaryDirectory(prefix="bench-campaign-cost-") as name:
        print(json.dumps(measure_detection_cost(texts, Path(name), args.database_url,
                                                args.window, args.samples, args.batch),
                         indent=2))


if __name__ == "__main__":
    main()
