"""The moderation queue at size: one page of 100,000 pending comments, first and deep pages.

    python -m bench.moderation_queue [--pending 100000] [--database-url URL] [--out DIR]

Fills a fresh database (a temporary SQLite file, and the PostgreSQL at ``--database-url`` when
given; its ``comments`` tables are emptied first, so point it at a scratch database) with
``--pending`` pending comments and a fifth as many decided ones, then pages through the queue
the way the moderation desk does (``CommentStore.list_comments``: keyset pagination, 50 rows a
page) in both of the desk's main orders, by age and by score. Reported per page: the median
and the slowest of ``--repeat`` timings of the first page, of pages 10 and 100, of the page
in the middle of the queue and of the last page, reached by following the cursors. The
target of the issue: every page under 100 ms.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, delete, func, select

from spamschutz.service.storage import CommentStore, Stores, create_engine_for, upgrade_database
from spamschutz.service.storage.schema import comments, decisions

__all__ = ["fill_queue", "main", "measure_pages"]

PAGE_SIZE = 50
SORTS = ("age", "score")
TARGET_MS = 100.0
_BATCH = 5000


def _comment(number: int, status: str, now: datetime, rng: random.Random) -> dict:
    # Scores as a model gives them: most near 0 or 1, some in between, a few missing (the
    # model was unavailable), and many ties, which the keyset's id column must break.
    score = None if rng.random() < 0.02 else round(rng.betavariate(0.6, 0.6), 3)
    band = None if score is None else "ham" if score < 0.5 else "unsure" if score < 0.9 else "spam"
    return {
        "public_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "idempotency_key": f"bench:{number}",
        "thread_id": f"artikel-{number % 500}",
        "author_name": f"Leser {number}",
        "text": f"Kommentar Nummer {number} zum Artikel.",
        "lang": "de",
        "status": status,
        "score": score,
        "band": band,
        "reasons": [],
        "signals": {},
        "created_at": now - timedelta(seconds=rng.uniform(0, 72 * 3600)),
        "row_version": 1,
        "source": "form",
        "is_test": False,
    }


def fill_queue(engine: Engine, pending: int, seed: int = 0) -> None:
    """Empty the comment tables and insert ``pending`` pending comments and a fifth as many
    approved, rejected or spam ones, in batches."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    decided = ("approved", "rejected", "spam")
    rows = [("pending", n) for n in range(pending)]
    rows += [(decided[n % 3], pending + n) for n in range(pending // 5)]
    with engine.begin() as connection:
        connection.execute(delete(decisions))
        connection.execute(delete(comments))
    for start in range(0, len(rows), _BATCH):
        batch = [_comment(n, status, now, rng) for status, n in rows[start : start + _BATCH]]
        with engine.begin() as connection:
            connection.execute(comments.insert(), batch)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE comments")
        else:
            connection.exec_driver_sql("ANALYZE")


def _timed_ms(call, repeat: int) -> tuple[float, float, object]:
    timings, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), max(timings), result


def measure_pages(store: CommentStore, pending: int, sort: str, repeat: int) -> list[dict]:
    """Follow the cursors through the pending queue in ``sort`` order, timing chosen pages."""
    last_page = -(-pending // PAGE_SIZE)
    wanted = sorted({1, 10, 100, last_page // 2, last_page})
    rows_seen, after, page, results = 0, None, 1, []
    while True:
        def one_page(after=after):
            return store.list_comments("pending", sort=sort, limit=PAGE_SIZE, after=after)

        if page in wanted:
            median, slowest, (rows, cursor) = _timed_ms(one_page, repeat)
            results.append(
                {"sort": sort, "page": page, "rows_before": rows_seen, "median_ms": median,
                 "max_ms": slowest}
            )
        else:
            rows, cursor = one_page()
        rows_seen += len(rows)
        if cursor is None:
            break
        after, page = cursor, page + 1
    if rows_seen != pending:
        raise RuntimeError(f"paged through {rows_seen} comments, {pending} are pending")
    return results


def _backend(url: str, pending: int, repeat: int) -> dict:
    upgrade_database(url)
    engine = create_engine_for(url)
    try:
        started = time.perf_counter()
        fill_queue(engine, pending)
        fill_seconds = time.perf_counter() - started
        store = Stores.open(engine).comments
        with engine.connect() as connection:
            count = connection.execute(
                select(func.count()).select_from(comments).where(comments.c.status == "pending")
            ).scalar_one()
        pages = [row for sort in SORTS for row in measure_pages(store, count, sort, repeat)]
        return {
            "database": engine.dialect.name,
            "pending": count,
            "fill_seconds": fill_seconds,
            "pages": pages,
        }
    finally:
        engine.dispose()


def _markdown(results: dict) -> str:
    lines = [
        f"Command: `python -m bench.moderation_queue --pending {results['settings']['pending']}`. "
        f"{PAGE_SIZE} comments a page, keyset pagination (`CommentStore.list_comments`), "
        f"median and slowest of {results['settings']['repeat']} timings per page, "
        f"Python {platform.python_version()}, on a shared 2-CPU machine. Target: "
        f"every page under {TARGET_MS:.0f} ms.",
        "",
        "| database | sort | page | comments before it | median ms | slowest ms |",
        "|---|---|---|---|---|---|",
    ]
    for backend in results["backends"]:
        for row in backend["pages"]:
            lines.append(
                f"| {backend['database']} | {row['sort']} | {row['page']} | "
                f"{row['rows_before']:,} | {row['median_ms']:.1f} | {row['max_ms']:.1f} |"
            )
    lines.append("")
    for backend in results["backends"]:
        slowest = max(row["max_ms"] for row in backend["pages"])
        lines.append(
            f"- {backend['database']}: {backend['pending']:,} pending comments "
            f"(filled in {backend['fill_seconds']:.0f} s); slowest page {slowest:.1f} ms."
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Measure on SQLite (and PostgreSQL with ``--database-url``); write queue.{md,json}."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)
    results: dict = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {"pending": args.pending, "repeat": args.repeat, "page_size": PAGE_SIZE},
        "backends": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as folder:
        urls = [f"sqlite:///{Path(folder) / 'queue.db'}"]
        if args.database_url:
            urls.append(args.database_url)
        for url in urls:
            backend = _backend(url, args.pending, args.repeat)
            print(json.dumps(backend), flush=True)
            results["backends"].append(backend)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "moderation_queue.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "moderation_queue.md").write_text(_markdown(results))


if __name__ == "__main__":
    main()
