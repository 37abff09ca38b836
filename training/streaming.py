"""Training on more labelled comments than fit in memory: hashed features, learned chunk by chunk.

The batch trainer (:mod:`spamschutz.training.train`) holds every comment, its TF-IDF row and the
cross-validation copies at once: about 1.2 GB for 100,000 comments. Above a configured size
(:data:`STREAMING_ABOVE`, ``SPAMSCHUTZ_STREAMING_ABOVE``, ``train --streaming-above``) the
comments are instead read as a stream, twice:

1. a planning pass that keeps 9 bytes per comment (a hash of its text and its label) to drop
   duplicates — the later occurrence wins, as in :func:`spamschutz.training.train.deduplicate` — and
   to set aside a random held-out slice;
2. a training pass that shuffles the stream in a bounded buffer, turns each chunk into hashed
   features (:mod:`spamschutz.model.hashed`) and feeds it to the classifier's ``partial_fit``.

The held-out slice (at most :data:`HELD_OUT_CAP` comments) then plays the part that
cross-validation plays for the batch trainer: Platt calibration, serving thresholds
(:func:`spamschutz.training.train.choose_thresholds`) and the quality figures stored with the model.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from spamschutz.model import SpamModel, Thresholds, file_sha256, new_version
from spamschutz.model.hashed import HASHED_COLUMNS, build_hashing_pipeline
from spamschutz.training.data import (
    LabelledComment,
    iter_comments,
    read_many,
)
from spamschutz.training.evaluate import quality_metrics
from spamschutz.training.train import (
    MIN_PER_CLASS,
    Progress,
    TrainingError,
    _library_versions,
    choose_thresholds,
    train_model,
)

__all__ = [
    "STREAMING_ABOVE",
    "CommentStream",
    "count_comments",
    "stream_comments",
    "train_from_files",
    "train_streaming",
    "train_streaming_files",
]

# Above this many labelled comments training streams. The batch trainer needs about 12 kB per
# comment (bench/README.md), so 200,000 comments stay within 3 GB: a modest server copes, and
# up to there the batch model's TF-IDF weighting and cross-validation are worth their cost.
STREAMING_ABOVE = 200_000
CHUNK_SIZE = 5_000
# Comments are shuffled within this many before they reach the classifier: stochastic gradient
# descent drifts towards whatever it saw last, and exports are often sorted by label or date.
SHUFFLE_BUFFER = 50_000
HELD_OUT_SHARE = 0.1
HELD_OUT_CAP = 20_000

# A function that starts a fresh pass over the labelled comments each time it is called.
CommentStream = Callable[[], Iterable[LabelledComment]]


def _quiet(_: str) -> None:
    return None


def stream_comments(paths: Iterable[str | Path]) -> Iterator[LabelledComment]:
    """The labelled comments of ``paths``, read lazily one at a time, in file order.

    Reads the formats :func:`spamschutz.training.data.read_comments` reads, without holding a file.
    """
    for path in paths:
        yield from iter_comments(path)


def count_comments(paths: Iterable[str | Path]) -> int:
    """How many labelled comments ``paths`` hold (a parsing pass, no normalisation)."""
    return sum(1 for _ in stream_comments(paths))


def _text_key(text: str) -> int:
    """64-bit digest of the text as :func:`spamschutz.training.train.deduplicate` compares it."""
    folded = " ".join(text.casefold().split()).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(folded, digest_size=8).digest(), "little", signed=True)


@dataclass(frozen=True)
class _Plan:
    """Which positions of the stream to train on and which to hold out."""

    train: np.ndarray  # bool per position
    held_out: np.ndarray  # bool per position
    labels: np.ndarray  # int8 per position

    def count(self, mask: np.ndarray, label: int) -> int:
        return int(np.count_nonzero(mask & (self.labels == label)))


def _plan(stream: CommentStream, seed: int) -> _Plan:
    keys, labels = array("q"), array("b")
    for comment in stream():
        keys.append(_text_key(comment.text))
        labels.append(comment.label)
    key_array = np.frombuffer(keys, dtype=np.int64)
    size = key_array.size
    # np.unique returns each key's first position; on the reversed stream that is its last.
    _, last_reversed = np.unique(key_array[::-1], return_index=True)
    kept = np.zeros(size, dtype=bool)
    kept[size - 1 - last_reversed] = True
    label_array = np.frombuffer(labels, dtype=np.int8).copy()
    share = min(HELD_OUT_SHARE, HELD_OUT_CAP / max(int(kept.sum()), 1))
    # Drawn per class, so even a small set holds out some of each for calibration.
    rng = np.random.default_rng(seed)
    held_out = np.zeros(size, dtype=bool)
    for label in (0, 1):
        positions = np.flatnonzero(kept & (label_array == label))
        wanted = min(max(1, round(share * positions.size)), positions.size)
        held_out[rng.choice(positions, size=wanted, replace=False)] = True
    return _Plan(kept & ~held_out, held_out, label_array)


def _training_part(
    comments: Iterable[LabelledComment],
    plan: _Plan,
    held_out: list[LabelledComment] | None,
    languages: Counter[str] | None,
) -> Iterator[LabelledComment]:
    """The comments to learn from; held-out ones go to ``held_out`` (when given) instead."""
    for position, comment in enumerate(comments):
        if position >= plan.train.size:
            raise TrainingError("the training data changed while the model was learning from it")
        if plan.held_out[position]:
            if held_out is not None:
                held_out.append(comment)
        elif plan.train[position]:
            if languages is not None:
                languages[comment.lang or "unknown"] += 1
            yield comment


def _shuffled_chunks(
    comments: Iterable[LabelledComment], chunk_size: int, buffer_size: int, rng: np.random.Generator
) -> Iterator[list[LabelledComment]]:
    """Chunks of ``comments``, shuffled within windows of ``buffer_size``."""
    buffer: list[LabelledComment] = []
    for comment in comments:
        buffer.append(comment)
        if len(buffer) >= buffer_size:
            rng.shuffle(buffer)
            yield from (buffer[i : i + chunk_size] for i in range(0, len(buffer), chunk_size))
            buffer = []
    rng.shuffle(buffer)
    yield from (buffer[i : i + chunk_size] for i in range(0, len(buffer), chunk_size))


def _centre_signals(pipeline: Pipeline, mean: np.ndarray) -> None:
    """Centre the metadata signals on their training ``mean``, keeping every decision value.

    The batch model centres them so that an explanation shows a signal's difference from a
    typical comment; here the mean is known only after the pass, so the classifier learned on
    uncentred signals and the intercept absorbs the shift exactly.
    """
    pipeline.named_steps["features"].named_transformers["meta"].mean_ = mean
    classifier = pipeline.named_steps["classifier"]
    classifier.intercept_ = classifier.intercept_ + float(classifier.coef_[0, -mean.size :] @ mean)


def _calibrate(
    pipeline: Pipeline, held_out: Sequence[LabelledComment], labels: np.ndarray
) -> tuple[tuple[float, float], np.ndarray]:
    """Platt scaling on the held-out decision values; the parameters and calibrated scores."""
    uncalibrated = SpamModel(pipeline, (1.0, 0.0), Thresholds(1.0, 1.0))
    decisions = uncalibrated.decision_values([comment.as_input() for comment in held_out])
    platt = LogisticRegression(C=1e4).fit(decisions.reshape(-1, 1), labels)
    calibration = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))
    return calibration, SpamModel(pipeline, calibration, uncalibrated.thresholds).calibrate(
        decisions
    )


def train_streaming(
    stream: CommentStream,
    *,
    target_ham_blocked: float = 0.005,
    epochs: int = 1,
    chunk_size: int = CHUNK_SIZE,
    shuffle_buffer: int = SHUFFLE_BUFFER,
    n_features: int = HASHED_COLUMNS,
    seed: int = 0,
    sources: Sequence[dict[str, object]] = (),
    progress: Progress = _quiet,
) -> SpamModel:
    """Train a calibrated model on the comments ``stream()`` yields, in bounded memory.

    At most ``shuffle_buffer`` comments, the chunk being learned from and the held-out slice are
    in memory at once.
    ``epochs`` passes over the data help small sets; one pass suffices for large ones.
    """
    started = datetime.now(UTC)
    progress("planning: duplicates and the held-out slice")
    plan = _plan(stream, seed)
    n_spam, n_ham = plan.count(plan.train, 1), plan.count(plan.train, 0)
    held_spam, held_ham = plan.count(plan.held_out, 1), plan.count(plan.held_out, 0)
    if min(n_spam, n_ham) < MIN_PER_CLASS:
        raise TrainingError(
            f"training needs at least {MIN_PER_CLASS} spam and {MIN_PER_CLASS} ham comments; "
            f"got {n_spam + held_spam} spam and {n_ham + held_ham} ham"
        )

    pipeline = build_hashing_pipeline(n_features=n_features, seed=seed)
    prepare = pipeline.named_steps["prepare"]
    union = pipeline.named_steps["features"]
    classifier = pipeline.named_steps["classifier"]
    meta = union.named_transformers["meta"]
    meta.fit([])  # centred on zero while learning; moved to the true mean below
    total = n_spam + n_ham
    # "balanced" weights, which partial_fit cannot compute from one chunk.
    classifier.set_params(class_weight={0: total / (2 * n_ham), 1: total / (2 * n_spam)})

    held_out: list[LabelledComment] = []
    languages: Counter[str] = Counter()
    meta_sum = np.zeros(meta.n_features_out_)
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        first = epoch == 0
        # The held-out slice and the language counts are collected on the first pass only.
        part = _training_part(
            stream(), plan, held_out if first else None, languages if first else None
        )
        seen = 0
        for chunk in _shuffled_chunks(part, chunk_size, shuffle_buffer, rng):
            features = union.transform(prepare.transform([c.as_input() for c in chunk]))
            if first:
                meta_sum += np.asarray(features[:, -meta_sum.size :].sum(axis=0)).ravel()
            classifier.partial_fit(features, [c.label for c in chunk], classes=[0, 1])
            seen += len(chunk)
            if seen // 100_000 > (seen - len(chunk)) // 100_000:
                progress(f"epoch {epoch + 1}/{epochs}: learned from {seen:,} of {total:,}")

    _centre_signals(pipeline, meta_sum / total)
    progress(f"calibrating on {len(held_out):,} held-out comments")
    labels = np.asarray([comment.label for comment in held_out], dtype=int)
    calibration, scores = _calibrate(pipeline, held_out, labels)
    thresholds = choose_thresholds(labels, scores, target_ham_blocked)

    metadata: dict[str, object] = {
        "version": new_version(started),
        "created_at": started.isoformat(),
        "data": {
            "n": total + len(held_out),
            "n_spam": n_spam + held_spam,
            "n_ham": n_ham + held_ham,
            "duplicates_removed": int(plan.labels.size - total - len(held_out)),
            "languages": dict(languages),
            "sources": list(sources),
        },
        "params": {
            "target_ham_blocked": target_ham_blocked,
            "seed": seed,
            "streaming": {
                "held_out": len(held_out),
                "epochs": epochs,
                "chunk_size": chunk_size,
                "hashed_columns": n_features,
            },
        },
        # Held-out rather than cross-validated figures; the key is shared with the batch
        # trainer so `models list` and the promotion gate read both alike.
        "cv_metrics": quality_metrics(labels, scores, thresholds),
        "thresholds": {"spam": thresholds.spam, "unsure": thresholds.unsure},
        "libraries": _library_versions(),
    }
    progress(f"done in {(datetime.now(UTC) - started).total_seconds():.1f} s")
    return SpamModel(pipeline, calibration, thresholds, metadata)


def train_streaming_files(
    paths: Sequence[str | Path],
    extra: Sequence[LabelledComment] = (),
    *,
    sources: Sequence[dict[str, object]] = (),
    target_ham_blocked: float = 0.005,
    progress: Progress = _quiet,
) -> SpamModel:
    """Stream ``extra`` and then the files' comments through :func:`train_streaming`.

    Each file is recorded in the model's sources by name and SHA-256, like the batch trainer's.
    """
    files = [
        {"kind": "file", "name": Path(path).name, "sha256": file_sha256(path)} for path in paths
    ]
    return train_streaming(
        lambda: chain(extra, stream_comments(paths)),
        target_ham_blocked=target_ham_blocked,
        sources=[*sources, *files],
        progress=progress,
    )


def train_from_files(
    paths: Sequence[str | Path],
    extra: Sequence[LabelledComment] = (),
    *,
    streaming_above: int = STREAMING_ABOVE,
    target_ham_blocked: float = 0.005,
    sources: Sequence[dict[str, object]] = (),
    progress: Progress = _quiet,
) -> SpamModel:
    """Train on ``extra`` plus the files' comments: in memory, or streaming above the size.

    Only the comments are counted before choosing, so a large file is never read whole.
    """
    size = len(extra) + count_comments(paths)
    if size <= streaming_above:
        return train_model(
            [*extra, *read_many(paths)],
            target_ham_blocked=target_ham_blocked,
            sources=sources,
            progress=progress,
        )
    progress(f"{size:,} comments is above {streaming_above:,}: training on hashed features")
    return train_streaming_files(
        paths, extra, sources=sources, target_ham_blocked=target_ham_blocked, progress=progress
    )
