"""Labels out to a notebook and corrected labels back in."""

from __future__ import annotations

import csv
import json

from tests.service.helpers import post_comment


def _two_labelled(client, app, stores) -> tuple[str, str]:
    ham = post_comment(client, app, text="Guter Bericht über den Stadtrat.").get_json()["id"]
    spam = post_comment(client, app, text="Billige Kredite hier!").get_json()["id"]
    stores.decisions.decide(ham, "approve", "anna")
    stores.decisions.decide(spam, "spam", "anna")
    return ham, spam


def test_labels_export_writes_jsonl_and_csv(runner, client, app, stores, tmp_path) -> None:
    ham, spam = _two_labelled(client, app, stores)
    jsonl, table = tmp_path / "labels.jsonl", tmp_path / "labels.csv"
    assert runner("labels", "export", str(jsonl)).exit_code == 0
    assert runner("labels", "export", str(table)).exit_code == 0
    rows = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert {(r["id"], r["label"]) for r in rows} == {(ham, "ham"), (spam, "spam")}
    with table.open() as handle:
        assert {(r["id"], r["label"]) for r in csv.DictReader(handle)} == {
            (ham, "ham"),
            (spam, "spam"),
        }


def test_corrected_labels_come_back_as_decisions(runner, client, app, stores, tmp_path) -> None:
    ham, spam = _two_labelled(client, app, stores)
    path = tmp_path / "labels.jsonl"
    runner("labels", "export", str(path))
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for row in rows:
        if row["id"] == ham:
            row["label"] = "spam"  # the data scientist found a disguised ad
    path.write_text("\n".join(json.dumps(row) for row in rows))

    assert "1 of 2 labels would change" in runner("labels", "import", str(path), "--dry-run").output
    assert stores.comments.get_comment(ham).status == "approved"
    result = runner("labels", "import", str(path))
    assert "Changed 1 labels" in result.output
    assert stores.comments.get_comment(ham).status == "spam"
    assert stores.decisions.decisions_for(ham)[-1].moderator == "import:labels.jsonl"
    labels = {r["id"]: r["label"] for r in stores.decisions.training_labels()}
    assert labels == {ham: "spam", spam: "spam"}


def test_import_without_ids_is_refused(runner, tmp_path) -> None:
    path = tmp_path / "new.csv"
    path.write_text("text,label\nfresh comment,spam\n")
    result = runner("labels", "import", str(path))
    assert result.exit_code != 0
    assert "needs the 'id' column" in result.output
