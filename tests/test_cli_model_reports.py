"""Every trained version keeps its training report beside the artefact; ``models list`` and the
moderation dashboard point to it, and only a logged-in moderator can open it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.factories import labelled_comments


def _labels(path: Path) -> Path:
    path.write_text("\n".join(json.dumps(c.as_dict()) for c in labelled_comments()))
    return path


def _models(runner) -> dict[str, dict]:
    rows = json.loads(runner("models", "list", "--json").output)
    return {row["version"]: row for row in rows}


def test_train_writes_the_report_beside_the_artefact_and_models_list_shows_it(
    runner, tmp_path, app_config
) -> None:
    trained = json.loads(
        runner("train", "--data", str(_labels(tmp_path / "l.jsonl")), "--json").output
    )
    report = Path(trained["report"])
    assert report == Path(str(app_config["MODEL_DIR"])) / trained["version"] / "report.html"
    html = report.read_text(encoding="utf-8")
    assert trained["version"] in html and "Worst mistakes" in html
    assert _models(runner)[trained["version"]]["report"] == str(report)
    listing = runner("models", "list").output
    line = next(line for line in listing.splitlines() if line.startswith(trained["version"]))
    assert f"report {report}" in line


def test_train_without_report_records_none(runner, tmp_path) -> None:
    trained = json.loads(
        runner(
            "train", "--data", str(_labels(tmp_path / "l.jsonl")), "--no-report", "--json"
        ).output
    )
    assert trained["report"] is None
    assert _models(runner)[trained["version"]]["report"] is None
    line = next(
        line
        for line in runner("models", "list").output.splitlines()
        if line.startswith(trained["version"])
    )
    assert line.endswith("report -")


def test_dashboard_links_the_report_and_only_moderators_can_open_it(
    runner, tmp_path, client, login
) -> None:
    version = json.loads(
        runner("train", "--data", str(_labels(tmp_path / "l.jsonl")), "--json").output
    )["version"]
    address = f"/moderation/models/{version}/report"

    anonymous = client.get(address)
    assert anonymous.status_code == 303 and "/moderation/login" in anonymous.headers["Location"]

    login()
    dashboard = client.get("/moderation/dashboard").get_data(as_text=True)
    assert f'href="{address}"' in dashboard
    report = client.get(address)
    assert report.status_code == 200
    assert report.mimetype == "text/html"
    assert version in report.get_data(as_text=True)
    policy = report.headers["Content-Security-Policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy and "sandbox" in policy
    assert report.headers["Cache-Control"] == "no-store"


def test_report_of_an_unknown_version_or_one_without_report_is_not_found(
    client, login, tiny_model
) -> None:
    login()
    assert client.get("/moderation/models/20990101-000000-0000/report").status_code == 404
    assert client.get(f"/moderation/models/{tiny_model.version}/report").status_code == 404
    assert client.get("/moderation/models/..%2F..%2Fetc/report").status_code == 404


def test_evaluating_a_version_keeps_its_figures_and_report_for_models_list_and_dashboard(
    runner, tmp_path, client, login
) -> None:
    labels = _labels(tmp_path / "l.jsonl")
    version = json.loads(runner("train", "--data", str(labels), "--no-report", "--json").output)[
        "version"
    ]
    assert _models(runner)[version]["evaluation_report"] is None

    asked_for = tmp_path / "evaluation.html"
    evaluated = runner(
        "evaluate", "--data", str(labels), "--model", version, "--report", str(asked_for)
    )
    assert evaluated.exit_code == 0, evaluated.output
    row = _models(runner)[version]
    kept = Path(row["evaluation_report"])
    assert kept.parent.name == version and kept.read_bytes() == asked_for.read_bytes()
    assert row["metadata"]["evaluation"]["data"] == ["l.jsonl"]
    assert row["metadata"]["evaluation"]["roc_auc"] > 0.9
    line = runner("models", "list").output.split(version, 1)[1]
    assert "evaluated" in line and "on l.jsonl: ROC-AUC" in line and str(kept) in line

    address = f"/moderation/models/{version}/evaluation"
    assert client.get(address).status_code == 303
    login()
    assert f'href="{address}"' in client.get("/moderation/dashboard").get_data(as_text=True)
    served = client.get(address)
    assert served.status_code == 200 and served.data == kept.read_bytes()
    assert served.headers["Cache-Control"] == "no-store"


def test_a_version_never_evaluated_has_no_evaluation_page(client, login, tiny_model) -> None:
    login()
    assert client.get(f"/moderation/models/{tiny_model.version}/evaluation").status_code == 404
