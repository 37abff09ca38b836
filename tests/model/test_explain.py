"""Scores come with reasons a moderator can read."""

from __future__ import annotations

from model import ModelStore, StoredModel, explain, score_with_reasons


def _model(stored: StoredModel):
    return ModelStore(stored.path.parent.parent).load(stored.version, stored.sha256)


def test_spam_reasons_name_the_words_and_link(tiny_model: StoredModel) -> None:
    model = _model(tiny_model)
    text = "Cheap viagra without prescription at http://cheap-pills.example.ru now!!!"
    score, reasons = score_with_reasons(model, {"text": text})
    assert score > 0.5
    assert reasons == sorted(reasons, key=lambda r: abs(r.weight), reverse=True)
    pushing_up = [r.feature for r in reasons if r.weight > 0]
    assert pushing_up, reasons
    assert all(r.description for r in reasons)
    assert not any(r.feature.startswith("chars") for r in reasons)


def test_score_with_reasons_matches_the_pipeline_score(tiny_model: StoredModel) -> None:
    model = _model(tiny_model)
    comment = {"text": "Der Artikel erklärt gut, warum die Mieten steigen."}
    score, _ = score_with_reasons(model, comment)
    assert abs(score - model.score_one(comment)) < 1e-9


def test_ham_reasons_point_towards_ham(tiny_model: StoredModel) -> None:
    model = _model(tiny_model)
    reasons = explain(model, {"text": "Thanks for the report on the council meeting."})
    assert any(r.as_dict()["direction"] == "ham" for r in reasons)
