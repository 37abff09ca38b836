"""The model catalog and single-use challenge tokens."""

from __future__ import annotations

import threading
from datetime import timedelta

import numpy as np
import pytest

from spamschutz.service.storage import ConflictError, NotFound


def _record(stores, version, **kwargs):
    return stores.models.record_model(
        version, "f" * 64, f"/models/{version}/model.joblib", {"f1": 0.97}, **kwargs
    )


def test_recorded_model_is_a_candidate(stores):
    recorded = _record(stores, "v1")
    assert recorded.status == "candidate" and recorded.activated_at is None
    assert recorded.metadata == {"f1": 0.97}
    assert stores.models.get_model("v1") == recorded
    assert stores.models.active_model() is None


def test_metadata_json_cannot_hold_is_stored_as_text(stores):
    recorded = stores.models.record_model("v1", "f" * 64, "/m", {"rows": np.int64(5)})
    assert recorded.metadata == {"rows": "5"}


def test_recording_a_version_twice_is_a_conflict(stores):
    _record(stores, "v1")
    with pytest.raises(ConflictError):
        _record(stores, "v1")


def test_activation_retires_the_previous_model(stores, clock):
    _record(stores, "v1", status="active")
    _record(stores, "v2")
    activated_at = clock.advance(minutes=1)
    active = stores.models.activate_model("v2")
    assert (active.version, active.status, active.activated_at) == ("v2", "active", activated_at)
    assert stores.models.active_model() == active
    assert stores.models.get_model("v1").status == "retired"


def test_reactivating_the_active_model_changes_nothing(stores):
    first = _record(stores, "v1", status="active")
    assert stores.models.activate_model("v1") == first


def test_activating_an_unknown_model_is_not_found(stores):
    _record(stores, "v1", status="active")
    with pytest.raises(NotFound):
        stores.models.activate_model("v9")
    assert stores.models.active_model().version == "v1"


def test_concurrent_activations_leave_exactly_one_active_model(stores):
    versions = [f"v{number}" for number in range(6)]
    for version in versions:
        _record(stores, version)
    barrier, errors = threading.Barrier(len(versions)), []

    def activate(version):
        barrier.wait()
        try:
            stores.models.activate_model(version)
        except Exception as error:  # collected: an exception in a thread is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=activate, args=(version,)) for version in versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    statuses = [row.status for row in stores.models.list_models()]
    assert statuses.count("active") == 1
    assert statuses.count("retired") == len(versions) - 1


def test_models_are_listed_newest_first(stores, clock):
    for version in ("v1", "v2", "v3"):
        clock.advance(minutes=1)
        _record(stores, version)
    assert [row.version for row in stores.models.list_models()] == ["v3", "v2", "v1"]


def test_challenge_token_cannot_be_replayed(stores):
    assert stores.challenges.redeem_challenge("token-1") is True
    assert stores.challenges.redeem_challenge("token-1") is False
    assert stores.challenges.redeem_challenge("token-2") is True


def test_concurrent_redemptions_of_one_token_accept_it_once(stores):
    results, barrier = [], threading.Barrier(8)

    def redeem():
        barrier.wait()
        results.append(stores.challenges.redeem_challenge("raced"))

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_purging_forgets_only_old_redemptions(stores, clock):
    stores.challenges.redeem_challenge("old")
    clock.advance(hours=1)
    stores.challenges.redeem_challenge("new")
    assert stores.challenges.purge_challenge_redemptions(clock.now - timedelta(minutes=30)) == 1
    assert stores.challenges.redeem_challenge("old") is True
    assert stores.challenges.redeem_challenge("new") is False
