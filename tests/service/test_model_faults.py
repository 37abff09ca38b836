"""Model faults never stop comments from being accepted, and a file is only unpickled when its
SHA-256 matches the catalog.

The catalog (the ``model_versions`` table) is the trust anchor: a file is loaded only when its
content matches the hash recorded there, so write access to the model directory alone cannot
run code in the service. Whoever can write the catalog can: joblib files are pickles, and a
pickle registered with its own correct hash is unpickled, which runs whatever it contains,
before the service can see that it is not a spamschutz model.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shlex
import shutil
from pathlib import Path

import joblib
import pytest

from spamschutz.model import StoredModel
from tests.service.helpers import post_comment
from tests.service.outage import database_file_replaced_by_a_directory

NEW_VERSION = "20990101-000000-beef"


class _RunsCodeWhenUnpickled:
    """What an attacker would put in a model file: unpickling it runs a shell command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


@pytest.fixture
def model_dir(tmp_path: Path, tiny_model: StoredModel) -> Path:
    """A private copy of the model directory, which these tests damage."""
    directory = tmp_path / "models"
    shutil.copytree(tiny_model.path.parent, directory / tiny_model.version)
    return directory


@pytest.fixture
def app_config(app_config: dict[str, object], model_dir: Path) -> dict[str, object]:
    """The shared test configuration, serving models from :func:`model_dir`."""
    return {**app_config, "MODEL_DIR": str(model_dir)}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _malicious_artefact(path: Path, marker: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(_RunsCodeWhenUnpickled(marker), path)
    return path


def _catalogue_and_activate(stores, version: str, sha256: str, path: Path) -> None:
    stores.models.record_model(version, sha256, str(path), {"version": version})
    stores.models.activate_model(version)


def _break_new_model(kind: str, model_dir: Path, tiny_model: StoredModel) -> tuple[str, str]:
    """Write a broken artefact of ``kind``; its catalogued hash and the expected problem."""
    path = model_dir / NEW_VERSION / "model.joblib"
    if kind == "missing":
        return "0" * 64, "cannot be read"
    path.parent.mkdir(parents=True)
    if kind == "corrupt":
        path.write_bytes(b"this is not a joblib file")
        return _sha256(path), "cannot be loaded"
    shutil.copy(tiny_model.path, path)  # tampered: changed after its hash was recorded
    sha256 = _sha256(path)
    with path.open("ab") as handle:
        handle.write(b"\x00")
    return sha256, "SHA-256"


@pytest.mark.parametrize("kind", ["missing", "corrupt", "tampered"])
def test_broken_new_model_keeps_the_last_good_model_serving_and_says_so(
    kind, client, app, stores, model_dir, tiny_model, caplog
) -> None:
    assert client.get("/healthz").get_json()["model_version"] == tiny_model.version
    sha256, problem = _break_new_model(kind, model_dir, tiny_model)
    _catalogue_and_activate(stores, NEW_VERSION, sha256, model_dir / NEW_VERSION)

    with caplog.at_level(logging.ERROR, logger="spamschutz.model.registry"):
        response = post_comment(client, app)
    assert response.status_code == 202
    row = stores.comments.get_comment(response.get_json()["id"])
    assert row.model_version == tiny_model.version and row.score is not None
    health = client.get("/healthz").get_json()
    assert health["model_version"] == tiny_model.version
    assert problem in health["model_problem"]
    assert any("keeping the previous model" in record.message for record in caplog.records)


def test_without_any_loadable_model_every_comment_waits_unscored_for_review(
    client, app, stores, model_dir, tiny_model, caplog
) -> None:
    with (model_dir / tiny_model.version / "model.joblib").open("ab") as handle:
        handle.write(b"\x00")  # damaged before this instance ever loaded it

    with caplog.at_level(logging.ERROR, logger="spamschutz.model.registry"):
        responses = [post_comment(client, app) for _ in range(2)]
    assert [response.status_code for response in responses] == [202, 202]
    for response in responses:
        row = stores.comments.get_comment(response.get_json()["id"])
        assert (row.status, row.score, row.model_version) == ("pending", None, None)
        assert "unscored" in row.signals["verdict_reasons"]
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["model_version"] is None
    assert "SHA-256" in health.get_json()["model_problem"]
    assert client.get("/readyz").status_code == 503
    assert any("SHA-256" in record.message for record in caplog.records)


def test_malicious_artefact_under_the_legitimate_hash_is_never_unpickled(
    client, app, stores, model_dir, tiny_model, tmp_path
) -> None:
    marker = tmp_path / "code-ran"
    artefact = _malicious_artefact(model_dir / tiny_model.version / "model.joblib", marker)

    response = post_comment(client, app)
    assert response.status_code == 202
    assert stores.comments.get_comment(response.get_json()["id"]).score is None
    assert "SHA-256" in client.get("/healthz").get_json()["model_problem"]
    assert not marker.exists()

    joblib.load(artefact)  # the same file, opened without the check, does run its code
    assert marker.exists()


def test_artefact_catalogued_with_its_own_hash_is_trusted_so_the_catalog_is_the_trust_boundary(
    client, app, stores, model_dir, tiny_model, tmp_path
) -> None:
    """Documents the limit of the hash check, not a wish: a malicious pickle that the catalog
    vouches for runs its code when loaded. Afterwards the registry sees it is not a spamschutz
    model, refuses to serve it and keeps the last good model; the code has run by then.
    Protect the catalog (database credentials, who may run ``spamschutz train``/``promote``)
    like the code itself."""
    assert client.get("/healthz").get_json()["model_version"] == tiny_model.version
    marker = tmp_path / "code-ran"
    artefact = _malicious_artefact(model_dir / NEW_VERSION / "model.joblib", marker)
    _catalogue_and_activate(stores, NEW_VERSION, _sha256(artefact), artefact)

    response = post_comment(client, app)
    assert response.status_code == 202
    assert marker.exists()
    health = client.get("/healthz").get_json()
    assert health["model_version"] == tiny_model.version
    assert "not a spamschutz model" in health["model_problem"]


def test_model_problem_clears_once_the_catalog_answers_again(client, app, tiny_model) -> None:
    assert client.get("/healthz").get_json()["model_problem"] is None
    with database_file_replaced_by_a_directory(app):
        assert "catalog unavailable" in client.get("/healthz").get_json()["model_problem"]
    health = client.get("/healthz").get_json()
    assert health["model_version"] == tiny_model.version
    assert health["model_problem"] is None


def test_refused_artefact_is_not_opened_again_at_every_refresh(
    client, app, stores, model_dir, tiny_model, tmp_path
) -> None:
    client.get("/healthz")
    marker = tmp_path / "code-ran"
    artefact = _malicious_artefact(model_dir / NEW_VERSION / "model.joblib", marker)
    _catalogue_and_activate(stores, NEW_VERSION, _sha256(artefact), artefact)
    client.get("/healthz")
    assert marker.exists()
    marker.unlink()
    client.get("/healthz")
    assert not marker.exists()
