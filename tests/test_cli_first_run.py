"""A newcomer's first commands: each one on a brand-new installation, run from some other
directory, as the installed ``spamschutz`` command. The state lives in the user's data
directory (not the current one), the schema is created where a command needs it, and an
expected condition is one line saying what to do, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import spamschutz_command
from tests.factories import labelled_comments

pytestmark = pytest.mark.slow

# Each command as a newcomer would type it first, and what it must say.
FIRST_COMMANDS = [
    (["moderators", "list"], 0, ""),
    (["moderators", "add", "anna", "--password-stdin"], 0, "anna"),
    (["tokens", "create", "blog"], 0, "ssz_"),
    (["tokens", "list"], 0, ""),
    (["models", "list"], 0, ""),
    (["evaluate", "--data", "labels.jsonl"], 1, "No active model"),
    (["models", "rollback"], 1, ""),
    (["labels", "export", "out.csv"], 0, ""),
    (["spool", "status"], 0, ""),
    (["purge"], 0, ""),
    (["sites", "list"], 0, ""),
    (["webhooks", "list"], 0, ""),
    (["privacy", "export", "leser@example.org"], 0, ""),
    (["db", "current"], 0, ""),
    (["backup", "--output", "copy.db"], 1, "No database at"),
]


def _newcomer(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment with a fresh home and no SPAMSCHUTZ_ settings, and a working directory
    that is not the installation."""
    home = tmp_path / "home"
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("SPAMSCHUTZ_") and not key.startswith("XDG_")}
    env["HOME"] = str(home)
    data = elsewhere / "labels.jsonl"
    data.write_text("\n".join(json.dumps(c.as_dict()) for c in labelled_comments()))
    return env, elsewhere


def _run(args: list[str], env: dict[str, str], cwd: Path, stdin: str = ""):
    return subprocess.run([*spamschutz_command(), *args], env=env, cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize(("args", "status", "says"), FIRST_COMMANDS,
                         ids=[" ".join(command[0][:2]) for command in FIRST_COMMANDS])
def test_first_command_on_a_new_installation_from_another_directory(tmp_path, args, status,
                                                                      says):
    env, elsewhere = _newcomer(tmp_path)
    result = _run(args, env, elsewhere, stdin="a long enough password\n")
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == status, output
    assert says in output
    if status:
        # One line that says what is wrong, not a wall of text.
        assert result.stderr.strip().startswith("Error: ") and len(
            result.stderr.strip().splitlines()) <= 2, result.stderr
    # Nothing is left in the current directory but what the command was told to write.
    assert {path.name for path in elsewhere.iterdir()} <= {"copy.db", "labels.jsonl", "out.csv"}
    # The installation is the user's: its secret (and database) in the user's data directory.
    assert (tmp_path / "home" / ".local" / "share" / "spamschutz" / "secret_key").exists()


def test_train_and_then_list_on_a_new_installation_from_another_directory(tmp_path):
    env, elsewhere = _newcomer(tmp_path)
    trained = _run(["train", "--data", "labels.jsonl", "--no-report", "--json"], env, elsewhere)
    assert trained.returncode == 0, trained.stderr
    version = json.loads(trained.stdout)["version"]
    listed = _run(["models", "list"], env, elsewhere)
    assert version in listed.stdout
    assert not (elsewhere / "var").exists()


def test_a_database_without_the_schema_is_named_as_such(tmp_path):
    env, elsewhere = _newcomer(tmp_path)
    # SQLite file that exists but holds no tables, and automatic upgrades switched off.
    env["SPAMSCHUTZ_AUTO_MIGRATE"] = "never"
    result = _run(["moderators", "list"], env, elsewhere)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "run 'spamschutz db upgrade'" in result.stderr
    assert "unavailable" not in result.stderr
