"""The public datasets' folder is where SPAMSCHUTZ_DATASETS says, ../shared/datasets if unset."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _datasets_seen_by_the_tests(**env: str) -> str:
    environ = {key: value for key, value in os.environ.items() if key != "SPAMSCHUTZ_DATASETS"}
    return subprocess.run(
        [sys.executable, "-c", "from tests.conftest import YOUTUBE; print(YOUTUBE)"],
        cwd=REPO_ROOT, env={**environ, **env}, capture_output=True, text=True, check=True,
    ).stdout.strip()


def test_an_environment_variable_points_the_tests_at_the_datasets(tmp_path):
    assert _datasets_seen_by_the_tests(SPAMSCHUTZ_DATASETS=str(tmp_path)) == str(
        tmp_path / "youtube-spam-collection")


def test_without_it_the_tests_look_beside_the_checkout():
    assert _datasets_seen_by_the_tests() == str(
        REPO_ROOT.parent / "shared" / "datasets" / "youtube-spam-collection")
