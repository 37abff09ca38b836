"""Artefacts pickled before the rename still load: ``model.pipeline.SpamModel`` is found.

Until the packages were installed under one name, the model code was the top-level package
``model``, and a pickle names each class and function by its module, so an artefact written then
(in an installation's model directory, or baked into an image) asks for
``model.pipeline.SpamModel`` and ``model.bounded.BoundedLogisticRegression``. The code now is
``spamschutz.model``. While one artefact is unpickled, :func:`old_module_names` lets the old
names stand for the new modules; afterwards ``sys.modules`` holds exactly what it held before,
so a top-level ``model`` of someone else's (a notebook's ``model.py``) is neither shadowed nor
replaced beyond the load, and nothing of ours answers to ``import model``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

__all__ = ["OLD_PACKAGE", "old_module_names"]

OLD_PACKAGE = "model"
_PACKAGE = __name__.rpartition(".")[0]  # spamschutz.model

# One load at a time: two overlapping loads would each restore what the other put in place.
_lock = threading.Lock()


def _modules_by_old_name() -> dict[str, ModuleType]:
    """``model`` and each ``model.<name>``, mapped to the imported ``spamschutz.model`` module."""
    package = importlib.import_module(_PACKAGE)
    modules = {OLD_PACKAGE: package}
    for found in pkgutil.iter_modules(package.__path__):
        modules[f"{OLD_PACKAGE}.{found.name}"] = importlib.import_module(
            f"{_PACKAGE}.{found.name}"
        )
    return modules


@contextmanager
def old_module_names() -> Iterator[None]:
    """Within the block, ``model`` and ``model.<name>`` are names of the ``spamschutz.model``
    modules (pickle looks classes up through ``sys.modules``); after it, they are whatever they
    were before, usually nothing."""
    with _lock:
        aliases = _modules_by_old_name()
        before = {name: sys.modules.get(name) for name in aliases}
        sys.modules.update(aliases)
        try:
            yield
        finally:
            for name, module in before.items():
                if module is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = module
