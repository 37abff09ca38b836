"""Scores come with reasons a moderator can read."""

from __future__ import annotations

from spamschutz.model import ModelStore, StoredModel, explain, score_with_reasons
from spamschutz.model.features import prepare_comment


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


def test_word_credits_add_up_to_the_whole_text_part_of_the_score(tiny_model: StoredModel) -> None:
    # Every n-gram, stem and stem pair is credited to some word, so nothing a moderator is
    # shown is lost or counted twice: the words' credits and the signals' parts are the score.
    model = _model(tiny_model)
    comment = prepare_comment(
        {"text": "GRATIS Casino-Bonus!!! Jetzt spielen: casino-bonus.example.ru casino casino"}
    )
    parts = model.compiled.contributions(comment)
    signals = sum(part for _, part in parts.signals.values())
    assert abs(parts.decision - model.compiled.decision(comment)) < 1e-9
    words = sum(parts.words.values())
    assert abs(model.compiled.intercept + signals + words - parts.decision) < 1e-9
    assert "casino" in parts.words
