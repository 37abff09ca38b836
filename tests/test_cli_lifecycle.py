"""Promotion gate, forced promotion, rollback and scheduled retraining."""

from __future__ import annotations

import json
from pathlib import Path

from spamschutz.training.gate import MIN_GATE_COMMENTS, MIN_GATE_PER_CLASS, gate_slice_size
from tests.factories import labelled_comments


def _write(path: Path, flip: bool = False) -> Path:
    rows = [c.as_dict() for c in labelled_comments()]
    for row in rows:
        if flip:
            row["label"] = 1 - row["label"]
    path.write_text("\n".join(json.dumps(row) for row in rows))
    return path


def _train(runner, data: Path) -> str:
    return json.loads(runner("train", "--data", str(data), "--json").output)["version"]


def _status(runner) -> dict[str, str]:
    return {
        r["version"]: r["status"] for r in json.loads(runner("models", "list", "--json").output)
    }


def test_promotion_gate_refuses_a_damaged_model(runner, tmp_path) -> None:
    data = _write(tmp_path / "labels.jsonl")
    damaged = _train(runner, _write(tmp_path / "flipped.jsonl", flip=True))
    result = runner("models", "promote", damaged, "--data", str(data))
    assert result.exit_code != 0
    assert "Refused" in result.output
    assert "ham blocked" in result.output  # the comparison table is printed
    assert _status(runner)[damaged] == "candidate"


def test_promotion_gate_lets_a_good_model_through(runner, tmp_path) -> None:
    data = _write(tmp_path / "labels.jsonl")
    good = _train(runner, data)
    result = runner("models", "promote", good, "--data", str(data))
    assert result.exit_code == 0, result.output
    assert _status(runner)[good] == "active"


def test_forced_promotion_needs_and_records_a_reason(runner, tmp_path) -> None:
    data = _write(tmp_path / "labels.jsonl")
    damaged = _train(runner, _write(tmp_path / "flipped.jsonl", flip=True))
    refused = runner("models", "promote", damaged, "--data", str(data), "--force")
    assert refused.exit_code != 0
    assert "--force needs --reason" in refused.output
    forced = runner(
        "models", "promote", damaged, "--data", str(data), "--force", "--reason", "testing the gate"
    )
    assert forced.exit_code == 0, forced.output
    listed = {r["version"]: r for r in json.loads(runner("models", "list", "--json").output)}
    assert listed[damaged]["status"] == "active"
    assert listed[damaged]["metadata"]["forced_promotion"]["reason"] == "testing the gate"


def test_without_held_out_data_the_gate_refuses(runner, tmp_path) -> None:
    candidate = _train(runner, _write(tmp_path / "labels.jsonl"))
    result = runner("models", "promote", candidate)
    assert result.exit_code != 0
    assert f"at least {MIN_GATE_COMMENTS}" in result.output


def test_rollback_returns_to_the_previous_model(runner, tmp_path, tiny_model) -> None:
    data = _write(tmp_path / "labels.jsonl")
    new = _train(runner, data)
    assert runner("models", "promote", new, "--data", str(data)).exit_code == 0
    result = runner("models", "rollback")
    assert result.exit_code == 0, result.output
    statuses = _status(runner)
    assert statuses[tiny_model.version] == "active"
    assert statuses[new] == "retired"


def test_rollback_without_history_fails_clearly(runner) -> None:
    result = runner("models", "rollback")
    assert result.exit_code != 0
    assert "No earlier active model" in result.output


def test_gate_slice_keeps_young_sites_labels_for_training() -> None:
    assert gate_slice_size(2 * MIN_GATE_COMMENTS - 1) == 0
    assert gate_slice_size(1000) == 200
    assert gate_slice_size(10**6) == 2000


def test_gate_refuses_held_out_labels_of_one_class_only(runner, tmp_path) -> None:
    candidate = _train(runner, _write(tmp_path / "labels.jsonl"))
    only_ham = tmp_path / "ham.jsonl"
    only_ham.write_text(
        "\n".join(json.dumps(c.as_dict()) for c in labelled_comments() if c.label == 0)
    )
    result = runner("models", "promote", candidate, "--data", str(only_ham))
    assert result.exit_code != 0
    assert f"at least {MIN_GATE_PER_CLASS} of each" in result.output
    assert _status(runner)[candidate] == "candidate"


def test_without_held_out_data_the_refusal_says_what_is_missing_and_shows_no_zeros(
    runner, tmp_path
) -> None:
    candidate = _train(runner, _write(tmp_path / "labels.jsonl"))
    result = runner("models", "promote", candidate)
    assert "0.0000" not in result.output  # no comparison was possible, so none is printed
    assert "Fix the model" not in result.output
    assert f"Comparing {candidate} with the active " in result.output
    assert "Give held-out labelled comments the candidate was not trained on with --data" in (
        result.output)


def test_held_out_data_without_the_sites_language_is_refused(runner, stores,
                                                             tmp_path) -> None:
    # A German site: its readers' comments are German.
    for number in range(30):
        stores.comments.add_comment(thread_id="t", author_name="Leser", lang="de",
                                    text=f"Ein ganz normaler Kommentar Nummer {number}.")
    english = tmp_path / "english.jsonl"
    english.write_text("\n".join(json.dumps({**c.as_dict(), "lang": "en"})
                                 for c in labelled_comments()))
    candidate = _train(runner, english)
    result = runner("models", "promote", candidate, "--data", str(english))
    assert result.exit_code != 0
    assert f"on the files {english} (" in result.output  # the basis is named
    assert "the held-out comments hold 0 in German (de), which is 100% of this site's comments" in (
        result.output)
    assert _status(runner)[candidate] == "candidate"


def test_a_second_rollback_goes_further_back(runner, tmp_path, tiny_model) -> None:
    data = _write(tmp_path / "labels.jsonl")
    second = _train(runner, data)
    assert runner("models", "promote", second, "--data", str(data)).exit_code == 0
    third = _train(runner, data)
    assert runner("models", "promote", third, "--data", str(data)).exit_code == 0
    assert runner("models", "rollback").exit_code == 0
    assert _status(runner)[second] == "active"
    assert runner("models", "rollback").exit_code == 0
    statuses = _status(runner)
    assert statuses[tiny_model.version] == "active"  # not the third again
    assert statuses[third] == statuses[second] == "retired"
    # Promoted again, a rolled-back model is an ordinary step of the history.
    assert runner("models", "promote", third, "--data", str(data)).exit_code == 0
    assert runner("models", "rollback").exit_code == 0
    assert _status(runner)[tiny_model.version] == "active"
