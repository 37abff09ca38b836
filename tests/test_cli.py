"""The ``spamschutz`` command line against a real SQLite database and model directory."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import DATASETS_MISSING, YOUTUBE


def test_tokens_create_prints_the_token_last_and_stores_only_its_hash(runner, stores) -> None:
    result = runner("tokens", "create", "blog", "--role", "moderator")
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("ssz_")
    (row,) = [r for r in stores.accounts.list_api_tokens() if r.name == "blog"]
    assert row.role == "moderator"
    assert token not in row.token_hash


def test_moderators_add_reads_the_password_from_stdin(runner, stores) -> None:
    result = runner(
        "moderators", "add", "anna", "--password-stdin", input="a long enough password\n"
    )
    assert result.exit_code == 0, result.output
    row = stores.accounts.get_moderator("anna")
    assert row.password_hash.startswith("$argon2id$")


def test_short_password_is_refused(runner) -> None:
    result = runner("moderators", "add", "bob", "--password-stdin", input="short\n")
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output


def test_train_json_then_evaluate_json_then_promote(runner, tmp_path) -> None:
    data = tmp_path / "labels.jsonl"
    from tests.factories import labelled_comments

    data.write_text("\n".join(json.dumps(c.as_dict()) for c in labelled_comments()))
    trained = json.loads(runner("train", "--data", str(data), "--json").output)
    assert trained["status"] == "candidate"
    version = trained["version"]

    result = runner("evaluate", "--data", str(data), "--model", version, "--json")
    report = json.loads(result.output)
    for key in (
        "n",
        "roc_auc",
        "pr_auc",
        "accuracy",
        "precision",
        "recall",
        "ham_blocked",
        "f1",
        "mcc",
        "thresholds",
    ):
        assert key in report
    assert report["model_version"] == version

    assert runner("models", "promote", version, "--data", str(data)).exit_code == 0
    listed = json.loads(runner("models", "list", "--json").output)
    assert {r["version"]: r["status"] for r in listed}[version] == "active"


def test_malformed_training_file_error_names_file_and_line(runner, tmp_path) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("text,label\nfine,ham\nbroken,perhaps\n")
    result = runner("train", "--data", str(data))
    assert result.exit_code != 0
    assert "bad.csv, line 3" in result.output


def test_train_from_db_alone_with_too_few_labels_says_what_to_add(runner) -> None:
    result = runner("train", "--from-db")
    assert result.exit_code != 0
    assert "at least 10 spam and 10 ham" in result.output


def test_promote_of_unknown_version_fails_clearly(runner) -> None:
    result = runner("models", "promote", "20990101-000000-0000")
    assert result.exit_code != 0
    assert "No model" in result.output


@pytest.mark.skipif(not YOUTUBE.exists(), reason=DATASETS_MISSING)
def test_youtube_csv_trains_as_it_is(runner) -> None:
    files = sorted(YOUTUBE.glob("*.csv"))
    result = runner("train", "--data", str(files[0]), "--data", str(files[1]), "--json")
    trained = json.loads(result.output)
    assert trained["data"]["n"] > 600
    assert [s["name"] for s in trained["data"]["sources"]] == [files[0].name, files[1].name]


def test_score_prints_the_score_band_and_reasons_without_a_server(runner, tmp_path) -> None:
    result = runner("score", "Cheap viagra pills, buy now at http://pills.example!!!")
    assert result.exit_code == 0, result.output
    first, *reasons = result.output.splitlines()
    assert first.startswith(("score 0.", "score > 0.999")) and "  spam  " in first
    assert reasons and all(line.lstrip()[0] in "↑↓" for line in reasons)
    comment = tmp_path / "comment.txt"
    comment.write_text("Danke für den ausgewogenen Bericht über die Radwege.", encoding="utf-8")
    scored = json.loads(runner("score", "--file", str(comment), "--json").output)
    assert 0 <= scored["score"] <= 1 and scored["band"] in ("ham", "unsure", "spam")
    assert scored["reasons"][0]["description"]


def test_score_without_text_says_how_to_call_it(runner) -> None:
    result = runner("score")
    assert result.exit_code == 2
    assert "Give the comment's text, or --file FILE" in result.output


def test_moderators_add_states_the_password_rule_and_asks_again(runner, stores) -> None:
    result = runner("moderators", "add", "carla",
                    input="short\nlong enough password\nlong enough password\n")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Password (at least 10 characters): ")
    assert "at least 10 characters, please" in result.output
    assert stores.accounts.get_moderator("carla") is not None


def test_moderators_add_asks_again_when_the_repetition_differs(runner, stores) -> None:
    result = runner("moderators", "add", "dora",
                    input="long enough password\nlong enough passwort\n"
                          "long enough password\nlong enough password\n")
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert result.output.count("Password (at least 10 characters): ") == 2
    assert stores.accounts.get_moderator("dora") is not None


def test_tokens_list_says_when_each_token_was_last_used(runner, client, make_token) -> None:
    token = make_token("site")
    assert "test-site  site  active  never used" in runner("tokens", "list").output
    response = client.post("/api/v1/score", json={"text": "Guter Artikel, danke."},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    listed = runner("tokens", "list").output
    assert "never used" not in listed
    used = listed.split("last used ")[1].split()[0]
    assert datetime.fromisoformat(used) >= datetime.now(UTC).replace(second=0, microsecond=0) \
        - timedelta(minutes=1)


def test_a_disabled_moderator_cannot_log_in_until_enabled_again(runner, client, login) -> None:
    login()
    assert client.get("/moderation/").status_code == 200
    result = runner("moderators", "disable", "redaktion")
    assert result.exit_code == 0, result.output
    assert "redaktion  (disabled)" in runner("moderators", "list").output
    # Logged out at once, and the password no longer opens the desk.
    assert client.get("/moderation/").status_code in (302, 303)
    with pytest.raises(AssertionError):
        login()
    assert runner("moderators", "enable", "redaktion").exit_code == 0
    assert runner("moderators", "list").output == "redaktion\n"
    login()
    assert client.get("/moderation/").status_code == 200


def test_disabling_an_unknown_moderator_names_it(runner) -> None:
    result = runner("moderators", "disable", "niemand")
    assert result.exit_code != 0
    assert "No moderator named 'niemand'." in result.output
