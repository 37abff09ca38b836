"""constraints-min.txt pins exactly the floors pyproject.toml declares, so CI's run on the
minimum versions tests what the project promises to work with."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO_ROOT

PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
# NAME>=FLOOR, with an upper bound only where the code leans on a release's internals.
REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]+\])?>=([0-9.]+)(?:,<[0-9.]+)?$")


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _version(text: str) -> tuple[int, ...]:
    parts = [int(part) for part in text.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def declared_floors() -> dict[str, tuple[int, ...]]:
    """Every dependency, extras included, with the lower bound pyproject.toml declares."""
    requirements = [*PROJECT["dependencies"]]
    for extra in PROJECT["optional-dependencies"].values():
        requirements += extra
    floors: dict[str, tuple[int, ...]] = {}
    for requirement in requirements:
        match = REQUIREMENT.match(requirement.replace(" ", ""))
        assert match, f"{requirement!r}: declare a lower bound (NAME>=VERSION) and nothing else"
        name, version = _name(match[1]), _version(match[2])
        assert floors.get(name, version) == version, f"{name} has two different floors"
        floors[name] = version
    return floors


def pinned_versions() -> dict[str, tuple[int, ...]]:
    """The versions constraints-min.txt pins."""
    pins = {}
    for line in (REPO_ROOT / "constraints-min.txt").read_text().splitlines():
        line = line.partition("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_name(name)] = _version(version)
    return pins


def test_the_minimum_versions_ci_installs_are_the_declared_floors() -> None:
    assert pinned_versions() == declared_floors()


def test_ci_runs_the_suite_on_the_minimum_versions_as_well_as_the_newest() -> None:
    script = (REPO_ROOT / ".ci" / "run").read_text()
    newest = script.index(".venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest")
    oldest = script.index(".venv-min/bin/pip install -c constraints-min.txt -e '.[test]'")
    assert newest < oldest
    assert script.index(".venv-min/bin/python -m pytest", oldest) > oldest
