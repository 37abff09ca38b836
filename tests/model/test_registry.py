"""Artefacts load only when their SHA-256 matches; the registry swaps atomically."""

from __future__ import annotations

import shutil

import pytest

from spamschutz.model import (
    ActiveModel,
    ModelIntegrityError,
    ModelRegistry,
    ModelStore,
    StoredModel,
)
from tests.waiting import wait_until


def test_saved_model_loads_with_its_hash(tiny_model: StoredModel) -> None:
    model = ModelStore(tiny_model.path.parent.parent).load(tiny_model.version, tiny_model.sha256)
    assert 0.0 <= model.score_one("Cheap viagra at http://pills.example.ru") <= 1.0
    assert model.metadata["version"] == tiny_model.version


def test_tampered_artefact_is_refused(tiny_model: StoredModel, tmp_path) -> None:
    store = ModelStore(tmp_path)
    target = store.path_for(tiny_model.version)
    target.parent.mkdir(parents=True)
    shutil.copy(tiny_model.path, target)
    with target.open("ab") as handle:
        handle.write(b"\x00tampered")
    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        store.load(tiny_model.version, tiny_model.sha256)


def test_artefact_is_read_once_so_what_was_hashed_is_what_is_loaded(
    tiny_model: StoredModel, tmp_path
) -> None:
    """A model file was hashed, then opened again to load it: whatever took its place in
    between was unpickled. The artefact here is a pipe that gives its bytes to one reader
    only; a second opening would wait for bytes that never come."""
    import os
    import threading

    good = tiny_model.path.read_bytes()
    store = ModelStore(tmp_path)
    target = store.path_for(tiny_model.version)
    target.parent.mkdir(parents=True)
    os.mkfifo(target)

    def write_once() -> None:
        with open(target, "wb") as pipe:  # waits for the reader
            pipe.write(good)

    writer = threading.Thread(target=write_once, daemon=True)
    writer.start()
    loaded: list[object] = []
    loader = threading.Thread(
        target=lambda: loaded.append(store.load(tiny_model.version, tiny_model.sha256)),
        daemon=True,
    )
    loader.start()
    loader.join(timeout=60)
    opened_again = loader.is_alive()
    if opened_again:  # let the second reader see the end of the pipe, then give up
        os.close(os.open(target, os.O_WRONLY))
        loader.join(timeout=10)
    assert not opened_again, "the artefact was opened a second time after it was hashed"
    assert loaded and loaded[0].metadata["version"] == tiny_model.version


def test_a_model_trained_on_other_signals_is_refused_with_what_to_do(
    tiny_model: StoredModel, tmp_path
) -> None:
    """A model from a release that computed other signals (capital letters, say) would read
    this release's signals with its own weights; it is refused, saying how to get a new one."""
    model = ModelStore(tiny_model.path.parent.parent).load(tiny_model.version, tiny_model.sha256)
    signals = dict(model.pipeline.named_steps["features"].transformer_list)["meta"]
    signals.signals_ = ("links", "capitals", "exclamations")
    store = ModelStore(tmp_path)
    older = store.save(model)
    with pytest.raises(ModelIntegrityError, match="spamschutz train"):
        store.load(older.version, older.sha256)


def test_missing_artefact_is_refused(tmp_path) -> None:
    with pytest.raises(ModelIntegrityError, match="cannot be read"):
        ModelStore(tmp_path).load("20260101-000000-abcd", "0" * 64)


def test_path_traversal_in_version_is_refused(tmp_path) -> None:
    with pytest.raises(ModelIntegrityError):
        ModelStore(tmp_path).path_for("../../etc")


def test_registry_keeps_last_good_model_when_the_new_one_is_broken(
    tiny_model: StoredModel,
) -> None:
    store = ModelStore(tiny_model.path.parent.parent)
    wanted = [ActiveModel(tiny_model.version, tiny_model.sha256)]
    registry = ModelRegistry(store, lambda: wanted[0], refresh_seconds=0)
    assert registry.current()[0] == tiny_model.version

    wanted[0] = ActiveModel(tiny_model.version, "f" * 64)  # the catalog now vouches for junk
    serving = registry.current()
    assert serving is not None and serving[0] == tiny_model.version
    assert "SHA-256" in (registry.problem or "")


def test_registry_without_any_model_reports_the_problem(tmp_path) -> None:
    registry = ModelRegistry(ModelStore(tmp_path), lambda: None, refresh_seconds=0)
    assert registry.current() is None
    assert registry.problem == "no active model"


