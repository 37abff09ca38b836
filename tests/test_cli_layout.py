"""The command line's code stays easy to find: each model command in a module named after it,
and no command module grows past the house limit (docs/development.md, STYLE)."""

from __future__ import annotations

import pytest

from spamschutz.cli import main
from tests.conftest import REPO_ROOT

MAX_LINES = 300


@pytest.mark.parametrize(
    ("command", "module"),
    [
        ("train", "spamschutz.commands.train"),
        ("models", "spamschutz.commands.models"),
        ("retrain", "spamschutz.commands.retrain"),
        ("evaluate", "spamschutz.commands.evaluation"),
    ],
)
def test_a_model_command_lives_in_a_module_named_after_it(command: str, module: str) -> None:
    assert main.commands[command].callback.__module__ == module


def test_no_command_module_grows_past_the_limit() -> None:
    sizes = {
        path.name: len(path.read_text().splitlines())
        for path in (REPO_ROOT / "spamschutz" / "commands").glob("*.py")
    }
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}
