"""README's configuration table lists every setting with its default and meaning."""

from __future__ import annotations

from pathlib import Path

from service.config import DEFAULTS
from service.config_reference import configuration_table

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_configuration_table_matches_the_settings() -> None:
    assert configuration_table() in README, "run: python -m service.config_reference"
    for name in DEFAULTS:
        assert f"`SPAMSCHUTZ_{name}`" in README
