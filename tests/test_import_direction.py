"""Imports run one way: the command line and the benchmarks on top, ``service/`` and
``training/`` beside each other, ``model/`` at the bottom; nothing outside the tests imports
``tests``. Checked on the source, function-level imports included.

The folders ``model/``, ``service/`` and ``training/`` are installed as ``spamschutz.model``,
``spamschutz.service`` and ``spamschutz.training``. Imported by their folder names they would
still work from a checkout (its root is on ``sys.path`` under pytest) but not once installed,
so an import by an old name is refused here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

INSTALLED_UNDER_SPAMSCHUTZ = {"model", "service", "training"}
# Package -> the packages of ours it may import (besides itself).
ALLOWED = {
    "model": set(),
    "training": {"model"},
    "service": {"model"},
    "spamschutz": {"model", "service", "training"},
    "bench": {"model", "service", "training", "spamschutz"},
}


def package_of(module: str) -> str | None:
    """Which of our folders ``module`` lives in (``spamschutz.service.api`` -> ``service``),
    or ``None`` for a module not of ours and for ``spamschutz`` itself (a docstring, the root
    every package imports through)."""
    top, _, rest = module.partition(".")
    if top == "spamschutz":
        inner = rest.partition(".")[0]
        if not inner:
            return None
        return inner if inner in INSTALLED_UNDER_SPAMSCHUTZ else "spamschutz"
    return top if top in {"bench", "tests"} else None


def imported_modules(path: Path) -> set[str]:
    """The absolute names a module imports, wherever in the module; ``from a import b`` gives
    ``a`` and ``a.b`` (``b`` may be a submodule)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imported_packages(path: Path) -> set[str]:
    """Our packages (by folder name) that a module imports."""
    return {package for name in imported_modules(path) if (package := package_of(name))}


def python_files() -> list[Path]:
    """Every Python file of the repository outside virtual environments and build output."""
    return sorted(
        path
        for path in REPO_ROOT.rglob("*.py")
        if not {".venv", ".venv-min", "build", "dist"} & set(path.relative_to(REPO_ROOT).parts)
    )


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_packages_below_it(package: str) -> None:
    wrong = {
        str(path.relative_to(REPO_ROOT)): sorted(imported - ALLOWED[package] - {package})
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
        if (imported := imported_packages(path)) - ALLOWED[package] - {package}
    }
    assert not wrong, f"imports against the direction: {wrong}"


def test_no_module_imports_model_service_or_training_by_its_folder_name() -> None:
    old = {
        str(path.relative_to(REPO_ROOT)): sorted(
            name
            for name in imported_modules(path)
            if name.partition(".")[0] in INSTALLED_UNDER_SPAMSCHUTZ
        )
        for path in python_files()
    }
    assert {path: names for path, names in old.items() if names} == {}, (
        "import them as spamschutz.model, spamschutz.service, spamschutz.training"
    )


STORAGE = "spamschutz.service.storage"


def test_the_service_and_the_command_line_reach_storage_through_its_package() -> None:
    """One door: outside ``service/storage/`` the service and the commands import the stores,
    their records and values from ``spamschutz.service.storage``, never from the modules
    behind it, so the storage package can rearrange them. (The benchmarks write rows in bulk
    through the schema's tables; the tests look at rows.)"""
    callers = [
        path
        for folder in ("service", "spamschutz")
        for path in sorted((REPO_ROOT / folder).rglob("*.py"))
        if (REPO_ROOT / "service" / "storage") not in path.parents
    ]
    behind = {}
    for path in callers:
        tree = ast.parse(path.read_text(), filename=str(path))
        names = sorted(
            name
            for node in ast.walk(tree)
            for name in (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module
                else [alias.name for alias in node.names] if isinstance(node, ast.Import)
                else []
            )
            if name.startswith(f"{STORAGE}.")
        )
        if names:
            behind[str(path.relative_to(REPO_ROOT))] = names
    assert behind == {}, f"import these from {STORAGE}"
