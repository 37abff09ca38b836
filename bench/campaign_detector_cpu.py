"""The campaign detector's CPU per comment on ``bench.http``'s comments, in-process.

    .venv/bin/python -m bench.campaign_detector_cpu [--batch 88] [--rounds 60]
                                                     [--datasets ../shared/datasets]

What the detection costs the server behind ``bench.http``'s comments run, without the HTTP
around it: the same texts (the YouTube Spam Collection, cycled), from one address into one
thread, fingerprinted and queued as at intake (all but the MinHash, right after the text was
normalised for its score, which is not counted) into a fresh SQLite file, then linked by the
detector in batches of ``--batch`` (88: the size its batches had under that run), the batch's
MinHashes taken at once. The figure is the CPU time of a batch's fingerprints at intake and of
the detector thread's work on it, divided by its comments, the
median over the batches after the first five (``time.thread_time``: the machine's other load
does not count, as it does in wall time). To compare two revisions, run it in a checkout of
each, in turns.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.http import benchmark_texts
from spamschutz.model.features import plain_text
from spamschutz.model.text import normalise
from spamschutz.service.campaigns.detector import CampaignDetector
from spamschutz.service.config import DEFAULTS
from spamschutz.service.storage import Stores, create_engine_for, upgrade_database

__all__ = ["detector_cpu_per_comment"]

_WARM_UP_BATCHES = 5


def detector_cpu_per_comment(texts: list[str], batch: int, rounds: int, work: Path) -> float:
    """The median detector CPU seconds per comment over ``rounds`` batches of ``batch``."""
    url = f"sqlite:///{(work / 'detector.db').resolve()}"
    upgrade_database(url)
    stores = Stores.open(create_engine_for(url))
    config = {name: default for name, (default, _kind, _meaning) in DEFAULTS.items()}
    detector = CampaignDetector.from_config(stores.campaigns, config)
    detector.batch_size = batch
    per_comment = []
    stored = 0
    try:
        for _ in range(rounds):
            fingerprinting = 0.0
            for _ in range(batch):
                text = texts[stored % len(texts)]
                normalise(plain_text(text))  # the score's normalisation, which intake reuses
                started = time.thread_time()
                found = detector.fingerprint({"text": text, "ip_hash": "bench-address"})
                fingerprinting += time.thread_time() - started
                stores.comments.add_comment(
                    thread_id="bench-thread", author_name="Leserin", text=text, lang="de",
                    ip_hash="bench-address", band="ham", score=0.1,
                    queue_campaign_detection=True, campaign_print=found)
                stored += 1
            started = time.thread_time()
            linked = detector.run_batch()
            per_comment.append((fingerprinting + time.thread_time() - started) / linked)
    finally:
        stores.engine.dispose()
    return statistics.median(per_comment[_WARM_UP_BATCHES:])


def main(argv: list[str] | None = None) -> None:
    """Print the detector's CPU per comment in milliseconds."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=88)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    args = parser.parse_args(argv)
    if args.rounds <= _WARM_UP_BATCHES:
        parser.error(f"--rounds must be more than {_WARM_UP_BATCHES}")
    texts = benchmark_texts(args.datasets)
    with tempfile.TemporaryDirectory(prefix="bench-detector-cpu-") as name:
        seconds = detector_cpu_per_comment(texts, args.batch, args.rounds, Path(name))
    print(f"detector CPU per comment, batches of {args.batch}: {seconds * 1000:.3f} ms")


if __name__ == "__main__":
    main()
