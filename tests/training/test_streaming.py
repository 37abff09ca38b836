"""Streaming training: hashed features learned chunk by chunk above a configured size."""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer

from spamschutz.model import ModelStore, explain
from spamschutz.model.compiled import BATCH_FROM
from spamschutz.training import LabelledComment, evaluate_model, read_comments
from spamschutz.training.streaming import (
    count_comments,
    stream_comments,
    train_from_files,
    train_streaming,
)
from tests.conftest import DATASETS_MISSING, YOUTUBE
from tests.factories import HAM_TEXTS, SPAM_TEXTS, labelled_comments


def write_jsonl(path: Path, comments: list[LabelledComment]) -> Path:
    path.write_text(
        "".join(
            json.dumps({"text": c.text, "label": c.label, "url": c.url}) + "\n" for c in comments
        )
    )
    return path


def is_hashed(model) -> bool:
    union = model.pipeline.named_steps["features"]
    return any(isinstance(t, HashingVectorizer) for _, t in union.transformer_list)


def test_streaming_starts_only_above_the_configured_size(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "labels.jsonl", labelled_comments())
    assert count_comments([data]) == len(labelled_comments())

    in_memory = train_from_files([data], streaming_above=len(labelled_comments()))
    streamed = train_from_files([data], streaming_above=len(labelled_comments()) - 1)

    assert not is_hashed(in_memory)
    assert "streaming" not in in_memory.metadata["params"]
    assert is_hashed(streamed)
    assert streamed.metadata["params"]["streaming"]["held_out"] > 0
    assert streamed.metadata["data"]["n"] == len(labelled_comments())


def test_streamed_model_is_saved_loaded_and_scored_by_the_registry(tmp_path: Path) -> None:
    model = train_streaming(lambda: iter(labelled_comments()), epochs=5, chunk_size=16)
    stored = ModelStore(tmp_path).save(model)
    served = ModelStore(tmp_path).load(stored.version, stored.sha256)

    spam = {"text": "Win big at the online casino, free spins at www.best-casino-bonus.xyz"}
    ham = {"text": "Thanks for the report on the council meeting, please keep reporting."}
    scores = served.score([spam, ham])
    assert scores[0] > served.thresholds.spam > served.thresholds.unsure > scores[1]
    # The compiled fast path computes exactly what the scikit-learn pipeline computes, one
    # comment at a time and for a batch (sparse term counts over hashed columns).
    batch = [spam, ham, *({"text": text} for text in HAM_TEXTS + SPAM_TEXTS)]
    assert len(batch) >= BATCH_FROM
    for comments in ([spam, ham], batch):
        np.testing.assert_allclose(
            served.decision_values(comments),
            served.pipeline.decision_function(comments),
            rtol=1e-5,
            atol=1e-6,
        )


def test_explanations_name_the_explained_comments_own_words() -> None:
    model = train_streaming(lambda: iter(labelled_comments()), epochs=5, chunk_size=16)
    reasons = explain(model, {"text": "Cheap viagra without prescription at the casino"})
    words = {reason.feature for reason in reasons if reason.kind == "word"}
    assert words & {"viagra", "casino", "cheap", "prescription"}
    assert all(word in "cheap viagra without prescription at the casino" for word in words)


def test_later_duplicate_label_wins_and_is_counted() -> None:
    rows = [*labelled_comments(), LabelledComment(labelled_comments()[0].text.upper(), 1)]
    model = train_streaming(lambda: iter(rows), chunk_size=16)
    assert model.metadata["data"]["duplicates_removed"] == 1
    assert model.metadata["data"]["n_spam"] == 33


def test_streaming_holds_a_bounded_number_of_comments() -> None:
    # Every comment is built as it is read, so the live ones are exactly those still held.
    texts = [(c.text + f" {i}", c.label) for i in range(40) for c in labelled_comments()]
    live: weakref.WeakSet[LabelledComment] = weakref.WeakSet()
    most = 0

    def stream() -> Iterator[LabelledComment]:
        nonlocal most
        for text, label in texts:
            comment = LabelledComment(text, label)
            live.add(comment)
            most = max(most, len(live))
            yield comment

    model = train_streaming(stream, chunk_size=50, shuffle_buffer=200)
    held_out = model.metadata["params"]["streaming"]["held_out"]
    assert len(texts) == 3200
    # The shuffle buffer being filled, the chunk being learned from, and the held-out slice.
    assert most <= 200 + 50 + held_out + 1


@pytest.mark.skipif(not YOUTUBE.exists(), reason=DATASETS_MISSING)
def test_streamed_model_separates_a_held_out_youtube_video(tmp_path: Path) -> None:
    files = sorted(YOUTUBE.glob("*.csv"))
    model = train_streaming(lambda: stream_comments(files[:4]), epochs=5, chunk_size=500)
    report = evaluate_model(model, read_comments(files[4]))
    assert report["roc_auc"] >= 0.95
    assert report["ham_blocked"] <= 0.05


def test_train_command_streams_above_the_given_size(runner, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "labels.jsonl", labelled_comments())
    result = runner("train", "--data", str(data), "--streaming-above", "50", "--json")
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert output["streaming"] is True
    assert output["data"]["n"] == len(labelled_comments())
