"""Imports run one way: the command line and the benchmarks on top, ``service/`` and
``training/`` beside each other, ``model/`` at the bottom; nothing outside the tests imports
``tests``. Checked on the source, function-level imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

OURS = {"model", "service", "training", "spamschutz", "bench", "tests"}
# Package -> the packages of ours it may import (besides itself).
ALLOWED = {
    "model": set(),
    "training": {"model"},
    "service": {"model"},
    "spamschutz": {"model", "service", "training"},
    "bench": {"model", "service", "training", "spamschutz"},
}


def imported_packages(path: Path) -> set[str]:
    """The top-level names of ours that a module imports, wherever in the module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
    return names & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_packages_below_it(package: str) -> None:
    wrong = {
        str(path.relative_to(REPO_ROOT)): sorted(imported - ALLOWED[package] - {package})
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
        if (imported := imported_packages(path)) - ALLOWED[package] - {package}
    }
    assert not wrong, f"imports against the direction: {wrong}"
