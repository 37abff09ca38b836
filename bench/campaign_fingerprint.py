"""The campaign fingerprint's CPU per comment, in-process, against its code at a revision.

    .venv/bin/python -m bench.campaign_fingerprint [--against REV] [--rounds 3]
                                   [--synthetic 3000] [--datasets ../shared/datasets]
                                   [--out bench/results]

Comments of two kinds: the real ones ``bench.campaigns`` posts (YouTube ham, German reader
comments) and ``bench.campaign_cost``'s synthetic ones (8 to 80 words drawn from them). Each is
prepared for the model first (untimed), as at intake, then fingerprinted. With ``--against``,
``fingerprint.py`` and ``minhash.py`` of that revision (``git show``) are loaded beside
today's and every comment is fingerprinted by both, in turns (the order swapped from one comment
to the next), so that the shared machine's drift hits both alike; the MinHash alone (shingle
hashes, signature, band keys) is timed the same way. Both must give the same fingerprint:
differences are counted. Medians in microseconds and their ratios, as Markdown, printed and
written with the command and the machine's load to ``bench/results/campaign_fingerprint.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

from bench.campaign_cost import _synthetic, _words
from bench.campaign_stream import honest_comments
from spamschutz.model.features import prepare_comment
from spamschutz.model.text import normalise
from spamschutz.service.campaigns import fingerprint, minhash

__all__ = ["code_at", "measure"]

ROOT = Path(__file__).resolve().parent.parent
_SOURCES = {"minhash": "service/campaigns/minhash.py",
            "fingerprint": "service/campaigns/fingerprint.py"}


def code_at(revision: str) -> tuple[types.ModuleType, types.ModuleType]:
    """(fingerprint, minhash) as they were at ``revision``, the one using the other."""
    loaded = {}
    for name, path in _SOURCES.items():
        source = subprocess.run(["git", "show", f"{revision}:{path}"],  # noqa: S607
                                cwd=ROOT, check=True, capture_output=True, text=True).stdout
        module = types.ModuleType(f"bench_{name}_at_{revision}")
        # Dataclasses look their module up by name.
        sys.modules[module.__name__] = module
        exec(compile(source, f"{revision}:{path}", "exec"), module.__dict__)  # noqa: S102
        loaded[name] = module
    loaded["fingerprint"].minhash = loaded["minhash"]
    return loaded["fingerprint"], loaded["minhash"]


def _minhash_of(module: types.ModuleType) -> Callable[[str], object]:
    def run(shingled: str) -> object:
        values = module.signature(module.shingle_hashes(shingled))
        return values, module.band_keys(values)
    return run


def _print_of(module: types.ModuleType) -> Callable[[str], object]:
    def run(text: str) -> object:
        return module.fingerprint_comment(text, senders=("ip-1",))
    return run


def _stored_minhash(result: object) -> object:
    values, keys = result
    return values.tolist(), keys


def _stored_print(result: object) -> object:
    return result.signature, result.index_keys()


def _timed_in_turns(texts: list[str], variants: dict[str, Callable[[str], object]],
                    stored: Callable[[object], object], rounds: int,
                    prepare: bool) -> tuple[dict[str, list[float]], int]:
    """Seconds per text for each variant, and the number of texts on which they differed."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    differing = 0
    for round_ in range(rounds + 1):  # the first round warms up and is not kept
        for index, text in enumerate(texts):
            if prepare:
                prepare_comment({"text": text, "author": "Leser", "email": "", "url": ""})
            results = []
            for name in names if (index + round_) % 2 == 0 else reversed(names):
                began = time.perf_counter()
                results.append(variants[name](text))
                if round_:
                    times[name].append(time.perf_counter() - began)
            if round_ == 0:
                kept = [stored(result) for result in results]
                differing += any(result != kept[0] for result in kept)
    return times, differing


def measure(texts: dict[str, list[str]], against: str | None, rounds: int) -> list[dict]:
    """One row per kind of comment and part timed: median and mean (µs) per variant."""
    prints = {"today": _print_of(fingerprint)}
    hashes = {"today": _minhash_of(minhash)}
    if against:
        old_fingerprint, old_minhash = code_at(against)
        prints = {against: _print_of(old_fingerprint), **prints}
        hashes = {against: _minhash_of(old_minhash), **hashes}
    rows = []
    for kind, comments in texts.items():
        shingled = [fingerprint._text_for_shingles(normalise(fingerprint.without_quotes(text)))
                    for text in comments]
        shingled = [text for text in shingled if len(text) >= fingerprint.MIN_TEXT_CHARACTERS]
        for part, variants, stored, inputs, prepare in (
            ("fingerprint", prints, _stored_print, comments, True),
            ("MinHash", hashes, _stored_minhash, shingled, False),
        ):
            times, differing = _timed_in_turns(inputs, variants, stored, rounds, prepare)
            rows.append({"comments": kind, "part": part, "count": len(inputs),
                         "differing": differing,
                         "median_us": {name: round(statistics.median(spent) * 1e6, 1)
                                       for name, spent in times.items()},
                         "mean_us": {name: round(statistics.mean(spent) * 1e6, 1)
                                     for name, spent in times.items()}})
    return rows


def as_markdown(rows: list[dict]) -> str:
    """The rows as a Markdown table (with ratios when two versions ran). The median is a
    typical comment; the mean, which long comments weigh on, is what throughput feels."""
    names = list(rows[0]["median_us"])
    header = ["comments", "part", "count"]
    for measure in ("median", "mean"):
        header += [f"{name} {measure} µs" for name in names]
        if len(names) == 2:
            header.append(f"{measure}: {names[1]} / {names[0]}")
    if len(names) == 2:
        header.append("differing results")
    lines = ["| " + " | ".join(header) + " |",
             "|---|---|" + "---:|" * (len(header) - 2)]
    for row in rows:
        cells = [row["comments"], row["part"], str(row["count"])]
        for measure in ("median", "mean"):
            figures = [row[f"{measure}_us"][name] for name in names]
            cells += [f"{figure:.1f}" for figure in figures]
            if len(names) == 2:
                cells.append(f"{figures[1] / figures[0]:.2f}")
        if len(names) == 2:
            cells.append(str(row["differing"]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--against", default=None,
                        help="a git revision whose fingerprint to time in turns with today's")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--synthetic", type=int, default=3000)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    real = [text for text, _group, _lang in honest_comments(args.datasets)]
    rng = random.Random(7)
    words = _words(real)
    synthetic = [_synthetic(rng, words) for _ in range(args.synthetic)]
    rows = measure({"real": real, "synthetic": synthetic}, args.against, args.rounds)
    command = " ".join(["python -m bench.campaign_fingerprint", *(argv or sys.argv[1:])])
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    table = as_markdown(rows)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "campaign_fingerprint.md").write_text(
        f"Command: `{command}`; {load}.\n\n{table}\n", encoding="utf-8")
    (args.out / "campaign_fingerprint.json").write_text(
        json.dumps({"command": command, "load": load, "rows": rows}, indent=2) + "\n",
        encoding="utf-8")


if __name__ == "__main__":
    main()
