"""The compiled fast path gives the pipeline's own decision values."""

from __future__ import annotations

import numpy as np

from spamschutz.model import ModelStore, StoredModel
from spamschutz.model.compiled import BATCH_FROM
from tests.factories import HAM_TEXTS, SPAM_TEXTS


def test_compiled_scores_equal_the_pipeline_decision_function(tiny_model: StoredModel) -> None:
    model = ModelStore(tiny_model.path.parent.parent).load(tiny_model.version, tiny_model.sha256)
    comments = [{"text": t} for t in HAM_TEXTS[:10] + SPAM_TEXTS[:10]] + [
        {"text": "völlig neue Wörter, die das Modell nie sah", "url": "https://x.example"},
        {"text": "!!!"},
        {"text": ""},
    ]
    expected = model.pipeline.decision_function(comments)
    np.testing.assert_allclose(model.decision_values(comments), expected, rtol=1e-5, atol=1e-5)


def test_batch_path_equals_comment_by_comment_and_the_pipeline(tiny_model: StoredModel) -> None:
    model = ModelStore(tiny_model.path.parent.parent).load(tiny_model.version, tiny_model.sha256)
    texts = HAM_TEXTS + SPAM_TEXTS
    comments = (
        [{"text": t} for t in texts]
        + [
            # Unknown words, repeated words and n-grams shared between words, German, no words.
            {"text": f"{a} {a} unbekannt{i} {b}", "lang": "de" if i % 2 else "en"}
            for i, (a, b) in enumerate(zip(texts, reversed(texts), strict=True))
        ]
        + [{"text": ""}, {"text": "?!"}, {"text": "ａａａ bbb ccc bbb"}]
    )
    assert len(comments) >= 2 * BATCH_FROM
    batch = model.decision_values(comments)
    one_by_one = [model.decision_values([comment])[0] for comment in comments]
    np.testing.assert_allclose(batch, one_by_one, rtol=1e-9, atol=1e-9)
    expected = model.pipeline.decision_function(comments)
    np.testing.assert_allclose(batch, expected, rtol=1e-5, atol=1e-5)


def test_compiled_tables_are_not_stored_in_the_artefact(tiny_model: StoredModel, tmp_path) -> None:
    store = ModelStore(tiny_model.path.parent.parent)
    model = store.load(tiny_model.version, tiny_model.sha256)
    model.score_one("warm up the compiled tables")
    assert "compiled" not in model.__getstate__()


def test_an_empty_batch_scores_to_nothing(tiny_model: StoredModel) -> None:
    model = ModelStore(tiny_model.path.parent.parent).load(tiny_model.version, tiny_model.sha256)
    assert model.score([]).shape == (0,)
