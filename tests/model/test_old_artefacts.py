"""Models saved before the packages were installed under ``spamschutz`` still load.

Their pickles name the classes ``model.pipeline.SpamModel`` and so on (the model code was the
top-level package ``model`` then). The artefact here is written the way such an installation
wrote it: by ``ModelStore.save`` in a process where the model code answers to those names."""

from __future__ import annotations

import json
import subprocess
import sys
import types
import zlib
from pathlib import Path

import pytest

from spamschutz.model import ModelStore, SpamModel, StoredModel

# Loads the tiny model, then gives every class and function of spamschutz.model its old
# module name, the name it had when it was the top-level package "model", and saves it again.
_SAVE_UNDER_OLD_NAMES = """
import importlib, json, pkgutil, sys
import spamschutz.model as package
from spamschutz.model import ModelStore

source, version, sha256, target = sys.argv[1:]
model = ModelStore(source).load(version, sha256)
sys.modules["model"] = package
for found in pkgutil.iter_modules(package.__path__):
    module = importlib.import_module(f"spamschutz.model.{found.name}")
    old = f"model.{found.name}"
    sys.modules[old] = module
    for value in vars(module).values():
        if getattr(value, "__module__", None) == module.__name__ and callable(value):
            value.__module__ = old
model.metadata["version"] = None
stored = ModelStore(target).save(model, version="20261101-120000-0ld0")
print(json.dumps({"version": stored.version, "sha256": stored.sha256}))
"""

TEXTS = ["Cheap viagra at http://pills.example.ru", "Danke für den Artikel, sehr gut erklärt."]


@pytest.fixture(scope="module")
def old_artefact(tiny_model: StoredModel, tmp_path_factory: pytest.TempPathFactory) -> StoredModel:
    """The tiny model, saved under the old module names in a directory of its own."""
    target = tmp_path_factory.mktemp("old-artefact")
    done = subprocess.run(
        [sys.executable, "-c", _SAVE_UNDER_OLD_NAMES, str(tiny_model.path.parent.parent),
         tiny_model.version, tiny_model.sha256, str(target)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    written = json.loads(done.stdout)
    path = target / written["version"] / "model.joblib"
    return StoredModel(written["version"], path, written["sha256"], {})


def test_the_old_artefact_names_its_classes_by_the_old_module_names(
    old_artefact: StoredModel,
) -> None:
    pickled = zlib.decompress(old_artefact.path.read_bytes())  # joblib's compress=3 is zlib
    assert b"model.pipeline" in pickled and b"model.bounded" in pickled
    assert b"spamschutz" not in pickled


def test_a_model_pickled_under_the_old_module_names_loads_and_scores_alike(
    old_artefact: StoredModel, tiny_model: StoredModel
) -> None:
    old = ModelStore(old_artefact.path.parent.parent).load(
        old_artefact.version, old_artefact.sha256
    )
    new = ModelStore(tiny_model.path.parent.parent).load(tiny_model.version, tiny_model.sha256)
    assert type(old) is SpamModel
    assert list(old.score(TEXTS)) == list(new.score(TEXTS))


def test_loading_an_old_artefact_leaves_no_top_level_model_module(
    old_artefact: StoredModel,
) -> None:
    assert "model" not in sys.modules
    ModelStore(old_artefact.path.parent.parent).load(old_artefact.version, old_artefact.sha256)
    assert not [name for name in sys.modules if name == "model" or name.startswith("model.")]


def test_a_users_own_model_module_is_untouched_by_a_load(
    old_artefact: StoredModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notebook's ``model.py`` imported before the load is still what ``model`` names after."""
    theirs = types.ModuleType("model")
    monkeypatch.setitem(sys.modules, "model", theirs)
    loaded = ModelStore(old_artefact.path.parent.parent).load(
        old_artefact.version, old_artefact.sha256
    )
    assert type(loaded) is SpamModel
    assert sys.modules["model"] is theirs
    assert "model.pipeline" not in sys.modules


def test_the_repository_folders_are_not_importable_under_the_old_names_once_installed() -> None:
    """The aliases exist only during a load: outside a checkout, ``import model`` fails."""
    done = subprocess.run(
        [sys.executable, "-c", "import spamschutz.model, model"],
        cwd=Path(sys.executable).parent, capture_output=True, text=True, timeout=120,
    )
    assert "No module named 'model'" in done.stderr