def test_requests_arriving_while_the_first_model_loads_wait_for_it(
    tiny_model: StoredModel,
) -> None:
    import threading

    loading, release = threading.Event(), threading.Event()
    loads: list[str] = []

    class SlowStore(ModelStore):
        def load(self, version: str, sha256: str):
            loads.append(version)
            loading.set()
            release.wait(timeout=30)  # a large artefact takes a moment to read and unpickle
            return super().load(version, sha256)

    store = SlowStore(tiny_model.path.parent.parent)
    registry = ModelRegistry(
        store, lambda: ActiveModel(tiny_model.version, tiny_model.sha256), refresh_seconds=10
    )
    results: list[object] = []
    first = threading.Thread(target=lambda: results.append(registry.current()))
    first.start()
    assert loading.wait(timeout=30)
    # The first request is loading the model now; the second one arrives meanwhile.
    later: list[object] = []
    second = threading.Thread(target=lambda: later.append(registry.current()))
    second.start()
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert later and later[0] is not None and later[0][0] == tiny_model.version
    assert results and results[0] is not None
    assert loads == [tiny_model.version]  # the second request waited; it did not load again


def test_requests_keep_scoring_with_the_old_model_while_the_new_one_loads(
    tiny_model: StoredModel, tmp_path
) -> None:
    import threading

    store_dir = tmp_path / "models"
    shutil.copytree(tiny_model.path.parent, store_dir / tiny_model.version)
    old = ModelStore(store_dir).load(tiny_model.version, tiny_model.sha256)
    new = ModelStore(store_dir).save(old, version="20990101-000000-cafe")
    release = threading.Event()
    loaded_by: list[int] = []

    class SlowStore(ModelStore):
        def load(self, version: str, sha256: str):
            if version == new.version:
                loaded_by.append(threading.get_ident())
                release.wait(timeout=30)  # a large artefact, still unpickling
            return super().load(version, sha256)

    wanted = [ActiveModel(tiny_model.version, tiny_model.sha256)]
    registry = ModelRegistry(SlowStore(store_dir), lambda: wanted[0], refresh_seconds=0.05)
    try:
        assert registry.current()[0] == tiny_model.version
        wanted[0] = ActiveModel(new.version, new.sha256)  # promoted in the catalog
        # The watcher notices the promotion and starts loading; meanwhile the old one serves.
        wait_until(lambda: registry.current()[0] == tiny_model.version and loaded_by, 30,
                   "the watcher starts loading the promoted model", interval=0.01)
        # The load is stuck, yet requests get an answer, from the old model.
        for _ in range(20):
            version, model = registry.current()
            assert version == tiny_model.version
            assert 0.0 <= model.score_one("Cheap pills at http://pills.example.ru") <= 1.0
        assert loaded_by == [loaded_by[0]] and loaded_by[0] != threading.get_ident()
        release.set()
        wait_until(lambda: registry.current()[0] == new.version, 30,
                   "the new model serves once loaded", interval=0.01)
        assert registry.problem is None
    finally:
        release.set()
        registry.close()


def test_an_announced_promotion_is_loaded_at_once_not_at_the_next_poll(
    tiny_model: StoredModel, tmp_path
) -> None:
    import threading

    store_dir = tmp_path / "models"
    shutil.copytree(tiny_model.path.parent, store_dir / tiny_model.version)
    store = ModelStore(store_dir)
    new = store.save(store.load(tiny_model.version, tiny_model.sha256),
                     version="20990101-000000-beef")
    wakes: list[object] = []
    listening = threading.Event()

    def listen(wake) -> None:  # what the service's database listener does with it
        wakes.append(wake)
        listening.set()

    wanted = [ActiveModel(tiny_model.version, tiny_model.sha256)]
    # Polling once an hour: only the announcement can make it switch within this test.
    registry = ModelRegistry(store, lambda: wanted[0], refresh_seconds=3600, listen=listen)
    try:
        assert registry.current()[0] == tiny_model.version
        registry.current()  # the watcher and the listener start with the first served model
        assert listening.wait(timeout=30)
        wanted[0] = ActiveModel(new.version, new.sha256)
        wakes[0]()  # a promotion is announced
        wait_until(lambda: registry.current()[0] == new.version, 30,
                   "the announced model serves", interval=0.01)
    finally:
        registry.close()
